// Package tasksapi is the work-management route group: tasks (also under
// /api/tenant/tasks) with their comments, time entries, attachments and
// assignees, labels, departments and positions.
package tasksapi

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"sync"

	"payvand.dev/shared/auth"
	"payvand.dev/shared/crm"
	"payvand.dev/shared/departments"
	"payvand.dev/shared/documents"
	"payvand.dev/shared/httpapi"
	"payvand.dev/shared/tasks"
)

// Deps are the services the routes use.
type Deps struct {
	Tasks       *tasks.Service
	Departments *departments.Service
	// Presign answers downloads with a redirect to a presigned S3 URL
	// (on AWS: a Lambda answer is at most 6 MB); locally the API serves
	// the bytes.
	Presign bool
}

// TaskFields are the writable fields; both seeds' names are understood.
type TaskFields struct {
	Title          *string  `json:"title,omitempty" maxLength:"300"`
	Description    *string  `json:"description,omitempty" maxLength:"50000" doc:"Markdown"`
	Status         *string  `json:"status,omitempty" maxLength:"30" doc:"not_started (Rabin: pending), in_progress, pending_review, completed, cancelled; any case"`
	Priority       *string  `json:"priority,omitempty" maxLength:"20" doc:"low, medium, high, critical; any case"`
	Progress       *int     `json:"progress,omitempty"`
	DueDate        *string  `json:"due_date,omitempty" maxLength:"40" doc:"YYYY-MM-DD (or an RFC 3339 time: its date in X-Timezone); empty clears it"`
	EstimatedHours *float64 `json:"estimated_hours,omitempty"`
	DepartmentID   *string  `json:"department_id,omitempty" maxLength:"36"`
	Assignees      *RefList `json:"assignees,omitempty" doc:"User ids (or the assignee objects read)"`
	AssigneeIDs    *RefList `json:"assignee_ids,omitempty"`
	AssigneeID     *string  `json:"assignee_id,omitempty" maxLength:"36" doc:"Rabin: one assignee"`
	Labels         *RefList `json:"labels,omitempty" doc:"Label ids or names (or the label objects read)"`
	LabelIDs       *RefList `json:"label_ids,omitempty"`
	ParentID       *string  `json:"parent_id,omitempty" maxLength:"36" doc:"Makes the task a subtask (set when creating)"`
	CustomerID     *string  `json:"customer_id,omitempty" maxLength:"36"`
	RelatedTo      *string  `json:"related_to,omitempty" maxLength:"200"`
	CompletionNote *string  `json:"completion_note,omitempty" maxLength:"5000"`
	Version        *int64   `json:"version,omitempty" doc:"Send the version you read to refuse overwriting a newer change (409)."`
}

// CreateFields are what only a create takes.
type CreateFields struct {
	AttachmentIDs []string `json:"attachment_ids,omitempty" maxItems:"20" doc:"Ids of files you uploaded with POST /api/tasks/upload (no task_id): they move to the new task"`
}

func (f *TaskFields) patch() *crm.TaskPatch {
	p := &crm.TaskPatch{Title: f.Title, Description: f.Description, Status: f.Status, Priority: f.Priority, Progress: f.Progress,
		DueDate: f.DueDate, EstimatedHours: f.EstimatedHours, DepartmentID: f.DepartmentID, ParentID: f.ParentID,
		CustomerID: f.CustomerID, RelatedTo: f.RelatedTo, CompletionNote: f.CompletionNote, Version: f.Version}
	switch {
	case f.Assignees != nil:
		l := []string(*f.Assignees)
		p.AssigneeIDs = &l
	case f.AssigneeIDs != nil:
		l := []string(*f.AssigneeIDs)
		p.AssigneeIDs = &l
	case f.AssigneeID != nil:
		l := []string{}
		if s := strings.TrimSpace(*f.AssigneeID); s != "" {
			l = append(l, s)
		}
		p.AssigneeIDs = &l
	}
	switch {
	case f.Labels != nil:
		l := []string(*f.Labels)
		p.Labels = &l
	case f.LabelIDs != nil:
		l := []string(*f.LabelIDs)
		p.Labels = &l
	}
	if p.ParentID != nil && *p.ParentID == "" {
		p.ParentID = nil
	}
	return p
}

// CreateInput is the body of a create.
type CreateInput struct {
	Body struct {
		TaskFields
		CreateFields
		Title string `json:"title" minLength:"1" maxLength:"300"`
	}
}

// IDInput addresses one task.
type IDInput struct {
	ID string `path:"id"`
}

// DetailInput addresses one task for its detail.
type DetailInput struct {
	ID string `path:"id"`
}

// UpdateInput is a partial update.
type UpdateInput struct {
	ID   string `path:"id"`
	Body TaskFields
}

