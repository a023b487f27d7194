// Package products is the store adapter of crm.ProductService.
//
//	product        PK=PRODUCT#<id>               SK=#PRODUCT
//	all            GSI1PK=PRODUCTS               GSI1SK=<id>
//	by name        GSI2PK=PRODUCTS               GSI2SK=<name key>#<id>
//	by category    GSI3PK=PRODUCTS#CAT#<key>     GSI3SK=<id>
//	by price       GSI4PK=PRODUCTS#PRICE#<cur>   GSI4SK=<price, 19 digits>#<id>
//	low stock      GSI5PK=PRODUCTS#LOW           GSI5SK=<id>   (only while quantity ≤ threshold)
//	sku → id       PK=PRODUCTSKU#<sku>           SK=SKU
//	counters       PK=COUNTER#PRODUCTS           SK=STATS  (total, cat_<hex>, value_<currency>)
//	interest       PK=PRODUCT#<product id>       SK=INTEREST#<id, newest first>; GSI1PK=INTERESTS#CUSTOMER#<id>,
//	               GSI2PK=INTERESTS#PRODUCT#<id>, GSI3PK=INTERESTS (written before: PK=INTEREST#<id>, SK=#INTEREST,
//	               moved into the product's collection by its first detail read; see ProductWithInterests)
package products

import (
	"context"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/guregu/dynamo/v2"

	"payvand.dev/shared/crm"
	"payvand.dev/shared/ids"
	"payvand.dev/shared/money"
	"payvand.dev/shared/outbox"
	"payvand.dev/shared/search"
	"payvand.dev/shared/store"
)

const (
	kind       = "product"
	listPK     = "PRODUCTS"
	lowPK      = "PRODUCTS#LOW"
	maxTokens  = 30
	stockTries = 200 // optimistic retries of one stock change under contention
	defaultLow = 5
)

func productKey(id string) store.Key { return store.Key{PK: "PRODUCT#" + id, SK: "#PRODUCT"} }

// ProductKey is a product's item, for batch reads that mix kinds (global
// search); DecodeProduct reads it.
func ProductKey(id string) store.Key { return productKey(id) }

// DecodeProduct turns a product's item into the product.
func DecodeProduct(it store.Item) (*crm.Product, error) {
	p, _, err := fromItem(it)
	return p, err
}

func skuKey(sku string) store.Key {
	return store.Key{PK: "PRODUCTSKU#" + strings.ToUpper(sku), SK: "SKU"}
}
func counterKey() store.Key  { return store.Key{PK: "COUNTER#PRODUCTS", SK: "STATS"} }
func catKey(c string) string { return search.Normalize(c) }

// TableSource finds the caller's tenant table from the context.
type TableSource interface {
	TenantTable(ctx context.Context) (store.Table, error)
}

// Service implements crm.ProductService over the store.
type Service struct{ Tables TableSource }

var _ crm.ProductService = (*Service)(nil)

func notFound() error {
	return &crm.Error{Code: crm.ENOTFOUND, Message: "product not found", Key: "not-found-resource", Args: []any{"product"}}
}

type record struct {
	ID                string         `dynamo:"id"`
	Name              string         `dynamo:"name"`
	Description       string         `dynamo:"description,omitempty"`
	Category          string         `dynamo:"category,omitempty"`
	SKU               string         `dynamo:"sku,omitempty"`
	PriceMinor        int64          `dynamo:"price_minor"`
	CostMinor         int64          `dynamo:"cost_minor"`
	Currency          string         `dynamo:"currency"`
	Quantity          int64          `dynamo:"quantity"`
	LowStockThreshold int64          `dynamo:"low_stock_threshold"`
	Unit              string         `dynamo:"unit,omitempty"`
	Supplier          string         `dynamo:"supplier,omitempty"`
	Status            string         `dynamo:"status"`
	Tags              []string       `dynamo:"tags"`
	CustomFields      map[string]any `dynamo:"custom_fields"`
	CreatedAt         time.Time      `dynamo:"created_at"`
	UpdatedAt         time.Time      `dynamo:"updated_at"`
	Version           int64          `dynamo:"version"`
	Tokens            []string       `dynamo:"tokens"`
}

