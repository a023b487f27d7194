package crm

import (
	"context"
	"encoding/json"
	"math"
	"slices"
	"strings"
	"time"

	"payvand.dev/shared/jalali"
)

// Task statuses: IshYar's four plus Rabin's cancelled. Rabin's "pending"
// is not_started (NormalizeTaskStatus).
var TaskStatuses = []string{"not_started", "in_progress", "pending_review", "completed", "cancelled"}

// TaskPriorities in rank order (low = 1 … critical = 4).
var TaskPriorities = []string{"low", "medium", "high", "critical"}

// NormalizeTaskStatus matches a status without case and maps Rabin's
// pending to not_started; ok is false for an unknown status.
func NormalizeTaskStatus(s string) (string, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "pending" {
		s = "not_started"
	}
	return s, slices.Contains(TaskStatuses, s)
}

// NormalizeTaskPriority matches a priority without case.
func NormalizeTaskPriority(p string) (string, bool) {
	p = strings.ToLower(strings.TrimSpace(p))
	return p, slices.Contains(TaskPriorities, p)
}

// PriorityRank orders priorities: 1 (low) … 4 (critical), 0 unknown.
func PriorityRank(p string) int { return slices.Index(TaskPriorities, p) + 1 }

// TaskDone reports whether a status closes the task (it is then never
// overdue and counts as a completed subtask only when completed).
func TaskDone(status string) bool { return status == "completed" || status == "cancelled" }

// Task is a unit of work (IshYar's model with Rabin's fields). Hours are
// kept in hundredths of an hour so that sums never add floats.
type Task struct {
	ID                string
	Title             string
	Description       string // markdown
	Status            string
	Priority          string
	Progress          int
	DueDate           string // YYYY-MM-DD, "" when none
	EstimatedCenti    int64  // hundredths of an hour, 0 = none
	ActualCenti       int64  // sum of the time entries
	CreatedBy         string
	AssigneeIDs       []string
	LabelIDs          []string
	DepartmentID      string
	ParentID          string
	CustomerID        string
	RelatedTo         string
	CompletionNote    string
	CompletedAt       *time.Time
	SubtasksCount     int64
	SubtasksCompleted int64
	CommentsCount     int64
	AttachmentsCount  int64
	CreatedAt         time.Time
	UpdatedAt         time.Time
	Version           int64
}

// IsOverdue: open and due before today in loc.
func (t *Task) IsOverdue(now time.Time, loc *time.Location) bool {
	if t.DueDate == "" || TaskDone(t.Status) {
		return false
	}
	return t.DueDate < now.In(loc).Format(time.DateOnly)
}

// TaskPatch changes some fields; nil means unchanged.
type TaskPatch struct {
	Title, Description, Status, Priority, DueDate *string
	DepartmentID, ParentID, CustomerID, RelatedTo *string
	CompletionNote                                *string
	Progress                                      *int
	EstimatedHours                                *float64
	AssigneeIDs                                   *[]string
	Labels                                        *[]string // ids or names, resolved by the service
	Uploads                                       []string  // ids of the caller's uploads to attach (create only)
	Version                                       *int64
}

// CentiHours converts hours to hundredths (rounded).
func CentiHours(h float64) int64 { return int64(math.Round(h * 100)) }

// Hours converts hundredths back to hours.
func Hours(c int64) float64 { return float64(c) / 100 }

// ParseDueDate takes YYYY-MM-DD, an RFC 3339 time (its date in loc), a
// Jalali date written YYYY/MM/DD, or "" (none). ok is false for anything
// else.
func ParseDueDate(s string, loc *time.Location) (string, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", true
	}
	if d, err := time.Parse(time.DateOnly, s); err == nil {
		return d.Format(time.DateOnly), true
	}
	if d, err := time.Parse(time.RFC3339, s); err == nil {
		return d.In(loc).Format(time.DateOnly), true
	}
	if d, err := jalali.Parse(s, time.UTC); err == nil && strings.Contains(s, "/") {
		return d.Format(time.DateOnly), true
	}
	return "", false
}

