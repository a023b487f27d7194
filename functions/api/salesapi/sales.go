package salesapi

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	"payvand.dev/shared/crm"
	"payvand.dev/shared/httpapi"
	"payvand.dev/shared/jalali"
	"payvand.dev/shared/money"
	"payvand.dev/shared/sales"
)

// SaleLineView is a line of a sale.
type SaleLineView struct {
	ProductID string  `json:"product_id"`
	Name      string  `json:"name"`
	Quantity  int64   `json:"quantity"`
	Price     float64 `json:"price"`
	Total     float64 `json:"total"`
}

// SaleView is a sale in Rabin's words, amounts as decimals of currency.
type SaleView struct {
	ID                string         `json:"id"`
	CustomerID        string         `json:"customer_id"`
	CustomerName      string         `json:"customer_name"`
	Products          []SaleLineView `json:"products"`
	TotalAmount       float64        `json:"total_amount"`
	Currency          string         `json:"currency"`
	Status            string         `json:"status"`
	PaymentMethod     string         `json:"payment_method"`
	Notes             string         `json:"notes"`
	SalespersonID     string         `json:"salesperson_id"`
	Paid              float64        `json:"paid"`
	Balance           float64        `json:"balance"`
	PaymentStatus     string         `json:"payment_status" doc:"unpaid, partial or paid"`
	SaleDate          time.Time      `json:"sale_date"`
	SaleDateJalali    string         `json:"sale_date_jalali"`
	CompletedAt       *time.Time     `json:"completed_at"`
	CompletedAtJalali string         `json:"completed_at_jalali"`
	CreatedAt         time.Time      `json:"created_at"`
	CreatedAtJalali   string         `json:"created_at_jalali"`
	UpdatedAt         time.Time      `json:"updated_at"`
	UpdatedAtJalali   string         `json:"updated_at_jalali"`
	Version           int64          `json:"version"`
}

func saleView(ctx context.Context, s *sales.Sale) SaleView {
	loc := httpapi.LocationFrom(ctx)
	c := s.Currency
	v := SaleView{ID: s.ID, CustomerID: s.CustomerID, CustomerName: s.CustomerName, Products: make([]SaleLineView, len(s.Lines)),
		TotalAmount: money.FromMinor(s.TotalMinor, c), Currency: c, Status: s.Status, PaymentMethod: s.PaymentMethod, Notes: s.Notes,
		SalespersonID: s.SalespersonID, Paid: money.FromMinor(s.PaidMinor, c), Balance: money.FromMinor(s.TotalMinor-s.PaidMinor, c),
		SaleDate: s.SaleDate, SaleDateJalali: jalali.Format(s.SaleDate, loc), CompletedAt: s.CompletedAt, CompletedAtJalali: jalaliOf(s.CompletedAt, loc),
		CreatedAt: s.CreatedAt, CreatedAtJalali: jalali.Format(s.CreatedAt, loc), UpdatedAt: s.UpdatedAt, UpdatedAtJalali: jalali.Format(s.UpdatedAt, loc),
		Version: s.Version}
	for i, l := range s.Lines {
		v.Products[i] = SaleLineView{ProductID: l.ProductID, Name: l.Name, Quantity: l.Quantity, Price: money.FromMinor(l.PriceMinor, c), Total: money.FromMinor(l.TotalMinor, c)}
	}
	switch {
	case s.PaidMinor == 0 && s.TotalMinor > 0:
		v.PaymentStatus = "unpaid"
	case s.PaidMinor < s.TotalMinor:
		v.PaymentStatus = "partial"
	default:
		v.PaymentStatus = "paid"
	}
	return v
}

// PaymentView is one payment.
type PaymentView struct {
	sales.Payment
	Amount       float64 `json:"amount"`
	PaidAtJalali string  `json:"paid_at_jalali"`
}

// SaleDetail is Rabin's sale detail: the sale, its items, its customer and
// its payment history.
type SaleDetail struct {
	SaleView
	Items          []SaleLineView `json:"items"`
	Customer       *httpapi.Ref   `json:"customer"`
	PaymentHistory []PaymentView  `json:"payment_history"`
}

