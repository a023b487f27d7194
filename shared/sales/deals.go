package sales

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/guregu/dynamo/v2"

	"payvand.dev/shared/auth"
	"payvand.dev/shared/crm"
	"payvand.dev/shared/customers"
	"payvand.dev/shared/ids"
	"payvand.dev/shared/jalali"
	"payvand.dev/shared/money"
	"payvand.dev/shared/outbox"
	"payvand.dev/shared/products"
	"payvand.dev/shared/search"
	"payvand.dev/shared/store"
	"payvand.dev/shared/users"
)

const (
	dealSK        = "#DEAL"
	dealsPK       = "DEALS"
	historyPrefix = "HISTORY#"
	dealKind      = "deal"
	maxDealWords  = 30
)

func dealKey(id string) store.Key { return store.Key{PK: "DEAL#" + id, SK: dealSK} }
func historyKey(dealID, id string) store.Key {
	return store.Key{PK: "DEAL#" + dealID, SK: historyPrefix + id}
}
func customerDealKey(customerID, id string) store.Key {
	return store.Key{PK: customers.CustomerKey(customerID).PK, SK: "DEAL#" + id}
}
func dealCounterKey() store.Key     { return store.Key{PK: "COUNTER#DEALS", SK: "STATS"} }
func stagePK(stageID string) string { return dealsPK + "#STAGE#" + stageID }
func ownerPK(owner string) string   { return dealsPK + "#OWNER#" + owner }

// DealKey is a deal's item, for batch reads that mix kinds (global search).
func DealKey(id string) store.Key { return dealKey(id) }

type dealRecord struct {
	ID                string            `dynamo:"id"`
	Title             string            `dynamo:"title"`
	Description       string            `dynamo:"description,omitempty"`
	ValueMinor        int64             `dynamo:"value_minor"`
	Value             float64           `dynamo:"value"` // decimal, for value_min/value_max filters
	Currency          string            `dynamo:"currency"`
	PipelineID        string            `dynamo:"pipeline_id"`
	PipelineName      string            `dynamo:"pipeline_name"`
	StageID           string            `dynamo:"stage_id"`
	StageName         string            `dynamo:"stage_name"`
	StagePosition     int               `dynamo:"stage_position"`
	Status            string            `dynamo:"status"`
	Probability       int               `dynamo:"probability"`
	ExpectedCloseDate string            `dynamo:"expected_close_date,omitempty"`
	CloseDate         string            `dynamo:"close_date,omitempty"`
	ActualValueMinor  *int64            `dynamo:"actual_value_minor"`
	WonReason         string            `dynamo:"won_reason,omitempty"`
	LostReason        string            `dynamo:"lost_reason,omitempty"`
	OwnerID           string            `dynamo:"owner_id,omitempty"`
	OwnerName         string            `dynamo:"owner_name,omitempty"`
	CustomerID        string            `dynamo:"customer_id,omitempty"`
	CustomerName      string            `dynamo:"customer_name,omitempty"`
	Contacts          []crm.DealContact `dynamo:"contacts"`
	Products          []crm.DealProduct `dynamo:"products"`
	StageEnteredAt    time.Time         `dynamo:"stage_entered_at"`
	ActivitiesCount   int               `dynamo:"activities_count"`
	NextActivity      *crm.ActivityRef  `dynamo:"next_activity"`
	CreatedBy         string            `dynamo:"created_by,omitempty"`
	CreatedAt         time.Time         `dynamo:"created_at"`
	UpdatedAt         time.Time         `dynamo:"updated_at"`
	Version           int64             `dynamo:"version"`
	Tokens            []string          `dynamo:"tokens"`
}

func dealRecordOf(d *crm.Deal) dealRecord {
	return dealRecord{ID: d.ID, Title: d.Title, Description: d.Description, ValueMinor: d.ValueMinor, Value: money.FromMinor(d.ValueMinor, d.Currency),
		Currency: d.Currency, PipelineID: d.PipelineID, PipelineName: d.PipelineName, StageID: d.StageID, StageName: d.StageName,
		StagePosition: d.StagePosition, Status: d.Status, Probability: d.Probability, ExpectedCloseDate: d.ExpectedCloseDate,
		CloseDate: d.CloseDate, ActualValueMinor: d.ActualValueMinor, WonReason: d.WonReason, LostReason: d.LostReason,
		OwnerID: d.OwnerID, OwnerName: d.OwnerName, CustomerID: d.CustomerID, CustomerName: d.CustomerName, Contacts: d.Contacts, Products: d.Products,
		StageEnteredAt: d.StageEnteredAt, ActivitiesCount: d.ActivitiesCount, NextActivity: d.NextActivity, CreatedBy: d.CreatedBy,
		CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt, Version: d.Version, Tokens: dealWords(d)}
}