// interestsHere marks a product item whose interests all live in its item
// collection. Products written before interests moved there lack it until
// their first detail read moves them (see ProductWithInterests).
const interestsHere = "interests_here"

func toItem(p *crm.Product, here bool) (store.Item, []string, error) {
	tokens := search.NewWords(maxTokens).Text(p.Name, p.SKU, p.Category, p.Supplier).List()
	r := record{ID: p.ID, Name: p.Name, Description: p.Description, Category: p.Category, SKU: p.SKU, PriceMinor: p.PriceMinor,
		CostMinor: p.CostMinor, Currency: p.Currency, Quantity: p.Quantity, LowStockThreshold: p.LowStockThreshold, Unit: p.Unit,
		Supplier: p.Supplier, Status: p.Status, Tags: p.Tags, CustomFields: p.CustomFields, CreatedAt: p.CreatedAt,
		UpdatedAt: p.UpdatedAt, Version: p.Version, Tokens: tokens}
	it, err := store.Marshal(productKey(p.ID), r)
	if err != nil {
		return nil, nil, err
	}
	it["GSI1PK"], it["GSI1SK"] = store.AV(listPK), store.AV(p.ID)
	it["GSI2PK"], it["GSI2SK"] = store.AV(listPK), store.AV(search.Normalize(p.Name)+"#"+p.ID)
	if c := catKey(p.Category); c != "" {
		it["GSI3PK"], it["GSI3SK"] = store.AV(listPK+"#CAT#"+c), store.AV(p.ID)
	}
	it["GSI4PK"], it["GSI4SK"] = store.AV(listPK+"#PRICE#"+p.Currency), store.AV(fmt.Sprintf("%019d#%s", p.PriceMinor, p.ID))
	if p.Quantity <= p.LowStockThreshold {
		it["GSI5PK"], it["GSI5SK"] = store.AV(lowPK), store.AV(p.ID)
	}
	if here {
		it[interestsHere] = store.AV(true)
	}
	return it, tokens, nil
}

func fromItem(it store.Item) (*crm.Product, []string, error) {
	var r record
	if err := dynamo.UnmarshalItem(it, &r); err != nil {
		return nil, nil, crm.Wrap(err, "unmarshal product")
	}
	p := &crm.Product{ID: r.ID, Name: r.Name, Description: r.Description, Category: r.Category, SKU: r.SKU, PriceMinor: r.PriceMinor,
		CostMinor: r.CostMinor, Currency: r.Currency, Quantity: r.Quantity, LowStockThreshold: r.LowStockThreshold, Unit: r.Unit,
		Supplier: r.Supplier, Status: r.Status, Tags: r.Tags, CustomFields: r.CustomFields, CreatedAt: r.CreatedAt,
		UpdatedAt: r.UpdatedAt, Version: r.Version}
	if p.Tags == nil {
		p.Tags = []string{}
	}
	if p.CustomFields == nil {
		p.CustomFields = map[string]any{}
	}
	return p, r.Tokens, nil
}

func facet(prefix, v string) string { return prefix + "_" + hex.EncodeToString([]byte(v)) }

// counterDelta moves the counters from old to new (either may be nil).
func counterDelta(old, new *crm.Product) map[string]int64 {
	d := map[string]int64{}
	apply := func(p *crm.Product, n int64) {
		if p == nil {
			return
		}
		d["total"] += n
		if c := catKey(p.Category); c != "" {
			d[facet("cat", c)] += n
		}
		d["value_"+p.Currency] += n * p.PriceMinor * p.Quantity
	}
	apply(old, -1)
	apply(new, 1)
	for k, v := range d {
		if v == 0 {
			delete(d, k)
		}
	}
	return d
}