func saleDetail(ctx context.Context, d *sales.SaleDetail) SaleDetail {
	v := SaleDetail{SaleView: saleView(ctx, d.Sale), PaymentHistory: make([]PaymentView, len(d.Payments))}
	v.Items = v.Products
	if d.Sale.CustomerID != "" {
		v.Customer = &httpapi.Ref{ID: d.Sale.CustomerID, Name: d.Sale.CustomerName}
	}
	loc := httpapi.LocationFrom(ctx)
	for i, p := range d.Payments {
		v.PaymentHistory[i] = PaymentView{Payment: p, Amount: money.FromMinor(p.AmountMinor, d.Sale.Currency), PaidAtJalali: jalali.Format(p.PaidAt, loc)}
	}
	return v
}

// SaleListInput is the sales query (also as filter[name]).
type SaleListInput struct {
	httpapi.ListParams
	Status        string `query:"status" doc:"pending, completed, cancelled, refunded"`
	DateFrom      string `query:"date_from"`
	DateTo        string `query:"date_to"`
	AmountMin     string `query:"amount_min"`
	AmountMax     string `query:"amount_max"`
	CustomerID    string `query:"customer_id"`
	SalespersonID string `query:"salesperson_id"`
}

func saleFirst(in *SaleListInput, names ...string) string {
	for _, n := range names {
		if v := in.Filter(n); v != "" {
			return v
		}
	}
	return ""
}