// StatusInput changes the status.
type StatusInput struct {
	ID   string `path:"id"`
	Body struct {
		Status         string  `json:"status" minLength:"1" maxLength:"30"`
		CompletionNote *string `json:"completion_note,omitempty" maxLength:"5000"`
	}
}

// ProgressInput changes the progress.
type ProgressInput struct {
	ID   string `path:"id"`
	Body struct {
		Progress int `json:"progress"`
	}
}

// AssignInput sets assignees.
type AssignInput struct {
	ID   string `path:"id"`
	Body struct {
		UserIDs RefList `json:"user_ids"`
		Mode    string  `json:"mode,omitempty" enum:"append,replace," doc:"append (default) or replace"`
	}
}

// ListInput is the list's query: IshYar's filter[x] and Rabin's x=.
type ListInput struct {
	httpapi.ListParams
	Status     string `query:"status" doc:"Also filter[status]; any case, pending = not_started"`
	Priority   string `query:"priority" doc:"Also filter[priority]"`
	Assignee   string `query:"assignee" doc:"Also filter[assignee], assignee_id"`
	AssigneeID string `query:"assignee_id" doc:"Rabin's assignee filter"`
	Creator    string `query:"creator" doc:"Also filter[creator]"`
	Department string `query:"department" doc:"Also filter[department], department_id"`
	Label      string `query:"label" doc:"Also filter[label] (a label id)"`
	DueFrom    string `query:"due_from" doc:"Also filter[due_from] (YYYY-MM-DD)"`
	DueTo      string `query:"due_to" doc:"Also filter[due_to] (YYYY-MM-DD)"`
	DueDate    string `query:"due_date" doc:"Rabin: due on this date"`
	Overdue    string `query:"overdue" doc:"Also filter[overdue]: true for open tasks due before today in X-Timezone"`
	MyTasks    string `query:"my_tasks" doc:"Also filter[my_tasks]: true for tasks assigned to the caller"`
	ParentID   string `query:"parent_id" doc:"A task's subtasks, or null for top-level tasks"`
}

func first(in *ListInput, names ...string) string {
	for _, n := range names {
		if v := in.Filter(n); v != "" {
			return v
		}
	}
	return ""
}

func truthy(s string) (bool, bool) {
	switch strings.ToLower(s) {
	case "", "0", "false", "no":
		return false, true
	case "1", "true", "yes":
		return true, true
	}
	return false, false
}

func (in *ListInput) filter(ctx context.Context) (crm.TaskFilter, error) {
	fe := crm.FieldErrors{}
	f := crm.TaskFilter{Creator: first(in, "creator", "creator_id", "created_by"), Department: first(in, "department", "department_id"),
		Label: first(in, "label", "label_id"), Assignee: first(in, "assignee", "assignee_id"), Parent: first(in, "parent_id", "parent"),
		Search: strings.TrimSpace(in.Search), Limit: in.Size()}
	if s := first(in, "status"); s != "" {
		st, ok := crm.NormalizeTaskStatus(s)
		if !ok {
			fe.Add("filter[status]", "must be one of not_started, pending, in_progress, pending_review, completed, cancelled")
		}
		f.Status = st
	}
	if p := first(in, "priority"); p != "" {
		pr, ok := crm.NormalizeTaskPriority(p)
		if !ok {
			fe.Add("filter[priority]", "must be one of low, medium, high, critical")
		}
		f.Priority = pr
	}
	for name, dst := range map[string]*string{"due_from": &f.DueFrom, "due_to": &f.DueTo, "due_date": &f.DueDate} {
		if v := first(in, name); v != "" {
			d, ok := crm.ParseDueDate(v, httpapi.LocationFrom(ctx))
			if !ok {
				fe.Add("filter["+name+"]", "must be a date (YYYY-MM-DD)")
			}
			*dst = d
		}
	}
	var ok bool
	if f.Overdue, ok = truthy(first(in, "overdue")); !ok {
		fe.Add("filter[overdue]", "must be true or false")
	}
	mine, ok := truthy(first(in, "my_tasks"))
	if !ok {
		fe.Add("filter[my_tasks]", "must be true or false")
	}
	if mine {
		f.Assignee = auth.PrincipalFrom(ctx).Subject
	}
	def := "-created_at"
	if f.Overdue {
		def = "due_date" // the most overdue first, read from the due-date index
	}
	f.SortBy, f.Desc = in.SortField(def)
	if !slices.Contains([]string{"created_at", "due_date", "priority"}, f.SortBy) {
		fe.Add("sort", "sort by one of: due_date, -due_date, priority, -priority, created_at, -created_at")
	}
	return f, fe.Err()
}

// Register mounts the routes.
func Register(s *httpapi.Server, d Deps) {
	for _, base := range []struct{ prefix, id string }{{"/api/tasks", "tasks"}, {"/api/tenant/tasks", "tenant-tasks"}} {
		registerTasks(s, d, base.prefix, base.id)
	}
	registerAssignments(s, d)
	registerLabels(s, d)
	registerDepartments(s, d)
	registerAttachments(s, d)
}

