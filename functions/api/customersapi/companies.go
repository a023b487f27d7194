package customersapi

import (
	"context"
	"net/http"

	"payvand.dev/shared/crm"
	"payvand.dev/shared/httpapi"
)

// Companies are IshYar's view of the B2B customers: the same records, the
// type fixed to B2B.
func registerCompanies(s *httpapi.Server, svc Service) {
	route := func(method, path, op, summary string) httpapi.Route {
		return httpapi.Route{Method: method, Path: "/api/companies" + path, ID: "companies-" + op, Summary: summary,
			Tags: []string{"Companies"}, Realm: httpapi.TenantUsers, Module: "customers", Feature: "customers"}
	}
	b2b := "B2B"
	// A customer of another type is not a company: not found.
	isCompany := func(c *crm.Customer) error {
		if c.Type != b2b {
			return &crm.Error{Code: crm.ENOTFOUND, Message: "company not found", Key: "not-found-resource", Args: []any{"company"}}
		}
		return nil
	}
	// checkCompany reads only the customer's item, not its collection.
	checkCompany := func(ctx context.Context, id string) error {
		c, err := svc.Get(ctx, id)
		if err != nil {
			return err
		}
		return isCompany(c)
	}
	httpapi.Register(s, route(http.MethodGet, "", "list", "List companies (B2B customers)"),
		func(ctx context.Context, in *ListInput) (*httpapi.ListBody[CustomerView], error) {
			in.Type = b2b
			in.ListParams.SetFilter("type", b2b)
			return list(ctx, s, svc, in, "companies")
		})
	create := route(http.MethodPost, "", "create", "Create a company")
	create.Status = http.StatusCreated
	httpapi.Register(s, create, func(ctx context.Context, in *CreateInput) (*httpapi.Body[CustomerView], error) {
		c := &crm.Customer{}
		p := in.Body.CustomerFields.patch()
		p.Name, p.Type = &in.Body.Name, &b2b
		if err := p.Apply(c); err != nil {
			return nil, err
		}
		created, err := svc.Create(ctx, c)
		if err != nil {
			return nil, err
		}
		return httpapi.OK(view(ctx, created), "company created"), nil
	})
	httpapi.Register(s, route(http.MethodGet, "/{id}", "get", "A company with its contacts and deals"),
		func(ctx context.Context, in *IDInput) (*httpapi.Body[DetailView], error) {
			d, err := svc.Detail(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			if err := isCompany(d.Customer); err != nil {
				return nil, err
			}
			return httpapi.OK(detailView(ctx, d), ""), nil
		})
	httpapi.Register(s, route(http.MethodPut, "/{id}", "update", "Change a company (only the fields sent)"),
		func(ctx context.Context, in *UpdateInput) (*httpapi.Body[CustomerView], error) {
			if err := checkCompany(ctx, in.ID); err != nil {
				return nil, err
			}
			p := in.Body.patch()
			p.Type = &b2b
			c, err := svc.Update(ctx, in.ID, p)
			if err != nil {
				return nil, err
			}
			return httpapi.OK(view(ctx, c), "company updated"), nil
		})
	httpapi.Register(s, route(http.MethodDelete, "/{id}", "delete", "Delete a company (its contacts stay, detached)"),
		func(ctx context.Context, in *IDInput) (*httpapi.Body[any], error) {
			if err := checkCompany(ctx, in.ID); err != nil {
				return nil, err
			}
			if err := svc.Delete(ctx, in.ID); err != nil {
				return nil, err
			}
			return httpapi.OK[any](nil, "company deleted"), nil
		})
}