func registerSales(s *httpapi.Server, svc *sales.Service) {
	r := func(method, path, op, summary string) httpapi.Route {
		return salesRoute(method, "/api/sales"+path, "sales-"+op, summary, "Sales")
	}
	httpapi.Register(s, r(http.MethodGet, "", "list", "List sales (status, dates, amounts, customer, salesperson)"),
		func(ctx context.Context, in *SaleListInput) (*httpapi.ListBody[SaleView], error) {
			f := sales.SaleFilter{Status: saleFirst(in, "status"), CustomerID: saleFirst(in, "customer_id", "customer"),
				SalespersonID: saleFirst(in, "salesperson_id", "salesperson"), Search: in.Search, Limit: in.Size()}
			fe := crm.FieldErrors{}
			loc := httpapi.LocationFrom(ctx)
			var ok bool
			if f.From, ok = parseBound(saleFirst(in, "date_from"), false, loc); !ok {
				fe.Add("filter[date_from]", "must be a date")
			}
			if f.To, ok = parseBound(saleFirst(in, "date_to"), true, loc); !ok {
				fe.Add("filter[date_to]", "must be a date")
			}
			for _, a := range []struct {
				name string
				dst  **float64
			}{{"amount_min", &f.AmountMin}, {"amount_max", &f.AmountMax}} {
				if raw := saleFirst(in, a.name); raw != "" {
					x, err := strconv.ParseFloat(raw, 64)
					if err != nil {
						fe.Add("filter["+a.name+"]", "must be a number")
					}
					*a.dst = &x
				}
			}
			field, desc := in.SortField("-created_at")
			if field != "created_at" && field != "sale_date" && field != "date" {
				fe.Add("sort", "sort by created_at or -created_at")
			}
			f.Desc = desc
			if err := fe.Err(); err != nil {
				return nil, err
			}
			var err error
			if f.Cursor, f.Offset, err = s.Cursors.Window(ctx, "sales", &in.ListParams); err != nil {
				return nil, err
			}
			page, err := svc.Sales(ctx, f)
			if err != nil {
				return nil, err
			}
			views := make([]SaleView, len(page.Sales))
			for i, sl := range page.Sales {
				views[i] = saleView(ctx, sl)
			}
			return httpapi.SealedList(ctx, s.Cursors, "sales", &in.ListParams, views, page.Total, page.NextCursor)
		})
	httpapi.Register(s, created(r(http.MethodPost, "", "create", "Record a sale (lines and total computed in minor units; completed takes stock)")),
		func(ctx context.Context, in *struct {
			Body struct {
				CustomerID    string       `json:"customer_id,omitempty" maxLength:"36"`
				Products      []ProductArg `json:"products" maxItems:"1000"`
				Items         []ProductArg `json:"items,omitempty" maxItems:"1000" doc:"Alias of products"`
				TotalAmount   *float64     `json:"total_amount,omitempty" doc:"When sent, must equal the sum of the lines (422 otherwise)"`
				Currency      string       `json:"currency,omitempty" maxLength:"3"`
				Status        string       `json:"status,omitempty" maxLength:"20" doc:"pending (default), completed or cancelled"`
				PaymentMethod string       `json:"payment_method,omitempty" maxLength:"50"`
				Notes         string       `json:"notes,omitempty" maxLength:"5000"`
				SalespersonID string       `json:"salesperson_id,omitempty" maxLength:"36"`
				SaleDate      *time.Time   `json:"sale_date,omitempty"`
			}
		}) (*httpapi.Body[SaleView], error) {
			b := in.Body
			lines := b.Products
			if len(lines) == 0 {
				lines = b.Items
			}
			sin := &sales.SaleInput{CustomerID: b.CustomerID, TotalAmount: b.TotalAmount, Currency: b.Currency, Status: b.Status,
				PaymentMethod: b.PaymentMethod, Notes: b.Notes, SalespersonID: b.SalespersonID, SaleDate: b.SaleDate}
			for _, l := range lines {
				pl := sales.ProductLine{ProductID: l.ProductID, Quantity: 1, Price: l.Price}
				if l.Quantity != nil {
					pl.Quantity = *l.Quantity
				}
				sin.Lines = append(sin.Lines, pl)
			}
			sl, err := svc.CreateSale(ctx, sin)
			if err != nil {
				return nil, err
			}
			return httpapi.OK(saleView(ctx, sl), "sale created"), nil
		})
	httpapi.Register(s, r(http.MethodGet, "/analyze", "analyze", "Sales analysis of a period from daily rollups (totals, by product, customer and salesperson, trends, forecast)"),
		func(ctx context.Context, in *struct {
			Period string `query:"period" doc:"day, week, month (default), quarter or year"`
			Year   int    `query:"year"`
			Month  int    `query:"month"`
			Day    int    `query:"day"`
		}) (*httpapi.Body[AnalysisView], error) {
			from, to, monthly, err := periodRange(in.Period, in.Year, in.Month, in.Day, now(svc))
			if err != nil {
				return nil, err
			}
			a, err := svc.Analyze(ctx, from, to, monthly)
			if err != nil {
				return nil, err
			}
			return httpapi.OK(analysisView(a, in.Period, monthly), ""), nil
		})
	httpapi.Register(s, r(http.MethodGet, "/{id}", "get", "A sale with its items, customer and payment history (one read)"),
		func(ctx context.Context, in *idInput) (*httpapi.Body[SaleDetail], error) {
			d, err := svc.Sale(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			return httpapi.OK(saleDetail(ctx, d), ""), nil
		})
	for _, m := range []string{http.MethodPut, http.MethodPatch} {
		op := "update"
		if m == http.MethodPatch {
			op = "patch"
		}
		httpapi.Register(s, r(m, "/{id}", op, "Change a sale's status, payment method or notes (completing takes stock; cancelling or refunding a completed sale gives it back)"),
			func(ctx context.Context, in *struct {
				ID   string `path:"id"`
				Body struct {
					Status        *string `json:"status,omitempty" maxLength:"20"`
					PaymentMethod *string `json:"payment_method,omitempty" maxLength:"50"`
					Notes         *string `json:"notes,omitempty" maxLength:"5000"`
					Version       *int64  `json:"version,omitempty"`
				}
			}) (*httpapi.Body[SaleView], error) {
				sl, err := svc.UpdateSale(ctx, in.ID, &sales.SalePatch{Status: in.Body.Status, PaymentMethod: in.Body.PaymentMethod, Notes: in.Body.Notes, Version: in.Body.Version})
				if err != nil {
					return nil, err
				}
				return httpapi.OK(saleView(ctx, sl), "sale updated"), nil
			})
	}
	httpapi.Register(s, r(http.MethodDelete, "/{id}", "delete", "Delete a sale that is not completed"),
		func(ctx context.Context, in *idInput) (*httpapi.Body[any], error) {
			if err := svc.DeleteSale(ctx, in.ID); err != nil {
				return nil, err
			}
			return httpapi.OK[any](nil, "sale deleted"), nil
		})
	httpapi.Register(s, created(r(http.MethodPost, "/{id}/payments", "add-payment", "Record a (partial) payment")),
		func(ctx context.Context, in *struct {
			ID   string `path:"id"`
			Body struct {
				Amount    float64    `json:"amount"`
				Method    string     `json:"method,omitempty" maxLength:"50"`
				Reference string     `json:"reference,omitempty" maxLength:"200"`
				Notes     string     `json:"notes,omitempty" maxLength:"2000"`
				PaidAt    *time.Time `json:"paid_at,omitempty"`
			}
		}) (*httpapi.Body[SaleView], error) {
			b := in.Body
			sl, _, err := svc.AddPayment(ctx, in.ID, sales.PaymentInput{Amount: b.Amount, Method: b.Method, Reference: b.Reference, Notes: b.Notes, PaidAt: b.PaidAt})
			if err != nil {
				return nil, err
			}
			return httpapi.OK(saleView(ctx, sl), "payment recorded"), nil
		})
	httpapi.Register(s, salesRoute(http.MethodGet, "/api/reports/today", "reports-today", "Today's sales, revenue, activities and target progress in the caller's time zone (from rollups)", "Sales"),
		func(ctx context.Context, in *struct {
			Target float64 `query:"daily_target" doc:"The day's revenue target, in currency"`
			Cur    string  `query:"currency"`
		}) (*httpapi.Body[TodayView], error) {
			loc := httpapi.LocationFrom(ctx)
			t := now(svc).In(loc)
			start := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
			f, err := svc.TodayFigures(ctx, start, start.AddDate(0, 0, 1))
			if err != nil {
				return nil, err
			}
			return httpapi.OK(todayView(f, start, in.Target, in.Cur), ""), nil
		})
}

// periodRange is [from, to) of a period (UTC days), and whether its trend
// is by month.
func periodRange(period string, year, month, day int, now time.Time) (time.Time, time.Time, bool, error) {
	now = now.UTC()
	if year == 0 {
		year = now.Year()
	}
	if month == 0 {
		month = int(now.Month())
	}
	if month < 1 || month > 12 {
		return time.Time{}, time.Time{}, false, invalid("month", "1 to 12")
	}
	if year < 1900 || year > 2200 {
		return time.Time{}, time.Time{}, false, invalid("year", "a Gregorian year")
	}
	switch period {
	case "day":
		if day == 0 {
			day = now.Day()
		}
		d := time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
		return d, d.AddDate(0, 0, 1), false, nil
	case "week":
		d := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
		if day != 0 {
			d = time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
		}
		return d.AddDate(0, 0, -6), d.AddDate(0, 0, 1), false, nil
	case "", "month":
		d := time.Date(year, time.Month(month), 1, 0, 0, 0, 0, time.UTC)
		return d, d.AddDate(0, 1, 0), false, nil
	case "quarter":
		q := (month-1)/3*3 + 1
		d := time.Date(year, time.Month(q), 1, 0, 0, 0, 0, time.UTC)
		return d, d.AddDate(0, 3, 0), false, nil
	case "year":
		d := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC)
		return d, d.AddDate(1, 0, 0), true, nil
	}
	return time.Time{}, time.Time{}, false, invalid("period", "day, week, month, quarter or year")
}

