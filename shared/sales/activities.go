package sales

// Activity keys (see docs/data-model.md):
//
//	activity        PK=ACTIVITY#<id>               SK=#ACTIVITY
//	by date         GSI1PK=ACTIVITIES              GSI1SK=<when, RFC 3339 UTC>#<id>
//	by type         GSI2PK=ACTIVITIES#TYPE#<type>  GSI2SK=<when>#<id>
//	by owner        GSI3PK=ACTIVITIES#OWNER#<id>   GSI3SK=<when>#<id>
//	copies          PK=CUSTOMER#<id> | DEAL#<id> | CONTACT#<id>   SK=ACTIVITY#<id>  (attributes and view)
//	rollup          PK=ROLLUP#DAY                  SK=<UTC day>   ah<HH> = activities created in that hour (the sales rollup's item)

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/guregu/dynamo/v2"

	"payvand.dev/shared/crm"
	"payvand.dev/shared/customers"
	"payvand.dev/shared/ids"
	"payvand.dev/shared/jalali"
	"payvand.dev/shared/outbox"
	"payvand.dev/shared/rollup"
	"payvand.dev/shared/search"
	"payvand.dev/shared/store"
	"payvand.dev/shared/users"
)

const (
	activityPrefix = "ACTIVITY#"
	activitySK     = "#ACTIVITY"
	activitiesPK   = "ACTIVITIES"
	activityKind   = "activity"
	whenLayout     = "2006-01-02T15:04:05Z"
)

func activityKey(id string) store.Key { return store.Key{PK: "ACTIVITY#" + id, SK: activitySK} }

// ActivityKey is an activity's item, for batch reads that mix kinds.
func ActivityKey(id string) store.Key { return activityKey(id) }

func contactPK(id string) string { return customers.ContactKey(id).PK }

// activityRecord is the stored form: the activity and what lists need.
type activityRecord struct {
	crm.Activity
	When      string   `dynamo:"when"`
	Completed bool     `dynamo:"completed"`
	Tokens    []string `dynamo:"tokens"`
}

func activityWords(a *crm.Activity) []string {
	return search.NewWords(maxDealWords).Text(a.Title, a.CustomerName, a.DealTitle).List()
}

func whenKey(a *crm.Activity) string { return a.When().UTC().Format(whenLayout) + "#" + a.ID }

func activityItem(a *crm.Activity) (store.Item, []string, error) {
	r := activityRecord{Activity: *a, When: a.When().UTC().Format(whenLayout), Completed: a.CompletedAt != nil, Tokens: activityWords(a)}
	it, err := store.Marshal(activityKey(a.ID), r)
	if err != nil {
		return nil, nil, err
	}
	it["GSI1PK"], it["GSI1SK"] = store.AV(activitiesPK), store.AV(whenKey(a))
	it["GSI2PK"], it["GSI2SK"] = store.AV(activitiesPK+"#TYPE#"+a.Type), store.AV(whenKey(a))
	if a.OwnerID != "" {
		it["GSI3PK"], it["GSI3SK"] = store.AV(activitiesPK+"#OWNER#"+a.OwnerID), store.AV(whenKey(a))
	}
	return it, r.Tokens, nil
}

// activityCopy is the activity in a related record's collection.
func activityCopy(pk string, a *crm.Activity) (store.Item, error) {
	r := activityRecord{Activity: *a, When: a.When().UTC().Format(whenLayout), Completed: a.CompletedAt != nil}
	it, err := store.Marshal(store.Key{PK: pk, SK: activityPrefix + a.ID}, r)
	if err != nil {
		return nil, err
	}
	delete(it, "tokens")
	v, _ := json.Marshal(ActivitySummary(a, time.UTC))
	it["view"] = store.AV(string(v))
	return it, nil
}

// ActivitySummary is the API form kept in related records' collections.
func ActivitySummary(a *crm.Activity, loc *time.Location) map[string]any {
	return map[string]any{"id": a.ID, "type": a.Type, "title": a.Title, "description": a.Description, "date": a.When(),
		"date_jalali": jalali.Format(a.When(), loc), "start_time": a.StartTime, "due_at": a.DueAt, "completed_at": a.CompletedAt,
		"outcome": a.Outcome, "customer_id": a.CustomerID, "contact_id": a.ContactID, "deal_id": a.DealID,
		"entity_type": a.EntityType, "entity_id": a.EntityID, "owner_id": a.OwnerID, "created_at": a.CreatedAt}
}

