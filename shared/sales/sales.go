package sales

// Sale keys (see docs/data-model.md):
//
//	sale            PK=SALE#<id>                 SK=#SALE      its payments: SK=PAYMENT#<id>
//	by date         GSI1PK=SALES                 GSI1SK=<RFC 3339 UTC>#<id>
//	by status       GSI2PK=SALES#STATUS#<s>      GSI2SK=<date>#<id>
//	by customer     GSI3PK=SALES#CUSTOMER#<id>   GSI3SK=<date>#<id>
//	by salesperson  GSI4PK=SALES#SP#<user id>    GSI4SK=<date>#<id>
//	by amount       GSI5PK=SALES#AMOUNT#<cur>    GSI5SK=<19-digit total>#<id>
//	daily rollup    PK=ROLLUP#DAY                SK=<UTC day>  completed sales of the day: n, rev_<cur>,
//	                hn<HH>, hr<HH>_<cur>, by product p_<id>_q / p_<id>_<cur>, customer c_<id>_…, salesperson s_<id>_…

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/guregu/dynamo/v2"

	"payvand.dev/shared/crm"
	"payvand.dev/shared/customers"
	"payvand.dev/shared/ids"
	"payvand.dev/shared/jalali"
	"payvand.dev/shared/money"
	"payvand.dev/shared/outbox"
	"payvand.dev/shared/products"
	"payvand.dev/shared/rollup"
	"payvand.dev/shared/search"
	"payvand.dev/shared/store"
	"payvand.dev/shared/users"
)

const (
	saleSK        = "#SALE"
	salesPK       = "SALES"
	paymentPrefix = "PAYMENT#"
	saleKind      = "sale"
	// dayRollupPK holds one item per UTC day: the completed sales, the
	// activities logged and (from the tasks group) the tasks completed.
	dayRollupPK = rollup.PK
	// MaxSaleLines bounds a sale's lines (its item stays far below 400 KB).
	MaxSaleLines = 1000
)

// SaleStatuses (DESIGN §5).
var SaleStatuses = []string{"pending", "completed", "cancelled", "refunded"}

func saleKey(id string) store.Key { return store.Key{PK: "SALE#" + id, SK: saleSK} }

// SaleKey is a sale's item, for batch reads that mix kinds.
func SaleKey(id string) store.Key { return saleKey(id) }

// SaleLine is one product line of a sale; amounts in minor units.
type SaleLine struct {
	ProductID  string `json:"product_id" dynamo:"product_id"`
	Name       string `json:"name" dynamo:"name"`
	Quantity   int64  `json:"quantity" dynamo:"quantity"`
	PriceMinor int64  `json:"-" dynamo:"price_minor"`
	TotalMinor int64  `json:"-" dynamo:"total_minor"`
}

// Payment is one payment towards a sale.
type Payment struct {
	ID          string    `json:"id" dynamo:"id"`
	AmountMinor int64     `json:"-" dynamo:"amount_minor"`
	Method      string    `json:"method" dynamo:"method"`
	Reference   string    `json:"reference" dynamo:"reference"`
	Notes       string    `json:"notes" dynamo:"notes"`
	PaidAt      time.Time `json:"paid_at" dynamo:"paid_at"`
	RecordedBy  string    `json:"recorded_by" dynamo:"recorded_by"`
}

// Sale is a sale of products to a customer.
type Sale struct {
	ID            string     `dynamo:"id"`
	CustomerID    string     `dynamo:"customer_id"`
	CustomerName  string     `dynamo:"customer_name"`
	Lines         []SaleLine `dynamo:"lines"`
	Currency      string     `dynamo:"currency"`
	TotalMinor    int64      `dynamo:"total_minor"`
	Total         float64    `dynamo:"total"` // decimal, for amount filters
	PaidMinor     int64      `dynamo:"paid_minor"`
	Status        string     `dynamo:"status"`
	PaymentMethod string     `dynamo:"payment_method"`
	Notes         string     `dynamo:"notes"`
	SalespersonID string     `dynamo:"salesperson_id"`
	SaleDate      time.Time  `dynamo:"sale_date"`
	CompletedAt   *time.Time `dynamo:"completed_at"`
	CreatedBy     string     `dynamo:"created_by"`
	CreatedAt     time.Time  `dynamo:"created_at"`
	UpdatedAt     time.Time  `dynamo:"updated_at"`
	Version       int64      `dynamo:"version"`
}

