package products

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"payvand.dev/shared/crm"
	"payvand.dev/shared/money"
	"payvand.dev/shared/store"
)

// StockOps are the operations that change the stock of the product read
// as it (by delta) inside another write's transaction, such as a sale:
// the product's item on the condition that its version is still the one
// read, its counters (stock value) and low-stock index, and its event.
// Taking more than there is answers ECONFLICT naming the product; the
// caller's transaction is then not run. Callers that change several
// products merge the counter updates (one op per item in a transaction).
func StockOps(ctx context.Context, it store.Item, delta int64, now time.Time) (*crm.Product, []store.Op, error) {
	st, err := decodeStored(it)
	if err != nil {
		return nil, nil, err
	}
	old := st.Product
	if old.Quantity+delta < 0 {
		return nil, nil, &crm.Error{Code: crm.ECONFLICT, Key: "conflict-stock",
			Message: fmt.Sprintf("not enough stock of %s: %d left, %d asked", old.Name, old.Quantity, -delta),
			Fields:  map[string][]string{"products": {fmt.Sprintf("not enough stock of %s (%s): %d left, %d asked", old.Name, old.ID, old.Quantity, -delta)}}}
	}
	p := *old
	p.Quantity += delta
	p.UpdatedAt, p.Version = now.UTC(), old.Version+1
	ops, err := writeOps(ctx, old, st.tokens, &p, st.here, "product.stock_changed")
	if err != nil {
		return nil, nil, err
	}
	return &p, ops, nil
}

// CounterKey is the products' counter item (callers merging updates).
func CounterKey() store.Key { return counterKey() }

// PerfSK is the sales figures item of a product, written by the sales
// group in the sale's transaction; it sorts right after the product's
// item ("#PRODUCT" is its prefix) and before its interests, so the
// product's detail reads it in the same query.
const PerfSK = "#PRODUCT#PERF"

// PerfKey is a product's sales figures item.
func PerfKey(id string) store.Key { return store.Key{PK: productKey(id).PK, SK: PerfSK} }

// Sold figures the sales group adds to the products' counter item in the
// sale's transaction: sold_<id> units, soldrev_<id>_<currency> revenue
// (minor units), soldname_<id> the product's name (ids without dashes).
func SoldAttrs(productID string) (units, name string, revenue func(currency string) string) {
	h := strings.ReplaceAll(productID, "-", "")
	return "sold_" + h, "soldname_" + h, func(c string) string { return "soldrev_" + h + "_" + c }
}

// topSellers are the n products with the most units sold, from the
// counter item (no read beyond it).
func topSellers(it store.Item, n int) []map[string]any {
	type seller struct {
		id, name string
		units    int64
		revenue  map[string]float64
	}
	by := map[string]*seller{}
	get := func(h string) *seller {
		if by[h] == nil {
			id := h
			if len(h) == 32 {
				id = h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
			}
			by[h] = &seller{id: id, revenue: map[string]float64{}}
		}
		return by[h]
	}
	for attr := range it {
		switch {
		case strings.HasPrefix(attr, "sold_"):
			get(attr[5:]).units = store.Int(it, attr)
		case strings.HasPrefix(attr, "soldname_"):
			get(attr[9:]).name = store.Str(it, attr)
		case strings.HasPrefix(attr, "soldrev_"):
			if h, cur, ok := strings.Cut(attr[8:], "_"); ok {
				get(h).revenue[cur] = money.FromMinor(store.Int(it, attr), cur)
			}
		}
	}
	list := make([]*seller, 0, len(by))
	for _, s := range by {
		if s.units > 0 {
			list = append(list, s)
		}
	}
	slices.SortFunc(list, func(a, b *seller) int {
		if a.units != b.units {
			return cmp.Compare(b.units, a.units)
		}
		return strings.Compare(a.id, b.id)
	})
	out := []map[string]any{}
	for _, s := range list[:min(n, len(list))] {
		out = append(out, map[string]any{"id": s.id, "product_id": s.id, "name": s.name, "units_sold": s.units, "revenue": s.revenue})
	}
	return out
}
