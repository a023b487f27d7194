package feedbackapi_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"payvand.dev/functions/internal/apitest"
)

func ans(pairs ...any) []map[string]any {
	var out []map[string]any
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, map[string]any{"question_id": pairs[i], "value": pairs[i+1]})
	}
	return out
}

// TestFeedbackForms: a form with its links; answers are checked against
// the questions; ratings 5, 4 and 2 average 3.67; a recipient's link
// takes one submission; the response rate counts recipients who answered.
func TestFeedbackForms(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, e *apitest.Env) {
		ceo := e.CEO("alpha")
		c := e.Do("POST", "/api/feedback/forms", ceo, map[string]any{
			"title": "After-sale survey", "description": "how did we do?",
			"questions": []map[string]any{
				{"id": "service", "type": "rating", "text": "How was our service?", "required": true, "min": 1, "max": 5},
				{"id": "channel", "type": "single_choice", "text": "How did you find us?", "options": []string{"web", "friend", "ad"}},
				{"id": "likes", "type": "multiple_choice", "text": "What did you like?", "options": []string{"price", "speed", "support"}},
				{"id": "comment", "type": "text", "text": "Anything else?"},
			},
			"recipients": []any{"a@example.com", map[string]any{"email": "b@example.com", "name": "Bahar"}, "c@example.com"},
		}).Want(t, 201).Data()
		form := c["form"].(map[string]any)
		id := form["id"].(string)
		tok := c["token"].(string)
		recips := form["recipients"].([]any)
		if len(recips) != 3 || recips[0].(map[string]any)["token"] == "" || form["created_at_jalali"] == "" {
			t.Fatalf("form %v", form)
		}
		rtok := func(i int) string { return recips[i].(map[string]any)["token"].(string) }

		e.Do("POST", "/api/feedback/forms", ceo, map[string]any{"title": "x", "questions": []map[string]any{{"type": "rating", "text": "q", "min": 5, "max": 1}}}).Want(t, 422)
		e.Do("POST", "/api/feedback/forms", ceo, map[string]any{"title": "x", "questions": []map[string]any{{"type": "single_choice", "text": "q", "options": []string{"one"}}}}).Want(t, 422)
		e.Do("POST", "/api/feedback/forms", ceo, map[string]any{"title": "x", "questions": []map[string]any{}}).Want(t, 422)

		pub := e.Do("GET", "/api/feedback/form/"+tok, "", nil).Want(t, 200).Data()
		if pub["form"].(map[string]any)["title"] != "After-sale survey" || len(pub["questions"].([]any)) != 4 {
			t.Fatalf("public form %v", pub)
		}
		e.Do("GET", "/api/feedback/form/"+rtok(0), "", nil).Want(t, 200)
		for _, bad := range []string{tok[:len(tok)-2] + "xx", "beta" + tok[strings.IndexByte(tok, '.'):], "nonsense"} {
			e.Do("GET", "/api/feedback/form/"+bad, "", nil).Want(t, 404)
			e.Do("POST", "/api/feedback/submit", "", map[string]any{"token": bad, "answers": ans("service", 5)}).Want(t, 404)
		}

		// Validation against the questions.
		r := e.Do("POST", "/api/feedback/submit", "", map[string]any{"token": tok, "answers": ans("service", 6)}).Want(t, 422)
		if !strings.Contains(string(r.Raw), "answers.service") || !strings.Contains(string(r.Raw), "How was our service?") {
			t.Errorf("out of range: %s", r.Raw)
		}
		e.Do("POST", "/api/feedback/submit", "", map[string]any{"token": tok, "answers": ans("service", 4.5)}).Want(t, 422)
		if r := e.Do("POST", "/api/feedback/submit", "", map[string]any{"token": tok, "answers": ans("comment", "hi")}).Want(t, 422); !strings.Contains(string(r.Raw), "answers.service") {
			t.Errorf("required: %s", r.Raw)
		}
		e.Do("POST", "/api/feedback/submit", "", map[string]any{"token": tok, "answers": ans("service", 3, "channel", "tv")}).Want(t, 422)
		e.Do("POST", "/api/feedback/submit", "", map[string]any{"token": tok, "answers": ans("service", 3, "likes", []string{"price", "tv"})}).Want(t, 422)
		e.Do("POST", "/api/feedback/submit", "", map[string]any{"token": tok, "answers": ans("service", 3, "nope", 1)}).Want(t, 422)

		// Three submissions: 5, 4, 2 (two of them by recipients).
		e.Do("POST", "/api/feedback/submit", "", map[string]any{"token": rtok(0), "answers": ans("service", 5, "channel", "web", "likes", []string{"price", "speed"}, "comment", "خیلی عالی بود، ممنون")}).Want(t, 201)
		apitest.WantJalaliTwins(t, e.Do("POST", "/api/feedback/submit", "", map[string]any{"token": rtok(1), "answers": ans("service", "4", "channel", "friend", "comment", "good support but slow delivery, bad packaging")}).Want(t, 201).Raw)
		e.Do("POST", "/api/feedback/submit", "", map[string]any{"token": tok, "responses": map[string]any{"service": 2, "likes": []string{"speed"}, "comment": "it was not good"}}).Want(t, 201)
		// A recipient's link takes one submission.
		e.Do("POST", "/api/feedback/submit", "", map[string]any{"token": rtok(0), "answers": ans("service", 1)}).Want(t, 409)

		a := e.Do("GET", "/api/feedback/analyze?form_id="+id, ceo, nil).Want(t, 200).Data()
		q := a["questions"].([]any)[0].(map[string]any)
		if a["total_responses"] != float64(3) || q["average"] != 3.67 || q["responses"] != float64(3) {
			t.Errorf("analysis: %v / %v", a["total_responses"], q)
		}
		if d := q["distribution"].(map[string]any); d["5"] != float64(1) || d["4"] != float64(1) || d["2"] != float64(1) || d["1"] != float64(0) {
			t.Errorf("distribution %v", d)
		}
		if a["response_rate"] != 66.67 || a["csat"] != 66.67 {
			t.Errorf("response rate %v csat %v", a["response_rate"], a["csat"])
		}
		if d := a["questions"].([]any)[2].(map[string]any)["distribution"].(map[string]any); d["speed"] != float64(2) || d["price"] != float64(1) || d["support"] != float64(0) {
			t.Errorf("multiple choice %v", d)
		}
		s := a["sentiment_analysis"].(map[string]any)
		if s["positive"] != float64(1) || s["negative"] != float64(2) || !strings.Contains(s["lexicon"].(string), "lexicon") {
			t.Errorf("sentiment %v", s)
		}

		for _, p := range []string{"/api/feedback/forms", "/api/feedback/forms/" + id, "/api/feedback", "/api/tenant/feedback"} {
			apitest.WantJalaliTwins(t, e.Do("GET", p, ceo, nil).Want(t, 200).Raw)
		}
		// The detail lists the submissions and who answered.
		d := e.Do("GET", "/api/feedback/forms/"+id, ceo, nil).Want(t, 200).Data()
		if subs := d["submissions"].([]any); len(subs) != 3 {
			t.Errorf("submissions %v", subs)
		}
		fr := d["form"].(map[string]any)["recipients"].([]any)
		if fr[0].(map[string]any)["responded"] != true || fr[2].(map[string]any)["responded"] != false || fr[0].(map[string]any)["token"] != nil {
			t.Errorf("recipients %v", fr)
		}
		if l := e.Do("GET", "/api/feedback/forms", ceo, nil).Want(t, 200).List(); len(l) != 1 || l[0]["token"] != nil {
			t.Errorf("forms %v", l)
		}
		if l := e.Do("GET", "/api/tenant/feedback", ceo, nil).Want(t, 200).List(); len(l) != 1 {
			t.Errorf("tenant forms %v", l)
		}

		// Feedback by hand, and the list of responses.
		cust := e.Do("POST", "/api/customers", ceo, map[string]any{"name": "Rabin"}).Want(t, 201).Data()["id"].(string)
		m := e.Do("POST", "/api/feedback", ceo, map[string]any{"form_id": id, "customer_id": cust, "responses": map[string]any{"service": 5}}).Want(t, 201).Data()
		if m["source"] != "manual" || m["customer_id"] != cust {
			t.Errorf("manual %v", m)
		}
		e.Do("POST", "/api/feedback", ceo, map[string]any{"form_id": "0190aaaa-0000-7000-8000-000000000000", "responses": map[string]any{"service": 5}}).Want(t, 422)
		if l := e.Do("GET", "/api/feedback?form_id="+id, ceo, nil).Want(t, 200); l.JSON["pagination"].(map[string]any)["total"] != float64(4) {
			t.Errorf("responses %s", l.Raw)
		}
		if l := e.Do("GET", "/api/feedback?filter[form_id]="+id+"&limit=1", ceo, nil).Want(t, 200).List(); len(l) != 1 || l[0]["source"] != "manual" {
			t.Errorf("newest response %v", l)
		}
		if l := e.Do("GET", "/api/feedback", ceo, nil).Want(t, 200).List(); len(l) != 4 {
			t.Errorf("all responses %d", len(l))
		}

		// Adding a recipient gives a new link; closing the form ends them all.
		u := e.Do("PUT", "/api/feedback/forms/"+id, ceo, map[string]any{"recipients": []any{"d@example.com", "a@example.com"}, "title": "Survey"}).Want(t, 200).Data()
		ur := u["recipients"].([]any)
		if len(ur) != 4 || ur[3].(map[string]any)["token"] == nil || ur[0].(map[string]any)["token"] != nil || u["title"] != "Survey" {
			t.Fatalf("update %v", u)
		}
		newTok := ur[3].(map[string]any)["token"].(string)
		e.Do("POST", "/api/feedback/submit", "", map[string]any{"token": newTok, "answers": ans("service", 4)}).Want(t, 201)
		if a := e.Do("GET", "/api/feedback/analyze?form_id="+id, ceo, nil).Want(t, 200).Data(); a["response_rate"] != float64(75) {
			t.Errorf("rate after adding: %v", a["response_rate"])
		}
		e.Do("PUT", "/api/feedback/forms/"+id, ceo, map[string]any{"status": "closed"}).Want(t, 200)
		e.Do("GET", "/api/feedback/form/"+tok, "", nil).Want(t, 404)
		e.Do("POST", "/api/feedback/submit", "", map[string]any{"token": rtok(2), "answers": ans("service", 4)}).Want(t, 404)
		e.Do("GET", "/api/feedback/analyze", ceo, nil).Want(t, 422)
		e.Do("GET", "/api/feedback/analyze?form_id=0190aaaa-0000-7000-8000-000000000000", ceo, nil).Want(t, 404)
	})
}

