package webhooks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"payvand.dev/shared/crm"
	"payvand.dev/shared/ids"
	"payvand.dev/shared/outbox"
	"payvand.dev/shared/store"
)

// Schedule is the delay before each retry of a failed delivery: the
// second attempt comes about 5 s after the first, the third about 5 min
// after the second, and so on (each ±10 %). After the last the event is
// tried once more GiveUpAfter the first attempt, then given up: eight
// attempts in all.
var Schedule = []time.Duration{5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 5 * time.Hour, 10 * time.Hour}

const (
	// GiveUpAfter ends an event's retries, counted from its first attempt.
	GiveUpAfter = 24 * time.Hour
	// DisableAfter disables an endpoint that has failed every attempt for
	// this long (counted from the first failure since its last success).
	DisableAfter = 5 * 24 * time.Hour
	// parallel bounds the deliveries one event or one sweep makes at once.
	parallel = 8
	// excerptMax bounds the receiver's answer kept in the log; errMax the
	// error text.
	excerptMax, errMax = 1024, 200
)

// Outcomes of an attempt, as the delivery log shows them.
const (
	Succeeded = "succeeded"
	Retrying  = "retrying" // failed; the next attempt is scheduled
	Failed    = "failed"   // failed and no attempt follows
)

// Triggers of an attempt.
const (
	TriggerEvent  = "event"  // the event's first delivery
	TriggerRetry  = "retry"  // a scheduled retry
	TriggerManual = "manual" // redelivered through the API
	TriggerTest   = "test"   // a webhook.test ping
)

// skipped are the events that are not the organization's business:
// webhook changes, notifications (one user's, with their address) and
// socket bookkeeping.
func skipped(eventType string) bool { return !slices.Contains(Deliverable, eventType) }

// Deliverable are the domain events an endpoint may take ("*" is all of
// them): the organization's business, not one user's notifications,
// webhook changes or internal steps. The webhookworker's rule routes
// exactly these (a test holds the manifest to it).
var Deliverable = []string{"customer.created", "customer.updated", "customer.deleted", "contact.created", "contact.updated", "contact.deleted",
	"product.created", "product.updated", "product.deleted", "product.stock_changed", "deal.created", "deal.updated", "deal.stage_changed",
	"deal.won", "deal.lost", "deal.reopened", "deal.deleted", "activity.created", "activity.updated", "activity.completed", "activity.deleted",
	"sale.created", "sale.updated", "sale.completed", "sale.cancelled", "sale.refunded", "sale.deleted", "sale.payment_recorded",
	"task.created", "task.updated", "task.deleted", "task.assigned", "task.status_changed", "task.commented", "import.progress",
	"document.uploaded", "document.updated", "document.version_added", "document.deleted", "document.shared", "feedback.submitted"}

// Payload is the body every endpoint receives for an event.
func Payload(ev outbox.Event) []byte {
	b, _ := json.Marshal(map[string]any{"type": ev.Type, "timestamp": ev.OccurredAt, "data": ev})
	return b
}

// job is one attempt to deliver one event to one endpoint.
type job struct {
	ep        *Endpoint
	eventID   string
	eventType string
	body      []byte
	attempt   int       // 1 for the first
	first     time.Time // when the first attempt was made
	trigger   string
	claim     string // the retry item's claim, when a sweeper holds it
}

// Handle delivers one event to every active endpoint that wants it and
// has neither taken it nor a retry of it pending. A failed delivery is
// scheduled for retry, not returned: the invocation fails only when the
// store does, so one slow endpoint never makes the bus redeliver to all.
func (d *Deliverer) Handle(ctx context.Context, t store.Table, ev outbox.Event) error {
	if skipped(ev.Type) {
		return nil
	}
	eps, err := List(ctx, t)
	if err != nil {
		return err
	}
	eps = slices.DeleteFunc(eps, func(e *Endpoint) bool {
		return !e.Active || !(slices.Contains(e.Events, "*") || slices.Contains(e.Events, ev.Type))
	})
	if len(eps) == 0 {
		return nil
	}
	// A redelivered event: which endpoints took it or have it pending,
	// in one round trip for them all.
	keys, owner := make([]store.Key, 0, 2*len(eps)), map[store.Key]string{}
	for _, e := range eps {
		done, pending := outbox.ProcessedOp(Consumer(e.ID), ev.ID).Key(), retryKey(e.ID, ev.ID)
		keys, owner[done], owner[pending] = append(keys, done, pending), e.ID, e.ID
	}
	found, err := store.BatchGetAll(ctx, t, keys)
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, it := range found {
		seen[owner[store.KeyOf(it)]] = true
	}
	eps = slices.DeleteFunc(eps, func(e *Endpoint) bool { return seen[e.ID] })
	body, first := Payload(ev), d.now()
	return each(eps, func(e *Endpoint) error {
		_, err := d.deliver(ctx, t, job{ep: e, eventID: ev.ID, eventType: ev.Type, body: body, attempt: 1, first: first, trigger: TriggerEvent})
		return err
	})
}

