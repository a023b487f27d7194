package crm

import (
	"context"
	"strings"
	"time"
)

// ContactStatuses are the states of a contact.
var ContactStatuses = []string{"active", "inactive"}

// Contact is a person at a customer (IshYar: at a company). The field set
// is the union of Rabin's and IshYar's contacts.
type Contact struct {
	ID             string         `json:"id"`
	FirstName      string         `json:"first_name"`
	LastName       string         `json:"last_name"`
	Name           string         `json:"name"`
	Email          string         `json:"email"`
	Phone          string         `json:"phone"`
	Mobile         string         `json:"mobile"`
	JobTitle       string         `json:"job_title"`
	Position       string         `json:"position"`
	Role           string         `json:"role"`
	Department     string         `json:"department"`
	CustomerID     string         `json:"customer_id"`
	CustomerName   string         `json:"-"`
	OwnerID        string         `json:"owner_id"`
	Source         string         `json:"source"`
	Status         string         `json:"status"`
	Tags           []string       `json:"tags"`
	CustomFields   map[string]any `json:"custom_fields"`
	Notes          string         `json:"notes"`
	DealsCount     int            `json:"deals_count"`
	DealsValue     float64        `json:"deals_value"`
	LastActivityAt *time.Time     `json:"last_activity_at"`
	CreatedBy      string         `json:"created_by"`
	CreatedAt      time.Time      `json:"created_at"`
	UpdatedAt      time.Time      `json:"updated_at"`
	Version        int64          `json:"version"`
}

// ContactPatch changes some fields of a contact; nil means unchanged.
type ContactPatch struct {
	FirstName, LastName, Name, Email, Phone, Mobile, JobTitle, Position, Role, Department *string
	CustomerID, OwnerID, Source, Status, Notes                                            *string
	Tags                                                                                  *[]string
	CustomFields                                                                          *map[string]any
	Version                                                                               *int64
}

// Apply copies the set fields onto c and keeps name and first/last name
// consistent (Rabin sends name, IshYar first_name and last_name).
func (p *ContactPatch) Apply(c *Contact) {
	for _, f := range []struct {
		dst *string
		src *string
	}{{&c.FirstName, p.FirstName}, {&c.LastName, p.LastName}, {&c.Email, p.Email}, {&c.Phone, p.Phone}, {&c.Mobile, p.Mobile},
		{&c.JobTitle, p.JobTitle}, {&c.Position, p.Position}, {&c.Role, p.Role}, {&c.Department, p.Department},
		{&c.CustomerID, p.CustomerID}, {&c.OwnerID, p.OwnerID}, {&c.Source, p.Source}, {&c.Status, p.Status}, {&c.Notes, p.Notes}} {
		if f.src != nil {
			*f.dst = strings.TrimSpace(*f.src)
		}
	}
	if p.Tags != nil {
		c.Tags = *p.Tags
	}
	if p.CustomFields != nil {
		c.CustomFields = *p.CustomFields
	}
	switch {
	case p.Name != nil && p.FirstName == nil && p.LastName == nil:
		c.Name = strings.TrimSpace(*p.Name)
		c.FirstName, c.LastName, _ = strings.Cut(c.Name, " ")
		c.LastName = strings.TrimSpace(c.LastName)
	case p.FirstName != nil || p.LastName != nil || p.Name != nil:
		c.Name = strings.TrimSpace(c.FirstName + " " + c.LastName)
	}
	if c.JobTitle == "" {
		c.JobTitle = c.Position
	}
}

// Validate checks a contact as it is about to be stored.
func (c *Contact) Validate() error {
	f := FieldErrors{}
	validateParty(f, c.Name, c.Email, c.Phone, c.Mobile)
	if !oneOf(c.Status, ContactStatuses) {
		f.Add("status", "must be active or inactive")
	}
	if len(c.Tags) > 50 {
		f.Add("tags", "at most 50 tags")
	}
	if len(c.CustomFields) > 50 {
		f.Add("custom_fields", "at most 50 custom fields")
	} else if msg := FreeFormProblem(c.CustomFields); msg != "" {
		f.Add("custom_fields", msg)
	}
	return f.Err()
}

// ContactFilter selects contacts for a list.
type ContactFilter struct {
	CustomerID, OwnerID, Role, Source, Status, Tag, Search string
	SortByName, Desc                                       bool
	Limit, Offset                                          int
	Cursor                                                 string
}

// ContactService manages the contacts of the caller's tenant.
type ContactService interface {
	// CreateContact returns EVALIDATION (also for an unknown customer_id).
	CreateContact(ctx context.Context, c *Contact) (*Contact, error)
	// Contact returns ENOTFOUND.
	Contact(ctx context.Context, id string) (*Contact, error)
	// UpdateContact returns ENOTFOUND, EVALIDATION, ECONFLICT.
	UpdateContact(ctx context.Context, id string, p *ContactPatch) (*Contact, error)
	// DeleteContact returns ENOTFOUND.
	DeleteContact(ctx context.Context, id string) error
	Contacts(ctx context.Context, f ContactFilter) ([]*Contact, int, string, error)
}
