package customers

// Contacts belong to customers, so they live in this package: a contact is
// its own item and also a copy (its API form) in its customer's item
// collection, written in the same transaction, so that a customer's detail
// with its contacts stays one read.
//
//	contact        PK=CONTACT#<id>                  SK=#CONTACT
//	in customer    PK=CUSTOMER#<customer id>        SK=CONTACT#<id>   (view = API form)
//	all            GSI1PK=CONTACTS                  GSI1SK=<id>
//	by name        GSI2PK=CONTACTS                  GSI2SK=<name key>#<id>
//	by customer    GSI3PK=CONTACTS#CUSTOMER#<id>    GSI3SK=<id>
//	by owner       GSI4PK=CONTACTS#OWNER#<id>       GSI4SK=<id>
//	counter        PK=COUNTER#CONTACTS              SK=STATS

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/guregu/dynamo/v2"

	"payvand.dev/shared/auth"
	"payvand.dev/shared/crm"
	"payvand.dev/shared/ids"
	"payvand.dev/shared/outbox"
	"payvand.dev/shared/search"
	"payvand.dev/shared/store"
	"payvand.dev/shared/users"
)

const (
	contactKind = "contact"
	contactsPK  = "CONTACTS"
)

var _ crm.ContactService = (*Service)(nil)

func contactKey(id string) store.Key { return store.Key{PK: "CONTACT#" + id, SK: "#CONTACT"} }

// ContactKey is a contact's item, for batch reads that mix kinds (global
// search); DecodeContact reads it.
func ContactKey(id string) store.Key { return contactKey(id) }

// DecodeContact turns a contact's item into the contact.
func DecodeContact(it store.Item) (*crm.Contact, error) {
	c, _, err := contactFromItem(it)
	return c, err
}
func contactCopyKey(customerID, id string) store.Key {
	return store.Key{PK: customerKey(customerID).PK, SK: "CONTACT#" + id}
}
func contactsCounter() store.Key { return store.Key{PK: "COUNTER#CONTACTS", SK: "STATS"} }

func contactNotFound() error {
	return &crm.Error{Code: crm.ENOTFOUND, Message: "contact not found", Key: "not-found-resource", Args: []any{"contact"}}
}

// contactRecord is the stored form of a contact.
type contactRecord struct {
	ID             string         `dynamo:"id"`
	FirstName      string         `dynamo:"first_name,omitempty"`
	LastName       string         `dynamo:"last_name,omitempty"`
	Name           string         `dynamo:"name"`
	Email          string         `dynamo:"email,omitempty"`
	Phone          string         `dynamo:"phone,omitempty"`
	Mobile         string         `dynamo:"mobile,omitempty"`
	JobTitle       string         `dynamo:"job_title,omitempty"`
	Position       string         `dynamo:"position,omitempty"`
	Role           string         `dynamo:"role,omitempty"`
	Department     string         `dynamo:"department,omitempty"`
	CustomerID     string         `dynamo:"customer_id,omitempty"`
	CustomerName   string         `dynamo:"customer_name,omitempty"`
	OwnerID        string         `dynamo:"owner_id,omitempty"`
	Source         string         `dynamo:"source,omitempty"`
	Status         string         `dynamo:"status"`
	Tags           []string       `dynamo:"tags"`
	CustomFields   map[string]any `dynamo:"custom_fields"`
	Notes          string         `dynamo:"notes,omitempty"`
	DealsCount     int            `dynamo:"deals_count"`
	DealsValue     float64        `dynamo:"deals_value"`
	LastActivityAt *time.Time     `dynamo:"last_activity_at"`
	CreatedBy      string         `dynamo:"created_by,omitempty"`
	CreatedAt      time.Time      `dynamo:"created_at"`
	UpdatedAt      time.Time      `dynamo:"updated_at"`
	Version        int64          `dynamo:"version"`
	Tokens         []string       `dynamo:"tokens"`
}