func activityFromItem(it store.Item) (*crm.Activity, error) {
	var r activityRecord
	if err := dynamo.UnmarshalItem(it, &r); err != nil {
		return nil, crm.Wrap(err, "unmarshal activity")
	}
	a := r.Activity
	if a.Attendees == nil {
		a.Attendees = []string{}
	}
	return &a, nil
}

// DecodeActivity turns an activity's item into the activity.
func DecodeActivity(it store.Item) (*crm.Activity, error) { return activityFromItem(it) }

func activityNotFound() error {
	return &crm.Error{Code: crm.ENOTFOUND, Message: "activity not found", Key: "not-found-resource", Args: []any{"activity"}}
}

// ActivityInput is an activity's writable fields (nil: unchanged).
type ActivityInput struct {
	Type, Title, Description, Outcome, Notes, NextSteps *string
	StartTime, EndTime, DueAt                           *string
	DurationMinutes                                     *int
	CustomerID, ContactID, DealID                       *string
	EntityType, EntityID                                *string
	Attendees                                           *[]string
	OwnerID                                             *string
	Completed                                           *bool
	Version                                             *int64
}

func parseTime(field, s string) (*time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			t = t.UTC()
			return &t, nil
		}
	}
	return nil, invalid(field, "must be a date and time (RFC 3339)")
}

// applyActivity sets the fields of in on a and resolves the records it is
// about (one batch read of them).
func (s *Service) applyActivity(ctx context.Context, t store.Table, a *crm.Activity, in *ActivityInput, now time.Time) error {
	fe := crm.FieldErrors{}
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = strings.TrimSpace(*src)
		}
	}
	if in.Type != nil {
		a.Type = strings.ToLower(strings.TrimSpace(*in.Type))
	}
	if a.Type == "" {
		a.Type = "other"
	}
	if !slices.Contains(crm.ActivityTypes, a.Type) {
		fe.Add("type", "must be one of call, email, meeting, note, task, other")
	}
	set(&a.Title, in.Title)
	set(&a.Description, in.Description)
	set(&a.Outcome, in.Outcome)
	set(&a.Notes, in.Notes)
	set(&a.NextSteps, in.NextSteps)
	if a.Title == "" {
		a.Title = a.Type
	}
	for _, f := range []struct {
		name string
		src  *string
		dst  **time.Time
	}{{"start_time", in.StartTime, &a.StartTime}, {"end_time", in.EndTime, &a.EndTime}, {"due_at", in.DueAt, &a.DueAt}} {
		if f.src != nil {
			v, err := parseTime(f.name, *f.src)
			if err != nil {
				fe.Add(f.name, "must be a date and time (RFC 3339)")
			}
			*f.dst = v
		}
	}
	if in.DurationMinutes != nil {
		if *in.DurationMinutes < 0 || *in.DurationMinutes > 60*24*31 {
			fe.Add("duration_minutes", "must be between 0 and 44640")
		}
		a.DurationMinutes = *in.DurationMinutes
	}
	if a.DurationMinutes == 0 && a.StartTime != nil && a.EndTime != nil && a.EndTime.After(*a.StartTime) {
		a.DurationMinutes = int(a.EndTime.Sub(*a.StartTime) / time.Minute)
	}
	if in.Attendees != nil {
		if len(*in.Attendees) > 50 {
			fe.Add("attendees", "at most 50")
		}
		a.Attendees = slices.Clone(*in.Attendees)
	}
	if in.Completed != nil {
		switch {
		case *in.Completed && a.CompletedAt == nil:
			a.CompletedAt = &now
		case !*in.Completed:
			a.CompletedAt = nil
		}
	}
	// The records it is about: entity_type + entity_id, or the ids.
	customer, contact, deal := a.CustomerID, a.ContactID, a.DealID
	if in.CustomerID != nil {
		customer = strings.TrimSpace(*in.CustomerID)
	}
	if in.ContactID != nil {
		contact = strings.TrimSpace(*in.ContactID)
	}
	if in.DealID != nil {
		deal = strings.TrimSpace(*in.DealID)
	}
	if in.EntityType != nil || in.EntityID != nil {
		et, eid := "", ""
		if in.EntityType != nil {
			et = strings.ToLower(strings.TrimSpace(*in.EntityType))
		}
		if in.EntityID != nil {
			eid = strings.TrimSpace(*in.EntityID)
		}
		switch {
		case et == "" && eid == "":
		case !slices.Contains(crm.ActivityEntityTypes, et):
			fe.Add("entity_type", "must be one of contact, company, customer, deal")
		case eid == "":
			fe.Add("entity_id", "required with entity_type")
		case et == "deal":
			deal = eid
		case et == "contact":
			contact = eid
		default:
			customer = eid
		}
	}
	if err := fe.Err(); err != nil {
		return err
	}
	if in.OwnerID != nil && *in.OwnerID != a.OwnerID {
		if *in.OwnerID != "" {
			if err := users.CheckAssignee(ctx, t, "owner_id", *in.OwnerID); err != nil {
				return err
			}
		}
		a.OwnerID = *in.OwnerID
	}
	return s.resolveRelated(ctx, t, a, customer, contact, deal)
}

