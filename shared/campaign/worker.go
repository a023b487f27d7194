package campaign

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/url"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"payvand.dev/shared/auth"
	"payvand.dev/shared/awssign"
	pmail "payvand.dev/shared/mail"
	"payvand.dev/shared/outbox"
	"payvand.dev/shared/store"
)

// Timer wakes a scheduled campaign at its time: EventBridge Scheduler on
// AWS, an in-process timer locally.
type Timer interface {
	At(ctx context.Context, at time.Time, tenant, campaignID string) error
}

// Due is the scheduler's message when a campaign's time has come.
type Due struct {
	Tenant     string `json:"tenant"`
	CampaignID string `json:"campaign_id"`
}

// Worker is the campaign consumer (the same code in the email worker
// Lambda and in the local process).
type Worker struct {
	Tables func(tenant string) store.Table
	// Mail gives the tenant's sender.
	Mail func(ctx context.Context, tenant string) (pmail.Sender, error)
	// UnsubscribeKey signs the unsubscribe links; nil: none.
	UnsubscribeKey []byte
	Timer          Timer
	// Go runs a campaign in the background (locally, so the event bus is
	// not held up); nil runs it in the call (a Lambda).
	Go func(func(context.Context))
}

// Events the worker consumes from the outbox.
var Events = []string{EventQueued, EventScheduled}

// Handle takes one event. It is idempotent: a duplicate queued event finds
// the campaign taken or done; a duplicate scheduled one makes the same
// schedule.
func (w *Worker) Handle(ctx context.Context, ev outbox.Event) error {
	var d struct {
		CampaignID  string    `json:"campaign_id"`
		ScheduledAt time.Time `json:"scheduled_at"`
	}
	if err := json.Unmarshal(ev.Data, &d); err != nil || d.CampaignID == "" {
		return nil // not a campaign event; retrying will not mend it
	}
	switch ev.Type {
	case EventScheduled:
		if w.Timer == nil {
			return errors.New("campaign: no timer to schedule with")
		}
		return w.Timer.At(ctx, d.ScheduledAt, ev.Tenant, d.CampaignID)
	case EventQueued:
		run := func(ctx context.Context) error { return w.Run(ctx, ev.Tenant, d.CampaignID) }
		if w.Go != nil {
			w.Go(func(ctx context.Context) { run(ctx) })
			return nil
		}
		return run(ctx)
	}
	return nil
}

// Release is the scheduler's call at a campaign's time.
func (w *Worker) Release(ctx context.Context, d Due) error {
	return Release(principal(ctx, d.Tenant, ""), w.Tables(d.Tenant), d.CampaignID, time.Now())
}

// Run sends a tenant's queued campaign.
func (w *Worker) Run(ctx context.Context, tenant, id string) error {
	t := w.Tables(tenant)
	c, err := Get(ctx, t, id)
	if err != nil {
		return ignoreMissing(err)
	}
	sender, err := w.Mail(ctx, tenant)
	if err != nil {
		return err
	}
	if c, ok := sender.(io.Closer); ok { // an SMTP session kept for the campaign
		defer c.Close()
	}
	m := Mailer{Mail: sender, Tenant: tenant}
	if w.UnsubscribeKey != nil {
		m.Unsubscribe = func(base, email string) string { return UnsubscribeURL(base, w.UnsubscribeKey, tenant, email) }
	}
	// Progress events go to the sender's channel, as the actor's.
	return Run(principal(ctx, tenant, c.CreatedBy), t, m, id)
}

func principal(ctx context.Context, tenant, actor string) context.Context {
	return auth.WithPrincipal(ctx, &auth.Principal{Realm: auth.RealmTenant, TenantKey: tenant, Subject: actor})
}

// Sweep releases and requeues what every tenant's open campaigns need now.
func (w *Worker) Sweep(ctx context.Context, tenants []string, now time.Time) error {
	var errs error
	for _, tenant := range tenants {
		_, err := Sweep(principal(ctx, tenant, ""), w.Tables(tenant), now)
		errs = errors.Join(errs, err)
	}
	return errs
}

// LocalTimer releases campaigns from in-process timers.
type LocalTimer struct {
	Worker  *Worker
	mu      sync.Mutex
	timers  map[string]*time.Timer
	stopped bool
}

// Stop disarms every timer: they end with their process.
func (l *LocalTimer) Stop() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.stopped = true
	for _, t := range l.timers {
		t.Stop()
	}
}

// At arms (or re-arms) the campaign's timer.
func (l *LocalTimer) At(_ context.Context, at time.Time, tenant, id string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.stopped {
		return nil
	}
	if l.timers == nil {
		l.timers = map[string]*time.Timer{}
	}
	if old := l.timers[tenant+"/"+id]; old != nil {
		old.Stop()
	}
	l.timers[tenant+"/"+id] = time.AfterFunc(time.Until(at), func() {
		l.mu.Lock()
		delete(l.timers, tenant+"/"+id)
		l.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		l.Worker.Release(ctx, Due{Tenant: tenant, CampaignID: id})
	})
	return nil
}

// SchedulerTimer makes one EventBridge Scheduler schedule per campaign
// that puts an email.campaign_due event on the bus at its time and then
// deletes itself. One signed request: the SDK client would weigh on the
// worker's cold start for one call.
type SchedulerTimer struct {
	AWS     aws.Config
	BusARN  string // the target event bus
	RoleARN string // the role the scheduler puts the event as
	Group   string // the schedule group ("" = default)
}

// At makes the schedule; a second call for the campaign finds it made.
func (s *SchedulerTimer) At(ctx context.Context, at time.Time, tenant, id string) error {
	if s.BusARN == "" || s.RoleARN == "" {
		return errors.New("campaign: PAYVAND_EVENT_BUS_ARN and PAYVAND_SCHEDULER_ROLE_ARN are needed to schedule")
	}
	// The scheduler's at() counts in whole seconds; never fire early.
	at = at.UTC().Truncate(time.Second)
	if at.Before(time.Now()) {
		at = time.Now().UTC().Add(time.Minute).Truncate(time.Second)
	}
	input, _ := json.Marshal(Due{Tenant: tenant, CampaignID: id})
	name := "campaign-" + id
	body := map[string]any{
		"ScheduleExpression":         "at(" + at.Add(time.Second).Format("2006-01-02T15:04:05") + ")",
		"ScheduleExpressionTimezone": "UTC",
		"FlexibleTimeWindow":         map[string]string{"Mode": "OFF"},
		"ActionAfterCompletion":      "DELETE",
		"ClientToken":                name,
		"Target": map[string]any{
			"Arn": s.BusARN, "RoleArn": s.RoleARN, "Input": string(input),
			"EventBridgeParameters": map[string]string{"DetailType": EventDue, "Source": "payvand"},
			"RetryPolicy":           map[string]int{"MaximumRetryAttempts": 10, "MaximumEventAgeInSeconds": 86400},
		},
	}
	if s.Group != "" {
		body["GroupName"] = s.Group
	}
	err := awssign.Do(ctx, s.AWS, awssign.Request{Service: "scheduler", Host: "scheduler", Path: "/schedules/" + url.PathEscape(name), Body: body})
	var ae *awssign.Error
	if errors.As(err, &ae) && (ae.Status == 409 || ae.Code == "ConflictException") {
		return nil
	}
	return err
}
