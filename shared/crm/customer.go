package crm

import (
	"context"
	"encoding/json"
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Customer statuses and types.
var (
	CustomerStatuses = []string{"active", "inactive", "prospect"}
	CustomerTypes    = []string{"B2B", "B2C"}
)

// Address is a structured postal address. A plain string is accepted as
// the street line, as the Rabin SPA sends it.
type Address struct {
	Street     string `json:"street,omitempty" dynamo:"street,omitempty" maxLength:"500"`
	City       string `json:"city,omitempty" dynamo:"city,omitempty" maxLength:"100"`
	State      string `json:"state,omitempty" dynamo:"state,omitempty" maxLength:"100"`
	Country    string `json:"country,omitempty" dynamo:"country,omitempty" maxLength:"100"`
	PostalCode string `json:"postal_code,omitempty" dynamo:"postal_code,omitempty" maxLength:"20"`
}

// UnmarshalJSON takes an object or a string.
func (a *Address) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*a = Address{Street: s}
		return nil
	}
	type plain Address
	return json.Unmarshal(b, (*plain)(a))
}

// Customer is a company (B2B) or person (B2C) the tenant sells to. The
// field set is the union of Rabin's customers and IshYar's companies.
type Customer struct {
	ID           string         `json:"id"`
	Name         string         `json:"name"`
	Email        string         `json:"email"`
	Phone        string         `json:"phone"`
	Mobile       string         `json:"mobile"`
	Type         string         `json:"type"`
	Company      string         `json:"company"`
	City         string         `json:"city"`
	Address      Address        `json:"address"`
	Status       string         `json:"status"`
	Tags         []string       `json:"tags"`
	Domain       string         `json:"domain"`
	Industry     string         `json:"industry"`
	Size         string         `json:"size"`
	Website      string         `json:"website"`
	OwnerID      string         `json:"owner_id"`
	Source       string         `json:"source"`
	Notes        string         `json:"notes"`
	CustomFields map[string]any `json:"custom_fields"`
	CreatedBy    string         `json:"created_by"`
	CreatedAt    time.Time      `json:"created_at"`
	UpdatedAt    time.Time      `json:"updated_at"`
	Version      int64          `json:"version"`

	// LastActivityAt is kept by the activity writes (shared/sales).
	LastActivityAt *time.Time `json:"last_activity_at"`
}

// CustomerPatch changes some fields of a customer; nil means unchanged.
type CustomerPatch struct {
	Name         *string
	Email        *string
	Phone        *string
	Mobile       *string
	Type         *string
	Company      *string
	City         *string
	Address      *Address
	Status       *string
	Tags         *[]string
	Domain       *string
	Industry     *string
	Size         *string
	Website      *string
	OwnerID      *string
	Source       *string
	Notes        *string
	CustomFields *map[string]any
	// Version, when set, must equal the stored version (optimistic locking).
	Version *int64
}

// Apply copies the set fields onto c (the stored customer, or a new one).
// The top-level city (Rabin) and the address's city (IshYar) are one
// field: whichever the client changed wins, so that an object sent back
// as it was read with only one of them edited keeps them equal. When both
// are sent, differ from each other and from the stored values there is no
// telling which is meant: EVALIDATION naming city, and c is unchanged.
func (p *CustomerPatch) Apply(c *Customer) error {
	city, err := p.city(c)
	if err != nil {
		return err
	}
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = strings.TrimSpace(*src)
		}
	}
	set(&c.Name, p.Name)
	set(&c.Email, p.Email)
	set(&c.Phone, p.Phone)
	set(&c.Mobile, p.Mobile)
	set(&c.Type, p.Type)
	set(&c.Company, p.Company)
	set(&c.Status, p.Status)
	set(&c.Domain, p.Domain)
	set(&c.Industry, p.Industry)
	set(&c.Size, p.Size)
	set(&c.Website, p.Website)
	set(&c.OwnerID, p.OwnerID)
	set(&c.Source, p.Source)
	set(&c.Notes, p.Notes)
	if p.Address != nil {
		c.Address = *p.Address
	}
	if p.Tags != nil {
		c.Tags = *p.Tags
	}
	if p.CustomFields != nil {
		c.CustomFields = *p.CustomFields
	}
	c.City, c.Address.City = city, city
	return nil
}

// city is the one city c has after the patch. An address without a city
// (Rabin's address string, an IshYar form without the field) leaves the
// city as it is; an empty top-level city clears it.
func (p *CustomerPatch) city(c *Customer) (string, error) {
	stored := c.City
	if stored == "" {
		stored = c.Address.City
	}
	top, addr := "", ""
	if p.City != nil {
		top = strings.TrimSpace(*p.City)
	}
	if p.Address != nil {
		addr = strings.TrimSpace(p.Address.City)
	}
	switch {
	case p.City == nil && addr == "":
		return stored, nil
	case p.City == nil:
		return addr, nil
	case addr == "":
		return top, nil
	}
	topChanged, addrChanged := top != c.City, addr != c.Address.City
	switch {
	case topChanged && addrChanged && !strings.EqualFold(top, addr):
		return "", &Error{Code: EVALIDATION, Message: "the given data was invalid", Key: "validation",
			Fields: map[string][]string{"city": {"city and address.city name different cities; send one of them, or the same city in both"}}}
	case addrChanged && !topChanged:
		return addr, nil
	default:
		return top, nil
	}
}

