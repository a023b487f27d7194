// Package feedbackapi is the feedback route group: feedback forms
// (surveys) with their public links, submissions, and their analysis.
package feedbackapi

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"payvand.dev/functions/app"
	"payvand.dev/shared/auth"
	"payvand.dev/shared/crm"
	"payvand.dev/shared/feedback"
	"payvand.dev/shared/httpapi"
	"payvand.dev/shared/jalali"
	"payvand.dev/shared/mail"
	"payvand.dev/shared/tenancy"
)

// Deps are what the routes use.
type Deps struct {
	Feedback *feedback.Service
	Control  *tenancy.ControlPlane
	// Mail sends forms to recipients; AppURL is the SPA their links open
	// (/feedback/<token>).
	Mail   mail.Sender
	AppURL string
}

// Mount is the feedback route group.
func Mount() app.Mount {
	return app.Mount{Name: "feedback", Register: func(s *httpapi.Server, d *app.Deps) {
		Register(s, Deps{Feedback: &feedback.Service{Tables: d.Control}, Control: d.Control, Mail: d.Mail, AppURL: d.Config.AppURL})
	}}
}

func route(module, method, path, op, summary string) httpapi.Route {
	return httpapi.Route{Method: method, Path: path, ID: "feedback-" + op, Summary: summary, Tags: []string{"Feedback"},
		Realm: httpapi.TenantUsers, Module: module}
}

// FormView is a form as the API shows it.
type FormView struct {
	feedback.Form
	PublicURL       string `json:"public_url,omitempty" doc:"Only when the token is shown"`
	CreatedAtJalali string `json:"created_at_jalali"`
	UpdatedAtJalali string `json:"updated_at_jalali"`
}

func formView(ctx context.Context, f *feedback.Form) FormView {
	loc := httpapi.LocationFrom(ctx)
	v := FormView{Form: *f, CreatedAtJalali: jalali.Format(f.CreatedAt, loc), UpdatedAtJalali: jalali.Format(f.UpdatedAt, loc)}
	if f.Token != "" {
		v.PublicURL = "/api/feedback/form/" + f.Token
	}
	if v.Recipients == nil {
		v.Recipients = []feedback.Recipient{}
	}
	return v
}

// SubmissionView is a submission as the API shows it.
type SubmissionView struct {
	feedback.Submission
	CreatedAtJalali string `json:"created_at_jalali"`
}

func subView(ctx context.Context, s *feedback.Submission) SubmissionView {
	return SubmissionView{Submission: *s, CreatedAtJalali: jalali.Format(s.CreatedAt, httpapi.LocationFrom(ctx))}
}

// RecipientRef is a recipient: an address, or an object.
type RecipientRef struct {
	feedback.Recipient
}

// Schema: an address or an object.
func (RecipientRef) Schema(r huma.Registry) *huma.Schema {
	max := 254
	obj := &huma.Schema{Type: huma.TypeObject, Properties: map[string]*huma.Schema{"email": {Type: huma.TypeString, MaxLength: &max},
		"name": {Type: huma.TypeString, MaxLength: &max}, "customer_id": {Type: huma.TypeString, MaxLength: &max}}}
	return &huma.Schema{OneOf: []*huma.Schema{{Type: huma.TypeString, MaxLength: &max}, obj}}
}

// UnmarshalJSON takes "a@b.c" or {email, name, customer_id}.
func (r *RecipientRef) UnmarshalJSON(b []byte) error {
	s := strings.TrimSpace(string(b))
	if strings.HasPrefix(s, `"`) {
		r.Email = strings.Trim(s, `"`)
		return nil
	}
	var p struct {
		Email      string `json:"email"`
		Name       string `json:"name"`
		CustomerID string `json:"customer_id"`
	}
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	r.Email, r.Name, r.CustomerID = p.Email, p.Name, p.CustomerID
	return nil
}

// FormFields are the writable fields of a form.
type FormFields struct {
	Title       *string              `json:"title,omitempty" maxLength:"300"`
	Name        *string              `json:"name,omitempty" maxLength:"300" doc:"Alias of title"`
	Description *string              `json:"description,omitempty" maxLength:"5000"`
	Status      *string              `json:"status,omitempty" maxLength:"10" doc:"active or closed (a closed form's links stop working)"`
	Questions   *[]feedback.Question `json:"questions,omitempty" maxItems:"100"`
	Recipients  *[]RecipientRef      `json:"recipients,omitempty" maxItems:"500" doc:"E-mail addresses or {email, name, customer_id}; each gets a link that takes one submission"`
	Version     *int64               `json:"version,omitempty"`
}

