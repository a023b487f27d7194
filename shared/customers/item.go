// Package customers is the store adapter of crm.CustomerService.
//
// Keys (see docs/data-model.md):
//
//	customer      PK=CUSTOMER#<id>         SK=#CUSTOMER  (its contacts, deals, … share the PK)
//	all, by id    GSI1PK=CUSTOMERS          GSI1SK=<id>            (ids are UUIDv7: creation order)
//	by name       GSI2PK=CUSTOMERS          GSI2SK=<name key>#<id>
//	by status     GSI3PK=CUSTOMERS#STATUS#<status>   GSI3SK=<id>
//	by city       GSI4PK=CUSTOMERS#CITY#<city key>   GSI4SK=<id>
//	by owner      GSI5PK=CUSTOMERS#OWNER#<owner id>  GSI5SK=<id>
//	counters      PK=COUNTER#CUSTOMERS     SK=STATS
//	search token  PK=SEARCH#<first rune>   SK=<token>#customer#<id>
package customers

import (
	"encoding/hex"
	"strings"
	"time"

	"github.com/guregu/dynamo/v2"

	"payvand.dev/shared/crm"
	"payvand.dev/shared/search"
	"payvand.dev/shared/store"
)

const (
	metaSK    = "#CUSTOMER"
	listPK    = "CUSTOMERS"
	counterPK = "COUNTER#CUSTOMERS"
	counterSK = "STATS"
	kind      = "customer"
	maxTokens = 30
)

func customerKey(id string) store.Key { return store.Key{PK: "CUSTOMER#" + id, SK: metaSK} }

// CustomerKey is a customer's item, for batch reads that mix kinds (global
// search); DecodeCustomer reads it.
func CustomerKey(id string) store.Key { return customerKey(id) }

// DecodeCustomer turns a customer's item into the customer.
func DecodeCustomer(it store.Item) (*crm.Customer, error) {
	c, _, err := fromItem(it)
	return c, err
}
func counterKey() store.Key        { return store.Key{PK: counterPK, SK: counterSK} }
func statusPK(s string) string     { return listPK + "#STATUS#" + s }
func cityPK(cityKey string) string { return listPK + "#CITY#" + cityKey }
func ownerPK(owner string) string  { return listPK + "#OWNER#" + owner }

// cityKey is the form cities are grouped and filtered in.
func cityKey(c string) string { return search.Normalize(c) }

// record is the stored form of a customer.
type record struct {
	ID           string         `dynamo:"id"`
	Name         string         `dynamo:"name"`
	Email        string         `dynamo:"email,omitempty"`
	Phone        string         `dynamo:"phone,omitempty"`
	Mobile       string         `dynamo:"mobile,omitempty"`
	Type         string         `dynamo:"type"`
	Company      string         `dynamo:"company,omitempty"`
	City         string         `dynamo:"city,omitempty"`
	CityKey      string         `dynamo:"city_key,omitempty"`
	Address      crm.Address    `dynamo:"address"`
	Status       string         `dynamo:"status"`
	Tags         []string       `dynamo:"tags"`
	Domain       string         `dynamo:"domain,omitempty"`
	Industry     string         `dynamo:"industry,omitempty"`
	Size         string         `dynamo:"size,omitempty"`
	Website      string         `dynamo:"website,omitempty"`
	OwnerID      string         `dynamo:"owner_id,omitempty"`
	Source       string         `dynamo:"source,omitempty"`
	Notes        string         `dynamo:"notes,omitempty"`
	CustomFields map[string]any `dynamo:"custom_fields"`
	CreatedBy    string         `dynamo:"created_by,omitempty"`
	CreatedAt    time.Time      `dynamo:"created_at"`
	UpdatedAt    time.Time      `dynamo:"updated_at"`
	Version      int64          `dynamo:"version"`
	Tokens       []string       `dynamo:"tokens"`
	MatchKeys    []string       `dynamo:"match_keys"`

	// Set by activity writes (shared/sales); the customer's own writes
	// carry it over.
	LastActivityAt *time.Time `dynamo:"last_activity_at"`
}