// Apply copies the set fields onto t and validates them (EVALIDATION
// naming each bad field). Labels are resolved by the service.
func (p *TaskPatch) Apply(t *Task, loc *time.Location) error {
	f := FieldErrors{}
	set := func(dst, src *string) {
		if src != nil {
			*dst = strings.TrimSpace(*src)
		}
	}
	set(&t.Title, p.Title)
	set(&t.Description, p.Description)
	set(&t.DepartmentID, p.DepartmentID)
	set(&t.CustomerID, p.CustomerID)
	set(&t.RelatedTo, p.RelatedTo)
	set(&t.CompletionNote, p.CompletionNote)
	if p.Status != nil {
		if s, ok := NormalizeTaskStatus(*p.Status); ok {
			t.Status = s
		} else {
			f.Add("status", "must be one of not_started, pending, in_progress, pending_review, completed, cancelled")
		}
	}
	if p.Priority != nil {
		if pr, ok := NormalizeTaskPriority(*p.Priority); ok {
			t.Priority = pr
		} else {
			f.Add("priority", "must be one of low, medium, high, critical")
		}
	}
	if p.DueDate != nil {
		if d, ok := ParseDueDate(*p.DueDate, loc); ok {
			t.DueDate = d
		} else {
			f.Add("due_date", "must be a date (YYYY-MM-DD)")
		}
	}
	if p.Progress != nil {
		if *p.Progress < 0 || *p.Progress > 100 {
			f.Add("progress", "must be between 0 and 100")
		} else {
			t.Progress = *p.Progress
		}
	}
	if p.EstimatedHours != nil {
		if *p.EstimatedHours < 0 || *p.EstimatedHours > 100000 {
			f.Add("estimated_hours", "must be between 0 and 100000")
		} else {
			t.EstimatedCenti = CentiHours(*p.EstimatedHours)
		}
	}
	if p.AssigneeIDs != nil {
		t.AssigneeIDs = dedupe(*p.AssigneeIDs)
		if len(t.AssigneeIDs) > 20 {
			f.Add("assignees", "at most 20 assignees")
		}
	}
	if t.Title == "" {
		f.Add("title", "required")
	}
	if len([]rune(t.Title)) > 300 {
		f.Add("title", "at most 300 characters")
	}
	return f.Err()
}

func dedupe(in []string) []string {
	out := make([]string, 0, len(in))
	for _, s := range in {
		s = strings.TrimSpace(s)
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// TaskFilter selects tasks for a list. Every field is optional.
type TaskFilter struct {
	Status, Priority, Assignee, Creator, Department, Label, Parent string
	DueFrom, DueTo, DueDate                                        string // YYYY-MM-DD
	Overdue                                                        bool
	Today                                                          string // the caller's date, for Overdue
	Search                                                         string
	SortBy                                                         string // created_at, due_date, priority
	Desc                                                           bool
	Limit, Offset                                                  int
	Cursor                                                         string
}

// TaskPage is one page of a list.
type TaskPage struct {
	Tasks      []*Task
	Total      int
	NextCursor string
}

// Label tags tasks.
type Label struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Color     string    `json:"color"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// TaskComment is a markdown comment on a task.
type TaskComment struct {
	ID        string    `json:"id"`
	TaskID    string    `json:"task_id"`
	Body      string    `json:"body"`
	Mentions  []string  `json:"mentions"`
	AuthorID  string    `json:"author_id"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// TimeEntry is time spent on a task by a user.
type TimeEntry struct {
	ID          string    `json:"id"`
	TaskID      string    `json:"task_id"`
	UserID      string    `json:"user_id"`
	Centi       int64     `json:"-"`
	Date        string    `json:"date"`
	Description string    `json:"description"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// TaskAttachment is a file on a task.
type TaskAttachment struct {
	ID          string    `json:"id"`
	TaskID      string    `json:"task_id,omitempty"`
	Name        string    `json:"name"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	Description string    `json:"description"`
	UploadedBy  string    `json:"uploaded_by"`
	BlobKey     string    `json:"-"`
	CreatedAt   time.Time `json:"created_at"`
}

// TaskAssignment is one user on one task (Rabin's /api/tasks/users).
type TaskAssignment struct {
	TaskID     string    `json:"task_id"`
	UserID     string    `json:"user_id"`
	Role       string    `json:"role"`
	AssignedBy string    `json:"assigned_by"`
	AssignedAt time.Time `json:"assigned_at"`
}

// TaskDetail is a task with its item collection.
type TaskDetail struct {
	Task        *Task
	Assignments []*TaskAssignment
	Comments    []*TaskComment
	Attachments []*TaskAttachment
	TimeEntries []*TimeEntry
	Subtasks    []*Task
	// Documents are the API forms of the documents linked to the task
	// (shared/documents keeps a copy in the task's collection).
	Documents []json.RawMessage
}

// TaskService keeps tasks. Errors: ENOTFOUND (task), EVALIDATION (fields),
// ECONFLICT (version), EFORBIDDEN (someone else's comment or entry).
type TaskService interface {
	CreateTask(ctx context.Context, p *TaskPatch) (*Task, error)
	GetTask(ctx context.Context, id string) (*Task, error)
	TaskDetail(ctx context.Context, id string) (*TaskDetail, error)
	UpdateTask(ctx context.Context, id string, p *TaskPatch) (*Task, error)
	DeleteTask(ctx context.Context, id string) error
	ListTasks(ctx context.Context, f TaskFilter) (*TaskPage, error)
}
