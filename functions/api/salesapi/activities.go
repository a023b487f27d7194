package salesapi

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"payvand.dev/shared/crm"
	"payvand.dev/shared/httpapi"
	"payvand.dev/shared/jalali"
	"payvand.dev/shared/sales"
)

// ActivityView is an activity in both seeds' words, with the Jalali twins
// of its dates.
type ActivityView struct {
	crm.Activity
	Duration          int          `json:"duration" doc:"Rabin's name for duration_minutes"`
	Completed         bool         `json:"completed"`
	When              time.Time    `json:"date"`
	DateJalali        string       `json:"date_jalali"`
	StartTimeJalali   string       `json:"start_time_jalali"`
	EndTimeJalali     string       `json:"end_time_jalali"`
	DueAtJalali       string       `json:"due_at_jalali"`
	CompletedAtJalali string       `json:"completed_at_jalali"`
	CreatedAtJalali   string       `json:"created_at_jalali"`
	UpdatedAtJalali   string       `json:"updated_at_jalali"`
	Entity            *httpapi.Ref `json:"entity"`
	Customer          *httpapi.Ref `json:"customer"`
	Contact           *httpapi.Ref `json:"contact"`
	Deal              *httpapi.Ref `json:"deal"`
	Owner             *httpapi.Ref `json:"owner"`
}

func jalaliOf(t *time.Time, loc *time.Location) string {
	if t == nil {
		return ""
	}
	return jalali.Format(*t, loc)
}

func activityView(ctx context.Context, a *crm.Activity) ActivityView {
	loc := httpapi.LocationFrom(ctx)
	v := ActivityView{Activity: *a, Duration: a.DurationMinutes, Completed: a.CompletedAt != nil, When: a.When(),
		DateJalali: jalali.Format(a.When(), loc), StartTimeJalali: jalaliOf(a.StartTime, loc), EndTimeJalali: jalaliOf(a.EndTime, loc),
		DueAtJalali: jalaliOf(a.DueAt, loc), CompletedAtJalali: jalaliOf(a.CompletedAt, loc),
		CreatedAtJalali: jalali.Format(a.CreatedAt, loc), UpdatedAtJalali: jalali.Format(a.UpdatedAt, loc)}
	if a.CustomerID != "" {
		v.Customer = &httpapi.Ref{ID: a.CustomerID, Name: a.CustomerName}
	}
	if a.ContactID != "" {
		v.Contact = &httpapi.Ref{ID: a.ContactID, Name: a.ContactName}
	}
	if a.DealID != "" {
		v.Deal = &httpapi.Ref{ID: a.DealID, Name: a.DealTitle}
	}
	switch a.EntityType {
	case "deal":
		v.Entity = v.Deal
	case "contact":
		v.Entity = v.Contact
	case "customer":
		v.Entity = v.Customer
	}
	if a.OwnerID != "" {
		v.Owner = &httpapi.Ref{ID: a.OwnerID}
	}
	return v
}

// ActivityFields are an activity's writable fields in both seeds' names.
type ActivityFields struct {
	Type            *string   `json:"type,omitempty" maxLength:"20" doc:"call, email, meeting, note, task or other (any case)"`
	Title           *string   `json:"title,omitempty" maxLength:"300"`
	Description     *string   `json:"description,omitempty" maxLength:"5000"`
	StartTime       *string   `json:"start_time,omitempty" maxLength:"40"`
	Date            *string   `json:"date,omitempty" maxLength:"40" doc:"Rabin's tenant activities: the start time"`
	EndTime         *string   `json:"end_time,omitempty" maxLength:"40"`
	DueAt           *string   `json:"due_at,omitempty" maxLength:"40"`
	Duration        *int      `json:"duration,omitempty" doc:"Minutes (Rabin)"`
	DurationMinutes *int      `json:"duration_minutes,omitempty"`
	Outcome         *string   `json:"outcome,omitempty" maxLength:"1000"`
	Notes           *string   `json:"notes,omitempty" maxLength:"5000"`
	NextSteps       *string   `json:"next_steps,omitempty" maxLength:"2000"`
	CustomerID      *string   `json:"customer_id,omitempty" maxLength:"36"`
	CompanyID       *string   `json:"company_id,omitempty" maxLength:"36"`
	ContactID       *string   `json:"contact_id,omitempty" maxLength:"36"`
	DealID          *string   `json:"deal_id,omitempty" maxLength:"36"`
	EntityType      *string   `json:"entity_type,omitempty" maxLength:"20" doc:"contact, company (customer) or deal"`
	EntityID        *string   `json:"entity_id,omitempty" maxLength:"36"`
	Attendees       *[]string `json:"attendees,omitempty" maxItems:"50"`
	OwnerID         *string   `json:"owner_id,omitempty" maxLength:"36"`
	Completed       *bool     `json:"completed,omitempty"`
	Version         *int64    `json:"version,omitempty"`
}

