package departments

import (
	"context"
	"strings"

	"payvand.dev/shared/crm"
	"payvand.dev/shared/store"
)

// Names reads the names of departments and positions in one batch (the
// users list's include=department,position).
func Names(ctx context.Context, t store.Table, deptIDs, posIDs []string) (depts, positions map[string]string, err error) {
	depts, positions = map[string]string{}, map[string]string{}
	seen := map[store.Key]bool{}
	var keys []store.Key
	add := func(k store.Key) {
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	for _, id := range deptIDs {
		if id != "" {
			add(DepartmentKey(id))
		}
	}
	for _, id := range posIDs {
		if id != "" {
			add(PositionKey(id))
		}
	}
	items, err := store.BatchGetAll(ctx, t, keys)
	if err != nil {
		return nil, nil, err
	}
	for _, it := range items {
		sk := store.Str(it, store.SK)
		switch {
		case strings.HasPrefix(sk, "DEPT#"):
			depts[strings.TrimPrefix(sk, "DEPT#")] = store.Str(it, "name")
		case strings.HasPrefix(sk, "POS#"):
			positions[strings.TrimPrefix(sk, "POS#")] = store.Str(it, "name")
		}
	}
	return depts, positions, nil
}

// CheckRefs answers EVALIDATION naming department_id or position_id
// unless each given id ("" = none) names a department or position of the
// tenant: one batch read.
func CheckRefs(ctx context.Context, t store.Table, deptID, posID string) error {
	if deptID == "" && posID == "" {
		return nil
	}
	d, p, err := Names(ctx, t, []string{deptID}, []string{posID})
	if err != nil {
		return err
	}
	f := crm.FieldErrors{}
	if _, ok := d[deptID]; deptID != "" && !ok {
		f.Add("department_id", "no department has this id")
	}
	if _, ok := p[posID]; posID != "" && !ok {
		f.Add("position_id", "no position has this id")
	}
	return f.Err()
}

// Position reads one position.
func (s *Service) Position(ctx context.Context, id string) (*crm.Position, error) {
	t, err := s.Tables.TenantTable(ctx)
	if err != nil {
		return nil, err
	}
	it, err := store.GetOr(ctx, t, PositionKey(id), func() error { return notFound("position") })
	if err != nil {
		return nil, err
	}
	return DecodePosition(it)
}