func dealWords(d *crm.Deal) []string {
	return search.NewWords(maxDealWords).Text(d.Title, d.CustomerName).List()
}

// dealItem is the deal's own item with its index keys.
func dealItem(d *crm.Deal) (store.Item, []string, error) {
	r := dealRecordOf(d)
	it, err := store.Marshal(dealKey(d.ID), r)
	if err != nil {
		return nil, nil, err
	}
	it["GSI1PK"], it["GSI1SK"] = store.AV(dealsPK), store.AV(d.ID)
	it["GSI2PK"], it["GSI2SK"] = store.AV(stagePK(d.StageID)), store.AV(d.ID)
	it["GSI3PK"], it["GSI3SK"] = store.AV(dealsPK+"#VALUE"), store.AV(fmt.Sprintf("%019d#%s", max(d.ValueMinor, 0), d.ID))
	close := d.ExpectedCloseDate
	if close == "" {
		close = "~" // after every date
	}
	it["GSI4PK"], it["GSI4SK"] = store.AV(dealsPK+"#CLOSE"), store.AV(close+"#"+d.ID)
	if d.OwnerID != "" {
		it["GSI5PK"], it["GSI5SK"] = store.AV(ownerPK(d.OwnerID)), store.AV(d.ID)
	}
	return it, r.Tokens, nil
}

// customerCopy is the deal in its customer's item collection, so that the
// customer's detail (one query) shows its deals: the same attributes
// without index keys, and the API form in view.
func customerCopy(d *crm.Deal) (store.Item, error) {
	it, err := store.Marshal(customerDealKey(d.CustomerID, d.ID), dealRecordOf(d))
	if err != nil {
		return nil, err
	}
	delete(it, "tokens")
	v, _ := json.Marshal(DealSummary(d, time.UTC))
	it["view"] = store.AV(string(v))
	return it, nil
}

func dealFromItem(it store.Item) (*crm.Deal, []string, error) {
	var r dealRecord
	if err := dynamo.UnmarshalItem(it, &r); err != nil {
		return nil, nil, crm.Wrap(err, "unmarshal deal")
	}
	d := &crm.Deal{ID: r.ID, Title: r.Title, Description: r.Description, ValueMinor: r.ValueMinor, Currency: r.Currency,
		PipelineID: r.PipelineID, PipelineName: r.PipelineName, StageID: r.StageID, StageName: r.StageName, StagePosition: r.StagePosition,
		Status: r.Status, Probability: r.Probability, ExpectedCloseDate: r.ExpectedCloseDate, CloseDate: r.CloseDate,
		ActualValueMinor: r.ActualValueMinor, WonReason: r.WonReason, LostReason: r.LostReason, OwnerID: r.OwnerID, OwnerName: r.OwnerName,
		CustomerID: r.CustomerID, CustomerName: r.CustomerName, Contacts: r.Contacts, Products: r.Products,
		StageEnteredAt: r.StageEnteredAt, ActivitiesCount: r.ActivitiesCount, NextActivity: r.NextActivity, CreatedBy: r.CreatedBy,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, Version: r.Version}
	if d.Contacts == nil {
		d.Contacts = []crm.DealContact{}
	}
	if d.Products == nil {
		d.Products = []crm.DealProduct{}
	}
	return d, r.Tokens, nil
}

// DecodeDeal turns a deal's item into the deal.
func DecodeDeal(it store.Item) (*crm.Deal, error) {
	d, _, err := dealFromItem(it)
	return d, err
}

// DealSummary is a deal's short API form, kept in its customer's
// collection (dates in loc).
func DealSummary(d *crm.Deal, loc *time.Location) map[string]any {
	m := map[string]any{
		"id": d.ID, "title": d.Title, "name": d.Title, "value": money.FromMinor(d.ValueMinor, d.Currency), "currency": d.Currency,
		"status": d.Status, "probability": d.Probability, "pipeline_id": d.PipelineID, "stage_id": d.StageID,
		"stage":               map[string]any{"id": d.StageID, "name": d.StageName, "position": d.StagePosition},
		"stage_name":          d.StageName,
		"expected_close_date": d.ExpectedCloseDate, "end_date": d.ExpectedCloseDate,
		"expected_close_date_jalali": DateJalali(d.ExpectedCloseDate),
		"owner_id":                   d.OwnerID, "customer_id": d.CustomerID,
		"created_at": d.CreatedAt, "created_at_jalali": jalali.Format(d.CreatedAt, loc),
	}
	return m
}

// DateJalali is the Jalali form of a YYYY-MM-DD date ("" for none).
func DateJalali(date string) string {
	t, err := time.Parse("2006-01-02", date)
	if err != nil {
		return ""
	}
	return jalali.Format(t, time.UTC)
}

func dealNotFound() error {
	return &crm.Error{Code: crm.ENOTFOUND, Message: "deal not found", Key: "not-found-resource", Args: []any{"deal"}}
}

