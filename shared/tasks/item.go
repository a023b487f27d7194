// Package tasks is the store adapter of crm.TaskService: tasks with their
// assignees, comments, time entries, attachments and subtasks, and the
// labels that tag them.
//
// Keys (see docs/data-model.md):
//
//	task            PK=TASK#<id>        SK=#TASK
//	  assignee      PK=TASK#<id>        SK=ASSIGNEE#<user>   GSI5PK=TASKS#ASSIGNEE#<user> GSI5SK=<task id>
//	  comment       PK=TASK#<id>        SK=COMMENT#<id>
//	  time entry    PK=TASK#<id>        SK=TIME#<id>
//	  attachment    PK=TASK#<id>        SK=ATTACH#<id>
//	  subtask copy  PK=TASK#<parent>    SK=SUB#<id>          (the subtask's record, no index keys)
//	  label         PK=TASK#<id>        SK=LABEL#<label>     GSI2PK=TASKS#LABEL#<label> GSI2SK=<task id>
//	  department    PK=TASK#<id>        SK=DEPT              GSI3PK=TASKS#DEPT#<dept>   GSI3SK=<task id>
//	all, by id      GSI1PK=TASKS               GSI1SK=<id>
//	by due date     GSI2PK=TASKS#DUE           GSI2SK=<YYYY-MM-DD or ~>#<id>
//	by status       GSI3PK=TASKS#STATUS#<s>    GSI3SK=<id>
//	by priority     GSI4PK=TASKS#PRIORITY      GSI4SK=<rank 1-4>#<id>
//	by creator      GSI5PK=TASKS#CREATOR#<user> GSI5SK=<id>
//	counters        PK=COUNTER#TASKS           SK=STATS  (total, st_<status>)
//	label           PK=LABEL#<id>       SK=#LABEL      GSI1PK=LABELS GSI1SK=<name key>#<id>
//	label name      PK=LABELNAME#<name key>  SK=LABELNAME  (unique names)
//	upload          PK=UPLOAD#<id>      SK=#UPLOAD     (a file not yet on a task)
//	search token    PK=SEARCH#<first rune>   SK=<word>#task#<id>
package tasks

import (
	"slices"
	"strconv"
	"time"

	"github.com/guregu/dynamo/v2"

	"payvand.dev/shared/crm"
	"payvand.dev/shared/search"
	"payvand.dev/shared/store"
)

const (
	metaSK     = "#TASK"
	listPK     = "TASKS"
	duePK      = "TASKS#DUE"
	priorityPK = "TASKS#PRIORITY"
	kind       = "task"
	maxTokens  = 30
	noDue      = "~" // sorts after every date
)

func taskPK(id string) string     { return "TASK#" + id }
func taskKey(id string) store.Key { return store.Key{PK: taskPK(id), SK: metaSK} }
func assigneeKey(task, user string) store.Key {
	return store.Key{PK: taskPK(task), SK: "ASSIGNEE#" + user}
}
func assigneePK(user string) string        { return "TASKS#ASSIGNEE#" + user }
func commentKey(task, id string) store.Key { return store.Key{PK: taskPK(task), SK: "COMMENT#" + id} }
func timeKey(task, id string) store.Key    { return store.Key{PK: taskPK(task), SK: "TIME#" + id} }
func attachKey(task, id string) store.Key  { return store.Key{PK: taskPK(task), SK: "ATTACH#" + id} }
func subKey(parent, id string) store.Key   { return store.Key{PK: taskPK(parent), SK: "SUB#" + id} }
func statusPK(s string) string             { return "TASKS#STATUS#" + s }
func creatorPK(user string) string         { return "TASKS#CREATOR#" + user }
func counterKey() store.Key                { return store.Key{PK: "COUNTER#TASKS", SK: "STATS"} }
func storageKey() store.Key                { return store.Key{PK: "COUNTER#STORAGE", SK: "STATS"} }
func labelKey(id string) store.Key         { return store.Key{PK: "LABEL#" + id, SK: "#LABEL"} }
func labelNameKey(name string) store.Key {
	return store.Key{PK: "LABELNAME#" + search.Normalize(name), SK: "LABELNAME"}
}
func uploadKey(id string) store.Key { return store.Key{PK: "UPLOAD#" + id, SK: "#UPLOAD"} }

