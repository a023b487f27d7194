package salesapi

import (
	"context"
	"encoding/json"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"payvand.dev/shared/crm"
	"payvand.dev/shared/documents"
	"payvand.dev/shared/httpapi"
	"payvand.dev/shared/jalali"
	"payvand.dev/shared/money"
	"payvand.dev/shared/sales"
)

// StageView is a stage with its deals (from the pipeline's counters).
type StageView struct {
	ID                   string             `json:"id"`
	Name                 string             `json:"name"`
	NameFa               string             `json:"name_fa"`
	NameEn               string             `json:"name_en"`
	Position             int                `json:"position"`
	Probability          int                `json:"probability"`
	Color                string             `json:"color"`
	DealsCount           int64              `json:"deals_count"`
	DealsValue           float64            `json:"deals_value" doc:"In the pipeline's currency"`
	DealsValueByCurrency map[string]float64 `json:"deals_value_by_currency"`
}

// PipelineView is a pipeline with its stages in order and its totals.
type PipelineView struct {
	ID                   string             `json:"id"`
	Name                 string             `json:"name"`
	Description          string             `json:"description"`
	IsDefault            bool               `json:"is_default"`
	Currency             string             `json:"currency"`
	Stages               []StageView        `json:"stages"`
	TotalDeals           int64              `json:"total_deals"`
	TotalValue           float64            `json:"total_value"`
	TotalValueByCurrency map[string]float64 `json:"total_value_by_currency"`
	CreatedAt            time.Time          `json:"created_at"`
	CreatedAtJalali      string             `json:"created_at_jalali"`
	UpdatedAt            time.Time          `json:"updated_at"`
	UpdatedAtJalali      string             `json:"updated_at_jalali"`
	Version              int64              `json:"version"`
}

func stageName(ctx context.Context, st *crm.Stage) string {
	if httpapi.LangFrom(ctx) == httpapi.Persian && st.NameFa != "" {
		return st.NameFa
	}
	return st.Name
}

func stageView(ctx context.Context, p *crm.Pipeline, st *crm.Stage) StageView {
	v := StageView{ID: st.ID, Name: stageName(ctx, st), NameFa: st.NameFa, NameEn: st.NameEn, Position: st.Position,
		Probability: st.Probability, Color: st.Color, DealsCount: st.DealsCount, DealsValueByCurrency: map[string]float64{}}
	if v.NameEn == "" {
		v.NameEn = st.Name
	}
	for cur, minor := range st.DealsValue {
		v.DealsValueByCurrency[cur] = money.FromMinor(minor, cur)
	}
	v.DealsValue = money.FromMinor(st.DealsValue[p.Currency], p.Currency)
	return v
}

func pipelineView(ctx context.Context, p *crm.Pipeline) PipelineView {
	loc := httpapi.LocationFrom(ctx)
	v := PipelineView{ID: p.ID, Name: p.Name, Description: p.Description, IsDefault: p.IsDefault, Currency: p.Currency,
		Stages: make([]StageView, len(p.Stages)), TotalValueByCurrency: map[string]float64{}, CreatedAt: p.CreatedAt,
		CreatedAtJalali: jalali.Format(p.CreatedAt, loc), UpdatedAt: p.UpdatedAt, UpdatedAtJalali: jalali.Format(p.UpdatedAt, loc), Version: p.Version}
	totals := map[string]int64{}
	for i := range p.Stages {
		v.Stages[i] = stageView(ctx, p, &p.Stages[i])
		v.TotalDeals += p.Stages[i].DealsCount
		for cur, minor := range p.Stages[i].DealsValue {
			totals[cur] += minor
		}
	}
	for cur, minor := range totals {
		v.TotalValueByCurrency[cur] = money.FromMinor(minor, cur)
	}
	v.TotalValue = money.FromMinor(totals[p.Currency], p.Currency)
	return v
}

// DealContactView is a contact of a deal.
type DealContactView struct {
	ID        string `json:"id"`
	ContactID string `json:"contact_id"`
	Name      string `json:"name"`
	Role      string `json:"role"`
}

// DealProductView is a product line of a deal.
type DealProductView struct {
	ProductID string  `json:"product_id"`
	Name      string  `json:"name"`
	Quantity  int64   `json:"quantity"`
	Price     float64 `json:"price"`
	Total     float64 `json:"total"`
}

// StageRef is a deal's stage.
type StageRef struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Position int    `json:"position"`
}

