package salesapi

import (
	"context"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"time"

	"payvand.dev/shared/crm"
	"payvand.dev/shared/httpapi"
	"payvand.dev/shared/money"
	"payvand.dev/shared/sales"
)

// ContactArg is a contact of a deal as sent (contact_id, or the id of a
// contact object read back).
type ContactArg struct {
	ContactID string `json:"contact_id,omitempty" maxLength:"36"`
	ID        string `json:"id,omitempty" maxLength:"36"`
	Role      string `json:"role,omitempty" maxLength:"100"`
}

// ProductArg is a product line as sent.
type ProductArg struct {
	ProductID string   `json:"product_id" maxLength:"36"`
	Quantity  *int64   `json:"quantity,omitempty" doc:"1 when absent"`
	Price     *float64 `json:"price,omitempty" doc:"The product's price when absent"`
}

// DealFields are the writable fields of a deal in both seeds' names.
type DealFields struct {
	Title             *string       `json:"title,omitempty" maxLength:"300"`
	Name              *string       `json:"name,omitempty" maxLength:"300" doc:"IshYar's name for title"`
	Description       *string       `json:"description,omitempty" maxLength:"5000"`
	Value             *float64      `json:"value,omitempty" minimum:"0"`
	Currency          *string       `json:"currency,omitempty" pattern:"^[A-Za-z]{3}$"`
	PipelineID        *string       `json:"pipeline_id,omitempty" maxLength:"36"`
	StageID           *string       `json:"stage_id,omitempty" maxLength:"36"`
	Stage             *StageArg     `json:"stage,omitempty" doc:"Rabin: a stage's name or id"`
	Probability       *int          `json:"probability,omitempty" minimum:"0" maximum:"100"`
	ExpectedCloseDate *string       `json:"expected_close_date,omitempty" maxLength:"40"`
	EndDate           *string       `json:"end_date,omitempty" maxLength:"40" doc:"Rabin's name for expected_close_date"`
	OwnerID           *string       `json:"owner_id,omitempty" maxLength:"36"`
	CustomerID        *string       `json:"customer_id,omitempty" maxLength:"36"`
	CompanyID         *string       `json:"company_id,omitempty" maxLength:"36" doc:"IshYar's name for customer_id"`
	Contacts          *[]ContactArg `json:"contacts,omitempty" maxItems:"20"`
	Products          *[]ProductArg `json:"products,omitempty" maxItems:"50"`
	Status            *string       `json:"status,omitempty" doc:"open, won or lost (any case)"`
	Version           *int64        `json:"version,omitempty"`
}

func (f *DealFields) input() *sales.DealInput {
	in := &sales.DealInput{Title: f.Title, Description: f.Description, Value: f.Value, Currency: f.Currency, PipelineID: f.PipelineID,
		StageID: f.StageID, Probability: f.Probability, ExpectedCloseDate: f.ExpectedCloseDate, OwnerID: f.OwnerID,
		CustomerID: f.CustomerID, Status: f.Status, Version: f.Version}
	if in.Title == nil {
		in.Title = f.Name
	}
	if in.ExpectedCloseDate == nil {
		in.ExpectedCloseDate = f.EndDate
	}
	if in.CustomerID == nil {
		in.CustomerID = f.CompanyID
	}
	if f.Stage != nil {
		in.Stage = &f.Stage.Ref
	}
	if f.Contacts != nil {
		l := make([]sales.ContactLine, len(*f.Contacts))
		for i, c := range *f.Contacts {
			l[i] = sales.ContactLine{ContactID: c.ContactID, Role: c.Role}
			if l[i].ContactID == "" {
				l[i].ContactID = c.ID
			}
		}
		in.Contacts = &l
	}
	if f.Products != nil {
		l := make([]sales.ProductLine, len(*f.Products))
		for i, p := range *f.Products {
			l[i] = sales.ProductLine{ProductID: p.ProductID, Quantity: 1, Price: p.Price}
			if p.Quantity != nil {
				l[i].Quantity = *p.Quantity
			}
		}
		in.Products = &l
	}
	return in
}

