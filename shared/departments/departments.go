// Package departments keeps a tenant's departments (a tree) and positions.
//
// Keys (see docs/data-model.md):
//
//	department   PK=DEPARTMENTS  SK=DEPT#<id>   (all of them: the tree is one query)
//	position     PK=POSITIONS    SK=POS#<id>
//
// Members are the users whose department_id names the department; the
// tree counts them from one query of the users.
package departments

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/guregu/dynamo/v2"

	"payvand.dev/shared/crm"
	"payvand.dev/shared/ids"
	"payvand.dev/shared/outbox"
	"payvand.dev/shared/store"
	"payvand.dev/shared/users"
)

const (
	deptPK = "DEPARTMENTS"
	posPK  = "POSITIONS"
)

// DepartmentKey is a department's item (tasks check it exists).
func DepartmentKey(id string) store.Key { return store.Key{PK: deptPK, SK: "DEPT#" + id} }

// PositionKey is a position's item.
func PositionKey(id string) store.Key { return store.Key{PK: posPK, SK: "POS#" + id} }

// TableSource finds the caller's tenant table.
type TableSource interface {
	TenantTable(ctx context.Context) (store.Table, error)
}

// Service keeps departments and positions.
type Service struct {
	Tables TableSource
}

type deptRecord struct {
	ID          string    `dynamo:"id"`
	Name        string    `dynamo:"name"`
	Description string    `dynamo:"description,omitempty"`
	ParentID    string    `dynamo:"parent_id,omitempty"`
	HeadID      string    `dynamo:"head_id,omitempty"`
	CreatedAt   time.Time `dynamo:"created_at"`
	UpdatedAt   time.Time `dynamo:"updated_at"`
	Version     int64     `dynamo:"version"`
}

func toItem(d *crm.Department) (store.Item, error) {
	return store.Marshal(DepartmentKey(d.ID), deptRecord(*d))
}

func fromItem(it store.Item) (*crm.Department, error) {
	var r deptRecord
	if err := dynamo.UnmarshalItem(it, &r); err != nil {
		return nil, crm.Wrap(err, "unmarshal department")
	}
	d := crm.Department(r)
	return &d, nil
}

type posRecord struct {
	ID           string    `dynamo:"id"`
	Name         string    `dynamo:"name"`
	Description  string    `dynamo:"description,omitempty"`
	DepartmentID string    `dynamo:"department_id,omitempty"`
	Level        int       `dynamo:"level"`
	CreatedAt    time.Time `dynamo:"created_at"`
	UpdatedAt    time.Time `dynamo:"updated_at"`
}

func posItem(p *crm.Position) (store.Item, error) {
	return store.Marshal(PositionKey(p.ID), posRecord(*p))
}

// DecodePosition reads a position's item.
func DecodePosition(it store.Item) (*crm.Position, error) {
	var r posRecord
	if err := dynamo.UnmarshalItem(it, &r); err != nil {
		return nil, crm.Wrap(err, "unmarshal position")
	}
	p := crm.Position(r)
	return &p, nil
}

// DecodeDepartment reads a department's item.
func DecodeDepartment(it store.Item) (*crm.Department, error) { return fromItem(it) }

func notFound(what string) error {
	return &crm.Error{Code: crm.ENOTFOUND, Message: what + " not found", Key: "not-found-resource", Args: []any{what}}
}

func invalid(field, msg string) error {
	return &crm.Error{Code: crm.EVALIDATION, Message: "the given data was invalid", Key: "validation", Fields: map[string][]string{field: {msg}}}
}

// Node is a department in the tree, with its head and members count.
type Node struct {
	*crm.Department
	Head         *users.User
	MembersCount int
	Children     []*Node
}

// State is every department and user of the tenant: two queries.
type State struct {
	Departments map[string]*crm.Department
	Order       []string // by name
	Users       []*users.User
}

