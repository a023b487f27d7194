package campaign_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"payvand.dev/shared/auth"
	"payvand.dev/shared/campaign"
	pmail "payvand.dev/shared/mail"
	"payvand.dev/shared/outbox"
	"payvand.dev/shared/store"
	"payvand.dev/shared/testkit"
)

func table(t *testing.T) store.Table { return testkit.EmbeddedTable(t, "tenant") }

// counting records every message and can stall or fail.
type counting struct {
	mu   sync.Mutex
	sent map[string]int
	n    atomic.Int64
}

func (c *counting) Send(_ context.Context, m pmail.Message) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sent == nil {
		c.sent = map[string]int{}
	}
	c.sent[m.To[0]]++
	return fmt.Sprint(c.n.Add(1)), nil
}

func ctxOf() context.Context {
	return auth.WithPrincipal(context.Background(), &auth.Principal{Realm: auth.RealmTenant, TenantKey: "alpha", Subject: "u1"})
}

func recipients(n int) []campaign.Recipient {
	rs := make([]campaign.Recipient, n)
	for i := range rs {
		rs[i] = campaign.Recipient{Email: fmt.Sprintf("r%04d@example.com", i)}
	}
	return rs
}

func outboxTypes(t *testing.T, tb store.Table) map[string]int {
	p, err := tb.Query(context.Background(), store.Query{PK: outbox.Partition})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, it := range p.Items {
		out[store.Str(it, "detail_type")]++
	}
	return out
}