// DealListInput is the deals query (each filter also as filter[name]).
type DealListInput struct {
	httpapi.ListParams
	Status     string `query:"status" doc:"open, won, lost"`
	Stage      string `query:"stage" doc:"A stage's name or id"`
	StageID    string `query:"stage_id"`
	PipelineID string `query:"pipeline_id"`
	Pipeline   string `query:"pipeline"`
	OwnerID    string `query:"owner_id"`
	Owner      string `query:"owner"`
	CustomerID string `query:"customer_id"`
	CompanyID  string `query:"company_id"`
	CloseFrom  string `query:"close_from" doc:"Expected close date from (YYYY-MM-DD)"`
	CloseTo    string `query:"close_to"`
	ValueMin   string `query:"value_min"`
	ValueMax   string `query:"value_max"`
}

func first(in *DealListInput, names ...string) string {
	for _, n := range names {
		if v := in.Filter(n); v != "" {
			return v
		}
	}
	return ""
}

var dealSorts = map[string]string{"created_at": "created_at", "value": "value", "expected_close_date": "expected_close_date", "end_date": "expected_close_date"}

func listDeals(ctx context.Context, s *httpapi.Server, svc *sales.Service, in *DealListInput, scope string, customerID string) (*httpapi.ListBody[DealView], error) {
	f := crm.DealFilter{Status: first(in, "status"), Stage: first(in, "stage_id", "stage"), PipelineID: first(in, "pipeline_id", "pipeline"),
		OwnerID: first(in, "owner_id", "owner"), CustomerID: first(in, "customer_id", "company_id", "customer"),
		CloseFrom: first(in, "close_from"), CloseTo: first(in, "close_to"), Search: in.Search, Limit: in.Size()}
	if customerID != "" {
		f.CustomerID = customerID
	}
	fe := crm.FieldErrors{}
	for _, v := range []struct {
		name string
		dst  **float64
	}{{"value_min", &f.ValueMin}, {"value_max", &f.ValueMax}} {
		if raw := first(in, v.name); raw != "" {
			x, err := strconv.ParseFloat(raw, 64)
			if err != nil {
				fe.Add("filter["+v.name+"]", "must be a number")
			}
			*v.dst = &x
		}
	}
	field, desc := in.SortField("-created_at")
	if f.SortBy = dealSorts[field]; f.SortBy == "" {
		fe.Add("sort", "sort by one of: created_at, value, expected_close_date (- for descending)")
	}
	f.Desc = desc
	if err := fe.Err(); err != nil {
		return nil, err
	}
	var err error
	if f.Cursor, f.Offset, err = s.Cursors.Window(ctx, scope, &in.ListParams); err != nil {
		return nil, err
	}
	page, err := svc.Deals(ctx, f)
	if err != nil {
		return nil, err
	}
	t := now(svc)
	views := make([]DealView, len(page.Deals))
	for i, d := range page.Deals {
		views[i] = dealView(ctx, d, t)
	}
	return httpapi.SealedList(ctx, s.Cursors, scope, &in.ListParams, views, page.Total, page.NextCursor)
}

