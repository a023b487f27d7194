package authapi

import (
	"context"
	"log/slog"
	"net/url"
	"slices"
	"time"

	"payvand.dev/shared/crm"
	"payvand.dev/shared/httpapi"
	"payvand.dev/shared/store"
)

// Limits of the spec that always stay on, whatever the general limit.
const (
	LoginPerMinute  = 5 // per IP and account
	ForgotPerMinute = 3 // per IP and email
)

// limit takes one request from a per-minute window shared by every
// instance; a refusal is a 429 problem with Retry-After.
func (d Deps) limit(ctx context.Context, class, who string, perMinute int) error {
	_, err := d.take(ctx, class, who, perMinute)
	return err
}

// take is limit that also returns the decision (for X-RateLimit-* headers).
func (d Deps) take(ctx context.Context, class, who string, perMinute int) (*httpapi.Decision, error) {
	if d.Limiter == nil {
		return nil, nil
	}
	dec, err := d.Limiter.Take(store.WithoutStats(ctx), class+"|"+who, perMinute, time.Minute)
	if err != nil {
		// The limiter's store being down must not lock everyone out.
		slog.WarnContext(ctx, "rate limiter unavailable", "err", err)
		return nil, nil
	}
	if !dec.Allowed {
		slog.WarnContext(ctx, "rate limited", "class", class)
		return &dec, httpapi.TooManyRequests(ctx, dec)
	}
	return &dec, nil
}

// checkOrigin refuses cookie-authenticated state changes sent from another
// site (CSRF): a browser always sends Origin (or at least Referer) on such
// requests, and it must be the API's own host or a configured SPA origin.
// Requests without either header do not come from a browser form.
func (d Deps) checkOrigin(ci *clientInfo) error {
	src := ci.origin
	if src == "" {
		src = ci.referer
	}
	if src == "" {
		return nil
	}
	u, err := url.Parse(src)
	if err == nil && (u.Host == ci.host || slices.Contains(d.Origins, u.Scheme+"://"+u.Host) || slices.Contains(d.Origins, "*")) {
		return nil
	}
	return &crm.Error{Code: crm.EFORBIDDEN, Message: "cross-site request refused: the Origin is not trusted"}
}