func invalid(field, msg string) error {
	return &crm.Error{Code: crm.EVALIDATION, Message: "the given data was invalid", Key: "validation", Fields: map[string][]string{field: {msg}}}
}

// ShareView is one product's, customer's or salesperson's share.
type ShareView struct {
	Name     string             `json:"name,omitempty"`
	Count    int64              `json:"count" doc:"Units for products, sales otherwise"`
	Revenue  float64            `json:"revenue" doc:"In the analysis' currency"`
	Revenues map[string]float64 `json:"revenue_by_currency"`
}

// TrendView is one point of the trend.
type TrendView struct {
	Period  string  `json:"period"`
	Sales   int64   `json:"sales"`
	Revenue float64 `json:"revenue"`
}

// AnalysisView is Rabin's sales analysis.
type AnalysisView struct {
	Period              string               `json:"period"`
	From                string               `json:"from"`
	To                  string               `json:"to" doc:"Last day included"`
	FromJalali          string               `json:"from_jalali"`
	ToJalali            string               `json:"to_jalali"`
	Currency            string               `json:"currency" doc:"The currency of most revenue; totals by currency are also given"`
	TotalSales          int64                `json:"total_sales"`
	TotalRevenue        float64              `json:"total_revenue"`
	RevenueByCurrency   map[string]float64   `json:"revenue_by_currency"`
	AvgTransactionValue float64              `json:"avg_transaction_value"`
	ByProduct           map[string]ShareView `json:"by_product"`
	ByCustomer          map[string]ShareView `json:"by_customer"`
	BySalesperson       map[string]ShareView `json:"by_salesperson"`
	Trends              struct {
		Interval string      `json:"interval"`
		Points   []TrendView `json:"points"`
	} `json:"trends"`
	Forecast struct {
		Method             string  `json:"method"`
		NextPeriodRevenue  float64 `json:"next_period_revenue"`
		NextPeriodSales    float64 `json:"next_period_sales"`
		SlopePerInterval   float64 `json:"slope_per_interval"`
		IntervalsProjected int     `json:"intervals_projected"`
	} `json:"forecast"`
}

