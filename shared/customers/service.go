package customers

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"payvand.dev/shared/auth"
	"payvand.dev/shared/crm"
	"payvand.dev/shared/ids"
	"payvand.dev/shared/outbox"
	"payvand.dev/shared/search"
	"payvand.dev/shared/store"
	"payvand.dev/shared/users"
)

// TableSource finds the caller's tenant table from the context.
type TableSource interface {
	TenantTable(ctx context.Context) (store.Table, error)
}

// Service implements crm.CustomerService over the store.
type Service struct {
	Tables TableSource
	Now    func() time.Time
}

var _ crm.CustomerService = (*Service)(nil)

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func notFound() error {
	return &crm.Error{Code: crm.ENOTFOUND, Message: "customer not found", Key: "not-found-resource", Args: []any{"customer"}}
}

func (s *Service) Create(ctx context.Context, c *crm.Customer) (*crm.Customer, error) {
	t, err := s.Tables.TenantTable(ctx)
	if err != nil {
		return nil, err
	}
	now := s.now()
	c.ID = ids.New()
	c.CreatedAt, c.UpdatedAt, c.Version = now, now, 1
	ownerGiven := c.OwnerID != ""
	if p := auth.PrincipalFrom(ctx); p != nil {
		c.CreatedBy = p.Subject
		if c.OwnerID == "" {
			c.OwnerID = p.Subject
		}
	}
	normalize(c)
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if ownerGiven {
		if err := users.CheckAssignee(ctx, t, "owner_id", c.OwnerID); err != nil {
			return nil, err
		}
	}
	it, tokens, err := toItem(c)
	if err != nil {
		return nil, err
	}
	ops := []store.Op{store.PutOp(it, store.NotExists()), counterOp(nil, c, now)}
	ops = append(ops, tokenOps(c, nil, tokens)...)
	ops = append(ops, search.MatchOps(kind, c.ID, nil, matchKeys(c))...)
	ops = append(ops, outbox.Op(ctx, "customer.created", map[string]any{"customer": c}))
	if err := t.TransactWrite(ctx, ops...); err != nil {
		return nil, err
	}
	return c, nil
}

func normalize(c *crm.Customer) {
	if c.Type == "" {
		c.Type = "B2C"
		if c.Company != "" || c.Domain != "" {
			c.Type = "B2B"
		}
	}
	if c.Status == "" {
		c.Status = "active"
	}
	c.Email = strings.ToLower(strings.TrimSpace(c.Email))
	// Phones are kept with ASCII digits whatever keyboard typed them.
	c.Phone, c.Mobile = asciiDigits(c.Phone), asciiDigits(c.Mobile)
	if c.Tags == nil {
		c.Tags = []string{}
	}
	for i, tag := range c.Tags {
		c.Tags[i] = strings.TrimSpace(tag)
	}
	if c.CustomFields == nil {
		c.CustomFields = map[string]any{}
	}
	if c.Address.City == "" {
		c.Address.City = c.City
	}
	if c.City == "" {
		c.City = c.Address.City
	}
}

func counterOp(old, new *crm.Customer, now time.Time) store.Op {
	return store.UpdateOp(store.Update{Key: counterKey(), Add: counterDelta(old, new, now)})
}

// tokenOps writes the search tokens a customer gains and removes those it lost.
func tokenOps(c *crm.Customer, oldTokens, newTokens []string) []store.Op {
	return search.Ops(kind, c.ID, oldTokens, newTokens)
}

func (s *Service) load(ctx context.Context, t store.Table, id string) (*crm.Customer, []string, error) {
	if !ids.Valid(id) {
		return nil, nil, notFound()
	}
	it, err := store.GetOr(ctx, t, customerKey(id), notFound)
	if err != nil {
		return nil, nil, err
	}
	return fromItem(it)
}

func (s *Service) Get(ctx context.Context, id string) (*crm.Customer, error) {
	t, err := s.Tables.TenantTable(ctx)
	if err != nil {
		return nil, err
	}
	c, _, err := s.load(ctx, t, id)
	return c, err
}