func saleWords(s *Sale) []string {
	w := search.NewWords(maxDealWords).Text(s.CustomerName)
	for _, l := range s.Lines {
		w.Text(l.Name)
	}
	return w.List()
}

func saleItem(s *Sale) (store.Item, []string, error) {
	s.Total = money.FromMinor(s.TotalMinor, s.Currency)
	it, err := store.Marshal(saleKey(s.ID), s)
	if err != nil {
		return nil, nil, err
	}
	tokens := saleWords(s)
	it["tokens"] = store.AV(tokens)
	date := s.SaleDate.UTC().Format(whenLayout) + "#" + s.ID
	it["GSI1PK"], it["GSI1SK"] = store.AV(salesPK), store.AV(date)
	it["GSI2PK"], it["GSI2SK"] = store.AV(salesPK+"#STATUS#"+s.Status), store.AV(date)
	if s.CustomerID != "" {
		it["GSI3PK"], it["GSI3SK"] = store.AV(salesPK+"#CUSTOMER#"+s.CustomerID), store.AV(date)
	}
	if s.SalespersonID != "" {
		it["GSI4PK"], it["GSI4SK"] = store.AV(salesPK+"#SP#"+s.SalespersonID), store.AV(date)
	}
	it["GSI5PK"], it["GSI5SK"] = store.AV(salesPK+"#AMOUNT#"+s.Currency), store.AV(fmt.Sprintf("%019d#%s", s.TotalMinor, s.ID))
	return it, tokens, nil
}

func saleFromItem(it store.Item) (*Sale, []string, error) {
	var s Sale
	if err := dynamo.UnmarshalItem(it, &s); err != nil {
		return nil, nil, crm.Wrap(err, "unmarshal sale")
	}
	var r struct {
		Tokens []string `dynamo:"tokens"`
	}
	dynamo.UnmarshalItem(it, &r)
	if s.Lines == nil {
		s.Lines = []SaleLine{}
	}
	return &s, r.Tokens, nil
}

// DecodeSale turns a sale's item into the sale.
func DecodeSale(it store.Item) (*Sale, error) {
	s, _, err := saleFromItem(it)
	return s, err
}

func saleNotFound() error {
	return &crm.Error{Code: crm.ENOTFOUND, Message: "sale not found", Key: "not-found-resource", Args: []any{"sale"}}
}

// SaleInput is a new sale as a client sends it.
type SaleInput struct {
	CustomerID    string
	Lines         []ProductLine
	TotalAmount   *float64 // when sent, must equal the computed total
	Currency      string
	Status        string
	PaymentMethod string
	Notes         string
	SalespersonID string
	SaleDate      *time.Time
}

// rollupDelta is how a sale moves its day's rollup: completed sales count.
func rollupDelta(s *Sale, n int64) map[string]int64 {
	d := map[string]int64{}
	if s == nil || s.Status != "completed" {
		return d
	}
	at := s.SaleDate.UTC()
	cur := s.Currency
	hh := at.Format("15")
	d["n"] += n
	d["rev_"+cur] += n * s.TotalMinor
	d["hn"+hh] += n
	d["hr"+hh+"_"+cur] += n * s.TotalMinor
	for _, l := range s.Lines {
		p := "p_" + hexID(l.ProductID)
		d[p+"_q"] += n * l.Quantity
		d[p+"_"+cur] += n * l.TotalMinor
	}
	if s.CustomerID != "" {
		c := "c_" + hexID(s.CustomerID)
		d[c+"_n"] += n
		d[c+"_"+cur] += n * s.TotalMinor
	}
	if s.SalespersonID != "" {
		sp := "s_" + hexID(s.SalespersonID)
		d[sp+"_n"] += n
		d[sp+"_"+cur] += n * s.TotalMinor
	}
	return d
}

