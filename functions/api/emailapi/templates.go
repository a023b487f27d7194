package emailapi

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"payvand.dev/functions/app"
	"payvand.dev/shared/campaign"
	"payvand.dev/shared/httpapi"
)

// TemplateInput is a tenant's template: texts by language (fa, en).
type TemplateInput struct {
	Body struct {
		Name    string   `json:"name" maxLength:"100"`
		Subject LangText `json:"subject" doc:"by language, e.g. {\"fa\": \"…\", \"en\": \"…\"}, or one string in the request's language (Accept-Language)"`
		HTML    LangText `json:"html,omitempty"`
		Text    LangText `json:"text,omitempty"`
	}
}

// LangText is a text by language, or one string: the text in the
// request's language.
type LangText struct {
	ByLang map[string]string
	One    *string
}

var maxLangText = 100 << 10

// Schema documents and validates both forms.
func (LangText) Schema(huma.Registry) *huma.Schema {
	one := &huma.Schema{Type: huma.TypeString, MaxLength: &maxLangText}
	return &huma.Schema{OneOf: []*huma.Schema{one, {Type: huma.TypeObject, AdditionalProperties: one}}}
}

func (l *LangText) UnmarshalJSON(b []byte) error {
	var one string
	if json.Unmarshal(b, &one) == nil {
		l.One = &one
		return nil
	}
	return json.Unmarshal(b, &l.ByLang)
}

// in is the text by language, a lone string taken as lang's.
func (l LangText) in(lang httpapi.Lang) map[string]string {
	if l.One != nil {
		return map[string]string{string(lang): *l.One}
	}
	return l.ByLang
}

// TemplatesBody is Rabin's {templates: [...]} with the same list in data.
type TemplatesBody struct {
	Body struct {
		httpapi.Envelope[[]campaign.Template]
		Templates []campaign.Template `json:"templates"`
	}
}

func registerTemplates(s *httpapi.Server, d *app.Deps) {
	httpapi.Register(s, route(http.MethodGet, "/templates", "templates", "The templates",
		"Lists the built-in templates and then the tenant's, each with its subject, HTML and text in fa and en and the variables it uses."),
		func(ctx context.Context, _ *struct{}) (*TemplatesBody, error) {
			t, err := tenantTable(ctx, d)
			if err != nil {
				return nil, err
			}
			l, err := campaign.ListTemplates(ctx, t)
			if err != nil {
				return nil, err
			}
			for i := range l {
				l[i].Localize(httpapi.LocationFrom(ctx))
			}
			out := &TemplatesBody{}
			out.Body.Success, out.Body.Data, out.Body.Templates = true, l, l
			return out, nil
		})
	save := func(ctx context.Context, id string, in *TemplateInput) (*httpapi.Body[*campaign.Template], error) {
		t, err := tenantTable(ctx, d)
		if err != nil {
			return nil, err
		}
		lang := httpapi.LangFrom(ctx)
		tpl := &campaign.Template{ID: id, Name: in.Body.Name, Subject: in.Body.Subject.in(lang), HTML: in.Body.HTML.in(lang), Text: in.Body.Text.in(lang)}
		if err := campaign.SaveTemplate(ctx, t, tpl, now()); err != nil {
			return nil, err
		}
		tpl.Localize(httpapi.LocationFrom(ctx))
		return httpapi.OK(tpl, "template saved"), nil
	}
	create := route(http.MethodPost, "/templates", "template-create", "Create a template",
		"Saves a template of the tenant: a unique name, and in fa and/or en a subject with html and/or text; {{.variable}} placeholders are filled when sending (HTML-escaped in HTML).")
	create.Status = http.StatusCreated
	httpapi.Register(s, create, func(ctx context.Context, in *TemplateInput) (*httpapi.Body[*campaign.Template], error) {
		return save(ctx, "", in)
	})
	httpapi.Register(s, route(http.MethodPut, "/templates/{id}", "template-update", "Change a template",
		"Replaces a tenant's template (built-in ones answer 409: save a copy). Campaigns already made keep the texts they were made with."),
		func(ctx context.Context, in *struct {
			ID string `path:"id"`
			TemplateInput
		}) (*httpapi.Body[*campaign.Template], error) {
			return save(ctx, in.ID, &in.TemplateInput)
		})
	httpapi.Register(s, route(http.MethodDelete, "/templates/{id}", "template-delete", "Delete a template", "Deletes a tenant's template."),
		func(ctx context.Context, in *IDInput) (*httpapi.Body[any], error) {
			t, err := tenantTable(ctx, d)
			if err != nil {
				return nil, err
			}
			if err := campaign.DeleteTemplate(ctx, t, in.ID); err != nil {
				return nil, err
			}
			return httpapi.OK[any](nil, "template deleted"), nil
		})
}
