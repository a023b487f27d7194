package sales

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"payvand.dev/shared/crm"
	"payvand.dev/shared/ids"
	"payvand.dev/shared/rollup"
	"payvand.dev/shared/search"
	"payvand.dev/shared/store"
)

// SaleFilter selects sales.
type SaleFilter struct {
	Status, CustomerID, SalespersonID string
	From, To                          *time.Time
	AmountMin, AmountMax              *float64
	Search                            string
	Desc                              bool
	Limit, Offset                     int
	Cursor                            string
}

// SalePage is one page of sales.
type SalePage struct {
	Sales      []*Sale
	Total      int
	NextCursor string
}

// Sales lists sales by date from the index that fits (customer,
// salesperson, status or all), the date range on its sort key and the
// other filters as conditions; a count-only read gives the total.
func (s *Service) Sales(ctx context.Context, f SaleFilter) (*SalePage, error) {
	t, err := s.Tables.TenantTable(ctx)
	if err != nil {
		return nil, err
	}
	if f.Status != "" {
		f.Status = strings.ToLower(f.Status)
		if !slices.Contains(SaleStatuses, f.Status) {
			return nil, invalid("filter[status]", "must be one of pending, completed, cancelled, refunded")
		}
	}
	var filter []store.Cond
	if f.AmountMin != nil {
		filter = append(filter, store.Ge("total", *f.AmountMin))
	}
	if f.AmountMax != nil {
		filter = append(filter, store.Le("total", *f.AmountMax))
	}
	if f.Search != "" {
		return s.searchSales(ctx, t, f, filter)
	}
	q := store.Query{Index: "GSI1", PK: salesPK, Reverse: f.Desc, Limit: f.Limit, Offset: f.Offset, Cursor: f.Cursor}
	indexed := ""
	switch {
	case f.CustomerID != "":
		q.Index, q.PK, indexed = "GSI3", salesPK+"#CUSTOMER#"+f.CustomerID, "customer"
	case f.SalespersonID != "":
		q.Index, q.PK, indexed = "GSI4", salesPK+"#SP#"+f.SalespersonID, "salesperson"
	case f.Status != "":
		q.Index, q.PK, indexed = "GSI2", salesPK+"#STATUS#"+f.Status, "status"
	}
	if f.Status != "" && indexed != "status" {
		filter = append(filter, store.Eq("status", f.Status))
	}
	if f.SalespersonID != "" && indexed != "salesperson" {
		filter = append(filter, store.Eq("salesperson_id", f.SalespersonID))
	}
	// Sort keys are <date>#<id>: "~" sorts after every id.
	switch {
	case f.From != nil && f.To != nil:
		q.SK = store.SKBetweenOf(f.From.UTC().Format(whenLayout), f.To.UTC().Format(whenLayout)+"~")
	case f.From != nil:
		q.SK = store.SKGreaterEq(f.From.UTC().Format(whenLayout))
	case f.To != nil:
		q.SK = store.SKLessEq(f.To.UTC().Format(whenLayout) + "~")
	}
	q.Filter = filter
	list, total, next, err := store.List(ctx, t, q, DecodeSale)
	if err != nil {
		return nil, err
	}
	return &SalePage{Sales: list, Total: total, NextCursor: next}, nil
}

func (s *Service) searchSales(ctx context.Context, t store.Table, f SaleFilter, filter []store.Cond) (*SalePage, error) {
	hits, err := search.IDs(ctx, t, saleKind, f.Search)
	if err != nil {
		return nil, err
	}
	keys := store.Keys(hits, saleKey)
	items, err := store.BatchGetAll(ctx, t, keys)
	if err != nil {
		return nil, err
	}
	for _, c := range []struct{ attr, v string }{{"status", f.Status}, {"customer_id", f.CustomerID}, {"salesperson_id", f.SalespersonID}} {
		if c.v != "" {
			filter = append(filter, store.Eq(c.attr, c.v))
		}
	}
	var all []*Sale
	for _, it := range items {
		if !store.EvalAll(filter, it) {
			continue
		}
		sl, err := DecodeSale(it)
		if err != nil {
			return nil, err
		}
		if (f.From != nil && sl.SaleDate.Before(*f.From)) || (f.To != nil && sl.SaleDate.After(*f.To)) {
			continue
		}
		all = append(all, sl)
	}
	slices.SortFunc(all, func(a, b *Sale) int {
		r := a.SaleDate.Compare(b.SaleDate)
		if f.Desc {
			r = -r
		}
		return r
	})
	page := &SalePage{Total: len(all)}
	page.Sales, page.NextCursor = store.Window(all, store.OffsetOf(f.Offset, f.Cursor), f.Limit)
	return page, nil
}

// Amounts are minor units by currency.
type Amounts map[string]int64

// Breakdown is one product's, customer's or salesperson's share.
type Breakdown struct {
	ID      string
	Name    string
	Count   int64 // sales (customers, salespeople) or units (products)
	Revenue Amounts
}

// TrendPoint is one day's (or month's) completed sales.
type TrendPoint struct {
	Period  string
	Sales   int64
	Revenue Amounts
}

// Analysis is the completed sales of a period, from the daily rollups
// (one query of one item per day, whatever the number of sales).
type Analysis struct {
	From, To      time.Time // [From, To)
	TotalSales    int64
	Revenue       Amounts
	ByProduct     []Breakdown
	ByCustomer    []Breakdown
	BySalesperson []Breakdown
	Trends        []TrendPoint
	Days          int
}

