package products

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/guregu/dynamo/v2"

	"payvand.dev/shared/crm"
	"payvand.dev/shared/ids"
	"payvand.dev/shared/money"
	"payvand.dev/shared/search"
	"payvand.dev/shared/store"
)

func asTx(err error, te **store.TxError) bool { return errors.As(err, te) }

// Products lists from the index that fits the filter and the sort.
func (s *Service) Products(ctx context.Context, f crm.ProductFilter) ([]*crm.Product, int, string, error) {
	t, err := s.Tables.TenantTable(ctx)
	if err != nil {
		return nil, 0, "", err
	}
	var conds []store.Cond
	if f.Status != "" {
		conds = append(conds, store.Eq("status", f.Status))
	}
	if f.PriceMin != nil {
		conds = append(conds, store.Ge("price_minor", *f.PriceMin))
	}
	if f.PriceMax != nil {
		conds = append(conds, store.Le("price_minor", *f.PriceMax))
	}
	if f.InStock != nil {
		if *f.InStock {
			conds = append(conds, store.Gt("quantity", 0))
		} else {
			conds = append(conds, store.Le("quantity", 0))
		}
	}
	decode := func(it store.Item) (*crm.Product, error) { p, _, err := fromItem(it); return p, err }
	if f.Search != "" {
		return s.search(ctx, t, f, conds, decode)
	}
	q := store.Query{Index: "GSI1", PK: listPK, Reverse: f.Desc, Limit: f.Limit, Offset: f.Offset, Cursor: f.Cursor}
	switch {
	case f.SortBy == "name":
		q.Index = "GSI2"
	case f.SortBy == "price":
		// Prices compare within one currency: the tenant's usual one.
		q.Index, q.PK = "GSI4", listPK+"#PRICE#IRR"
	case f.Category != "":
		q.Index, q.PK = "GSI3", listPK+"#CAT#"+catKey(f.Category)
	}
	if f.Category != "" && q.Index != "GSI3" {
		conds = append(conds, store.Eq("category", f.Category))
	}
	q.Filter = conds
	return store.List(ctx, t, q, decode)
}

func (s *Service) search(ctx context.Context, t store.Table, f crm.ProductFilter, conds []store.Cond, decode func(store.Item) (*crm.Product, error)) ([]*crm.Product, int, string, error) {
	hits, err := search.IDs(ctx, t, kind, f.Search)
	if err != nil {
		return nil, 0, "", err
	}
	if f.Category != "" {
		conds = append(conds, store.Eq("category", f.Category))
	}
	items, err := store.BatchGetAll(ctx, t, store.Keys(hits, productKey))
	if err != nil {
		return nil, 0, "", err
	}
	all, err := store.Decode(items, conds, decode)
	if err != nil {
		return nil, 0, "", err
	}
	return all[min(f.Offset, len(all)):min(f.Offset+f.Limit, len(all))], len(all), "", nil
}

// ProductStats reads the counters and the low-stock index: two reads
// whatever the number of products.
func (s *Service) ProductStats(ctx context.Context) (*crm.ProductStats, error) {
	t, err := s.Tables.TenantTable(ctx)
	if err != nil {
		return nil, err
	}
	st := &crm.ProductStats{TotalValue: map[string]float64{}, Categories: map[string]int64{}, LowStock: []map[string]any{}, TopSellers: []map[string]any{}}
	it, err := t.Get(ctx, counterKey())
	if err != nil && crm.ErrorCode(err) != crm.ENOTFOUND {
		return nil, err
	}
	for attr := range it {
		n := store.Int(it, attr)
		switch {
		case attr == "total":
			st.TotalProducts = n
		case len(attr) == 9 && attr[:6] == "value_":
			st.TotalValue[attr[6:]] = money.FromMinor(n, attr[6:])
		case len(attr) > 4 && attr[:4] == "cat_" && n > 0:
			if b, err := hexDecode(attr[4:]); err == nil {
				st.Categories[b] = n
			}
		}
	}
	st.TopSellers = topSellers(it, 10)
	p, err := t.Query(ctx, store.Query{Index: "GSI5", PK: lowPK, Limit: 50})
	if err != nil {
		return nil, err
	}
	for _, it := range p.Items {
		pr, _, err := fromItem(it)
		if err != nil {
			return nil, err
		}
		st.LowStock = append(st.LowStock, map[string]any{"id": pr.ID, "name": pr.Name, "sku": pr.SKU, "quantity": pr.Quantity, "low_stock_threshold": pr.LowStockThreshold})
	}
	return st, nil
}

func hexDecode(h string) (string, error) {
	var b []byte
	_, err := fmt.Sscanf(h, "%x", &b)
	return string(b), err
}

