package customersapi_test

import (
	"testing"

	"payvand.dev/functions/internal/apitest"
)

// TestCityAndAddressCityAreOneField: a customer sent back as it was read
// with either city changed keeps both equal (and is found by its new
// city); both changed to different cities is refused, naming city.
func TestCityAndAddressCityAreOneField(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, e *apitest.Env) {
		tok := e.CEO("alpha")
		id := create(t, e, tok, map[string]any{"name": "Zagros", "city": "Tehran", "address": map[string]any{"street": "Valiasr"}})["id"].(string)
		cities := func(c map[string]any) (string, string) {
			return c["city"].(string), c["address"].(map[string]any)["city"].(string)
		}
		// put sends the customer as read, edited by change.
		put := func(change func(c map[string]any)) func() *apitest.Response {
			return func() *apitest.Response {
				c := e.Do("GET", "/api/customers/"+id, tok, nil).Want(t, 200).Data()
				change(c)
				return e.Do("PUT", "/api/customers/"+id, tok, c)
			}
		}
		for _, step := range []struct {
			name string
			send func() *apitest.Response
			want string
		}{
			{"city edited", put(func(c map[string]any) { c["city"] = "Shiraz" }), "Shiraz"},
			{"address.city edited", put(func(c map[string]any) { c["address"].(map[string]any)["city"] = "Tabriz" }), "Tabriz"},
			{"both edited alike", put(func(c map[string]any) { c["city"], c["address"].(map[string]any)["city"] = "Yazd", "Yazd" }), "Yazd"},
			{"address as a string", put(func(c map[string]any) { c["address"] = "Kish, Sadaf St." }), "Yazd"},
			{"city alone", func() *apitest.Response {
				return e.Do("PUT", "/api/customers/"+id, tok, map[string]any{"city": "Rasht"})
			}, "Rasht"},
		} {
			got := step.send().Want(t, 200).Data()
			if city, addr := cities(got); city != step.want || addr != step.want {
				t.Fatalf("%s: answered city %q, address.city %q; want %q", step.name, city, addr, step.want)
			}
			if city, addr := cities(e.Do("GET", "/api/customers/"+id, tok, nil).Want(t, 200).Data()); city != step.want || addr != step.want {
				t.Fatalf("%s: stored city %q, address.city %q; want %q", step.name, city, addr, step.want)
			}
			if l := e.Do("GET", "/api/customers?city="+step.want, tok, nil).Want(t, 200).List(); len(l) != 1 {
				t.Fatalf("%s: the city filter finds %d", step.name, len(l))
			}
		}
		r := put(func(c map[string]any) { c["city"], c["address"].(map[string]any)["city"] = "Qom", "Kerman" })().Want(t, 422)
		if errs, _ := r.JSON["errors"].(map[string]any); errs["city"] == nil {
			t.Fatalf("conflict: %s", r.Raw)
		}
		if city, _ := cities(e.Do("GET", "/api/customers/"+id, tok, nil).Data()); city != "Rasht" {
			t.Fatalf("a refused change changed the city to %q", city)
		}
		e.Do("POST", "/api/customers", tok, map[string]any{"name": "Two cities", "city": "Qom", "address": map[string]any{"city": "Kerman"}}).Want(t, 422)
		c := create(t, e, tok, map[string]any{"name": "Address only", "address": map[string]any{"city": "Ahvaz"}})
		if city, addr := cities(c); city != "Ahvaz" || addr != "Ahvaz" {
			t.Fatalf("created with address.city: %q, %q", city, addr)
		}
	})
}