// TestNPSAndCSAT: a fixed data set against hand-computed figures.
// NPS answers 10 10 9 9 9 8 7 6 2 0: 5 promoters (50 %), 3 detractors
// (30 %): NPS 20. CSAT answers 5 5 4 4 3 3 2 1 5 4: six of ten are 4 or
// 5: CSAT 60 %, average 3.6.
func TestNPSAndCSAT(t *testing.T) {
	e := apitest.New(t)
	ceo := e.CEO("alpha")
	c := e.Do("POST", "/api/feedback/forms", ceo, map[string]any{"title": "NPS", "questions": []map[string]any{
		{"id": "nps", "type": "nps", "text": "Would you recommend us?", "required": true},
		{"id": "csat", "type": "rating", "text": "Satisfied?", "min": 1, "max": 5, "required": true},
	}}).Want(t, 201).Data()
	tok, id := c["token"].(string), c["form"].(map[string]any)["id"].(string)
	nps := []int{10, 10, 9, 9, 9, 8, 7, 6, 2, 0}
	csat := []int{5, 5, 4, 4, 3, 3, 2, 1, 5, 4}
	for i := range nps {
		e.Do("POST", "/api/feedback/submit", "", map[string]any{"token": tok, "answers": ans("nps", nps[i], "csat", csat[i])}).Want(t, 201)
	}
	e.Do("POST", "/api/feedback/submit", "", map[string]any{"token": tok, "answers": ans("nps", 11, "csat", 3)}).Want(t, 422)
	a := e.Do("GET", "/api/feedback/analyze?form_id="+id, ceo, nil).Want(t, 200).Data()
	q0 := a["questions"].([]any)[0].(map[string]any)
	q1 := a["questions"].([]any)[1].(map[string]any)
	if a["nps"] != float64(20) || q0["nps"] != float64(20) || q0["promoters"] != float64(5) || q0["detractors"] != float64(3) || q0["passives"] != float64(2) {
		t.Errorf("nps %v %v", a["nps"], q0)
	}
	if a["csat"] != float64(60) || q1["average"] != 3.6 || q0["average"] != 7.0 {
		t.Errorf("csat %v %v %v", a["csat"], q1["average"], q0["average"])
	}
	if a["response_rate"] != nil {
		t.Errorf("no recipients, yet a response rate %v", a["response_rate"])
	}
	if ins := fmt.Sprint(a["insights"]); !strings.Contains(ins, "NPS 20.00") {
		t.Errorf("insights %v", ins)
	}
}