func registerDeals(s *httpapi.Server, svc *sales.Service) {
	for _, base := range []struct{ prefix, id string }{{"/api/deals", "deals"}, {"/api/tenant/deals", "tenant-deals"}} {
		scope := base.id
		r := func(method, path, op, summary string) httpapi.Route {
			return salesRoute(method, base.prefix+path, base.id+"-"+op, summary, "Deals")
		}
		httpapi.Register(s, r(http.MethodGet, "", "list", "List deals (status, stage, pipeline, owner, customer, close and value ranges, search, sort)"),
			func(ctx context.Context, in *DealListInput) (*httpapi.ListBody[DealView], error) {
				return listDeals(ctx, s, svc, in, scope, "")
			})
		httpapi.Register(s, created(r(http.MethodPost, "", "create", "Create a deal (without a stage: the default pipeline's first stage)")),
			func(ctx context.Context, in *struct{ Body DealFields }) (*httpapi.Body[DealView], error) {
				d, err := svc.CreateDeal(ctx, in.Body.input())
				if err != nil {
					return nil, err
				}
				return httpapi.OK(dealView(ctx, d, now(svc)), "deal created"), nil
			})
		httpapi.Register(s, r(http.MethodGet, "/{id}", "get", "A deal with its customer, history, contacts, products and activities (one read)"),
			func(ctx context.Context, in *idInput) (*httpapi.Body[DealDetail], error) {
				d, err := svc.Deal(ctx, in.ID)
				if err != nil {
					return nil, err
				}
				return httpapi.OK(dealDetail(ctx, d, now(svc)), ""), nil
			})
		for _, m := range []string{http.MethodPut, http.MethodPatch} {
			op := "update"
			if m == http.MethodPatch {
				op = "patch"
			}
			httpapi.Register(s, r(m, "/{id}", op, "Change a deal (only the fields sent)"),
				func(ctx context.Context, in *struct {
					ID   string `path:"id"`
					Body DealFields
				}) (*httpapi.Body[DealView], error) {
					d, err := svc.UpdateDeal(ctx, in.ID, in.Body.input())
					if err != nil {
						return nil, err
					}
					return httpapi.OK(dealView(ctx, d, now(svc)), "deal updated"), nil
				})
		}
		httpapi.Register(s, r(http.MethodDelete, "/{id}", "delete", "Delete a deal"),
			func(ctx context.Context, in *idInput) (*httpapi.Body[any], error) {
				if err := svc.DeleteDeal(ctx, in.ID); err != nil {
					return nil, err
				}
				return httpapi.OK[any](nil, "deal deleted"), nil
			})
		httpapi.Register(s, r(http.MethodPatch, "/{id}/stage", "stage", "Move a deal to another stage of its pipeline (recorded in its history)"),
			func(ctx context.Context, in *struct {
				ID   string `path:"id"`
				Body struct {
					StageID     string    `json:"stage_id,omitempty" maxLength:"36"`
					Stage       *StageArg `json:"stage,omitempty"`
					Reason      string    `json:"reason,omitempty" maxLength:"1000"`
					Probability *int      `json:"probability,omitempty"`
				}
			}) (*httpapi.Body[DealView], error) {
				name := ""
				if in.Body.Stage != nil {
					name = in.Body.Stage.Ref
				}
				d, err := svc.MoveStage(ctx, in.ID, in.Body.StageID, name, in.Body.Reason, in.Body.Probability)
				if err != nil {
					return nil, err
				}
				return httpapi.OK(dealView(ctx, d, now(svc)), "deal moved"), nil
			})
		httpapi.Register(s, r(http.MethodPatch, "/{id}/status", "status", "Win, lose or reopen a deal"),
			func(ctx context.Context, in *struct {
				ID   string `path:"id"`
				Body struct {
					Status      string   `json:"status" maxLength:"20" doc:"open, won or lost (any case)"`
					CloseDate   string   `json:"close_date,omitempty" maxLength:"40"`
					WonReason   string   `json:"won_reason,omitempty" maxLength:"1000"`
					LostReason  string   `json:"lost_reason,omitempty" maxLength:"1000"`
					Reason      string   `json:"reason,omitempty" maxLength:"1000"`
					ActualValue *float64 `json:"actual_value,omitempty" minimum:"0"`
				}
			}) (*httpapi.Body[DealView], error) {
				b := in.Body
				reason := b.Reason
				for _, r := range []string{b.WonReason, b.LostReason} {
					if r != "" {
						reason = r
					}
				}
				d, err := svc.SetStatus(ctx, in.ID, sales.StatusInput{Status: b.Status, CloseDate: b.CloseDate, Reason: reason, ActualValue: b.ActualValue})
				if err != nil {
					return nil, err
				}
				return httpapi.OK(dealView(ctx, d, now(svc)), "deal status changed"), nil
			})
	}
	registerCustomerDeals(s, svc)
}