// record is the stored form of a task.
type record struct {
	ID                string     `dynamo:"id"`
	Title             string     `dynamo:"title"`
	Description       string     `dynamo:"description,omitempty"`
	Status            string     `dynamo:"status"`
	Priority          string     `dynamo:"priority"`
	Progress          int        `dynamo:"progress"`
	DueDate           string     `dynamo:"due_date,omitempty"`
	EstimatedCenti    int64      `dynamo:"estimated_centi"`
	ActualCenti       int64      `dynamo:"actual_centi"`
	CreatedBy         string     `dynamo:"created_by,omitempty"`
	AssigneeIDs       []string   `dynamo:"assignee_ids"`
	LabelIDs          []string   `dynamo:"label_ids"`
	DepartmentID      string     `dynamo:"department_id,omitempty"`
	ParentID          string     `dynamo:"parent_id,omitempty"`
	CustomerID        string     `dynamo:"customer_id,omitempty"`
	RelatedTo         string     `dynamo:"related_to,omitempty"`
	CompletionNote    string     `dynamo:"completion_note,omitempty"`
	CompletedAt       *time.Time `dynamo:"completed_at,omitempty"`
	SubtasksCount     int64      `dynamo:"subtasks_count"`
	SubtasksCompleted int64      `dynamo:"subtasks_completed"`
	CommentsCount     int64      `dynamo:"comments_count"`
	AttachmentsCount  int64      `dynamo:"attachments_count"`
	CreatedAt         time.Time  `dynamo:"created_at"`
	UpdatedAt         time.Time  `dynamo:"updated_at"`
	Version           int64      `dynamo:"version"`
	Tokens            []string   `dynamo:"tokens"`
}

func dueSK(t *crm.Task) string {
	d := t.DueDate
	if d == "" {
		d = noDue
	}
	return d + "#" + t.ID
}

