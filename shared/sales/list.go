package sales

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"payvand.dev/shared/crm"
	"payvand.dev/shared/customers"
	"payvand.dev/shared/ids"
	"payvand.dev/shared/search"
	"payvand.dev/shared/store"
)

func asTx(err error, te **store.TxError) bool { return errors.As(err, te) }

// DealPage is one page of deals.
type DealPage struct {
	Deals      []*crm.Deal
	Total      int
	NextCursor string
}

// Deals lists deals from the index that fits the filter: newest (GSI1),
// by value (GSI3), by expected close date (GSI4), one stage (GSI2), one
// owner (GSI5), or a customer's collection; the other filters are
// conditions on that read. A second, count-only read gives the total.
func (s *Service) Deals(ctx context.Context, f crm.DealFilter) (*DealPage, error) {
	t, err := s.Tables.TenantTable(ctx)
	if err != nil {
		return nil, err
	}
	if f.Status != "" {
		f.Status = strings.ToLower(f.Status)
		if !slices.Contains(crm.DealStatuses, f.Status) {
			return nil, invalid("filter[status]", "must be one of open, won, lost")
		}
	}
	for _, d := range []struct{ name, v string }{{"filter[close_from]", f.CloseFrom}, {"filter[close_to]", f.CloseTo}} {
		if d.v != "" && !crm.ValidDate(d.v) {
			return nil, invalid(d.name, "must be a date (YYYY-MM-DD)")
		}
	}
	stageID := ""
	if f.Stage != "" {
		all, err := s.pipelines(ctx, t)
		if err != nil {
			return nil, err
		}
		stageID = stageOf(all, f.PipelineID, f.Stage)
		if stageID == "" {
			return &DealPage{}, nil
		}
	}
	var filter []store.Cond
	if f.Status != "" {
		filter = append(filter, store.Eq("status", f.Status))
	}
	if f.PipelineID != "" {
		filter = append(filter, store.Eq("pipeline_id", f.PipelineID))
	}
	if f.ValueMin != nil {
		filter = append(filter, store.Ge("value", *f.ValueMin))
	}
	if f.ValueMax != nil {
		filter = append(filter, store.Le("value", *f.ValueMax))
	}
	if f.CloseFrom != "" {
		filter = append(filter, store.Ge("expected_close_date", f.CloseFrom))
	}
	if f.CloseTo != "" {
		filter = append(filter, store.Le("expected_close_date", f.CloseTo))
	}
	if f.Search != "" || f.CustomerID != "" {
		if stageID != "" {
			filter = append(filter, store.Eq("stage_id", stageID))
		}
		if f.OwnerID != "" {
			filter = append(filter, store.Eq("owner_id", f.OwnerID))
		}
		return s.dealsInMemory(ctx, t, f, filter)
	}
	q := store.Query{Index: "GSI1", PK: dealsPK, Reverse: f.Desc, Limit: f.Limit, Offset: f.Offset, Cursor: f.Cursor}
	switch {
	case f.SortBy == "value":
		q.Index, q.PK = "GSI3", dealsPK+"#VALUE"
	case f.SortBy == "expected_close_date":
		q.Index, q.PK = "GSI4", dealsPK+"#CLOSE"
	case stageID != "":
		q.Index, q.PK = "GSI2", stagePK(stageID)
		stageID = ""
	case f.OwnerID != "":
		q.Index, q.PK = "GSI5", ownerPK(f.OwnerID)
		f.OwnerID = ""
	}
	if stageID != "" {
		filter = append(filter, store.Eq("stage_id", stageID))
	}
	if f.OwnerID != "" {
		filter = append(filter, store.Eq("owner_id", f.OwnerID))
	}
	q.Filter = filter
	list, total, next, err := store.List(ctx, t, q, DecodeDeal)
	if err != nil {
		return nil, err
	}
	return &DealPage{Deals: list, Total: total, NextCursor: next}, nil
}