func hexID(id string) string { return strings.ReplaceAll(id, "-", "") }

func rollupKey(s *Sale) store.Key {
	return rollup.DayKey(s.SaleDate)
}

// rollupNames keeps the names the analysis shows next to ids.
func rollupNames(s *Sale) store.Item {
	set := store.Item{}
	for _, l := range s.Lines {
		set["pn_"+hexID(l.ProductID)] = store.AV(l.Name)
	}
	if s.CustomerID != "" {
		set["cn_"+hexID(s.CustomerID)] = store.AV(s.CustomerName)
	}
	return set
}

// CreateSale computes the lines and total in minor units and stores the
// sale; a completed sale takes each product's stock in the same
// transaction (not enough: ECONFLICT naming the product, nothing written).
func (s *Service) CreateSale(ctx context.Context, in *SaleInput) (*Sale, error) {
	t, err := s.Tables.TenantTable(ctx)
	if err != nil {
		return nil, err
	}
	now := s.now()
	sale := &Sale{ID: ids.New(), Status: strings.ToLower(strings.TrimSpace(in.Status)), PaymentMethod: strings.TrimSpace(in.PaymentMethod),
		Notes: in.Notes, CreatedBy: actor(ctx), SalespersonID: in.SalespersonID, CreatedAt: now, UpdatedAt: now, SaleDate: now, Version: 1}
	if in.SaleDate != nil {
		sale.SaleDate = in.SaleDate.UTC()
	}
	if sale.Status == "" {
		sale.Status = "pending"
	}
	if !slices.Contains(SaleStatuses, sale.Status) {
		return nil, invalid("status", "must be one of pending, completed, cancelled, refunded")
	}
	if sale.Status == "refunded" {
		return nil, invalid("status", "a new sale is pending, completed or cancelled")
	}
	if sale.SalespersonID == "" {
		sale.SalespersonID = actor(ctx)
	} else if err := users.CheckAssignee(ctx, t, "salesperson_id", sale.SalespersonID); err != nil {
		return nil, err
	}
	if len(in.Lines) == 0 {
		return nil, invalid("products", "at least one product")
	}
	if len(in.Lines) > MaxSaleLines {
		return nil, invalid("products", fmt.Sprintf("at most %d lines", MaxSaleLines))
	}
	// One batch read of the customer and the distinct products.
	var keys []store.Key
	seen := map[string]bool{}
	for i, l := range in.Lines {
		if !ids.Valid(l.ProductID) {
			return nil, invalid(fmt.Sprintf("products.%d.product_id", i), "no such product")
		}
		if l.Quantity <= 0 {
			return nil, invalid(fmt.Sprintf("products.%d.quantity", i), "must be at least 1")
		}
		if !seen[l.ProductID] {
			seen[l.ProductID] = true
			keys = append(keys, products.ProductKey(l.ProductID), products.PerfKey(l.ProductID))
		}
	}
	if in.CustomerID != "" {
		if !ids.Valid(in.CustomerID) {
			return nil, invalid("customer_id", "no such customer")
		}
		keys = append(keys, customers.CustomerKey(in.CustomerID))
	}
	items, err := store.BatchGetAll(ctx, t, keys)
	if err != nil {
		return nil, err
	}
	byKey := map[store.Key]store.Item{}
	for _, it := range items {
		byKey[store.KeyOf(it)] = it
	}
	if in.CustomerID != "" {
		it, ok := byKey[customers.CustomerKey(in.CustomerID)]
		if !ok {
			return nil, invalid("customer_id", "no such customer")
		}
		sale.CustomerID, sale.CustomerName = in.CustomerID, store.Str(it, "name")
	}
	sale.Currency = strings.ToUpper(strings.TrimSpace(in.Currency))
	for i, l := range in.Lines {
		it, ok := byKey[products.ProductKey(l.ProductID)]
		if !ok {
			return nil, invalid(fmt.Sprintf("products.%d.product_id", i), "no such product")
		}
		p, err := products.DecodeProduct(it)
		if err != nil {
			return nil, err
		}
		if sale.Currency == "" {
			sale.Currency = p.Currency
		}
		price := p.PriceMinor
		switch {
		case l.Price != nil:
			if price, err = money.ToMinor(*l.Price, sale.Currency); err != nil || price < 0 {
				return nil, invalid(fmt.Sprintf("products.%d.price", i), "must be a non-negative amount in "+sale.Currency)
			}
		case p.Currency != sale.Currency:
			return nil, invalid(fmt.Sprintf("products.%d.price", i), "the product is priced in "+p.Currency+"; give the price in "+sale.Currency)
		}
		line := SaleLine{ProductID: p.ID, Name: p.Name, Quantity: l.Quantity, PriceMinor: price, TotalMinor: price * l.Quantity}
		sale.Lines = append(sale.Lines, line)
		sale.TotalMinor += line.TotalMinor
	}
	if !money.ValidCurrency(sale.Currency) {
		return nil, invalid("currency", "must be an ISO 4217 code such as IRR or USD")
	}
	if in.TotalAmount != nil {
		given, err := money.ToMinor(*in.TotalAmount, sale.Currency)
		if err != nil || given != sale.TotalMinor {
			return nil, invalid("total_amount", fmt.Sprintf("does not match the products: %s %s", formatMinor(sale.TotalMinor, sale.Currency), sale.Currency))
		}
	}
	var stock []store.Op
	if sale.Status == "completed" {
		sale.CompletedAt = &now
		if stock, err = stockOps(ctx, byKey, sale, -1, now); err != nil {
			return nil, err
		}
	}
	ops, err := saleOps(ctx, nil, sale, nil, "sale.created")
	if err != nil {
		return nil, err
	}
	if sale.Status == "completed" {
		ops = append(ops, outbox.Op(ctx, "sale.completed", map[string]any{"sale_id": sale.ID, "total_minor": sale.TotalMinor, "currency": sale.Currency}))
	}
	if err := runSale(ctx, t, append(ops, stock...)); err != nil {
		return nil, err
	}
	return sale, nil
}