// Detail reads the customer's whole item collection in one query.
func (s *Service) Detail(ctx context.Context, id string) (*crm.CustomerDetail, error) {
	t, err := s.Tables.TenantTable(ctx)
	if err != nil {
		return nil, err
	}
	if !ids.Valid(id) {
		return nil, notFound()
	}
	p, err := t.Query(ctx, store.Query{PK: customerKey(id).PK, Limit: 1000})
	if err != nil {
		return nil, err
	}
	d := &crm.CustomerDetail{Contacts: []json.RawMessage{}, Activities: []json.RawMessage{}, Deals: []json.RawMessage{}, Documents: []json.RawMessage{}}
	for _, it := range p.Items {
		sk := store.Str(it, store.SK)
		if sk == metaSK {
			if d.Customer, _, err = fromItem(it); err != nil {
				return nil, err
			}
			continue
		}
		// Related items keep their API form in "view" (see docs/data-model.md).
		view := json.RawMessage(store.Str(it, "view"))
		if !json.Valid(view) {
			continue
		}
		switch {
		case strings.HasPrefix(sk, "CONTACT#"):
			d.Contacts = append(d.Contacts, view)
		case strings.HasPrefix(sk, "ACTIVITY#"):
			d.Activities = append(d.Activities, view)
		case strings.HasPrefix(sk, "DEAL#"):
			d.Deals = append(d.Deals, view)
		case strings.HasPrefix(sk, "DOCUMENT#"):
			d.Documents = append(d.Documents, view)
		}
	}
	if d.Customer == nil {
		return nil, notFound()
	}
	return d, nil
}

func (s *Service) Update(ctx context.Context, id string, patch *crm.CustomerPatch) (*crm.Customer, error) {
	t, err := s.Tables.TenantTable(ctx)
	if err != nil {
		return nil, err
	}
	old, oldTokens, err := s.load(ctx, t, id)
	if err != nil {
		return nil, err
	}
	if patch.Version != nil && *patch.Version != old.Version {
		return nil, crm.VersionConflict("customer", nil)
	}
	c := *old
	c.Tags = slices.Clone(old.Tags)
	if err := patch.Apply(&c); err != nil {
		return nil, err
	}
	normalize(&c)
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if c.OwnerID != old.OwnerID && c.OwnerID != "" {
		if err := users.CheckAssignee(ctx, t, "owner_id", c.OwnerID); err != nil {
			return nil, err
		}
	}
	now := s.now()
	c.UpdatedAt = now
	c.Version = old.Version + 1
	it, tokens, err := toItem(&c)
	if err != nil {
		return nil, err
	}
	ops := []store.Op{store.PutOp(it, store.VersionIs(old.Version))}
	if d := counterDelta(old, &c, now); len(d) > 0 {
		ops = append(ops, store.UpdateOp(store.Update{Key: counterKey(), Add: d}))
	}
	ops = append(ops, tokenOps(&c, oldTokens, tokens)...)
	ops = append(ops, search.MatchOps(kind, c.ID, matchKeys(old), matchKeys(&c))...)
	if c.Name != old.Name {
		renames, err := contactRenames(ctx, t, c.ID, c.Name)
		if err != nil {
			return nil, err
		}
		ops = append(ops, renames...)
	}
	ops = append(ops, outbox.Op(ctx, "customer.updated", map[string]any{"customer": c, "previous_status": old.Status, "previous_name": old.Name}))
	if err := t.TransactWrite(ctx, ops...); err != nil {
		if crm.ErrorCode(err) == crm.ECONFLICT {
			return nil, crm.VersionConflict("customer", err)
		}
		return nil, err
	}
	return &c, nil
}

// Delete removes a customer with one read of its item collection and one
// transaction: its contacts stay, detached from it.
func (s *Service) Delete(ctx context.Context, id string) error {
	t, err := s.Tables.TenantTable(ctx)
	if err != nil {
		return err
	}
	if !ids.Valid(id) {
		return notFound()
	}
	p, err := t.Query(ctx, store.Query{PK: customerKey(id).PK, Limit: 1000})
	if err != nil {
		return err
	}
	var old *crm.Customer
	var oldTokens []string
	var related []store.Op
	for _, it := range p.Items {
		sk := store.Str(it, store.SK)
		switch {
		case sk == metaSK:
			if old, oldTokens, err = fromItem(it); err != nil {
				return err
			}
		case strings.HasPrefix(sk, "CONTACT#"):
			cid := strings.TrimPrefix(sk, "CONTACT#")
			related = append(related, store.DeleteOp(store.KeyOf(it)), store.UpdateOp(store.Update{Key: contactKey(cid),
				Remove: []string{"customer_id", "customer_name", "GSI3PK", "GSI3SK"}, Add: map[string]int64{"version": 1},
				Cond: []store.Cond{store.Exists()}}))
		default:
			related = append(related, store.DeleteOp(store.KeyOf(it)))
		}
	}
	if old == nil {
		return notFound()
	}
	ops := []store.Op{store.DeleteOp(customerKey(id), store.VersionIs(old.Version)), counterOp(old, nil, s.now())}
	ops = append(ops, tokenOps(old, oldTokens, nil)...)
	ops = append(ops, search.MatchOps(kind, id, matchKeys(old), nil)...)
	ops = append(ops, outbox.Op(ctx, "customer.deleted", map[string]any{"customer_id": id}))
	ops = append(ops, related...)
	if len(ops) > store.MaxTransactOps {
		return &crm.Error{Code: crm.ECONFLICT, Message: "the customer has too many related records to delete at once; remove some of its contacts first"}
	}
	err = t.TransactWrite(ctx, ops...)
	if crm.ErrorCode(err) == crm.ECONFLICT {
		return &crm.Error{Code: crm.ECONFLICT, Message: "the customer was changed while deleting; try again", Key: "conflict-version", Err: err}
	}
	return err
}

