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
			var n int
			for try := 0; ; try++ {
				if kind == "DEAL#" {
					n, err = s.renameDealCustomer(ctx, t, id, customerID, name)
				} else {
					n, err = s.renameActivityCustomer(ctx, t, id, customerID, name)
				}
				// A record changed meanwhile is read again.
				if crm.ErrorCode(err) != crm.ECONFLICT || try == 3 {
					break
				}
			}
			if crm.ErrorCode(err) == crm.ENOTFOUND {
				err = nil // deleted meanwhile
			}
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
	old, tokens, err := s.loadActivity(ctx, t, id)
	if err != nil || old.CustomerID != customerID || old.CustomerName == name {
		return 0, err
	}
	a := *old
	now := s.now()
	a.CustomerName, a.UpdatedAt, a.Version = name, now, old.Version+1
	ops, err := s.activityOps(ctx, t, old, &a, tokens, "activity.updated", now)
	if err != nil {
		return 0, err
	}
	if err := t.TransactWrite(ctx, ops...); err != nil {
		return 0, err
	}
	return 1, nil
}
