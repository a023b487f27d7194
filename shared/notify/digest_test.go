package notify_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"payvand.dev/shared/mail"
	"payvand.dev/shared/notify"
	"payvand.dev/shared/store"
	"payvand.dev/shared/users"
)

type inbox struct {
	mu  sync.Mutex
	got []mail.Message
}

func (b *inbox) Send(_ context.Context, m mail.Message) (string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.got = append(b.got, m)
	return "m", nil
}

func (b *inbox) to(addr string) []mail.Message {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []mail.Message
	for _, m := range b.got {
		if m.To[0] == addr {
			out = append(out, m)
		}
	}
	return out
}

func notifyUser(t *testing.T, tb store.Table, u, title string) {
	if err := tb.TransactWrite(context.Background(), notify.PutOp(notify.New(u, notify.TaskAssigned, title, "“"+title+"” is yours", nil))); err != nil {
		t.Fatal(err)
	}
}

// The digest goes once a day from 08:00 in each user's own time zone
// (Tehran, UTC+3:30 with no daylight saving since 2022; New York, UTC−5
// in November), in their language, only to users who asked for it, and
// only with the unread notifications of the last day.
func TestDailyDigestPerUserDayAndZone(t *testing.T) {
	tb, sara := setup(t)
	ctx := context.Background()
	want := map[string]any{"notifications": map[string]any{"email": map[string]any{"daily_digest": true}}}
	sara.Timezone, sara.Preferences = "Asia/Tehran", want
	if err := (users.Repo{}).Save(ctx, tb, sara, sara.Email); err != nil {
		t.Fatal(err)
	}
	nick := &users.User{Name: "Nick", Email: "nick@acme.test", Role: "employee", PasswordHash: "x", Locale: "en", Timezone: "America/New_York", Preferences: want}
	off := &users.User{Name: "Off", Email: "off@acme.test", Role: "employee", PasswordHash: "x"}
	for _, u := range []*users.User{nick, off} {
		if err := (users.Repo{}).Create(ctx, tb, u, 0); err != nil {
			t.Fatal(err)
		}
	}
	for _, u := range []*users.User{sara, nick, off} {
		notifyUser(t, tb, u.ID, "Call Acme")
		notifyUser(t, tb, u.ID, "Send <quote>")
	}
	read := notify.New(sara.ID, notify.TaskAssigned, "Already read", "x", nil)
	tb.TransactWrite(ctx, notify.PutOp(read))
	if _, err := notify.SetRead(ctx, tb, sara.ID, read.ID, true); err != nil {
		t.Fatal(err)
	}
	day := time.Now().UTC()
	at := func(h, m int) time.Time { return time.Date(day.Year(), day.Month(), day.Day(), h, m, 0, 0, time.UTC) }
	box := &inbox{}
	run := func(now time.Time) int {
		n, err := notify.Digest(ctx, tb, box, "acme", now)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	// 04:29 UTC is 07:59 in Tehran: not Sara yet; but 23:29 of the day
	// before in New York, whose digest Nick has not had.
	if n := run(at(4, 29)); n != 1 || len(box.to("sara@acme.test")) != 0 || len(box.to("nick@acme.test")) != 1 {
		t.Fatalf("%d digests before 08:00 in Tehran: %v", n, box.got)
	}
	// 04:30 UTC is 08:00 in Tehran; New York's day is still the one Nick
	// had his digest of.
	if n := run(at(4, 30)); n != 1 || len(box.to("sara@acme.test")) != 1 {
		t.Fatalf("%d digests at 08:00 Tehran: %v", n, box.got)
	}
	m := box.to("sara@acme.test")[0]
	if !strings.Contains(m.Subject, "2 اعلان") || !strings.Contains(m.HTML, `dir="rtl"`) || !strings.Contains(m.HTML, "Send &lt;quote&gt;") || strings.Contains(m.Text, "Already read") {
		t.Fatalf("Sara's digest: %q\n%s", m.Subject, m.Text)
	}
	// Hourly runs the same day send nothing again.
	if n := run(at(5, 30)); n != 0 {
		t.Fatalf("a second digest the same day: %d", n)
	}
	// 12:59 UTC is 07:59 in New York; 13:00 is 08:00 of Nick's new day.
	if n := run(at(12, 59)); n != 0 {
		t.Fatalf("%d digests before 08:00 in New York", n)
	}
	if n := run(at(13, 0)); n != 1 || len(box.to("nick@acme.test")) != 2 || !strings.HasPrefix(box.to("nick@acme.test")[1].Subject, "Daily digest: 2") {
		t.Fatalf("Nick's digest: %d %v", n, box.to("nick@acme.test"))
	}
	if len(box.to("off@acme.test")) != 0 {
		t.Fatal("a user who did not ask got a digest")
	}
	// Two days on, nothing unread is from the last day: no digest.
	if n := run(at(4, 30).Add(48 * time.Hour)); n != 0 {
		t.Fatalf("%d digests of old notifications", n)
	}
}
