package tasks

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"payvand.dev/shared/crm"
	"payvand.dev/shared/search"
	"payvand.dev/shared/store"
)

type locKey struct{}

// WithLocation sets the caller's time zone (dates given as times are read
// in it, and "today" for overdue is its date).
func WithLocation(ctx context.Context, loc *time.Location) context.Context {
	return context.WithValue(ctx, locKey{}, loc)
}

func locOf(ctx context.Context) *time.Location {
	if l, ok := ctx.Value(locKey{}).(*time.Location); ok && l != nil {
		return l
	}
	return time.UTC
}

// maxInMemory bounds the tasks a search or an assignee's list considers.
const maxInMemory = 1000

// ListTasks answers from the index that fits the sort and filters: one
// query for the page plus the total (from the counters when they cover
// the filters, else a count query). A search, or a filter by assignee,
// reads the matching ids from the search index or the assignee index and
// the tasks in batches, then filters, sorts and pages in memory.
func (s *Service) ListTasks(ctx context.Context, f crm.TaskFilter) (*crm.TaskPage, error) {
	t, err := s.table(ctx)
	if err != nil {
		return nil, err
	}
	if f.SortBy == "" {
		f.SortBy, f.Desc = "created_at", true
	}
	if f.Overdue && f.Today == "" {
		f.Today = s.now().In(locOf(ctx)).Format(time.DateOnly)
	}
	if f.Assignee != "" && f.Search == "" && f.SortBy == "created_at" && len(conds(crm.TaskFilter{Assignee: f.Assignee}, "")) == len(conds(f, "")) {
		return s.listAssigned(ctx, t, f)
	}
	if f.Search != "" || f.Assignee != "" || f.Label != "" || f.Department != "" {
		return s.listInMemory(ctx, t, f)
	}
	q := store.Query{Index: "GSI1", PK: listPK, Reverse: f.Desc, Limit: f.Limit, Offset: f.Offset, Cursor: f.Cursor}
	indexed := ""
	switch f.SortBy {
	case "due_date":
		q.Index, q.PK, indexed = "GSI2", duePK, "due"
		to := ""
		if f.DueTo != "" {
			to = f.DueTo + "#~"
		}
		if f.Overdue && (to == "" || f.Today < to) {
			to = f.Today // before today: the key range, not a filter
		}
		switch {
		case f.DueDate != "":
			q.SK = store.SKPrefix(f.DueDate + "#")
		case f.DueFrom != "" && to != "":
			q.SK = store.SKBetweenOf(f.DueFrom, to)
		case f.DueFrom != "":
			q.SK = store.SKGreaterEq(f.DueFrom)
		case to != "":
			q.SK = store.SKLessEq(to)
		default:
			indexed = ""
		}
	case "priority":
		q.Index, q.PK = "GSI4", priorityPK
	default:
		switch {
		case f.Status != "":
			q.Index, q.PK, indexed = "GSI3", statusPK(f.Status), "status"
		case f.Creator != "":
			q.Index, q.PK, indexed = "GSI5", creatorPK(f.Creator), "creator"
		}
	}
	q.Filter = conds(f, indexed)
	p, err := t.Query(ctx, q)
	if err != nil {
		return nil, err
	}
	page := &crm.TaskPage{NextCursor: p.Cursor, Tasks: make([]*crm.Task, 0, len(p.Items))}
	for _, it := range p.Items {
		task, _, err := fromItem(it)
		if err != nil {
			return nil, err
		}
		page.Tasks = append(page.Tasks, task)
	}
	if attr, ok := counterAttr(f); ok {
		c, err := t.Get(ctx, counterKey())
		if err != nil && crm.ErrorCode(err) != crm.ENOTFOUND {
			return nil, err
		}
		page.Total = int(store.Int(c, attr))
		return page, nil
	}
	q.Limit, q.Offset, q.Cursor, q.CountOnly = 0, 0, "", true
	cp, err := t.Query(ctx, q)
	if err != nil {
		return nil, err
	}
	page.Total = cp.Count
	return page, nil
}