func formatMinor(minor int64, cur string) string {
	e := money.Exponent(cur)
	if e == 0 {
		return fmt.Sprint(minor)
	}
	sign := ""
	if minor < 0 {
		sign, minor = "-", -minor
	}
	p := int64(1)
	for i := 0; i < e; i++ {
		p *= 10
	}
	return fmt.Sprintf("%s%d.%0*d", sign, minor/p, e, minor%p)
}

// stockOps take (dir -1) or give back (dir +1) the sale's quantities.
func stockOps(ctx context.Context, byKey map[store.Key]store.Item, sale *Sale, dir int64, now time.Time) ([]store.Op, error) {
	qty := map[string]int64{}
	var order []string
	for _, l := range sale.Lines {
		if qty[l.ProductID] == 0 {
			order = append(order, l.ProductID)
		}
		qty[l.ProductID] += l.Quantity
	}
	var ops []store.Op
	for _, id := range order {
		it, ok := byKey[products.ProductKey(id)]
		if !ok {
			if dir > 0 {
				continue // a product deleted since: nothing to give back to
			}
			return nil, invalid("products", "no such product: "+id)
		}
		p, pops, err := products.StockOps(ctx, it, dir*qty[id], now)
		if err != nil {
			return nil, err
		}
		ops = append(ops, pops...)
		perf, err := perfOp(byKey[products.PerfKey(id)], id, sale, -dir)
		if err != nil {
			return nil, err
		}
		var revenue int64
		for _, l := range sale.Lines {
			if l.ProductID == id {
				revenue += l.TotalMinor
			}
		}
		units, name, rev := products.SoldAttrs(id)
		ops = append(ops, perf, store.UpdateOp(store.Update{Key: products.CounterKey(),
			Add: map[string]int64{units: -dir * qty[id], rev(sale.Currency): -dir * revenue},
			Set: store.Item{name: store.AV(p.Name)}}))
	}
	return ops, nil
}