// resolveRelated checks the customer, contact and deal an activity is
// about and copies their names: one batch read of those that changed.
func (s *Service) resolveRelated(ctx context.Context, t store.Table, a *crm.Activity, customer, contact, deal string) error {
	var keys []store.Key
	for _, r := range []struct {
		field, id, old string
		key            func(string) store.Key
	}{{"customer_id", customer, a.CustomerID, customers.CustomerKey}, {"contact_id", contact, a.ContactID, customers.ContactKey}, {"deal_id", deal, a.DealID, dealKey}} {
		if r.id == "" || r.id == r.old {
			continue
		}
		if !ids.Valid(r.id) {
			return invalid(r.field, "no such record")
		}
		keys = append(keys, r.key(r.id))
	}
	byKey := map[store.Key]store.Item{}
	if len(keys) > 0 {
		items, err := t.BatchGet(ctx, keys)
		if err != nil {
			return err
		}
		for _, it := range items {
			byKey[store.KeyOf(it)] = it
		}
	}
	get := func(field, id, old string, key func(string) store.Key) (store.Item, bool, error) {
		if id == "" || id == old {
			return nil, false, nil
		}
		it, ok := byKey[key(id)]
		if !ok {
			return nil, false, invalid(field, "no such record")
		}
		return it, true, nil
	}
	if it, changed, err := get("deal_id", deal, a.DealID, dealKey); err != nil {
		return err
	} else if changed {
		a.DealTitle = store.Str(it, "title")
		if customer == "" || customer == a.CustomerID {
			if c := store.Str(it, "customer_id"); c != "" && customer == "" {
				customer = c
				a.CustomerID, a.CustomerName = c, store.Str(it, "customer_name")
			}
		}
	}
	if deal == "" {
		a.DealTitle = ""
	}
	a.DealID = deal
	if it, changed, err := get("contact_id", contact, a.ContactID, customers.ContactKey); err != nil {
		return err
	} else if changed {
		a.ContactName = store.Str(it, "name")
		if c := store.Str(it, "customer_id"); c != "" && customer == "" {
			customer = c
			a.CustomerID, a.CustomerName = c, store.Str(it, "customer_name")
		}
	}
	if contact == "" {
		a.ContactName = ""
	}
	a.ContactID = contact
	if customer != a.CustomerID {
		it, ok := byKey[customers.CustomerKey(customer)]
		if customer != "" && !ok {
			return invalid("customer_id", "no such record")
		}
		a.CustomerName = store.Str(it, "name")
	}
	if customer == "" {
		a.CustomerName = ""
	}
	a.CustomerID = customer
	switch {
	case a.DealID != "":
		a.EntityType, a.EntityID = "deal", a.DealID
	case a.ContactID != "":
		a.EntityType, a.EntityID = "contact", a.ContactID
	case a.CustomerID != "":
		a.EntityType, a.EntityID = "customer", a.CustomerID
	default:
		a.EntityType, a.EntityID = "", ""
	}
	return nil
}

