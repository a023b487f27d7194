// Package feedback keeps feedback forms (questions, recipients, public
// links), their submissions and the counters their analysis reads, in the
// tenant table (keys in docs/data-model.md).
package feedback

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/guregu/dynamo/v2"

	"payvand.dev/shared/auth"
	"payvand.dev/shared/crm"
	"payvand.dev/shared/ids"
	"payvand.dev/shared/outbox"
	"payvand.dev/shared/store"
)

// Question types.
const (
	Rating   = "rating"
	Single   = "single_choice"
	Multiple = "multiple_choice"
	Text     = "text"
)

// Question is one question of a form.
type Question struct {
	ID       string   `dynamo:"id" json:"id" required:"false" doc:"Letters, digits and _ (q1, q2 … when not given)"`
	Type     string   `dynamo:"type" json:"type" doc:"rating, single_choice, multiple_choice or text"`
	Text     string   `dynamo:"text" json:"text"`
	Required bool     `dynamo:"required" json:"required" required:"false"`
	Min      *int     `dynamo:"min" json:"min,omitempty" doc:"rating: lowest value (default 1)"`
	Max      *int     `dynamo:"max" json:"max,omitempty" doc:"rating: highest value (default 5)"`
	Options  []string `dynamo:"options" json:"options,omitempty" doc:"choices"`
}

// Recipient is someone the form is sent to; each has a link of their own
// that takes one submission.
type Recipient struct {
	Email      string `dynamo:"email" json:"email,omitempty"`
	Name       string `dynamo:"name" json:"name,omitempty"`
	CustomerID string `dynamo:"customer_id" json:"customer_id,omitempty"`
	Token      string `dynamo:"-" json:"token,omitempty" doc:"Shown once, when the recipient is added"`
	Responded  bool   `dynamo:"-" json:"responded"`
	hash       string
}

// Form is a feedback form.
type Form struct {
	ID          string      `dynamo:"id" json:"id"`
	Title       string      `dynamo:"title" json:"title"`
	Description string      `dynamo:"description" json:"description"`
	Status      string      `dynamo:"status" json:"status" doc:"active or closed"`
	Questions   []Question  `dynamo:"questions" json:"questions"`
	Recipients  []Recipient `dynamo:"recipients" json:"recipients"`
	CreatedBy   string      `dynamo:"created_by" json:"created_by"`
	Version     int64       `dynamo:"version" json:"version"`
	Responses   int64       `dynamo:"-" json:"responses_count"`
	Token       string      `dynamo:"-" json:"token,omitempty" doc:"The form's public link token, shown once when made"`
	CreatedAt   time.Time   `dynamo:"created_at" json:"created_at"`
	UpdatedAt   time.Time   `dynamo:"updated_at" json:"updated_at"`
}

// Answer is one answer of a submission.
type Answer struct {
	QuestionID string `dynamo:"question_id" json:"question_id"`
	Value      any    `dynamo:"value" json:"value"`
}

// Submission is one response to a form.
type Submission struct {
	ID         string    `dynamo:"id" json:"id"`
	FormID     string    `dynamo:"form_id" json:"form_id"`
	Answers    []Answer  `dynamo:"answers" json:"answers"`
	Recipient  string    `dynamo:"recipient" json:"recipient"`
	CustomerID string    `dynamo:"customer_id" json:"customer_id"`
	Source     string    `dynamo:"source" json:"source" doc:"link, recipient or manual"`
	Sentiment  string    `dynamo:"sentiment" json:"sentiment" doc:"positive, negative or neutral (text answers, lexicon)"`
	CreatedBy  string    `dynamo:"created_by" json:"created_by,omitempty"`
	CreatedAt  time.Time `dynamo:"created_at" json:"created_at"`
}

// TableSource finds the caller's tenant table from the context.
type TableSource interface {
	TenantTable(ctx context.Context) (store.Table, error)
}

