// Package webhooks delivers events to a tenant's HTTP endpoints by the
// Standard Webhooks convention: webhook-id (the event id),
// webhook-timestamp, and webhook-signature "v1,<base64 HMAC-SHA256 of
// id.timestamp.body>" with the endpoint's whsec_ secret. Targets on
// loopback, private, link-local or otherwise internal addresses are
// refused unless AllowPrivate (the local runner's default), checked when
// the endpoint is saved and again when each connection is dialled, so a
// name that later resolves inside cannot be used.
//
// A failed delivery is not the bus's business: it becomes a retry item of
// the tenant table that a sweeper attempts again with exponential backoff
// for 24 hours (retry.go), every attempt is kept in the endpoint's
// delivery log (log.go), and an endpoint that has failed every attempt
// for five days, or answered 410 Gone, is disabled (deliver.go).
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
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

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
	// Delivery state, kept as attributes of their own beside the endpoint
	// JSON (toItem) so that deliveries change them in place; Save writes
	// them back as they were read, so an API update racing a delivery can
	// lose one count.
	ConsecutiveFailures int        `json:"consecutive_failures" doc:"failed attempts since the last success"`
	FailingSince        *time.Time `json:"failing_since,omitempty" doc:"first failed attempt since the last success"`
	DisabledReason      string     `json:"disabled_reason,omitempty" doc:"why deliveries disabled the endpoint"`
	DisabledAt          *time.Time `json:"disabled_at,omitempty"`
}

// SetActive turns the endpoint on or off. Turning a disabled endpoint
// back on forgets its failures: it gets a fresh five days.
func (e *Endpoint) SetActive(active bool) {
	if active && !e.Active {
		e.ConsecutiveFailures, e.FailingSince, e.DisabledReason, e.DisabledAt = 0, nil, "", nil
	}
	e.Active = active
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

// Attributes of the delivery state on the endpoint item.
const (
	attrActive         = "active"
	attrFailures       = "failures"
	attrFailingSince   = "failing_since"
	attrDisabledAt     = "disabled_at"
	attrDisabledReason = "disabled_reason"
)

func toItem(e *Endpoint) store.Item {
	it := store.KeyItem(key(e.ID))
	b, _ := json.Marshal(e)
	it["endpoint"], it["secret"] = store.AV(string(b)), store.AV(e.Secret)
	it["GSI1PK"], it["GSI1SK"] = store.AV(listPK), store.AV(e.ID)
	it[attrActive], it[attrFailures] = store.AV(e.Active), store.AV(e.ConsecutiveFailures)
	if e.FailingSince != nil {
		it[attrFailingSince] = store.AV(e.FailingSince.UTC().Format(time.RFC3339Nano))
	}
	if e.DisabledAt != nil {
		it[attrDisabledAt] = store.AV(e.DisabledAt.UTC().Format(time.RFC3339Nano))
		it[attrDisabledReason] = store.AV(e.DisabledReason)
	}
	return it
}

func fromItem(it store.Item) (*Endpoint, error) {
	var e Endpoint
	if err := json.Unmarshal([]byte(store.Str(it, "endpoint")), &e); err != nil {
		return nil, err
	}
	e.Secret = store.Str(it, "secret")
	// The attributes hold the state; an item written before them has its
	// activity in the JSON only.
	if a, ok := it[attrActive].(*types.AttributeValueMemberBOOL); ok {
		e.Active = a.Value
	}
	e.ConsecutiveFailures = int(store.Int(it, attrFailures))
	e.FailingSince, e.DisabledAt = timeAttr(it, attrFailingSince), timeAttr(it, attrDisabledAt)
	e.DisabledReason = store.Str(it, attrDisabledReason)
	return &e, nil
}

func timeAttr(it store.Item, attr string) *time.Time {
	t, err := time.Parse(time.RFC3339Nano, store.Str(it, attr))
	if err != nil {
		return nil
	}
	return &t
}

// Save creates (ID empty) or replaces an endpoint, with webhook.* events.
func Save(ctx context.Context, t store.Table, e *Endpoint, allowPrivate bool) error {
	if err := Check(ctx, e.URL, allowPrivate); err != nil {
		return err
	}
	if len(e.Events) == 0 {
		e.Events = []string{"*"}
	}
	for _, t := range e.Events {
		if t != "*" && !slices.Contains(Deliverable, t) {
			return invalid("events", "unknown event type "+t+"; the types are listed at GET /api/webhooks/events")
		}
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

// Deliverer posts events to endpoints, records each attempt and
// schedules the retries of those that failed.
type Deliverer struct {
	AllowPrivate bool
	Client       *http.Client // nil: one that refuses internal addresses at dial time
	// Now is the clock of schedules, signatures and the log (nil: time.Now).
	Now func() time.Time
	// Jitter spreads a retry delay (nil: ±10 %, so endpoints that failed
	// together are not retried together).
	Jitter func(time.Duration) time.Duration
	// Scheduled, when set, hears when each retry it schedules is due (the
	// local runner's sweeper wakes for it).
	Scheduled func(due time.Time)

	once sync.Once
}

func (d *Deliverer) now() time.Time {
	if d.Now != nil {
		return d.Now().UTC()
	}
	return time.Now().UTC()
}

func (d *Deliverer) client() *http.Client {
	d.once.Do(func() {
		if d.Client != nil {
			return
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
		d.Client = &http.Client{Timeout: Timeout, Transport: &http.Transport{DialContext: dialer.DialContext, Proxy: nil},
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	})
	return d.Client
}

// Timeout bounds one delivery: an endpoint that has not answered by then
// failed this attempt.
const Timeout = 10 * time.Second

// Consumer names a delivery marker: one per endpoint.
func Consumer(endpointID string) string { return "webhook#" + endpointID }

// AllowPrivate reports PAYVAND_WEBHOOK_ALLOW_PRIVATE: true by default
// outside Lambda (a developer's receiver on their machine), false in a
// Lambda.
func AllowPrivate() bool {
	if v := os.Getenv("PAYVAND_WEBHOOK_ALLOW_PRIVATE"); v != "" {
		return v == "true"
	}
	return os.Getenv("AWS_LAMBDA_FUNCTION_NAME") == ""
}
