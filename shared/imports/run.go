package imports

import (
	"context"
	"errors"
	"strings"

	"payvand.dev/shared/crm"
	"payvand.dev/shared/customers"
	"payvand.dev/shared/search"
	"payvand.dev/shared/store"
)

// Kinds of import.
const (
	Customers = "customers"
	Contacts  = "contacts"
)

// MaxErrors is how many row errors a report keeps.
const MaxErrors = 50

// RowError is what was wrong with one row (numbered as in the file, the
// header being row 1).
type RowError struct {
	Row    int                 `json:"row"`
	Errors map[string][]string `json:"errors"`
}

// Report counts what an import did (or, dry, would do).
type Report struct {
	Kind      string     `json:"kind"`
	DryRun    bool       `json:"dry_run"`
	Total     int        `json:"total"`
	Processed int        `json:"processed"`
	Created   int        `json:"created"`
	Updated   int        `json:"updated"`
	Failed    int        `json:"failed"`
	Unmapped  []string   `json:"unmapped_columns"`
	Errors    []RowError `json:"errors"`
}

// Importer writes rows through the same services as the API.
type Importer struct {
	Service *customers.Service
	Tables  interface {
		TenantTable(ctx context.Context) (store.Table, error)
	}
}

// Run imports every row of tbl; progress (may be nil) hears every 100 rows.
func (im *Importer) Run(ctx context.Context, kind string, tbl *Table, dryRun bool, progress func(Report)) (Report, error) {
	r := Report{Kind: kind, DryRun: dryRun, Total: len(tbl.Rows), Unmapped: []string{}, Errors: []RowError{}}
	cols := Columns(tbl.Header)
	named := false
	for i, c := range cols {
		switch {
		case c == "":
			r.Unmapped = append(r.Unmapped, tbl.Header[i])
		case c == "name" || c == "first_name" || c == "last_name":
			named = true
		}
	}
	if !named {
		return r, invalidFile("no column holds the name (name, نام, first_name, …)")
	}
	t, err := im.Tables.TenantTable(ctx)
	if err != nil {
		return r, err
	}
	for i, row := range tbl.Rows {
		if err := ctx.Err(); err != nil {
			return r, err
		}
		rec := Record(cols, row)
		var created bool
		if kind == Customers {
			created, err = im.customer(ctx, t, rec, dryRun)
		} else {
			created, err = im.contact(ctx, t, rec, dryRun)
		}
		r.Processed++
		var de *crm.Error
		switch {
		case err == nil && created:
			r.Created++
		case err == nil:
			r.Updated++
		case errors.As(err, &de) && de.Code != crm.EINTERNAL:
			r.Failed++
			if len(r.Errors) < MaxErrors {
				fields := de.Fields
				if len(fields) == 0 {
					fields = map[string][]string{"row": {de.Message}}
				}
				r.Errors = append(r.Errors, RowError{Row: i + 2, Errors: fields})
			}
		default:
			return r, err
		}
		if progress != nil && r.Processed%100 == 0 {
			progress(r)
		}
	}
	return r, nil
}

func splitTags(s string) *[]string {
	if s == "" {
		return nil
	}
	var tags []string
	for _, t := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '،' || r == ';' || r == '|' }) {
		if t = strings.TrimSpace(t); t != "" {
			tags = append(tags, t)
		}
	}
	return &tags
}

func opt(rec map[string]string, field string) *string {
	if v, ok := rec[field]; ok {
		v = value(field, v)
		return &v
	}
	return nil
}

// existing finds a record of kind with one of the match keys.
func existing(ctx context.Context, t store.Table, kind string, keys []string) (string, error) {
	for _, k := range keys {
		ids, err := search.Matching(ctx, t, kind, k)
		if err != nil {
			return "", err
		}
		if len(ids) > 0 {
			return ids[0], nil
		}
	}
	return "", nil
}