// NextActivityView is a deal's next open activity.
type NextActivityView struct {
	ID          string     `json:"id"`
	Type        string     `json:"type"`
	Title       string     `json:"title"`
	DueAt       *time.Time `json:"due_at"`
	DueAtJalali string     `json:"due_at_jalali"`
}

// DealView is a deal in both seeds' words (title = name, end_date =
// expected_close_date, customer_id = company_id), as IshYar's list shows it.
type DealView struct {
	ID                      string            `json:"id"`
	Title                   string            `json:"title"`
	Name                    string            `json:"name"`
	Description             string            `json:"description"`
	Value                   float64           `json:"value"`
	Currency                string            `json:"currency"`
	WeightedValue           float64           `json:"weighted_value" doc:"value × probability"`
	Status                  string            `json:"status"`
	Probability             int               `json:"probability"`
	PipelineID              string            `json:"pipeline_id"`
	Pipeline                httpapi.Ref       `json:"pipeline"`
	StageID                 string            `json:"stage_id"`
	Stage                   StageRef          `json:"stage"`
	StageName               string            `json:"stage_name"`
	ExpectedCloseDate       string            `json:"expected_close_date"`
	ExpectedCloseDateJalali string            `json:"expected_close_date_jalali"`
	EndDate                 string            `json:"end_date"`
	EndDateJalali           string            `json:"end_date_jalali"`
	CloseDate               string            `json:"close_date"`
	CloseDateJalali         string            `json:"close_date_jalali"`
	ActualValue             *float64          `json:"actual_value"`
	WonReason               string            `json:"won_reason"`
	LostReason              string            `json:"lost_reason"`
	OwnerID                 string            `json:"owner_id"`
	Owner                   *httpapi.Ref      `json:"owner"`
	CustomerID              string            `json:"customer_id"`
	CompanyID               string            `json:"company_id"`
	Company                 *httpapi.Ref      `json:"company"`
	Contacts                []DealContactView `json:"contacts"`
	Products                []DealProductView `json:"products"`
	DaysInStage             int               `json:"days_in_stage"`
	TotalDays               int               `json:"total_days"`
	StageEnteredAt          time.Time         `json:"stage_entered_at"`
	ActivitiesCount         int               `json:"activities_count"`
	NextActivity            *NextActivityView `json:"next_activity"`
	CreatedBy               string            `json:"created_by"`
	CreatedAt               time.Time         `json:"created_at"`
	CreatedAtJalali         string            `json:"created_at_jalali"`
	UpdatedAt               time.Time         `json:"updated_at"`
	UpdatedAtJalali         string            `json:"updated_at_jalali"`
	Version                 int64             `json:"version"`
}

func days(from, to time.Time) int {
	if from.IsZero() || to.Before(from) {
		return 0
	}
	return int(to.Sub(from) / (24 * time.Hour))
}