// ProductLine is a product of a deal or sale as a client sends it.
type ProductLine struct {
	ProductID string
	Quantity  int64
	Price     *float64 // the product's price when absent
}

// ContactLine is a contact of a deal as a client sends it.
type ContactLine struct {
	ContactID string
	Role      string
}

// DealInput is a deal's writable fields; nil means unchanged (or the
// default in a create).
type DealInput struct {
	Title             *string
	Description       *string
	Value             *float64
	Currency          *string
	PipelineID        *string
	StageID           *string
	Stage             *string // Rabin: a stage's name or id
	Probability       *int
	ExpectedCloseDate *string
	OwnerID           *string
	CustomerID        *string
	Contacts          *[]ContactLine
	Products          *[]ProductLine
	Status            *string
	Version           *int64
}

// resolveStage finds the pipeline and stage a deal input names: stage_id
// (in pipeline_id when given), a stage name or id (in pipeline_id, the
// deal's pipeline, or the default), or the first stage of the pipeline.
func resolveStage(all []*crm.Pipeline, current *crm.Deal, in *DealInput) (*crm.Pipeline, *crm.Stage, error) {
	var pl *crm.Pipeline
	if in.PipelineID != nil && *in.PipelineID != "" {
		if pl = find(all, *in.PipelineID); pl == nil {
			return nil, nil, invalid("pipeline_id", "no such pipeline")
		}
	}
	stageRef, field := "", ""
	switch {
	case in.StageID != nil && *in.StageID != "":
		stageRef, field = *in.StageID, "stage_id"
	case in.Stage != nil && *in.Stage != "":
		stageRef, field = *in.Stage, "stage"
	}
	if pl == nil && current != nil {
		pl = find(all, current.PipelineID)
	}
	if stageRef != "" && pl == nil && field == "stage_id" {
		// A stage id alone names its pipeline.
		for _, p := range all {
			if p.StageByID(stageRef) != nil {
				pl = p
			}
		}
	}
	if pl == nil {
		for _, p := range all {
			if p.IsDefault {
				pl = p
			}
		}
	}
	if pl == nil && len(all) > 0 {
		pl = all[0]
	}
	if pl == nil {
		return nil, nil, invalid("pipeline_id", "no pipeline")
	}
	if stageRef == "" {
		if current != nil && current.PipelineID == pl.ID {
			if st := pl.StageByID(current.StageID); st != nil {
				return pl, st, nil
			}
		}
		if len(pl.Stages) == 0 {
			return nil, nil, invalid("pipeline_id", "the pipeline has no stages")
		}
		return pl, &pl.Stages[0], nil
	}
	var st *crm.Stage
	if field == "stage_id" {
		st = pl.StageByID(stageRef)
	} else {
		st = pl.StageByName(stageRef)
	}
	if st == nil {
		return nil, nil, invalid(field, "not a stage of the deal's pipeline")
	}
	return pl, st, nil
}

// DealDetail is a deal with its history, activities and documents (one
// query).
type DealDetail struct {
	Deal       *crm.Deal
	History    []crm.DealChange
	Activities []*crm.Activity
	// Documents are the API forms of the documents linked to the deal
	// (shared/documents keeps a copy in the deal's collection).
	Documents []json.RawMessage
}

type storedDeal struct {
	*crm.Deal
	tokens []string
}

func (s *Service) loadDeal(ctx context.Context, t store.Table, id string) (*storedDeal, error) {
	if !ids.Valid(id) {
		return nil, dealNotFound()
	}
	it, err := store.GetOr(ctx, t, dealKey(id), dealNotFound)
	if err != nil {
		return nil, err
	}
	d, tokens, err := dealFromItem(it)
	if err != nil {
		return nil, err
	}
	return &storedDeal{d, tokens}, nil
}

// Deal reads a deal's item collection: the deal, its history and its
// activities in one query.
func (s *Service) Deal(ctx context.Context, id string) (*DealDetail, error) {
	t, err := s.Tables.TenantTable(ctx)
	if err != nil {
		return nil, err
	}
	if !ids.Valid(id) {
		return nil, dealNotFound()
	}
	p, err := t.Query(ctx, store.Query{PK: dealKey(id).PK, Limit: 1000})
	if err != nil {
		return nil, err
	}
	out := &DealDetail{History: []crm.DealChange{}, Activities: []*crm.Activity{}, Documents: []json.RawMessage{}}
	for _, it := range p.Items {
		sk := store.Str(it, store.SK)
		switch {
		case sk == dealSK:
			if out.Deal, _, err = dealFromItem(it); err != nil {
				return nil, err
			}
		case strings.HasPrefix(sk, historyPrefix):
			var h crm.DealChange
			if err := dynamo.UnmarshalItem(it, &h); err != nil {
				return nil, crm.Wrap(err, "unmarshal deal history")
			}
			out.History = append(out.History, h)
		case strings.HasPrefix(sk, activityPrefix):
			a, err := activityFromItem(it)
			if err != nil {
				return nil, err
			}
			out.Activities = append(out.Activities, a)
		case strings.HasPrefix(sk, "DOCUMENT#"):
			if view := json.RawMessage(store.Str(it, "view")); json.Valid(view) {
				out.Documents = append(out.Documents, view)
			}
		}
	}
	if out.Deal == nil {
		return nil, dealNotFound()
	}
	return out, nil
}

