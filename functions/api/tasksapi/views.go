package tasksapi

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"payvand.dev/shared/crm"
	"payvand.dev/shared/httpapi"
	"payvand.dev/shared/jalali"
	"payvand.dev/shared/tasks"
)

// TaskView is a task as the API shows it: IshYar's fields with Rabin's
// (assignee_id, customer_id, related_to), every date with its Jalali twin.
type TaskView struct {
	ID                string           `json:"id"`
	Title             string           `json:"title"`
	Description       string           `json:"description"`
	Status            string           `json:"status"`
	Priority          string           `json:"priority"`
	Progress          int              `json:"progress"`
	DueDate           *string          `json:"due_date"`
	DueDateJalali     *string          `json:"due_date_jalali"`
	EstimatedHours    *float64         `json:"estimated_hours"`
	ActualHours       float64          `json:"actual_hours"`
	IsOverdue         bool             `json:"is_overdue"`
	CreatedBy         string           `json:"created_by"`
	Creator           *tasks.RefUser   `json:"creator,omitempty"`
	AssigneeID        *string          `json:"assignee_id"`
	AssigneeIDs       []string         `json:"assignee_ids"`
	Assignees         *[]tasks.RefUser `json:"assignees,omitempty"`
	LabelIDs          []string         `json:"label_ids"`
	Labels            *[]LabelView     `json:"labels,omitempty"`
	DepartmentID      *string          `json:"department_id"`
	ParentID          *string          `json:"parent_id"`
	CustomerID        *string          `json:"customer_id"`
	RelatedTo         *string          `json:"related_to"`
	CompletionNote    string           `json:"completion_note,omitempty"`
	CompletedAt       *time.Time       `json:"completed_at"`
	CompletedAtJalali *string          `json:"completed_at_jalali"`
	SubtasksCount     int64            `json:"subtasks_count"`
	SubtasksCompleted int64            `json:"subtasks_completed"`
	CommentsCount     int64            `json:"comments_count"`
	AttachmentsCount  int64            `json:"attachments_count"`
	Subtasks          *[]TaskView      `json:"subtasks,omitempty"`
	CreatedAt         time.Time        `json:"created_at"`
	CreatedAtJalali   string           `json:"created_at_jalali"`
	UpdatedAt         time.Time        `json:"updated_at"`
	UpdatedAtJalali   string           `json:"updated_at_jalali"`
	Version           int64            `json:"version"`
}

func strOrNil(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// dateJalali is the Jalali form of a calendar date (no time zone: the
// date is the same day everywhere).
func dateJalali(d string) *string {
	t, err := time.Parse(time.DateOnly, d)
	if err != nil {
		return nil
	}
	y, m, day := jalali.FromGregorian(t.Year(), int(t.Month()), t.Day())
	s := fmt.Sprintf("%04d/%02d/%02d", y, m, day)
	return &s
}

func view(ctx context.Context, now time.Time, t *crm.Task) TaskView {
	loc := httpapi.LocationFrom(ctx)
	v := TaskView{ID: t.ID, Title: t.Title, Description: t.Description, Status: t.Status, Priority: t.Priority, Progress: t.Progress,
		DueDate: strOrNil(t.DueDate), ActualHours: crm.Hours(t.ActualCenti), IsOverdue: t.IsOverdue(now, loc), CreatedBy: t.CreatedBy,
		AssigneeIDs: t.AssigneeIDs, LabelIDs: t.LabelIDs, DepartmentID: strOrNil(t.DepartmentID), ParentID: strOrNil(t.ParentID),
		CustomerID: strOrNil(t.CustomerID), RelatedTo: strOrNil(t.RelatedTo), CompletionNote: t.CompletionNote, CompletedAt: t.CompletedAt,
		SubtasksCount: t.SubtasksCount, SubtasksCompleted: t.SubtasksCompleted, CommentsCount: t.CommentsCount,
		AttachmentsCount: t.AttachmentsCount, CreatedAt: t.CreatedAt, CreatedAtJalali: jalali.Format(t.CreatedAt, loc),
		UpdatedAt: t.UpdatedAt, UpdatedAtJalali: jalali.Format(t.UpdatedAt, loc), Version: t.Version}
	if t.DueDate != "" {
		v.DueDateJalali = dateJalali(t.DueDate)
	}
	if t.EstimatedCenti > 0 {
		h := crm.Hours(t.EstimatedCenti)
		v.EstimatedHours = &h
	}
	if len(t.AssigneeIDs) > 0 {
		v.AssigneeID = &t.AssigneeIDs[0]
	}
	v.CompletedAtJalali = jalali.FormatPtr(t.CompletedAt, loc)
	return v
}

// refs fills the people and labels of views from one batch read.
type refs struct {
	users  map[string]*tasks.RefUser
	labels map[string]*crm.Label
	ctx    context.Context
}

func (r refs) fill(v *TaskView, assignees, labels, creator bool) {
	if assignees {
		l := []tasks.RefUser{}
		for _, id := range v.AssigneeIDs {
			if u := r.users[id]; u != nil {
				l = append(l, *u)
			}
		}
		v.Assignees = &l
	}
	if labels {
		ls := []LabelView{}
		for _, id := range v.LabelIDs {
			if l := r.labels[id]; l != nil {
				ls = append(ls, labelView(r.ctx, l))
			}
		}
		v.Labels = &ls
	}
	if creator {
		v.Creator = r.users[v.CreatedBy]
	}
}

// RefList takes ids, names, or the objects a task shows ({id, name, …}),
// so an SPA can send back the assignees and labels it read.
type RefList []string

// Schema documents both forms.
func (RefList) Schema(r huma.Registry) *huma.Schema {
	obj := &huma.Schema{Type: huma.TypeObject, Properties: map[string]*huma.Schema{"id": {Type: huma.TypeString}, "name": {Type: huma.TypeString}}}
	return &huma.Schema{Type: huma.TypeArray, MaxItems: intPtr(50), Items: &huma.Schema{OneOf: []*huma.Schema{{Type: huma.TypeString, MaxLength: intPtr(100)}, obj}}}
}

func intPtr(i int) *int { return &i }

// UnmarshalJSON takes strings and objects.
func (l *RefList) UnmarshalJSON(b []byte) error {
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	out := make(RefList, 0, len(raw))
	for _, r := range raw {
		var s string
		if json.Unmarshal(r, &s) == nil {
			out = append(out, s)
			continue
		}
		var o struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		}
		if err := json.Unmarshal(r, &o); err != nil {
			return err
		}
		if o.ID != "" {
			out = append(out, o.ID)
		} else {
			out = append(out, o.Name)
		}
	}
	*l = out
	return nil
}