// Analyze adds up the rollups of the UTC days in [from, to); monthly
// trends when monthly is set.
func (s *Service) Analyze(ctx context.Context, from, to time.Time, monthly bool) (*Analysis, error) {
	t, err := s.Tables.TenantTable(ctx)
	if err != nil {
		return nil, err
	}
	from, to = from.UTC(), to.UTC()
	if !to.After(from) || to.Sub(from) > 367*24*time.Hour {
		return nil, invalid("period", "a period of at most a year")
	}
	a := &Analysis{From: from, To: to, Revenue: Amounts{}, Days: int(to.Sub(from) / (24 * time.Hour))}
	last := to.Add(-time.Nanosecond)
	p, err := t.Query(ctx, store.Query{PK: dayRollupPK, SK: store.SKBetweenOf(from.Format("2006-01-02"), last.Format("2006-01-02"))})
	if err != nil {
		return nil, err
	}
	prods, custs, sps := map[string]*Breakdown{}, map[string]*Breakdown{}, map[string]*Breakdown{}
	trend := map[string]*TrendPoint{}
	var periods []string
	for _, it := range p.Items {
		day := store.Str(it, store.SK)
		period := day
		if monthly {
			period = day[:7]
		}
		tp := trend[period]
		if tp == nil {
			tp = &TrendPoint{Period: period, Revenue: Amounts{}}
			trend[period] = tp
			periods = append(periods, period)
		}
		n := store.Int(it, "n")
		a.TotalSales += n
		tp.Sales += n
		for attr := range it {
			v := store.Int(it, attr)
			switch {
			case strings.HasPrefix(attr, "rev_"):
				a.Revenue[attr[4:]] += v
				tp.Revenue[attr[4:]] += v
			case len(attr) > 2 && attr[1] == '_' && (attr[0] == 'p' || attr[0] == 'c' || attr[0] == 's'):
				rest := attr[2:]
				id, field, ok := strings.Cut(rest, "_")
				if !ok {
					continue
				}
				m := map[byte]map[string]*Breakdown{'p': prods, 'c': custs, 's': sps}[attr[0]]
				b := m[id]
				if b == nil {
					b = &Breakdown{ID: unhex(id), Revenue: Amounts{}}
					m[id] = b
				}
				switch field {
				case "q", "n":
					b.Count += v
				default:
					b.Revenue[field] += v
				}
			}
		}
		for attr := range it {
			if name, ok := strings.CutPrefix(attr, "pn_"); ok && prods[name] != nil {
				prods[name].Name = store.Str(it, attr)
			}
			if name, ok := strings.CutPrefix(attr, "cn_"); ok && custs[name] != nil {
				custs[name].Name = store.Str(it, attr)
			}
		}
	}
	slices.Sort(periods)
	for _, pd := range periods {
		a.Trends = append(a.Trends, *trend[pd])
	}
	flat := func(m map[string]*Breakdown) []Breakdown {
		out := make([]Breakdown, 0, len(m))
		for _, b := range m {
			if b.Count != 0 || len(nonZero(b.Revenue)) > 0 {
				b.Revenue = nonZero(b.Revenue)
				out = append(out, *b)
			}
		}
		slices.SortFunc(out, func(x, y Breakdown) int {
			if c := compareAmounts(y.Revenue, x.Revenue); c != 0 {
				return c
			}
			return strings.Compare(x.ID, y.ID)
		})
		return out
	}
	a.ByProduct, a.ByCustomer, a.BySalesperson = flat(prods), flat(custs), flat(sps)
	a.Revenue = nonZero(a.Revenue)
	return a, nil
}

func nonZero(a Amounts) Amounts {
	out := Amounts{}
	for k, v := range a {
		if v != 0 {
			out[k] = v
		}
	}
	return out
}

func compareAmounts(a, b Amounts) int {
	var x, y int64
	for _, v := range a {
		x += v
	}
	for _, v := range b {
		y += v
	}
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// unhex restores a UUID's dashes (8-4-4-4-12).
func unhex(h string) string {
	if len(h) != 32 {
		return h
	}
	id := h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
	if !ids.Valid(id) {
		return h
	}
	return id
}

// Today is the completed sales and logged activities of [from, to) (the
// caller's day), from the hourly figures of at most two daily rollup items
// (one query).
type Today struct {
	Sales          int64
	Revenue        Amounts
	Activities     int64
	TasksCompleted int64
}

// TodayFigures reads the sales and activity rollups of [from, to).
func (s *Service) TodayFigures(ctx context.Context, from, to time.Time) (*Today, error) {
	t, err := s.Tables.TenantTable(ctx)
	if err != nil {
		return nil, err
	}
	from, to = from.UTC(), to.UTC()
	out := &Today{Revenue: Amounts{}}
	p, err := t.Query(ctx, store.Query{PK: dayRollupPK, SK: store.SKBetweenOf(from.Format("2006-01-02"), to.Add(-time.Nanosecond).Format("2006-01-02"))})
	if err != nil {
		return nil, err
	}
	for _, it := range p.Items {
		day, err := time.Parse("2006-01-02", store.Str(it, store.SK))
		if err != nil {
			continue
		}
		for h := 0; h < 24; h++ {
			at := day.Add(time.Duration(h) * time.Hour)
			if at.Before(from) || !at.Before(to) {
				continue
			}
			hh := fmt.Sprintf("%02d", h)
			out.Sales += store.Int(it, "hn"+hh)
			for attr := range it {
				if cur, ok := strings.CutPrefix(attr, "hr"+hh+"_"); ok {
					out.Revenue[cur] += store.Int(it, attr)
				}
			}
		}
	}
	out.Revenue = nonZero(out.Revenue)
	// Activities keep their hourly counts on the same items (ah<HH>).
	out.Activities = rollup.SumHours(p.Items, from, to, "ah")
	// Completed tasks keep their hourly counts on the same items (tc<HH>).
	out.TasksCompleted = rollup.SumHours(p.Items, from, to, "tc")
	return out, nil
}

var _ = crm.EVALIDATION
