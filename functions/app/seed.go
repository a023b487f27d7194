package app

import (
	"context"
	"fmt"
	"io"
	"time"

	"payvand.dev/shared/auth"
	"payvand.dev/shared/crm"
	"payvand.dev/shared/ids"
	"payvand.dev/shared/tenancy"
)

// Demo account names the README promises.
const (
	AdminUsername = "admin"
	DemoTenant    = "demo"
	DemoEmail     = "ceo@demo.test"
)

// SeedLocal creates, on first start, the SaaS admin and the demo tenant
// with its CEO, and prints their credentials to w once (later starts find
// them and print nothing).
func (d *Deps) SeedLocal(ctx context.Context, w io.Writer) error {
	if err := d.EnsureControlTable(ctx); err != nil {
		return err
	}
	if _, err := d.Control.Admin(ctx, AdminUsername); crm.ErrorCode(err) == crm.ENOTFOUND {
		pw := d.Config.AdminPassword
		if pw == "" {
			pw = auth.RandomSecret(12)
		}
		hash, err := auth.HashPassword(pw)
		if err != nil {
			return err
		}
		a := &tenancy.Admin{ID: ids.New(), Username: AdminUsername, Name: "SaaS Admin", Email: "admin@payvand.local", PasswordHash: hash, CreatedAt: time.Now().UTC()}
		if err := d.Control.PutAdmin(ctx, a); err != nil {
			return err
		}
		fmt.Fprintf(w, "SaaS admin created:  username %q  password %q  (POST /api/admin/auth/login)\n", AdminUsername, pw)
	} else if err != nil {
		return err
	}
	if _, err := d.Control.Tenant(ctx, DemoTenant); crm.ErrorCode(err) == crm.ENOTFOUND {
		pw := d.Config.DemoPassword
		if pw == "" {
			pw = auth.RandomSecret(12)
		}
		_, _, err := d.Control.Provision(ctx, tenancy.NewTenant{Key: DemoTenant, CompanyName: "Demo Company", Plan: "pro",
			AdminName: "Demo CEO", AdminEmail: DemoEmail, AdminPassword: pw, MaxUsers: 25})
		if err != nil {
			return fmt.Errorf("provision demo tenant: %w", err)
		}
		fmt.Fprintf(w, "Demo tenant created: tenant_key %q  email %q  password %q  (POST /api/auth/login)\n", DemoTenant, DemoEmail, pw)
	} else if err != nil {
		return err
	}
	return nil
}