func (f *ActivityFields) input() *sales.ActivityInput {
	in := &sales.ActivityInput{Type: f.Type, Title: f.Title, Description: f.Description, StartTime: f.StartTime, EndTime: f.EndTime,
		DueAt: f.DueAt, DurationMinutes: f.DurationMinutes, Outcome: f.Outcome, Notes: f.Notes, NextSteps: f.NextSteps,
		CustomerID: f.CustomerID, ContactID: f.ContactID, DealID: f.DealID, EntityType: f.EntityType, EntityID: f.EntityID,
		Attendees: f.Attendees, OwnerID: f.OwnerID, Completed: f.Completed, Version: f.Version}
	if in.StartTime == nil {
		in.StartTime = f.Date
	}
	if in.DurationMinutes == nil {
		in.DurationMinutes = f.Duration
	}
	if in.CustomerID == nil {
		in.CustomerID = f.CompanyID
	}
	return in
}

// ActivityListInput is the activities query (also as filter[name]).
type ActivityListInput struct {
	httpapi.ListParams
	Type       string `query:"type"`
	CustomerID string `query:"customer_id"`
	ContactID  string `query:"contact_id"`
	DealID     string `query:"deal_id"`
	EntityType string `query:"entity_type" doc:"contact, company (customer) or deal"`
	EntityID   string `query:"entity_id"`
	DateFrom   string `query:"date_from"`
	DateTo     string `query:"date_to"`
	Completed  string `query:"completed" doc:"true or false"`
	OwnerID    string `query:"owner_id"`
}

func actFirst(in *ActivityListInput, names ...string) string {
	for _, n := range names {
		if v := in.Filter(n); v != "" {
			return v
		}
	}
	return ""
}

func parseBound(s string, end bool, loc *time.Location) (*time.Time, bool) {
	if s == "" {
		return nil, true
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return &t, true
	}
	if d, err := time.ParseInLocation("2006-01-02", s, loc); err == nil {
		if end {
			d = d.Add(24*time.Hour - time.Second)
		}
		return &d, true
	}
	return nil, false
}

func listActivities(ctx context.Context, s *httpapi.Server, svc *sales.Service, in *ActivityListInput, scope string) (*httpapi.ListBody[ActivityView], error) {
	f := sales.ActivityFilter{Type: actFirst(in, "type"), CustomerID: actFirst(in, "customer_id", "company_id", "customer"),
		ContactID: actFirst(in, "contact_id", "contact"), DealID: actFirst(in, "deal_id", "deal"), OwnerID: actFirst(in, "owner_id", "owner"),
		Search: in.Search, Limit: in.Size()}
	fe := crm.FieldErrors{}
	if et, eid := strings.ToLower(actFirst(in, "entity_type")), actFirst(in, "entity_id"); et != "" || eid != "" {
		switch et {
		case "deal":
			f.DealID = eid
		case "contact":
			f.ContactID = eid
		case "company", "customer":
			f.CustomerID = eid
		default:
			fe.Add("filter[entity_type]", "must be one of contact, company, customer, deal")
		}
		if eid == "" {
			fe.Add("filter[entity_id]", "required with entity_type")
		}
	}
	loc := httpapi.LocationFrom(ctx)
	var ok bool
	if f.From, ok = parseBound(actFirst(in, "date_from"), false, loc); !ok {
		fe.Add("filter[date_from]", "must be a date")
	}
	if f.To, ok = parseBound(actFirst(in, "date_to"), true, loc); !ok {
		fe.Add("filter[date_to]", "must be a date")
	}
	if c := actFirst(in, "completed"); c != "" {
		b, err := strconv.ParseBool(c)
		if err != nil {
			fe.Add("filter[completed]", "true or false")
		}
		f.Completed = &b
	}
	field, desc := in.SortField("-date")
	switch field {
	case "date", "start_time", "due_at":
	default:
		fe.Add("sort", "sort by date or -date")
	}
	f.Desc = desc
	if err := fe.Err(); err != nil {
		return nil, err
	}
	var err error
	if f.Cursor, f.Offset, err = s.Cursors.Window(ctx, scope, &in.ListParams); err != nil {
		return nil, err
	}
	page, err := svc.Activities(ctx, f)
	if err != nil {
		return nil, err
	}
	views := make([]ActivityView, len(page.Activities))
	for i, a := range page.Activities {
		views[i] = activityView(ctx, a)
	}
	return httpapi.SealedList(ctx, s.Cursors, scope, &in.ListParams, views, page.Total, page.NextCursor)
}

func activityRoute(method, path, id, summary string) httpapi.Route {
	return httpapi.Route{Method: method, Path: path, ID: id, Summary: summary, Tags: []string{"Activities"},
		Realm: httpapi.TenantUsers, Module: "activities"}
}