// Service keeps forms and submissions.
type Service struct {
	Tables TableSource
	Now    func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// Keys, in one place.
func formPK(id string) string        { return "FORM#" + id }
func formKey(id string) store.Key    { return store.Key{PK: formPK(id), SK: "#FORM"} }
func statsKey(id string) store.Key   { return store.Key{PK: formPK(id), SK: "#STATS"} }
func tokenKey(hash string) store.Key { return store.Key{PK: "FBTOKEN#" + hash, SK: "T"} }
func subKey(formID, id string) store.Key {
	return store.Key{PK: formPK(formID), SK: "SUB#" + id}
}

func notFound() error {
	return &crm.Error{Code: crm.ENOTFOUND, Message: "feedback form not found", Key: "not-found-resource", Args: []any{"form"}}
}

func linkMissing() error {
	return &crm.Error{Code: crm.ENOTFOUND, Message: "this feedback link is invalid or closed", Key: "not-found-resource", Args: []any{"form"}}
}

func newToken(tenant string) string {
	b := make([]byte, 32)
	rand.Read(b)
	return tenant + "." + base64.RawURLEncoding.EncodeToString(b)
}

func hashToken(tok string) string {
	sum := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(sum[:])
}

// TokenTenant returns the tenant a link token names ("" when malformed).
func TokenTenant(tok string) string {
	t, rest, ok := strings.Cut(tok, ".")
	if !ok || len(rest) != 43 {
		return ""
	}
	return t
}

var questionID = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)

// checkQuestions validates and completes the questions.
func checkQuestions(qs []Question) error {
	f := crm.FieldErrors{}
	if len(qs) == 0 || len(qs) > 100 {
		f.Add("questions", "1 to 100 questions")
	}
	seen := map[string]bool{}
	for i := range qs {
		q := &qs[i]
		field := fmt.Sprintf("questions[%d]", i)
		if q.ID == "" {
			q.ID = "q" + strconv.Itoa(i+1)
		}
		q.ID = strings.ToLower(strings.TrimSpace(q.ID))
		if !questionID.MatchString(q.ID) || seen[q.ID] {
			f.Add(field+".id", "a unique id of letters, digits and _, starting with a letter")
		}
		seen[q.ID] = true
		q.Text = strings.TrimSpace(q.Text)
		if q.Text == "" {
			f.Add(field+".text", "required")
		}
		q.Type = strings.ToLower(strings.TrimSpace(q.Type))
		switch q.Type {
		case "nps":
			// NPS is a 0–10 rating.
			q.Type, q.Min, q.Max = Rating, ptr(0), ptr(10)
		case "csat":
			q.Type, q.Min, q.Max = Rating, ptr(1), ptr(5)
		case "choice", "single", "radio":
			q.Type = Single
		case "multiple", "checkbox":
			q.Type = Multiple
		case "textarea":
			q.Type = Text
		}
		switch q.Type {
		case Rating:
			if q.Min == nil {
				q.Min = ptr(1)
			}
			if q.Max == nil {
				q.Max = ptr(5)
			}
			if *q.Min < 0 || *q.Max > 100 || *q.Min >= *q.Max {
				f.Add(field+".max", "a rating runs from min to max, 0 ≤ min < max ≤ 100")
			}
			q.Options = nil
		case Single, Multiple:
			var opts []string
			for _, o := range q.Options {
				if o = strings.TrimSpace(o); o != "" && !slices.Contains(opts, o) {
					opts = append(opts, o)
				}
			}
			if len(opts) < 2 || len(opts) > 50 {
				f.Add(field+".options", "2 to 50 different options")
			}
			q.Options, q.Min, q.Max = opts, nil, nil
		case Text:
			q.Options, q.Min, q.Max = nil, nil, nil
		default:
			f.Add(field+".type", "rating, single_choice, multiple_choice or text")
		}
	}
	return f.Err()
}

func ptr(i int) *int { return &i }

func formItem(f *Form) (store.Item, error) {
	it, err := dynamo.MarshalItem(f)
	if err != nil {
		return nil, crm.Wrap(err, "marshal form")
	}
	k := formKey(f.ID)
	it[store.PK], it[store.SK] = store.AV(k.PK), store.AV(k.SK)
	it["GSI1PK"], it["GSI1SK"] = store.AV("FORMS"), store.AV(f.ID)
	return it, nil
}

func formFromItem(it store.Item) (*Form, error) {
	var f Form
	if err := dynamo.UnmarshalItem(it, &f); err != nil {
		return nil, crm.Wrap(err, "decode form")
	}
	if f.Recipients == nil {
		f.Recipients = []Recipient{}
	}
	return &f, nil
}