// activityOps store a (replacing old; deleting old when a is nil): the
// item, its copies in the customer's, contact's and deal's collections,
// the deal's activities_count and next_activity, the customer's and
// contact's last_activity_at, the hourly rollup, search words and the
// event.
func (s *Service) activityOps(ctx context.Context, t store.Table, old, a *crm.Activity, oldTokens []string, event string, now time.Time) ([]store.Op, error) {
	var ops []store.Op
	var tokens []string
	cur := a
	if a != nil {
		it, tk, err := activityItem(a)
		if err != nil {
			return nil, err
		}
		tokens = tk
		cond := store.NotExists()
		if old != nil {
			cond = store.VersionIs(old.Version)
		}
		ops = append(ops, store.PutOp(it, cond))
	} else {
		cur = old
		ops = append(ops, store.DeleteOp(activityKey(old.ID), store.VersionIs(old.Version)))
	}
	rel := func(x *crm.Activity) map[string]string {
		m := map[string]string{}
		if x == nil {
			return m
		}
		if x.CustomerID != "" {
			m[customers.CustomerKey(x.CustomerID).PK] = "customer"
		}
		if x.ContactID != "" {
			m[contactPK(x.ContactID)] = "contact"
		}
		if x.DealID != "" {
			m[dealKey(x.DealID).PK] = "deal"
		}
		return m
	}
	was, is := rel(old), rel(a)
	for pk := range was {
		if _, ok := is[pk]; !ok {
			ops = append(ops, store.DeleteOp(store.Key{PK: pk, SK: activityPrefix + cur.ID}))
		}
	}
	for pk := range is {
		cp, err := activityCopy(pk, a)
		if err != nil {
			return nil, err
		}
		ops = append(ops, store.PutOp(cp))
	}
	// Deals it leaves or joins: their count and next activity.
	deals := map[string]bool{}
	if old != nil && old.DealID != "" {
		deals[old.DealID] = true
	}
	if a != nil && a.DealID != "" {
		deals[a.DealID] = true
	}
	for did := range deals {
		op, err := s.dealActivityOp(ctx, t, did, old, a)
		if err != nil {
			return nil, err
		}
		ops = append(ops, op)
	}
	if a != nil && a.ContactID != "" && (old == nil || event == "activity.completed" || old.ContactID != a.ContactID) {
		ops = append(ops, store.UpdateOp(store.Update{Key: customers.ContactKey(a.ContactID),
			Set: store.Item{"last_activity_at": store.AV(now.Format(time.RFC3339Nano))}, Add: map[string]int64{"version": 1},
			Cond: []store.Cond{store.Exists()}}))
	}
	if a != nil && a.CustomerID != "" && (old == nil || event == "activity.completed" || old.CustomerID != a.CustomerID) {
		ops = append(ops, store.UpdateOp(store.Update{Key: customers.CustomerKey(a.CustomerID),
			Set: store.Item{"last_activity_at": store.AV(now.Format(time.RFC3339Nano))}, Add: map[string]int64{"version": 1},
			Cond: []store.Cond{store.Exists()}}))
	}
	if old == nil && a != nil {
		ops = append(ops, store.UpdateOp(store.Update{Key: rollup.DayKey(now),
			Add: map[string]int64{rollup.HourAttr("ah", now): 1, "activities": 1}}))
	}
	ops = append(ops, search.Ops(activityKind, cur.ID, oldTokens, tokens)...)
	ops = append(ops, outbox.Op(ctx, event, map[string]any{"activity": ActivitySummary(cur, time.UTC)}))
	return ops, nil
}

