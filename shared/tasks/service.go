package tasks

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"payvand.dev/shared/auth"
	"payvand.dev/shared/blob"
	"payvand.dev/shared/crm"
	"payvand.dev/shared/customers"
	"payvand.dev/shared/departments"
	"payvand.dev/shared/ids"
	"payvand.dev/shared/outbox"
	"payvand.dev/shared/rollup"
	"payvand.dev/shared/search"
	"payvand.dev/shared/store"
	"payvand.dev/shared/users"
)

// TableSource finds the caller's tenant table from the context.
type TableSource interface {
	TenantTable(ctx context.Context) (store.Table, error)
}

// Service implements crm.TaskService over the store.
type Service struct {
	Tables TableSource
	Blob   blob.Store // attachments; nil where the binary stores no files
	Now    func() time.Time
}

var _ crm.TaskService = (*Service)(nil)

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// Clock is the service's time (is_overdue and today's date use it).
func (s *Service) Clock() time.Time { return s.now() }

func notFound() error {
	return &crm.Error{Code: crm.ENOTFOUND, Message: "task not found", Key: "not-found-resource", Args: []any{"task"}}
}

func invalid(field, msg string) error {
	return &crm.Error{Code: crm.EVALIDATION, Message: "the given data was invalid", Key: "validation", Fields: map[string][]string{field: {msg}}}
}

func subject(ctx context.Context) string {
	if p := auth.PrincipalFrom(ctx); p != nil {
		return p.Subject
	}
	return ""
}

func (s *Service) table(ctx context.Context) (store.Table, error) { return s.Tables.TenantTable(ctx) }

func (s *Service) load(ctx context.Context, t store.Table, id string) (*crm.Task, []string, error) {
	if !ids.Valid(id) {
		return nil, nil, notFound()
	}
	it, err := store.GetOr(ctx, t, taskKey(id), notFound)
	if err != nil {
		return nil, nil, err
	}
	return fromItem(it)
}

// checkUsers answers EVALIDATION naming field unless every id is an
// active user of the tenant: one batch read.
func checkUsers(ctx context.Context, t store.Table, field string, idList []string) error {
	if len(idList) == 0 {
		return nil
	}
	keys := make([]store.Key, 0, len(idList))
	for _, id := range idList {
		if !ids.Valid(id) {
			return invalid(field, "must be active users of this organization")
		}
		keys = append(keys, users.Key(id))
	}
	found, err := store.Batch(ctx, t, keys, users.Decode)
	if err != nil {
		return err
	}
	active := 0
	for _, u := range found {
		if u.Status == users.StatusActive {
			active++
		}
	}
	if active != len(idList) {
		return invalid(field, "must be active users of this organization")
	}
	return nil
}

