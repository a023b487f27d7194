package tasks

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strings"
	"time"

	"payvand.dev/shared/crm"
	"payvand.dev/shared/ids"
	"payvand.dev/shared/outbox"
	"payvand.dev/shared/store"
)

func forbidden(msg string) error { return &crm.Error{Code: crm.EFORBIDDEN, Message: msg} }

// bump changes a task's counters (which edits of the task never write:
// see fieldsUpdate); the task must exist.
func bump(taskID string, add map[string]int64) store.Op {
	return store.UpdateOp(store.Update{Key: taskKey(taskID), Add: add, Cond: []store.Cond{store.Exists()}})
}

// taskMissing turns a failed bump (the task is gone) into a 404.
func taskMissing(err error, taskID string) error {
	var te *store.TxError
	if errors.As(err, &te) && te.Key == taskKey(taskID) {
		return notFound()
	}
	return err
}

// children reads the items of one kind of a task's collection; a task
// without any is read to tell "none" from "no such task".
func (s *Service) children(ctx context.Context, t store.Table, taskID, prefix string) ([]store.Item, error) {
	if !ids.Valid(taskID) {
		return nil, notFound()
	}
	p, err := t.Query(ctx, store.Query{PK: taskPK(taskID), SK: store.SKPrefix(prefix), Limit: 1000})
	if err != nil {
		return nil, err
	}
	if len(p.Items) == 0 {
		if _, err := store.GetOr(ctx, t, taskKey(taskID), notFound); err != nil {
			return nil, err
		}
	}
	return p.Items, nil
}