// interestKey puts an interest in its product's item collection, after the
// product item ("#PRODUCT" < "INTEREST#") and newest first, so that a
// product with its latest interests is one Query that reads only them.
func interestKey(productID, id string) store.Key {
	return store.Key{PK: productKey(productID).PK, SK: interestPrefix + newestFirst(id)}
}

const interestPrefix = "INTEREST#"

// legacyInterestKey is where interests were kept before they moved into
// their product's collection; such items are moved by the product's first
// detail read (ProductWithInterests).
func legacyInterestKey(id string) store.Key { return store.Key{PK: "INTEREST#" + id, SK: "#INTEREST"} }

// newestFirst inverts the hex digits of a UUIDv7 so that later ids sort
// first.
func newestFirst(id string) string {
	b := []byte(id)
	for i, c := range b {
		switch {
		case c >= '0' && c <= '9':
			b[i] = "fedcba9876"[c-'0']
		case c >= 'a' && c <= 'f':
			b[i] = "543210"[c-'a']
		}
	}
	return string(b)
}

type interestRecord struct {
	ID         string    `dynamo:"id"`
	CustomerID string    `dynamo:"customer_id"`
	ProductID  string    `dynamo:"product_id"`
	Level      string    `dynamo:"level"`
	Notes      string    `dynamo:"notes,omitempty"`
	CreatedAt  time.Time `dynamo:"created_at"`
}

