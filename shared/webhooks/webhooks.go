// Package webhooks delivers events to a tenant's HTTP endpoints by the
// Standard Webhooks convention: webhook-id (the event id),
// webhook-timestamp, and webhook-signature "v1,<base64 HMAC-SHA256 of
// id.timestamp.body>" with the endpoint's whsec_ secret. Targets on
// loopback, private, link-local or otherwise internal addresses are
// refused unless AllowPrivate (the local runner's default), checked when
// the endpoint is saved and again when each connection is dialled, so a
// name that later resolves inside cannot be used. A failed delivery
// returns an error: the relay (or EventBridge) delivers the event again,
// and endpoints that already took it are skipped.
package webhooks

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"payvand.dev/shared/crm"
	"payvand.dev/shared/ids"
	"payvand.dev/shared/outbox"
	"payvand.dev/shared/store"
)

// Endpoint is a tenant's webhook target.
type Endpoint struct {
	ID          string    `json:"id"`
	URL         string    `json:"url"`
	Events      []string  `json:"events"` // detail types, or "*"
	Description string    `json:"description,omitempty"`
	Active      bool      `json:"active"`
	Secret      string    `json:"-"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

func key(id string) store.Key { return store.Key{PK: "WEBHOOK#" + id, SK: "#WEBHOOK"} }

const listPK = "WEBHOOKS"

// NewSecret is a whsec_ secret of 24 random bytes.
func NewSecret() string {
	b := make([]byte, 24)
	rand.Read(b)
	return "whsec_" + base64.StdEncoding.EncodeToString(b)
}

// Sign is the webhook-signature value of a delivery.
func Sign(secret, id string, ts int64, body []byte) (string, error) {
	k, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		return "", err
	}
	m := hmac.New(sha256.New, k)
	fmt.Fprintf(m, "%s.%d.", id, ts)
	m.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil)), nil
}

// Internal reports addresses a webhook must not reach.
func Internal(a netip.Addr) bool {
	a = a.Unmap()
	return a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() || a.IsUnspecified() ||
		a.IsMulticast() || a.IsInterfaceLocalMulticast() || netip.MustParsePrefix("100.64.0.0/10").Contains(a) ||
		netip.MustParsePrefix("fc00::/7").Contains(a) || a == netip.MustParseAddr("169.254.169.254")
}

// Check validates a target URL: http(s), a host, and (unless
// allowPrivate) no internal address among those its name resolves to.
func Check(ctx context.Context, raw string, allowPrivate bool) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Hostname() == "" || u.User != nil {
		return invalid("url", "must be an http or https URL")
	}
	if allowPrivate {
		return nil
	}
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", u.Hostname())
	if err != nil || len(addrs) == 0 {
		return invalid("url", "the host does not resolve")
	}
	for _, a := range addrs {
		if Internal(a) {
			return invalid("url", "must not point to a loopback, private or link-local address")
		}
	}
	return nil
}

func invalid(field, msg string) error {
	return &crm.Error{Code: crm.EVALIDATION, Message: "the given data was invalid", Fields: map[string][]string{field: {msg}}}
}

func notFound() error { return crm.Errorf(crm.ENOTFOUND, "webhook not found") }

func toItem(e *Endpoint) store.Item {
	it := store.KeyItem(key(e.ID))
	b, _ := json.Marshal(e)
	it["endpoint"], it["secret"] = store.AV(string(b)), store.AV(e.Secret)
	it["GSI1PK"], it["GSI1SK"] = store.AV(listPK), store.AV(e.ID)
	return it
}

func fromItem(it store.Item) (*Endpoint, error) {
	var e Endpoint
	if err := json.Unmarshal([]byte(store.Str(it, "endpoint")), &e); err != nil {
		return nil, err
	}
	e.Secret = store.Str(it, "secret")
	return &e, nil
}

// Save creates (ID empty) or replaces an endpoint, with webhook.* events.
func Save(ctx context.Context, t store.Table, e *Endpoint, allowPrivate bool) error {
	if err := Check(ctx, e.URL, allowPrivate); err != nil {
		return err
	}
	if len(e.Events) == 0 {
		e.Events = []string{"*"}
	}
	now := time.Now().UTC()
	e.UpdatedAt = now
	cond, ev := store.Exists(), "webhook.updated"
	if e.ID == "" {
		e.ID, e.CreatedAt, e.Secret, cond, ev = ids.New(), now, NewSecret(), store.NotExists(), "webhook.created"
	}
	err := t.TransactWrite(ctx, store.PutOp(toItem(e), cond), outbox.Op(ctx, ev, map[string]any{"webhook_id": e.ID, "url": e.URL, "events": e.Events}))
	if crm.ErrorCode(err) == crm.ECONFLICT {
		return notFound()
	}
	return err
}

// Get reads an endpoint; ENOTFOUND.
func Get(ctx context.Context, t store.Table, id string) (*Endpoint, error) {
	if !ids.Valid(id) {
		return nil, notFound()
	}
	it, err := store.GetOr(ctx, t, key(id), notFound)
	if err != nil {
		return nil, err
	}
	return fromItem(it)
}

// List returns every endpoint of the tenant (one Query).
func List(ctx context.Context, t store.Table) ([]*Endpoint, error) {
	p, err := t.Query(ctx, store.Query{Index: "GSI1", PK: listPK, Limit: 100})
	if err != nil {
		return nil, err
	}
	out := make([]*Endpoint, 0, len(p.Items))
	for _, it := range p.Items {
		if e, err := fromItem(it); err == nil {
			out = append(out, e)
		}
	}
	return out, nil
}

// Delete removes an endpoint; ENOTFOUND.
func Delete(ctx context.Context, t store.Table, id string) error {
	if !ids.Valid(id) {
		return notFound()
	}
	err := t.TransactWrite(ctx, store.DeleteOp(key(id), store.Exists()), outbox.Op(ctx, "webhook.deleted", map[string]any{"webhook_id": id}))
	if crm.ErrorCode(err) == crm.ECONFLICT {
		return notFound()
	}
	return err
}

// Deliverer posts events to endpoints.
type Deliverer struct {
	AllowPrivate bool
	Client       *http.Client // nil: one that refuses internal addresses at dial time
}

func (d *Deliverer) client() *http.Client {
	if d.Client != nil {
		return d.Client
	}
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	if !d.AllowPrivate {
		dialer.Control = func(_, address string, _ syscall.RawConn) error {
			host, _, _ := net.SplitHostPort(address)
			if a, err := netip.ParseAddr(host); err == nil && Internal(a) {
				return errors.New("webhooks: refused an internal address")
			}
			return nil
		}
	}
	d.Client = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DialContext: dialer.DialContext, Proxy: nil},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return d.Client
}

// Consumer names a delivery marker: one per endpoint.
func Consumer(endpointID string) string { return "webhook#" + endpointID }

// Handle delivers one event to every active endpoint that wants it and
// has not taken it yet; it fails when one delivery failed (the event
// comes again and only that endpoint is tried).
func (d *Deliverer) Handle(ctx context.Context, t store.Table, ev outbox.Event) error {
	// Webhook changes, and notifications (one user's, with their address),
	// are not the organization's business events.
	if strings.HasPrefix(ev.Type, "webhook.") || strings.HasPrefix(ev.Type, "notification.") || strings.HasPrefix(ev.Type, "ws.") {
		return nil
	}
	eps, err := List(ctx, t)
	if err != nil {
		return err
	}
	body, _ := json.Marshal(map[string]any{"type": ev.Type, "timestamp": ev.OccurredAt, "data": ev})
	var errs error
	for _, e := range eps {
		if !e.Active || !(slices.Contains(e.Events, "*") || slices.Contains(e.Events, ev.Type)) {
			continue
		}
		if done, err := outbox.Processed(ctx, t, Consumer(e.ID), ev.ID); err != nil || done {
			errs = errors.Join(errs, err)
			continue
		}
		if err := d.post(ctx, e, ev.ID, body); err != nil {
			errs = errors.Join(errs, fmt.Errorf("webhook %s: %w", e.ID, err))
			continue
		}
		if err := t.TransactWrite(ctx, outbox.ProcessedOp(Consumer(e.ID), ev.ID)); err != nil && !outbox.Duplicate(err) {
			errs = errors.Join(errs, err)
		}
	}
	return errs
}

func (d *Deliverer) post(ctx context.Context, e *Endpoint, id string, body []byte) error {
	if err := Check(ctx, e.URL, d.AllowPrivate); err != nil {
		return err
	}
	ts := time.Now().Unix()
	sig, err := Sign(e.Secret, id, ts, body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.URL, strings.NewReader(string(body)))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Payvand-Webhooks/1")
	req.Header.Set("webhook-id", id)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(ts, 10))
	req.Header.Set("webhook-signature", sig)
	resp, err := d.client().Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("answered %d", resp.StatusCode)
	}
	return nil
}

// AllowPrivate reports PAYVAND_WEBHOOK_ALLOW_PRIVATE: true by default
// outside Lambda (a developer's receiver on their machine), false in a
// Lambda.
func AllowPrivate() bool {
	if v := os.Getenv("PAYVAND_WEBHOOK_ALLOW_PRIVATE"); v != "" {
		return v == "true"
	}
	return os.Getenv("AWS_LAMBDA_FUNCTION_NAME") == ""
}