func registerActivities(s *httpapi.Server, svc *sales.Service) {
	for _, base := range []struct{ prefix, id string }{{"/api/activities", "activities"}, {"/api/tenant/activities", "tenant-activities"}} {
		scope := base.id
		r := func(method, path, op, summary string) httpapi.Route {
			return activityRoute(method, base.prefix+path, base.id+"-"+op, summary)
		}
		httpapi.Register(s, r(http.MethodGet, "", "list", "List activities (type, customer, contact, deal, entity, dates, completed, owner)"),
			func(ctx context.Context, in *ActivityListInput) (*httpapi.ListBody[ActivityView], error) {
				return listActivities(ctx, s, svc, in, scope)
			})
		httpapi.Register(s, created(r(http.MethodPost, "", "create", "Log an activity")),
			func(ctx context.Context, in *struct{ Body ActivityFields }) (*httpapi.Body[ActivityView], error) {
				return createActivity(ctx, svc, &in.Body)
			})
		httpapi.Register(s, r(http.MethodGet, "/{id}", "get", "An activity"),
			func(ctx context.Context, in *idInput) (*httpapi.Body[ActivityView], error) {
				a, err := svc.Activity(ctx, in.ID)
				if err != nil {
					return nil, err
				}
				return httpapi.OK(activityView(ctx, a), ""), nil
			})
		for _, m := range []string{http.MethodPut, http.MethodPatch} {
			op := "update"
			if m == http.MethodPatch {
				op = "patch"
			}
			httpapi.Register(s, r(m, "/{id}", op, "Change an activity (only the fields sent)"),
				func(ctx context.Context, in *struct {
					ID   string `path:"id"`
					Body ActivityFields
				}) (*httpapi.Body[ActivityView], error) {
					a, err := svc.UpdateActivity(ctx, in.ID, in.Body.input(), "")
					if err != nil {
						return nil, err
					}
					return httpapi.OK(activityView(ctx, a), "activity updated"), nil
				})
		}
		httpapi.Register(s, r(http.MethodDelete, "/{id}", "delete", "Delete an activity"),
			func(ctx context.Context, in *idInput) (*httpapi.Body[any], error) {
				if err := svc.DeleteActivity(ctx, in.ID); err != nil {
					return nil, err
				}
				return httpapi.OK[any](nil, "activity deleted"), nil
			})
		httpapi.Register(s, r(http.MethodPatch, "/{id}/complete", "complete", "Mark an activity done (outcome, notes, next steps)"),
			func(ctx context.Context, in *struct {
				ID   string `path:"id"`
				Body *struct {
					Outcome   string `json:"outcome,omitempty" maxLength:"1000"`
					Notes     string `json:"notes,omitempty" maxLength:"5000"`
					NextSteps string `json:"next_steps,omitempty" maxLength:"2000"`
				}
			}) (*httpapi.Body[ActivityView], error) {
				var o, n, x string
				if in.Body != nil {
					o, n, x = in.Body.Outcome, in.Body.Notes, in.Body.NextSteps
				}
				a, err := svc.CompleteActivity(ctx, in.ID, o, n, x)
				if err != nil {
					return nil, err
				}
				return httpapi.OK(activityView(ctx, a), "activity completed"), nil
			})
	}
	// The activities of one customer, contact or deal.
	for _, rel := range []struct{ prefix, id, filter string }{
		{"/api/customers/{id}/activities", "customers", "customer_id"},
		{"/api/contacts/{id}/activities", "contacts", "contact_id"},
		{"/api/deals/{id}/activities", "deals", "deal_id"},
	} {
		httpapi.Register(s, activityRoute(http.MethodGet, rel.prefix, rel.id+"-activities", "The activities of one "+strings.TrimSuffix(rel.id, "s")),
			func(ctx context.Context, in *struct {
				ID string `path:"id"`
				ActivityListInput
			}) (*httpapi.ListBody[ActivityView], error) {
				if err := svc.Exists(ctx, rel.filter, in.ID); err != nil {
					return nil, err
				}
				in.SetFilter(rel.filter, in.ID)
				return listActivities(ctx, s, svc, &in.ActivityListInput, rel.id+"-activities")
			})
		httpapi.Register(s, created(activityRoute(http.MethodPost, rel.prefix, rel.id+"-add-activity", "Log an activity for one "+strings.TrimSuffix(rel.id, "s"))),
			func(ctx context.Context, in *struct {
				ID   string `path:"id"`
				Body ActivityFields
			}) (*httpapi.Body[ActivityView], error) {
				if err := svc.Exists(ctx, rel.filter, in.ID); err != nil {
					return nil, err
				}
				f := in.Body
				f.EntityType, f.EntityID = nil, nil
				id := in.ID
				switch rel.filter {
				case "customer_id":
					f.CustomerID, f.CompanyID = &id, nil
				case "contact_id":
					f.ContactID = &id
				case "deal_id":
					f.DealID = &id
				}
				return createActivity(ctx, svc, &f)
			})
	}
}

func createActivity(ctx context.Context, svc *sales.Service, f *ActivityFields) (*httpapi.Body[ActivityView], error) {
	a, err := svc.CreateActivity(ctx, f.input())
	if err != nil {
		return nil, err
	}
	return httpapi.OK(activityView(ctx, a), "activity created"), nil
}
