package documentsapi

import (
	"context"
	"strings"
	"time"

	"payvand.dev/functions/app"
	"payvand.dev/shared/auth"
	"payvand.dev/shared/documents"
	"payvand.dev/shared/httpapi"
	"payvand.dev/shared/mail"
	"payvand.dev/shared/mailsettings"
	"payvand.dev/shared/tenancy"
)

// Mount is the documents route group.
func Mount() app.Mount {
	return app.Mount{Name: "documents", Register: func(s *httpapi.Server, d *app.Deps) {
		svc := &documents.Service{Tables: d.Control, Blob: d.Blob, Now: func() time.Time { return now() },
			Quota: func(ctx context.Context) (int64, error) { return quota(ctx, d.Control) }}
		onAWS := d.Config.Store == "dynamodb" && d.Config.AWSEndpoint == ""
		mailFor := func(ctx context.Context) (mail.Sender, error) {
			t, err := d.Control.TenantTable(ctx)
			if err != nil {
				return nil, err
			}
			return mailsettings.Sender(ctx, t, d.Mail, d.Tokens)
		}
		Register(s, Deps{Docs: svc, Control: d.Control, Presign: onAWS, Mail: d.Mail, MailFor: mailFor, AppURL: d.Config.AppURL})
	}}
}

// now is the clock of share expiry (tests move it).
var now = time.Now

// quota is the tenant's storage quota: its settings' storage_quota_bytes
// when a SaaS admin set one, else its plan's.
func quota(ctx context.Context, c *tenancy.ControlPlane) (int64, error) {
	p := auth.PrincipalFrom(ctx)
	if p == nil {
		return documents.DefaultQuota, nil
	}
	t, err := c.Tenant(ctx, p.TenantKey)
	if err != nil {
		return 0, err
	}
	switch v := t.Settings["storage_quota_bytes"].(type) {
	case float64:
		return int64(v), nil
	case int64:
		return v, nil
	case int:
		return int64(v), nil
	}
	if q, ok := documents.PlanQuotas[strings.ToLower(t.Plan)]; ok {
		return q, nil
	}
	return documents.DefaultQuota, nil
}