func toItem(c *crm.Customer) (store.Item, []string, error) {
	r := record{
		ID: c.ID, Name: c.Name, Email: c.Email, Phone: c.Phone, Mobile: c.Mobile, Type: c.Type, Company: c.Company,
		City: c.City, CityKey: cityKey(c.City), Address: c.Address, Status: c.Status, Tags: c.Tags, Domain: c.Domain,
		Industry: c.Industry, Size: c.Size, Website: c.Website, OwnerID: c.OwnerID, Source: c.Source, Notes: c.Notes,
		CustomFields: c.CustomFields, CreatedBy: c.CreatedBy, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt, LastActivityAt: c.LastActivityAt,
		Version: c.Version, Tokens: tokensOf(c), MatchKeys: search.MatchKeys(c.Email, c.Phone, c.Mobile),
	}
	it, err := store.Marshal(customerKey(c.ID), r)
	if err != nil {
		return nil, nil, err
	}
	it["GSI1PK"], it["GSI1SK"] = store.AV(listPK), store.AV(c.ID)
	it["GSI2PK"], it["GSI2SK"] = store.AV(listPK), store.AV(search.Normalize(c.Name)+"#"+c.ID)
	it["GSI3PK"], it["GSI3SK"] = store.AV(statusPK(c.Status)), store.AV(c.ID)
	if r.CityKey != "" {
		it["GSI4PK"], it["GSI4SK"] = store.AV(cityPK(r.CityKey)), store.AV(c.ID)
	}
	if c.OwnerID != "" {
		it["GSI5PK"], it["GSI5SK"] = store.AV(ownerPK(c.OwnerID)), store.AV(c.ID)
	}
	return it, r.Tokens, nil
}

func fromItem(it store.Item) (*crm.Customer, []string, error) {
	var r record
	if err := dynamo.UnmarshalItem(it, &r); err != nil {
		return nil, nil, crm.Wrap(err, "unmarshal customer")
	}
	c := &crm.Customer{
		ID: r.ID, Name: r.Name, Email: r.Email, Phone: r.Phone, Mobile: r.Mobile, Type: r.Type, Company: r.Company,
		City: r.City, Address: r.Address, Status: r.Status, Tags: r.Tags, Domain: r.Domain, Industry: r.Industry,
		Size: r.Size, Website: r.Website, OwnerID: r.OwnerID, Source: r.Source, Notes: r.Notes,
		CustomFields: r.CustomFields, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, Version: r.Version,
		LastActivityAt: r.LastActivityAt,
	}
	if c.Tags == nil {
		c.Tags = []string{}
	}
	if c.CustomFields == nil {
		c.CustomFields = map[string]any{}
	}
	return c, r.Tokens, nil
}

// tokensOf returns the search tokens of a customer: words of its name and
// company, its email (whole and in parts) and its phone numbers' digits.
func tokensOf(c *crm.Customer) []string {
	return search.NewWords(maxTokens).Text(c.Name, c.Company).Email(c.Email).Phone(c.Phone, c.Mobile).List()
}

// facet attribute names of the counter item. Values are hex-encoded so any
// city name is a safe attribute name.
func facet(prefix, v string) string { return prefix + "_" + hex.EncodeToString([]byte(v)) }

func unfacet(attr string) (prefix, value string, ok bool) {
	p, h, found := strings.Cut(attr, "_")
	if !found {
		return "", "", false
	}
	b, err := hex.DecodeString(h)
	if err != nil {
		return "", "", false
	}
	return p, string(b), true
}

// counterDelta is how a change moves the counters: +1 for the new state's
// facets, -1 for the old state's.
func counterDelta(old, new *crm.Customer, now time.Time) map[string]int64 {
	d := map[string]int64{}
	apply := func(c *crm.Customer, n int64) {
		if c == nil {
			return
		}
		d["total"] += n
		d[facet("st", c.Status)] += n
		d[facet("ty", c.Type)] += n
		if k := cityKey(c.City); k != "" {
			d[facet("ct", k)] += n
		}
		d[facet("mo", c.CreatedAt.UTC().Format("2006-01"))] += n
	}
	apply(old, -1)
	apply(new, 1)
	// A customer leaving "active" this month counts towards churn.
	if old != nil && new != nil && old.Status == "active" && new.Status == "inactive" {
		d[facet("ch", now.UTC().Format("2006-01"))]++
	}
	for k, v := range d {
		if v == 0 {
			delete(d, k)
		}
	}
	return d
}