func dealView(ctx context.Context, d *crm.Deal, now time.Time) DealView {
	loc := httpapi.LocationFrom(ctx)
	v := DealView{ID: d.ID, Title: d.Title, Name: d.Title, Description: d.Description, Value: money.FromMinor(d.ValueMinor, d.Currency),
		Currency: d.Currency, Status: d.Status, Probability: d.Probability, PipelineID: d.PipelineID,
		Pipeline: httpapi.Ref{ID: d.PipelineID, Name: d.PipelineName}, StageID: d.StageID,
		Stage: StageRef{ID: d.StageID, Name: d.StageName, Position: d.StagePosition}, StageName: d.StageName,
		ExpectedCloseDate: d.ExpectedCloseDate, ExpectedCloseDateJalali: sales.DateJalali(d.ExpectedCloseDate),
		EndDate: d.ExpectedCloseDate, EndDateJalali: sales.DateJalali(d.ExpectedCloseDate), CloseDate: d.CloseDate,
		CloseDateJalali: sales.DateJalali(d.CloseDate), WonReason: d.WonReason, LostReason: d.LostReason, OwnerID: d.OwnerID,
		CustomerID: d.CustomerID, CompanyID: d.CustomerID, Contacts: make([]DealContactView, len(d.Contacts)),
		Products: make([]DealProductView, len(d.Products)), DaysInStage: days(d.StageEnteredAt, now), TotalDays: days(d.CreatedAt, now),
		StageEnteredAt: d.StageEnteredAt, ActivitiesCount: d.ActivitiesCount, CreatedBy: d.CreatedBy, CreatedAt: d.CreatedAt,
		CreatedAtJalali: jalali.Format(d.CreatedAt, loc), UpdatedAt: d.UpdatedAt, UpdatedAtJalali: jalali.Format(d.UpdatedAt, loc), Version: d.Version}
	// value × probability / 100 in minor units, rounded half up.
	v.WeightedValue = money.FromMinor((d.ValueMinor*int64(d.Probability)+50)/100, d.Currency)
	if d.ActualValueMinor != nil {
		a := money.FromMinor(*d.ActualValueMinor, d.Currency)
		v.ActualValue = &a
	}
	if d.OwnerID != "" {
		v.Owner = &httpapi.Ref{ID: d.OwnerID, Name: d.OwnerName}
	}
	if d.CustomerID != "" {
		v.Company = &httpapi.Ref{ID: d.CustomerID, Name: d.CustomerName}
	}
	for i, c := range d.Contacts {
		v.Contacts[i] = DealContactView{ID: c.ContactID, ContactID: c.ContactID, Name: c.Name, Role: c.Role}
	}
	for i, p := range d.Products {
		v.Products[i] = DealProductView{ProductID: p.ProductID, Name: p.Name, Quantity: p.Quantity, Price: money.FromMinor(p.PriceMinor, d.Currency),
			Total: money.FromMinor(p.PriceMinor*p.Quantity, d.Currency)}
	}
	if a := d.NextActivity; a != nil {
		v.NextActivity = &NextActivityView{ID: a.ID, Type: a.Type, Title: a.Title, DueAt: a.DueAt}
		if a.DueAt != nil {
			v.NextActivity.DueAtJalali = jalali.Format(*a.DueAt, loc)
		}
	}
	return v
}

// HistoryView is one entry of a deal's history.
type HistoryView struct {
	crm.DealChange
	ChangedAtJalali string `json:"changed_at_jalali"`
}

// DealDetail is Rabin's deal detail: the deal, its customer, its history,
// contacts, products and activities.
type DealDetail struct {
	DealView
	Customer   *httpapi.Ref   `json:"customer"`
	History    []HistoryView  `json:"history"`
	Activities []ActivityView `json:"activities"`
	// Documents are the documents linked to the deal (deal_id), as GET
	// /api/documents/{id} shows them.
	Documents []map[string]any `json:"documents"`
}

func dealDetail(ctx context.Context, d *sales.DealDetail, now time.Time) DealDetail {
	loc := httpapi.LocationFrom(ctx)
	v := DealDetail{DealView: dealView(ctx, d.Deal, now), History: make([]HistoryView, len(d.History)), Activities: make([]ActivityView, 0, len(d.Activities))}
	v.Customer = v.Company
	v.Documents = documents.LinkedViews(d.Documents, httpapi.LocationFrom(ctx))
	for i, h := range d.History {
		v.History[i] = HistoryView{DealChange: h, ChangedAtJalali: jalali.Format(h.At, loc)}
	}
	for _, a := range d.Activities {
		v.Activities = append(v.Activities, activityView(ctx, a))
	}
	sort.SliceStable(v.Activities, func(i, j int) bool { return v.Activities[i].When.After(v.Activities[j].When) })
	return v
}

// StageArg is Rabin's stage (a name or an id) or the stage object a
// client read ({id, name}).
type StageArg struct{ Ref string }

// UnmarshalJSON takes a string or an object with id or name.
func (s *StageArg) UnmarshalJSON(b []byte) error {
	var str string
	if err := json.Unmarshal(b, &str); err == nil {
		s.Ref = strings.TrimSpace(str)
		return nil
	}
	var o struct{ ID, Name string }
	if err := json.Unmarshal(b, &o); err != nil {
		return err
	}
	s.Ref = o.ID
	if s.Ref == "" {
		s.Ref = o.Name
	}
	return nil
}

// Schema documents both forms.
func (StageArg) Schema(r huma.Registry) *huma.Schema {
	return &huma.Schema{OneOf: []*huma.Schema{{Type: huma.TypeString, MaxLength: intPtr(200)},
		{Type: huma.TypeObject, AdditionalProperties: true, Properties: map[string]*huma.Schema{"id": {Type: huma.TypeString}, "name": {Type: huma.TypeString}}}}}
}

func intPtr(i int) *int { return &i }

var _ = reflect.TypeOf
