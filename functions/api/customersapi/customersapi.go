// Package customersapi is the customers route group: /api/customers and
// the same resources under /api/tenant/customers.
package customersapi

import (
	"context"
	"net/http"
	"slices"

	"payvand.dev/shared/crm"
	"payvand.dev/shared/httpapi"
)

// Service is what the routes need from the domain.
type Service interface {
	crm.CustomerService
	crm.CustomerFilterPreferences
	crm.ContactService
}

// CustomerFields are the writable fields; in a create only name is required.
type CustomerFields struct {
	Name         *string           `json:"name,omitempty" maxLength:"200"`
	Email        *string           `json:"email,omitempty" maxLength:"254"`
	Phone        *string           `json:"phone,omitempty" maxLength:"30"`
	Mobile       *string           `json:"mobile,omitempty" maxLength:"30"`
	Type         *string           `json:"type,omitempty" enum:"B2B,B2C"`
	Company      *string           `json:"company,omitempty" maxLength:"200"`
	City         *string           `json:"city,omitempty" maxLength:"100"`
	Address      *AddressInput     `json:"address,omitempty"`
	Status       *string           `json:"status,omitempty" enum:"active,inactive,prospect"`
	Tags         *[]string         `json:"tags,omitempty" maxItems:"50"`
	Domain       *string           `json:"domain,omitempty" maxLength:"253"`
	Industry     *string           `json:"industry,omitempty" maxLength:"100"`
	Size         *string           `json:"size,omitempty" maxLength:"50"`
	Website      *string           `json:"website,omitempty" maxLength:"500"`
	OwnerID      *string           `json:"owner_id,omitempty" maxLength:"36"`
	Source       *string           `json:"source,omitempty" maxLength:"100"`
	Notes        *string           `json:"notes,omitempty" maxLength:"5000"`
	CustomFields *httpapi.FreeForm `json:"custom_fields,omitempty"`
	Version      *int64            `json:"version,omitempty" doc:"Send the version you read to refuse overwriting a newer change (409)."`
}

func (f *CustomerFields) patch() *crm.CustomerPatch {
	p := &crm.CustomerPatch{Name: f.Name, Email: f.Email, Phone: f.Phone, Mobile: f.Mobile, Type: f.Type, Company: f.Company,
		City: f.City, Status: f.Status, Tags: f.Tags, Domain: f.Domain, Industry: f.Industry, Size: f.Size, Website: f.Website,
		OwnerID: f.OwnerID, Source: f.Source, Notes: f.Notes, CustomFields: (*map[string]any)(f.CustomFields), Version: f.Version}
	if f.Address != nil {
		p.Address = &f.Address.Address
	}
	return p
}

// CreateInput is the body of a create.
type CreateInput struct {
	Body struct {
		CustomerFields
		Name string `json:"name" minLength:"1" maxLength:"200"`
	}
}

// UpdateInput is a partial update.
type UpdateInput struct {
	ID   string `path:"id"`
	Body CustomerFields
}

// StatusInput changes only the status.
type StatusInput struct {
	ID   string `path:"id"`
	Body struct {
		Status string `json:"status" enum:"active,inactive,prospect"`
	}
}

// IDInput addresses one customer.
type IDInput struct {
	ID string `path:"id"`
}

// ListInput is the list's query.
type ListInput struct {
	httpapi.ListParams
	Status   string `query:"status" enum:"active,inactive,prospect," doc:"Also as filter[status]."`
	Type     string `query:"type" enum:"B2B,B2C," doc:"Also as filter[type]."`
	City     string `query:"city" doc:"Also as filter[city]."`
	OwnerID  string `query:"owner_id"`
	Industry string `query:"industry"`
	Tag      string `query:"tag"`
	Source   string `query:"source"`
}

// SaveFiltersInput saves filter preferences.
type SaveFiltersInput struct {
	Body struct {
		Filters httpapi.FreeForm `json:"filters"`
	}
}

// Register mounts the routes under both prefixes.
func Register(s *httpapi.Server, svc Service) {
	for _, base := range []struct{ prefix, id string }{{"/api/customers", "customers"}, {"/api/tenant/customers", "tenant-customers"}} {
		register(s, svc, base.prefix, base.id)
	}
	registerContacts(s, svc)
	registerCompanies(s, svc)
	if c, ok := svc.(Cleaner); ok {
		registerDuplicates(s, c)
	}
}