// applyInput sets the deal's fields from in; pipelines resolve stages.
func (s *Service) applyInput(ctx context.Context, t store.Table, all []*crm.Pipeline, d *crm.Deal, old *crm.Deal, in *DealInput) error {
	fe := crm.FieldErrors{}
	if in.Title != nil {
		d.Title = strings.TrimSpace(*in.Title)
	}
	if d.Title == "" {
		fe.Add("title", "required (title or name)")
	}
	if in.Description != nil {
		d.Description = *in.Description
	}
	pl, st, err := resolveStage(all, old, in)
	if err != nil {
		return err
	}
	if in.Currency != nil {
		d.Currency = strings.ToUpper(strings.TrimSpace(*in.Currency))
	}
	if d.Currency == "" {
		d.Currency = pl.Currency
	}
	if !money.ValidCurrency(d.Currency) {
		fe.Add("currency", "must be an ISO 4217 code such as IRR or USD")
	} else if in.Value != nil {
		v, err := money.ToMinor(*in.Value, d.Currency)
		switch {
		case err != nil:
			fe.Add("value", err.Error())
		case v < 0:
			fe.Add("value", "must not be negative")
		default:
			d.ValueMinor = v
		}
	} else if in.Currency != nil && old != nil && old.Currency != d.Currency {
		v, _ := money.ToMinor(money.FromMinor(old.ValueMinor, old.Currency), d.Currency)
		d.ValueMinor = v
	}
	stageChanged := old == nil || old.StageID != st.ID
	d.PipelineID, d.PipelineName, d.StageID, d.StageName, d.StagePosition = pl.ID, pl.Name, st.ID, st.Name, st.Position
	if in.Probability != nil {
		if *in.Probability < 0 || *in.Probability > 100 {
			fe.Add("probability", "must be between 0 and 100")
		}
		d.Probability = *in.Probability
	} else if stageChanged {
		d.Probability = st.Probability
	}
	if in.ExpectedCloseDate != nil {
		date, ok := crm.NormalizeDate(*in.ExpectedCloseDate)
		if !ok {
			fe.Add("expected_close_date", "must be a date (YYYY-MM-DD)")
		}
		d.ExpectedCloseDate = date
	}
	if in.Status != nil {
		st := strings.ToLower(strings.TrimSpace(*in.Status))
		if !slices.Contains(crm.DealStatuses, st) {
			fe.Add("status", "must be one of open, won, lost")
		}
		d.Status = st
	}
	if d.Status == "" {
		d.Status = "open"
	}
	if err := fe.Err(); err != nil {
		return err
	}
	if in.OwnerID != nil && *in.OwnerID != d.OwnerID {
		d.OwnerName = ""
		if *in.OwnerID != "" {
			if err := users.CheckAssignee(ctx, t, "owner_id", *in.OwnerID); err != nil {
				return err
			}
			// The name the deal rows show (kept as it was when assigned).
			if p := auth.PrincipalFrom(ctx); p != nil && p.Subject == *in.OwnerID {
				d.OwnerName = p.Name
			} else if u, err := (users.Repo{}).Get(ctx, t, *in.OwnerID); err == nil {
				d.OwnerName = u.Name
			}
		}
		d.OwnerID = *in.OwnerID
	}
	if in.CustomerID != nil && *in.CustomerID != d.CustomerID {
		d.CustomerID, d.CustomerName = "", ""
		if *in.CustomerID != "" {
			it, err := t.Get(ctx, customers.CustomerKey(*in.CustomerID))
			if crm.ErrorCode(err) == crm.ENOTFOUND || (err == nil && !ids.Valid(*in.CustomerID)) {
				return invalid("customer_id", "no such customer")
			}
			if err != nil {
				return err
			}
			c, err := customers.DecodeCustomer(it)
			if err != nil {
				return err
			}
			d.CustomerID, d.CustomerName = c.ID, c.Name
		}
	}
	return s.applyLines(ctx, t, d, in)
}