func subFromItem(it store.Item) (*Submission, error) {
	var s Submission
	if err := dynamo.UnmarshalItem(it, &s); err != nil {
		return nil, crm.Wrap(err, "decode submission")
	}
	for i := range s.Answers {
		s.Answers[i].Value = plain(s.Answers[i].Value)
	}
	return &s, nil
}

// plain turns what the store gives back into JSON's numbers and lists.
func plain(v any) any {
	switch x := v.(type) {
	case []any:
		return x
	case []string:
		out := make([]any, len(x))
		for i, s := range x {
			out[i] = s
		}
		return out
	}
	return v
}

func principal(ctx context.Context) *auth.Principal {
	if p := auth.PrincipalFrom(ctx); p != nil {
		return p
	}
	return &auth.Principal{}
}

func (s *Service) table(ctx context.Context) (store.Table, error) { return s.Tables.TenantTable(ctx) }

// recipients validates recipients and gives each a token.
func (s *Service) recipients(ctx context.Context, rs []Recipient, tenant string, formID string) ([]Recipient, []store.Op, error) {
	if len(rs) > 500 {
		return nil, nil, &crm.Error{Code: crm.EVALIDATION, Message: "the given data was invalid", Fields: map[string][]string{"recipients": {"at most 500"}}}
	}
	var ops []store.Op
	for i := range rs {
		r := &rs[i]
		r.Email = strings.ToLower(strings.TrimSpace(r.Email))
		if r.Email == "" && r.Name == "" && r.CustomerID == "" {
			return nil, nil, &crm.Error{Code: crm.EVALIDATION, Message: "the given data was invalid",
				Fields: map[string][]string{fmt.Sprintf("recipients[%d]", i): {"an e-mail address, a name or a customer_id"}}}
		}
		r.Token = newToken(tenant)
		r.hash = hashToken(r.Token)
		ops = append(ops, store.PutOp(store.Item{store.PK: store.AV(tokenKey(r.hash).PK), store.SK: store.AV("T"),
			"form_id": store.AV(formID), "kind": store.AV("recipient"), "recipient": store.AV(r.Email + "|" + r.Name),
			"customer_id": store.AV(r.CustomerID)}, store.NotExists()))
	}
	return rs, ops, nil
}

// CreateForm makes a form with its public link and one link per recipient.
func (s *Service) CreateForm(ctx context.Context, f *Form) (*Form, error) {
	t, err := s.table(ctx)
	if err != nil {
		return nil, err
	}
	f.Title = strings.TrimSpace(f.Title)
	if f.Title == "" {
		return nil, &crm.Error{Code: crm.EVALIDATION, Message: "the given data was invalid", Fields: map[string][]string{"title": {"required"}}}
	}
	if err := checkQuestions(f.Questions); err != nil {
		return nil, err
	}
	now := s.now()
	f.ID, f.Status, f.CreatedBy, f.Version, f.CreatedAt, f.UpdatedAt = ids.New(), "active", principal(ctx).Subject, 1, now, now
	tenant := principal(ctx).TenantKey
	rs, ops, err := s.recipients(ctx, f.Recipients, tenant, f.ID)
	if err != nil {
		return nil, err
	}
	f.Recipients = rs
	if f.Recipients == nil {
		f.Recipients = []Recipient{}
	}
	f.Token = newToken(tenant)
	it, err := formItem(f)
	if err != nil {
		return nil, err
	}
	it["recipient_hashes"] = store.AV(hashes(f.Recipients))
	ops = append(ops, store.PutOp(it, store.NotExists()),
		store.PutOp(store.Item{store.PK: store.AV(tokenKey(hashToken(f.Token)).PK), store.SK: store.AV("T"), "form_id": store.AV(f.ID), "kind": store.AV("form")}, store.NotExists()),
		outbox.Op(ctx, "feedback.form_created", map[string]any{"form_id": f.ID, "title": f.Title, "recipients": len(f.Recipients)}))
	if err := transact(ctx, t, ops); err != nil {
		return nil, err
	}
	return f, nil
}

func hashes(rs []Recipient) []string {
	out := []string{}
	for _, r := range rs {
		out = append(out, r.hash)
	}
	return out
}

