// Package productsapi is the products route group: products, stock,
// statistics and customer-product interests.
package productsapi

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"payvand.dev/functions/app"
	"payvand.dev/shared/crm"
	"payvand.dev/shared/httpapi"
	"payvand.dev/shared/jalali"
	"payvand.dev/shared/money"
	"payvand.dev/shared/sales"
	"payvand.dev/shared/store"
)

// ProductView is a product with decimal prices and its Jalali date.
type ProductView struct {
	crm.Product
	Price           float64 `json:"price"`
	Cost            float64 `json:"cost"`
	InStock         bool    `json:"in_stock"`
	LowStock        bool    `json:"low_stock"`
	CreatedAtJalali string  `json:"created_at_jalali"`
	UpdatedAtJalali string  `json:"updated_at_jalali"`
}

func view(ctx context.Context, p *crm.Product) ProductView {
	return ProductView{Product: *p, Price: money.FromMinor(p.PriceMinor, p.Currency), Cost: money.FromMinor(p.CostMinor, p.Currency),
		InStock: p.Quantity > 0, LowStock: p.Quantity <= p.LowStockThreshold, CreatedAtJalali: jalali.Format(p.CreatedAt, httpapi.LocationFrom(ctx)),
		UpdatedAtJalali: jalali.Format(p.UpdatedAt, httpapi.LocationFrom(ctx))}
}

// ProductDetail is Rabin's product detail.
type ProductDetail struct {
	ProductView
	SalesHistory      []map[string]any `json:"sales_history"`
	CustomerInterests []*crm.Interest  `json:"customer_interests"`
	Performance       map[string]any   `json:"performance"`
}

// Fields are a product's writable fields.
type Fields struct {
	Name              *string           `json:"name,omitempty" minLength:"1" maxLength:"200"`
	Description       *string           `json:"description,omitempty" maxLength:"5000"`
	Category          *string           `json:"category,omitempty" maxLength:"100"`
	SKU               *string           `json:"sku,omitempty" maxLength:"64"`
	Price             *float64          `json:"price,omitempty" minimum:"0"`
	Cost              *float64          `json:"cost,omitempty" minimum:"0"`
	Currency          *string           `json:"currency,omitempty" pattern:"^[A-Za-z]{3}$"`
	Quantity          *int64            `json:"quantity,omitempty" minimum:"0"`
	LowStockThreshold *int64            `json:"low_stock_threshold,omitempty" minimum:"0"`
	Unit              *string           `json:"unit,omitempty" maxLength:"30"`
	Supplier          *string           `json:"supplier,omitempty" maxLength:"200"`
	Status            *string           `json:"status,omitempty" enum:"active,inactive"`
	Tags              *[]string         `json:"tags,omitempty" maxItems:"50"`
	CustomFields      *httpapi.FreeForm `json:"custom_fields,omitempty"`
	Version           *int64            `json:"version,omitempty"`
}

func (f *Fields) apply(p *crm.Product) error {
	for _, s := range []struct{ dst, src *string }{{&p.Name, f.Name}, {&p.Description, f.Description}, {&p.Category, f.Category},
		{&p.SKU, f.SKU}, {&p.Unit, f.Unit}, {&p.Supplier, f.Supplier}, {&p.Status, f.Status}} {
		if s.src != nil {
			*s.dst = strings.TrimSpace(*s.src)
		}
	}
	if f.Currency != nil {
		p.Currency = strings.ToUpper(*f.Currency)
	}
	if p.Currency == "" {
		p.Currency = "IRR"
	}
	fe := crm.FieldErrors{}
	for _, m := range []struct {
		name string
		src  *float64
		dst  *int64
	}{{"price", f.Price, &p.PriceMinor}, {"cost", f.Cost, &p.CostMinor}} {
		if m.src != nil {
			v, err := money.ToMinor(*m.src, p.Currency)
			if err != nil {
				fe.Add(m.name, err.Error())
			}
			*m.dst = v
		}
	}
	if f.Quantity != nil {
		p.Quantity = *f.Quantity
	}
	if f.LowStockThreshold != nil {
		p.LowStockThreshold = *f.LowStockThreshold
	}
	if f.Tags != nil {
		p.Tags = *f.Tags
	}
	if f.CustomFields != nil {
		p.CustomFields = *f.CustomFields
	}
	return fe.Err()
}

// ListInput is the products query.
type ListInput struct {
	httpapi.ListParams
	Category string `query:"category"`
	PriceMin string `query:"price_min" doc:"Decimal, in currency (default IRR)"`
	PriceMax string `query:"price_max"`
	Currency string `query:"currency"`
	InStock  string `query:"in_stock" enum:"true,false,"`
	Status   string `query:"status" enum:"active,inactive,"`
}

// IDInput addresses a product.
type IDInput struct {
	ID string `path:"id"`
}