func (s *Service) state(ctx context.Context, t store.Table) (*State, error) {
	p, err := t.Query(ctx, store.Query{PK: deptPK, Limit: 5000})
	if err != nil {
		return nil, err
	}
	st := &State{Departments: map[string]*crm.Department{}}
	for _, it := range p.Items {
		d, err := fromItem(it)
		if err != nil {
			return nil, err
		}
		st.Departments[d.ID] = d
		st.Order = append(st.Order, d.ID)
	}
	slices.SortFunc(st.Order, func(a, b string) int {
		return strings.Compare(strings.ToLower(st.Departments[a].Name), strings.ToLower(st.Departments[b].Name))
	})
	q := users.AllQuery()
	q.Filter = []store.Cond{store.Ne("status", users.StatusDeleted)}
	up, err := t.Query(ctx, q)
	if err != nil {
		return nil, err
	}
	for _, it := range up.Items {
		u, err := users.Decode(it)
		if err != nil {
			return nil, err
		}
		st.Users = append(st.Users, u)
	}
	return st, nil
}

// Tree returns the root departments with their descendants.
func (s *Service) Tree(ctx context.Context) ([]*Node, error) {
	t, err := s.Tables.TenantTable(ctx)
	if err != nil {
		return nil, err
	}
	st, err := s.state(ctx, t)
	if err != nil {
		return nil, err
	}
	nodes := map[string]*Node{}
	byUser := map[string]*users.User{}
	for _, u := range st.Users {
		byUser[u.ID] = u
	}
	for _, id := range st.Order {
		d := st.Departments[id]
		nodes[id] = &Node{Department: d, Head: byUser[d.HeadID], Children: []*Node{}}
	}
	for _, u := range st.Users {
		if n := nodes[u.DepartmentID]; n != nil {
			n.MembersCount++
		}
	}
	roots := []*Node{}
	for _, id := range st.Order {
		n := nodes[id]
		if p := nodes[n.ParentID]; p != nil {
			p.Children = append(p.Children, n)
		} else {
			roots = append(roots, n)
		}
	}
	return roots, nil
}

// DepartmentPatch changes some fields; nil means unchanged.
type DepartmentPatch struct {
	Name, Description, ParentID, HeadID *string
	Version                             *int64
}

func (p *DepartmentPatch) apply(d *crm.Department) {
	for _, f := range []struct{ dst, src *string }{{&d.Name, p.Name}, {&d.Description, p.Description}, {&d.ParentID, p.ParentID}, {&d.HeadID, p.HeadID}} {
		if f.src != nil {
			*f.dst = strings.TrimSpace(*f.src)
		}
	}
}

// descends reports whether id is under (or is) ancestor.
func (st *State) descends(id, ancestor string) bool {
	for seen := 0; id != "" && seen <= len(st.Departments); seen++ {
		if id == ancestor {
			return true
		}
		d := st.Departments[id]
		if d == nil {
			return false
		}
		id = d.ParentID
	}
	return false
}

func (s *Service) check(ctx context.Context, t store.Table, st *State, d *crm.Department) error {
	f := crm.FieldErrors{}
	if d.Name == "" {
		f.Add("name", "required")
	}
	if len([]rune(d.Name)) > 200 {
		f.Add("name", "at most 200 characters")
	}
	for _, id := range st.Order {
		o := st.Departments[id]
		if o.ID != d.ID && o.ParentID == d.ParentID && strings.EqualFold(o.Name, d.Name) {
			f.Add("name", "a department with this name already exists here")
		}
	}
	if d.ParentID != "" {
		switch {
		case st.Departments[d.ParentID] == nil:
			f.Add("parent_id", "no department has this id")
		case st.descends(d.ParentID, d.ID):
			f.Add("parent_id", "a department cannot be under itself or one of its descendants")
		}
	}
	if err := f.Err(); err != nil {
		return err
	}
	if d.HeadID != "" {
		return users.CheckAssignee(ctx, t, "head_id", d.HeadID)
	}
	return nil
}

// Create adds a department.
func (s *Service) Create(ctx context.Context, p *DepartmentPatch) (*crm.Department, error) {
	t, err := s.Tables.TenantTable(ctx)
	if err != nil {
		return nil, err
	}
	st, err := s.state(ctx, t)
	if err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	d := &crm.Department{ID: ids.New(), CreatedAt: now, UpdatedAt: now, Version: 1}
	p.apply(d)
	if err := s.check(ctx, t, st, d); err != nil {
		return nil, err
	}
	it, err := toItem(d)
	if err != nil {
		return nil, err
	}
	if err := t.TransactWrite(ctx, store.PutOp(it, store.NotExists()), outbox.Op(ctx, "department.created", map[string]any{"department": deptRecord(*d)})); err != nil {
		return nil, err
	}
	return d, nil
}