// transact writes ops in transactions of at most 100 (a form with many
// recipients: their token items first, the form last).
func transact(ctx context.Context, t store.Table, ops []store.Op) error {
	for len(ops) > 100 {
		if err := t.TransactWrite(ctx, ops[:90]...); err != nil {
			return err
		}
		ops = ops[90:]
	}
	return t.TransactWrite(ctx, ops...)
}

// FormPatch changes a form.
type FormPatch struct {
	Title, Description, Status *string
	Questions                  *[]Question
	Recipients                 *[]Recipient // added recipients (existing ones are kept)
	Version                    *int64
}

// UpdateForm changes a form; recipients given are added, each with a new link.
func (s *Service) UpdateForm(ctx context.Context, id string, p FormPatch) (*Form, error) {
	t, err := s.table(ctx)
	if err != nil {
		return nil, err
	}
	f, it, err := s.load(ctx, t, id)
	if err != nil {
		return nil, err
	}
	if p.Version != nil && *p.Version != f.Version {
		return nil, &crm.Error{Code: crm.ECONFLICT, Message: "the form was changed meanwhile; read it again"}
	}
	old := f.Version
	if p.Title != nil {
		if strings.TrimSpace(*p.Title) == "" {
			return nil, &crm.Error{Code: crm.EVALIDATION, Message: "the given data was invalid", Fields: map[string][]string{"title": {"required"}}}
		}
		f.Title = strings.TrimSpace(*p.Title)
	}
	if p.Description != nil {
		f.Description = strings.TrimSpace(*p.Description)
	}
	if p.Status != nil {
		st := strings.ToLower(*p.Status)
		if st != "active" && st != "closed" {
			return nil, &crm.Error{Code: crm.EVALIDATION, Message: "the given data was invalid", Fields: map[string][]string{"status": {"active or closed"}}}
		}
		f.Status = st
	}
	if p.Questions != nil {
		if err := checkQuestions(*p.Questions); err != nil {
			return nil, err
		}
		f.Questions = *p.Questions
	}
	var ops []store.Op
	known := storeStrings(it, "recipient_hashes")
	var added []Recipient
	if p.Recipients != nil {
		existing := map[string]bool{}
		for _, r := range f.Recipients {
			if r.Email != "" {
				existing[r.Email] = true
			}
		}
		var fresh []Recipient
		for _, r := range *p.Recipients {
			if e := strings.ToLower(strings.TrimSpace(r.Email)); e != "" && existing[e] {
				continue // already a recipient: the link they have stays
			}
			fresh = append(fresh, r)
		}
		rs, rops, err := s.recipients(ctx, fresh, principal(ctx).TenantKey, f.ID)
		if err != nil {
			return nil, err
		}
		ops = append(ops, rops...)
		added = rs
		for i, r := range rs {
			known = append(known, r.hash)
			rs[i].Token = r.Token
		}
		f.Recipients = append(f.Recipients, rs...)
	}
	f.Version++
	f.UpdatedAt = s.now()
	nit, err := formItem(f)
	if err != nil {
		return nil, err
	}
	nit["recipient_hashes"] = store.AV(known)
	ops = append(ops, store.PutOp(nit, store.VersionIs(old)), outbox.Op(ctx, "feedback.form_updated", map[string]any{"form_id": f.ID, "title": f.Title}))
	if err := transact(ctx, t, ops); err != nil {
		if crm.ErrorCode(err) == crm.ECONFLICT {
			return nil, &crm.Error{Code: crm.ECONFLICT, Message: "the form was changed meanwhile; read it again"}
		}
		return nil, err
	}
	// Only the added recipients' links are shown (once).
	for i := range f.Recipients {
		f.Recipients[i].Token = ""
		for _, a := range added {
			if a.hash == f.Recipients[i].hash && a.hash != "" {
				f.Recipients[i].Token = a.Token
			}
		}
	}
	return f, nil
}

func storeStrings(it store.Item, attr string) []string {
	var out []string
	if err := dynamo.Unmarshal(it[attr], &out); err != nil {
		return nil
	}
	return out
}