// dealActivityOp keeps a deal's activities_count and next_activity: the
// deal's other activities come from its collection (one read).
func (s *Service) dealActivityOp(ctx context.Context, t store.Table, dealID string, old, a *crm.Activity) (store.Op, error) {
	p, err := t.Query(ctx, store.Query{PK: dealKey(dealID).PK, SK: store.SKPrefix(activityPrefix), Limit: 1000})
	if err != nil {
		return store.Op{}, err
	}
	var list []*crm.Activity
	id := ""
	if a != nil {
		id = a.ID
	} else {
		id = old.ID
	}
	for _, it := range p.Items {
		x, err := activityFromItem(it)
		if err != nil {
			return store.Op{}, err
		}
		if x.ID != id {
			list = append(list, x)
		}
	}
	if a != nil && a.DealID == dealID {
		list = append(list, a)
	}
	var next *crm.ActivityRef
	var nextAt time.Time
	for _, x := range list {
		at := x.DueAt
		if at == nil {
			at = x.StartTime
		}
		if x.CompletedAt != nil || at == nil {
			continue
		}
		if next == nil || at.Before(nextAt) {
			next, nextAt = &crm.ActivityRef{ID: x.ID, Type: x.Type, Title: x.Title, DueAt: at}, *at
		}
	}
	set := store.Item{"activities_count": store.AV(int64(len(list)))}
	u := store.Update{Key: dealKey(dealID), Set: set, Add: map[string]int64{"version": 1}, Cond: []store.Cond{store.Exists()}}
	if next != nil {
		v, err := dynamo.MarshalItem(next)
		if err != nil {
			return store.Op{}, crm.Wrap(err, "marshal next activity")
		}
		set["next_activity"] = &types.AttributeValueMemberM{Value: v}
	} else {
		u.Remove = []string{"next_activity"}
	}
	return store.UpdateOp(u), nil
}

func (s *Service) loadActivity(ctx context.Context, t store.Table, id string) (*crm.Activity, []string, error) {
	if !ids.Valid(id) {
		return nil, nil, activityNotFound()
	}
	it, err := store.GetOr(ctx, t, activityKey(id), activityNotFound)
	if err != nil {
		return nil, nil, err
	}
	var r activityRecord
	if err := dynamo.UnmarshalItem(it, &r); err != nil {
		return nil, nil, crm.Wrap(err, "unmarshal activity")
	}
	a, err := activityFromItem(it)
	return a, r.Tokens, err
}

func activityConflict(err error) error {
	if crm.ErrorCode(err) != crm.ECONFLICT {
		return err
	}
	var te *store.TxError
	if asTx(err, &te) && te.Key.SK != activitySK {
		return &crm.Error{Code: crm.ECONFLICT, Message: "a record the activity is about was removed meanwhile", Err: err}
	}
	return crm.VersionConflict("activity", err)
}

// CreateActivity logs an activity in one transaction with everything it
// keeps current.
func (s *Service) CreateActivity(ctx context.Context, in *ActivityInput) (*crm.Activity, error) {
	t, err := s.Tables.TenantTable(ctx)
	if err != nil {
		return nil, err
	}
	now := s.now()
	a := &crm.Activity{ID: ids.New(), CreatedBy: actor(ctx), OwnerID: actor(ctx), CreatedAt: now, UpdatedAt: now, Version: 1, Attendees: []string{}}
	if err := s.applyActivity(ctx, t, a, in, now); err != nil {
		return nil, err
	}
	ops, err := s.activityOps(ctx, t, nil, a, nil, "activity.created", now)
	if err != nil {
		return nil, err
	}
	if err := t.TransactWrite(ctx, ops...); err != nil {
		return nil, activityConflict(err)
	}
	return a, nil
}

// Activity reads one activity.
func (s *Service) Activity(ctx context.Context, id string) (*crm.Activity, error) {
	t, err := s.Tables.TenantTable(ctx)
	if err != nil {
		return nil, err
	}
	a, _, err := s.loadActivity(ctx, t, id)
	return a, err
}

