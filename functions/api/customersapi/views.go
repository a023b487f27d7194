package customersapi

import (
	"context"
	"encoding/json"
	"reflect"

	"github.com/danielgtaylor/huma/v2"

	"payvand.dev/shared/crm"
	"payvand.dev/shared/httpapi"
	"payvand.dev/shared/jalali"
)

// CustomerView is a customer as the API shows it: every date with its
// Jalali twin in the caller's time zone.
type CustomerView struct {
	crm.Customer
	CreatedAtJalali string `json:"created_at_jalali"`
	UpdatedAtJalali string `json:"updated_at_jalali"`
	// Jalali twin of last_activity_at ("" before the first activity).
	LastActivityAtJalali string `json:"last_activity_at_jalali"`
}

func view(ctx context.Context, c *crm.Customer) CustomerView {
	loc := httpapi.LocationFrom(ctx)
	v := CustomerView{Customer: *c, CreatedAtJalali: jalali.Format(c.CreatedAt, loc), UpdatedAtJalali: jalali.Format(c.UpdatedAt, loc)}
	if c.LastActivityAt != nil {
		v.LastActivityAtJalali = jalali.Format(*c.LastActivityAt, loc)
	}
	return v
}

// DetailView is a customer with its relations.
type DetailView struct {
	CustomerView
	Contacts     []map[string]any `json:"contacts"`
	Activities   []map[string]any `json:"activities"`
	Deals        []map[string]any `json:"deals"`
	Documents    []map[string]any `json:"documents"`
	Interactions Interactions     `json:"interactions"`
}

// Interactions summarizes the relations.
type Interactions struct {
	ContactsCount   int `json:"contacts_count"`
	ActivitiesCount int `json:"activities_count"`
	DealsCount      int `json:"deals_count"`
	DocumentsCount  int `json:"documents_count"`
}

func objects(raw []json.RawMessage) []map[string]any {
	out := make([]map[string]any, 0, len(raw))
	for _, r := range raw {
		var m map[string]any
		if json.Unmarshal(r, &m) == nil {
			out = append(out, m)
		}
	}
	return out
}

func detailView(ctx context.Context, d *crm.CustomerDetail) DetailView {
	v := DetailView{CustomerView: view(ctx, d.Customer), Contacts: objects(d.Contacts), Activities: objects(d.Activities),
		Deals: objects(d.Deals), Documents: objects(d.Documents)}
	v.Interactions = Interactions{len(v.Contacts), len(v.Activities), len(v.Deals), len(v.Documents)}
	return v
}

// SimpleView is the lightweight customer.
type SimpleView struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
	Phone string `json:"phone"`
}

// AddressInput takes IshYar's address object or Rabin's address string.
type AddressInput struct{ crm.Address }

// Schema documents and validates both forms.
func (AddressInput) Schema(r huma.Registry) *huma.Schema {
	obj := huma.SchemaFromType(r, reflectAddress)
	return &huma.Schema{OneOf: []*huma.Schema{{Type: huma.TypeString, MaxLength: intPtr(500)}, obj}}
}

func intPtr(i int) *int { return &i }

var reflectAddress = reflect.TypeOf(crm.Address{})

// UnmarshalJSON takes both forms.
func (a *AddressInput) UnmarshalJSON(b []byte) error { return a.Address.UnmarshalJSON(b) }
