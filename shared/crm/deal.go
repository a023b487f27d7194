package crm

import (
	"strings"
	"time"
)

// Deal statuses (DESIGN §5: open | won | lost, matched without case).
var DealStatuses = []string{"open", "won", "lost"}

// Stage is one step of a pipeline. DealsCount and DealsValue come from the
// counters the deal writes keep on the pipeline's item (minor units by
// currency).
type Stage struct {
	ID          string           `json:"id"`
	Name        string           `json:"name"`
	NameFa      string           `json:"name_fa"`
	NameEn      string           `json:"name_en"`
	Position    int              `json:"position"`
	Probability int              `json:"probability"`
	Color       string           `json:"color"`
	DealsCount  int64            `json:"-"`
	DealsValue  map[string]int64 `json:"-"`
}

// Pipeline is an ordered list of stages deals move through.
type Pipeline struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	IsDefault   bool      `json:"is_default"`
	Currency    string    `json:"currency"`
	Stages      []Stage   `json:"stages"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	Version     int64     `json:"version"`
}

// StageByID returns the pipeline's stage with id, or nil.
func (p *Pipeline) StageByID(id string) *Stage {
	for i := range p.Stages {
		if p.Stages[i].ID == id {
			return &p.Stages[i]
		}
	}
	return nil
}

// StageByName finds a stage by any of its names (without case) or by id.
func (p *Pipeline) StageByName(name string) *Stage {
	if s := p.StageByID(name); s != nil {
		return s
	}
	n := strings.ToLower(strings.TrimSpace(name))
	for i := range p.Stages {
		s := &p.Stages[i]
		if strings.ToLower(s.Name) == n || strings.ToLower(s.NameEn) == n || (s.NameFa != "" && s.NameFa == strings.TrimSpace(name)) {
			return s
		}
	}
	return nil
}

// DealContact is a contact's part in a deal.
type DealContact struct {
	ContactID string `json:"contact_id" dynamo:"contact_id"`
	Name      string `json:"name" dynamo:"name"`
	Role      string `json:"role" dynamo:"role"`
}

// DealProduct is a product line of a deal; prices in minor units.
type DealProduct struct {
	ProductID  string `json:"product_id" dynamo:"product_id"`
	Name       string `json:"name" dynamo:"name"`
	Quantity   int64  `json:"quantity" dynamo:"quantity"`
	PriceMinor int64  `json:"-" dynamo:"price_minor"`
}

// ActivityRef is the next open activity of a deal.
type ActivityRef struct {
	ID    string     `json:"id" dynamo:"id"`
	Type  string     `json:"type" dynamo:"type"`
	Title string     `json:"title" dynamo:"title"`
	DueAt *time.Time `json:"due_at" dynamo:"due_at"`
}

// Deal is an opportunity: the union of Rabin's deals (title, stage by
// name, end_date, customer_id) and IshYar's (name, pipeline_id + stage_id,
// expected_close_date, company_id, contacts).
type Deal struct {
	ID                string
	Title             string
	Description       string
	ValueMinor        int64
	Currency          string
	PipelineID        string
	PipelineName      string
	StageID           string
	StageName         string
	StagePosition     int
	Status            string
	Probability       int
	ExpectedCloseDate string // YYYY-MM-DD
	CloseDate         string
	ActualValueMinor  *int64
	WonReason         string
	LostReason        string
	OwnerID           string
	OwnerName         string
	CustomerID        string
	CustomerName      string
	Contacts          []DealContact
	Products          []DealProduct
	StageEnteredAt    time.Time
	ActivitiesCount   int
	NextActivity      *ActivityRef
	CreatedBy         string
	CreatedAt         time.Time
	UpdatedAt         time.Time
	Version           int64
}

// DealChange is one entry of a deal's history: a stage move, a status
// change, or the creation.
type DealChange struct {
	ID         string    `json:"id" dynamo:"id"`
	Kind       string    `json:"type" dynamo:"kind"` // created | stage | status
	FromStage  string    `json:"from_stage_id,omitempty" dynamo:"from_stage,omitempty"`
	FromName   string    `json:"from_stage,omitempty" dynamo:"from_name,omitempty"`
	ToStage    string    `json:"to_stage_id,omitempty" dynamo:"to_stage,omitempty"`
	ToName     string    `json:"to_stage,omitempty" dynamo:"to_name,omitempty"`
	FromStatus string    `json:"from_status,omitempty" dynamo:"from_status,omitempty"`
	ToStatus   string    `json:"to_status,omitempty" dynamo:"to_status,omitempty"`
	Reason     string    `json:"reason" dynamo:"reason"`
	By         string    `json:"changed_by" dynamo:"by"`
	At         time.Time `json:"changed_at" dynamo:"at"`
	DaysSpent  int       `json:"days_spent" dynamo:"days"`
}

// DealFilter selects deals. Stage may be a stage id or name.
type DealFilter struct {
	Status, Stage, PipelineID, OwnerID, CustomerID string
	CloseFrom, CloseTo                             string
	ValueMin, ValueMax                             *float64
	Search                                         string
	SortBy                                         string // created_at | value | expected_close_date
	Desc                                           bool
	Limit, Offset                                  int
	Cursor                                         string
}

// ValidDate reports whether s is a YYYY-MM-DD date.
func ValidDate(s string) bool {
	_, err := time.Parse("2006-01-02", s)
	return err == nil
}

// NormalizeDate takes a date or an RFC 3339 time and returns YYYY-MM-DD.
func NormalizeDate(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", true
	}
	if ValidDate(s) {
		return s, true
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC().Format("2006-01-02"), true
	}
	if len(s) >= 10 && ValidDate(s[:10]) {
		return s[:10], true
	}
	return "", false
}