// productPerf is a product's sales figures item (products.PerfKey), kept
// in the sale's transaction: completed sales count; a refund or a
// cancellation of a completed sale takes its figures back.
type productPerf struct {
	UnitsSold  int64            `dynamo:"units_sold"`
	SalesCount int64            `dynamo:"sales_count"`
	Revenue    map[string]int64 `dynamo:"revenue"`
	LastSoldAt *time.Time       `dynamo:"last_sold_at"`
	Recent     []perfSale       `dynamo:"recent"`
	Version    int64            `dynamo:"version"`
}

type perfSale struct {
	SaleID       string    `dynamo:"sale_id"`
	Date         time.Time `dynamo:"date"`
	Quantity     int64     `dynamo:"quantity"`
	TotalMinor   int64     `dynamo:"total_minor"`
	Currency     string    `dynamo:"currency"`
	CustomerID   string    `dynamo:"customer_id"`
	CustomerName string    `dynamo:"customer_name"`
	Status       string    `dynamo:"status"`
}

// recentSales bounds the sales history kept on a product.
const recentSales = 20

// perfOp adds (n = 1) or takes back (n = -1) the sale's lines of product
// id on its figures item, conditioned on the version read.
func perfOp(it store.Item, id string, sale *Sale, n int64) (store.Op, error) {
	var p productPerf
	cond := store.NotExists()
	if it != nil {
		if err := dynamo.UnmarshalItem(it, &p); err != nil {
			return store.Op{}, crm.Wrap(err, "unmarshal product figures")
		}
		cond = store.VersionIs(p.Version)
	}
	if p.Revenue == nil {
		p.Revenue = map[string]int64{}
	}
	var q, total int64
	for _, l := range sale.Lines {
		if l.ProductID == id {
			q, total = q+l.Quantity, total+l.TotalMinor
		}
	}
	p.UnitsSold += n * q
	p.SalesCount += n
	p.Revenue[sale.Currency] += n * total
	if n > 0 {
		d := sale.SaleDate
		if p.LastSoldAt == nil || d.After(*p.LastSoldAt) {
			p.LastSoldAt = &d
		}
		p.Recent = append([]perfSale{{SaleID: sale.ID, Date: d, Quantity: q, TotalMinor: total, Currency: sale.Currency,
			CustomerID: sale.CustomerID, CustomerName: sale.CustomerName, Status: sale.Status}}, p.Recent...)
		p.Recent = p.Recent[:min(len(p.Recent), recentSales)]
	} else {
		for i := range p.Recent {
			if p.Recent[i].SaleID == sale.ID {
				p.Recent[i].Status = sale.Status
			}
		}
	}
	p.Version++
	item, err := store.Marshal(products.PerfKey(id), p)
	if err != nil {
		return store.Op{}, err
	}
	return store.PutOp(item, cond), nil
}

// ProductPerformance is a product's sales figures as the product detail
// shows them (performance and sales_history), amounts as decimals.
func ProductPerformance(it store.Item, currency string, loc *time.Location) (map[string]any, []map[string]any) {
	perf := map[string]any{"units_sold": int64(0), "sales_count": int64(0), "revenue": 0.0, "revenue_by_currency": map[string]float64{},
		"last_sold_at": nil, "last_sold_at_jalali": ""}
	history := []map[string]any{}
	if it == nil {
		return perf, history
	}
	var p productPerf
	if err := dynamo.UnmarshalItem(it, &p); err != nil {
		return perf, history
	}
	byCur := map[string]float64{}
	for c, v := range p.Revenue {
		if v != 0 {
			byCur[c] = money.FromMinor(v, c)
		}
	}
	perf["units_sold"], perf["sales_count"], perf["revenue_by_currency"] = p.UnitsSold, p.SalesCount, byCur
	perf["revenue"] = money.FromMinor(p.Revenue[currency], currency)
	if p.LastSoldAt != nil {
		perf["last_sold_at"], perf["last_sold_at_jalali"] = *p.LastSoldAt, jalali.Format(*p.LastSoldAt, loc)
	}
	for _, r := range p.Recent {
		history = append(history, map[string]any{"sale_id": r.SaleID, "date": r.Date, "date_jalali": jalali.Format(r.Date, loc),
			"quantity": r.Quantity, "total": money.FromMinor(r.TotalMinor, r.Currency), "currency": r.Currency,
			"customer_id": r.CustomerID, "customer_name": r.CustomerName, "status": r.Status})
	}
	return perf, history
}

