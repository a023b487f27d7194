package tasksapi

import (
	"context"
	"net/http"
	"time"

	"payvand.dev/shared/auth"
	"payvand.dev/shared/crm"
	"payvand.dev/shared/httpapi"
	"payvand.dev/shared/jalali"
	"payvand.dev/shared/tasks"
)

// CommentView is a comment with its author.
type CommentView struct {
	crm.TaskComment
	Content         string         `json:"content" doc:"Same as body (the name Rabin's clients use)"`
	Author          *tasks.RefUser `json:"author"`
	CreatedAtJalali string         `json:"created_at_jalali"`
	UpdatedAtJalali string         `json:"updated_at_jalali"`
}

func commentView(ctx context.Context, c *crm.TaskComment, author *tasks.RefUser) CommentView {
	loc := httpapi.LocationFrom(ctx)
	return CommentView{TaskComment: *c, Content: c.Body, Author: author, CreatedAtJalali: jalali.Format(c.CreatedAt, loc), UpdatedAtJalali: jalali.Format(c.UpdatedAt, loc)}
}

// TimeView is a time entry.
type TimeView struct {
	crm.TimeEntry
	Hours           float64 `json:"hours"`
	DateJalali      *string `json:"date_jalali"`
	CreatedAtJalali string  `json:"created_at_jalali"`
	UpdatedAtJalali string  `json:"updated_at_jalali"`
}

func timeView(ctx context.Context, e *crm.TimeEntry) TimeView {
	loc := httpapi.LocationFrom(ctx)
	return TimeView{TimeEntry: *e, Hours: crm.Hours(e.Centi), DateJalali: dateJalali(e.Date), CreatedAtJalali: jalali.Format(e.CreatedAt, loc),
		UpdatedAtJalali: jalali.Format(e.UpdatedAt, loc)}
}

// AssignmentView is one user on one task (Rabin's assignment).
type AssignmentView struct {
	crm.TaskAssignment
	AssignedAtJalali string         `json:"assigned_at_jalali"`
	User             *tasks.RefUser `json:"user,omitempty"`
	Task             *TaskView      `json:"task,omitempty"`
}

func assignmentView(ctx context.Context, a *crm.TaskAssignment, task *TaskView, user *tasks.RefUser) AssignmentView {
	return AssignmentView{TaskAssignment: *a, AssignedAtJalali: jalali.Format(a.AssignedAt, httpapi.LocationFrom(ctx)), Task: task, User: user}
}

type commentInput struct {
	ID   string `path:"id"`
	Body struct {
		Body     string   `json:"body" maxLength:"20000" doc:"Markdown"`
		Content  string   `json:"content,omitempty" maxLength:"20000" doc:"Alias of body"`
		Mentions *RefList `json:"mentions,omitempty" doc:"Ids of the users mentioned"`
	}
}

func (in *commentInput) text() string {
	if in.Body.Body != "" {
		return in.Body.Body
	}
	return in.Body.Content
}

type commentIDInput struct {
	ID        string `path:"id"`
	CommentID string `path:"commentId"`
}

type commentEditInput struct {
	ID        string `path:"id"`
	CommentID string `path:"commentId"`
	Body      struct {
		Body     string   `json:"body" maxLength:"20000"`
		Mentions *RefList `json:"mentions,omitempty"`
	}
}

