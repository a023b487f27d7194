package campaign

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"payvand.dev/shared/crm"
	pmail "payvand.dev/shared/mail"
	"payvand.dev/shared/store"
)

// Mailer is what a worker sends a tenant's campaign with.
type Mailer struct {
	Mail   pmail.Sender
	Tenant string
	// Unsubscribe gives a recipient's link (RFC 8058 one-click target);
	// nil: the messages carry none.
	Unsubscribe func(base, email string) string
	Now         func() time.Time
}

func (m Mailer) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

// Run sends what is left of a queued campaign. It takes the campaign for
// a lease (a duplicate event, or a second worker, finds it taken and
// returns), records each chunk's outcome and the progress in one write,
// and hands the rest back to the queue when ctx's deadline comes near
// (a Lambda's time), so any size finishes across invocations. A worker
// lost mid-chunk leaves that chunk to be sent again after its lease:
// at least once, at most one chunk twice.
func Run(ctx context.Context, t store.Table, m Mailer, id string) error {
	c, err := claim(ctx, t, id, m.now())
	if err != nil || c == nil {
		return err
	}
	for c.next < c.chunks {
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < 20*time.Second {
			c.Status, c.runner = Queued, ""
			return ignoreConflict(save(ctx, t, c, m.now().Add(lease), queuedEvent(ctx, c)))
		}
		ds, err := readChunk(ctx, t, c.ID, c.next)
		if err != nil {
			return err
		}
		if err := m.sendChunk(ctx, t, c, ds); err != nil {
			return err
		}
		c.next++
		if c.next == c.chunks {
			at := m.now().UTC()
			c.Status, c.FinishedAt, c.runner = Completed, &at, ""
		}
		events := []store.Op{progressEvent(ctx, c)}
		b, _ := json.Marshal(ds)
		chunk := store.KeyItem(chunkKey(c.ID, c.next-1))
		chunk["deliveries"], chunk[store.TTL] = store.AV(string(b)), store.AV(c.CreatedAt.Add(retention).Unix())
		err = save(ctx, t, c, m.now().Add(lease), append(events, store.PutOp(chunk))...)
		if crm.ErrorCode(err) == crm.ECONFLICT {
			return keepCancelledChunk(ctx, t, c, chunk)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// keepCancelledChunk records a chunk sent while the campaign was being
// cancelled (its messages left; they must count). A campaign another
// worker took over is left to that worker.
func keepCancelledChunk(ctx context.Context, t store.Table, c *Campaign, chunk store.Item) error {
	cur, err := Get(ctx, t, c.ID)
	if err != nil || cur.runner != c.runner || cur.Status != Cancelled {
		return ignoreMissing(err)
	}
	cur.Sent, cur.Suppressed, cur.Failed, cur.next = c.Sent, c.Suppressed, c.Failed, c.next
	return ignoreConflict(save(ctx, t, cur, time.Now(), store.PutOp(chunk), progressEvent(ctx, cur)))
}

func ignoreConflict(err error) error {
	if crm.ErrorCode(err) == crm.ECONFLICT {
		return nil
	}
	return err
}

// claim takes a queued campaign, or one whose worker's lease ran out; nil
// when it is not to be sent now.
func claim(ctx context.Context, t store.Table, id string, now time.Time) (*Campaign, error) {
	it, err := t.Get(ctx, campaignKey(id))
	if err != nil {
		return nil, ignoreMissing(err)
	}
	c, err := fromItem(it)
	if err != nil {
		return nil, err
	}
	wake, _ := time.Parse(wakeFormat, strings.SplitN(store.Str(it, "GSI2SK"), "#", 2)[0])
	if c.Status != Queued && !(c.Status == Sending && now.After(wake)) {
		return nil, nil
	}
	if c.StartedAt == nil {
		at := now.UTC()
		c.StartedAt = &at
	}
	c.Status, c.runner = Sending, randomRunner()
	if err := save(ctx, t, c, now.Add(lease)); err != nil {
		return nil, ignoreConflict(err)
	}
	return c, nil
}

func randomRunner() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// sendChunk sends the chunk's pending recipients, skipping suppressed ones
// (the list is read per chunk, so an unsubscribe counts from the next
// chunk on), and counts the outcomes into c.
func (m Mailer) sendChunk(ctx context.Context, t store.Table, c *Campaign, ds []Delivery) error {
	var pending []string
	for _, d := range ds {
		if d.Status == Pending {
			pending = append(pending, d.Email)
		}
	}
	sup, err := suppressed(ctx, t, pending)
	if err != nil {
		return err
	}
	for i := range ds {
		d := &ds[i]
		if d.Status != Pending {
			continue
		}
		at := m.now().UTC()
		d.At = &at
		if sup[d.Email] {
			d.Status = Suppressed
			c.Suppressed++
			continue
		}
		msg, err := m.message(c, d)
		if err == nil {
			d.MessageID, err = m.send(ctx, msg)
		}
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			d.Status, d.Error = Failed, truncate(err.Error(), 200)
			c.Failed++
			continue
		}
		d.Status = Sent
		c.Sent++
	}
	return nil
}

// send sends one message, pausing and sending again while the provider
// says it is sent to too fast (SES's per-second quota: a campaign goes
// as fast as the account may, and no message fails for it).
func (m Mailer) send(ctx context.Context, msg pmail.Message) (string, error) {
	wait := 250 * time.Millisecond
	for try := 0; ; try++ {
		id, err := m.Mail.Send(ctx, msg)
		if !errors.Is(err, pmail.ErrThrottled) || try == 7 {
			return id, err
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(wait):
		}
		wait = min(2*wait, 8*time.Second)
	}
}

func (m Mailer) message(c *Campaign, d *Delivery) (pmail.Message, error) {
	vars := map[string]any{"name": d.Name, "email": d.Email}
	for k, v := range d.Variables {
		vars[k] = v
	}
	subject, text, htmlOut, err := Render(c.Content, vars)
	if err != nil {
		return pmail.Message{}, err
	}
	msg := pmail.Message{To: []string{d.Email}, Subject: subject, Tenant: m.Tenant}
	if m.Unsubscribe != nil && c.unsubscribeBase != "" {
		link := m.Unsubscribe(c.unsubscribeBase, d.Email)
		ft, fh := footer(c.Lang, link)
		if text != "" {
			text += ft
		}
		if htmlOut != "" {
			htmlOut += fh
		}
		msg.Headers = map[string]string{"List-Unsubscribe": "<" + link + ">", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
	}
	msg.Text, msg.HTML = text, Document(c.Lang, htmlOut)
	return msg, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