// Service is what the routes need.
type Service interface {
	crm.ProductService
	// ProductWithInterests is a product and its newest interests, read
	// together (one Query of the product's item collection).
	ProductWithInterests(ctx context.Context, id string, limit int) (*crm.Product, []*crm.Interest, error)
}

// Register mounts the product routes.
func Register(s *httpapi.Server, svc Service) {
	for _, base := range []struct {
		prefix, id string
		full       bool
	}{{"/api/products", "products", true}, {"/api/tenant/products", "tenant-products", false}} {
		route := func(method, path, op, summary string) httpapi.Route {
			return httpapi.Route{Method: method, Path: base.prefix + path, ID: base.id + "-" + op, Summary: summary,
				Tags: []string{"Products"}, Realm: httpapi.TenantUsers, Module: "products", Feature: "products"}
		}
		scope := base.id
		httpapi.Register(s, route(http.MethodGet, "", "list", "List products (category, price range, in stock, search; sort name, price, created_at)"),
			func(ctx context.Context, in *ListInput) (*httpapi.ListBody[ProductView], error) {
				return list(ctx, s, svc, in, scope)
			})
		create := route(http.MethodPost, "", "create", "Create a product")
		create.Status = http.StatusCreated
		httpapi.Register(s, create, func(ctx context.Context, in *struct {
			Body struct {
				Fields
				Name string `json:"name" minLength:"1" maxLength:"200"`
			}
		}) (*httpapi.Body[ProductView], error) {
			p := &crm.Product{}
			in.Body.Fields.Name = &in.Body.Name
			if err := in.Body.Fields.apply(p); err != nil {
				return nil, err
			}
			created, err := svc.CreateProduct(ctx, p)
			if err != nil {
				return nil, err
			}
			return httpapi.OK(view(ctx, created), "product created"), nil
		})
		if base.full {
			registerFull(s, svc, route)
		}
		httpapi.Register(s, route(http.MethodGet, "/{id}", "get", "A product with its interested customers"),
			func(ctx context.Context, in *IDInput) (*httpapi.Body[ProductDetail], error) {
				p, interests, perf, err := productDetail(ctx, svc, in.ID)
				if err != nil {
					return nil, err
				}
				performance, history := sales.ProductPerformance(perf, p.Currency, httpapi.LocationFrom(ctx))
				return httpapi.OK(ProductDetail{ProductView: view(ctx, p), SalesHistory: history, CustomerInterests: interests,
					Performance: performance}, ""), nil
			})
	}
	registerInterests(s, svc)
}

func registerFull(s *httpapi.Server, svc Service, route func(method, path, op, summary string) httpapi.Route) {
	httpapi.Register(s, route(http.MethodGet, "/stats", "stats", "Product statistics (counters and the low-stock index)"),
		func(ctx context.Context, _ *struct{}) (*httpapi.Body[*crm.ProductStats], error) {
			st, err := svc.ProductStats(ctx)
			if err != nil {
				return nil, err
			}
			return httpapi.OK(st, ""), nil
		})
	httpapi.Register(s, route(http.MethodPut, "/{id}", "update", "Change a product (only the fields sent)"),
		func(ctx context.Context, in *struct {
			ID   string `path:"id"`
			Body Fields
		}) (*httpapi.Body[ProductView], error) {
			p, err := svc.UpdateProduct(ctx, in.ID, in.Body.apply, in.Body.Version)
			if err != nil {
				return nil, err
			}
			return httpapi.OK(view(ctx, p), "product updated"), nil
		})
	httpapi.Register(s, route(http.MethodDelete, "/{id}", "delete", "Delete a product"),
		func(ctx context.Context, in *IDInput) (*httpapi.Body[any], error) {
			if err := svc.DeleteProduct(ctx, in.ID); err != nil {
				return nil, err
			}
			return httpapi.OK[any](nil, "product deleted"), nil
		})
	type stockOut struct {
		Body struct {
			Success     bool        `json:"success"`
			NewQuantity int64       `json:"new_quantity"`
			Data        ProductView `json:"data"`
			Message     string      `json:"message"`
		}
	}
	httpapi.Register(s, route(http.MethodPatch, "/{id}/stock", "stock", "Set, add to or subtract from the stock; never below zero (409)"),
		func(ctx context.Context, in *struct {
			ID   string `path:"id"`
			Body struct {
				Quantity  int64  `json:"quantity" minimum:"0"`
				Operation string `json:"operation" enum:"set,add,subtract"`
			}
		}) (*stockOut, error) {
			p, err := svc.ChangeStock(ctx, in.ID, crm.StockChange{Operation: in.Body.Operation, Quantity: in.Body.Quantity})
			if err != nil {
				return nil, err
			}
			out := &stockOut{}
			out.Body.Success, out.Body.NewQuantity, out.Body.Data, out.Body.Message = true, p.Quantity, view(ctx, p), "stock updated"
			return out, nil
		})
}