// UpdateActivity changes the fields given.
func (s *Service) UpdateActivity(ctx context.Context, id string, in *ActivityInput, event string) (*crm.Activity, error) {
	t, err := s.Tables.TenantTable(ctx)
	if err != nil {
		return nil, err
	}
	old, tokens, err := s.loadActivity(ctx, t, id)
	if err != nil {
		return nil, err
	}
	if in.Version != nil && *in.Version != old.Version {
		return nil, crm.VersionConflict("activity", nil)
	}
	now := s.now()
	a := *old
	a.Attendees = slices.Clone(old.Attendees)
	if err := s.applyActivity(ctx, t, &a, in, now); err != nil {
		return nil, err
	}
	a.UpdatedAt, a.Version = now, old.Version+1
	if event == "" {
		event = "activity.updated"
	}
	ops, err := s.activityOps(ctx, t, old, &a, tokens, event, now)
	if err != nil {
		return nil, err
	}
	if err := t.TransactWrite(ctx, ops...); err != nil {
		return nil, activityConflict(err)
	}
	return &a, nil
}

// CompleteActivity marks an activity done with its outcome.
func (s *Service) CompleteActivity(ctx context.Context, id string, outcome, notes, nextSteps string) (*crm.Activity, error) {
	done := true
	in := &ActivityInput{Completed: &done}
	if outcome != "" {
		in.Outcome = &outcome
	}
	if notes != "" {
		in.Notes = &notes
	}
	if nextSteps != "" {
		in.NextSteps = &nextSteps
	}
	return s.UpdateActivity(ctx, id, in, "activity.completed")
}

// DeleteActivity removes an activity and its copies.
func (s *Service) DeleteActivity(ctx context.Context, id string) error {
	t, err := s.Tables.TenantTable(ctx)
	if err != nil {
		return err
	}
	old, tokens, err := s.loadActivity(ctx, t, id)
	if err != nil {
		return err
	}
	ops, err := s.activityOps(ctx, t, old, nil, tokens, "activity.deleted", s.now())
	if err != nil {
		return err
	}
	return activityConflict(t.TransactWrite(ctx, ops...))
}

// ActivityFilter selects activities.
type ActivityFilter struct {
	Type, CustomerID, ContactID, DealID, OwnerID string
	From, To                                     *time.Time
	Completed                                    *bool
	Search                                       string
	Desc                                         bool
	Limit, Offset                                int
	Cursor                                       string
}

// ActivityPage is one page of activities.
type ActivityPage struct {
	Activities []*crm.Activity
	Total      int
	NextCursor string
}

// Activities lists activities by date: a deal's, contact's or customer's
// from its collection (one query), else from the date index, by type or
// by owner, with the other filters as conditions.
func (s *Service) Activities(ctx context.Context, f ActivityFilter) (*ActivityPage, error) {
	t, err := s.Tables.TenantTable(ctx)
	if err != nil {
		return nil, err
	}
	if f.Type != "" {
		f.Type = strings.ToLower(f.Type)
		if !slices.Contains(crm.ActivityTypes, f.Type) {
			return nil, invalid("filter[type]", "must be one of call, email, meeting, note, task, other")
		}
	}
	var filter []store.Cond
	if f.Completed != nil {
		filter = append(filter, store.Eq("completed", *f.Completed))
	}
	if f.From != nil {
		filter = append(filter, store.Ge("when", f.From.UTC().Format(whenLayout)))
	}
	if f.To != nil {
		filter = append(filter, store.Le("when", f.To.UTC().Format(whenLayout)))
	}
	collection := ""
	switch {
	case f.DealID != "":
		collection = dealKey(f.DealID).PK
		if f.ContactID != "" {
			filter = append(filter, store.Eq("contact_id", f.ContactID))
		}
		if f.CustomerID != "" {
			filter = append(filter, store.Eq("customer_id", f.CustomerID))
		}
	case f.ContactID != "":
		collection = contactPK(f.ContactID)
		if f.CustomerID != "" {
			filter = append(filter, store.Eq("customer_id", f.CustomerID))
		}
	case f.CustomerID != "":
		collection = customers.CustomerKey(f.CustomerID).PK
	}
	if collection != "" || f.Search != "" {
		if f.Type != "" {
			filter = append(filter, store.Eq("type", f.Type))
		}
		if f.OwnerID != "" {
			filter = append(filter, store.Eq("owner_id", f.OwnerID))
		}
		return s.activitiesInMemory(ctx, t, f, collection, filter)
	}
	q := store.Query{Index: "GSI1", PK: activitiesPK, Reverse: f.Desc, Limit: f.Limit, Offset: f.Offset, Cursor: f.Cursor}
	switch {
	case f.Type != "":
		q.Index, q.PK = "GSI2", activitiesPK+"#TYPE#"+f.Type
		if f.OwnerID != "" {
			filter = append(filter, store.Eq("owner_id", f.OwnerID))
		}
	case f.OwnerID != "":
		q.Index, q.PK = "GSI3", activitiesPK+"#OWNER#"+f.OwnerID
	}
	q.Filter = filter
	list, total, next, err := store.List(ctx, t, q, activityFromItem)
	if err != nil {
		return nil, err
	}
	return &ActivityPage{Activities: list, Total: total, NextCursor: next}, nil
}

