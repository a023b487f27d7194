// Package searchapi is global search: one read of the search index, then
// one batch read of the results of every kind the caller's modules show.
package searchapi

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"payvand.dev/functions/app"
	"payvand.dev/shared/auth"
	"payvand.dev/shared/crm"
	"payvand.dev/shared/customers"
	"payvand.dev/shared/httpapi"
	"payvand.dev/shared/products"
	"payvand.dev/shared/search"
	"payvand.dev/shared/store"
	"payvand.dev/shared/tenancy"
)

// Deps are what search reads.
type Deps struct {
	Control *tenancy.ControlPlane
}

// kinds maps a result type to its index kind, the module that may see it
// and the item that holds one.
var kinds = map[string]struct {
	kind, module string
	key          func(id string) store.Key
}{
	"customers": {"customer", "customers", customers.CustomerKey},
	"contacts":  {"contact", "contacts", customers.ContactKey},
	"products":  {"product", "products", products.ProductKey},
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
	// Sales and activities: see sales.go.
	Sales      []any `json:"sales"`
	Activities []any `json:"activities"`
	Total      int   `json:"total"`
}

// perType caps each group (the index read is capped at search.MaxHits).
const perType = 50

func (d Deps) run(ctx context.Context, q, only string) (*Results, error) {
	r := &Results{Customers: []*crm.Customer{}, Contacts: []*crm.Contact{}, Products: []*crm.Product{}, Documents: []any{}, Deals: []any{}, Tasks: []any{}, Sales: []any{}, Activities: []any{}}
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
	// Every kind's newest perType hits, read together.
	p := auth.PrincipalFrom(ctx)
	var keys []store.Key
	kindOf := map[store.Key]string{}
	for name, k := range kinds {
		ids := byKind[k.kind]
		if len(ids) == 0 || !p.HasModule(k.module) || (only != "" && only != name) {
			continue
		}
		r.Total += len(ids)
		for i := len(ids) - 1; i >= 0 && i >= len(ids)-perType; i-- {
			key := k.key(ids[i])
			keys, kindOf[key] = append(keys, key), name
		}
	}
	items, err := store.BatchGetAll(ctx, table, keys)
	if err != nil {
		return nil, err
	}
	for _, it := range items {
		switch kindOf[store.KeyOf(it)] {
		case "customers":
			c, err := customers.DecodeCustomer(it)
			if err != nil {
				return nil, err
			}
			r.Customers = append(r.Customers, c)
		case "contacts":
			c, err := customers.DecodeContact(it)
			if err != nil {
				return nil, err
			}
			r.Contacts = append(r.Contacts, c)
		case "products":
			pr, err := products.DecodeProduct(it)
			if err != nil {
				return nil, err
			}
			r.Products = append(r.Products, pr)
		case "tasks":
			if err := decodeTask(it, r); err != nil {
				return nil, err
			}
		case "documents":
			if err := decodeDocument(it, r); err != nil {
				return nil, err
			}
		default:
			if err := decodeMore(kindOf[store.KeyOf(it)], it, r); err != nil {
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
	out = append(out, moreHits(r)...)
	out = append(out, taskHits(r)...)
	out = append(out, documentHits(r)...)
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
	httpapi.Register(s, route(http.MethodGet, "search", "Search customers, contacts, products, deals, sales, activities, tasks and documents (Persian-aware, by word prefix; type= narrows it)"),
		func(ctx context.Context, in *struct {
			Q     string `query:"q" maxLength:"200"`
			Query string `query:"query" maxLength:"200" doc:"Alias of q"`
			Type  string `query:"type" doc:"customers, contacts, products, deals, sales, activities, tasks or documents"`
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
	httpapi.Register(s, route(http.MethodPost, "search-advanced", "Search with filters (type) and sort (relevance, newest, oldest, title)"),
		func(ctx context.Context, in *struct {
			Body struct {
				Query   string            `json:"query" minLength:"1" maxLength:"200"`
				Filters map[string]string `json:"filters,omitempty"`
				Sort    string            `json:"sort,omitempty" enum:"relevance,newest,oldest,title,-title,name,-name,created_at,-created_at," doc:"name = title; -created_at = newest; created_at = oldest"`
			}
		}) (*httpapi.Body[AdvancedResults], error) {
			r, err := d.run(ctx, in.Body.Query, in.Body.Filters["type"])
			if err != nil {
				return nil, err
			}
			hits := flatten(r)
			sortHits(hits, in.Body.Sort)
			return httpapi.OK(AdvancedResults{Results: hits, Total: r.Total}, ""), nil
		})
}

// AdvancedResults are the hits of every kind in one list.
type AdvancedResults struct {
	Results []Hit `json:"results"`
	Total   int   `json:"total"`
}

// sortHits orders hits by title or by creation (ids are UUIDv7, which
// sort by creation time); relevance keeps the search's own order.
func sortHits(h []Hit, sort string) {
	var cmp func(a, b Hit) int
	switch sort {
	case "title", "name", "-title", "-name":
		cmp = func(a, b Hit) int { return strings.Compare(search.Normalize(a.Title), search.Normalize(b.Title)) }
	case "created_at", "oldest", "-created_at", "newest":
		cmp = func(a, b Hit) int { return strings.Compare(a.ID, b.ID) }
	default:
		return
	}
	desc := strings.HasPrefix(sort, "-") || sort == "newest"
	slices.SortStableFunc(h, func(a, b Hit) int {
		if desc {
			return cmp(b, a)
		}
		return cmp(a, b)
	})
}

// Mount is the search route group.
func Mount() app.Mount {
	return app.Mount{Name: "search", Register: func(s *httpapi.Server, d *app.Deps) {
		Register(s, Deps{Control: d.Control})
	}}
}
