package customersapi

import (
	"context"
	"net/http"

	"payvand.dev/shared/customers"
	"payvand.dev/shared/httpapi"
)

// Cleaner merges duplicates.
type Cleaner interface {
	CleanupDuplicates(ctx context.Context, dryRun bool) (*customers.CleanupReport, error)
}

func registerDuplicates(s *httpapi.Server, c Cleaner) {
	type out struct {
		Body struct {
			Success      bool                     `json:"success"`
			RemovedCount int                      `json:"removed_count"`
			Data         *customers.CleanupReport `json:"data"`
			Message      string                   `json:"message"`
		}
	}
	httpapi.Register(s, httpapi.Route{Method: http.MethodPost, Path: "/api/cleanup-duplicates", ID: "cleanup-duplicates", Tags: []string{"Customers"},
		Realm: httpapi.TenantUsers, Module: "customers", Feature: "customers",
		Summary: "Merge customers and contacts sharing an email or phone into the oldest (dry_run lists the groups)"},
		func(ctx context.Context, in *struct {
			DryRunQ bool `query:"dry_run"`
			Body    *struct {
				DryRun bool `json:"dry_run,omitempty"`
			}
		}) (*out, error) {
			dry := in.DryRunQ || (in.Body != nil && in.Body.DryRun)
			r, err := c.CleanupDuplicates(ctx, dry)
			if err != nil {
				return nil, err
			}
			o := &out{}
			o.Body.Success, o.Body.RemovedCount, o.Body.Data = true, r.RemovedCount, r
			o.Body.Message = "duplicates merged"
			if dry {
				o.Body.Message = "dry run: nothing changed"
			}
			return o, nil
		})
}