// each runs f for every item, parallel at most at once, and joins the
// errors.
func each[T any](items []T, f func(T) error) error {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs error
		sem  = make(chan struct{}, parallel)
	)
	for _, it := range items {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if err := f(it); err != nil {
				mu.Lock()
				errs = errors.Join(errs, err)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return errs
}

// deliver makes one attempt and records it: the log entry, the processed
// marker or the next retry, and the endpoint's failure state. The error
// is the store's; the receiver's failure is in the Delivery.
func (d *Deliverer) deliver(ctx context.Context, t store.Table, j job) (*Delivery, error) {
	res := d.post(ctx, j.ep, j.eventID, j.body)
	now := d.now()
	dl := &Delivery{ID: ids.New(), WebhookID: j.ep.ID, EventID: j.eventID, EventType: j.eventType, Attempt: j.attempt, Trigger: j.trigger,
		StatusCode: res.status, DurationMS: res.took.Milliseconds(), Error: res.err, Response: res.excerpt, At: now, Status: Failed}
	retry := retryKey(j.ep.ID, j.eventID)
	var ops []store.Op
	held := store.Eq(attrClaim, j.claim) // the sweeper's claim still holds
	scheduled := time.Time{}
	counts := j.trigger == TriggerEvent || j.trigger == TriggerRetry
	switch {
	case res.ok():
		dl.Status = Succeeded
		if j.trigger != TriggerTest {
			ops = append(ops, outbox.ProcessedOp(Consumer(j.ep.ID), j.eventID))
		}
		switch {
		case j.claim != "":
			ops = append(ops, store.DeleteOp(retry, held))
		case j.trigger == TriggerManual:
			// A pending retry would deliver it again.
			ops = append(ops, store.DeleteOp(retry))
		}
	case !counts:
		// Manual attempts and pings fail alone: no retry, no count.
	case res.status == http.StatusGone:
		if j.claim != "" {
			ops = append(ops, store.DeleteOp(retry, held))
		}
	default:
		next, ok := d.nextAttempt(j.first, now, j.attempt)
		switch {
		case ok && j.claim != "":
			dl.Status, dl.NextAttemptAt, scheduled = Retrying, &next, next
			ops = append(ops, store.UpdateOp(store.Update{Key: retry, Set: store.Item{attrAttempt: store.AV(j.attempt), attrDue: store.AV(stamp(next)),
				"GSI1SK": store.AV(dueSK(next, j.ep.ID, j.eventID))}, Remove: []string{attrClaim}, Cond: []store.Cond{held}}))
		case ok:
			dl.Status, dl.NextAttemptAt, scheduled = Retrying, &next, next
			ops = append(ops, store.PutOp(retryItem(j, next), store.NotExists()))
		case j.claim != "":
			ops = append(ops, store.DeleteOp(retry, held))
		}
	}
	ops = append(ops, logOp(dl, j.body))
	if err := transact(ctx, t, ops); err != nil {
		return dl, err
	}
	if !scheduled.IsZero() && d.Scheduled != nil {
		d.Scheduled(scheduled)
	}
	var err error
	switch {
	case res.ok() && (j.ep.ConsecutiveFailures > 0 || j.ep.FailingSince != nil):
		err = d.recovered(ctx, t, j.ep.ID)
	case counts && res.status == http.StatusGone:
		err = d.disable(ctx, t, j.ep, "the endpoint answered 410 Gone", now)
	case counts && !res.ok():
		err = d.failed(ctx, t, j.ep, now)
	}
	return dl, err
}

// transact writes ops, leaving out each conditional op whose condition
// fails: there every one means that another delivery got there first (the
// event was processed, the retry claimed or already scheduled), and the
// attempt's log entry is still worth keeping.
func transact(ctx context.Context, t store.Table, ops []store.Op) error {
	for {
		err := t.TransactWrite(ctx, ops...)
		var te *store.TxError
		if !errors.As(err, &te) || te.Reason != "ConditionalCheckFailed" || te.Index >= len(ops) || len(ops[te.Index].Conds()) == 0 {
			return err
		}
		ops = slices.Delete(slices.Clone(ops), te.Index, te.Index+1)
	}
}

// nextAttempt is when to try again after attempt failed at now, and false
// when the event is given up.
func (d *Deliverer) nextAttempt(first, now time.Time, attempt int) (time.Time, bool) {
	end := first.Add(GiveUpAfter)
	if !now.Before(end) {
		return time.Time{}, false
	}
	if attempt <= len(Schedule) {
		if next := now.Add(d.jitter(Schedule[attempt-1])); next.Before(end) {
			return next, true
		}
	}
	return end, true
}

func (d *Deliverer) jitter(delay time.Duration) time.Duration {
	if d.Jitter != nil {
		return d.Jitter(delay)
	}
	return delay - delay/10 + rand.N(delay/5+1)
}

// recovered forgets the endpoint's failures after a success.
func (d *Deliverer) recovered(ctx context.Context, t store.Table, id string) error {
	_, err := t.Update(ctx, store.Update{Key: key(id), Set: store.Item{attrFailures: store.AV(0)}, Remove: []string{attrFailingSince},
		Cond: []store.Cond{store.Exists()}})
	return ignoreGone(err)
}

// failed counts a failed attempt, and disables the endpoint when it has
// failed every attempt for DisableAfter.
func (d *Deliverer) failed(ctx context.Context, t store.Table, e *Endpoint, now time.Time) error {
	it, err := t.Update(ctx, store.Update{Key: key(e.ID), Add: map[string]int64{attrFailures: 1}, Cond: []store.Cond{store.Exists()}})
	if err != nil {
		return ignoreGone(err)
	}
	since := timeAttr(it, attrFailingSince)
	if since == nil {
		_, err := t.Update(ctx, store.Update{Key: key(e.ID), Set: store.Item{attrFailingSince: store.AV(now.Format(time.RFC3339Nano))},
			Cond: []store.Cond{store.Exists(), store.AttrNotExists(attrFailingSince)}})
		return ignoreGone(err)
	}
	if now.Sub(*since) < DisableAfter {
		return nil
	}
	return d.disable(ctx, t, e, fmt.Sprintf("every delivery attempt failed since %s", since.UTC().Format(time.RFC3339)), now)
}

// disable turns the endpoint off with its reason and a webhook.disabled
// event, once: an endpoint already off is left as it is.
func (d *Deliverer) disable(ctx context.Context, t store.Table, e *Endpoint, reason string, now time.Time) error {
	at := now.Format(time.RFC3339Nano)
	err := t.TransactWrite(ctx,
		store.UpdateOp(store.Update{Key: key(e.ID), Set: store.Item{attrActive: store.AV(false), attrDisabledAt: store.AV(at), attrDisabledReason: store.AV(reason)},
			Cond: []store.Cond{store.Exists(), store.Ne(attrActive, false)}}),
		outbox.Op(ctx, "webhook.disabled", map[string]any{"webhook_id": e.ID, "url": e.URL, "reason": reason, "disabled_at": at}))
	return ignoreGone(err)
}

// ignoreGone drops the failed condition of a write to an endpoint that was
// deleted (or, for disable, is already off) meanwhile.
func ignoreGone(err error) error {
	if crm.ErrorCode(err) == crm.ECONFLICT {
		return nil
	}
	return err
}

// result is what one POST came to.
type result struct {
	status  int // 0 when nothing answered
	took    time.Duration
	err     string
	excerpt string
}

func (r result) ok() bool { return r.err == "" && r.status/100 == 2 }

func (d *Deliverer) post(ctx context.Context, e *Endpoint, id string, body []byte) result {
	if err := Check(ctx, e.URL, d.AllowPrivate); err != nil {
		return result{err: "refused: " + crm.ErrorMessage(err)}
	}
	ts := d.now().Unix()
	sig, err := Sign(e.Secret, id, ts, body)
	if err != nil {
		return result{err: "the endpoint's secret is damaged"}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.URL, strings.NewReader(string(body)))
	if err != nil {
		return result{err: short(err.Error())}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Payvand-Webhooks/1")
	req.Header.Set("webhook-id", id)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(ts, 10))
	req.Header.Set("webhook-signature", sig)
	c, start := d.client(), time.Now()
	resp, err := c.Do(req)
	if err != nil {
		r := result{took: time.Since(start), err: short(err.Error())}
		if ne := net.Error(nil); errors.As(err, &ne) && ne.Timeout() {
			r.err = fmt.Sprintf("timed out after %s", c.Timeout)
		}
		return r
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, excerptMax))
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	r := result{status: resp.StatusCode, took: time.Since(start), excerpt: strings.ToValidUTF8(string(b), "")}
	if resp.StatusCode/100 != 2 {
		r.err = fmt.Sprintf("answered %d", resp.StatusCode)
	}
	return r
}

// short cuts an error text to errMax bytes on a rune boundary.
func short(s string) string {
	if len(s) <= errMax {
		return s
	}
	s = s[:errMax]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + "…"
}