func toRecord(t *crm.Task) record {
	return record{ID: t.ID, Title: t.Title, Description: t.Description, Status: t.Status, Priority: t.Priority, Progress: t.Progress,
		DueDate: t.DueDate, EstimatedCenti: t.EstimatedCenti, ActualCenti: t.ActualCenti, CreatedBy: t.CreatedBy,
		AssigneeIDs: nonNil(t.AssigneeIDs), LabelIDs: nonNil(t.LabelIDs), DepartmentID: t.DepartmentID, ParentID: t.ParentID,
		CustomerID: t.CustomerID, RelatedTo: t.RelatedTo, CompletionNote: t.CompletionNote, CompletedAt: t.CompletedAt,
		SubtasksCount: t.SubtasksCount, SubtasksCompleted: t.SubtasksCompleted, CommentsCount: t.CommentsCount,
		AttachmentsCount: t.AttachmentsCount, CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt, Version: t.Version,
		Tokens: tokensOf(t)}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// toItem is the task's item with its index keys, and its search words.
func toItem(t *crm.Task) (store.Item, []string, error) {
	r := toRecord(t)
	it, err := store.Marshal(taskKey(t.ID), r)
	if err != nil {
		return nil, nil, err
	}
	it["GSI1PK"], it["GSI1SK"] = store.AV(listPK), store.AV(t.ID)
	it["GSI2PK"], it["GSI2SK"] = store.AV(duePK), store.AV(dueSK(t))
	it["GSI3PK"], it["GSI3SK"] = store.AV(statusPK(t.Status)), store.AV(t.ID)
	it["GSI4PK"], it["GSI4SK"] = store.AV(priorityPK), store.AV(strconv.Itoa(crm.PriorityRank(t.Priority))+"#"+t.ID)
	if t.CreatedBy != "" {
		it["GSI5PK"], it["GSI5SK"] = store.AV(creatorPK(t.CreatedBy)), store.AV(t.ID)
	}
	return it, r.Tokens, nil
}

// subItem is the copy of a subtask in its parent's item collection.
func subItem(t *crm.Task) (store.Item, error) {
	r := toRecord(t)
	r.Tokens = nil
	return store.Marshal(subKey(t.ParentID, t.ID), r)
}

func fromItem(it store.Item) (*crm.Task, []string, error) {
	var r record
	if err := dynamo.UnmarshalItem(it, &r); err != nil {
		return nil, nil, crm.Wrap(err, "unmarshal task")
	}
	t := &crm.Task{ID: r.ID, Title: r.Title, Description: r.Description, Status: r.Status, Priority: r.Priority, Progress: r.Progress,
		DueDate: r.DueDate, EstimatedCenti: r.EstimatedCenti, ActualCenti: r.ActualCenti, CreatedBy: r.CreatedBy,
		AssigneeIDs: nonNil(r.AssigneeIDs), LabelIDs: nonNil(r.LabelIDs), DepartmentID: r.DepartmentID, ParentID: r.ParentID,
		CustomerID: r.CustomerID, RelatedTo: r.RelatedTo, CompletionNote: r.CompletionNote, CompletedAt: r.CompletedAt,
		SubtasksCount: r.SubtasksCount, SubtasksCompleted: r.SubtasksCompleted, CommentsCount: r.CommentsCount,
		AttachmentsCount: r.AttachmentsCount, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, Version: r.Version}
	return t, r.Tokens, nil
}

// DecodeTask turns a task's item into the task (global search).
func DecodeTask(it store.Item) (*crm.Task, error) {
	t, _, err := fromItem(it)
	return t, err
}

// TaskKey is a task's item, for batch reads that mix kinds.
func TaskKey(id string) store.Key { return taskKey(id) }

// Kind is the search index kind of tasks.
const Kind = kind

func tokensOf(t *crm.Task) []string { return search.NewWords(maxTokens).Text(t.Title).List() }

// counterDelta moves the counters from old to new (either may be nil).
func counterDelta(old, new *crm.Task) map[string]int64 {
	d := map[string]int64{}
	if old != nil {
		d["total"]--
		d["st_"+old.Status]--
	}
	if new != nil {
		d["total"]++
		d["st_"+new.Status]++
	}
	for k, v := range d {
		if v == 0 {
			delete(d, k)
		}
	}
	return d
}

type assignRecord struct {
	TaskID     string    `dynamo:"task_id"`
	UserID     string    `dynamo:"user_id"`
	Role       string    `dynamo:"role"`
	AssignedBy string    `dynamo:"assigned_by,omitempty"`
	AssignedAt time.Time `dynamo:"assigned_at"`
}

func assignItem(a *crm.TaskAssignment) (store.Item, error) {
	it, err := store.Marshal(assigneeKey(a.TaskID, a.UserID), assignRecord(*a))
	if err != nil {
		return nil, err
	}
	it["GSI5PK"], it["GSI5SK"] = store.AV(assigneePK(a.UserID)), store.AV(a.TaskID)
	return it, nil
}

func assignFromItem(it store.Item) (*crm.TaskAssignment, error) {
	var r assignRecord
	if err := dynamo.UnmarshalItem(it, &r); err != nil {
		return nil, crm.Wrap(err, "unmarshal assignment")
	}
	a := crm.TaskAssignment(r)
	return &a, nil
}

type commentRecord struct {
	ID        string    `dynamo:"id"`
	TaskID    string    `dynamo:"task_id"`
	Body      string    `dynamo:"body"`
	Mentions  []string  `dynamo:"mentions"`
	AuthorID  string    `dynamo:"author_id"`
	CreatedAt time.Time `dynamo:"created_at"`
	UpdatedAt time.Time `dynamo:"updated_at"`
}

func commentItem(c *crm.TaskComment) (store.Item, error) {
	r := commentRecord(*c)
	r.Mentions = nonNil(r.Mentions)
	return store.Marshal(commentKey(c.TaskID, c.ID), r)
}

func commentFromItem(it store.Item) (*crm.TaskComment, error) {
	var r commentRecord
	if err := dynamo.UnmarshalItem(it, &r); err != nil {
		return nil, crm.Wrap(err, "unmarshal comment")
	}
	c := crm.TaskComment(r)
	c.Mentions = nonNil(c.Mentions)
	return &c, nil
}

type timeRecord struct {
	ID          string    `dynamo:"id"`
	TaskID      string    `dynamo:"task_id"`
	UserID      string    `dynamo:"user_id"`
	Centi       int64     `dynamo:"centi"`
	Date        string    `dynamo:"date"`
	Description string    `dynamo:"description,omitempty"`
	CreatedAt   time.Time `dynamo:"created_at"`
	UpdatedAt   time.Time `dynamo:"updated_at"`
}

func timeItem(e *crm.TimeEntry) (store.Item, error) {
	return store.Marshal(timeKey(e.TaskID, e.ID), timeRecord(*e))
}

func timeFromItem(it store.Item) (*crm.TimeEntry, error) {
	var r timeRecord
	if err := dynamo.UnmarshalItem(it, &r); err != nil {
		return nil, crm.Wrap(err, "unmarshal time entry")
	}
	e := crm.TimeEntry(r)
	return &e, nil
}

type attachRecord struct {
	ID          string    `dynamo:"id"`
	TaskID      string    `dynamo:"task_id,omitempty"`
	Name        string    `dynamo:"name"`
	ContentType string    `dynamo:"content_type"`
	Size        int64     `dynamo:"size"`
	Description string    `dynamo:"description,omitempty"`
	UploadedBy  string    `dynamo:"uploaded_by"`
	BlobKey     string    `dynamo:"blob_key"`
	CreatedAt   time.Time `dynamo:"created_at"`
}

func attachItem(a *crm.TaskAttachment) (store.Item, error) {
	k := uploadKey(a.ID)
	if a.TaskID != "" {
		k = attachKey(a.TaskID, a.ID)
	}
	return store.Marshal(k, attachRecord(*a))
}

func attachFromItem(it store.Item) (*crm.TaskAttachment, error) {
	var r attachRecord
	if err := dynamo.UnmarshalItem(it, &r); err != nil {
		return nil, crm.Wrap(err, "unmarshal attachment")
	}
	a := crm.TaskAttachment(r)
	return &a, nil
}

type labelRecord struct {
	ID        string    `dynamo:"id"`
	Name      string    `dynamo:"name"`
	Color     string    `dynamo:"color"`
	CreatedAt time.Time `dynamo:"created_at"`
	UpdatedAt time.Time `dynamo:"updated_at"`
}

func labelItem(l *crm.Label) (store.Item, error) {
	it, err := store.Marshal(labelKey(l.ID), labelRecord(*l))
	if err != nil {
		return nil, err
	}
	it["GSI1PK"], it["GSI1SK"] = store.AV("LABELS"), store.AV(search.Normalize(l.Name)+"#"+l.ID)
	return it, nil
}

func labelFromItem(it store.Item) (*crm.Label, error) {
	var r labelRecord
	if err := dynamo.UnmarshalItem(it, &r); err != nil {
		return nil, crm.Wrap(err, "unmarshal label")
	}
	l := crm.Label(r)
	return &l, nil
}

func labelPK(label string) string { return "TASKS#LABEL#" + label }
func deptPK(dept string) string   { return "TASKS#DEPT#" + dept }

// membershipOps keep the small items that put a task in its labels' and
// its department's indexes (the task item's own indexes are taken by the
// list's sort orders), so that those filters read only the tasks they
// name.
func membershipOps(task, old *crm.Task) []store.Op {
	var ops []store.Op
	var oldLabels []string
	oldDept := ""
	if old != nil {
		oldLabels, oldDept = old.LabelIDs, old.DepartmentID
	}
	for _, l := range task.LabelIDs {
		if !slices.Contains(oldLabels, l) {
			it := store.KeyItem(store.Key{PK: taskPK(task.ID), SK: "LABEL#" + l})
			it["task_id"], it["GSI2PK"], it["GSI2SK"] = store.AV(task.ID), store.AV(labelPK(l)), store.AV(task.ID)
			ops = append(ops, store.PutOp(it))
		}
	}
	for _, l := range oldLabels {
		if !slices.Contains(task.LabelIDs, l) {
			ops = append(ops, store.DeleteOp(store.Key{PK: taskPK(task.ID), SK: "LABEL#" + l}))
		}
	}
	if task.DepartmentID != oldDept {
		k := store.Key{PK: taskPK(task.ID), SK: "DEPT"}
		if task.DepartmentID == "" {
			ops = append(ops, store.DeleteOp(k))
		} else {
			it := store.KeyItem(k)
			it["task_id"], it["GSI3PK"], it["GSI3SK"] = store.AV(task.ID), store.AV(deptPK(task.DepartmentID)), store.AV(task.ID)
			ops = append(ops, store.PutOp(it))
		}
	}
	return ops
}