// Comments lists a task's comments, oldest first.
func (s *Service) Comments(ctx context.Context, taskID string) ([]*crm.TaskComment, error) {
	t, err := s.table(ctx)
	if err != nil {
		return nil, err
	}
	items, err := s.children(ctx, t, taskID, "COMMENT#")
	if err != nil {
		return nil, err
	}
	out := make([]*crm.TaskComment, 0, len(items))
	for _, it := range items {
		c, err := commentFromItem(it)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

func checkBody(body string) (string, error) {
	body = strings.TrimSpace(body)
	switch {
	case body == "":
		return "", invalid("body", "required")
	case len(body) > 20000:
		return "", invalid("body", "at most 20000 characters")
	}
	return body, nil
}

// AddComment adds a comment; the mentioned users (active users of the
// tenant) are recorded on it and in the task.commented event.
func (s *Service) AddComment(ctx context.Context, taskID, body string, mentions []string) (*crm.TaskComment, error) {
	t, err := s.table(ctx)
	if err != nil {
		return nil, err
	}
	if !ids.Valid(taskID) {
		return nil, notFound()
	}
	if body, err = checkBody(body); err != nil {
		return nil, err
	}
	mentions = crmDedupe(mentions)
	if len(mentions) > 50 {
		return nil, invalid("mentions", "at most 50 users")
	}
	if err := checkUsers(ctx, t, "mentions", mentions); err != nil {
		return nil, err
	}
	now := s.now()
	c := &crm.TaskComment{ID: ids.New(), TaskID: taskID, Body: body, Mentions: mentions, AuthorID: subject(ctx), CreatedAt: now, UpdatedAt: now}
	it, err := commentItem(c)
	if err != nil {
		return nil, err
	}
	err = t.TransactWrite(ctx, bump(taskID, map[string]int64{"comments_count": 1}), store.PutOp(it, store.NotExists()),
		outbox.Op(ctx, "task.commented", map[string]any{"task_id": taskID, "comment_id": c.ID, "author_id": c.AuthorID, "mentions": mentions, "body": body}))
	if err != nil {
		return nil, taskMissing(err, taskID)
	}
	return c, nil
}

func crmDedupe(in []string) []string {
	out := []string{}
	for _, s := range in {
		if s = strings.TrimSpace(s); s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

func (s *Service) ownComment(ctx context.Context, t store.Table, taskID, id string) (*crm.TaskComment, error) {
	missing := func() error {
		return &crm.Error{Code: crm.ENOTFOUND, Message: "comment not found", Key: "not-found-resource", Args: []any{"comment"}}
	}
	if !ids.Valid(taskID) || !ids.Valid(id) {
		return nil, missing()
	}
	it, err := store.GetOr(ctx, t, commentKey(taskID, id), missing)
	if err != nil {
		return nil, err
	}
	c, err := commentFromItem(it)
	if err != nil {
		return nil, err
	}
	if c.AuthorID != subject(ctx) {
		return nil, forbidden("only its author may change or delete a comment")
	}
	return c, nil
}

// EditComment changes the body (and mentions, when given) of the caller's
// own comment.
func (s *Service) EditComment(ctx context.Context, taskID, id, body string, mentions *[]string) (*crm.TaskComment, error) {
	t, err := s.table(ctx)
	if err != nil {
		return nil, err
	}
	c, err := s.ownComment(ctx, t, taskID, id)
	if err != nil {
		return nil, err
	}
	if c.Body, err = checkBody(body); err != nil {
		return nil, err
	}
	var added []string
	if mentions != nil {
		m := crmDedupe(*mentions)
		for _, u := range m {
			if !slices.Contains(c.Mentions, u) {
				added = append(added, u)
			}
		}
		if err := checkUsers(ctx, t, "mentions", added); err != nil {
			return nil, err
		}
		c.Mentions = m
	}
	c.UpdatedAt = s.now()
	it, err := commentItem(c)
	if err != nil {
		return nil, err
	}
	err = t.TransactWrite(ctx, store.PutOp(it, store.Eq("author_id", c.AuthorID)),
		outbox.Op(ctx, "task.comment_updated", map[string]any{"task_id": taskID, "comment_id": id, "mentions": c.Mentions, "new_mentions": crmDedupe(added)}))
	return c, err
}

// DeleteComment removes the caller's own comment.
func (s *Service) DeleteComment(ctx context.Context, taskID, id string) error {
	t, err := s.table(ctx)
	if err != nil {
		return err
	}
	c, err := s.ownComment(ctx, t, taskID, id)
	if err != nil {
		return err
	}
	return t.TransactWrite(ctx, store.DeleteOp(commentKey(taskID, id), store.Eq("author_id", c.AuthorID)),
		bump(taskID, map[string]int64{"comments_count": -1}),
		outbox.Op(ctx, "task.comment_deleted", map[string]any{"task_id": taskID, "comment_id": id}))
}

// TimeEntries lists a task's time entries, oldest first.
func (s *Service) TimeEntries(ctx context.Context, taskID string) ([]*crm.TimeEntry, error) {
	t, err := s.table(ctx)
	if err != nil {
		return nil, err
	}
	items, err := s.children(ctx, t, taskID, "TIME#")
	if err != nil {
		return nil, err
	}
	out := make([]*crm.TimeEntry, 0, len(items))
	for _, it := range items {
		e, err := timeFromItem(it)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// TimePatch is a time entry's fields; nil means unchanged (a new entry
// needs hours).
type TimePatch struct {
	Hours       *float64
	Date        *string
	Description *string
}

var dateRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

func (p *TimePatch) apply(ctx context.Context, e *crm.TimeEntry, now time.Time) error {
	f := crm.FieldErrors{}
	if p.Hours != nil {
		if *p.Hours <= 0 || *p.Hours > 24 {
			f.Add("hours", "must be more than 0 and at most 24")
		} else {
			e.Centi = crm.CentiHours(*p.Hours)
		}
	}
	if e.Centi <= 0 && p.Hours == nil {
		f.Add("hours", "required")
	}
	if p.Date != nil && strings.TrimSpace(*p.Date) != "" {
		d, ok := crm.ParseDueDate(*p.Date, locOf(ctx))
		if !ok || !dateRE.MatchString(d) {
			f.Add("date", "must be a date (YYYY-MM-DD)")
		}
		e.Date = d
	}
	if e.Date == "" {
		e.Date = now.In(locOf(ctx)).Format(time.DateOnly)
	}
	if p.Description != nil {
		e.Description = strings.TrimSpace(*p.Description)
		if len(e.Description) > 2000 {
			f.Add("description", "at most 2000 characters")
		}
	}
	return f.Err()
}

// AddTime logs time on a task; the task's actual hours grow in the same
// transaction.
func (s *Service) AddTime(ctx context.Context, taskID string, p *TimePatch) (*crm.TimeEntry, error) {
	t, err := s.table(ctx)
	if err != nil {
		return nil, err
	}
	if !ids.Valid(taskID) {
		return nil, notFound()
	}
	now := s.now()
	e := &crm.TimeEntry{ID: ids.New(), TaskID: taskID, UserID: subject(ctx), CreatedAt: now, UpdatedAt: now}
	if err := p.apply(ctx, e, now); err != nil {
		return nil, err
	}
	it, err := timeItem(e)
	if err != nil {
		return nil, err
	}
	err = t.TransactWrite(ctx, bump(taskID, map[string]int64{"actual_centi": e.Centi}), store.PutOp(it, store.NotExists()),
		outbox.Op(ctx, "task.time_logged", map[string]any{"task_id": taskID, "entry_id": e.ID, "user_id": e.UserID, "hours": crm.Hours(e.Centi), "date": e.Date}))
	if err != nil {
		return nil, taskMissing(err, taskID)
	}
	return e, nil
}

func (s *Service) ownEntry(ctx context.Context, t store.Table, taskID, id string) (*crm.TimeEntry, error) {
	missing := func() error {
		return &crm.Error{Code: crm.ENOTFOUND, Message: "time entry not found", Key: "not-found-resource", Args: []any{"time entry"}}
	}
	if !ids.Valid(taskID) || !ids.Valid(id) {
		return nil, missing()
	}
	it, err := store.GetOr(ctx, t, timeKey(taskID, id), missing)
	if err != nil {
		return nil, err
	}
	e, err := timeFromItem(it)
	if err != nil {
		return nil, err
	}
	if e.UserID != subject(ctx) {
		return nil, forbidden("only the user who logged it may change or delete a time entry")
	}
	return e, nil
}

// EditTime changes the caller's own entry; the task's actual hours move
// by the difference.
func (s *Service) EditTime(ctx context.Context, taskID, id string, p *TimePatch) (*crm.TimeEntry, error) {
	t, err := s.table(ctx)
	if err != nil {
		return nil, err
	}
	e, err := s.ownEntry(ctx, t, taskID, id)
	if err != nil {
		return nil, err
	}
	before := e.Centi
	now := s.now()
	if err := p.apply(ctx, e, now); err != nil {
		return nil, err
	}
	e.UpdatedAt = now
	it, err := timeItem(e)
	if err != nil {
		return nil, err
	}
	err = t.TransactWrite(ctx, store.PutOp(it, store.Eq("centi", before)), bump(taskID, map[string]int64{"actual_centi": e.Centi - before}),
		outbox.Op(ctx, "task.time_updated", map[string]any{"task_id": taskID, "entry_id": id, "hours": crm.Hours(e.Centi)}))
	if crm.ErrorCode(err) == crm.ECONFLICT {
		return nil, crm.VersionConflict("time entry", err)
	}
	return e, err
}

// DeleteTime removes the caller's own entry and its hours from the task.
func (s *Service) DeleteTime(ctx context.Context, taskID, id string) error {
	t, err := s.table(ctx)
	if err != nil {
		return err
	}
	e, err := s.ownEntry(ctx, t, taskID, id)
	if err != nil {
		return err
	}
	err = t.TransactWrite(ctx, store.DeleteOp(timeKey(taskID, id), store.Eq("centi", e.Centi)), bump(taskID, map[string]int64{"actual_centi": -e.Centi}),
		outbox.Op(ctx, "task.time_deleted", map[string]any{"task_id": taskID, "entry_id": id}))
	if crm.ErrorCode(err) == crm.ECONFLICT {
		return crm.VersionConflict("time entry", err)
	}
	return err
}

// Labels lists the labels by name: one query.
func (s *Service) Labels(ctx context.Context) ([]*crm.Label, error) {
	t, err := s.table(ctx)
	if err != nil {
		return nil, err
	}
	p, err := t.Query(ctx, store.Query{Index: "GSI1", PK: "LABELS", Limit: 1000})
	if err != nil {
		return nil, err
	}
	out := make([]*crm.Label, 0, len(p.Items))
	for _, it := range p.Items {
		l, err := labelFromItem(it)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, nil
}

var colorRE = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

func labelMissing() error {
	return &crm.Error{Code: crm.ENOTFOUND, Message: "label not found", Key: "not-found-resource", Args: []any{"label"}}
}

// SaveLabel creates (id "") or changes a label; names are unique without
// case (409).
func (s *Service) SaveLabel(ctx context.Context, id string, name, color *string) (*crm.Label, error) {
	t, err := s.table(ctx)
	if err != nil {
		return nil, err
	}
	now := s.now()
	l := &crm.Label{ID: ids.New(), Color: "#6b7280", CreatedAt: now}
	var old *crm.Label
	if id != "" {
		if !ids.Valid(id) {
			return nil, labelMissing()
		}
		it, err := store.GetOr(ctx, t, labelKey(id), labelMissing)
		if err != nil {
			return nil, err
		}
		if old, err = labelFromItem(it); err != nil {
			return nil, err
		}
		c := *old
		l = &c
	}
	if name != nil {
		l.Name = strings.TrimSpace(*name)
	}
	if color != nil {
		l.Color = strings.TrimSpace(*color)
	}
	f := crm.FieldErrors{}
	if l.Name == "" || len([]rune(l.Name)) > 50 {
		f.Add("name", "required, at most 50 characters")
	}
	if !colorRE.MatchString(l.Color) {
		f.Add("color", "must be a colour like #22c55e")
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	l.UpdatedAt = now
	it, err := labelItem(l)
	if err != nil {
		return nil, err
	}
	ops := []store.Op{store.PutOp(it)}
	nameChanged := old == nil || labelNameKey(old.Name) != labelNameKey(l.Name)
	if nameChanged {
		nk := store.KeyItem(labelNameKey(l.Name))
		nk["label_id"] = store.AV(l.ID)
		ops = append(ops, store.PutOp(nk, store.NotExists()))
		if old != nil {
			ops = append(ops, store.DeleteOp(labelNameKey(old.Name)))
		}
	}
	ev := "label.created"
	if old != nil {
		ev = "label.updated"
	}
	ops = append(ops, outbox.Op(ctx, ev, map[string]any{"label": l}))
	if err := t.TransactWrite(ctx, ops...); err != nil {
		if crm.ErrorCode(err) == crm.ECONFLICT {
			return nil, &crm.Error{Code: crm.ECONFLICT, Message: "a label with this name already exists", Fields: map[string][]string{"name": {"a label with this name already exists"}}}
		}
		return nil, err
	}
	return l, nil
}

// DeleteLabel removes a label; tasks that carry it stop showing it.
func (s *Service) DeleteLabel(ctx context.Context, id string) error {
	t, err := s.table(ctx)
	if err != nil {
		return err
	}
	if !ids.Valid(id) {
		return labelMissing()
	}
	it, err := store.GetOr(ctx, t, labelKey(id), labelMissing)
	if err != nil {
		return err
	}
	l, err := labelFromItem(it)
	if err != nil {
		return err
	}
	return t.TransactWrite(ctx, store.DeleteOp(labelKey(id)), store.DeleteOp(labelNameKey(l.Name)),
		outbox.Op(ctx, "label.deleted", map[string]any{"label_id": id}))
}

// Refs reads the users and labels a page of tasks names, and the task
// counters, in one batch: what the list's include= needs.
func (s *Service) Refs(ctx context.Context, userIDs, labelIDs []string) (map[string]*RefUser, map[string]*crm.Label, error) {
	t, err := s.table(ctx)
	if err != nil {
		return nil, nil, err
	}
	var keys []store.Key
	for _, id := range crmDedupe(userIDs) {
		if ids.Valid(id) {
			keys = append(keys, userRefKey(id))
		}
	}
	for _, id := range crmDedupe(labelIDs) {
		if ids.Valid(id) {
			keys = append(keys, labelKey(id))
		}
	}
	items, err := store.BatchGetAll(ctx, t, keys)
	if err != nil {
		return nil, nil, err
	}
	us, ls := map[string]*RefUser{}, map[string]*crm.Label{}
	for _, it := range items {
		if strings.HasPrefix(store.Str(it, store.PK), "LABEL#") {
			l, err := labelFromItem(it)
			if err != nil {
				return nil, nil, err
			}
			ls[l.ID] = l
			continue
		}
		u, err := decodeUserRef(it)
		if err != nil {
			return nil, nil, err
		}
		us[u.ID] = u
	}
	return us, ls, nil
}

// Label reads one label.
func (s *Service) Label(ctx context.Context, id string) (*crm.Label, error) {
	t, err := s.table(ctx)
	if err != nil {
		return nil, err
	}
	if !ids.Valid(id) {
		return nil, labelMissing()
	}
	it, err := store.GetOr(ctx, t, labelKey(id), labelMissing)
	if err != nil {
		return nil, err
	}
	return labelFromItem(it)
}
