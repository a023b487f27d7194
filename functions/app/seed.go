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
	"payvand.dev/shared/users"
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
	if a, err := d.Control.Admin(ctx, AdminUsername); err == nil {
		if pw := d.Config.AdminPassword; pw != "" && !auth.CheckPassword(a.PasswordHash, pw) {
			hash, err := auth.HashPassword(pw)
			if err != nil {
				return err
			}
			if err := d.Control.SetAdminPassword(ctx, a.Username, hash); err != nil {
				return err
			}
			fmt.Fprintf(w, "SaaS admin %q: password changed to PAYVAND_ADMIN_PASSWORD\n", AdminUsername)
		}
	} else if crm.ErrorCode(err) == crm.ENOTFOUND {
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
	if _, err := d.Control.Tenant(ctx, DemoTenant); err == nil {
		if pw := d.Config.DemoPassword; pw != "" {
			if err := d.resetDemoPassword(ctx, pw, w); err != nil {
				return err
			}
		}
	} else if crm.ErrorCode(err) == crm.ENOTFOUND {
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

// resetDemoPassword applies PAYVAND_DEMO_PASSWORD to an existing demo CEO,
// so that setting it on an existing data directory is not silently
// ignored; when the CEO is gone, it says why nothing changed.
func (d *Deps) resetDemoPassword(ctx context.Context, pw string, w io.Writer) error {
	table := d.Control.TableFor(DemoTenant)
	u, err := users.Repo{}.ByEmail(ctx, table, DemoEmail)
	if crm.ErrorCode(err) == crm.ENOTFOUND {
		fmt.Fprintf(w, "PAYVAND_DEMO_PASSWORD ignored: the demo tenant has no user %q any more\n", DemoEmail)
		return nil
	}
	if err != nil || auth.CheckPassword(u.PasswordHash, pw) {
		return err
	}
	if u.PasswordHash, err = auth.HashPassword(pw); err != nil {
		return err
	}
	if err := (users.Repo{}).Save(ctx, table, u, u.Email); err != nil {
		return err
	}
	fmt.Fprintf(w, "Demo CEO %q: password changed to PAYVAND_DEMO_PASSWORD\n", DemoEmail)
	return nil
}
