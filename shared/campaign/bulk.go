package campaign

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"payvand.dev/shared/crm"
	"payvand.dev/shared/ids"
	"payvand.dev/shared/outbox"
	"payvand.dev/shared/store"
)

// Campaign statuses.
const (
	Scheduled = "scheduled" // waits for its time
	Queued    = "queued"    // a worker will take it
	Sending   = "sending"   // a worker holds it (until its lease ends)
	Completed = "completed"
	Cancelled = "cancelled"
)

// Events of a campaign's life (the worker consumes the first three).
const (
	EventQueued    = "email.campaign_queued"
	EventScheduled = "email.campaign_scheduled"
	EventDue       = "email.campaign_due" // from the scheduler, not the outbox
	EventProgress  = "email.campaign_progress"
)

// Recipient statuses.
const (
	Pending      = "pending"
	Sent         = "sent"
	Suppressed   = "suppressed"
	Invalid      = "invalid"
	Duplicate    = "duplicate"
	Failed       = "failed"
	chunkSize    = 100
	lease        = 5 * time.Minute // a silent worker's hold ends after this
	MaxRecipient = 2048            // bytes of one recipient's JSON
)

// MaxRecipients bounds one campaign.
const MaxRecipients = 5000

// Recipient of a bulk message, with its own variables.
type Recipient struct {
	Email     string         `json:"email"`
	Name      string         `json:"name,omitempty"`
	Variables map[string]any `json:"variables,omitempty"`
}

// Delivery is one recipient's outcome.
type Delivery struct {
	Recipient
	Status    string     `json:"status" enum:"pending,sent,suppressed,invalid,duplicate,failed"`
	MessageID string     `json:"message_id,omitempty"`
	Error     string     `json:"error,omitempty"`
	At        *time.Time `json:"at,omitempty"`
	AtJalali  *string    `json:"at_jalali,omitempty"`
}

// Campaign is a bulk send and its progress.
type Campaign struct {
	ID          string     `json:"id"`
	CampaignID  string     `json:"campaign_id" doc:"the same as id (Rabin's name)"`
	Status      string     `json:"status" enum:"scheduled,queued,sending,completed,cancelled"`
	Subject     string     `json:"subject"`
	Template    string     `json:"template,omitempty"`
	Lang        string     `json:"lang"`
	Total       int        `json:"total"`
	Sent        int        `json:"sent"`
	Suppressed  int        `json:"suppressed" doc:"unsubscribed, bounced or complained addresses, skipped"`
	Invalid     int        `json:"invalid"`
	Duplicate   int        `json:"duplicate"`
	Failed      int        `json:"failed"`
	Progress    int        `json:"progress" doc:"percent of recipients processed"`
	ScheduledAt *time.Time `json:"scheduled_at"`
	CreatedBy   string     `json:"created_by"`
	CreatedAt   time.Time  `json:"created_at"`
	StartedAt   *time.Time `json:"started_at"`
	FinishedAt  *time.Time `json:"finished_at"`

	CreatedAtJalali   string  `json:"created_at_jalali"`
	ScheduledAtJalali *string `json:"scheduled_at_jalali"`
	StartedAtJalali   *string `json:"started_at_jalali"`
	FinishedAtJalali  *string `json:"finished_at_jalali"`

	Content         Content `json:"-"`
	chunks, next    int     // recipient chunks, and the first not yet sent
	unsubscribeBase string
	version         int64
	runner          string // the worker holding it
}

func campaignKey(id string) store.Key { return store.Key{PK: "CAMPAIGN#" + id, SK: "#CAMPAIGN"} }
func chunkKey(id string, n int) store.Key {
	return store.Key{PK: "CAMPAIGN#" + id, SK: fmt.Sprintf("R#%04d", n)}
}

// Index partitions: every campaign, and the open ones by the time a
// sweep should look at them again (a scheduled one's time; a queued or
// sending one's deadline, after which its worker is presumed lost).
const (
	allIndex = "CAMPAIGNS"
	// wakeFormat is fixed-width, so the index sorts wake times as times
	// (RFC 3339 with trimmed fractions would put 01.5Z before 01Z).
	wakeFormat = "2006-01-02T15:04:05.000000000Z"
	wakeIndex  = "CAMPAIGNS_WAKE"
	retention  = 90 * 24 * time.Hour
)

func (c *Campaign) done() bool { return c.Status == Completed || c.Status == Cancelled }

