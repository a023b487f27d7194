package notify

import (
	"context"
	"errors"
	"fmt"
	"html"
	"strings"
	"time"

	"payvand.dev/shared/crm"
	"payvand.dev/shared/ids"
	"payvand.dev/shared/jalali"
	"payvand.dev/shared/mail"
	"payvand.dev/shared/store"
	"payvand.dev/shared/users"
)

// The daily digest: one message a day to each user who asked for it
// (notifications.email.daily_digest), listing their unread notifications
// of the last day.
const (
	DigestPreference = "daily_digest"
	// DigestHour is the hour of the user's day from which it goes out.
	DigestHour = 8
	// digestTimezone is the day's zone for users who set none.
	digestTimezone = "Asia/Tehran"
	digestMax      = 50
)

func digestKey(user, day string) store.Key { return store.Key{PK: "DIGEST#" + user, SK: day} }

// Digest sends the due digests of a tenant's users: run hourly, each user
// gets one per local day, from DigestHour in their time zone, when they
// have unread notifications of the last 24 hours. A user's day is claimed
// before the mail goes and released if it fails (at most one a day).
func Digest(ctx context.Context, t store.Table, sender mail.Sender, tenant string, now time.Time) (int, error) {
	list, _, _, err := users.Repo{}.List(ctx, t, users.Filter{Status: users.StatusActive, Limit: 1000})
	if err != nil {
		return 0, err
	}
	sent := 0
	var errs error
	for _, u := range list {
		if u.Email == "" || !Wants(u, "email", DigestPreference) {
			continue
		}
		loc, err := time.LoadLocation(u.Timezone)
		if err != nil || u.Timezone == "" {
			loc, _ = time.LoadLocation(digestTimezone)
		}
		local := now.In(loc)
		if local.Hour() < DigestHour {
			continue
		}
		ok, err := digestOne(ctx, t, sender, tenant, u, local)
		if ok {
			sent++
		}
		errs = errors.Join(errs, err)
	}
	return sent, errs
}

func digestOne(ctx context.Context, t store.Table, sender mail.Sender, tenant string, u *users.User, local time.Time) (bool, error) {
	day := local.Format(time.DateOnly)
	if _, err := t.Get(ctx, digestKey(u.ID, day)); err == nil {
		return false, nil
	} else if crm.ErrorCode(err) != crm.ENOTFOUND {
		return false, err
	}
	p, err := t.Query(ctx, store.Query{Index: "GSI1", PK: unreadIndex(u.ID), SK: store.SKGreaterEq(ids.Floor(local.Add(-24 * time.Hour))), Reverse: true, Limit: digestMax})
	if err != nil || len(p.Items) == 0 {
		return false, err
	}
	// Claim the day; a second runner finds it claimed.
	claim := store.KeyItem(digestKey(u.ID, day))
	claim[store.TTL] = store.AV(local.Add(72 * time.Hour).Unix())
	if err := t.Put(ctx, claim, store.NotExists()); err != nil {
		if crm.ErrorCode(err) == crm.ECONFLICT {
			return false, nil
		}
		return false, err
	}
	ns := make([]Notification, 0, len(p.Items))
	for _, it := range p.Items { // the index projects whole items
		ns = append(ns, fromItem(it))
	}
	subject, text, body := digestMessage(u, ns, local)
	if _, err := sender.Send(ctx, mail.Message{To: []string{u.Email}, Subject: subject, Text: text, HTML: body, Template: "daily-digest", Tenant: tenant}); err != nil {
		t.Delete(ctx, digestKey(u.ID, day))
		return false, err
	}
	return true, nil
}

func digestMessage(u *users.User, ns []Notification, local time.Time) (subject, text, body string) {
	fa := u.Locale != "en"
	var lines, items []string
	for _, n := range ns {
		lines = append(lines, "- "+n.Title+": "+n.Message)
		items = append(items, "<li><strong>"+html.EscapeString(n.Title)+"</strong> — "+html.EscapeString(n.Message)+"</li>")
	}
	if fa {
		subject = fmt.Sprintf("خلاصهٔ روزانه: %d اعلان خوانده‌نشده", len(ns))
		intro := fmt.Sprintf("%s عزیز، اعلان‌های خوانده‌نشدهٔ شما تا %s:", u.Name, jalali.Format(local, local.Location()))
		text = intro + "\n\n" + strings.Join(lines, "\n") + "\n"
		body = `<!DOCTYPE html><html lang="fa" dir="rtl"><head><meta charset="utf-8"></head><body dir="rtl" style="direction:rtl;text-align:right;font-family:Tahoma,Arial,sans-serif"><p>` +
			html.EscapeString(intro) + "</p><ul>" + strings.Join(items, "") + "</ul></body></html>"
		return subject, text, body
	}
	subject = fmt.Sprintf("Daily digest: %d unread notifications", len(ns))
	intro := fmt.Sprintf("Hello %s, your unread notifications as of %s:", u.Name, local.Format("2 Jan 2006"))
	text = intro + "\n\n" + strings.Join(lines, "\n") + "\n"
	body = `<!DOCTYPE html><html lang="en" dir="ltr"><head><meta charset="utf-8"></head><body style="font-family:Arial,sans-serif"><p>` +
		html.EscapeString(intro) + "</p><ul>" + strings.Join(items, "") + "</ul></body></html>"
	return subject, text, body
}