// resolveLabels turns label ids or names into ids: one batch read of the
// id and name keys; an unknown label is a 422 naming labels.
func resolveLabels(ctx context.Context, t store.Table, refs []string) ([]string, error) {
	var keys []store.Key
	for _, r := range refs {
		r = strings.TrimSpace(r)
		if r == "" {
			continue
		}
		if ids.Valid(r) {
			keys = append(keys, labelKey(r))
		}
		keys = append(keys, labelNameKey(r))
	}
	if len(keys) == 0 {
		return []string{}, nil
	}
	if len(keys) > 100 {
		return nil, invalid("labels", "at most 50 labels")
	}
	items, err := t.BatchGet(ctx, keys)
	if err != nil {
		return nil, err
	}
	byID, byName := map[string]bool{}, map[string]string{}
	for _, it := range items {
		if strings.HasPrefix(store.Str(it, store.PK), "LABELNAME#") {
			byName[strings.TrimPrefix(store.Str(it, store.PK), "LABELNAME#")] = store.Str(it, "label_id")
		} else {
			byID[store.Str(it, "id")] = true
		}
	}
	out := []string{}
	for _, r := range refs {
		r = strings.TrimSpace(r)
		if r == "" {
			continue
		}
		id := ""
		switch {
		case byID[r]:
			id = r
		case byName[search.Normalize(r)] != "":
			id = byName[search.Normalize(r)]
		default:
			return nil, invalid("labels", "no label has the id or name "+strconv.Quote(r))
		}
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out, nil
}

// CreateTask adds a task (a subtask when parent_id is set): one
// transaction with the counters, the parent's subtask counts and copy,
// the assignees, the search words and the events.
func (s *Service) CreateTask(ctx context.Context, p *crm.TaskPatch) (*crm.Task, error) {
	return s.create(ctx, p, nil)
}

// CreateTaskWithRoles is CreateTask with Rabin's assignment roles.
func (s *Service) create(ctx context.Context, p *crm.TaskPatch, roles map[string]string) (*crm.Task, error) {
	t, err := s.table(ctx)
	if err != nil {
		return nil, err
	}
	now := s.now()
	task := &crm.Task{ID: ids.New(), Status: "not_started", Priority: "medium", CreatedBy: subject(ctx), CreatedAt: now, UpdatedAt: now, Version: 1,
		AssigneeIDs: []string{}, LabelIDs: []string{}}
	if err := p.Apply(task, locOf(ctx)); err != nil {
		return nil, err
	}
	if p.ParentID != nil {
		task.ParentID = strings.TrimSpace(*p.ParentID)
	}
	if task.Status == "completed" {
		task.Progress, task.CompletedAt = 100, &now
	}
	if p.Labels != nil {
		if task.LabelIDs, err = resolveLabels(ctx, t, *p.Labels); err != nil {
			return nil, err
		}
	}
	if err := checkUsers(ctx, t, "assignees", task.AssigneeIDs); err != nil {
		return nil, err
	}
	var ops []store.Op
	if task.DepartmentID != "" {
		ops = append(ops, store.CheckOp(departments.DepartmentKey(task.DepartmentID), store.Exists()))
	}
	if task.CustomerID != "" {
		if !ids.Valid(task.CustomerID) {
			return nil, invalid("customer_id", "no customer has this id")
		}
		ops = append(ops, store.CheckOp(customers.CustomerKey(task.CustomerID), store.Exists()))
	}
	parentAt := -1
	if task.ParentID != "" {
		parent, _, err := s.load(ctx, t, task.ParentID)
		if crm.ErrorCode(err) == crm.ENOTFOUND {
			return nil, invalid("parent_id", "no task has this id")
		}
		if err != nil {
			return nil, err
		}
		if parent.ParentID != "" {
			return nil, invalid("parent_id", "a subtask cannot have subtasks")
		}
		sub, err := subItem(task)
		if err != nil {
			return nil, err
		}
		parentAt = len(ops)
		ops = append(ops, store.UpdateOp(store.Update{Key: taskKey(parent.ID), Add: subDelta(nil, task), Cond: []store.Cond{store.Exists()}}),
			store.PutOp(sub))
	}
	uops, err := s.adoptUploads(ctx, t, task, p.Uploads)
	if err != nil {
		return nil, err
	}
	ops = append(ops, uops...)
	it, tokens, err := toItem(task)
	if err != nil {
		return nil, err
	}
	ops = append(ops, store.PutOp(it, store.NotExists()), store.UpdateOp(store.Update{Key: counterKey(), Add: counterDelta(nil, task)}))
	ops = append(ops, search.Ops(kind, task.ID, nil, tokens)...)
	aops, err := assignOps(ctx, task, nil, roles, now)
	if err != nil {
		return nil, err
	}
	ops = append(ops, aops...)
	ops = append(ops, membershipOps(task, nil)...)
	ops = append(ops, completionOps(nil, task)...)
	ops = append(ops, outbox.Op(ctx, "task.created", map[string]any{"task": eventTask(task)}))
	if len(task.AssigneeIDs) > 0 {
		ops = append(ops, outbox.Op(ctx, "task.assigned", map[string]any{"task_id": task.ID, "title": task.Title,
			"assignees": task.AssigneeIDs, "added": task.AssigneeIDs}))
	}
	if err := t.TransactWrite(ctx, ops...); err != nil {
		var te *store.TxError
		if errors.As(err, &te) {
			switch {
			case te.Key == departments.DepartmentKey(task.DepartmentID):
				return nil, invalid("department_id", "no department has this id")
			case te.Key == customers.CustomerKey(task.CustomerID):
				return nil, invalid("customer_id", "no customer has this id")
			case te.Index == parentAt:
				return nil, invalid("parent_id", "no task has this id")
			}
		}
		return nil, err
	}
	return task, nil
}

func eventTask(t *crm.Task) map[string]any {
	return map[string]any{"id": t.ID, "title": t.Title, "status": t.Status, "priority": t.Priority, "due_date": t.DueDate,
		"assignee_ids": t.AssigneeIDs, "created_by": t.CreatedBy, "parent_id": t.ParentID, "department_id": t.DepartmentID}
}

// subDelta moves a parent's subtask counts from a subtask's old state to
// its new one (either may be nil).
func subDelta(old, new *crm.Task) map[string]int64 {
	d := map[string]int64{}
	if old != nil {
		d["subtasks_count"]--
		if old.Status == "completed" {
			d["subtasks_completed"]--
		}
	}
	if new != nil {
		d["subtasks_count"]++
		if new.Status == "completed" {
			d["subtasks_completed"]++
		}
	}
	return d
}

// assignOps writes the assignment items a task gains and deletes those it
// lost.
func assignOps(ctx context.Context, task, old *crm.Task, roles map[string]string, now time.Time) ([]store.Op, error) {
	var before []string
	if old != nil {
		before = old.AssigneeIDs
	}
	var ops []store.Op
	for _, u := range task.AssigneeIDs {
		role, changed := roles[u]
		if slices.Contains(before, u) && !changed {
			continue
		}
		if role == "" {
			role = "assignee"
		}
		it, err := assignItem(&crm.TaskAssignment{TaskID: task.ID, UserID: u, Role: role, AssignedBy: subject(ctx), AssignedAt: now})
		if err != nil {
			return nil, err
		}
		ops = append(ops, store.PutOp(it))
	}
	for _, u := range before {
		if !slices.Contains(task.AssigneeIDs, u) {
			ops = append(ops, store.DeleteOp(assigneeKey(task.ID, u)))
		}
	}
	return ops, nil
}

// GetTask reads one task.
func (s *Service) GetTask(ctx context.Context, id string) (*crm.Task, error) {
	t, err := s.table(ctx)
	if err != nil {
		return nil, err
	}
	task, _, err := s.load(ctx, t, id)
	return task, err
}

// TaskDetail reads the task's whole item collection in one query.
func (s *Service) TaskDetail(ctx context.Context, id string) (*crm.TaskDetail, error) {
	t, err := s.table(ctx)
	if err != nil {
		return nil, err
	}
	if !ids.Valid(id) {
		return nil, notFound()
	}
	p, err := t.Query(ctx, store.Query{PK: taskPK(id), Limit: 2000})
	if err != nil {
		return nil, err
	}
	d := &crm.TaskDetail{Assignments: []*crm.TaskAssignment{}, Comments: []*crm.TaskComment{}, Attachments: []*crm.TaskAttachment{},
		TimeEntries: []*crm.TimeEntry{}, Subtasks: []*crm.Task{}, Documents: []json.RawMessage{}}
	for _, it := range p.Items {
		sk := store.Str(it, store.SK)
		var err error
		switch {
		case sk == metaSK:
			d.Task, _, err = fromItem(it)
		case strings.HasPrefix(sk, "ASSIGNEE#"):
			var a *crm.TaskAssignment
			if a, err = assignFromItem(it); err == nil {
				d.Assignments = append(d.Assignments, a)
			}
		case strings.HasPrefix(sk, "COMMENT#"):
			var c *crm.TaskComment
			if c, err = commentFromItem(it); err == nil {
				d.Comments = append(d.Comments, c)
			}
		case strings.HasPrefix(sk, "ATTACH#") && store.Str(it, "pending") == "":
			var a *crm.TaskAttachment
			if a, err = attachFromItem(it); err == nil {
				d.Attachments = append(d.Attachments, a)
			}
		case strings.HasPrefix(sk, "TIME#"):
			var e *crm.TimeEntry
			if e, err = timeFromItem(it); err == nil {
				d.TimeEntries = append(d.TimeEntries, e)
			}
		case strings.HasPrefix(sk, "SUB#"):
			var st *crm.Task
			if st, _, err = fromItem(it); err == nil {
				d.Subtasks = append(d.Subtasks, st)
			}
		case strings.HasPrefix(sk, "DOCUMENT#"):
			if view := json.RawMessage(store.Str(it, "view")); json.Valid(view) {
				d.Documents = append(d.Documents, view)
			}
		}
		if err != nil {
			return nil, err
		}
	}
	if d.Task == nil {
		return nil, notFound()
	}
	return d, nil
}

// UpdateTask changes the fields of the patch.
func (s *Service) UpdateTask(ctx context.Context, id string, p *crm.TaskPatch) (*crm.Task, error) {
	return s.update(ctx, id, p, nil)
}

// update is one read of the task and one transaction: the task, its
// counters, the parent's subtask counts and copy, the assignments, the
// search words and the events (task.updated, and task.status_changed or
// task.assigned when those changed).
func (s *Service) update(ctx context.Context, id string, p *crm.TaskPatch, roles map[string]string) (*crm.Task, error) {
	// Another edit between our read and our write moves the task's
	// version: without a version from the client the change is applied
	// again to the fresh task.
	for attempt := 0; ; attempt++ {
		task, err := s.updateOnce(ctx, id, p, roles)
		if p.Version != nil || attempt == 7 || crm.ErrorCode(err) != crm.ECONFLICT || !isVersionConflict(err) {
			return task, err
		}
		time.Sleep(time.Duration(1+rand.IntN(5*(attempt+1))) * time.Millisecond)
	}
}

func isVersionConflict(err error) bool {
	var e *crm.Error
	return errors.As(err, &e) && e.Key == "conflict-version"
}

func (s *Service) updateOnce(ctx context.Context, id string, p *crm.TaskPatch, roles map[string]string) (*crm.Task, error) {
	t, err := s.table(ctx)
	if err != nil {
		return nil, err
	}
	old, oldTokens, err := s.load(ctx, t, id)
	if err != nil {
		return nil, err
	}
	if p.Version != nil && *p.Version != old.Version {
		return nil, crm.VersionConflict("task", nil)
	}
	if p.ParentID != nil && strings.TrimSpace(*p.ParentID) != old.ParentID {
		return nil, invalid("parent_id", "a task's parent cannot be changed")
	}
	task := *old
	task.AssigneeIDs, task.LabelIDs = slices.Clone(old.AssigneeIDs), slices.Clone(old.LabelIDs)
	if err := p.Apply(&task, locOf(ctx)); err != nil {
		return nil, err
	}
	now := s.now()
	if task.Status != old.Status {
		switch {
		case task.Status == "completed":
			task.CompletedAt = &now
			if p.Progress == nil {
				task.Progress = 100
			}
		case old.Status == "completed":
			task.CompletedAt = nil
		}
	}
	if p.Labels != nil {
		if task.LabelIDs, err = resolveLabels(ctx, t, *p.Labels); err != nil {
			return nil, err
		}
	}
	var added []string
	for _, u := range task.AssigneeIDs {
		if !slices.Contains(old.AssigneeIDs, u) {
			added = append(added, u)
		}
	}
	if err := checkUsers(ctx, t, "assignees", added); err != nil {
		return nil, err
	}
	task.UpdatedAt, task.Version = now, old.Version+1
	it, tokens, err := toItem(&task)
	if err != nil {
		return nil, err
	}
	oldItem, _, err := toItem(old)
	if err != nil {
		return nil, err
	}
	ops := []store.Op{fieldsUpdate(oldItem, it, old.Version)}
	ops = append(ops, completionOps(old, &task)...)
	if task.DepartmentID != "" && task.DepartmentID != old.DepartmentID {
		ops = append(ops, store.CheckOp(departments.DepartmentKey(task.DepartmentID), store.Exists()))
	}
	if task.CustomerID != "" && task.CustomerID != old.CustomerID {
		if !ids.Valid(task.CustomerID) {
			return nil, invalid("customer_id", "no customer has this id")
		}
		ops = append(ops, store.CheckOp(customers.CustomerKey(task.CustomerID), store.Exists()))
	}
	if d := counterDelta(old, &task); len(d) > 0 {
		ops = append(ops, store.UpdateOp(store.Update{Key: counterKey(), Add: d}))
	}
	if task.ParentID != "" {
		sub, err := subItem(&task)
		if err != nil {
			return nil, err
		}
		ops = append(ops, store.PutOp(sub))
		if (old.Status == "completed") != (task.Status == "completed") {
			ops = append(ops, store.UpdateOp(store.Update{Key: taskKey(task.ParentID), Add: subDelta(old, &task), Cond: []store.Cond{store.Exists()}}))
		}
	}
	ops = append(ops, search.Ops(kind, task.ID, oldTokens, tokens)...)
	aops, err := assignOps(ctx, &task, old, roles, now)
	if err != nil {
		return nil, err
	}
	ops = append(ops, aops...)
	ops = append(ops, membershipOps(&task, old)...)
	ops = append(ops, outbox.Op(ctx, "task.updated", map[string]any{"task": eventTask(&task)}))
	if task.Status != old.Status {
		ops = append(ops, outbox.Op(ctx, "task.status_changed", map[string]any{"task_id": task.ID, "title": task.Title,
			"from": old.Status, "to": task.Status, "completion_note": task.CompletionNote, "assignees": task.AssigneeIDs}))
	}
	if len(added) > 0 || len(aops) > 0 {
		ops = append(ops, outbox.Op(ctx, "task.assigned", map[string]any{"task_id": task.ID, "title": task.Title,
			"assignees": task.AssigneeIDs, "added": nonNil(added)}))
	}
	if err := t.TransactWrite(ctx, ops...); err != nil {
		var te *store.TxError
		if errors.As(err, &te) && te.Index > 0 && te.Key == departments.DepartmentKey(task.DepartmentID) {
			return nil, invalid("department_id", "no department has this id")
		}
		if errors.As(err, &te) && te.Index > 0 && te.Key == customers.CustomerKey(task.CustomerID) {
			return nil, invalid("customer_id", "no customer has this id")
		}
		if crm.ErrorCode(err) == crm.ECONFLICT {
			return nil, crm.VersionConflict("task", err)
		}
		return nil, err
	}
	return &task, nil
}

// counterAttrs are kept by the writes of a task's children (and
// subtasks), never by an edit of the task: an edit sets the other
// attributes, so a comment written meanwhile neither conflicts with it nor
// is lost by it.
var counterAttrs = map[string]bool{"subtasks_count": true, "subtasks_completed": true, "comments_count": true,
	"attachments_count": true, "actual_centi": true}

// fieldsUpdate writes a task's new item over its old one except for the
// counters, on condition that the version is still the one read.
func fieldsUpdate(oldItem, newItem store.Item, version int64) store.Op {
	u := store.Update{Key: store.KeyOf(newItem), Set: store.Item{}, Cond: []store.Cond{store.VersionIs(version)}}
	for k, v := range newItem {
		if k != store.PK && k != store.SK && !counterAttrs[k] {
			u.Set[k] = v
		}
	}
	for k := range oldItem {
		if _, ok := newItem[k]; !ok && k != store.PK && k != store.SK && !counterAttrs[k] {
			u.Remove = append(u.Remove, k)
		}
	}
	return store.UpdateOp(u)
}

// DeleteTask removes a task and its item collection (assignees, comments,
// time entries, attachments) in one transaction. A task with subtasks is
// a 409: delete its subtasks first.
func (s *Service) DeleteTask(ctx context.Context, id string) error {
	t, err := s.table(ctx)
	if err != nil {
		return err
	}
	if !ids.Valid(id) {
		return notFound()
	}
	p, err := t.Query(ctx, store.Query{PK: taskPK(id), Limit: 1000})
	if err != nil {
		return err
	}
	var old *crm.Task
	var oldTokens []string
	var related []store.Op
	var blobs []string
	var bytes int64
	for _, it := range p.Items {
		sk := store.Str(it, store.SK)
		switch {
		case sk == metaSK:
			if old, oldTokens, err = fromItem(it); err != nil {
				return err
			}
		case strings.HasPrefix(sk, "SUB#"):
			return &crm.Error{Code: crm.ECONFLICT, Message: "the task has subtasks; delete them first", Key: "conflict"}
		default:
			if strings.HasPrefix(sk, "ATTACH#") {
				blobs = append(blobs, store.Str(it, "blob_key"))
				if store.Str(it, "pending") == "" {
					bytes += store.Int(it, "size")
				}
			}
			related = append(related, store.DeleteOp(store.KeyOf(it)))
		}
	}
	if old == nil {
		return notFound()
	}
	// The counters as read: a comment, file or time entry written since
	// would otherwise stay behind in the collection.
	ops := []store.Op{store.DeleteOp(taskKey(id), store.VersionIs(old.Version), store.Eq("comments_count", old.CommentsCount),
		store.Eq("attachments_count", old.AttachmentsCount), store.Eq("actual_centi", old.ActualCenti), store.Eq("subtasks_count", old.SubtasksCount)),
		store.UpdateOp(store.Update{Key: counterKey(), Add: counterDelta(old, nil)})}
	ops = append(ops, search.Ops(kind, id, oldTokens, nil)...)
	if old.ParentID != "" {
		ops = append(ops, store.DeleteOp(subKey(old.ParentID, id)),
			store.UpdateOp(store.Update{Key: taskKey(old.ParentID), Add: subDelta(old, nil), Cond: []store.Cond{store.Exists()}}))
	}
	if bytes > 0 {
		ops = append(ops, store.UpdateOp(store.Update{Key: storageKey(), Add: map[string]int64{"bytes": -bytes}}))
	}
	ops = append(ops, outbox.Op(ctx, "task.deleted", map[string]any{"task_id": id, "title": old.Title, "parent_id": old.ParentID}))
	ops = append(ops, related...)
	if len(ops) > store.MaxTransactOps {
		return &crm.Error{Code: crm.ECONFLICT, Message: "the task has too many comments, time entries or files to delete at once"}
	}
	if err := t.TransactWrite(ctx, ops...); err != nil {
		if crm.ErrorCode(err) == crm.ECONFLICT {
			return &crm.Error{Code: crm.ECONFLICT, Message: "the task was changed while deleting; try again", Key: "conflict-version", Err: err}
		}
		return err
	}
	if s.Blob != nil {
		for _, k := range blobs {
			s.Blob.Delete(ctx, k) // an orphaned object costs storage only; the counter already dropped it
		}
	}
	return nil
}

// completionOps keep the tenant's count of tasks completed per hour (the
// daily rollup that GET /api/reports/today reads): +1 in the hour a task
// becomes completed, -1 in that hour when it is reopened.
func completionOps(old, cur *crm.Task) []store.Op {
	was := old != nil && old.Status == "completed" && old.CompletedAt != nil
	is := cur.Status == "completed" && cur.CompletedAt != nil
	switch {
	case is && !was:
		return []store.Op{rollup.AddOp("tc", *cur.CompletedAt, 1)}
	case was && !is:
		return []store.Op{rollup.AddOp("tc", *old.CompletedAt, -1)}
	}
	return nil
}