func (c *Campaign) item(wake time.Time) store.Item {
	meta, _ := json.Marshal(c)
	content, _ := json.Marshal(c.Content)
	it := store.KeyItem(campaignKey(c.ID))
	it["campaign"], it["content"], it["status"] = store.AV(string(meta)), store.AV(string(content)), store.AV(c.Status)
	it["chunks"], it["next"], it["version"], it["runner"] = store.AV(c.chunks), store.AV(c.next), store.AV(c.version), store.AV(c.runner)
	it["unsubscribe_base"] = store.AV(c.unsubscribeBase)
	it[store.TTL] = store.AV(c.CreatedAt.Add(retention).Unix())
	it["GSI1PK"], it["GSI1SK"] = store.AV(allIndex), store.AV(c.ID)
	if !c.done() {
		it["GSI2PK"], it["GSI2SK"] = store.AV(wakeIndex), store.AV(wake.UTC().Format(wakeFormat)+"#"+c.ID)
	}
	return it
}

func fromItem(it store.Item) (*Campaign, error) {
	var c Campaign
	if err := json.Unmarshal([]byte(store.Str(it, "campaign")), &c); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(store.Str(it, "content")), &c.Content); err != nil {
		return nil, err
	}
	c.chunks, c.next, c.version = int(store.Int(it, "chunks")), int(store.Int(it, "next")), store.Int(it, "version")
	c.runner, c.unsubscribeBase, c.Status = store.Str(it, "runner"), store.Str(it, "unsubscribe_base"), store.Str(it, "status")
	c.CampaignID = c.ID
	return &c, nil
}

// Get reads a campaign; ENOTFOUND.
func Get(ctx context.Context, t store.Table, id string) (*Campaign, error) {
	if !ids.Valid(id) {
		return nil, crm.Errorf(crm.ENOTFOUND, "campaign not found")
	}
	it, err := store.GetOr(ctx, t, campaignKey(id), func() error { return crm.Errorf(crm.ENOTFOUND, "campaign not found") })
	if err != nil {
		return nil, err
	}
	return fromItem(it)
}

// save writes the campaign if nobody changed it since it was read, with
// the given events.
func save(ctx context.Context, t store.Table, c *Campaign, wake time.Time, events ...store.Op) error {
	cond := store.VersionIs(c.version)
	if c.version == 0 {
		cond = store.NotExists()
	}
	c.version++
	c.measure()
	err := t.TransactWrite(ctx, append([]store.Op{store.PutOp(c.item(wake), cond)}, events...)...)
	if err != nil {
		c.version--
	}
	return err
}

func (c *Campaign) measure() {
	c.Progress = 100
	if c.Total > 0 {
		c.Progress = (c.Sent + c.Suppressed + c.Invalid + c.Duplicate + c.Failed) * 100 / c.Total
	}
}

func progressEvent(ctx context.Context, c *Campaign) store.Op {
	c.measure()
	return outbox.Op(ctx, EventProgress, map[string]any{"campaign_id": c.ID, "status": c.Status, "total": c.Total, "sent": c.Sent,
		"suppressed": c.Suppressed, "invalid": c.Invalid, "duplicate": c.Duplicate, "failed": c.Failed, "progress": c.Progress})
}

func queuedEvent(ctx context.Context, c *Campaign) store.Op {
	return outbox.Op(ctx, EventQueued, map[string]any{"campaign_id": c.ID, "total": c.Total})
}

// Draft is a bulk send asked for.
type Draft struct {
	By         string
	Content    Content
	Recipients []Recipient
	// ScheduleAt, when in the future, holds the campaign until then.
	ScheduleAt *time.Time
	// UnsubscribeBase is the API's public URL, for the links.
	UnsubscribeBase string
}

// Create validates a bulk send and records it with its recipients:
// queued (a worker takes it at once) or scheduled.
func Create(ctx context.Context, t store.Table, d Draft, now time.Time) (*Campaign, error) {
	if len(d.Recipients) == 0 || len(d.Recipients) > MaxRecipients {
		return nil, invalid("recipients", fmt.Sprintf("give 1 to %d recipients", MaxRecipients))
	}
	for i, r := range d.Recipients {
		if b, _ := json.Marshal(r); len(b) > MaxRecipient {
			return nil, invalid(fmt.Sprintf("recipients[%d]", i), fmt.Sprintf("at most %d bytes per recipient", MaxRecipient))
		}
	}
	content, err := Resolve(ctx, t, d.Content)
	if err != nil {
		return nil, err
	}
	subject, text, htmlOut, err := Render(content, nil)
	if err != nil {
		return nil, err
	}
	if d.ScheduleAt != nil && d.ScheduleAt.After(now.Add(366*24*time.Hour)) {
		return nil, invalid("schedule_at", "at most a year ahead")
	}
	c := &Campaign{ID: ids.New(), Status: Queued, Subject: subject, Template: d.Content.Template, Total: len(d.Recipients),
		CreatedBy: d.By, CreatedAt: now.UTC(), Content: content, unsubscribeBase: d.UnsubscribeBase}
	c.CampaignID = c.ID
	c.Lang = Language(content, subject+text+htmlOut)
	wake, event := now.Add(lease), queuedEvent(ctx, c)
	if d.ScheduleAt != nil && d.ScheduleAt.After(now) {
		at := d.ScheduleAt.UTC()
		c.Status, c.ScheduledAt, wake = Scheduled, &at, at
		event = outbox.Op(ctx, EventScheduled, map[string]any{"campaign_id": c.ID, "scheduled_at": at, "total": c.Total})
	}
	// Invalid and repeated addresses are settled now; the rest wait.
	seen := map[string]bool{}
	deliveries := make([]Delivery, len(d.Recipients))
	for i, r := range d.Recipients {
		deliveries[i] = Delivery{Recipient: r, Status: Pending}
		e, ok := Address(r.Email)
		switch {
		case !ok:
			deliveries[i].Status = Invalid
			c.Invalid++
		case seen[e]:
			deliveries[i].Status = Duplicate
			c.Duplicate++
		default:
			seen[e] = true
			deliveries[i].Email = e
		}
	}
	// The chunks first: nobody reads them before the campaign exists, and
	// a failure between leaves only items that expire.
	for n := 0; n*chunkSize < len(deliveries); n++ {
		if err := putChunk(ctx, t, c, n, deliveries[n*chunkSize:min((n+1)*chunkSize, len(deliveries))]); err != nil {
			return nil, err
		}
		c.chunks++
	}
	if err := save(ctx, t, c, wake, event); err != nil {
		return nil, err
	}
	return c, nil
}

