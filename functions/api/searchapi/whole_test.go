package searchapi_test

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"testing"

	"payvand.dev/functions/internal/apitest"
)

// TestSearchFindsWholeEmailsPhonesAndCodes: an email with hyphens and
// digits, a phone number and a code like "2isqy6-200" are found whole and
// by prefix on the customers list, the contacts list and global search
// (imported contacts too), and words with digits are no phone number.
func TestSearchFindsWholeEmailsPhonesAndCodes(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, e *apitest.Env) {
		tok := e.CEO("alpha")
		for _, p := range []struct{ name, email string }{
			{"Kaveh One", "acc-1-k1-1@example.test"}, {"Kaveh Twelve", "acc-1-k1-12@example.test"}, {"Bita", "bita.5000@example.test"},
		} {
			e.Do("POST", "/api/customers", tok, map[string]any{"name": p.name, "email": p.email}).Want(t, 201)
			e.Do("POST", "/api/contacts", tok, map[string]any{"name": p.name, "email": p.email}).Want(t, 201)
		}
		e.Do("POST", "/api/customers", tok, map[string]any{"name": "Order 2isqy6-200", "phone": "+98 912 555 0101"}).Want(t, 201)
		importContacts(t, e, tok, "name,email\nImported Nine,acc-2-k7-31@example.test\n")

		names := func(path string) []string {
			var out []string
			for _, r := range e.Do("GET", path, tok, nil).Want(t, 200).List() {
				out = append(out, r["name"].(string))
			}
			slices.Sort(out)
			return out
		}
		global := func(q string) (customers, contacts []string) {
			d := e.Do("GET", "/api/search?q="+url.QueryEscape(q), tok, nil).Want(t, 200).Data()
			for _, group := range []struct {
				key string
				out *[]string
			}{{"customers", &customers}, {"contacts", &contacts}} {
				for _, r := range d[group.key].([]any) {
					*group.out = append(*group.out, r.(map[string]any)["name"].(string))
				}
				slices.Sort(*group.out)
			}
			return customers, contacts
		}
		for _, c := range []struct {
			q                   string
			customers, contacts []string
		}{
			{"acc-1-k1-12@example.test", []string{"Kaveh Twelve"}, []string{"Kaveh Twelve"}},
			{"acc-1-k1-1@example.test", []string{"Kaveh One"}, []string{"Kaveh One"}},
			{"ACC-1-K1-1", []string{"Kaveh One", "Kaveh Twelve"}, []string{"Kaveh One", "Kaveh Twelve"}},
			{"acc-1-k1-12@exam", []string{"Kaveh Twelve"}, []string{"Kaveh Twelve"}},
			{"acc-2-k7-31@example.test", nil, []string{"Imported Nine"}},
			{"xrdbta-5000", nil, nil},
			{"2isqy6-200", []string{"Order 2isqy6-200"}, nil},
			{"+989125550101", []string{"Order 2isqy6-200"}, nil},
			{"0912 555 01", []string{"Order 2isqy6-200"}, nil},
		} {
			q := url.QueryEscape(c.q)
			if got := names("/api/customers?search=" + q); !slices.Equal(got, c.customers) {
				t.Errorf("customers ?search=%s: %v, want %v", c.q, got, c.customers)
			}
			if got := names("/api/contacts?search=" + q); !slices.Equal(got, c.contacts) {
				t.Errorf("contacts ?search=%s: %v, want %v", c.q, got, c.contacts)
			}
			if cu, co := global(c.q); !slices.Equal(cu, c.customers) || !slices.Equal(co, c.contacts) {
				t.Errorf("global search %s: customers %v, contacts %v; want %v, %v", c.q, cu, co, c.customers, c.contacts)
			}
		}
	})
}

func importContacts(t *testing.T, e *apitest.Env, tok, csv string) {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	part, _ := w.CreateFormFile("file", "contacts.csv")
	part.Write([]byte(csv))
	w.Close()
	req, _ := http.NewRequest("POST", e.Server.URL+"/api/import/contacts", &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if raw, _ := io.ReadAll(resp.Body); resp.StatusCode != 200 {
		t.Fatalf("import: %d %s", resp.StatusCode, raw)
	}
}