// counterAttr is the counter that holds the total of a filter set, if any.
func counterAttr(f crm.TaskFilter) (string, bool) {
	other := f.Priority != "" || f.Creator != "" || f.Department != "" || f.Label != "" || f.Parent != "" ||
		f.DueFrom != "" || f.DueTo != "" || f.DueDate != "" || f.Overdue
	switch {
	case other:
		return "", false
	case f.Status != "":
		return "st_" + f.Status, true
	}
	return "total", true
}

// conds are the filters the chosen index does not answer.
func conds(f crm.TaskFilter, indexed string) []store.Cond {
	var c []store.Cond
	if f.Status != "" && indexed != "status" {
		c = append(c, store.Eq("status", f.Status))
	}
	if f.Priority != "" {
		c = append(c, store.Eq("priority", f.Priority))
	}
	if f.Creator != "" && indexed != "creator" {
		c = append(c, store.Eq("created_by", f.Creator))
	}
	if f.Department != "" {
		c = append(c, store.Eq("department_id", f.Department))
	}
	if f.Label != "" {
		c = append(c, store.Contains("label_ids", f.Label))
	}
	if f.Assignee != "" {
		c = append(c, store.Contains("assignee_ids", f.Assignee))
	}
	switch f.Parent {
	case "":
	case "null", "none", "root":
		c = append(c, store.AttrNotExists("parent_id"))
	default:
		c = append(c, store.Eq("parent_id", f.Parent))
	}
	if indexed != "due" {
		if f.DueDate != "" {
			c = append(c, store.Eq("due_date", f.DueDate))
		}
		if f.DueFrom != "" {
			c = append(c, store.Ge("due_date", f.DueFrom))
		}
		if f.DueTo != "" {
			c = append(c, store.Le("due_date", f.DueTo))
		}
	}
	if f.Overdue {
		c = append(c, store.Lt("due_date", f.Today), store.Ne("status", "completed"), store.Ne("status", "cancelled"))
	}
	return c
}

// listInMemory pages a search, or an assignee's, a label's or a
// department's tasks: the ids from one index query (at most 1,000), the
// tasks in batches of 100, filtered, sorted and paged in memory.
func (s *Service) listInMemory(ctx context.Context, t store.Table, f crm.TaskFilter) (*crm.TaskPage, error) {
	var idList []string
	var err error
	if f.Search != "" {
		if idList, err = search.IDs(ctx, t, kind, f.Search); err != nil {
			return nil, err
		}
	} else {
		// The most telling membership index: an assignee's, a label's or
		// a department's tasks.
		q := store.Query{Index: "GSI5", PK: assigneePK(f.Assignee), Limit: maxInMemory}
		switch {
		case f.Assignee != "":
		case f.Label != "":
			q.Index, q.PK = "GSI2", labelPK(f.Label)
		default:
			q.Index, q.PK = "GSI3", deptPK(f.Department)
		}
		p, err := t.Query(ctx, q)
		if err != nil {
			return nil, err
		}
		for _, it := range p.Items {
			idList = append(idList, store.Str(it, "task_id"))
		}
	}
	if len(idList) > maxInMemory {
		idList = idList[:maxInMemory]
	}
	filter := conds(f, "")
	items, err := store.BatchGetAll(ctx, t, store.Keys(idList, taskKey))
	if err != nil {
		return nil, err
	}
	all, err := store.Decode(items, filter, func(it store.Item) (*crm.Task, error) {
		task, _, err := fromItem(it)
		return task, err
	})
	if err != nil {
		return nil, err
	}
	sortTasks(all, f.SortBy, f.Desc)
	page := &crm.TaskPage{Total: len(all)}
	page.Tasks, page.NextCursor = store.Window(all, store.OffsetOf(f.Offset, f.Cursor), f.Limit)
	return page, nil
}