func analysisView(a *sales.Analysis, period string, monthly bool) AnalysisView {
	if period == "" {
		period = "month"
	}
	cur, best := "IRR", int64(-1)
	for c, v := range a.Revenue {
		if v > best || (v == best && c < cur) {
			cur, best = c, v
		}
	}
	last := a.To.AddDate(0, 0, -1)
	v := AnalysisView{Period: period, From: a.From.Format("2006-01-02"), To: last.Format("2006-01-02"), FromJalali: jalali.Format(a.From, time.UTC),
		ToJalali: jalali.Format(last, time.UTC), Currency: cur, TotalSales: a.TotalSales, TotalRevenue: money.FromMinor(a.Revenue[cur], cur),
		RevenueByCurrency: map[string]float64{}, ByProduct: shares(a.ByProduct, cur), ByCustomer: shares(a.ByCustomer, cur), BySalesperson: shares(a.BySalesperson, cur)}
	for c, m := range a.Revenue {
		v.RevenueByCurrency[c] = money.FromMinor(m, c)
	}
	if a.TotalSales > 0 {
		var n int64
		for _, tp := range a.Trends {
			if tp.Revenue[cur] != 0 {
				n += tp.Sales
			}
		}
		// The average of the sales in the main currency, rounded to its unit.
		if n == 0 {
			n = a.TotalSales
		}
		v.AvgTransactionValue = money.FromMinor((a.Revenue[cur]+n/2)/n, cur)
	}
	// Every interval of the period, with zeros where nothing was sold.
	byPeriod := map[string]sales.TrendPoint{}
	for _, tp := range a.Trends {
		byPeriod[tp.Period] = tp
	}
	v.Trends.Interval = "day"
	var keys []string
	if monthly {
		v.Trends.Interval = "month"
		for d := a.From; d.Before(a.To); d = d.AddDate(0, 1, 0) {
			keys = append(keys, d.Format("2006-01"))
		}
	} else {
		for d := a.From; d.Before(a.To); d = d.AddDate(0, 0, 1) {
			keys = append(keys, d.Format("2006-01-02"))
		}
	}
	ys, ns := make([]float64, len(keys)), make([]float64, len(keys))
	v.Trends.Points = make([]TrendView, len(keys))
	for i, k := range keys {
		tp := byPeriod[k]
		v.Trends.Points[i] = TrendView{Period: k, Sales: tp.Sales, Revenue: money.FromMinor(tp.Revenue[cur], cur)}
		ys[i], ns[i] = float64(tp.Revenue[cur]), float64(tp.Sales)
	}
	// Least-squares line through the intervals, summed over the next
	// period's intervals (never below zero).
	rev, slope := project(ys)
	cnt, _ := project(ns)
	v.Forecast.Method = fmt.Sprintf("linear_regression: least-squares trend of %s revenue in %s, projected over the next %d %ss", v.Trends.Interval+"ly", cur, len(keys), v.Trends.Interval)
	v.Forecast.NextPeriodRevenue = money.FromMinor(int64(math.Round(rev)), cur)
	v.Forecast.NextPeriodSales = math.Round(cnt*10) / 10
	v.Forecast.SlopePerInterval = money.FromMinor(int64(math.Round(slope)), cur)
	v.Forecast.IntervalsProjected = len(keys)
	return v
}