func putChunk(ctx context.Context, t store.Table, c *Campaign, n int, ds []Delivery) error {
	b, _ := json.Marshal(ds)
	it := store.KeyItem(chunkKey(c.ID, n))
	it["deliveries"], it[store.TTL] = store.AV(string(b)), store.AV(c.CreatedAt.Add(retention).Unix())
	return t.Put(ctx, it)
}

func readChunk(ctx context.Context, t store.Table, id string, n int) ([]Delivery, error) {
	it, err := t.Get(ctx, chunkKey(id, n))
	if err != nil {
		return nil, err
	}
	var ds []Delivery
	return ds, json.Unmarshal([]byte(store.Str(it, "deliveries")), &ds)
}

func ignoreMissing(err error) error {
	if crm.ErrorCode(err) == crm.ENOTFOUND {
		return nil
	}
	return err
}

// Cancel stops a campaign that has not finished: a scheduled one never
// sends, a running one stops once the chunk of up to 100 messages in flight is sent (and counted).
func Cancel(ctx context.Context, t store.Table, id string, now time.Time) (*Campaign, error) {
	for range 5 {
		c, err := Get(ctx, t, id)
		if err != nil {
			return nil, err
		}
		if c.done() {
			return nil, crm.Errorf(crm.ECONFLICT, "the campaign is already %s", c.Status)
		}
		at := now.UTC()
		c.Status, c.FinishedAt = Cancelled, &at
		err = save(ctx, t, c, now, progressEvent(ctx, c))
		if crm.ErrorCode(err) != crm.ECONFLICT {
			return c, err
		}
	}
	return nil, crm.Errorf(crm.ECONFLICT, "the campaign is changing; try again")
}

// Deliveries lists a campaign's recipients from row offset, at most limit,
// those of one status when status is set; next is the offset to go on
// from (-1 at the end).
func Deliveries(ctx context.Context, t store.Table, c *Campaign, status string, offset, limit int) (out []Delivery, next int, err error) {
	out = []Delivery{}
	for n := offset / chunkSize; n < c.chunks; n++ {
		ds, err := readChunk(ctx, t, c.ID, n)
		if err != nil {
			return nil, 0, err
		}
		for i := max(offset-n*chunkSize, 0); i < len(ds); i++ {
			if status != "" && ds[i].Status != status {
				continue
			}
			if len(out) == limit {
				return out, n*chunkSize + i, nil
			}
			out = append(out, ds[i])
		}
	}
	return out, -1, nil
}

// Count is how many recipients have a status ("" = all).
func (c *Campaign) Count(status string) int {
	switch status {
	case "":
		return c.Total
	case Sent:
		return c.Sent
	case Suppressed:
		return c.Suppressed
	case Invalid:
		return c.Invalid
	case Duplicate:
		return c.Duplicate
	case Failed:
		return c.Failed
	case Pending:
		return c.Total - c.Sent - c.Suppressed - c.Invalid - c.Duplicate - c.Failed
	}
	return 0
}

// List pages the tenant's campaigns, newest first: from a store cursor, or
// from an offset (page numbers).
func List(ctx context.Context, t store.Table, cursor string, offset, limit int) ([]*Campaign, int, string, error) {
	q := store.Query{Index: "GSI1", PK: allIndex, Reverse: true, Limit: limit, Cursor: cursor, Offset: offset}
	return store.List(ctx, t, q, fromItem)
}