// TestSubmitRateLimit: public submissions are limited per IP address.
func TestSubmitRateLimit(t *testing.T) {
	e := apitest.New(t)
	ceo := e.CEO("alpha")
	tok := e.Do("POST", "/api/feedback/forms", ceo, map[string]any{"title": "T", "questions": []map[string]any{{"type": "text", "text": "say"}}}).Want(t, 201).Data()["token"].(string)
	limited := false
	for i := 0; i < 45 && !limited; i++ {
		r := e.Do("POST", "/api/feedback/submit", "", map[string]any{"token": tok, "answers": ans("q1", "hello")})
		if r.Status == 429 {
			limited = true
		} else if r.Status != 201 {
			t.Fatalf("submit %d: %s", r.Status, r.Raw)
		}
	}
	if !limited {
		t.Error("45 submissions from one address in a minute were all taken")
	}
}

// TestFeedbackSend: each address gets its own link by e-mail; an address
// already a recipient gets none again; a link takes one submission.
func TestFeedbackSend(t *testing.T) {
	e := apitest.New(t)
	ceo := e.CEO("alpha")
	c := e.Do("POST", "/api/feedback/forms", ceo, map[string]any{"title": "Survey <1>", "recipients": []string{"old@example.com"},
		"questions": []map[string]any{{"id": "r", "type": "rating", "text": "Rate us", "required": true}}}).Want(t, 201).Data()
	id := c["form"].(map[string]any)["id"].(string)
	e.Do("POST", "/api/feedback/forms/send", ceo, map[string]any{"form_id": id, "recipients": []string{"nobody"}}).Want(t, 422)
	e.Do("POST", "/api/feedback/forms/send", ceo, map[string]any{"form_id": "0190aaaa-0000-7000-8000-000000000000", "recipients": []string{"a@example.com"}}).Want(t, 404)
	r := e.Do("POST", "/api/feedback/forms/send", ceo, map[string]any{"form_id": id, "recipients": []any{"a@example.com", map[string]any{"email": "b@example.com", "name": "B"}, "old@example.com"}}).Want(t, 200).Data()
	if r["sent"] != float64(2) {
		t.Fatalf("sent %v", r)
	}
	msgs, _, err := e.Deps.Outbox.List(context.Background(), 10, "")
	if err != nil {
		t.Fatal(err)
	}
	var links []string
	for _, m := range msgs {
		if m.Subject == "Survey <1>" {
			if strings.Contains(m.HTML, "<1>") {
				t.Errorf("title not escaped: %s", m.HTML)
			}
			i := strings.Index(m.Text, "/feedback/")
			links = append(links, strings.TrimSpace(m.Text[i+len("/feedback/"):]))
		}
	}
	if len(links) != 2 {
		t.Fatalf("links %v", links)
	}
	for _, tok := range links {
		e.Do("POST", "/api/feedback/submit", "", map[string]any{"token": tok, "answers": ans("r", 4)}).Want(t, 201)
		e.Do("POST", "/api/feedback/submit", "", map[string]any{"token": tok, "answers": ans("r", 4)}).Want(t, 409)
	}
	if a := e.Do("GET", "/api/feedback/analyze?form_id="+id, ceo, nil).Want(t, 200).Data(); a["response_rate"] != 66.67 || a["recipients"] != float64(3) {
		t.Errorf("analysis %v %v", a["response_rate"], a["recipients"])
	}
}