// Compiled on first use: package init is part of every cold start.
var phoneRe = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^\+?[0-9۰-۹٠-٩][0-9۰-۹٠-٩ ()\-]{3,24}$`) })

// validateParty checks what customers and contacts share: a name and the
// ways to reach them.
func validateParty(f FieldErrors, name, email, phone, mobile string) {
	if strings.TrimSpace(name) == "" {
		f.Add("name", "required")
	} else if utf8.RuneCountInString(name) > 200 {
		f.Add("name", "must be at most 200 characters")
	}
	if email != "" {
		if a, err := mail.ParseAddress(email); err != nil || a.Address != email {
			f.Add("email", "must be a valid email address")
		}
	}
	for field, v := range map[string]string{"phone": phone, "mobile": mobile} {
		if v != "" && !phoneRe().MatchString(v) {
			f.Add(field, "must be a phone number")
		}
	}
}

// Validate checks a customer as it is about to be stored.
func (c *Customer) Validate() error {
	f := FieldErrors{}
	validateParty(f, c.Name, c.Email, c.Phone, c.Mobile)
	if !oneOf(c.Type, CustomerTypes) {
		f.Add("type", "must be one of B2B, B2C")
	}
	if !oneOf(c.Status, CustomerStatuses) {
		f.Add("status", "must be one of active, inactive, prospect")
	}
	if c.Website != "" {
		if u, err := url.Parse(c.Website); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			f.Add("website", "must be an http(s) URL")
		}
	}
	if len(c.Tags) > 50 {
		f.Add("tags", "at most 50 tags")
	}
	for _, t := range c.Tags {
		if strings.TrimSpace(t) == "" || utf8.RuneCountInString(t) > 50 {
			f.Add("tags", "each tag must have 1-50 characters")
			break
		}
	}
	if len(c.CustomFields) > 50 {
		f.Add("custom_fields", "at most 50 custom fields")
	} else if msg := FreeFormProblem(c.CustomFields); msg != "" {
		f.Add("custom_fields", msg)
	}
	return f.Err()
}

func oneOf(v string, allowed []string) bool {
	for _, a := range allowed {
		if v == a {
			return true
		}
	}
	return false
}

// CustomerFilter selects customers for a list.
type CustomerFilter struct {
	Status, Type, City, OwnerID, Industry, Tag, Source string
	Search                                             string
	SortBy                                             string // created_at | name | updated_at
	Desc                                               bool
	Limit, Offset                                      int
	Cursor                                             string // store cursor
}

// CustomerPage is one page of customers with the total that match.
type CustomerPage struct {
	Customers  []*Customer
	Total      int
	NextCursor string
}

// CustomerDetail is a customer with its item collection.
type CustomerDetail struct {
	Customer   *Customer
	Contacts   []json.RawMessage
	Activities []json.RawMessage
	Deals      []json.RawMessage
	Documents  []json.RawMessage
}

// CustomerStats are read from counters kept by every write.
type CustomerStats struct {
	Total            int64            `json:"total_customers"`
	Active           int64            `json:"active_customers"`
	NewThisMonth     int64            `json:"new_this_month"`
	ChurnRate        float64          `json:"churn_rate"`
	AvgLifetimeValue float64          `json:"avg_lifetime_value"`
	ByType           map[string]int64 `json:"by_type"`
	ByCity           map[string]int64 `json:"by_city"`
	ByStatus         map[string]int64 `json:"by_status"`
}

// CustomerService manages the customers of the caller's tenant (from ctx).
type CustomerService interface {
	// Create returns EVALIDATION for bad input.
	Create(ctx context.Context, c *Customer) (*Customer, error)
	// Get returns ENOTFOUND.
	Get(ctx context.Context, id string) (*Customer, error)
	// Detail returns the customer with its relations in one read; ENOTFOUND.
	Detail(ctx context.Context, id string) (*CustomerDetail, error)
	// Update returns ENOTFOUND, EVALIDATION, ECONFLICT (stale version).
	Update(ctx context.Context, id string, p *CustomerPatch) (*Customer, error)
	// Delete returns ENOTFOUND.
	Delete(ctx context.Context, id string) error
	// List returns EVALIDATION for an unknown sort.
	List(ctx context.Context, f CustomerFilter) (*CustomerPage, error)
	Stats(ctx context.Context) (*CustomerStats, error)
}

// CustomerFilterOptions are the values the list can be filtered by, with
// the caller's saved filter preferences.
type CustomerFilterOptions struct {
	Types    []string       `json:"types"`
	Statuses []string       `json:"statuses"`
	Cities   []string       `json:"cities"`
	Saved    map[string]any `json:"saved_filters"`
}

// CustomerFilterPreferences stores and reads a user's saved list filters.
type CustomerFilterPreferences interface {
	FilterOptions(ctx context.Context) (*CustomerFilterOptions, error)
	// SaveFilters returns EVALIDATION when filters are too large.
	SaveFilters(ctx context.Context, filters map[string]any) error
}