// Update changes a department; moving it under itself or a descendant is
// a 422 naming parent_id.
func (s *Service) Update(ctx context.Context, id string, p *DepartmentPatch) (*crm.Department, error) {
	t, err := s.Tables.TenantTable(ctx)
	if err != nil {
		return nil, err
	}
	st, err := s.state(ctx, t)
	if err != nil {
		return nil, err
	}
	old := st.Departments[id]
	if old == nil {
		return nil, notFound("department")
	}
	if p.Version != nil && *p.Version != old.Version {
		return nil, crm.VersionConflict("department", nil)
	}
	d := *old
	p.apply(&d)
	if err := s.check(ctx, t, st, &d); err != nil {
		return nil, err
	}
	d.UpdatedAt, d.Version = time.Now().UTC(), old.Version+1
	it, err := toItem(&d)
	if err != nil {
		return nil, err
	}
	err = t.TransactWrite(ctx, store.PutOp(it, store.VersionIs(old.Version)), outbox.Op(ctx, "department.updated", map[string]any{"department": deptRecord(d)}))
	if crm.ErrorCode(err) == crm.ECONFLICT {
		return nil, crm.VersionConflict("department", err)
	}
	return &d, err
}

// Delete removes a department. One with children or members is a 409
// unless moveTo names the department they move to (in the same
// transaction).
func (s *Service) Delete(ctx context.Context, id, moveTo string) error {
	t, err := s.Tables.TenantTable(ctx)
	if err != nil {
		return err
	}
	st, err := s.state(ctx, t)
	if err != nil {
		return err
	}
	d := st.Departments[id]
	if d == nil {
		return notFound("department")
	}
	if moveTo != "" && (st.Departments[moveTo] == nil || st.descends(moveTo, id)) {
		return invalid("move_to", "must be another department, not under this one")
	}
	ops := []store.Op{store.DeleteOp(DepartmentKey(id), store.VersionIs(d.Version))}
	moved := 0
	for _, cid := range st.Order {
		if c := st.Departments[cid]; c.ParentID == id {
			moved++
			ops = append(ops, store.UpdateOp(store.Update{Key: DepartmentKey(cid), Set: store.Item{"parent_id": store.AV(moveTo)},
				Add: map[string]int64{"version": 1}, Cond: []store.Cond{store.Exists()}}))
		}
	}
	for _, u := range st.Users {
		if u.DepartmentID == id {
			moved++
			ops = append(ops, store.UpdateOp(store.Update{Key: users.Key(u.ID), Set: store.Item{"department_id": store.AV(moveTo)},
				Add: map[string]int64{"version": 1}, Cond: []store.Cond{store.Exists()}}))
		}
	}
	if moved > 0 && moveTo == "" {
		return &crm.Error{Code: crm.ECONFLICT, Message: "the department has sub-departments or members; give move_to to move them", Key: "conflict",
			Fields: map[string][]string{"move_to": {"required while the department has sub-departments or members"}}}
	}
	ops = append(ops, outbox.Op(ctx, "department.deleted", map[string]any{"department_id": id, "moved_to": moveTo}))
	if len(ops) > store.MaxTransactOps {
		return &crm.Error{Code: crm.ECONFLICT, Message: "the department has too many members to move at once"}
	}
	err = t.TransactWrite(ctx, ops...)
	if crm.ErrorCode(err) == crm.ECONFLICT {
		return &crm.Error{Code: crm.ECONFLICT, Message: "the department changed while deleting; try again", Key: "conflict-version", Err: err}
	}
	return err
}