// mergeOps folds unconditional updates of one item (counters, names)
// into one op: a transaction touches each item once.
func mergeOps(ops []store.Op) []store.Op {
	var out []store.Op
	at := map[store.Key]int{}
	for _, o := range ops {
		if u := o.Update; u != nil && len(u.Remove) == 0 && len(u.Cond) == 0 {
			if i, ok := at[u.Key]; ok {
				for k, v := range u.Add {
					out[i].Update.Add[k] += v
				}
				for k, v := range u.Set {
					out[i].Update.Set[k] = v
				}
				continue
			}
			add, set := map[string]int64{}, store.Item{}
			for k, v := range u.Add {
				add[k] = v
			}
			for k, v := range u.Set {
				set[k] = v
			}
			cp := *u
			cp.Add, cp.Set = add, set
			at[u.Key] = len(out)
			out = append(out, store.UpdateOp(cp))
			continue
		}
		out = append(out, o)
	}
	return out
}

func runSale(ctx context.Context, t store.Table, ops []store.Op) error {
	ops = mergeOps(ops)
	if len(ops) > store.MaxTransactOps {
		return invalid("products", "too many different products to complete in one sale")
	}
	err := t.TransactWrite(ctx, ops...)
	if crm.ErrorCode(err) != crm.ECONFLICT {
		return err
	}
	var te *store.TxError
	if asTx(err, &te) && strings.HasPrefix(te.Key.PK, "PRODUCT#") {
		return &crm.Error{Code: crm.ECONFLICT, Message: "a product's stock changed meanwhile; try again", Err: err,
			Fields: map[string][]string{"products": {"stock of " + strings.TrimPrefix(te.Key.PK, "PRODUCT#") + " changed"}}}
	}
	return crm.VersionConflict("sale", err)
}

// saleOps store sale (replacing old) with its rollup, search words and event.
func saleOps(ctx context.Context, old, sale *Sale, oldTokens []string, event string) ([]store.Op, error) {
	it, tokens, err := saleItem(sale)
	if err != nil {
		return nil, err
	}
	cond := store.NotExists()
	if old != nil {
		cond = store.VersionIs(old.Version)
	}
	ops := []store.Op{store.PutOp(it, cond)}
	// The rollup of the sale's day: out with the old state, in with the new.
	d := rollupDelta(sale, 1)
	for k, v := range rollupDelta(old, -1) {
		d[k] += v
	}
	for k, v := range d {
		if v == 0 {
			delete(d, k)
		}
	}
	if len(d) > 0 {
		set := store.Item{}
		if sale.Status == "completed" {
			set = rollupNames(sale)
		}
		ops = append(ops, store.UpdateOp(store.Update{Key: rollupKey(sale), Add: d, Set: set}))
	}
	ops = append(ops, search.Ops(saleKind, sale.ID, oldTokens, tokens)...)
	ops = append(ops, outbox.Op(ctx, event, map[string]any{"sale_id": sale.ID, "status": sale.Status, "total_minor": sale.TotalMinor,
		"currency": sale.Currency, "customer_id": sale.CustomerID}))
	return ops, nil
}

// SaleDetail is a sale with its payments (one query).
type SaleDetail struct {
	Sale     *Sale
	Payments []Payment
}