// stageOf resolves a stage filter (an id, or a name in the given pipeline,
// else in the default pipeline, else in any).
func stageOf(all []*crm.Pipeline, pipelineID, ref string) string {
	if ids.Valid(ref) {
		return ref
	}
	var found string
	for _, p := range all {
		if pipelineID != "" && p.ID != pipelineID {
			continue
		}
		if st := p.StageByName(ref); st != nil {
			if p.IsDefault || found == "" {
				found = st.ID
			}
		}
	}
	return found
}

// dealsInMemory answers a search (index words, then one batch read) or a
// customer's deals (its collection): small sets, sorted and paged here.
func (s *Service) dealsInMemory(ctx context.Context, t store.Table, f crm.DealFilter, filter []store.Cond) (*DealPage, error) {
	var items []store.Item
	if f.Search != "" {
		hits, err := search.IDs(ctx, t, dealKind, f.Search)
		if err != nil {
			return nil, err
		}
		keys := store.Keys(hits, dealKey)
		if items, err = store.BatchGetAll(ctx, t, keys); err != nil {
			return nil, err
		}
		if f.CustomerID != "" {
			filter = append(filter, store.Eq("customer_id", f.CustomerID))
		}
	} else {
		if !ids.Valid(f.CustomerID) {
			return &DealPage{}, nil
		}
		p, err := t.Query(ctx, store.Query{PK: customers.CustomerKey(f.CustomerID).PK, SK: store.SKPrefix("DEAL#"), Limit: 1000})
		if err != nil {
			return nil, err
		}
		items = p.Items
	}
	all, err := store.Decode(items, filter, DecodeDeal)
	if err != nil {
		return nil, err
	}
	sortDeals(all, f.SortBy, f.Desc)
	page := &DealPage{Total: len(all)}
	page.Deals, page.NextCursor = store.Window(all, store.OffsetOf(f.Offset, f.Cursor), f.Limit)
	return page, nil
}

func sortDeals(l []*crm.Deal, by string, desc bool) {
	key := func(d *crm.Deal) string {
		switch by {
		case "value":
			return fmt.Sprintf("%019d#%s", d.ValueMinor, d.ID)
		case "expected_close_date":
			c := d.ExpectedCloseDate
			if c == "" {
				c = "~"
			}
			return c + "#" + d.ID
		}
		return d.ID
	}
	slices.SortFunc(l, func(a, b *crm.Deal) int {
		r := strings.Compare(key(a), key(b))
		if desc {
			r = -r
		}
		return r
	})
}

// CustomerDeals are a customer's deals (its collection: one query).
func (s *Service) CustomerDeals(ctx context.Context, customerID string) (*crm.Customer, []*crm.Deal, error) {
	t, err := s.Tables.TenantTable(ctx)
	if err != nil {
		return nil, nil, err
	}
	missing := &crm.Error{Code: crm.ENOTFOUND, Message: "customer not found", Key: "not-found-resource", Args: []any{"customer"}}
	if !ids.Valid(customerID) {
		return nil, nil, missing
	}
	p, err := t.Query(ctx, store.Query{PK: customers.CustomerKey(customerID).PK, SK: store.SKLess("DEAL$"), Limit: 1000})
	if err != nil {
		return nil, nil, err
	}
	var c *crm.Customer
	deals := []*crm.Deal{}
	for _, it := range p.Items {
		sk := store.Str(it, store.SK)
		switch {
		case sk == customers.CustomerKey(customerID).SK:
			if c, err = customers.DecodeCustomer(it); err != nil {
				return nil, nil, err
			}
		case strings.HasPrefix(sk, "DEAL#"):
			d, err := DecodeDeal(it)
			if err != nil {
				return nil, nil, err
			}
			deals = append(deals, d)
		}
	}
	if c == nil {
		return nil, nil, missing
	}
	return c, deals, nil
}
