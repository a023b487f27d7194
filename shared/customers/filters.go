package customers

import (
	"context"
	"encoding/json"
	"slices"

	"payvand.dev/shared/auth"
	"payvand.dev/shared/crm"
	"payvand.dev/shared/store"
)

var _ crm.CustomerFilterPreferences = (*Service)(nil)

func prefsKey(user string) store.Key { return store.Key{PK: "PREFS#" + user, SK: "CUSTOMER_FILTERS"} }

// FilterOptions reads the counters and the caller's saved filters in one
// batch read.
func (s *Service) FilterOptions(ctx context.Context) (*crm.CustomerFilterOptions, error) {
	t, err := s.Tables.TenantTable(ctx)
	if err != nil {
		return nil, err
	}
	user := auth.PrincipalFrom(ctx).Subject
	items, err := t.BatchGet(ctx, []store.Key{counterKey(), prefsKey(user)})
	if err != nil {
		return nil, err
	}
	o := &crm.CustomerFilterOptions{Types: crm.CustomerTypes, Statuses: crm.CustomerStatuses, Cities: []string{}, Saved: map[string]any{}}
	for _, it := range items {
		if store.KeyOf(it) == prefsKey(user) {
			json.Unmarshal([]byte(store.Str(it, "filters")), &o.Saved)
			continue
		}
		for attr := range it {
			if p, v, ok := unfacet(attr); ok && p == "ct" && store.Int(it, attr) > 0 {
				o.Cities = append(o.Cities, v)
			}
		}
	}
	slices.Sort(o.Cities)
	return o, nil
}

// SaveFilters keeps the caller's filter preferences.
func (s *Service) SaveFilters(ctx context.Context, filters map[string]any) error {
	t, err := s.Tables.TenantTable(ctx)
	if err != nil {
		return err
	}
	b, err := json.Marshal(filters)
	if err != nil || len(b) > 8<<10 {
		return &crm.Error{Code: crm.EVALIDATION, Message: "the given data was invalid", Key: "validation",
			Fields: map[string][]string{"filters": {"at most 8 KiB of filters"}}}
	}
	it := store.KeyItem(prefsKey(auth.PrincipalFrom(ctx).Subject))
	it["filters"] = store.AV(string(b))
	return t.Put(ctx, it)
}