func registerCustomerDeals(s *httpapi.Server, svc *sales.Service) {
	r := func(method, path, op, summary string) httpapi.Route {
		return salesRoute(method, "/api/customers/{id}"+path, "customers-"+op, summary, "Deals")
	}
	httpapi.Register(s, created(r(http.MethodPost, "/deals", "add-deal", "Create a deal for a customer")),
		func(ctx context.Context, in *struct {
			ID   string `path:"id"`
			Body DealFields
		}) (*httpapi.Body[DealView], error) {
			if _, _, err := svc.CustomerDeals(ctx, in.ID); err != nil {
				return nil, err
			}
			f := in.Body
			f.CustomerID, f.CompanyID = &in.ID, nil
			d, err := svc.CreateDeal(ctx, f.input())
			if err != nil {
				return nil, err
			}
			return httpapi.OK(dealView(ctx, d, now(svc)), "deal created"), nil
		})
	httpapi.Register(s, r(http.MethodGet, "/deals", "deals", "A customer's deals"),
		func(ctx context.Context, in *struct {
			ID string `path:"id"`
			DealListInput
		}) (*httpapi.ListBody[DealView], error) {
			if _, _, err := svc.CustomerDeals(ctx, in.ID); err != nil {
				return nil, err
			}
			return listDeals(ctx, s, svc, &in.DealListInput, "customer-deals", in.ID)
		})
	httpapi.Register(s, r(http.MethodGet, "/pipeline", "pipeline", "A customer's sales pipeline: stages, current stage, progress and deals"),
		func(ctx context.Context, in *idInput) (*httpapi.Body[CustomerPipeline], error) {
			c, deals, err := svc.CustomerDeals(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			pls, err := svc.Pipelines(ctx)
			if err != nil {
				return nil, err
			}
			return httpapi.OK(customerPipeline(ctx, c.ID, c.Name, deals, pls, now(svc)), ""), nil
		})
	httpapi.Register(s, r(http.MethodGet, "/sales-stage", "sales-stage", "A customer's sales stage: stage, deals, timeline and forecast (Σ value × probability)"),
		func(ctx context.Context, in *idInput) (*httpapi.Body[SalesStage], error) {
			c, deals, err := svc.CustomerDeals(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			pls, err := svc.Pipelines(ctx)
			if err != nil {
				return nil, err
			}
			cp := customerPipeline(ctx, c.ID, c.Name, deals, pls, now(svc))
			return httpapi.OK(salesStage(cp, deals), ""), nil
		})
}

// CustomerPipeline is Rabin's customer pipeline.
type CustomerPipeline struct {
	CustomerID   string       `json:"customer_id"`
	CustomerName string       `json:"customer_name"`
	Pipeline     *httpapi.Ref `json:"pipeline"`
	Stages       []StageView  `json:"stages"`
	CurrentStage *StageView   `json:"current_stage"`
	Progress     int          `json:"progress" doc:"Percent of the way through the stages"`
	Deals        []DealView   `json:"deals"`
}

// customerPipeline shows the pipeline of the customer's most advanced open
// deal (else its latest deal, else the default pipeline).
func customerPipeline(ctx context.Context, id, name string, deals []*crm.Deal, pls []*crm.Pipeline, t time.Time) CustomerPipeline {
	cp := CustomerPipeline{CustomerID: id, CustomerName: name, Stages: []StageView{}, Deals: make([]DealView, len(deals))}
	sort.SliceStable(deals, func(i, j int) bool { return deals[i].ID > deals[j].ID })
	for i, d := range deals {
		cp.Deals[i] = dealView(ctx, d, t)
	}
	var lead *crm.Deal
	for _, d := range deals {
		if d.Status == "open" && (lead == nil || d.StagePosition > lead.StagePosition) {
			lead = d
		}
	}
	if lead == nil && len(deals) > 0 {
		lead = deals[0]
	}
	var pl *crm.Pipeline
	for _, p := range pls {
		if (lead != nil && p.ID == lead.PipelineID) || (lead == nil && p.IsDefault) {
			pl = p
		}
	}
	if pl == nil {
		return cp
	}
	cp.Pipeline = &httpapi.Ref{ID: pl.ID, Name: pl.Name}
	for i := range pl.Stages {
		v := stageView(ctx, pl, &pl.Stages[i])
		// This customer's deals in the stage, not the whole pipeline's.
		v.DealsCount, v.DealsValue, v.DealsValueByCurrency = 0, 0, map[string]float64{}
		var minor = map[string]int64{}
		for _, d := range deals {
			if d.StageID == v.ID {
				v.DealsCount++
				minor[d.Currency] += d.ValueMinor
			}
		}
		for cur, m := range minor {
			v.DealsValueByCurrency[cur] = money.FromMinor(m, cur)
		}
		v.DealsValue = money.FromMinor(minor[pl.Currency], pl.Currency)
		cp.Stages = append(cp.Stages, v)
		if lead != nil && lead.StageID == v.ID {
			cur := v
			cp.CurrentStage = &cur
			if n := len(pl.Stages); n > 0 {
				cp.Progress = v.Position * 100 / n
			}
		}
	}
	return cp
}

// SalesStage is Rabin's detailed sales stage of a customer.
type SalesStage struct {
	Stage    *StageView     `json:"stage"`
	Progress int            `json:"progress"`
	Deals    []DealView     `json:"deals"`
	Timeline []TimelineItem `json:"timeline"`
	Forecast Forecast       `json:"forecast"`
}

// TimelineItem is a deal's creation or its entry into its current stage.
type TimelineItem struct {
	DealID string    `json:"deal_id"`
	Title  string    `json:"title"`
	Event  string    `json:"event"`
	Stage  string    `json:"stage"`
	At     time.Time `json:"at"`
}

// Forecast is Σ value × probability of the open deals, by currency.
type Forecast struct {
	OpenDeals             int                `json:"open_deals"`
	TotalValue            map[string]float64 `json:"total_value"`
	WeightedValue         map[string]float64 `json:"weighted_value"`
	ExpectedCloseEarliest string             `json:"expected_close_earliest"`
	Method                string             `json:"method"`
}

func salesStage(cp CustomerPipeline, deals []*crm.Deal) SalesStage {
	ss := SalesStage{Stage: cp.CurrentStage, Progress: cp.Progress, Deals: cp.Deals, Timeline: []TimelineItem{},
		Forecast: Forecast{TotalValue: map[string]float64{}, WeightedValue: map[string]float64{}, Method: "sum of open deals' value × probability"}}
	total, weighted := map[string]int64{}, map[string]int64{}
	for _, d := range deals {
		ss.Timeline = append(ss.Timeline, TimelineItem{DealID: d.ID, Title: d.Title, Event: "created", At: d.CreatedAt})
		if !d.StageEnteredAt.Equal(d.CreatedAt) {
			ss.Timeline = append(ss.Timeline, TimelineItem{DealID: d.ID, Title: d.Title, Event: "entered_stage", Stage: d.StageName, At: d.StageEnteredAt})
		}
		if d.Status != "open" {
			continue
		}
		ss.Forecast.OpenDeals++
		total[d.Currency] += d.ValueMinor
		weighted[d.Currency] += d.ValueMinor * int64(d.Probability)
		if d.ExpectedCloseDate != "" && (ss.Forecast.ExpectedCloseEarliest == "" || d.ExpectedCloseDate < ss.Forecast.ExpectedCloseEarliest) {
			ss.Forecast.ExpectedCloseEarliest = d.ExpectedCloseDate
		}
	}
	for cur, v := range total {
		ss.Forecast.TotalValue[cur] = money.FromMinor(v, cur)
		ss.Forecast.WeightedValue[cur] = money.FromMinor((weighted[cur]+50)/100, cur)
	}
	slices.SortFunc(ss.Timeline, func(a, b TimelineItem) int { return a.At.Compare(b.At) })
	return ss
}