func normalize(p *crm.Product) error {
	p.Name, p.SKU, p.Category = strings.TrimSpace(p.Name), strings.TrimSpace(p.SKU), strings.TrimSpace(p.Category)
	if p.Currency == "" {
		p.Currency = "IRR"
	}
	p.Currency = strings.ToUpper(p.Currency)
	if !money.ValidCurrency(p.Currency) {
		return &crm.Error{Code: crm.EVALIDATION, Message: "the given data was invalid", Fields: map[string][]string{"currency": {"must be an ISO 4217 code such as IRR or USD"}}}
	}
	if p.Status == "" {
		p.Status = "active"
	}
	if p.LowStockThreshold == 0 {
		p.LowStockThreshold = defaultLow
	}
	if p.Tags == nil {
		p.Tags = []string{}
	}
	if p.CustomFields == nil {
		p.CustomFields = map[string]any{}
	}
	return p.Validate()
}

func skuTaken() error {
	return &crm.Error{Code: crm.ECONFLICT, Message: "another product has this SKU", Fields: map[string][]string{"sku": {"another product has this SKU"}}}
}

// writeOps are the operations of storing p (replacing old, when not nil);
// here keeps the item's interestsHere mark.
func writeOps(ctx context.Context, old *crm.Product, oldTokens []string, p *crm.Product, here bool, event string) ([]store.Op, error) {
	it, tokens, err := toItem(p, here)
	if err != nil {
		return nil, err
	}
	cond := store.NotExists()
	if old != nil {
		cond = store.VersionIs(old.Version)
	}
	ops := []store.Op{store.PutOp(it, cond)}
	oldSKU := ""
	if old != nil {
		oldSKU = old.SKU
	}
	if !strings.EqualFold(oldSKU, p.SKU) {
		if oldSKU != "" {
			ops = append(ops, store.DeleteOp(skuKey(oldSKU)))
		}
		if p.SKU != "" {
			s := store.KeyItem(skuKey(p.SKU))
			s["product_id"] = store.AV(p.ID)
			ops = append(ops, store.PutOp(s, store.NotExists()))
		}
	}
	if d := counterDelta(old, p); len(d) > 0 {
		ops = append(ops, store.UpdateOp(store.Update{Key: counterKey(), Add: d}))
	}
	ops = append(ops, search.Ops(kind, p.ID, oldTokens, tokens)...)
	ops = append(ops, outbox.Op(ctx, event, map[string]any{"product": p}))
	return ops, nil
}

// transact runs ops and tells a taken SKU from a stale version.
func transact(ctx context.Context, t store.Table, ops []store.Op) error {
	err := t.TransactWrite(ctx, ops...)
	if crm.ErrorCode(err) != crm.ECONFLICT {
		return err
	}
	var te *store.TxError
	if asTx(err, &te) && strings.HasPrefix(te.Key.PK, "PRODUCTSKU#") {
		return skuTaken()
	}
	return crm.VersionConflict("product", err)
}

func (s *Service) CreateProduct(ctx context.Context, p *crm.Product) (*crm.Product, error) {
	t, err := s.Tables.TenantTable(ctx)
	if err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	p.ID, p.CreatedAt, p.UpdatedAt, p.Version = ids.New(), now, now, 1
	if err := normalize(p); err != nil {
		return nil, err
	}
	ops, err := writeOps(ctx, nil, nil, p, true, "product.created")
	if err != nil {
		return nil, err
	}
	return p, transact(ctx, t, ops)
}

// stored is a product as read, with what its item keeps besides.
type stored struct {
	*crm.Product
	tokens []string
	here   bool // interestsHere
}

func load(ctx context.Context, t store.Table, id string) (*stored, error) {
	if !ids.Valid(id) {
		return nil, notFound()
	}
	it, err := store.GetOr(ctx, t, productKey(id), notFound)
	if err != nil {
		return nil, err
	}
	return decodeStored(it)
}

func decodeStored(it store.Item) (*stored, error) {
	p, tokens, err := fromItem(it)
	if err != nil {
		return nil, err
	}
	here, _ := it[interestsHere].(*types.AttributeValueMemberBOOL)
	return &stored{Product: p, tokens: tokens, here: here != nil && here.Value}, nil
}