func taskRoute(prefix, id string) func(method, path, op, summary string) httpapi.Route {
	return func(method, path, op, summary string) httpapi.Route {
		return httpapi.Route{Method: method, Path: prefix + path, ID: id + "-" + op, Summary: summary,
			Tags: []string{"Tasks"}, Realm: httpapi.TenantUsers, Module: "tasks"}
	}
}

// withLoc hands the caller's time zone to the domain.
func withLoc(ctx context.Context) context.Context {
	return tasks.WithLocation(ctx, httpapi.LocationFrom(ctx))
}

func registerTasks(s *httpapi.Server, d Deps, prefix, id string) {
	route := taskRoute(prefix, id)
	svc := d.Tasks

	httpapi.Register(s, route(http.MethodGet, "", "list", "List tasks (every filter in filter[x] or x= form, search, sort, include=assignees,labels,creator,subtasks)"),
		func(ctx context.Context, in *ListInput) (*httpapi.ListBody[TaskView], error) {
			return list(withLoc(ctx), s, d, in, id)
		})

	create := route(http.MethodPost, "", "create", "Create a task (a subtask with parent_id)")
	create.Status = http.StatusCreated
	httpapi.Register(s, create, func(ctx context.Context, in *CreateInput) (*httpapi.Body[TaskView], error) {
		p := in.Body.TaskFields.patch()
		p.Title, p.Uploads = &in.Body.Title, in.Body.AttachmentIDs
		t, err := svc.CreateTask(withLoc(ctx), p)
		if err != nil {
			return nil, err
		}
		return httpapi.OK(full(ctx, d, t), "task created"), nil
	})

	httpapi.Register(s, route(http.MethodGet, "/{id}", "get", "A task with its assignees, labels, subtasks, comments, attachments and time entries"),
		func(ctx context.Context, in *DetailInput) (*httpapi.Body[DetailView], error) {
			dt, err := svc.TaskDetail(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			v, err := detailView(ctx, d, dt)
			if err != nil {
				return nil, err
			}
			return httpapi.OK(v, ""), nil
		})

	httpapi.Register(s, route(http.MethodPut, "/{id}", "update", "Update a task (only the fields sent change)"),
		func(ctx context.Context, in *UpdateInput) (*httpapi.Body[TaskView], error) {
			t, err := svc.UpdateTask(withLoc(ctx), in.ID, in.Body.patch())
			if err != nil {
				return nil, err
			}
			return httpapi.OK(full(ctx, d, t), "task updated"), nil
		})

	httpapi.Register(s, route(http.MethodPatch, "/{id}/status", "status", "Change a task's status (completion_note optional)"),
		func(ctx context.Context, in *StatusInput) (*httpapi.Body[TaskView], error) {
			t, err := svc.UpdateTask(withLoc(ctx), in.ID, &crm.TaskPatch{Status: &in.Body.Status, CompletionNote: in.Body.CompletionNote})
			if err != nil {
				return nil, err
			}
			return httpapi.OK(full(ctx, d, t), "task status updated"), nil
		})

	httpapi.Register(s, route(http.MethodPatch, "/{id}/progress", "progress", "Change a task's progress (0–100)"),
		func(ctx context.Context, in *ProgressInput) (*httpapi.Body[TaskView], error) {
			t, err := svc.UpdateTask(withLoc(ctx), in.ID, &crm.TaskPatch{Progress: &in.Body.Progress})
			if err != nil {
				return nil, err
			}
			return httpapi.OK(full(ctx, d, t), "task progress updated"), nil
		})

	httpapi.Register(s, route(http.MethodPost, "/{id}/assign", "assign", "Assign users (mode append or replace)"),
		func(ctx context.Context, in *AssignInput) (*httpapi.Body[TaskView], error) {
			t, err := svc.Assign(withLoc(ctx), in.ID, in.Body.UserIDs, in.Body.Mode == "replace", nil)
			if err != nil {
				return nil, err
			}
			return httpapi.OK(full(ctx, d, t), "task assigned"), nil
		})

	httpapi.Register(s, route(http.MethodDelete, "/{id}", "delete", "Delete a task with its comments, time entries and files (409 while it has subtasks)"),
		func(ctx context.Context, in *IDInput) (*httpapi.Body[any], error) {
			if err := svc.DeleteTask(ctx, in.ID); err != nil {
				return nil, err
			}
			return httpapi.OK[any](nil, "task deleted"), nil
		})

	registerComments(s, d, route)
	registerTime(s, d, route)
}

// full is a task's view with its assignees, labels and creator (one
// batch read).
func full(ctx context.Context, d Deps, t *crm.Task) TaskView {
	v := view(ctx, d.Tasks.Clock(), t)
	us, ls, err := d.Tasks.Refs(ctx, append(slices.Clone(t.AssigneeIDs), t.CreatedBy), t.LabelIDs)
	if err == nil {
		refs{us, ls, ctx}.fill(&v, true, true, true)
	}
	return v
}

func list(ctx context.Context, s *httpapi.Server, d Deps, in *ListInput, scope string) (*httpapi.ListBody[TaskView], error) {
	f, err := in.filter(ctx)
	if err != nil {
		return nil, err
	}
	if f.Cursor, f.Offset, err = s.Cursors.Window(ctx, scope, &in.ListParams); err != nil {
		return nil, err
	}
	page, err := d.Tasks.ListTasks(ctx, f)
	if err != nil {
		return nil, err
	}
	now := d.Tasks.Clock()
	views := make([]TaskView, len(page.Tasks))
	for i, t := range page.Tasks {
		views[i] = view(ctx, now, t)
	}
	assignees, labels, creator, subtasks := in.Includes("assignees"), in.Includes("labels"), in.Includes("creator"), in.Includes("subtasks")
	if assignees || labels || creator {
		var uids, lids []string
		for _, t := range page.Tasks {
			if assignees {
				uids = append(uids, t.AssigneeIDs...)
			}
			if creator {
				uids = append(uids, t.CreatedBy)
			}
			if labels {
				lids = append(lids, t.LabelIDs...)
			}
		}
		us, ls, err := d.Tasks.Refs(ctx, uids, lids)
		if err != nil {
			return nil, err
		}
		for i := range views {
			refs{us, ls, ctx}.fill(&views[i], assignees, labels, creator)
		}
	}
	if subtasks {
		// One query of each parent's item collection (its SUB# copies),
		// run side by side.
		subs := make([][]TaskView, len(page.Tasks))
		errs := make([]error, len(page.Tasks))
		var wg sync.WaitGroup
		sem := make(chan struct{}, 8)
		for i, t := range page.Tasks {
			subs[i] = []TaskView{}
			if t.SubtasksCount == 0 {
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				sem <- struct{}{}
				defer func() { <-sem }()
				l, err := d.Tasks.Subtasks(ctx, t.ID)
				if err != nil {
					errs[i] = err
					return
				}
				for _, st := range l {
					subs[i] = append(subs[i], view(ctx, now, st))
				}
			}()
		}
		wg.Wait()
		for i := range views {
			if errs[i] != nil {
				return nil, errs[i]
			}
			views[i].Subtasks = &subs[i]
		}
	}
	return httpapi.SealedList(ctx, s.Cursors, scope, &in.ListParams, views, page.Total, page.NextCursor)
}

// DetailView is a task with its relations (Rabin: task, assignees,
// attachments, comments).
type DetailView struct {
	TaskView
	Assignments []AssignmentView `json:"assignments"`
	Comments    []CommentView    `json:"comments"`
	Attachments []AttachmentView `json:"attachments"`
	TimeEntries []TimeView       `json:"time_entries"`
	// Documents are the documents linked to the task (task_id), as GET
	// /api/documents/{id} shows them.
	Documents []map[string]any `json:"documents"`
}

func detailView(ctx context.Context, d Deps, dt *crm.TaskDetail) (DetailView, error) {
	now := d.Tasks.Clock()
	v := DetailView{TaskView: view(ctx, now, dt.Task), Assignments: []AssignmentView{}, Comments: []CommentView{},
		Attachments: []AttachmentView{}, TimeEntries: []TimeView{}, Documents: documents.LinkedViews(dt.Documents, httpapi.LocationFrom(ctx))}
	uids := append(slices.Clone(dt.Task.AssigneeIDs), dt.Task.CreatedBy)
	for _, c := range dt.Comments {
		uids = append(uids, c.AuthorID)
	}
	us, ls, err := d.Tasks.Refs(ctx, uids, dt.Task.LabelIDs)
	if err != nil {
		return v, err
	}
	refs{us, ls, ctx}.fill(&v.TaskView, true, true, true)
	for _, a := range dt.Assignments {
		v.Assignments = append(v.Assignments, assignmentView(ctx, a, nil, us[a.UserID]))
	}
	for _, c := range dt.Comments {
		v.Comments = append(v.Comments, commentView(ctx, c, us[c.AuthorID]))
	}
	for _, a := range dt.Attachments {
		v.Attachments = append(v.Attachments, attachmentView(ctx, a))
	}
	for _, e := range dt.TimeEntries {
		v.TimeEntries = append(v.TimeEntries, timeView(ctx, e))
	}
	subs := make([]TaskView, 0, len(dt.Subtasks))
	for _, st := range dt.Subtasks {
		subs = append(subs, view(ctx, now, st))
	}
	v.Subtasks = &subs
	return v, nil
}
