package sales

import (
	"context"
	"strings"

	"payvand.dev/shared/crm"
	"payvand.dev/shared/store"
)

// RenameCustomer gives a renamed customer's deals and activities its new
// name, which they show and are found by: each through its own write
// (every copy, the search words and a deal.updated/activity.updated
// event), found in the customer's item collection. Sales keep the name
// they were made under, as an invoice does. Running it again changes
// nothing, so a redelivered customer.updated is harmless. It returns the
// records changed.
func (s *Service) RenameCustomer(ctx context.Context, customerID, name string) (int, error) {
	t, err := s.Tables.TenantTable(ctx)
	if err != nil {
		return 0, err
	}
	changed := 0
	for _, kind := range []string{"DEAL#", "ACTIVITY#"} {
		p, err := t.Query(ctx, store.Query{PK: "CUSTOMER#" + customerID, SK: store.SKPrefix(kind), Limit: 5000})
		if err != nil {
			return changed, err
		}
		for _, it := range p.Items {
			id := strings.TrimPrefix(store.Str(it, store.SK), kind)
			n, err := retried(func() (int, error) {
				if kind == "DEAL#" {
					return s.renameDealCustomer(ctx, t, id, customerID, name)
				}
				return s.renameActivityCustomer(ctx, t, id, customerID, name)
			})
			if err != nil {
				return changed, err
			}
			changed += n
		}
	}
	return changed, nil
}

func (s *Service) renameDealCustomer(ctx context.Context, t store.Table, id, customerID, name string) (int, error) {
	old, err := s.loadDeal(ctx, t, id)
	if err != nil || old.CustomerID != customerID || old.CustomerName == name {
		return 0, err
	}
	d := cloneDeal(old.Deal)
	d.CustomerName, d.UpdatedAt, d.Version = name, s.now(), old.Version+1
	ops, err := dealOps(ctx, old, d, nil, "deal.updated", map[string]any{"deal": eventDeal(d), "from_stage_id": old.StageID, "to_stage_id": d.StageID})
	if err != nil {
		return 0, err
	}
	if err := t.TransactWrite(ctx, ops...); err != nil {
		return 0, err
	}
	return 1, nil
}

func (s *Service) renameActivityCustomer(ctx context.Context, t store.Table, id, customerID, name string) (int, error) {
	return s.renameActivity(ctx, t, id, func(a *crm.Activity) bool {
		if a.CustomerID != customerID || a.CustomerName == name {
			return false
		}
		a.CustomerName = name
		return true
	})
}

// RenameDeal gives a retitled deal's activities its new title, which they
// show and are found by, each through its own write (see RenameCustomer).
func (s *Service) RenameDeal(ctx context.Context, dealID, title string) (int, error) {
	t, err := s.Tables.TenantTable(ctx)
	if err != nil {
		return 0, err
	}
	p, err := t.Query(ctx, store.Query{PK: "DEAL#" + dealID, SK: store.SKPrefix("ACTIVITY#"), Limit: 5000})
	if err != nil {
		return 0, err
	}
	changed := 0
	for _, it := range p.Items {
		id := strings.TrimPrefix(store.Str(it, store.SK), "ACTIVITY#")
		n, err := retried(func() (int, error) {
			return s.renameActivity(ctx, t, id, func(a *crm.Activity) bool {
				if a.DealID != dealID || a.DealTitle == title {
					return false
				}
				a.DealTitle = title
				return true
			})
		})
		if err != nil {
			return changed, err
		}
		changed += n
	}
	return changed, nil
}

// retried runs a rename again when its record changed meanwhile; a record
// deleted meanwhile is left.
func retried(f func() (int, error)) (int, error) {
	for try := 0; ; try++ {
		n, err := f()
		if crm.ErrorCode(err) == crm.ENOTFOUND {
			return 0, nil
		}
		if crm.ErrorCode(err) != crm.ECONFLICT || try == 3 {
			return n, err
		}
	}
}

// renameActivity rewrites an activity that change alters.
func (s *Service) renameActivity(ctx context.Context, t store.Table, id string, change func(*crm.Activity) bool) (int, error) {
	old, tokens, err := s.loadActivity(ctx, t, id)
	if err != nil {
		return 0, err
	}
	a := *old
	if !change(&a) {
		return 0, nil
	}
	now := s.now()
	a.UpdatedAt, a.Version = now, old.Version+1
	ops, err := s.activityOps(ctx, t, old, &a, tokens, "activity.updated", now)
	if err != nil {
		return 0, err
	}
	if err := t.TransactWrite(ctx, ops...); err != nil {
		return 0, err
	}
	return 1, nil
}