func (s *Service) Product(ctx context.Context, id string) (*crm.Product, error) {
	t, err := s.Tables.TenantTable(ctx)
	if err != nil {
		return nil, err
	}
	st, err := load(ctx, t, id)
	if err != nil {
		return nil, err
	}
	return st.Product, nil
}

func (s *Service) UpdateProduct(ctx context.Context, id string, apply func(*crm.Product) error, version *int64) (*crm.Product, error) {
	t, err := s.Tables.TenantTable(ctx)
	if err != nil {
		return nil, err
	}
	st, err := load(ctx, t, id)
	if err != nil {
		return nil, err
	}
	old := st.Product
	if version != nil && *version != old.Version {
		return nil, crm.VersionConflict("product", nil)
	}
	p := *old
	p.Tags = append([]string(nil), old.Tags...)
	if err := apply(&p); err != nil {
		return nil, err
	}
	if err := normalize(&p); err != nil {
		return nil, err
	}
	p.UpdatedAt, p.Version = time.Now().UTC(), old.Version+1
	ops, err := writeOps(ctx, old, st.tokens, &p, st.here, "product.updated")
	if err != nil {
		return nil, err
	}
	return &p, transact(ctx, t, ops)
}

func (s *Service) DeleteProduct(ctx context.Context, id string) error {
	t, err := s.Tables.TenantTable(ctx)
	if err != nil {
		return err
	}
	st, err := load(ctx, t, id)
	if err != nil {
		return err
	}
	old, oldTokens := st.Product, st.tokens
	ops := []store.Op{store.DeleteOp(productKey(id), store.VersionIs(old.Version)),
		store.UpdateOp(store.Update{Key: counterKey(), Add: counterDelta(old, nil)})}
	if old.SKU != "" {
		ops = append(ops, store.DeleteOp(skuKey(old.SKU)))
	}
	ops = append(ops, search.Ops(kind, id, oldTokens, nil)...)
	ops = append(ops, outbox.Op(ctx, "product.deleted", map[string]any{"product_id": id}))
	return transact(ctx, t, ops)
}

// ChangeStock reads the product and writes the new quantity on the
// condition that nobody changed it meanwhile, retrying otherwise: the
// counters (stock value) and the low-stock index stay exact, and a
// subtraction that would go below zero is refused.
func (s *Service) ChangeStock(ctx context.Context, id string, c crm.StockChange) (*crm.Product, error) {
	t, err := s.Tables.TenantTable(ctx)
	if err != nil {
		return nil, err
	}
	if c.Quantity < 0 {
		return nil, &crm.Error{Code: crm.EVALIDATION, Message: "the given data was invalid", Fields: map[string][]string{"quantity": {"must not be negative"}}}
	}
	for try := 0; try < stockTries; try++ {
		st, err := load(ctx, t, id)
		if err != nil {
			return nil, err
		}
		old := st.Product
		p := *old
		switch c.Operation {
		case "set":
			p.Quantity = c.Quantity
		case "add":
			p.Quantity += c.Quantity
		case "subtract":
			if old.Quantity < c.Quantity {
				return nil, &crm.Error{Code: crm.ECONFLICT, Message: fmt.Sprintf("not enough stock: %d left, %d asked", old.Quantity, c.Quantity),
					Fields: map[string][]string{"quantity": {"not enough stock"}}}
			}
			p.Quantity -= c.Quantity
		default:
			return nil, &crm.Error{Code: crm.EVALIDATION, Message: "the given data was invalid", Fields: map[string][]string{"operation": {"must be set, add or subtract"}}}
		}
		p.UpdatedAt, p.Version = time.Now().UTC(), old.Version+1
		ops, err := writeOps(ctx, old, st.tokens, &p, st.here, "product.stock_changed")
		if err != nil {
			return nil, err
		}
		err = t.TransactWrite(ctx, ops...)
		if err == nil {
			return &p, nil
		}
		if crm.ErrorCode(err) != crm.ECONFLICT {
			return nil, err
		}
		// Someone else changed the product first: read it again.
		time.Sleep(time.Duration(try%10) * time.Millisecond)
	}
	return nil, &crm.Error{Code: crm.ECONFLICT, Message: "the product is changing too often; try again"}
}