// applyLines resolves the deal's contacts and products: one batch read.
func (s *Service) applyLines(ctx context.Context, t store.Table, d *crm.Deal, in *DealInput) error {
	if in.Contacts == nil && in.Products == nil {
		return nil
	}
	var keys []store.Key
	if in.Contacts != nil {
		if len(*in.Contacts) > 20 {
			return invalid("contacts", "at most 20 contacts")
		}
		for i, c := range *in.Contacts {
			if !ids.Valid(c.ContactID) {
				return invalid("contacts."+itoa(i)+".contact_id", "no such contact")
			}
			keys = append(keys, customers.ContactKey(c.ContactID))
		}
	}
	if in.Products != nil {
		if len(*in.Products) > 50 {
			return invalid("products", "at most 50 products")
		}
		for i, p := range *in.Products {
			if !ids.Valid(p.ProductID) {
				return invalid("products."+itoa(i)+".product_id", "no such product")
			}
			if p.Quantity <= 0 {
				return invalid("products."+itoa(i)+".quantity", "must be at least 1")
			}
			keys = append(keys, products.ProductKey(p.ProductID))
		}
	}
	items, err := store.BatchGetAll(ctx, t, keys)
	if err != nil {
		return err
	}
	byKey := map[store.Key]store.Item{}
	for _, it := range items {
		byKey[store.KeyOf(it)] = it
	}
	if in.Contacts != nil {
		d.Contacts = []crm.DealContact{}
		for i, c := range *in.Contacts {
			it, ok := byKey[customers.ContactKey(c.ContactID)]
			if !ok {
				return invalid("contacts."+itoa(i)+".contact_id", "no such contact")
			}
			d.Contacts = append(d.Contacts, crm.DealContact{ContactID: c.ContactID, Name: store.Str(it, "name"), Role: c.Role})
		}
	}
	if in.Products != nil {
		d.Products = []crm.DealProduct{}
		for i, p := range *in.Products {
			it, ok := byKey[products.ProductKey(p.ProductID)]
			if !ok {
				return invalid("products."+itoa(i)+".product_id", "no such product")
			}
			pr, err := products.DecodeProduct(it)
			if err != nil {
				return err
			}
			price := pr.PriceMinor
			if p.Price != nil {
				if price, err = money.ToMinor(*p.Price, d.Currency); err != nil || price < 0 {
					return invalid("products."+itoa(i)+".price", "must be a non-negative amount in "+d.Currency)
				}
			}
			d.Products = append(d.Products, crm.DealProduct{ProductID: p.ProductID, Name: pr.Name, Quantity: p.Quantity, PriceMinor: price})
		}
	}
	return nil
}

func actor(ctx context.Context) string {
	if p := auth.PrincipalFrom(ctx); p != nil {
		return p.Subject
	}
	return ""
}

// CreateDeal stores a deal: the deal, its creation in its history, its
// stage's counters, its customer's copy, search words, the deal counters
// and deal.created, in one transaction.
func (s *Service) CreateDeal(ctx context.Context, in *DealInput) (*crm.Deal, error) {
	t, err := s.Tables.TenantTable(ctx)
	if err != nil {
		return nil, err
	}
	all, err := s.pipelines(ctx, t)
	if err != nil {
		return nil, err
	}
	now := s.now()
	d := &crm.Deal{ID: ids.New(), CreatedAt: now, UpdatedAt: now, StageEnteredAt: now, Version: 1, CreatedBy: actor(ctx),
		OwnerID: actor(ctx), Contacts: []crm.DealContact{}, Products: []crm.DealProduct{}}
	if p := auth.PrincipalFrom(ctx); p != nil {
		d.OwnerName = p.Name
	}
	if err := s.applyInput(ctx, t, all, d, nil, in); err != nil {
		return nil, err
	}
	h := &crm.DealChange{ID: ids.New(), Kind: "created", ToStage: d.StageID, ToName: d.StageName, ToStatus: d.Status, By: d.CreatedBy, At: now}
	ops, err := dealOps(ctx, nil, d, h, "deal.created", map[string]any{"deal": eventDeal(d)})
	if err != nil {
		return nil, err
	}
	if err := t.TransactWrite(ctx, ops...); err != nil {
		return nil, dealConflict(err)
	}
	return d, nil
}

func eventDeal(d *crm.Deal) map[string]any { return DealSummary(d, time.UTC) }

func dealConflict(err error) error {
	if crm.ErrorCode(err) != crm.ECONFLICT {
		return err
	}
	var te *store.TxError
	if asTx(err, &te) && te.Key.PK == pipelinesPK {
		return &crm.Error{Code: crm.ECONFLICT, Message: "the deal's stage was removed meanwhile; choose another", Err: err}
	}
	return crm.VersionConflict("deal", err)
}

