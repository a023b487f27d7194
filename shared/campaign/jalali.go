package campaign

import (
	"time"

	"payvand.dev/shared/jalali"
)

// Every date a user sees has its Jalali twin (DESIGN §5), in the caller's
// time zone; these fill them in for an answer.

// Localize fills the campaign's Jalali dates.
func (c *Campaign) Localize(loc *time.Location) *Campaign {
	c.CreatedAtJalali = jalali.Format(c.CreatedAt, loc)
	c.ScheduledAtJalali, c.StartedAtJalali, c.FinishedAtJalali = jalali.FormatPtr(c.ScheduledAt, loc), jalali.FormatPtr(c.StartedAt, loc), jalali.FormatPtr(c.FinishedAt, loc)
	return c
}

// Localize fills the delivery's Jalali date.
func (d *Delivery) Localize(loc *time.Location) { d.AtJalali = jalali.FormatPtr(d.At, loc) }

// Localize fills the template's Jalali date.
func (t *Template) Localize(loc *time.Location) {
	t.UpdatedAtJalali = jalali.FormatPtr(t.UpdatedAt, loc)
}