func (f *FormFields) recipients() *[]feedback.Recipient {
	if f.Recipients == nil {
		return nil
	}
	out := make([]feedback.Recipient, len(*f.Recipients))
	for i, r := range *f.Recipients {
		out[i] = r.Recipient
	}
	return &out
}

func (f *FormFields) title() *string {
	if f.Title != nil {
		return f.Title
	}
	return f.Name
}

// AnswersInput are answers, in IshYar's list form or Rabin's map form.
type AnswersInput struct {
	Answers   []feedback.Answer `json:"answers,omitempty" maxItems:"200"`
	Responses map[string]any    `json:"responses,omitempty" doc:"Alias: {question_id: value}"`
}

func (a *AnswersInput) list() []feedback.Answer {
	out := append([]feedback.Answer{}, a.Answers...)
	for k, v := range a.Responses {
		out = append(out, feedback.Answer{QuestionID: k, Value: v})
	}
	return out
}

// Register mounts the routes.
func Register(s *httpapi.Server, d Deps) {
	svc := d.Feedback
	for _, base := range []struct{ path, id string }{{"/api/feedback/forms", "forms"}, {"/api/tenant/feedback", "tenant-forms"}} {
		httpapi.Register(s, route("survey", http.MethodGet, base.path, base.id+"-list", "List feedback forms"),
			func(ctx context.Context, in *httpapi.ListParams) (*httpapi.ListBody[FormView], error) {
				cursor, offset, err := s.Cursors.Window(ctx, "feedback-forms", in)
				if err != nil {
					return nil, err
				}
				forms, total, next, err := svc.Forms(ctx, in.Size(), offset, cursor)
				if err != nil {
					return nil, err
				}
				out := make([]FormView, len(forms))
				for i, f := range forms {
					out[i] = formView(ctx, f)
				}
				return httpapi.SealedList(ctx, s.Cursors, "feedback-forms", in, out, total, next)
			})
		create := route("survey", http.MethodPost, base.path, base.id+"-create", "Create a feedback form {title, description, questions, recipients}: the form, its public link token and one link per recipient, each shown once")
		create.Status = http.StatusCreated
		type created struct {
			Form  FormView `json:"form"`
			Token string   `json:"token"`
			URL   string   `json:"url"`
		}
		httpapi.Register(s, create, func(ctx context.Context, in *struct{ Body FormFields }) (*httpapi.Body[created], error) {
			f := &feedback.Form{}
			if t := in.Body.title(); t != nil {
				f.Title = *t
			}
			if in.Body.Description != nil {
				f.Description = *in.Body.Description
			}
			if in.Body.Questions != nil {
				f.Questions = *in.Body.Questions
			}
			if r := in.Body.recipients(); r != nil {
				f.Recipients = *r
			}
			f, err := svc.CreateForm(ctx, f)
			if err != nil {
				return nil, err
			}
			return httpapi.OK(created{Form: formView(ctx, f), Token: f.Token, URL: "/api/feedback/form/" + f.Token}, "form created; its links are shown only now"), nil
		})
	}
	type detail struct {
		Form        FormView         `json:"form"`
		Submissions []SubmissionView `json:"submissions"`
	}
	httpapi.Register(s, route("survey", http.MethodGet, "/api/feedback/forms/{id}", "form-get", "A form with its submissions (newest 200)"),
		func(ctx context.Context, in *struct {
			ID string `path:"id"`
		}) (*httpapi.Body[detail], error) {
			f, subs, err := svc.FormDetail(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			out := detail{Form: formView(ctx, f), Submissions: make([]SubmissionView, len(subs))}
			for i, sub := range subs {
				out.Submissions[i] = subView(ctx, sub)
			}
			return httpapi.OK(out, ""), nil
		})
	for _, m := range []struct{ method, id string }{{http.MethodPut, "form-update"}, {http.MethodPatch, "form-patch"}} {
		httpapi.Register(s, route("survey", m.method, "/api/feedback/forms/{id}", m.id, "Change a form; recipients given are added (each with a new link, shown once)"),
			func(ctx context.Context, in *struct {
				ID   string `path:"id"`
				Body FormFields
			}) (*httpapi.Body[FormView], error) {
				f, err := svc.UpdateForm(ctx, in.ID, feedback.FormPatch{Title: in.Body.title(), Description: in.Body.Description, Status: in.Body.Status,
					Questions: in.Body.Questions, Recipients: in.Body.recipients(), Version: in.Body.Version})
				if err != nil {
					return nil, err
				}
				return httpapi.OK(formView(ctx, f), "form updated"), nil
			})
	}

	type sentOut struct {
		Sent int `json:"sent"`
	}
	httpapi.Register(s, route("survey", http.MethodPost, "/api/feedback/forms/send", "forms-send", "Send a form to recipients {form_id, recipients}: each gets a link of their own by e-mail (added to the form's recipients)"),
		func(ctx context.Context, in *struct {
			Body struct {
				FormID     string         `json:"form_id" maxLength:"36"`
				Recipients []RecipientRef `json:"recipients" maxItems:"500"`
			}
		}) (*httpapi.Body[sentOut], error) {
			if d.Mail == nil {
				return nil, crm.Errorf(crm.EINTERNAL, "no mail sender")
			}
			rs := make([]feedback.Recipient, 0, len(in.Body.Recipients))
			for i, r := range in.Body.Recipients {
				if !strings.Contains(r.Email, "@") {
					return nil, &crm.Error{Code: crm.EVALIDATION, Message: "the given data was invalid", Fields: map[string][]string{fmt.Sprintf("recipients[%d]", i): {"an e-mail address"}}}
				}
				rs = append(rs, r.Recipient)
			}
			if len(rs) == 0 {
				return nil, &crm.Error{Code: crm.EVALIDATION, Message: "the given data was invalid", Fields: map[string][]string{"recipients": {"at least one e-mail address"}}}
			}
			f, err := svc.UpdateForm(ctx, in.Body.FormID, feedback.FormPatch{Recipients: &rs})
			if err != nil {
				return nil, err
			}
			out := sentOut{}
			for _, r := range f.Recipients {
				if r.Token == "" || r.Email == "" {
					continue // already had a link, or no address
				}
				link := strings.TrimRight(d.AppURL, "/") + "/feedback/" + r.Token
				body := f.Title + "\n\n" + f.Description + "\n\n" + link + "\n"
				htmlBody := "<h2>" + html.EscapeString(f.Title) + "</h2><p>" + html.EscapeString(f.Description) + "</p><p><a href=\"" + html.EscapeString(link) + "\">" + html.EscapeString(link) + "</a></p>"
				if _, err := d.Mail.Send(ctx, mail.Message{To: []string{r.Email}, Subject: f.Title, Text: body, HTML: htmlBody, Template: "feedback-form"}); err != nil {
					return nil, err
				}
				out.Sent++
			}
			return httpapi.OK(out, "form sent"), nil
		})

	httpapi.Register(s, route("feedback", http.MethodGet, "/api/feedback", "list", "List feedback responses (form_id to narrow)"),
		func(ctx context.Context, in *struct {
			httpapi.ListParams
			FormID string `query:"form_id" doc:"Also filter[form_id]"`
		}) (*httpapi.ListBody[SubmissionView], error) {
			form := in.Filter("form_id")
			scope := "feedback|" + form
			cursor, offset, err := s.Cursors.Window(ctx, scope, &in.ListParams)
			if err != nil {
				return nil, err
			}
			subs, total, next, err := svc.Submissions(ctx, form, in.Size(), offset, cursor)
			if err != nil {
				return nil, err
			}
			out := make([]SubmissionView, len(subs))
			for i, sub := range subs {
				out[i] = subView(ctx, sub)
			}
			return httpapi.SealedList(ctx, s.Cursors, scope, &in.ListParams, out, total, next)
		})
	manual := route("feedback", http.MethodPost, "/api/feedback", "create", "Record feedback by hand {form_id, customer_id, answers | responses}")
	manual.Status = http.StatusCreated
	httpapi.Register(s, manual, func(ctx context.Context, in *struct {
		Body struct {
			AnswersInput
			FormID     string `json:"form_id" maxLength:"36"`
			CustomerID string `json:"customer_id,omitempty" maxLength:"36"`
		}
	}) (*httpapi.Body[SubmissionView], error) {
		sub, err := svc.CreateManual(ctx, in.Body.FormID, in.Body.CustomerID, in.Body.list())
		if err != nil {
			return nil, err
		}
		return httpapi.OK(subView(ctx, sub), "feedback recorded"), nil
	})
	httpapi.Register(s, route("feedback", http.MethodGet, "/api/feedback/analyze", "analyze", "Analyse a form's responses: total_responses, response_rate, per-question distributions and averages, NPS, CSAT, lexicon sentiment, insights"),
		func(ctx context.Context, in *struct {
			FormID string `query:"form_id"`
		}) (*httpapi.Body[feedback.Analysis], error) {
			if in.FormID == "" {
				return nil, &crm.Error{Code: crm.EVALIDATION, Message: "the given data was invalid", Fields: map[string][]string{"form_id": {"required"}}}
			}
			a, err := svc.Analyze(ctx, in.FormID)
			if err != nil {
				return nil, err
			}
			return httpapi.OK(*a, ""), nil
		})

	// The public side: a link opens its form and takes answers.
	pub := func(method, path, op, summary string) httpapi.Route {
		return httpapi.Route{Method: method, Path: path, ID: "feedback-" + op, Summary: summary, Tags: []string{"Feedback"}, Realm: httpapi.Public}
	}
	type publicForm struct {
		Form struct {
			ID          string `json:"id"`
			Title       string `json:"title"`
			Description string `json:"description"`
		} `json:"form"`
		Questions []feedback.Question `json:"questions"`
	}
	httpapi.Register(s, pub(http.MethodGet, "/api/feedback/form/{token}", "form-public", "A feedback form by its link (public)"),
		func(ctx context.Context, in *struct {
			Token string `path:"token"`
		}) (*httpapi.Body[publicForm], error) {
			o, _, err := d.open(ctx, in.Token)
			if err != nil {
				return nil, err
			}
			var out publicForm
			out.Form.ID, out.Form.Title, out.Form.Description = o.Form.ID, o.Form.Title, o.Form.Description
			out.Questions = o.Form.Questions
			return httpapi.OK(out, ""), nil
		})
	submit := pub(http.MethodPost, "/api/feedback/submit", "submit", "Submit feedback (public) {token, answers: [{question_id, value}]}; a recipient's link takes one submission; 20 a minute per IP address")
	submit.Status, submit.RateClass = http.StatusCreated, "feedback-submit"
	type ack struct {
		ID              string    `json:"id"`
		CreatedAt       time.Time `json:"created_at"`
		CreatedAtJalali string    `json:"created_at_jalali"`
	}
	httpapi.Register(s, submit, func(ctx context.Context, in *struct {
		Body struct {
			AnswersInput
			Token string `json:"token" maxLength:"200"`
		}
	}) (*httpapi.Body[ack], error) {
		o, key, err := d.open(ctx, in.Body.Token)
		if err != nil {
			return nil, err
		}
		// The event is the tenant's (the submitter is nobody's user).
		ctx = auth.WithPrincipal(ctx, &auth.Principal{Realm: auth.RealmTenant, TenantKey: key})
		sub, err := svc.Submit(ctx, d.Control.TableFor(key), o, in.Body.list())
		if err != nil {
			return nil, err
		}
		return httpapi.OK(ack{ID: sub.ID, CreatedAt: sub.CreatedAt, CreatedAtJalali: jalali.Format(sub.CreatedAt, httpapi.LocationFrom(ctx))}, "thank you for your feedback"), nil
	})
}

// open resolves a public link: its tenant (active), then the token.
func (d Deps) open(ctx context.Context, tok string) (*feedback.Opened, string, error) {
	missing := &crm.Error{Code: crm.ENOTFOUND, Message: "this feedback link is invalid or closed", Key: "not-found-resource", Args: []any{"form"}}
	key := feedback.TokenTenant(tok)
	if key == "" || !tenancy.ValidTenantKey(key) {
		return nil, "", missing
	}
	t, err := d.Control.Tenant(ctx, key)
	if err != nil || t.Status != tenancy.StatusActive {
		return nil, "", missing
	}
	o, err := d.Feedback.OpenLink(ctx, d.Control.TableFor(key), tok)
	return o, key, err
}
