package customersapi

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"

	"payvand.dev/shared/crm"
	"payvand.dev/shared/httpapi"
	"payvand.dev/shared/jalali"
)

// ContactView is a contact as the API shows it.
type ContactView struct {
	crm.Contact
	Company         *httpapi.Ref `json:"company"`
	Owner           *httpapi.Ref `json:"owner,omitempty"`
	CreatedAtJalali string       `json:"created_at_jalali"`
	UpdatedAtJalali string       `json:"updated_at_jalali"`
	// Jalali twin of last_activity_at ("" until activities exist).
	LastActivityAtJalali string `json:"last_activity_at_jalali"`
	// With include=deals / include=activities (empty until those exist).
	Deals      *[]map[string]any `json:"deals,omitempty"`
	Activities *[]map[string]any `json:"activities,omitempty"`
}

func contactView(ctx context.Context, c *crm.Contact, withOwner bool) ContactView {
	loc := httpapi.LocationFrom(ctx)
	v := ContactView{Contact: *c, CreatedAtJalali: jalali.Format(c.CreatedAt, loc), UpdatedAtJalali: jalali.Format(c.UpdatedAt, loc)}
	if c.LastActivityAt != nil {
		v.LastActivityAtJalali = jalali.Format(*c.LastActivityAt, loc)
	}
	if c.CustomerID != "" {
		v.Company = &httpapi.Ref{ID: c.CustomerID, Name: c.CustomerName}
	}
	if withOwner && c.OwnerID != "" {
		v.Owner = &httpapi.Ref{ID: c.OwnerID}
	}
	return v
}

// ContactDetail is Rabin's contact detail: the contact, its customer and
// its activities.
type ContactDetail struct {
	ContactView
	Customer   *httpapi.Ref     `json:"customer"`
	Activities []map[string]any `json:"activities"`
}

// ContactFields are the writable fields of a contact.
type ContactFields struct {
	FirstName    *string           `json:"first_name,omitempty" maxLength:"100"`
	LastName     *string           `json:"last_name,omitempty" maxLength:"100"`
	Name         *string           `json:"name,omitempty" maxLength:"200"`
	Email        *string           `json:"email,omitempty" maxLength:"254"`
	Phone        *string           `json:"phone,omitempty" maxLength:"30"`
	Mobile       *string           `json:"mobile,omitempty" maxLength:"30"`
	JobTitle     *string           `json:"job_title,omitempty" maxLength:"100"`
	Position     *string           `json:"position,omitempty" maxLength:"100"`
	Role         *string           `json:"role,omitempty" maxLength:"100"`
	Department   *string           `json:"department,omitempty" maxLength:"100"`
	CustomerID   *string           `json:"customer_id,omitempty" maxLength:"36"`
	CompanyID    *string           `json:"company_id,omitempty" maxLength:"36" doc:"IshYar's name for customer_id"`
	OwnerID      *string           `json:"owner_id,omitempty" maxLength:"36"`
	Source       *string           `json:"source,omitempty" maxLength:"100"`
	Status       *string           `json:"status,omitempty" enum:"active,inactive"`
	Notes        *string           `json:"notes,omitempty" maxLength:"5000"`
	Tags         *[]string         `json:"tags,omitempty" maxItems:"50"`
	CustomFields *httpapi.FreeForm `json:"custom_fields,omitempty"`
	Version      *int64            `json:"version,omitempty"`
}

func (f *ContactFields) patch() *crm.ContactPatch {
	p := &crm.ContactPatch{FirstName: f.FirstName, LastName: f.LastName, Name: f.Name, Email: f.Email, Phone: f.Phone, Mobile: f.Mobile,
		JobTitle: f.JobTitle, Position: f.Position, Role: f.Role, Department: f.Department, CustomerID: f.CustomerID, OwnerID: f.OwnerID,
		Source: f.Source, Status: f.Status, Notes: f.Notes, Tags: f.Tags, CustomFields: (*map[string]any)(f.CustomFields), Version: f.Version}
	if p.CustomerID == nil {
		p.CustomerID = f.CompanyID
	}
	return p
}

func requireName(f *ContactFields) error {
	if (f.Name == nil || *f.Name == "") && (f.FirstName == nil || *f.FirstName == "") && (f.LastName == nil || *f.LastName == "") {
		return &crm.Error{Code: crm.EVALIDATION, Message: "the given data was invalid", Key: "validation", Fields: map[string][]string{"name": {"required"}}}
	}
	return nil
}

// ContactListInput is the contacts query.
type ContactListInput struct {
	httpapi.ListParams
	CustomerID string `query:"customer_id" doc:"Also company_id and filter[…]"`
	CompanyID  string `query:"company_id"`
	OwnerID    string `query:"owner_id"`
	Role       string `query:"role"`
	Source     string `query:"source"`
	Status     string `query:"status" enum:"active,inactive,"`
	Tag        string `query:"tag"`
}