// Stats reads the counter item: one read whatever the number of customers.
func (s *Service) Stats(ctx context.Context) (*crm.CustomerStats, error) {
	t, err := s.Tables.TenantTable(ctx)
	if err != nil {
		return nil, err
	}
	it, err := t.Get(ctx, counterKey())
	if err != nil && crm.ErrorCode(err) != crm.ENOTFOUND {
		return nil, err
	}
	st := &crm.CustomerStats{ByType: map[string]int64{}, ByCity: map[string]int64{}, ByStatus: map[string]int64{}}
	month := s.now().Format("2006-01")
	var churned int64
	for attr := range it {
		n := store.Int(it, attr)
		if attr == "total" {
			st.Total = n
			continue
		}
		prefix, v, ok := unfacet(attr)
		if !ok || n == 0 {
			continue
		}
		switch prefix {
		case "st":
			st.ByStatus[v] = n
		case "ty":
			st.ByType[v] = n
		case "ct":
			st.ByCity[v] = n
		case "mo":
			if v == month {
				st.NewThisMonth = n
			}
		case "ch":
			if v == month {
				churned = n
			}
		}
	}
	st.Active = st.ByStatus["active"]
	// Churn: customers who left "active" this month, over those active at
	// its start (still active now, plus those who left).
	if base := st.Active + churned; base > 0 {
		st.ChurnRate = float64(int64(float64(churned)/float64(base)*10000)) / 100
	}
	return st, nil
}

// counterTotal returns the exact total for a filter set that the counters
// cover, or -1.
func counterTotal(it store.Item, f crm.CustomerFilter) int64 {
	extra := f.OwnerID != "" || f.Industry != "" || f.Tag != "" || f.Source != "" || f.Search != ""
	set := 0
	attr := "total"
	if f.Status != "" {
		set++
		attr = facet("st", f.Status)
	}
	if f.Type != "" {
		set++
		attr = facet("ty", f.Type)
	}
	if f.City != "" {
		set++
		attr = facet("ct", cityKey(f.City))
	}
	if extra || set > 1 {
		return -1
	}
	return store.Int(it, attr)
}

// List answers from the index that fits the filter best: one query for the
// page plus one read of the counters for the total (or a count query when
// the filters are not covered by counters).
func (s *Service) List(ctx context.Context, f crm.CustomerFilter) (*crm.CustomerPage, error) {
	t, err := s.Tables.TenantTable(ctx)
	if err != nil {
		return nil, err
	}
	if f.SortBy == "" {
		f.SortBy, f.Desc = "created_at", true
	}
	if f.SortBy != "created_at" && f.SortBy != "name" {
		return nil, &crm.Error{Code: crm.EVALIDATION, Message: "the given data was invalid", Key: "validation",
			Fields: map[string][]string{"sort": {"sort by one of: name, -name, created_at, -created_at"}}}
	}
	if f.Search != "" {
		return s.search(ctx, t, f)
	}
	q := store.Query{Index: "GSI1", PK: listPK, Reverse: f.Desc, Limit: f.Limit, Offset: f.Offset, Cursor: f.Cursor}
	var filter []store.Cond
	switch {
	case f.SortBy == "name":
		q.Index = "GSI2"
		filter = conds(f, "")
	case f.Status != "":
		q.Index, q.PK = "GSI3", statusPK(f.Status)
		filter = conds(f, "status")
	case f.City != "":
		q.Index, q.PK = "GSI4", cityPK(cityKey(f.City))
		filter = conds(f, "city")
	case f.OwnerID != "":
		q.Index, q.PK = "GSI5", ownerPK(f.OwnerID)
		filter = conds(f, "owner")
	default:
		filter = conds(f, "")
	}
	q.Filter = filter
	p, err := t.Query(ctx, q)
	if err != nil {
		return nil, err
	}
	page := &crm.CustomerPage{NextCursor: p.Cursor}
	for _, it := range p.Items {
		c, _, err := fromItem(it)
		if err != nil {
			return nil, err
		}
		page.Customers = append(page.Customers, c)
	}
	counters, err := t.Get(ctx, counterKey())
	if err != nil && crm.ErrorCode(err) != crm.ENOTFOUND {
		return nil, err
	}
	if n := counterTotal(counters, f); n >= 0 {
		page.Total = int(n)
	} else {
		q.Limit, q.Offset, q.Cursor, q.CountOnly = 0, 0, "", true
		cp, err := t.Query(ctx, q)
		if err != nil {
			return nil, err
		}
		page.Total = cp.Count
	}
	return page, nil
}