// dealOps are the operations of storing d (replacing old when not nil,
// deleting old when d is nil).
func dealOps(ctx context.Context, old *storedDeal, d *crm.Deal, h *crm.DealChange, event string, data any) ([]store.Op, error) {
	var ops []store.Op
	var oldTokens, newTokens []string
	if old != nil {
		oldTokens = old.tokens
	}
	if d != nil {
		it, tokens, err := dealItem(d)
		if err != nil {
			return nil, err
		}
		newTokens = tokens
		cond := store.NotExists()
		if old != nil {
			cond = store.VersionIs(old.Version)
		}
		ops = append(ops, store.PutOp(it, cond))
	} else {
		ops = append(ops, store.DeleteOp(dealKey(old.ID), store.VersionIs(old.Version)))
	}
	var oldDeal *crm.Deal
	if old != nil {
		oldDeal = old.Deal
	}
	ops = append(ops, stageCounterOps(oldDeal, d)...)
	if c := dealCounterDelta(oldDeal, d); len(c) > 0 {
		ops = append(ops, store.UpdateOp(store.Update{Key: dealCounterKey(), Add: c}))
	}
	if oldDeal != nil && oldDeal.CustomerID != "" && (d == nil || d.CustomerID != oldDeal.CustomerID) {
		ops = append(ops, store.DeleteOp(customerDealKey(oldDeal.CustomerID, oldDeal.ID)))
	}
	if d != nil && d.CustomerID != "" {
		cp, err := customerCopy(d)
		if err != nil {
			return nil, err
		}
		ops = append(ops, store.PutOp(cp))
		if oldDeal == nil || oldDeal.CustomerID != d.CustomerID {
			ops = append(ops, store.CheckOp(customers.CustomerKey(d.CustomerID), store.Exists()))
		}
	}
	ops = append(ops, contactCountOps(oldDeal, d)...)
	if h != nil && d != nil {
		hi, err := store.Marshal(historyKey(d.ID, h.ID), h)
		if err != nil {
			return nil, err
		}
		ops = append(ops, store.PutOp(hi))
	}
	id := ""
	if d != nil {
		id = d.ID
	} else {
		id = old.ID
	}
	ops = append(ops, search.Ops(dealKind, id, oldTokens, newTokens)...)
	ops = append(ops, outbox.Op(ctx, event, data))
	return ops, nil
}

// stageCounterOps move a deal's count and value between stage counters on
// the pipelines' items; the stage it enters must still exist.
func stageCounterOps(old, d *crm.Deal) []store.Op {
	type change struct {
		add  map[string]int64
		cond []store.Cond
	}
	byPipeline := map[string]*change{}
	at := func(pid string) *change {
		if byPipeline[pid] == nil {
			byPipeline[pid] = &change{add: map[string]int64{}}
		}
		return byPipeline[pid]
	}
	if old != nil {
		c := at(old.PipelineID)
		c.add[countAttr(old.StageID)]--
		c.add[valueAttr(old.StageID, old.Currency)] -= old.ValueMinor
	}
	if d != nil {
		c := at(d.PipelineID)
		c.add[countAttr(d.StageID)]++
		c.add[valueAttr(d.StageID, d.Currency)] += d.ValueMinor
		c.cond = append(c.cond, store.AttrExists(countAttr(d.StageID)))
	}
	var ops []store.Op
	for pid, c := range byPipeline {
		for k, v := range c.add {
			if v == 0 {
				delete(c.add, k)
			}
		}
		if len(c.add) == 0 && len(c.cond) == 0 {
			continue
		}
		if len(c.add) == 0 {
			ops = append(ops, store.CheckOp(pipelineKey(pid), c.cond...))
			continue
		}
		ops = append(ops, store.UpdateOp(store.Update{Key: pipelineKey(pid), Add: c.add, Cond: c.cond}))
	}
	slices.SortFunc(ops, func(a, b store.Op) int { return strings.Compare(a.Key().SK, b.Key().SK) })
	return ops
}

// dealCounterDelta keeps the tenant's deal counters: total, by status, and
// value by status and currency.
func dealCounterDelta(old, d *crm.Deal) map[string]int64 {
	c := map[string]int64{}
	apply := func(x *crm.Deal, n int64) {
		if x == nil {
			return
		}
		c["total"] += n
		c["st_"+x.Status] += n
		c["val_"+x.Status+"_"+x.Currency] += n * x.ValueMinor
	}
	apply(old, -1)
	apply(d, 1)
	for k, v := range c {
		if v == 0 {
			delete(c, k)
		}
	}
	return c
}