// AddInterest records that a customer is interested in a product; both
// must exist (checked in the same transaction).
func (s *Service) AddInterest(ctx context.Context, i *crm.Interest) (*crm.Interest, error) {
	t, err := s.Tables.TenantTable(ctx)
	if err != nil {
		return nil, err
	}
	f := crm.FieldErrors{}
	if !ids.Valid(i.CustomerID) {
		f.Add("customer_id", "required")
	}
	if !ids.Valid(i.ProductID) {
		f.Add("product_id", "required")
	}
	if i.Level == "" {
		i.Level = "medium"
	}
	if i.Level != "low" && i.Level != "medium" && i.Level != "high" {
		f.Add("level", "must be low, medium or high")
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	i.ID, i.CreatedAt = ids.New(), time.Now().UTC()
	it, err := store.Marshal(interestKey(i.ProductID, i.ID), interestRecord(*i))
	if err != nil {
		return nil, err
	}
	it["GSI1PK"], it["GSI1SK"] = store.AV("INTERESTS#CUSTOMER#"+i.CustomerID), store.AV(i.ID)
	it["GSI2PK"], it["GSI2SK"] = store.AV("INTERESTS#PRODUCT#"+i.ProductID), store.AV(i.ID)
	it["GSI3PK"], it["GSI3SK"] = store.AV("INTERESTS"), store.AV(i.ID)
	err = t.TransactWrite(ctx, store.PutOp(it, store.NotExists()),
		store.CheckOp(store.Key{PK: "CUSTOMER#" + i.CustomerID, SK: "#CUSTOMER"}, store.Exists()),
		store.CheckOp(productKey(i.ProductID), store.Exists()))
	var te *store.TxError
	if asTx(err, &te) {
		field := map[int]string{1: "customer_id", 2: "product_id"}[te.Index]
		return nil, &crm.Error{Code: crm.EVALIDATION, Message: "the given data was invalid", Fields: map[string][]string{field: {"not found"}}}
	}
	return i, err
}

// Interests lists interests by customer, by product, or all, newest first.
func (s *Service) Interests(ctx context.Context, customerID, productID string, limit int) ([]*crm.Interest, error) {
	t, err := s.Tables.TenantTable(ctx)
	if err != nil {
		return nil, err
	}
	q := store.Query{Index: "GSI3", PK: "INTERESTS", Reverse: true, Limit: limit}
	switch {
	case customerID != "":
		q.Index, q.PK = "GSI1", "INTERESTS#CUSTOMER#"+customerID
		if productID != "" {
			q.Filter = []store.Cond{store.Eq("product_id", productID)}
		}
	case productID != "":
		q.Index, q.PK = "GSI2", "INTERESTS#PRODUCT#"+productID
	}
	p, err := t.Query(ctx, q)
	if err != nil {
		return nil, err
	}
	return decodeInterests(p.Items)
}

func decodeInterests(items []store.Item) ([]*crm.Interest, error) {
	out := make([]*crm.Interest, 0, len(items))
	for _, it := range items {
		var r interestRecord
		if err := dynamo.UnmarshalItem(it, &r); err != nil {
			return nil, crm.Wrap(err, "unmarshal interest")
		}
		i := crm.Interest(r)
		out = append(out, &i)
	}
	return out, nil
}

// ProductWithInterests reads a product and its newest interests (at most
// limit) in one Query of the product's item collection.
//
// A product written before interests moved there has no interestsHere
// mark: its detail also reads the by-product index, oldest first, where
// the old items come first (every interest written since is newer). It
// shows them after the collection's, moves them into the collection and,
// once none is left, marks the product: only its first detail read pays
// the second round trip.
func (s *Service) ProductWithInterests(ctx context.Context, id string, limit int) (*crm.Product, []*crm.Interest, error) {
	p, interests, _, err := s.ProductDetail(ctx, id, limit)
	return p, interests, err
}

// ProductDetail is ProductWithInterests with the product's sales figures
// item (PerfSK, kept by the sales group; nil before its first sale), which
// sorts right after the product: still one Query.
func (s *Service) ProductDetail(ctx context.Context, id string, limit int) (*crm.Product, []*crm.Interest, store.Item, error) {
	t, err := s.Tables.TenantTable(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	if !ids.Valid(id) {
		return nil, nil, nil, notFound()
	}
	p, err := t.Query(ctx, store.Query{PK: productKey(id).PK, Limit: limit + 2})
	if err != nil {
		return nil, nil, nil, err
	}
	if len(p.Items) == 0 || store.KeyOf(p.Items[0]) != productKey(id) {
		return nil, nil, nil, notFound()
	}
	st, err := decodeStored(p.Items[0])
	if err != nil {
		return nil, nil, nil, err
	}
	items := p.Items[1:]
	var perf store.Item
	if len(items) > 0 && store.Str(items[0], store.SK) == PerfSK {
		perf, items = items[0], items[1:]
	}
	items = items[:min(len(items), limit)]
	if !st.here {
		old, err := s.moveInterests(ctx, t, id)
		if err != nil {
			return nil, nil, nil, err
		}
		seen := map[string]bool{}
		for _, it := range items {
			seen[store.Str(it, "id")] = true
		}
		for i := len(old) - 1; i >= 0 && len(items) < limit; i-- {
			if !seen[store.Str(old[i], "id")] {
				items = append(items, old[i])
			}
		}
	}
	interests, err := decodeInterests(items)
	return st.Product, interests, perf, err
}

// moveInterests reads the product's interests kept where they were before
// (legacyInterestKey), oldest first, and moves up to a transaction's worth
// into its collection, marking the product once none is left. Moving runs
// inside a read, so a failure is only logged: the next read tries again.
func (s *Service) moveInterests(ctx context.Context, t store.Table, productID string) ([]store.Item, error) {
	p, err := t.Query(ctx, store.Query{Index: "GSI2", PK: "INTERESTS#PRODUCT#" + productID, Limit: 1000})
	if err != nil {
		return nil, err
	}
	var old []store.Item
	for _, it := range p.Items {
		if store.KeyOf(it) == legacyInterestKey(store.Str(it, "id")) {
			old = append(old, it)
		}
	}
	var ops []store.Op
	for _, it := range old[:min(len(old), (store.MaxTransactOps-1)/2)] {
		moved := store.Clone(it)
		k := interestKey(productID, store.Str(it, "id"))
		moved[store.PK], moved[store.SK] = store.AV(k.PK), store.AV(k.SK)
		ops = append(ops, store.PutOp(moved), store.DeleteOp(store.KeyOf(it)))
	}
	// Every old item was seen when the page holds them all or ends with a
	// newer one; then, if they all fit in this transaction, the product is
	// marked. Not on its version: an update that read the item before the
	// mark may drop it, and the next detail read marks it again.
	last := p.Items[max(len(p.Items)-1, 0):]
	allSeen := p.Cursor == "" || store.KeyOf(last[0]) != legacyInterestKey(store.Str(last[0], "id"))
	if allSeen && len(ops) == 2*len(old) {
		ops = append(ops, store.UpdateOp(store.Update{Key: productKey(productID), Set: store.Item{interestsHere: store.AV(true)}, Cond: []store.Cond{store.Exists()}}))
	}
	if err := t.TransactWrite(ctx, ops...); err != nil {
		slog.WarnContext(ctx, "move interests into the product's collection", "product_id", productID, "err", err)
	}
	return old, nil
}

// ProductsByID reads products in one batch (ids in order; missing skipped).
func (s *Service) ProductsByID(ctx context.Context, idList []string) ([]*crm.Product, error) {
	t, err := s.Tables.TenantTable(ctx)
	if err != nil {
		return nil, err
	}
	keys := store.Keys(idList, productKey)
	return store.Batch(ctx, t, keys, func(it store.Item) (*crm.Product, error) {
		v, _, err := fromItem(it)
		return v, err
	})
}