// On a Lambda, a worker near its deadline hands the rest back to the queue
// (a new email.campaign_queued event) instead of being killed mid-chunk;
// the next worker goes on where it stopped and nobody gets two messages.
func TestRunHandsBackNearItsDeadlineAndResumes(t *testing.T) {
	tb, ctx := table(t), ctxOf()
	c, err := campaign.Create(ctx, tb, campaign.Draft{By: "u1", Content: campaign.Content{Subject: "s", Text: "t"}, Recipients: recipients(250)}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	mail := &counting{}
	short, cancel := context.WithDeadline(ctx, time.Now().Add(19*time.Second))
	defer cancel()
	if err := campaign.Run(short, tb, campaign.Mailer{Mail: mail}, c.ID); err != nil {
		t.Fatal(err)
	}
	got, _ := campaign.Get(ctx, tb, c.ID)
	if got.Status != campaign.Queued || mail.n.Load() != 0 || outboxTypes(t, tb)[campaign.EventQueued] != 2 {
		t.Fatalf("after a short run: %s, %d sent, events %v", got.Status, mail.n.Load(), outboxTypes(t, tb))
	}
	if err := campaign.Run(ctx, tb, campaign.Mailer{Mail: mail}, c.ID); err != nil {
		t.Fatal(err)
	}
	got, _ = campaign.Get(ctx, tb, c.ID)
	if got.Status != campaign.Completed || got.Sent != 250 || len(mail.sent) != 250 {
		t.Fatalf("%s: %d sent to %d addresses", got.Status, got.Sent, len(mail.sent))
	}
	for a, n := range mail.sent {
		if n != 1 {
			t.Fatalf("%s got %d", a, n)
		}
	}
	// A duplicate event finds it done.
	if err := campaign.Run(ctx, tb, campaign.Mailer{Mail: mail}, c.ID); err != nil || mail.n.Load() != 250 {
		t.Fatalf("a duplicate run sent again: %d %v", mail.n.Load(), err)
	}
}

// Eight workers given the same event at once (a redelivery, a sweep):
// one takes the campaign, and each address gets one message.
func TestConcurrentWorkersSendEachMessageOnce(t *testing.T) {
	tb, ctx := table(t), ctxOf()
	c, err := campaign.Create(ctx, tb, campaign.Draft{By: "u1", Content: campaign.Content{Subject: "s", Text: "t"}, Recipients: recipients(300)}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	mail := &counting{}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := campaign.Run(ctx, tb, campaign.Mailer{Mail: mail}, c.ID); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	got, _ := campaign.Get(ctx, tb, c.ID)
	if got.Status != campaign.Completed || got.Sent != 300 || mail.n.Load() != 300 {
		t.Fatalf("%s: %d recorded, %d messages", got.Status, got.Sent, mail.n.Load())
	}
}

// A worker that died holding a campaign (its lease ran out) is replaced
// by the sweep, which queues the campaign again; a scheduled one is
// released only once its time has come.
func TestSweepReleasesDueAndRequeuesLostCampaigns(t *testing.T) {
	tb, ctx := table(t), ctxOf()
	now := time.Now()
	at := now.Add(time.Hour)
	s, err := campaign.Create(ctx, tb, campaign.Draft{By: "u1", Content: campaign.Content{Subject: "s", Text: "t"}, Recipients: recipients(3), ScheduleAt: &at}, now)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := campaign.Sweep(ctx, tb, now.Add(59*time.Minute)); n != 0 {
		t.Fatalf("released %d before its time", n)
	}
	if err := campaign.Release(ctx, tb, s.ID, now.Add(59*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got, _ := campaign.Get(ctx, tb, s.ID); got.Status != campaign.Scheduled {
		t.Fatalf("released early: %s", got.Status)
	}
	if n, err := campaign.Sweep(ctx, tb, at); n != 1 || err != nil {
		t.Fatalf("sweep at its time: %d %v", n, err)
	}
	if got, _ := campaign.Get(ctx, tb, s.ID); got.Status != campaign.Queued {
		t.Fatalf("not released: %s", got.Status)
	}
	if next, _ := campaign.NextWake(ctx, tb); !next.After(at) {
		t.Fatalf("next wake %s", next)
	}
	// Nobody took the queued event: after the lease the sweep queues it
	// again with a new event.
	before := outboxTypes(t, tb)[campaign.EventQueued]
	if n, _ := campaign.Sweep(ctx, tb, at.Add(6*time.Minute)); n != 1 || outboxTypes(t, tb)[campaign.EventQueued] != before+1 {
		t.Fatalf("a lost campaign was not queued again: %d", n)
	}
	mail := &counting{}
	campaign.Run(ctx, tb, campaign.Mailer{Mail: mail}, s.ID)
	if n, _ := campaign.Sweep(ctx, tb, at.Add(time.Hour)); n != 0 || mail.n.Load() != 3 {
		t.Fatalf("a finished campaign was swept (%d), %d sent", n, mail.n.Load())
	}
}

func TestUnsubscribeTokens(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	tok := campaign.UnsubscribeToken(key, "alpha", "sara@example.com")
	if tenant, email, ok := campaign.ParseUnsubscribeToken(key, tok); !ok || tenant != "alpha" || email != "sara@example.com" {
		t.Fatalf("%q %q %v", tenant, email, ok)
	}
	other := campaign.UnsubscribeToken(key, "beta", "sara@example.com")
	payload, _, _ := strings.Cut(other, ".")
	_, sig, _ := strings.Cut(tok, ".")
	for _, bad := range []string{payload + "." + sig, tok + "x", "", ".", tok[:len(tok)-2]} {
		if _, _, ok := campaign.ParseUnsubscribeToken(key, bad); ok {
			t.Fatalf("accepted %q", bad)
		}
	}
	if _, _, ok := campaign.ParseUnsubscribeToken([]byte("another key of 32 bytes........."), tok); ok {
		t.Fatal("accepted under another key")
	}
}

func TestLanguageAndDirection(t *testing.T) {
	for _, c := range []struct {
		lang, sample, want string
	}{{"", "سلام Sara، خوش آمدید", "fa"}, {"", "Hello سارا, welcome", "en"}, {"fa", "Hello", "fa"}, {"", "123", "en"}} {
		if got := campaign.Language(campaign.Content{Lang: c.lang}, c.sample); got != c.want {
			t.Errorf("%q: %s, want %s", c.sample, got, c.want)
		}
	}
	if d := campaign.Document("fa", "<p>سلام</p>"); !strings.Contains(d, `<html lang="fa" dir="rtl">`) || !strings.Contains(d, "direction:rtl") {
		t.Fatal(d)
	}
	if d := campaign.Document("fa", "<!DOCTYPE html><html><body>x</body></html>"); d != "<!DOCTYPE html><html><body>x</body></html>" {
		t.Fatal("a whole document was wrapped again")
	}
}

// BenchmarkCampaign1000 sends a 1,000-recipient campaign on the embedded
// store with a sender that costs nothing: the campaign machinery's own
// cost (chunks, suppression reads, progress writes) per campaign.
func BenchmarkCampaign1000(b *testing.B) {
	tb, ctx := testkit.EmbeddedTable(b, "tenant"), ctxOf()
	mail := &counting{}
	for b.Loop() {
		c, err := campaign.Create(ctx, tb, campaign.Draft{By: "u1", Content: campaign.Content{Subject: "Hi {{.name}}", Text: "Dear {{.name}}"}, Recipients: recipients(1000)}, time.Now())
		if err != nil {
			b.Fatal(err)
		}
		if err := campaign.Run(ctx, tb, campaign.Mailer{Mail: mail}, c.ID); err != nil {
			b.Fatal(err)
		}
	}
}

// throttling refuses every third message for sending too fast.
type throttling struct {
	counting
	calls atomic.Int64
}

func (t *throttling) Send(ctx context.Context, m pmail.Message) (string, error) {
	if t.calls.Add(1)%3 == 0 {
		return "", fmt.Errorf("%w: 429 TooManyRequestsException", pmail.ErrThrottled)
	}
	return t.counting.Send(ctx, m)
}

// A provider that says "too fast" slows the campaign down; no message
// fails for it and none is sent twice.
func TestThrottledMessagesAreSentAfterAPause(t *testing.T) {
	tb, ctx := table(t), ctxOf()
	c, err := campaign.Create(ctx, tb, campaign.Draft{By: "u1", Content: campaign.Content{Subject: "s", Text: "t"}, Recipients: recipients(12)}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	mail := &throttling{}
	if err := campaign.Run(ctx, tb, campaign.Mailer{Mail: mail}, c.ID); err != nil {
		t.Fatal(err)
	}
	got, _ := campaign.Get(ctx, tb, c.ID)
	if got.Sent != 12 || got.Failed != 0 || len(mail.sent) != 12 || mail.calls.Load() <= 12 {
		t.Fatalf("%d sent, %d failed, %d addresses, %d calls", got.Sent, got.Failed, len(mail.sent), mail.calls.Load())
	}
}

// The wake index orders times as times, also within one second (RFC
// 3339 with trimmed fractions would not: "01.5Z" sorts before "01Z").
func TestWakeIndexOrdersWithinASecond(t *testing.T) {
	tb, ctx := table(t), ctxOf()
	base := time.Now().Add(time.Hour).Truncate(time.Second)
	for _, at := range []time.Time{base.Add(500 * time.Millisecond), base} {
		if _, err := campaign.Create(ctx, tb, campaign.Draft{By: "u1", Content: campaign.Content{Subject: "s", Text: "t"}, Recipients: recipients(1), ScheduleAt: &at}, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	if next, _ := campaign.NextWake(ctx, tb); !next.Equal(base) {
		t.Fatalf("next wake %s, want %s", next, base)
	}
	if due, _ := campaign.Wake(ctx, tb, base); len(due) != 1 {
		t.Fatalf("%d due at %s", len(due), base)
	}
}