func (s *Service) load(ctx context.Context, t store.Table, id string) (*Form, store.Item, error) {
	if !ids.Valid(id) {
		return nil, nil, notFound()
	}
	it, err := store.GetOr(ctx, t, formKey(id), notFound)
	if err != nil {
		return nil, nil, err
	}
	f, err := formFromItem(it)
	if err != nil {
		return nil, nil, err
	}
	hs := storeStrings(it, "recipient_hashes")
	for i := range f.Recipients {
		if i < len(hs) {
			f.Recipients[i].hash = hs[i]
		}
	}
	return f, it, nil
}

// Forms lists forms newest first with their totals.
func (s *Service) Forms(ctx context.Context, limit, offset int, cursor string) ([]*Form, int, string, error) {
	t, err := s.table(ctx)
	if err != nil {
		return nil, 0, "", err
	}
	return store.List(ctx, t, store.Query{Index: "GSI1", PK: "FORMS", Reverse: true, Limit: limit, Offset: offset, Cursor: cursor}, formFromItem)
}

// FormDetail is a form with its submissions (newest 200): one Query.
func (s *Service) FormDetail(ctx context.Context, id string) (*Form, []*Submission, error) {
	t, err := s.table(ctx)
	if err != nil {
		return nil, nil, err
	}
	if !ids.Valid(id) {
		return nil, nil, notFound()
	}
	p, err := t.Query(ctx, store.Query{PK: formPK(id), Limit: 202})
	if err != nil {
		return nil, nil, err
	}
	var f *Form
	subs := []*Submission{}
	var st store.Item
	for _, it := range p.Items {
		switch sk := store.Str(it, store.SK); {
		case sk == "#FORM":
			if f, err = formFromItem(it); err != nil {
				return nil, nil, err
			}
		case sk == "#STATS":
			st = it
		default:
			sub, err := subFromItem(it)
			if err != nil {
				return nil, nil, err
			}
			subs = append(subs, sub)
		}
	}
	if f == nil {
		return nil, nil, notFound()
	}
	f.Responses = store.Int(st, "n")
	responded := map[string]bool{}
	for _, sub := range subs {
		responded[sub.Recipient] = true
	}
	for i := range f.Recipients {
		f.Recipients[i].Responded = responded[f.Recipients[i].Email+"|"+f.Recipients[i].Name]
	}
	slices.Reverse(subs)
	return f, subs, nil
}

// Opened is what a public link opens.
type Opened struct {
	Form      *Form
	Recipient string
	Customer  string
	kind      string
	hash      string
}

// OpenLink resolves a public token in table t: ENOTFOUND when unknown,
// tampered or the form closed; a used recipient link is a 409.
func (s *Service) OpenLink(ctx context.Context, t store.Table, tok string) (*Opened, error) {
	if TokenTenant(tok) == "" {
		return nil, linkMissing()
	}
	h := hashToken(tok)
	it, err := store.GetOr(ctx, t, tokenKey(h), linkMissing)
	if err != nil {
		return nil, err
	}
	fit, err := store.GetOr(ctx, t, formKey(store.Str(it, "form_id")), linkMissing)
	if err != nil {
		return nil, err
	}
	f, err := formFromItem(fit)
	if err != nil {
		return nil, err
	}
	if f.Status != "active" {
		return nil, linkMissing()
	}
	o := &Opened{Form: f, Recipient: store.Str(it, "recipient"), Customer: store.Str(it, "customer_id"), kind: store.Str(it, "kind"), hash: h}
	if store.Str(it, "used") != "" {
		return o, &crm.Error{Code: crm.ECONFLICT, Message: "feedback was already submitted with this link"}
	}
	return o, nil
}

// validate checks answers against the form's questions.
func validate(f *Form, answers []Answer) ([]Answer, error) {
	byID := map[string]Question{}
	for _, q := range f.Questions {
		byID[q.ID] = q
	}
	fe := crm.FieldErrors{}
	got := map[string]Answer{}
	for _, a := range answers {
		q, ok := byID[strings.ToLower(a.QuestionID)]
		if !ok {
			fe.Add("answers."+a.QuestionID, "no such question on this form")
			continue
		}
		if _, dup := got[q.ID]; dup {
			fe.Add("answers."+q.ID, "answered twice")
			continue
		}
		v, msg := checkValue(q, a.Value)
		if msg != "" {
			fe.Add("answers."+q.ID, msg)
			continue
		}
		if v != nil {
			got[q.ID] = Answer{QuestionID: q.ID, Value: v}
		}
	}
	out := []Answer{}
	for _, q := range f.Questions {
		a, ok := got[q.ID]
		if !ok {
			if q.Required && len(fe["answers."+q.ID]) == 0 {
				fe.Add("answers."+q.ID, "required: "+q.Text)
			}
			continue
		}
		out = append(out, a)
	}
	return out, fe.Err()
}