func registerInterests(s *httpapi.Server, svc Service) {
	route := func(method, op, summary string) httpapi.Route {
		return httpapi.Route{Method: method, Path: "/api/customer-product-interests", ID: "interests-" + op, Summary: summary,
			Tags: []string{"Products"}, Realm: httpapi.TenantUsers, Module: "products", Feature: "products"}
	}
	httpapi.Register(s, route(http.MethodGet, "list", "Customers' interests in products (filter by customer_id or product_id)"),
		func(ctx context.Context, in *struct {
			httpapi.ListParams
			CustomerID string `query:"customer_id"`
			ProductID  string `query:"product_id"`
		}) (*httpapi.ListBody[InterestView], error) {
			list, err := svc.Interests(ctx, in.Filter("customer_id"), in.Filter("product_id"), in.Size())
			if err != nil {
				return nil, err
			}
			views := make([]InterestView, len(list))
			for i, it := range list {
				views[i] = interestView(it)
			}
			return httpapi.NewList(ctx, &in.ListParams, views, len(views), ""), nil
		})
	create := route(http.MethodPost, "create", "Record a customer's interest in a product")
	create.Status = http.StatusCreated
	httpapi.Register(s, create, func(ctx context.Context, in *struct {
		Body struct {
			CustomerID string `json:"customer_id"`
			ProductID  string `json:"product_id"`
			Level      string `json:"level,omitempty" enum:"low,medium,high,"`
			Interest   string `json:"interest_level,omitempty" enum:"low,medium,high," doc:"Rabin's name of level"`
			Notes      string `json:"notes,omitempty" maxLength:"2000"`
		}
	}) (*httpapi.Body[InterestView], error) {
		level := in.Body.Level
		if level == "" {
			level = in.Body.Interest
		}
		i, err := svc.AddInterest(ctx, &crm.Interest{CustomerID: in.Body.CustomerID, ProductID: in.Body.ProductID, Level: level, Notes: in.Body.Notes})
		if err != nil {
			return nil, err
		}
		return httpapi.OK(interestView(i), "interest recorded"), nil
	})
}

// InterestView is an interest under both seeds' names of its level.
type InterestView struct {
	*crm.Interest
	InterestLevel string `json:"interest_level"`
}

func interestView(i *crm.Interest) InterestView {
	return InterestView{Interest: i, InterestLevel: i.Level}
}

func list(ctx context.Context, s *httpapi.Server, svc Service, in *ListInput, scope string) (*httpapi.ListBody[ProductView], error) {
	field, desc := in.SortField("-created_at")
	fe := crm.FieldErrors{}
	if field != "created_at" && field != "name" && field != "price" {
		fe.Add("sort", "sort by name, price or created_at (- for descending)")
	}
	currency := strings.ToUpper(in.Filter("currency"))
	if currency == "" {
		currency = "IRR"
	}
	f := crm.ProductFilter{Category: in.Filter("category"), Search: in.Search, Status: in.Filter("status"), SortBy: field, Desc: desc, Limit: in.Size()}
	for _, b := range []struct {
		name string
		dst  **int64
	}{{"price_min", &f.PriceMin}, {"price_max", &f.PriceMax}} {
		if v := in.Filter(b.name); v != "" {
			d, err := strconv.ParseFloat(v, 64)
			if err != nil {
				fe.Add(b.name, "must be a number")
				continue
			}
			m, err := money.ToMinor(d, currency)
			if err != nil {
				fe.Add(b.name, err.Error())
				continue
			}
			*b.dst = &m
		}
	}
	if v := in.Filter("in_stock"); v != "" {
		b := v == "true" || v == "1"
		f.InStock = &b
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	var err error
	if f.Cursor, f.Offset, err = s.Cursors.Window(ctx, scope, &in.ListParams); err != nil {
		return nil, err
	}
	ps, total, next, err := svc.Products(ctx, f)
	if err != nil {
		return nil, err
	}
	views := make([]ProductView, len(ps))
	for i, p := range ps {
		views[i] = view(ctx, p)
	}
	return httpapi.SealedList(ctx, s.Cursors, scope, &in.ListParams, views, total, next)
}

// Mount is the products route group.
func Mount() app.Mount {
	return app.Mount{Name: "products", Register: func(s *httpapi.Server, d *app.Deps) { Register(s, d.Products) }}
}

// productDetail reads the product, its newest interests and its sales
// figures (kept by the sales group) in one query where the service can.
func productDetail(ctx context.Context, svc Service, id string) (*crm.Product, []*crm.Interest, store.Item, error) {
	if d, ok := svc.(interface {
		ProductDetail(ctx context.Context, id string, limit int) (*crm.Product, []*crm.Interest, store.Item, error)
	}); ok {
		return d.ProductDetail(ctx, id, 50)
	}
	p, interests, err := svc.ProductWithInterests(ctx, id, 50)
	return p, interests, nil, err
}