// UpdateDeal changes the fields given; a stage change is recorded in the
// history like a move.
func (s *Service) UpdateDeal(ctx context.Context, id string, in *DealInput) (*crm.Deal, error) {
	t, err := s.Tables.TenantTable(ctx)
	if err != nil {
		return nil, err
	}
	old, err := s.loadDeal(ctx, t, id)
	if err != nil {
		return nil, err
	}
	if in.Version != nil && *in.Version != old.Version {
		return nil, crm.VersionConflict("deal", nil)
	}
	all, err := s.pipelines(ctx, t)
	if err != nil {
		return nil, err
	}
	d := cloneDeal(old.Deal)
	status := in.Status
	in.Status = nil // status changes go through the history too (below)
	if err := s.applyInput(ctx, t, all, d, old.Deal, in); err != nil {
		return nil, err
	}
	now := s.now()
	var h *crm.DealChange
	event := "deal.updated"
	if d.StageID != old.StageID {
		h = s.stageChange(ctx, old.Deal, d, "", now)
		event = "deal.stage_changed"
	}
	if status != nil && !strings.EqualFold(*status, old.Status) {
		if h != nil {
			return nil, invalid("status", "change the stage and the status in two requests")
		}
		st := strings.ToLower(strings.TrimSpace(*status))
		if !slices.Contains(crm.DealStatuses, st) {
			return nil, invalid("status", "must be one of open, won, lost")
		}
		h = statusChange(ctx, d, st, "", now)
		event = "deal." + map[string]string{"won": "won", "lost": "lost", "open": "reopened"}[st]
	}
	d.UpdatedAt, d.Version = now, old.Version+1
	ops, err := dealOps(ctx, old, d, h, event, map[string]any{"deal": eventDeal(d), "from_stage_id": old.StageID, "to_stage_id": d.StageID,
		"previous_title": old.Title})
	if err != nil {
		return nil, err
	}
	if err := t.TransactWrite(ctx, ops...); err != nil {
		return nil, dealConflict(err)
	}
	return d, nil
}

func cloneDeal(d *crm.Deal) *crm.Deal {
	c := *d
	c.Contacts = slices.Clone(d.Contacts)
	c.Products = slices.Clone(d.Products)
	return &c
}

func daysBetween(from, to time.Time) int {
	if from.IsZero() || to.Before(from) {
		return 0
	}
	return int(to.Sub(from) / (24 * time.Hour))
}

// stageChange records a move and starts the clock of the new stage.
func (s *Service) stageChange(ctx context.Context, old, d *crm.Deal, reason string, now time.Time) *crm.DealChange {
	h := &crm.DealChange{ID: ids.New(), Kind: "stage", FromStage: old.StageID, FromName: old.StageName, ToStage: d.StageID,
		ToName: d.StageName, Reason: reason, By: actor(ctx), At: now, DaysSpent: daysBetween(old.StageEnteredAt, now)}
	d.StageEnteredAt = now
	return h
}

func statusChange(ctx context.Context, d *crm.Deal, status, reason string, now time.Time) *crm.DealChange {
	h := &crm.DealChange{ID: ids.New(), Kind: "status", FromStatus: d.Status, ToStatus: status, Reason: reason, By: actor(ctx), At: now,
		DaysSpent: daysBetween(d.CreatedAt, now)}
	d.Status = status
	switch status {
	case "won":
		d.Probability = 100
	case "lost":
		d.Probability = 0
	}
	return h
}

// MoveStage moves a deal to another stage of its pipeline (by id, or by
// name for Rabin clients); a stage of another pipeline, or none, is
// EVALIDATION and nothing moves.
func (s *Service) MoveStage(ctx context.Context, id, stageID, stageName, reason string, probability *int) (*crm.Deal, error) {
	t, err := s.Tables.TenantTable(ctx)
	if err != nil {
		return nil, err
	}
	old, err := s.loadDeal(ctx, t, id)
	if err != nil {
		return nil, err
	}
	pl, err := s.pipeline(ctx, t, old.PipelineID)
	if err != nil {
		return nil, err
	}
	var st *crm.Stage
	field := "stage_id"
	switch {
	case stageID != "":
		st = pl.StageByID(stageID)
	case stageName != "":
		field = "stage"
		st = pl.StageByName(stageName)
	default:
		return nil, invalid("stage_id", "required (stage_id or stage)")
	}
	if st == nil {
		return nil, invalid(field, "not a stage of the deal's pipeline")
	}
	if st.ID == old.StageID {
		return old.Deal, nil
	}
	now := s.now()
	d := cloneDeal(old.Deal)
	d.StageID, d.StageName, d.StagePosition = st.ID, st.Name, st.Position
	d.Probability = st.Probability
	if probability != nil {
		if *probability < 0 || *probability > 100 {
			return nil, invalid("probability", "must be between 0 and 100")
		}
		d.Probability = *probability
	}
	h := s.stageChange(ctx, old.Deal, d, reason, now)
	d.UpdatedAt, d.Version = now, old.Version+1
	ops, err := dealOps(ctx, old, d, h, "deal.stage_changed", map[string]any{"deal": eventDeal(d),
		"from": map[string]any{"id": old.StageID, "name": old.StageName}, "to": map[string]any{"id": d.StageID, "name": d.StageName},
		"reason": reason, "days_in_stage": h.DaysSpent})
	if err != nil {
		return nil, err
	}
	if err := t.TransactWrite(ctx, ops...); err != nil {
		return nil, dealConflict(err)
	}
	return d, nil
}