// checkValue normalizes one answer; nil for an empty one.
func checkValue(q Question, v any) (any, string) {
	if v == nil {
		return nil, ""
	}
	switch q.Type {
	case Rating:
		var n float64
		switch x := v.(type) {
		case float64:
			n = x
		case string:
			if strings.TrimSpace(x) == "" {
				return nil, ""
			}
			p, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
			if err != nil {
				return nil, fmt.Sprintf("a whole number from %d to %d (%s)", *q.Min, *q.Max, q.Text)
			}
			n = p
		default:
			return nil, fmt.Sprintf("a whole number from %d to %d (%s)", *q.Min, *q.Max, q.Text)
		}
		if n != math.Trunc(n) || n < float64(*q.Min) || n > float64(*q.Max) {
			return nil, fmt.Sprintf("a whole number from %d to %d (%s)", *q.Min, *q.Max, q.Text)
		}
		return int64(n), ""
	case Single:
		s, ok := v.(string)
		if !ok || (s != "" && !slices.Contains(q.Options, s)) {
			return nil, "one of: " + strings.Join(q.Options, ", ")
		}
		if s == "" {
			return nil, ""
		}
		return s, ""
	case Multiple:
		l, ok := v.([]any)
		if !ok {
			if s, isStr := v.(string); isStr {
				l, ok = []any{s}, true
			}
		}
		if !ok {
			return nil, "a list of: " + strings.Join(q.Options, ", ")
		}
		var out []string
		for _, e := range l {
			s, ok := e.(string)
			if !ok || !slices.Contains(q.Options, s) {
				return nil, "a list of: " + strings.Join(q.Options, ", ")
			}
			if !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
		if len(out) == 0 {
			return nil, ""
		}
		return out, ""
	case Text:
		s, ok := v.(string)
		if !ok {
			return nil, "text"
		}
		s = strings.TrimSpace(s)
		if len(s) > 5000 {
			return nil, "at most 5000 characters"
		}
		if s == "" {
			return nil, ""
		}
		return s, ""
	}
	return nil, "unknown question type"
}

// Submit records a response through a public link: one transaction with
// the form's counters, the link's use (a recipient link takes one) and
// the event.
func (s *Service) Submit(ctx context.Context, t store.Table, o *Opened, answers []Answer) (*Submission, error) {
	sub := &Submission{FormID: o.Form.ID, Source: "link"}
	var extra []store.Op
	if o.kind == "recipient" {
		sub.Source, sub.Recipient, sub.CustomerID = "recipient", o.Recipient, o.Customer
		extra = append(extra, store.UpdateOp(store.Update{Key: tokenKey(o.hash), Set: store.Item{"used": store.AV(s.now().Format(time.RFC3339))},
			Cond: []store.Cond{store.Exists(), store.AttrNotExists("used")}}))
	}
	return s.record(ctx, t, o.Form, sub, answers, extra, func(err error) error {
		if o.kind == "recipient" && crm.ErrorCode(err) == crm.ECONFLICT {
			return &crm.Error{Code: crm.ECONFLICT, Message: "feedback was already submitted with this link"}
		}
		return err
	})
}

// CreateManual records feedback a user entered (POST /api/feedback).
func (s *Service) CreateManual(ctx context.Context, formID, customerID string, answers []Answer) (*Submission, error) {
	t, err := s.table(ctx)
	if err != nil {
		return nil, err
	}
	f, _, err := s.load(ctx, t, formID)
	if err != nil {
		return nil, &crm.Error{Code: crm.EVALIDATION, Message: "the given data was invalid", Fields: map[string][]string{"form_id": {"no such form"}}}
	}
	if customerID != "" {
		if !ids.Valid(customerID) {
			return nil, &crm.Error{Code: crm.EVALIDATION, Message: "the given data was invalid", Fields: map[string][]string{"customer_id": {"no such customer"}}}
		}
		if _, err := store.GetOr(ctx, t, store.Key{PK: "CUSTOMER#" + customerID, SK: "#CUSTOMER"}, func() error {
			return &crm.Error{Code: crm.EVALIDATION, Message: "the given data was invalid", Fields: map[string][]string{"customer_id": {"no such customer"}}}
		}); err != nil {
			return nil, err
		}
	}
	sub := &Submission{FormID: f.ID, Source: "manual", CustomerID: customerID, CreatedBy: principal(ctx).Subject}
	return s.record(ctx, t, f, sub, answers, nil, func(err error) error { return err })
}

func (s *Service) record(ctx context.Context, t store.Table, f *Form, sub *Submission, answers []Answer, extra []store.Op, mapErr func(error) error) (*Submission, error) {
	clean, err := validate(f, answers)
	if err != nil {
		return nil, err
	}
	if len(clean) == 0 {
		return nil, &crm.Error{Code: crm.EVALIDATION, Message: "the given data was invalid", Fields: map[string][]string{"answers": {"answer at least one question"}}}
	}
	sub.ID, sub.Answers, sub.CreatedAt = ids.New(), clean, s.now()
	add := map[string]int64{"n": 1}
	if sub.Source == "recipient" {
		add["nr"] = 1
	}
	var texts []string
	for _, a := range clean {
		q := questionOf(f, a.QuestionID)
		switch v := a.Value.(type) {
		case int64:
			add["q_"+q.ID+"_n"]++
			add["q_"+q.ID+"_sum"] += v
			add["q_"+q.ID+"_v"+strconv.FormatInt(v, 10)]++
		case string:
			if q.Type == Text {
				texts = append(texts, v)
				add["q_"+q.ID+"_n"]++
			} else {
				add["q_"+q.ID+"_n"]++
				add["q_"+q.ID+"_o"+strconv.Itoa(slices.Index(q.Options, v))]++
			}
		case []string:
			add["q_"+q.ID+"_n"]++
			for _, o := range v {
				add["q_"+q.ID+"_o"+strconv.Itoa(slices.Index(q.Options, o))]++
			}
		}
	}
	if len(texts) > 0 {
		sub.Sentiment = Sentiment(strings.Join(texts, " ")).Label
		add["sent_"+sub.Sentiment]++
	}
	it, err := dynamo.MarshalItem(sub)
	if err != nil {
		return nil, crm.Wrap(err, "marshal submission")
	}
	k := subKey(f.ID, sub.ID)
	it[store.PK], it[store.SK] = store.AV(k.PK), store.AV(k.SK)
	it["GSI1PK"], it["GSI1SK"] = store.AV("FEEDBACK"), store.AV(sub.ID)
	ops := append(extra, store.PutOp(it, store.NotExists()), store.UpdateOp(store.Update{Key: statsKey(f.ID), Add: add}),
		outbox.Op(ctx, "feedback.submitted", map[string]any{"form_id": f.ID, "submission_id": sub.ID, "source": sub.Source, "customer_id": sub.CustomerID}))
	if err := t.TransactWrite(ctx, ops...); err != nil {
		return nil, mapErr(err)
	}
	return sub, nil
}

func questionOf(f *Form, id string) Question {
	for _, q := range f.Questions {
		if q.ID == id {
			return q
		}
	}
	return Question{}
}

// Submissions lists feedback newest first: all, or one form's.
func (s *Service) Submissions(ctx context.Context, formID string, limit, offset int, cursor string) ([]*Submission, int, string, error) {
	t, err := s.table(ctx)
	if err != nil {
		return nil, 0, "", err
	}
	q := store.Query{Index: "GSI1", PK: "FEEDBACK", Reverse: true, Limit: limit, Offset: offset, Cursor: cursor}
	if formID != "" {
		if !ids.Valid(formID) {
			return []*Submission{}, 0, "", nil
		}
		q = store.Query{PK: formPK(formID), SK: store.SKPrefix("SUB#"), Reverse: true, Limit: limit, Offset: offset, Cursor: cursor}
	}
	return store.List(ctx, t, q, subFromItem)
}