func contactItem(c *crm.Contact) (store.Item, []string, error) {
	r := contactRecord{ID: c.ID, FirstName: c.FirstName, LastName: c.LastName, Name: c.Name, Email: c.Email, Phone: c.Phone,
		Mobile: c.Mobile, JobTitle: c.JobTitle, Position: c.Position, Role: c.Role, Department: c.Department,
		CustomerID: c.CustomerID, CustomerName: c.CustomerName, OwnerID: c.OwnerID, Source: c.Source, Status: c.Status,
		Tags: c.Tags, CustomFields: c.CustomFields, Notes: c.Notes, DealsCount: c.DealsCount, DealsValue: c.DealsValue,
		LastActivityAt: c.LastActivityAt, CreatedBy: c.CreatedBy, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt,
		Version: c.Version, Tokens: contactTokens(c)}
	it, err := store.Marshal(contactKey(c.ID), r)
	if err != nil {
		return nil, nil, err
	}
	it["GSI1PK"], it["GSI1SK"] = store.AV(contactsPK), store.AV(c.ID)
	it["GSI2PK"], it["GSI2SK"] = store.AV(contactsPK), store.AV(search.Normalize(c.Name)+"#"+c.ID)
	if c.CustomerID != "" {
		it["GSI3PK"], it["GSI3SK"] = store.AV(contactsPK+"#CUSTOMER#"+c.CustomerID), store.AV(c.ID)
	}
	if c.OwnerID != "" {
		it["GSI4PK"], it["GSI4SK"] = store.AV(contactsPK+"#OWNER#"+c.OwnerID), store.AV(c.ID)
	}
	return it, r.Tokens, nil
}

func contactFromItem(it store.Item) (*crm.Contact, []string, error) {
	var r contactRecord
	if err := dynamo.UnmarshalItem(it, &r); err != nil {
		return nil, nil, crm.Wrap(err, "unmarshal contact")
	}
	c := crm.Contact{ID: r.ID, FirstName: r.FirstName, LastName: r.LastName, Name: r.Name, Email: r.Email, Phone: r.Phone,
		Mobile: r.Mobile, JobTitle: r.JobTitle, Position: r.Position, Role: r.Role, Department: r.Department,
		CustomerID: r.CustomerID, CustomerName: r.CustomerName, OwnerID: r.OwnerID, Source: r.Source, Status: r.Status,
		Tags: r.Tags, CustomFields: r.CustomFields, Notes: r.Notes, DealsCount: r.DealsCount, DealsValue: r.DealsValue,
		LastActivityAt: r.LastActivityAt, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, Version: r.Version}
	if c.Tags == nil {
		c.Tags = []string{}
	}
	if c.CustomFields == nil {
		c.CustomFields = map[string]any{}
	}
	return &c, r.Tokens, nil
}

// copyOp writes the contact's API form into its customer's collection.
func copyOp(c *crm.Contact) store.Op {
	b, _ := json.Marshal(c)
	it := store.KeyItem(contactCopyKey(c.CustomerID, c.ID))
	it["view"] = store.AV(string(b))
	return store.PutOp(it)
}

func contactTokens(c *crm.Contact) []string {
	return search.NewWords(maxTokens).Text(c.Name, c.CustomerName, c.JobTitle).Email(c.Email).Phone(c.Phone, c.Mobile).List()
}

func normalizeContact(c *crm.Contact) {
	c.Email = strings.ToLower(strings.TrimSpace(c.Email))
	c.Phone, c.Mobile = asciiDigits(c.Phone), asciiDigits(c.Mobile)
	if c.Status == "" {
		c.Status = "active"
	}
	if c.Tags == nil {
		c.Tags = []string{}
	}
	if c.CustomFields == nil {
		c.CustomFields = map[string]any{}
	}
}

// attachCustomer checks the contact's customer exists and notes its name.
func (s *Service) attachCustomer(ctx context.Context, t store.Table, c *crm.Contact) error {
	if c.CustomerID == "" {
		c.CustomerName = ""
		return nil
	}
	cust, _, err := s.load(ctx, t, c.CustomerID)
	if crm.ErrorCode(err) == crm.ENOTFOUND {
		return &crm.Error{Code: crm.EVALIDATION, Message: "the given data was invalid", Fields: map[string][]string{"customer_id": {"no customer has this id"}}}
	}
	if err != nil {
		return err
	}
	c.CustomerName = cust.Name
	return nil
}