// project fits y = a + b·x over x = 0..n-1 and sums it over x = n..2n-1.
func project(ys []float64) (sum, slope float64) {
	n := float64(len(ys))
	if n == 0 {
		return 0, 0
	}
	var sx, sy, sxx, sxy float64
	for i, y := range ys {
		x := float64(i)
		sx, sy, sxx, sxy = sx+x, sy+y, sxx+x*x, sxy+x*y
	}
	b := 0.0
	if d := n*sxx - sx*sx; d != 0 {
		b = (n*sxy - sx*sy) / d
	}
	a := (sy - b*sx) / n
	for i := len(ys); i < 2*len(ys); i++ {
		sum += math.Max(0, a+b*float64(i))
	}
	return sum, b
}

func shares(l []sales.Breakdown, cur string) map[string]ShareView {
	out := map[string]ShareView{}
	for _, b := range l {
		sv := ShareView{Name: b.Name, Count: b.Count, Revenue: money.FromMinor(b.Revenue[cur], cur), Revenues: map[string]float64{}}
		for c, m := range b.Revenue {
			sv.Revenues[c] = money.FromMinor(m, c)
		}
		out[b.ID] = sv
	}
	return out
}

// TodayView is today's report (both seeds' names).
type TodayView struct {
	Date                string             `json:"date"`
	DateJalali          string             `json:"date_jalali"`
	Currency            string             `json:"currency"`
	TodaySales          int64              `json:"today_sales"`
	SalesToday          int64              `json:"sales_today"`
	TodayRevenue        float64            `json:"today_revenue"`
	RevenueToday        float64            `json:"revenue_today"`
	RevenueByCurrency   map[string]float64 `json:"revenue_by_currency"`
	ActivitiesToday     int64              `json:"activities_today"`
	TasksCompleted      int64              `json:"tasks_completed" doc:"Tasks marked completed today (in the caller's time zone)"`
	DailyTarget         *float64           `json:"daily_target"`
	DailyTargetProgress *float64           `json:"daily_target_progress" doc:"Percent of daily_target (null without one)"`
}

func todayView(f *sales.Today, day time.Time, target float64, cur string) TodayView {
	if cur == "" {
		best := int64(-1)
		cur = "IRR"
		for c, v := range f.Revenue {
			if v > best {
				cur, best = c, v
			}
		}
	}
	rev := money.FromMinor(f.Revenue[cur], cur)
	v := TodayView{Date: day.Format("2006-01-02"), DateJalali: jalali.Format(day, day.Location()), Currency: cur, TodaySales: f.Sales, SalesToday: f.Sales,
		TodayRevenue: rev, RevenueToday: rev, RevenueByCurrency: map[string]float64{}, ActivitiesToday: f.Activities, TasksCompleted: f.TasksCompleted}
	for c, m := range f.Revenue {
		v.RevenueByCurrency[c] = money.FromMinor(m, c)
	}
	if target > 0 {
		p := math.Round(rev/target*10000) / 100
		v.DailyTarget, v.DailyTargetProgress = &target, &p
	}
	return v
}