func register(s *httpapi.Server, svc Service, prefix, id string) {
	route := func(method, path, op, summary string) httpapi.Route {
		return httpapi.Route{Method: method, Path: prefix + path, ID: id + "-" + op, Summary: summary,
			Tags: []string{"Customers"}, Realm: httpapi.TenantUsers, Module: "customers", Feature: "customers"}
	}

	httpapi.Register(s, route(http.MethodGet, "", "list", "List customers (filters, search, sort, page or cursor)"),
		func(ctx context.Context, in *ListInput) (*httpapi.ListBody[CustomerView], error) {
			return list(ctx, s, svc, in, id)
		})

	create := route(http.MethodPost, "", "create", "Create a customer")
	create.Status = http.StatusCreated
	httpapi.Register(s, create, func(ctx context.Context, in *CreateInput) (*httpapi.Body[CustomerView], error) {
		c := &crm.Customer{}
		p := in.Body.CustomerFields.patch()
		p.Name = &in.Body.Name
		if err := p.Apply(c); err != nil {
			return nil, err
		}
		created, err := svc.Create(ctx, c)
		if err != nil {
			return nil, err
		}
		return httpapi.OK(view(ctx, created), "customer created"), nil
	})

	httpapi.Register(s, route(http.MethodGet, "/filter-options", "filter-options", "Values to filter by and the saved filters"),
		func(ctx context.Context, _ *struct{}) (*httpapi.Body[*crm.CustomerFilterOptions], error) {
			o, err := svc.FilterOptions(ctx)
			if err != nil {
				return nil, err
			}
			return httpapi.OK(o, ""), nil
		})

	httpapi.Register(s, route(http.MethodPost, "/filter-options", "save-filters", "Save filter preferences"),
		func(ctx context.Context, in *SaveFiltersInput) (*httpapi.Body[map[string]any], error) {
			if err := svc.SaveFilters(ctx, in.Body.Filters); err != nil {
				return nil, err
			}
			return httpapi.OK(map[string]any{"filters": in.Body.Filters}, "filter preferences saved"), nil
		})

	httpapi.Register(s, route(http.MethodGet, "/stats", "stats", "Customer statistics (from counters)"),
		func(ctx context.Context, _ *struct{}) (*httpapi.Body[*crm.CustomerStats], error) {
			st, err := svc.Stats(ctx)
			if err != nil {
				return nil, err
			}
			return httpapi.OK(st, ""), nil
		})

	httpapi.Register(s, route(http.MethodGet, "/{id}", "get", "A customer with its contacts, activities, deals and documents"),
		func(ctx context.Context, in *IDInput) (*httpapi.Body[DetailView], error) {
			d, err := svc.Detail(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			return httpapi.OK(detailView(ctx, d), ""), nil
		})

	httpapi.Register(s, route(http.MethodGet, "/{id}/simple", "simple", "A customer's basic fields"),
		func(ctx context.Context, in *IDInput) (*httpapi.Body[SimpleView], error) {
			c, err := svc.Get(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			return httpapi.OK(SimpleView{ID: c.ID, Name: c.Name, Email: c.Email, Phone: c.Phone}, ""), nil
		})

	httpapi.Register(s, route(http.MethodPut, "/{id}", "update", "Update a customer (only the fields sent change)"),
		func(ctx context.Context, in *UpdateInput) (*httpapi.Body[CustomerView], error) {
			c, err := svc.Update(ctx, in.ID, in.Body.patch())
			if err != nil {
				return nil, err
			}
			return httpapi.OK(view(ctx, c), "customer updated"), nil
		})

	httpapi.Register(s, route(http.MethodPatch, "/{id}/status", "status", "Change a customer's status"),
		func(ctx context.Context, in *StatusInput) (*httpapi.Body[CustomerView], error) {
			c, err := svc.Update(ctx, in.ID, &crm.CustomerPatch{Status: &in.Body.Status})
			if err != nil {
				return nil, err
			}
			return httpapi.OK(view(ctx, c), "customer status updated"), nil
		})

	httpapi.Register(s, route(http.MethodDelete, "/{id}", "delete", "Delete a customer"),
		func(ctx context.Context, in *IDInput) (*httpapi.Body[any], error) {
			if err := svc.Delete(ctx, in.ID); err != nil {
				return nil, err
			}
			return httpapi.OK[any](nil, "customer deleted"), nil
		})
}

var sortable = []string{"created_at", "name"}

func list(ctx context.Context, s *httpapi.Server, svc Service, in *ListInput, scope string) (*httpapi.ListBody[CustomerView], error) {
	f := crm.CustomerFilter{
		Status: in.Filter("status"), Type: in.Filter("type"), City: in.Filter("city"), OwnerID: in.Filter("owner_id"),
		Industry: in.Filter("industry"), Tag: in.Filter("tag"), Source: in.Filter("source"), Search: in.Search,
		Limit: in.Size(),
	}
	fe := crm.FieldErrors{}
	if f.Status != "" && !slices.Contains(crm.CustomerStatuses, f.Status) {
		fe.Add("filter[status]", "must be one of active, inactive, prospect")
	}
	if f.Type != "" && !slices.Contains(crm.CustomerTypes, f.Type) {
		fe.Add("filter[type]", "must be one of B2B, B2C")
	}
	f.SortBy, f.Desc = in.SortField("-created_at")
	if !slices.Contains(sortable, f.SortBy) {
		fe.Add("sort", "sort by one of: name, -name, created_at, -created_at")
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	var err error
	if f.Cursor, f.Offset, err = s.Cursors.Window(ctx, scope, &in.ListParams); err != nil {
		return nil, err
	}
	page, err := svc.List(ctx, f)
	if err != nil {
		return nil, err
	}
	views := make([]CustomerView, len(page.Customers))
	for i, c := range page.Customers {
		views[i] = view(ctx, c)
	}
	return httpapi.SealedList(ctx, s.Cursors, scope, &in.ListParams, views, page.Total, page.NextCursor)
}