// Members lists a department's users (404 for an unknown department).
func (s *Service) Members(ctx context.Context, id string) ([]*users.User, error) {
	t, err := s.Tables.TenantTable(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := store.GetOr(ctx, t, DepartmentKey(id), func() error { return notFound("department") }); err != nil {
		return nil, err
	}
	q := users.AllQuery()
	q.Filter = []store.Cond{store.Eq("department_id", id), store.Ne("status", users.StatusDeleted)}
	p, err := t.Query(ctx, q)
	if err != nil {
		return nil, err
	}
	out := make([]*users.User, 0, len(p.Items))
	for _, it := range p.Items {
		u, err := users.Decode(it)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, nil
}

// Get reads one department.
func (s *Service) Get(ctx context.Context, id string) (*crm.Department, error) {
	t, err := s.Tables.TenantTable(ctx)
	if err != nil {
		return nil, err
	}
	it, err := store.GetOr(ctx, t, DepartmentKey(id), func() error { return notFound("department") })
	if err != nil {
		return nil, err
	}
	return fromItem(it)
}

// Positions lists every position by name: one query.
func (s *Service) Positions(ctx context.Context) ([]*crm.Position, error) {
	t, err := s.Tables.TenantTable(ctx)
	if err != nil {
		return nil, err
	}
	p, err := t.Query(ctx, store.Query{PK: posPK, Limit: 5000})
	if err != nil {
		return nil, err
	}
	out := make([]*crm.Position, 0, len(p.Items))
	for _, it := range p.Items {
		pos, err := DecodePosition(it)
		if err != nil {
			return nil, err
		}
		out = append(out, pos)
	}
	slices.SortFunc(out, func(a, b *crm.Position) int { return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) })
	return out, nil
}

// PositionPatch changes some fields of a position.
type PositionPatch struct {
	Name, Description, DepartmentID *string
	Level                           *int
}

// SavePosition creates (id "") or changes a position.
func (s *Service) SavePosition(ctx context.Context, id string, p *PositionPatch) (*crm.Position, error) {
	t, err := s.Tables.TenantTable(ctx)
	if err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	pos := &crm.Position{ID: ids.New(), CreatedAt: now}
	event := "position.created"
	cond := store.NotExists()
	if id != "" {
		it, err := store.GetOr(ctx, t, PositionKey(id), func() error { return notFound("position") })
		if err != nil {
			return nil, err
		}
		if pos, err = DecodePosition(it); err != nil {
			return nil, err
		}
		event, cond = "position.updated", store.Exists()
	}
	for _, f := range []struct{ dst, src *string }{{&pos.Name, p.Name}, {&pos.Description, p.Description}, {&pos.DepartmentID, p.DepartmentID}} {
		if f.src != nil {
			*f.dst = strings.TrimSpace(*f.src)
		}
	}
	if p.Level != nil {
		pos.Level = *p.Level
	}
	if pos.Name == "" {
		return nil, invalid("name", "required")
	}
	pos.UpdatedAt = now
	it, err := posItem(pos)
	if err != nil {
		return nil, err
	}
	ops := []store.Op{store.PutOp(it, cond), outbox.Op(ctx, event, map[string]any{"position": posRecord(*pos)})}
	if pos.DepartmentID != "" {
		ops = append(ops, store.CheckOp(DepartmentKey(pos.DepartmentID), store.Exists()))
	}
	err = t.TransactWrite(ctx, ops...)
	if crm.ErrorCode(err) == crm.ECONFLICT {
		if pos.DepartmentID != "" {
			return nil, invalid("department_id", "no department has this id")
		}
		return nil, notFound("position")
	}
	return pos, err
}

// DeletePosition removes a position; 409 while users hold it.
func (s *Service) DeletePosition(ctx context.Context, id string) error {
	t, err := s.Tables.TenantTable(ctx)
	if err != nil {
		return err
	}
	if _, err := store.GetOr(ctx, t, PositionKey(id), func() error { return notFound("position") }); err != nil {
		return err
	}
	q := users.AllQuery()
	q.Filter, q.CountOnly = []store.Cond{store.Eq("position_id", id), store.Ne("status", users.StatusDeleted)}, true
	c, err := t.Query(ctx, q)
	if err != nil {
		return err
	}
	if c.Count > 0 {
		return &crm.Error{Code: crm.ECONFLICT, Message: "users hold this position; give them another first", Key: "conflict"}
	}
	return t.TransactWrite(ctx, store.DeleteOp(PositionKey(id)), outbox.Op(ctx, "position.deleted", map[string]any{"position_id": id}))
}