// Sale reads a sale's collection: the sale and its payments.
func (s *Service) Sale(ctx context.Context, id string) (*SaleDetail, error) {
	t, err := s.Tables.TenantTable(ctx)
	if err != nil {
		return nil, err
	}
	if !ids.Valid(id) {
		return nil, saleNotFound()
	}
	p, err := t.Query(ctx, store.Query{PK: saleKey(id).PK, Limit: 1000})
	if err != nil {
		return nil, err
	}
	d := &SaleDetail{Payments: []Payment{}}
	for _, it := range p.Items {
		switch sk := store.Str(it, store.SK); {
		case sk == saleSK:
			if d.Sale, _, err = saleFromItem(it); err != nil {
				return nil, err
			}
		case strings.HasPrefix(sk, paymentPrefix):
			var pay Payment
			if err := dynamo.UnmarshalItem(it, &pay); err != nil {
				return nil, crm.Wrap(err, "unmarshal payment")
			}
			d.Payments = append(d.Payments, pay)
		}
	}
	if d.Sale == nil {
		return nil, saleNotFound()
	}
	return d, nil
}

func (s *Service) loadSale(ctx context.Context, t store.Table, id string) (*Sale, []string, error) {
	if !ids.Valid(id) {
		return nil, nil, saleNotFound()
	}
	it, err := store.GetOr(ctx, t, saleKey(id), saleNotFound)
	if err != nil {
		return nil, nil, err
	}
	return saleFromItem(it)
}

// SalePatch changes a sale's status, payment method or notes.
type SalePatch struct {
	Status        *string
	PaymentMethod *string
	Notes         *string
	Version       *int64
}

// UpdateSale changes a sale; completing it takes the stock, cancelling or
// refunding a completed sale gives it back, in the same transaction.
// Allowed moves: pending → completed | cancelled; completed → cancelled |
// refunded. Others are ECONFLICT.
func (s *Service) UpdateSale(ctx context.Context, id string, p *SalePatch) (*Sale, error) {
	t, err := s.Tables.TenantTable(ctx)
	if err != nil {
		return nil, err
	}
	old, oldTokens, err := s.loadSale(ctx, t, id)
	if err != nil {
		return nil, err
	}
	if p.Version != nil && *p.Version != old.Version {
		return nil, crm.VersionConflict("sale", nil)
	}
	now := s.now()
	sale := *old
	sale.Lines = slices.Clone(old.Lines)
	if p.PaymentMethod != nil {
		sale.PaymentMethod = strings.TrimSpace(*p.PaymentMethod)
	}
	if p.Notes != nil {
		sale.Notes = *p.Notes
	}
	var extra []store.Op
	if p.Status != nil {
		st := strings.ToLower(strings.TrimSpace(*p.Status))
		if !slices.Contains(SaleStatuses, st) {
			return nil, invalid("status", "must be one of pending, completed, cancelled, refunded")
		}
		if st != old.Status {
			allowed := map[string][]string{"pending": {"completed", "cancelled"}, "completed": {"cancelled", "refunded"}}
			if !slices.Contains(allowed[old.Status], st) {
				return nil, &crm.Error{Code: crm.ECONFLICT, Message: fmt.Sprintf("a %s sale cannot become %s", old.Status, st),
					Fields: map[string][]string{"status": {"not allowed from " + old.Status}}}
			}
			sale.Status = st
			dir := int64(0)
			switch {
			case st == "completed":
				dir = -1
				sale.CompletedAt = &now
			case old.Status == "completed":
				dir = 1
			}
			if dir != 0 {
				var keys []store.Key
				seen := map[string]bool{}
				for _, l := range sale.Lines {
					if !seen[l.ProductID] {
						seen[l.ProductID] = true
						keys = append(keys, products.ProductKey(l.ProductID), products.PerfKey(l.ProductID))
					}
				}
				items, err := store.BatchGetAll(ctx, t, keys)
				if err != nil {
					return nil, err
				}
				byKey := map[store.Key]store.Item{}
				for _, it := range items {
					byKey[store.KeyOf(it)] = it
				}
				if extra, err = stockOps(ctx, byKey, &sale, dir, now); err != nil {
					return nil, err
				}
			}
			extra = append(extra, outbox.Op(ctx, "sale."+st, map[string]any{"sale_id": sale.ID, "from": old.Status, "to": st}))
		}
	}
	sale.UpdatedAt, sale.Version = now, old.Version+1
	ops, err := saleOps(ctx, old, &sale, oldTokens, "sale.updated")
	if err != nil {
		return nil, err
	}
	if err := runSale(ctx, t, append(ops, extra...)); err != nil {
		return nil, err
	}
	return &sale, nil
}