// StatusInput changes a deal's status.
type StatusInput struct {
	Status      string
	CloseDate   string
	Reason      string // won_reason, lost_reason or reason
	ActualValue *float64
}

// SetStatus wins, loses or reopens a deal.
func (s *Service) SetStatus(ctx context.Context, id string, in StatusInput) (*crm.Deal, error) {
	t, err := s.Tables.TenantTable(ctx)
	if err != nil {
		return nil, err
	}
	status := strings.ToLower(strings.TrimSpace(in.Status))
	if !slices.Contains(crm.DealStatuses, status) {
		return nil, invalid("status", "must be one of open, won, lost")
	}
	close, ok := crm.NormalizeDate(in.CloseDate)
	if !ok {
		return nil, invalid("close_date", "must be a date (YYYY-MM-DD)")
	}
	old, err := s.loadDeal(ctx, t, id)
	if err != nil {
		return nil, err
	}
	now := s.now()
	d := cloneDeal(old.Deal)
	if in.ActualValue != nil {
		v, err := money.ToMinor(*in.ActualValue, d.Currency)
		if err != nil || v < 0 {
			return nil, invalid("actual_value", "must be a non-negative amount in "+d.Currency)
		}
		d.ActualValueMinor = &v
	}
	var h *crm.DealChange
	event := "deal." + map[string]string{"won": "won", "lost": "lost", "open": "reopened"}[status]
	if status == old.Status {
		// The same status again only corrects its details: no new history entry.
		event = "deal.updated"
		if in.Reason == "" {
			in.Reason = old.WonReason + old.LostReason
		}
		if close == "" {
			close = old.CloseDate
		}
	} else {
		h = statusChange(ctx, d, status, in.Reason, now)
	}
	switch status {
	case "won":
		d.WonReason, d.LostReason = in.Reason, ""
	case "lost":
		d.LostReason, d.WonReason = in.Reason, ""
	case "open":
		d.WonReason, d.LostReason, d.ActualValueMinor = "", "", nil
	}
	if status == "open" {
		d.CloseDate = ""
	} else {
		if close == "" {
			close = now.Format("2006-01-02")
		}
		d.CloseDate = close
	}
	d.UpdatedAt, d.Version = now, old.Version+1
	ops, err := dealOps(ctx, old, d, h, event, map[string]any{"deal": eventDeal(d), "from_status": old.Status, "to_status": status, "reason": in.Reason})
	if err != nil {
		return nil, err
	}
	if err := t.TransactWrite(ctx, ops...); err != nil {
		return nil, dealConflict(err)
	}
	return d, nil
}

// DeleteDeal removes a deal with its history and activity copies (one
// read of its collection, one transaction).
func (s *Service) DeleteDeal(ctx context.Context, id string) error {
	t, err := s.Tables.TenantTable(ctx)
	if err != nil {
		return err
	}
	if !ids.Valid(id) {
		return dealNotFound()
	}
	p, err := t.Query(ctx, store.Query{PK: dealKey(id).PK, Limit: 1000})
	if err != nil {
		return err
	}
	var old *storedDeal
	var related []store.Op
	for _, it := range p.Items {
		if store.Str(it, store.SK) == dealSK {
			d, tokens, err := dealFromItem(it)
			if err != nil {
				return err
			}
			old = &storedDeal{d, tokens}
			continue
		}
		related = append(related, store.DeleteOp(store.KeyOf(it)))
	}
	if old == nil {
		return dealNotFound()
	}
	ops, err := dealOps(ctx, old, nil, nil, "deal.deleted", map[string]any{"deal_id": id})
	if err != nil {
		return err
	}
	ops = append(ops, related...)
	if len(ops) > store.MaxTransactOps {
		return &crm.Error{Code: crm.ECONFLICT, Message: "the deal has too much history to delete at once"}
	}
	return dealConflict(t.TransactWrite(ctx, ops...))
}

// contactCountOps keep deals_count on the contacts a deal gains or loses.
func contactCountOps(old, d *crm.Deal) []store.Op {
	delta := map[string]int64{}
	if old != nil {
		for _, c := range old.Contacts {
			delta[c.ContactID]--
		}
	}
	if d != nil {
		for _, c := range d.Contacts {
			delta[c.ContactID]++
		}
	}
	var ops []store.Op
	for id, n := range delta {
		if n != 0 {
			ops = append(ops, store.UpdateOp(store.Update{Key: customers.ContactKey(id), Add: map[string]int64{"deals_count": n, "version": 1},
				Cond: []store.Cond{store.Exists()}}))
		}
	}
	slices.SortFunc(ops, func(a, b store.Op) int { return strings.Compare(a.Key().PK, b.Key().PK) })
	return ops
}