func (s *Service) CreateContact(ctx context.Context, c *crm.Contact) (*crm.Contact, error) {
	t, err := s.Tables.TenantTable(ctx)
	if err != nil {
		return nil, err
	}
	now := s.now()
	c.ID, c.CreatedAt, c.UpdatedAt, c.Version = ids.New(), now, now, 1
	ownerGiven := c.OwnerID != ""
	if p := auth.PrincipalFrom(ctx); p != nil {
		c.CreatedBy = p.Subject
		if c.OwnerID == "" {
			c.OwnerID = p.Subject
		}
	}
	normalizeContact(c)
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if ownerGiven {
		if err := users.CheckAssignee(ctx, t, "owner_id", c.OwnerID); err != nil {
			return nil, err
		}
	}
	if err := s.attachCustomer(ctx, t, c); err != nil {
		return nil, err
	}
	it, tokens, err := contactItem(c)
	if err != nil {
		return nil, err
	}
	ops := []store.Op{store.PutOp(it, store.NotExists()), store.UpdateOp(store.Update{Key: contactsCounter(), Add: map[string]int64{"total": 1}})}
	if c.CustomerID != "" {
		// The customer must still exist when the contact lands in it.
		ops = append(ops, copyOp(c))
	}
	ops = append(ops, search.Ops(contactKind, c.ID, nil, tokens)...)
	ops = append(ops, search.MatchOps(contactKind, c.ID, nil, contactMatchKeys(c))...)
	ops = append(ops, outbox.Op(ctx, "contact.created", map[string]any{"contact": c}))
	if err := t.TransactWrite(ctx, ops...); err != nil {
		return nil, err
	}
	return c, nil
}

func (s *Service) loadContact(ctx context.Context, t store.Table, id string) (*crm.Contact, []string, error) {
	if !ids.Valid(id) {
		return nil, nil, contactNotFound()
	}
	it, err := store.GetOr(ctx, t, contactKey(id), contactNotFound)
	if err != nil {
		return nil, nil, err
	}
	return contactFromItem(it)
}

func (s *Service) Contact(ctx context.Context, id string) (*crm.Contact, error) {
	t, err := s.Tables.TenantTable(ctx)
	if err != nil {
		return nil, err
	}
	c, _, err := s.loadContact(ctx, t, id)
	return c, err
}

func (s *Service) UpdateContact(ctx context.Context, id string, p *crm.ContactPatch) (*crm.Contact, error) {
	t, err := s.Tables.TenantTable(ctx)
	if err != nil {
		return nil, err
	}
	old, oldTokens, err := s.loadContact(ctx, t, id)
	if err != nil {
		return nil, err
	}
	if p.Version != nil && *p.Version != old.Version {
		return nil, crm.VersionConflict("contact", nil)
	}
	c := *old
	p.Apply(&c)
	normalizeContact(&c)
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if c.OwnerID != old.OwnerID && c.OwnerID != "" {
		if err := users.CheckAssignee(ctx, t, "owner_id", c.OwnerID); err != nil {
			return nil, err
		}
	}
	if c.CustomerID != old.CustomerID {
		if err := s.attachCustomer(ctx, t, &c); err != nil {
			return nil, err
		}
	}
	c.UpdatedAt, c.Version = s.now(), old.Version+1
	it, tokens, err := contactItem(&c)
	if err != nil {
		return nil, err
	}
	ops := []store.Op{store.PutOp(it, store.VersionIs(old.Version))}
	if old.CustomerID != "" && old.CustomerID != c.CustomerID {
		ops = append(ops, store.DeleteOp(contactCopyKey(old.CustomerID, c.ID)))
	}
	if c.CustomerID != "" {
		ops = append(ops, copyOp(&c))
	}
	ops = append(ops, search.Ops(contactKind, c.ID, oldTokens, tokens)...)
	ops = append(ops, search.MatchOps(contactKind, c.ID, contactMatchKeys(old), contactMatchKeys(&c))...)
	ops = append(ops, outbox.Op(ctx, "contact.updated", map[string]any{"contact": c}))
	if err := t.TransactWrite(ctx, ops...); err != nil {
		if crm.ErrorCode(err) == crm.ECONFLICT {
			return nil, crm.VersionConflict("contact", err)
		}
		return nil, err
	}
	return &c, nil
}