// DeleteSale removes a sale that is not completed (refund or cancel it
// first) with its payments.
func (s *Service) DeleteSale(ctx context.Context, id string) error {
	t, err := s.Tables.TenantTable(ctx)
	if err != nil {
		return err
	}
	if !ids.Valid(id) {
		return saleNotFound()
	}
	p, err := t.Query(ctx, store.Query{PK: saleKey(id).PK, Limit: 1000})
	if err != nil {
		return err
	}
	var old *Sale
	var tokens []string
	var ops []store.Op
	for _, it := range p.Items {
		if store.Str(it, store.SK) == saleSK {
			if old, tokens, err = saleFromItem(it); err != nil {
				return err
			}
			ops = append(ops, store.DeleteOp(store.KeyOf(it), store.VersionIs(old.Version)))
			continue
		}
		ops = append(ops, store.DeleteOp(store.KeyOf(it)))
	}
	if old == nil {
		return saleNotFound()
	}
	if old.Status == "completed" {
		return &crm.Error{Code: crm.ECONFLICT, Message: "a completed sale stays; cancel or refund it first"}
	}
	ops = append(ops, search.Ops(saleKind, id, tokens, nil)...)
	ops = append(ops, outbox.Op(ctx, "sale.deleted", map[string]any{"sale_id": id}))
	if len(ops) > store.MaxTransactOps {
		return &crm.Error{Code: crm.ECONFLICT, Message: "the sale has too many payments to delete at once"}
	}
	return runSale(ctx, t, ops)
}

// PaymentInput is a payment as a client sends it.
type PaymentInput struct {
	Amount    float64
	Method    string
	Reference string
	Notes     string
	PaidAt    *time.Time
}

// AddPayment records a (partial) payment: the payment in the sale's
// collection and the sale's paid amount, in one transaction; more than
// the balance is EVALIDATION naming amount.
func (s *Service) AddPayment(ctx context.Context, id string, in PaymentInput) (*Sale, *Payment, error) {
	t, err := s.Tables.TenantTable(ctx)
	if err != nil {
		return nil, nil, err
	}
	old, tokens, err := s.loadSale(ctx, t, id)
	if err != nil {
		return nil, nil, err
	}
	if old.Status == "cancelled" || old.Status == "refunded" {
		return nil, nil, &crm.Error{Code: crm.ECONFLICT, Message: "the sale is " + old.Status}
	}
	amount, err := money.ToMinor(in.Amount, old.Currency)
	if err != nil || amount <= 0 {
		return nil, nil, invalid("amount", "must be a positive amount in "+old.Currency)
	}
	if old.PaidMinor+amount > old.TotalMinor {
		return nil, nil, invalid("amount", "more than the balance of "+formatMinor(old.TotalMinor-old.PaidMinor, old.Currency)+" "+old.Currency)
	}
	now := s.now()
	pay := &Payment{ID: ids.New(), AmountMinor: amount, Method: strings.TrimSpace(in.Method), Reference: in.Reference, Notes: in.Notes,
		PaidAt: now, RecordedBy: actor(ctx)}
	if in.PaidAt != nil {
		pay.PaidAt = in.PaidAt.UTC()
	}
	if pay.Method == "" {
		pay.Method = old.PaymentMethod
	}
	sale := *old
	sale.PaidMinor += amount
	sale.UpdatedAt, sale.Version = now, old.Version+1
	ops, err := saleOps(ctx, old, &sale, tokens, "sale.payment_recorded")
	if err != nil {
		return nil, nil, err
	}
	pi, err := store.Marshal(store.Key{PK: saleKey(id).PK, SK: paymentPrefix + pay.ID}, pay)
	if err != nil {
		return nil, nil, err
	}
	if err := runSale(ctx, t, append(ops, store.PutOp(pi, store.NotExists()))); err != nil {
		return nil, nil, err
	}
	return &sale, pay, nil
}
