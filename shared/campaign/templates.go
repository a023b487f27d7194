package campaign

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"payvand.dev/shared/crm"
	"payvand.dev/shared/ids"
	"payvand.dev/shared/outbox"
	"payvand.dev/shared/store"
)

func templateKey(id string) store.Key { return store.Key{PK: "EMAILTPL#" + id, SK: "#TPL"} }
func templateName(name string) store.Key {
	return store.Key{PK: "EMAILTPLNAME#" + strings.ToLower(strings.TrimSpace(name)), SK: "N"}
}

// Limits of a tenant's template.
const (
	maxSubject      = 300
	maxBody         = 100 << 10
	maxTemplates    = 200
	templatesIndex  = "EMAILTPLS"
	templateMissing = "template not found"
)

func builtin(name string) *Template {
	for i := range Templates {
		if Templates[i].Name == name {
			return &Templates[i]
		}
	}
	return nil
}

// variables lists the placeholders of a template's texts, sorted.
func variables(t *Template) []string {
	var out []string
	for _, m := range []map[string]string{t.Subject, t.Text, t.HTML} {
		for _, s := range m {
			for _, sub := range placeholder.FindAllStringSubmatch(s, -1) {
				if !slices.Contains(out, sub[1]) {
					out = append(out, sub[1])
				}
			}
		}
	}
	slices.Sort(out)
	return out
}

func validTemplate(t *Template) error {
	t.Name = strings.TrimSpace(t.Name)
	if t.Name == "" || utf8.RuneCountInString(t.Name) > 100 {
		return invalid("name", "give a name of 1 to 100 characters")
	}
	if builtin(t.Name) != nil {
		return &crm.Error{Code: crm.ECONFLICT, Message: "a built-in template has this name", Fields: map[string][]string{"name": {"a built-in template has this name"}}}
	}
	any := false
	for field, m := range map[string]map[string]string{"subject": t.Subject, "text": t.Text, "html": t.HTML} {
		for lang, s := range m {
			if lang != "fa" && lang != "en" {
				return invalid(field, "languages are fa and en")
			}
			if (field == "subject" && len(s) > maxSubject) || len(s) > maxBody {
				return invalid(field+"."+lang, "too long")
			}
		}
	}
	for _, lang := range []string{"fa", "en"} {
		if strings.TrimSpace(t.Subject[lang]) != "" && (t.Text[lang] != "" || t.HTML[lang] != "") {
			any = true
		} else if t.Subject[lang] != "" || t.Text[lang] != "" || t.HTML[lang] != "" {
			return invalid("subject."+lang, "give a subject and a text or html in each language you use")
		}
	}
	if !any {
		return invalid("subject", "give a subject and a text or html in fa or en")
	}
	t.Variables = variables(t)
	return nil
}

func templateItem(t *Template) store.Item {
	b, _ := json.Marshal(t)
	it := store.KeyItem(templateKey(t.ID))
	it["template"], it["name"] = store.AV(string(b)), store.AV(t.Name)
	it["GSI1PK"], it["GSI1SK"] = store.AV(templatesIndex), store.AV(strings.ToLower(t.Name)+"#"+t.ID)
	return it
}

func nameItem(t *Template) store.Item {
	it := store.KeyItem(templateName(t.Name))
	it["template_id"] = store.AV(t.ID)
	return it
}

