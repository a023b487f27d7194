// Package searchapi is global search: one read of the search index, then
// one batch read per kind of result, filtered by the caller's modules.
package searchapi

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"payvand.dev/functions/app"
	"payvand.dev/shared/auth"
	"payvand.dev/shared/crm"
	"payvand.dev/shared/httpapi"
	"payvand.dev/shared/search"
	"payvand.dev/shared/tenancy"
)

// Deps are what search reads.
type Deps struct {
	Control   *tenancy.ControlPlane
	Customers interface {
		CustomersByID(ctx context.Context, ids []string) ([]*crm.Customer, error)
		ContactsByID(ctx context.Context, ids []string) ([]*crm.Contact, error)
	}
	Products interface {
		ProductsByID(ctx context.Context, ids []string) ([]*crm.Product, error)
	}
}

// kinds maps a result type to its index kind and the module that may see it.
var kinds = map[string]struct{ kind, module string }{
	"customers": {"customer", "customers"},
	"contacts":  {"contact", "contacts"},
	"products":  {"product", "products"},
}

// Hit is one result of the advanced search.
type Hit struct {
	Type     string `json:"type"`
	ID       string `json:"id"`
	Title    string `json:"title"`
	Subtitle string `json:"subtitle"`
	URL      string `json:"url"`
	Data     any    `json:"data"`
}

// Results are grouped by type (Rabin's shape).
type Results struct {
	Customers []*crm.Customer `json:"customers"`
	Contacts  []*crm.Contact  `json:"contacts"`
	Products  []*crm.Product  `json:"products"`
	Documents []any           `json:"documents"`
	Deals     []any           `json:"deals"`
	Tasks     []any           `json:"tasks"`
	Total     int             `json:"total"`
}

// perType caps each group (the index read is capped at search.MaxHits).
const perType = 50

func (d Deps) run(ctx context.Context, q, only string) (*Results, error) {
	r := &Results{Customers: []*crm.Customer{}, Contacts: []*crm.Contact{}, Products: []*crm.Product{}, Documents: []any{}, Deals: []any{}, Tasks: []any{}}
	if strings.TrimSpace(q) == "" {
		return nil, &crm.Error{Code: crm.EVALIDATION, Message: "the given data was invalid", Fields: map[string][]string{"q": {"required"}}}
	}
	if only != "" {
		if _, ok := kinds[only]; !ok {
			return nil, &crm.Error{Code: crm.EVALIDATION, Message: "the given data was invalid", Fields: map[string][]string{"type": {"one of customers, contacts, products"}}}
		}
	}
	table, err := d.Control.TenantTable(ctx)
	if err != nil {
		return nil, err
	}
	kind := ""
	if only != "" {
		kind = kinds[only].kind
	}
	hits, err := search.IDs(ctx, table, kind, q)
	if err != nil {
		return nil, err
	}
	byKind := map[string][]string{}
	for _, h := range hits {
		k, id := kind, h
		if kind == "" {
			k, id, _ = strings.Cut(h, "#")
		}
		byKind[k] = append(byKind[k], id)
	}
	p := auth.PrincipalFrom(ctx)
	newest := func(ids []string) []string {
		// Newest first, at most perType.
		out := make([]string, 0, min(len(ids), perType))
		for i := len(ids) - 1; i >= 0 && len(out) < perType; i-- {
			out = append(out, ids[i])
		}
		return out
	}
	for name, k := range kinds {
		ids := byKind[k.kind]
		if len(ids) == 0 || !p.HasModule(k.module) || (only != "" && only != name) {
			continue
		}
		r.Total += len(ids)
		switch name {
		case "customers":
			if r.Customers, err = d.Customers.CustomersByID(ctx, newest(ids)); err != nil {
				return nil, err
			}
		case "contacts":
			if r.Contacts, err = d.Customers.ContactsByID(ctx, newest(ids)); err != nil {
				return nil, err
			}
		case "products":
			if r.Products, err = d.Products.ProductsByID(ctx, newest(ids)); err != nil {
				return nil, err
			}
		}
	}
	return r, nil
}

func flatten(r *Results) []Hit {
	var out []Hit
	for _, c := range r.Customers {
		out = append(out, Hit{Type: "customer", ID: c.ID, Title: c.Name, Subtitle: strings.TrimSpace(c.Email + " " + c.Phone), URL: "/dashboard/customers/" + c.ID, Data: c})
	}
	for _, c := range r.Contacts {
		out = append(out, Hit{Type: "contact", ID: c.ID, Title: c.Name, Subtitle: strings.TrimSpace(c.JobTitle + " " + c.CustomerName), URL: "/dashboard/contacts/" + c.ID, Data: c})
	}
	for _, p := range r.Products {
		out = append(out, Hit{Type: "product", ID: p.ID, Title: p.Name, Subtitle: strings.TrimSpace(p.SKU + " " + p.Category), URL: "/dashboard/products/" + p.ID, Data: p})
	}
	if out == nil {
		out = []Hit{}
	}
	return out
}

// Register mounts the search routes.
func Register(s *httpapi.Server, d Deps) {
	route := func(method, id, summary string) httpapi.Route {
		return httpapi.Route{Method: method, Path: "/api/search", ID: id, Summary: summary, Tags: []string{"Search"}, Realm: httpapi.TenantUsers}
	}
	httpapi.Register(s, route(http.MethodGet, "search", "Search customers, contacts and products (Persian-aware, by word prefix)"),
		func(ctx context.Context, in *struct {
			Q     string `query:"q" maxLength:"200"`
			Query string `query:"query" maxLength:"200" doc:"Alias of q"`
			Type  string `query:"type" doc:"customers, contacts or products"`
		}) (*httpapi.Body[*Results], error) {
			q := in.Q
			if q == "" {
				q = in.Query
			}
			r, err := d.run(ctx, q, in.Type)
			if err != nil {
				return nil, err
			}
			return httpapi.OK(r, ""), nil
		})
	type advanced struct {
		Body struct {
			Success bool  `json:"success"`
			Results []Hit `json:"results"`
			Total   int   `json:"total"`
			Data    []Hit `json:"data"`
		}
	}
	httpapi.Register(s, route(http.MethodPost, "search-advanced", "Search with filters (type) and sort (relevance, newest, title)"),
		func(ctx context.Context, in *struct {
			Body struct {
				Query   string            `json:"query" minLength:"1" maxLength:"200"`
				Filters map[string]string `json:"filters,omitempty"`
				Sort    string            `json:"sort,omitempty" enum:"relevance,newest,title,-title,"`
			}
		}) (*advanced, error) {
			r, err := d.run(ctx, in.Body.Query, in.Body.Filters["type"])
			if err != nil {
				return nil, err
			}
			hits := flatten(r)
			if s := in.Body.Sort; s == "title" || s == "-title" {
				sortHits(hits, s == "-title")
			}
			out := &advanced{}
			out.Body.Success, out.Body.Results, out.Body.Total, out.Body.Data = true, hits, r.Total, hits
			return out, nil
		})
}

func sortHits(h []Hit, desc bool) {
	slices.SortStableFunc(h, func(a, b Hit) int {
		r := strings.Compare(search.Normalize(a.Title), search.Normalize(b.Title))
		if desc {
			return -r
		}
		return r
	})
}

// Mount is the search route group.
func Mount() app.Mount {
	return app.Mount{Name: "search", Register: func(s *httpapi.Server, d *app.Deps) {
		Register(s, Deps{Control: d.Control, Customers: d.Customers, Products: d.Products})
	}}
}