// sortTasks orders as the indexes do: by id (creation), by due date
// (undated last) or by priority rank, ties by id.
func sortTasks(l []*crm.Task, by string, desc bool) {
	key := func(t *crm.Task) string {
		switch by {
		case "due_date":
			return dueSK(t)
		case "priority":
			return strconv.Itoa(crm.PriorityRank(t.Priority)) + "#" + t.ID
		}
		return t.ID
	}
	slices.SortFunc(l, func(a, b *crm.Task) int {
		r := strings.Compare(key(a), key(b))
		if desc {
			r = -r
		}
		return r
	})
}

// Assignments lists a user's assignments (Rabin's /api/tasks/users), with
// their tasks: one index query and one batch read.
func (s *Service) Assignments(ctx context.Context, userID string) ([]*crm.TaskAssignment, map[string]*crm.Task, error) {
	t, err := s.table(ctx)
	if err != nil {
		return nil, nil, err
	}
	p, err := t.Query(ctx, store.Query{Index: "GSI5", PK: assigneePK(userID), Reverse: true, Limit: 100})
	if err != nil {
		return nil, nil, err
	}
	out := make([]*crm.TaskAssignment, 0, len(p.Items))
	keys := make([]store.Key, 0, len(p.Items))
	for _, it := range p.Items {
		a, err := assignFromItem(it)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, a)
		keys = append(keys, taskKey(a.TaskID))
	}
	byID := map[string]*crm.Task{}
	if len(keys) > 0 {
		l, err := store.Batch(ctx, t, keys, DecodeTask)
		if err != nil {
			return nil, nil, err
		}
		for _, task := range l {
			byID[task.ID] = task
		}
	}
	return out, byID, nil
}

// Assign sets a task's assignees: appended to or replacing the current
// ones; roles (Rabin) name each new assignee's role.
func (s *Service) Assign(ctx context.Context, id string, userIDs []string, replace bool, roles map[string]string) (*crm.Task, error) {
	t, err := s.table(ctx)
	if err != nil {
		return nil, err
	}
	old, _, err := s.load(ctx, t, id)
	if err != nil {
		return nil, err
	}
	list := slices.Clone(userIDs)
	if !replace {
		list = append(slices.Clone(old.AssigneeIDs), userIDs...)
	}
	v := old.Version
	return s.update(ctx, id, &crm.TaskPatch{AssigneeIDs: &list, Version: &v}, roles)
}

// listAssigned pages a user's tasks by creation straight from the
// assignee index: one query for the page, one batch read of its tasks
// and one count.
func (s *Service) listAssigned(ctx context.Context, t store.Table, f crm.TaskFilter) (*crm.TaskPage, error) {
	q := store.Query{Index: "GSI5", PK: assigneePK(f.Assignee), Reverse: f.Desc, Limit: f.Limit, Offset: f.Offset, Cursor: f.Cursor}
	p, err := t.Query(ctx, q)
	if err != nil {
		return nil, err
	}
	keys := make([]store.Key, 0, len(p.Items))
	for _, it := range p.Items {
		keys = append(keys, taskKey(store.Str(it, "task_id")))
	}
	page := &crm.TaskPage{NextCursor: p.Cursor, Tasks: []*crm.Task{}}
	if len(keys) > 0 {
		if page.Tasks, err = store.Batch(ctx, t, keys, DecodeTask); err != nil {
			return nil, err
		}
	}
	q.Limit, q.Offset, q.Cursor, q.CountOnly = 0, 0, "", true
	cp, err := t.Query(ctx, q)
	if err != nil {
		return nil, err
	}
	page.Total = cp.Count
	return page, nil
}

// Subtasks reads the copies of a task's subtasks in its item collection:
// one query.
func (s *Service) Subtasks(ctx context.Context, parentID string) ([]*crm.Task, error) {
	t, err := s.table(ctx)
	if err != nil {
		return nil, err
	}
	p, err := t.Query(ctx, store.Query{PK: taskPK(parentID), SK: store.SKPrefix("SUB#"), Limit: 1000})
	if err != nil {
		return nil, err
	}
	out := make([]*crm.Task, 0, len(p.Items))
	for _, it := range p.Items {
		st, err := DecodeTask(it)
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, nil
}