func (im *Importer) customer(ctx context.Context, t store.Table, rec map[string]string, dryRun bool) (bool, error) {
	p := &crm.CustomerPatch{Name: opt(rec, "name"), Email: opt(rec, "email"), Phone: opt(rec, "phone"), Mobile: opt(rec, "mobile"),
		Company: opt(rec, "company"), City: opt(rec, "city"), Type: opt(rec, "type"), Status: opt(rec, "status"), Industry: opt(rec, "industry"),
		Website: opt(rec, "website"), Source: opt(rec, "source"), Notes: opt(rec, "notes"), Tags: splitTags(rec["tags"])}
	if a, ok := rec["address"]; ok {
		p.Address = &crm.Address{Street: a}
	}
	if p.Name == nil && (rec["first_name"] != "" || rec["last_name"] != "") {
		n := strings.TrimSpace(rec["first_name"] + " " + rec["last_name"])
		p.Name = &n
	}
	var c crm.Customer
	if err := p.Apply(&c); err != nil {
		return true, err
	}
	customers.Prepare(&c)
	id, err := existing(ctx, t, "customer", search.MatchKeys(c.Email, c.Phone, c.Mobile))
	if err != nil {
		return false, err
	}
	if id == "" {
		if err := c.Validate(); err != nil || dryRun {
			return true, err
		}
		_, err := im.Service.Create(ctx, &c)
		return true, err
	}
	if dryRun {
		old, err := im.Service.Get(ctx, id)
		if err != nil {
			return false, err
		}
		if err := p.Apply(old); err != nil {
			return false, err
		}
		customers.Prepare(old)
		return false, old.Validate()
	}
	_, err = im.Service.Update(ctx, id, p)
	return false, err
}

func (im *Importer) contact(ctx context.Context, t store.Table, rec map[string]string, dryRun bool) (bool, error) {
	if rec["last_name"] != "" && rec["first_name"] == "" && rec["name"] != "" {
		// "نام" beside "نام خانوادگی" is the first name.
		rec["first_name"] = rec["name"]
		delete(rec, "name")
	}
	p := &crm.ContactPatch{FirstName: opt(rec, "first_name"), LastName: opt(rec, "last_name"), Name: opt(rec, "name"), Email: opt(rec, "email"),
		Phone: opt(rec, "phone"), Mobile: opt(rec, "mobile"), JobTitle: opt(rec, "job_title"), Role: opt(rec, "role"),
		Department: opt(rec, "department"), Source: opt(rec, "source"), Notes: opt(rec, "notes"), Tags: splitTags(rec["tags"]),
		CustomerID: opt(rec, "customer_id")}
	if company := rec["company"]; company != "" && p.CustomerID == nil {
		// A company column names an existing customer.
		if id, err := im.customerNamed(ctx, t, company); err != nil {
			return false, err
		} else if id != "" {
			p.CustomerID = &id
		}
	}
	var c crm.Contact
	p.Apply(&c)
	customers.PrepareContact(&c)
	id, err := existing(ctx, t, "contact", search.MatchKeys(c.Email, c.Phone, c.Mobile))
	if err != nil {
		return false, err
	}
	if id == "" {
		if err := c.Validate(); err != nil || dryRun {
			return true, err
		}
		_, err := im.Service.CreateContact(ctx, &c)
		return true, err
	}
	if dryRun {
		// Judge the contact as the update would leave it.
		old, err := im.Service.Contact(ctx, id)
		if err != nil {
			return false, err
		}
		p.Apply(old)
		customers.PrepareContact(old)
		return false, old.Validate()
	}
	_, err = im.Service.UpdateContact(ctx, id, p)
	return false, err
}

// customerNamed finds a customer whose normalized name is exactly name.
func (im *Importer) customerNamed(ctx context.Context, t store.Table, name string) (string, error) {
	ids, err := search.IDs(ctx, t, "customer", name)
	if err != nil || len(ids) == 0 {
		return "", err
	}
	found, err := im.Service.CustomersByID(ctx, ids[:min(len(ids), 100)])
	if err != nil {
		return "", err
	}
	for _, c := range found {
		if search.Normalize(c.Name) == search.Normalize(name) {
			return c.ID, nil
		}
	}
	return "", nil
}
