package customers

import (
	"context"
	"encoding/json"
	"slices"
	"strings"

	"payvand.dev/shared/crm"
	"payvand.dev/shared/ids"
	"payvand.dev/shared/store"
)

// ContactDetail reads a contact's item collection in one query: the
// contact and the activities kept there by the activity writes (their API
// form in view), newest first.
func (s *Service) ContactDetail(ctx context.Context, id string) (*crm.Contact, []json.RawMessage, error) {
	t, err := s.Tables.TenantTable(ctx)
	if err != nil {
		return nil, nil, err
	}
	if !ids.Valid(id) {
		return nil, nil, contactNotFound()
	}
	p, err := t.Query(ctx, store.Query{PK: contactKey(id).PK, Limit: 1000})
	if err != nil {
		return nil, nil, err
	}
	var c *crm.Contact
	activities := []json.RawMessage{}
	for _, it := range p.Items {
		sk := store.Str(it, store.SK)
		switch {
		case sk == contactKey(id).SK:
			if c, _, err = contactFromItem(it); err != nil {
				return nil, nil, err
			}
		case strings.HasPrefix(sk, "ACTIVITY#"):
			if v := json.RawMessage(store.Str(it, "view")); json.Valid(v) {
				activities = append(activities, v)
			}
		}
	}
	if c == nil {
		return nil, nil, contactNotFound()
	}
	slices.Reverse(activities) // ids are UUIDv7: newest last in the collection
	return c, activities, nil
}