// conds are the filters not already answered by the chosen index.
func conds(f crm.CustomerFilter, indexed string) []store.Cond {
	var c []store.Cond
	if f.Status != "" && indexed != "status" {
		c = append(c, store.Eq("status", f.Status))
	}
	if f.City != "" && indexed != "city" {
		c = append(c, store.Eq("city_key", cityKey(f.City)))
	}
	if f.OwnerID != "" && indexed != "owner" {
		c = append(c, store.Eq("owner_id", f.OwnerID))
	}
	if f.Type != "" {
		c = append(c, store.Eq("type", f.Type))
	}
	if f.Industry != "" {
		c = append(c, store.Eq("industry", f.Industry))
	}
	if f.Source != "" {
		c = append(c, store.Eq("source", f.Source))
	}
	if f.Tag != "" {
		c = append(c, store.Contains("tags", f.Tag))
	}
	return c
}

// search finds customers by token prefix: one query on the longest word,
// the other words checked against each token item's text, then one batch
// read of the page's customers.
func (s *Service) search(ctx context.Context, t store.Table, f crm.CustomerFilter) (*crm.CustomerPage, error) {
	hits, err := search.IDs(ctx, t, kind, f.Search)
	if err != nil || len(hits) == 0 {
		return &crm.CustomerPage{}, err
	}
	// Newest first, or by name once loaded.
	slices.Sort(hits)
	if f.Desc && f.SortBy == "created_at" {
		slices.Reverse(hits)
	}
	offset := store.OffsetOf(f.Offset, f.Cursor)
	others := conds(f, "")
	needAll := len(others) > 0 || f.SortBy == "name"
	window := hits
	if !needAll {
		window = hits[min(offset, len(hits)):min(offset+f.Limit, len(hits))]
	}
	items, err := store.BatchGetAll(ctx, t, store.Keys(window, customerKey))
	if err != nil {
		return nil, err
	}
	all, err := store.Decode(items, others, func(it store.Item) (*crm.Customer, error) {
		c, _, err := fromItem(it)
		return c, err
	})
	if err != nil {
		return nil, err
	}
	page := &crm.CustomerPage{Total: len(hits), Customers: all}
	if needAll {
		if f.SortBy == "name" {
			slices.SortStableFunc(all, func(a, b *crm.Customer) int {
				r := strings.Compare(search.Normalize(a.Name), search.Normalize(b.Name))
				if f.Desc {
					r = -r
				}
				return r
			})
		}
		page.Total = len(all)
		page.Customers, _ = store.Window(all, offset, f.Limit)
	}
	page.NextCursor = store.NextOffset(offset, f.Limit, page.Total)
	return page, nil
}

func asciiDigits(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= '۰' && r <= '۹':
			return '0' + (r - '۰')
		case r >= '٠' && r <= '٩':
			return '0' + (r - '٠')
		}
		return r
	}, s)
}

// CustomersByID reads customers in one batch (ids in order; missing skipped).
func (s *Service) CustomersByID(ctx context.Context, idList []string) ([]*crm.Customer, error) {
	t, err := s.Tables.TenantTable(ctx)
	if err != nil {
		return nil, err
	}
	keys := store.Keys(idList, customerKey)
	return store.Batch(ctx, t, keys, func(it store.Item) (*crm.Customer, error) {
		v, _, err := fromItem(it)
		return v, err
	})
}

func matchKeys(c *crm.Customer) []string { return search.MatchKeys(c.Email, c.Phone, c.Mobile) }

// Prepare applies the defaults and normalization a stored customer gets,
// so that a check before writing (an import's dry run) sees what Create
// would validate.
func Prepare(c *crm.Customer) { normalize(c) }

// PrepareContact is Prepare for contacts.
func PrepareContact(c *crm.Contact) { normalizeContact(c) }

// contactRenames carries a customer's new name to its contacts, which show
// it as their company: one read of the customer's collection, one update
// per contact in the rename's transaction. (Their search words keep the
// old name until they are saved again.)
func contactRenames(ctx context.Context, t store.Table, customerID, name string) ([]store.Op, error) {
	p, err := t.Query(ctx, store.Query{PK: customerKey(customerID).PK, SK: store.SKPrefix("CONTACT#"), Limit: 90})
	if err != nil {
		return nil, err
	}
	ops := make([]store.Op, 0, len(p.Items))
	for _, it := range p.Items {
		id := strings.TrimPrefix(store.Str(it, store.SK), "CONTACT#")
		ops = append(ops, store.UpdateOp(store.Update{Key: contactKey(id), Set: store.Item{"customer_name": store.AV(name)},
			Add: map[string]int64{"version": 1}, Cond: []store.Cond{store.Exists()}}))
	}
	return ops, nil
}