// SaveTemplate creates a template (t.ID empty) or replaces one; names are
// unique in a tenant, ignoring case.
func SaveTemplate(ctx context.Context, tb store.Table, t *Template, now time.Time) error {
	if err := validTemplate(t); err != nil {
		return err
	}
	at := now.UTC()
	t.UpdatedAt, t.Builtin = &at, false
	taken := &crm.Error{Code: crm.ECONFLICT, Message: "a template has this name", Fields: map[string][]string{"name": {"a template has this name"}}}
	if t.ID == "" {
		n, err := tb.Query(ctx, store.Query{Index: "GSI1", PK: templatesIndex, CountOnly: true})
		if err != nil {
			return err
		}
		if n.Count >= maxTemplates {
			return invalid("name", "at most 200 templates")
		}
		t.ID = ids.New()
		err = tb.TransactWrite(ctx, store.PutOp(templateItem(t), store.NotExists()), store.PutOp(nameItem(t), store.NotExists()),
			outbox.Op(ctx, "email.template_saved", map[string]any{"template_id": t.ID, "name": t.Name}))
		if crm.ErrorCode(err) == crm.ECONFLICT {
			return taken
		}
		return err
	}
	old, err := GetTemplate(ctx, tb, t.ID)
	if err != nil {
		return err
	}
	if old.Builtin {
		return crm.Errorf(crm.ECONFLICT, "built-in templates cannot be changed; save a copy under another name")
	}
	ops := []store.Op{store.PutOp(templateItem(t), store.Exists()), outbox.Op(ctx, "email.template_saved", map[string]any{"template_id": t.ID, "name": t.Name})}
	if !strings.EqualFold(old.Name, t.Name) {
		ops = append(ops, store.PutOp(nameItem(t), store.NotExists()), store.DeleteOp(templateName(old.Name)))
	}
	err = tb.TransactWrite(ctx, ops...)
	if te, ok := err.(*store.TxError); ok && te.Index == 2 {
		return taken
	}
	if crm.ErrorCode(err) == crm.ECONFLICT {
		return crm.Errorf(crm.ENOTFOUND, templateMissing)
	}
	return err
}

// DeleteTemplate removes a tenant's template.
func DeleteTemplate(ctx context.Context, tb store.Table, id string) error {
	t, err := GetTemplate(ctx, tb, id)
	if err != nil {
		return err
	}
	if t.Builtin {
		return crm.Errorf(crm.ECONFLICT, "built-in templates cannot be deleted")
	}
	return tb.TransactWrite(ctx, store.DeleteOp(templateKey(id)), store.DeleteOp(templateName(t.Name)),
		outbox.Op(ctx, "email.template_deleted", map[string]any{"template_id": id}))
}

// GetTemplate finds a template by id or name: built-in, or the tenant's.
func GetTemplate(ctx context.Context, tb store.Table, ref string) (*Template, error) {
	if t := builtin(ref); t != nil {
		return t, nil
	}
	id := ref
	if !ids.Valid(ref) {
		it, err := tb.Get(ctx, templateName(ref))
		if err != nil {
			if crm.ErrorCode(err) == crm.ENOTFOUND {
				return nil, crm.Errorf(crm.ENOTFOUND, templateMissing)
			}
			return nil, err
		}
		id = store.Str(it, "template_id")
	}
	it, err := store.GetOr(ctx, tb, templateKey(id), func() error { return crm.Errorf(crm.ENOTFOUND, templateMissing) })
	if err != nil {
		return nil, err
	}
	var t Template
	return &t, json.Unmarshal([]byte(store.Str(it, "template")), &t)
}

// ListTemplates is the built-in templates and then the tenant's, by name.
func ListTemplates(ctx context.Context, tb store.Table) ([]Template, error) {
	out := slices.Clone(Templates)
	p, err := tb.Query(ctx, store.Query{Index: "GSI1", PK: templatesIndex, Limit: maxTemplates})
	if err != nil {
		return nil, err
	}
	for _, it := range p.Items {
		var t Template
		if json.Unmarshal([]byte(store.Str(it, "template")), &t) == nil {
			out = append(out, t)
		}
	}
	return out, nil
}

// Resolve puts the named template's texts, in the content's language
// (else the other one), into the content.
func Resolve(ctx context.Context, tb store.Table, c Content) (Content, error) {
	if c.Template == "" {
		return c, nil
	}
	t, err := GetTemplate(ctx, tb, c.Template)
	if crm.ErrorCode(err) == crm.ENOTFOUND {
		return c, invalid("template", "unknown template")
	}
	if err != nil {
		return c, err
	}
	lang := c.Lang
	if lang != "fa" && lang != "en" {
		lang = "en"
	}
	if t.Subject[lang] == "" {
		lang = map[string]string{"fa": "en", "en": "fa"}[lang]
	}
	if c.Subject == "" {
		c.Subject = t.Subject[lang]
	}
	c.Text, c.HTML, c.Lang, c.Template = t.Text[lang], t.HTML[lang], lang, ""
	return c, nil
}