func registerComments(s *httpapi.Server, d Deps, route func(method, path, op, summary string) httpapi.Route) {
	svc := d.Tasks
	httpapi.Register(s, route(http.MethodGet, "/{id}/comments", "comments", "A task's comments, oldest first"),
		func(ctx context.Context, in *struct {
			IDInput
			httpapi.ListParams
		}) (*httpapi.ListBody[CommentView], error) {
			l, err := svc.Comments(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			var uids []string
			for _, c := range l {
				uids = append(uids, c.AuthorID)
			}
			us, _, err := svc.Refs(ctx, uids, nil)
			if err != nil {
				return nil, err
			}
			out := make([]CommentView, len(l))
			for i, c := range l {
				out[i] = commentView(ctx, c, us[c.AuthorID])
			}
			return page(ctx, &in.ListParams, out), nil
		})
	add := route(http.MethodPost, "/{id}/comments", "comment", "Comment on a task (markdown; mentions are recorded for notifications)")
	add.Status = http.StatusCreated
	httpapi.Register(s, add, func(ctx context.Context, in *commentInput) (*httpapi.Body[CommentView], error) {
		var m []string
		if in.Body.Mentions != nil {
			m = *in.Body.Mentions
		}
		c, err := svc.AddComment(ctx, in.ID, in.text(), m)
		if err != nil {
			return nil, err
		}
		us, _, _ := svc.Refs(ctx, []string{c.AuthorID}, nil)
		return httpapi.OK(commentView(ctx, c, us[c.AuthorID]), "comment added"), nil
	})
	httpapi.Register(s, route(http.MethodPut, "/{id}/comments/{commentId}", "comment-edit", "Edit your comment"),
		func(ctx context.Context, in *commentEditInput) (*httpapi.Body[CommentView], error) {
			var m *[]string
			if in.Body.Mentions != nil {
				l := []string(*in.Body.Mentions)
				m = &l
			}
			c, err := svc.EditComment(ctx, in.ID, in.CommentID, in.Body.Body, m)
			if err != nil {
				return nil, err
			}
			us, _, _ := svc.Refs(ctx, []string{c.AuthorID}, nil)
			return httpapi.OK(commentView(ctx, c, us[c.AuthorID]), "comment updated"), nil
		})
	httpapi.Register(s, route(http.MethodDelete, "/{id}/comments/{commentId}", "comment-delete", "Delete your comment"),
		func(ctx context.Context, in *commentIDInput) (*httpapi.Body[any], error) {
			if err := svc.DeleteComment(ctx, in.ID, in.CommentID); err != nil {
				return nil, err
			}
			return httpapi.OK[any](nil, "comment deleted"), nil
		})
}

// page answers a whole (small) collection as one list page.
func page[T any](ctx context.Context, p *httpapi.ListParams, all []T) *httpapi.ListBody[T] {
	size := p.Size()
	off := (p.PageNumber() - 1) * size
	return httpapi.NewList(ctx, p, all[min(off, len(all)):min(off+size, len(all))], len(all), "")
}

type timeFields struct {
	Hours       *float64 `json:"hours,omitempty" doc:"More than 0, at most 24"`
	Date        *string  `json:"date,omitempty" maxLength:"40" doc:"YYYY-MM-DD, default today in X-Timezone"`
	Description *string  `json:"description,omitempty" maxLength:"2000"`
}

func (f timeFields) patch() *tasks.TimePatch {
	return &tasks.TimePatch{Hours: f.Hours, Date: f.Date, Description: f.Description}
}

type timeIDInput struct {
	ID      string `path:"id"`
	EntryID string `path:"entryId"`
}

func registerTime(s *httpapi.Server, d Deps, route func(method, path, op, summary string) httpapi.Route) {
	svc := d.Tasks
	httpapi.Register(s, route(http.MethodGet, "/{id}/time-entries", "time-entries", "A task's time entries"),
		func(ctx context.Context, in *struct {
			IDInput
			httpapi.ListParams
		}) (*httpapi.ListBody[TimeView], error) {
			l, err := svc.TimeEntries(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			out := make([]TimeView, len(l))
			for i, e := range l {
				out[i] = timeView(ctx, e)
			}
			return page(ctx, &in.ListParams, out), nil
		})
	add := route(http.MethodPost, "/{id}/time-entries", "time-add", "Log time on a task (added to its actual hours)")
	add.Status = http.StatusCreated
	httpapi.Register(s, add, func(ctx context.Context, in *struct {
		ID   string `path:"id"`
		Body timeFields
	}) (*httpapi.Body[TimeView], error) {
		e, err := svc.AddTime(withLoc(ctx), in.ID, in.Body.patch())
		if err != nil {
			return nil, err
		}
		return httpapi.OK(timeView(ctx, e), "time logged"), nil
	})
	httpapi.Register(s, route(http.MethodPut, "/{id}/time-entries/{entryId}", "time-edit", "Change your time entry"),
		func(ctx context.Context, in *struct {
			ID      string `path:"id"`
			EntryID string `path:"entryId"`
			Body    timeFields
		}) (*httpapi.Body[TimeView], error) {
			e, err := svc.EditTime(withLoc(ctx), in.ID, in.EntryID, in.Body.patch())
			if err != nil {
				return nil, err
			}
			return httpapi.OK(timeView(ctx, e), "time entry updated"), nil
		})
	httpapi.Register(s, route(http.MethodDelete, "/{id}/time-entries/{entryId}", "time-delete", "Delete your time entry"),
		func(ctx context.Context, in *timeIDInput) (*httpapi.Body[any], error) {
			if err := svc.DeleteTime(ctx, in.ID, in.EntryID); err != nil {
				return nil, err
			}
			return httpapi.OK[any](nil, "time entry deleted"), nil
		})
}

// registerAssignments mounts Rabin's /api/tasks/users.
func registerAssignments(s *httpapi.Server, d Deps) {
	route := taskRoute("/api/tasks", "tasks")
	svc := d.Tasks
	httpapi.Register(s, route(http.MethodGet, "/users", "assignments", "A user's task assignments (user_id, default you)"),
		func(ctx context.Context, in *struct {
			UserID string `query:"user_id"`
			httpapi.ListParams
		}) (*httpapi.ListBody[AssignmentView], error) {
			uid := in.UserID
			if uid == "" {
				uid = auth.PrincipalFrom(ctx).Subject
			}
			l, byTask, err := svc.Assignments(ctx, uid)
			if err != nil {
				return nil, err
			}
			now := svc.Clock()
			out := make([]AssignmentView, 0, len(l))
			for _, a := range l {
				var tv *TaskView
				if t := byTask[a.TaskID]; t != nil {
					v := view(ctx, now, t)
					tv = &v
				}
				out = append(out, assignmentView(ctx, a, tv, nil))
			}
			return page(ctx, &in.ListParams, out), nil
		})
	add := route(http.MethodPost, "/users", "assign-user", "Assign a task to a user with a role")
	add.Status = http.StatusCreated
	httpapi.Register(s, add, func(ctx context.Context, in *struct {
		Body struct {
			TaskID string `json:"task_id" minLength:"1" maxLength:"36"`
			UserID string `json:"user_id" minLength:"1" maxLength:"36"`
			Role   string `json:"role,omitempty" maxLength:"50"`
		}
	}) (*httpapi.Body[AssignmentView], error) {
		role := in.Body.Role
		if role == "" {
			role = "assignee"
		}
		t, err := svc.Assign(withLoc(ctx), in.Body.TaskID, []string{in.Body.UserID}, false, map[string]string{in.Body.UserID: role})
		if err != nil {
			return nil, err
		}
		v := view(ctx, svc.Clock(), t)
		a := &crm.TaskAssignment{TaskID: t.ID, UserID: in.Body.UserID, Role: role, AssignedBy: auth.PrincipalFrom(ctx).Subject, AssignedAt: t.UpdatedAt}
		return httpapi.OK(assignmentView(ctx, a, &v, nil), "task assigned"), nil
	})
}

type labelFields struct {
	Name   *string `json:"name,omitempty" maxLength:"50"`
	Color  *string `json:"color,omitempty" maxLength:"7" doc:"#rrggbb"`
	Colour *string `json:"colour,omitempty" maxLength:"7" doc:"Alias of color"`
}

func (f labelFields) color() *string {
	if f.Color != nil {
		return f.Color
	}
	return f.Colour
}

// LabelView is a label with its Jalali dates.
type LabelView struct {
	crm.Label
	Colour          string `json:"colour" doc:"Same as color"`
	CreatedAtJalali string `json:"created_at_jalali"`
	UpdatedAtJalali string `json:"updated_at_jalali"`
}

func labelView(ctx context.Context, l *crm.Label) LabelView {
	loc := httpapi.LocationFrom(ctx)
	return LabelView{Label: *l, Colour: l.Color, CreatedAtJalali: jalali.Format(l.CreatedAt, loc), UpdatedAtJalali: jalali.Format(l.UpdatedAt, loc)}
}

func registerLabels(s *httpapi.Server, d Deps) {
	svc := d.Tasks
	route := func(method, path, op, summary string) httpapi.Route {
		return httpapi.Route{Method: method, Path: "/api/labels" + path, ID: "labels-" + op, Summary: summary,
			Tags: []string{"Labels"}, Realm: httpapi.TenantUsers, Module: "tasks"}
	}
	httpapi.Register(s, route(http.MethodGet, "", "list", "Task labels by name"),
		func(ctx context.Context, in *httpapi.ListParams) (*httpapi.ListBody[LabelView], error) {
			l, err := svc.Labels(ctx)
			if err != nil {
				return nil, err
			}
			out := make([]LabelView, len(l))
			for i, x := range l {
				out[i] = labelView(ctx, x)
			}
			return page(ctx, in, out), nil
		})
	create := route(http.MethodPost, "", "create", "Create a label (names are unique without case)")
	create.Status = http.StatusCreated
	httpapi.Register(s, create, func(ctx context.Context, in *struct{ Body labelFields }) (*httpapi.Body[LabelView], error) {
		name := ""
		if in.Body.Name != nil {
			name = *in.Body.Name
		}
		l, err := svc.SaveLabel(ctx, "", &name, in.Body.color())
		if err != nil {
			return nil, err
		}
		return httpapi.OK(labelView(ctx, l), "label created"), nil
	})
	httpapi.Register(s, route(http.MethodGet, "/{id}", "get", "A label"),
		func(ctx context.Context, in *IDInput) (*httpapi.Body[LabelView], error) {
			l, err := svc.Label(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			return httpapi.OK(labelView(ctx, l), ""), nil
		})
	httpapi.Register(s, route(http.MethodPut, "/{id}", "update", "Rename or recolour a label"),
		func(ctx context.Context, in *struct {
			ID   string `path:"id"`
			Body labelFields
		}) (*httpapi.Body[LabelView], error) {
			l, err := svc.SaveLabel(ctx, in.ID, in.Body.Name, in.Body.color())
			if err != nil {
				return nil, err
			}
			return httpapi.OK(labelView(ctx, l), "label updated"), nil
		})
	httpapi.Register(s, route(http.MethodDelete, "/{id}", "delete", "Delete a label (tasks stop showing it)"),
		func(ctx context.Context, in *IDInput) (*httpapi.Body[any], error) {
			if err := svc.DeleteLabel(ctx, in.ID); err != nil {
				return nil, err
			}
			return httpapi.OK[any](nil, "label deleted"), nil
		})
}

var _ = time.Now