func (s *Service) activitiesInMemory(ctx context.Context, t store.Table, f ActivityFilter, collection string, filter []store.Cond) (*ActivityPage, error) {
	var items []store.Item
	if collection != "" {
		p, err := t.Query(ctx, store.Query{PK: collection, SK: store.SKPrefix(activityPrefix), Limit: 1000})
		if err != nil {
			return nil, err
		}
		items = p.Items
		if f.Search != "" {
			hits, err := search.IDs(ctx, t, activityKind, f.Search)
			if err != nil {
				return nil, err
			}
			keep := map[string]bool{}
			for _, h := range hits {
				keep[h] = true
			}
			items = slices.DeleteFunc(items, func(it store.Item) bool { return !keep[store.Str(it, "id")] })
		}
	} else {
		hits, err := search.IDs(ctx, t, activityKind, f.Search)
		if err != nil {
			return nil, err
		}
		if items, err = store.BatchGetAll(ctx, t, store.Keys(hits, activityKey)); err != nil {
			return nil, err
		}
	}
	all, err := store.Decode(items, filter, activityFromItem)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(all, func(a, b *crm.Activity) int {
		r := strings.Compare(whenKey(a), whenKey(b))
		if f.Desc {
			r = -r
		}
		return r
	})
	page := &ActivityPage{Total: len(all)}
	page.Activities, page.NextCursor = store.Window(all, store.OffsetOf(f.Offset, f.Cursor), f.Limit)
	return page, nil
}

// ActivitiesToday counts the activities created in [from, to): the hourly
// figures of the daily rollups it covers (one query of at most two items
// for a day in any time zone).
func (s *Service) ActivitiesToday(ctx context.Context, from, to time.Time) (int64, error) {
	t, err := s.Tables.TenantTable(ctx)
	if err != nil {
		return 0, err
	}
	return hourlySum(ctx, t, dayRollupPK, from, to, "ah")
}

// hourlySum adds the h<HH> attributes of daily rollup items for the hours
// in [from, to).
func hourlySum(ctx context.Context, t store.Table, pk string, from, to time.Time, prefix string) (int64, error) {
	from, to = from.UTC(), to.UTC()
	p, err := t.Query(ctx, store.Query{PK: pk, SK: store.SKBetweenOf(from.Format("2006-01-02"), to.Add(-time.Nanosecond).Format("2006-01-02"))})
	if err != nil {
		return 0, err
	}
	return rollup.SumHours(p.Items, from, to, prefix), nil
}

// Exists answers ENOTFOUND unless the customer, contact or deal (by the
// filter name that addresses it) exists: one read of its item.
func (s *Service) Exists(ctx context.Context, field, id string) error {
	t, err := s.Tables.TenantTable(ctx)
	if err != nil {
		return err
	}
	var key store.Key
	entity := strings.TrimSuffix(field, "_id")
	switch field {
	case "customer_id":
		key = customers.CustomerKey(id)
	case "contact_id":
		key = customers.ContactKey(id)
	case "deal_id":
		key = dealKey(id)
	}
	missing := func() error {
		return &crm.Error{Code: crm.ENOTFOUND, Message: entity + " not found", Key: "not-found-resource", Args: []any{entity}}
	}
	if !ids.Valid(id) {
		return missing()
	}
	_, err = store.GetOr(ctx, t, key, missing)
	return err
}