func registerContacts(s *httpapi.Server, svc Service) {
	for _, base := range []struct {
		prefix, id string
		full       bool
	}{{"/api/contacts", "contacts", true}, {"/api/tenant/contacts", "tenant-contacts", false}} {
		route := func(method, path, op, summary string) httpapi.Route {
			return httpapi.Route{Method: method, Path: base.prefix + path, ID: base.id + "-" + op, Summary: summary,
				Tags: []string{"Contacts"}, Realm: httpapi.TenantUsers, Module: "contacts", Feature: "contacts"}
		}
		scope := base.id
		httpapi.Register(s, route(http.MethodGet, "", "list", "List contacts (customer/company, owner, role, source, search, sort)"),
			func(ctx context.Context, in *ContactListInput) (*httpapi.ListBody[ContactView], error) {
				return listContacts(ctx, s, svc, in, scope)
			})
		create := route(http.MethodPost, "", "create", "Create a contact")
		create.Status = http.StatusCreated
		httpapi.Register(s, create, func(ctx context.Context, in *struct{ Body ContactFields }) (*httpapi.Body[ContactView], error) {
			return createContact(ctx, svc, &in.Body, "")
		})
		httpapi.Register(s, route(http.MethodGet, "/{id}", "get", "A contact with its customer and activities"),
			func(ctx context.Context, in *IDInput) (*httpapi.Body[ContactDetail], error) {
				c, activities, err := contactDetail(ctx, svc, in.ID)
				if err != nil {
					return nil, err
				}
				d := ContactDetail{ContactView: contactView(ctx, c, true), Activities: objects(activities)}
				d.Customer = d.Company
				return httpapi.OK(d, ""), nil
			})
		if !base.full {
			continue
		}
		httpapi.Register(s, route(http.MethodPut, "/{id}", "update", "Change a contact (only the fields sent)"),
			func(ctx context.Context, in *struct {
				ID   string `path:"id"`
				Body ContactFields
			}) (*httpapi.Body[ContactView], error) {
				c, err := svc.UpdateContact(ctx, in.ID, in.Body.patch())
				if err != nil {
					return nil, err
				}
				return httpapi.OK(contactView(ctx, c, false), "contact updated"), nil
			})
		httpapi.Register(s, route(http.MethodDelete, "/{id}", "delete", "Delete a contact"),
			func(ctx context.Context, in *IDInput) (*httpapi.Body[any], error) {
				if err := svc.DeleteContact(ctx, in.ID); err != nil {
					return nil, err
				}
				return httpapi.OK[any](nil, "contact deleted"), nil
			})
		// GET|POST /api/contacts/{id}/activities are the sales group's (salesapi).
	}
	add := httpapi.Route{Method: http.MethodPost, Path: "/api/customers/{id}/contacts", ID: "customers-add-contact", Summary: "Add a contact to a customer",
		Tags: []string{"Contacts"}, Realm: httpapi.TenantUsers, Module: "contacts", Feature: "contacts", Status: http.StatusCreated}
	httpapi.Register(s, add, func(ctx context.Context, in *struct {
		ID   string `path:"id"`
		Body ContactFields
	}) (*httpapi.Body[ContactView], error) {
		if _, err := svc.Get(ctx, in.ID); err != nil {
			return nil, err
		}
		return createContact(ctx, svc, &in.Body, in.ID)
	})
}

func createContact(ctx context.Context, svc Service, f *ContactFields, customerID string) (*httpapi.Body[ContactView], error) {
	if err := requireName(f); err != nil {
		return nil, err
	}
	p := f.patch()
	if customerID != "" {
		p.CustomerID = &customerID
	}
	c := &crm.Contact{}
	p.Apply(c)
	created, err := svc.CreateContact(ctx, c)
	if err != nil {
		return nil, err
	}
	return httpapi.OK(contactView(ctx, created, false), "contact created"), nil
}

func listContacts(ctx context.Context, s *httpapi.Server, svc Service, in *ContactListInput, scope string) (*httpapi.ListBody[ContactView], error) {
	field, desc := in.SortField("-created_at")
	if !slices.Contains(sortable, field) {
		return nil, &crm.Error{Code: crm.EVALIDATION, Message: "the given data was invalid", Fields: map[string][]string{"sort": {"sort by one of: name, -name, created_at, -created_at"}}}
	}
	cursor, offset, err := s.Cursors.Window(ctx, scope, &in.ListParams)
	if err != nil {
		return nil, err
	}
	f := crm.ContactFilter{CustomerID: in.Filter("customer_id"), OwnerID: in.Filter("owner_id"), Role: in.Filter("role"),
		Source: in.Filter("source"), Status: in.Filter("status"), Tag: in.Filter("tag"), Search: in.Search,
		SortByName: field == "name", Desc: desc, Limit: in.Size(), Cursor: cursor, Offset: offset}
	if f.CustomerID == "" {
		f.CustomerID = in.Filter("company_id")
	}
	list, total, next, err := svc.Contacts(ctx, f)
	if err != nil {
		return nil, err
	}
	owner, deals, activities := in.Includes("owner"), in.Includes("deals"), in.Includes("activities")
	views := make([]ContactView, len(list))
	for i, c := range list {
		views[i] = contactView(ctx, c, owner)
		if deals {
			views[i].Deals = &[]map[string]any{}
		}
		if activities {
			views[i].Activities = &[]map[string]any{}
		}
	}
	return httpapi.SealedList(ctx, s.Cursors, scope, &in.ListParams, views, total, next)
}

// contactDetail reads the contact with its activities (one query) where
// the service keeps them in the contact's collection.
func contactDetail(ctx context.Context, svc Service, id string) (*crm.Contact, []json.RawMessage, error) {
	if d, ok := svc.(interface {
		ContactDetail(ctx context.Context, id string) (*crm.Contact, []json.RawMessage, error)
	}); ok {
		return d.ContactDetail(ctx, id)
	}
	c, err := svc.Contact(ctx, id)
	return c, nil, err
}
