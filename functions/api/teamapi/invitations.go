package teamapi

import (
	"context"
	"net/http"

	"payvand.dev/shared/auth"
	"payvand.dev/shared/httpapi"
)

// ResendInvitationInput names the user to invite again.
type ResendInvitationInput struct {
	ID string `path:"id"`
}

// resendInvitation emails the user a new set-password link; the link sent
// before stops working. The route needs the right to create users
// (auth.ManageUsers); checkManage adds who may manage whom.
func (d Deps) resendInvitation(ctx context.Context, id string) error {
	u, err := d.load(ctx, id)
	if err != nil {
		return err
	}
	p := auth.PrincipalFrom(ctx)
	if err := checkManage(p, u, ""); err != nil {
		return err
	}
	t, err := d.Control.Tenant(ctx, p.TenantKey)
	if err != nil {
		return err
	}
	return d.invite(ctx, t, u, p)
}

// registerInvitations mounts the re-send route under a users prefix.
func registerInvitations(s *httpapi.Server, d Deps, prefix, scope string) {
	httpapi.Register(s, httpapi.Route{Method: http.MethodPost, Path: prefix + "/{id}/resend-invitation", ID: scope + "-resend-invitation",
		Tags: []string{"Users"}, Realm: httpapi.TenantUsers, Capability: auth.ManageUsers,
		Summary: "Email the user a new invitation link; the link sent before stops working",
		Description: "The invitation carries no password but a single-use link, valid 72 hours, to choose one: " +
			"`${AppURL}/accept-invitation?token=…&tenant=<key>&email=…`. The SPA posts the token with the chosen password to " +
			"POST /api/auth/accept-invitation (or POST /api/auth/reset-password with the email). Needs the right to add users; " +
			"managers cannot re-invite CEOs and admins."},
		func(ctx context.Context, in *ResendInvitationInput) (*httpapi.Body[any], error) {
			if err := d.resendInvitation(ctx, in.ID); err != nil {
				return nil, err
			}
			return httpapi.OK[any](nil, "invitation sent"), nil
		})
}
