package crm

import "time"

// ActivityTypes (DESIGN §5), matched without case.
var ActivityTypes = []string{"call", "email", "meeting", "note", "task", "other"}

// ActivityEntityTypes are what an activity may be about (IshYar's
// entity_type; company = customer).
var ActivityEntityTypes = []string{"customer", "company", "contact", "deal"}

// Activity is a call, email, meeting, note or task logged against a
// customer, contact or deal: the union of Rabin's (start_time, end_time,
// duration, outcome, notes, customer_id, deal_id) and IshYar's (due_at,
// duration_minutes, attendees, entity_type + entity_id, completed_at).
type Activity struct {
	ID              string     `json:"id" dynamo:"id"`
	Type            string     `json:"type" dynamo:"type"`
	Title           string     `json:"title" dynamo:"title"`
	Description     string     `json:"description" dynamo:"description"`
	StartTime       *time.Time `json:"start_time" dynamo:"start_time"`
	EndTime         *time.Time `json:"end_time" dynamo:"end_time"`
	DueAt           *time.Time `json:"due_at" dynamo:"due_at"`
	DurationMinutes int        `json:"duration_minutes" dynamo:"duration_minutes"`
	Outcome         string     `json:"outcome" dynamo:"outcome"`
	Notes           string     `json:"notes" dynamo:"notes"`
	NextSteps       string     `json:"next_steps" dynamo:"next_steps"`
	CustomerID      string     `json:"customer_id" dynamo:"customer_id"`
	CustomerName    string     `json:"-" dynamo:"customer_name"`
	ContactID       string     `json:"contact_id" dynamo:"contact_id"`
	ContactName     string     `json:"-" dynamo:"contact_name"`
	DealID          string     `json:"deal_id" dynamo:"deal_id"`
	DealTitle       string     `json:"-" dynamo:"deal_title"`
	EntityType      string     `json:"entity_type" dynamo:"entity_type"`
	EntityID        string     `json:"entity_id" dynamo:"entity_id"`
	Attendees       []string   `json:"attendees" dynamo:"attendees"`
	CompletedAt     *time.Time `json:"completed_at" dynamo:"completed_at"`
	OwnerID         string     `json:"owner_id" dynamo:"owner_id"`
	CreatedBy       string     `json:"created_by" dynamo:"created_by"`
	CreatedAt       time.Time  `json:"created_at" dynamo:"created_at"`
	UpdatedAt       time.Time  `json:"updated_at" dynamo:"updated_at"`
	Version         int64      `json:"version" dynamo:"version"`
}

// When is the time an activity is about: its start, else its due time,
// else its creation.
func (a *Activity) When() time.Time {
	switch {
	case a.StartTime != nil:
		return *a.StartTime
	case a.DueAt != nil:
		return *a.DueAt
	}
	return a.CreatedAt
}
