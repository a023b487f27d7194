package products

import (
	"context"
	"fmt"
	"time"

	"payvand.dev/shared/crm"
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