func (s *Service) DeleteContact(ctx context.Context, id string) error {
	t, err := s.Tables.TenantTable(ctx)
	if err != nil {
		return err
	}
	old, oldTokens, err := s.loadContact(ctx, t, id)
	if err != nil {
		return err
	}
	ops := []store.Op{store.DeleteOp(contactKey(id), store.VersionIs(old.Version)),
		store.UpdateOp(store.Update{Key: contactsCounter(), Add: map[string]int64{"total": -1}})}
	if old.CustomerID != "" {
		ops = append(ops, store.DeleteOp(contactCopyKey(old.CustomerID, id)))
	}
	ops = append(ops, search.Ops(contactKind, id, oldTokens, nil)...)
	ops = append(ops, search.MatchOps(contactKind, id, contactMatchKeys(old), nil)...)
	ops = append(ops, outbox.Op(ctx, "contact.deleted", map[string]any{"contact_id": id}))
	if err := t.TransactWrite(ctx, ops...); crm.ErrorCode(err) == crm.ECONFLICT {
		return &crm.Error{Code: crm.ECONFLICT, Message: "the contact was changed while deleting; try again", Err: err}
	} else if err != nil {
		return err
	}
	return nil
}

// Contacts lists from the index that fits: by customer, by owner, by name
// or by creation; search reads the token partition then the page's items.
func (s *Service) Contacts(ctx context.Context, f crm.ContactFilter) ([]*crm.Contact, int, string, error) {
	t, err := s.Tables.TenantTable(ctx)
	if err != nil {
		return nil, 0, "", err
	}
	var conds []store.Cond
	for attr, v := range map[string]string{"role": f.Role, "source": f.Source, "status": f.Status} {
		if v != "" {
			conds = append(conds, store.Eq(attr, v))
		}
	}
	if f.Tag != "" {
		conds = append(conds, store.Contains("tags", f.Tag))
	}
	if f.Search != "" {
		return s.searchContacts(ctx, t, f, conds)
	}
	q := store.Query{Index: "GSI1", PK: contactsPK, Reverse: f.Desc, Limit: f.Limit, Offset: f.Offset, Cursor: f.Cursor}
	switch {
	case f.SortByName:
		q.Index = "GSI2"
		if f.CustomerID != "" {
			conds = append(conds, store.Eq("customer_id", f.CustomerID))
		}
		if f.OwnerID != "" {
			conds = append(conds, store.Eq("owner_id", f.OwnerID))
		}
	case f.CustomerID != "":
		q.Index, q.PK = "GSI3", contactsPK+"#CUSTOMER#"+f.CustomerID
		if f.OwnerID != "" {
			conds = append(conds, store.Eq("owner_id", f.OwnerID))
		}
	case f.OwnerID != "":
		q.Index, q.PK = "GSI4", contactsPK+"#OWNER#"+f.OwnerID
	}
	q.Filter = conds
	return store.List(ctx, t, q, func(it store.Item) (*crm.Contact, error) {
		c, _, err := contactFromItem(it)
		return c, err
	})
}

func (s *Service) searchContacts(ctx context.Context, t store.Table, f crm.ContactFilter, conds []store.Cond) ([]*crm.Contact, int, string, error) {
	hits, err := search.IDs(ctx, t, contactKind, f.Search)
	if err != nil {
		return nil, 0, "", err
	}
	if f.CustomerID != "" {
		conds = append(conds, store.Eq("customer_id", f.CustomerID))
	}
	if f.OwnerID != "" {
		conds = append(conds, store.Eq("owner_id", f.OwnerID))
	}
	if f.Desc {
		reverse(hits)
	}
	items, err := store.BatchGetAll(ctx, t, store.Keys(hits, contactKey))
	if err != nil {
		return nil, 0, "", err
	}
	all, err := store.Decode(items, conds, func(it store.Item) (*crm.Contact, error) {
		c, _, err := contactFromItem(it)
		return c, err
	})
	if err != nil {
		return nil, 0, "", err
	}
	page := all[min(f.Offset, len(all)):min(f.Offset+f.Limit, len(all))]
	return page, len(all), "", nil
}

func reverse[T any](s []T) {
	for i, j := 0, len(s)-1; i < j; i, j = i+1, j-1 {
		s[i], s[j] = s[j], s[i]
	}
}

// ContactsByID reads contacts in one batch (ids in order; missing skipped).
func (s *Service) ContactsByID(ctx context.Context, idList []string) ([]*crm.Contact, error) {
	t, err := s.Tables.TenantTable(ctx)
	if err != nil {
		return nil, err
	}
	keys := store.Keys(idList, contactKey)
	return store.Batch(ctx, t, keys, func(it store.Item) (*crm.Contact, error) {
		v, _, err := contactFromItem(it)
		return v, err
	})
}

func contactMatchKeys(c *crm.Contact) []string { return search.MatchKeys(c.Email, c.Phone, c.Mobile) }
