package campaign

import (
	"time"

	"payvand.dev/shared/jalali"
)

// Every date a user sees has its Jalali twin (DESIGN §5), in the caller's
// time zone; these fill them in for an answer.

func twin(t *time.Time, loc *time.Location) *string {
	if t == nil || t.IsZero() {
		return nil
	}
	s := jalali.Format(*t, loc)
	return &s
}

// Localize fills the campaign's Jalali dates.
func (c *Campaign) Localize(loc *time.Location) *Campaign {
	c.CreatedAtJalali = *twin(&c.CreatedAt, loc)
	c.ScheduledAtJalali, c.StartedAtJalali, c.FinishedAtJalali = twin(c.ScheduledAt, loc), twin(c.StartedAt, loc), twin(c.FinishedAt, loc)
	return c
}

// Localize fills the delivery's Jalali date.
func (d *Delivery) Localize(loc *time.Location) { d.AtJalali = twin(d.At, loc) }

// Localize fills the template's Jalali date.
func (t *Template) Localize(loc *time.Location) { t.UpdatedAtJalali = twin(t.UpdatedAt, loc) }
