package emailapi

import (
	"context"
	"fmt"
	"html"
	"net/http"

	"payvand.dev/functions/app"
	"payvand.dev/shared/campaign"
	"payvand.dev/shared/crm"
	"payvand.dev/shared/httpapi"
)

// UnsubscribeKey signs and checks unsubscribe links.
func UnsubscribeKey(d *app.Deps) ([]byte, error) { return d.Tokens.Derive(campaign.UnsubscribePurpose) }

// Page is a small HTML answer for people who follow the link.
type Page struct {
	Status      int
	ContentType string `header:"Content-Type"`
	CSP         string `header:"Content-Security-Policy"`
	Body        []byte
}

func page(status int, lang httpapi.Lang, title, text, form string) *Page {
	dir := "ltr"
	if lang == httpapi.Persian {
		dir = "rtl"
	}
	body := `<!DOCTYPE html><html lang="` + string(lang) + `" dir="` + dir + `"><head><meta charset="utf-8">` +
		`<meta name="viewport" content="width=device-width, initial-scale=1"><title>` + html.EscapeString(title) + `</title></head>` +
		`<body style="font-family:Tahoma,Arial,sans-serif;max-width:32em;margin:3em auto;padding:0 1em"><h1 style="font-size:1.3em">` +
		html.EscapeString(title) + `</h1><p>` + html.EscapeString(text) + `</p>` + form + `</body></html>`
	return &Page{Status: status, ContentType: "text/html; charset=utf-8", CSP: "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'", Body: []byte(body)}
}

var unsubscribeText = map[httpapi.Lang][6]string{
	httpapi.English: {"Unsubscribe", "Stop receiving messages from this sender at %s?", "Unsubscribe", "You are unsubscribed", "%s will get no more messages from this sender.", "This link is invalid."},
	httpapi.Persian: {"لغو اشتراک", "دیگر از این فرستنده به %s پیامی فرستاده نشود؟", "لغو اشتراک", "اشتراک شما لغو شد", "از این پس پیامی از این فرستنده به %s فرستاده نمی‌شود.", "این پیوند معتبر نیست."},
}

func registerUnsubscribe(s *httpapi.Server, d *app.Deps) {
	pub := func(method, id, summary, description string) httpapi.Route {
		return httpapi.Route{Method: method, Path: "/api/email/unsubscribe", ID: "email-" + id, Summary: summary, Description: description,
			Tags: []string{"Email"}, Realm: httpapi.Public}
	}
	// check finds the recipient of a token whose tenant still exists.
	check := func(ctx context.Context, token string) (tenant, email string, err error) {
		key, err := UnsubscribeKey(d)
		if err != nil {
			return "", "", err
		}
		tenant, email, ok := campaign.ParseUnsubscribeToken(key, token)
		if ok {
			if _, err := d.Control.Tenant(ctx, tenant); err != nil {
				ok = false
			}
		}
		if !ok {
			return "", "", crm.Errorf(crm.ENOTFOUND, "this unsubscribe link is invalid")
		}
		return tenant, email, nil
	}
	httpapi.Register(s, pub(http.MethodGet, "unsubscribe-page", "The unsubscribe page of a campaign message (public)",
		"Answers an HTML page asking to confirm: a GET never unsubscribes, since mail scanners follow links. The page's button POSTs to the same URL."),
		func(ctx context.Context, in *struct {
			Token string `query:"token" maxLength:"600"`
		}) (*Page, error) {
			lang := httpapi.LangFrom(ctx)
			say := unsubscribeText[lang]
			_, email, err := check(ctx, in.Token)
			if err != nil {
				return page(http.StatusNotFound, lang, say[0], say[5], ""), nil
			}
			form := `<form method="post" action="?token=` + html.EscapeString(in.Token) + `"><input type="hidden" name="List-Unsubscribe" value="One-Click">` +
				`<button type="submit" style="font-size:1em;padding:.5em 1.5em">` + html.EscapeString(say[2]) + `</button></form>`
			return page(http.StatusOK, lang, say[0], fmt.Sprintf(say[1], email), form), nil
		})
	httpapi.Register(s, pub(http.MethodPost, "unsubscribe", "Unsubscribe (public; RFC 8058 one-click)",
		"Puts the link's address on its organization's suppression list. Mail clients POST `List-Unsubscribe=One-Click` here (RFC 8058); the page's button does the same. Answers an HTML page; an invalid link answers 404."),
		func(ctx context.Context, in *struct {
			Token   string `query:"token" maxLength:"600"`
			RawBody []byte
		}) (*Page, error) {
			lang := httpapi.LangFrom(ctx)
			say := unsubscribeText[lang]
			tenant, email, err := check(ctx, in.Token)
			if err != nil {
				return page(http.StatusNotFound, lang, say[0], say[5], ""), nil
			}
			if err := campaign.Suppress(ctx, d.Control.TableFor(tenant), email, "unsubscribe"); err != nil {
				return nil, err
			}
			return page(http.StatusOK, lang, say[3], fmt.Sprintf(say[4], email), ""), nil
		})
}
