package salesapi_test

import (
	"fmt"
	"testing"
	"time"

	"payvand.dev/functions/api/salesapi"
	"payvand.dev/functions/internal/apitest"
	"payvand.dev/shared/testkit/moto"
)

func TestMain(m *testing.M) { moto.Main(m) }

// clock moves the sales service's time in tests.
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }

func useClock(t *testing.T) *clock {
	c := &clock{t: time.Now().UTC()}
	salesapi.Now = c.now
	t.Cleanup(func() { salesapi.Now = nil })
	return c
}

func stageIDs(p map[string]any) map[string]string {
	out := map[string]string{}
	for _, s := range p["stages"].([]any) {
		st := s.(map[string]any)
		out[st["name"].(string)] = st["id"].(string)
	}
	return out
}

func stageOf(p map[string]any, name string) map[string]any {
	for _, s := range p["stages"].([]any) {
		if st := s.(map[string]any); st["name"] == name {
			return st
		}
	}
	return nil
}

// TestDealsThroughThePipeline: the default pipeline, deals in both seeds'
// words, a deal moved through three stages with days spent, won with its
// actual value, an unknown stage refused with nothing moved, counters on
// the pipeline, and the customer's views.
func TestDealsThroughThePipeline(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, e *apitest.Env) {
		clk := useClock(t)
		tok := e.CEO("alpha")
		pls := e.Do("GET", "/api/pipelines", tok, nil).Want(t, 200).List()
		if len(pls) != 1 || pls[0]["is_default"] != true || len(pls[0]["stages"].([]any)) != 6 {
			t.Fatalf("default pipeline: %v", pls)
		}
		def := pls[0]
		ids := stageIDs(def)
		for i, n := range []string{"Lead", "Qualified", "Proposal", "Negotiation", "Won", "Lost"} {
			st := stageOf(def, n)
			if st == nil || st["position"] != float64(i+1) || st["name_fa"] == "" || st["color"] == "" {
				t.Fatalf("stage %s: %v", n, st)
			}
		}
		if p := stageOf(e.Do("GET", "/api/pipelines", tok, nil, "Accept-Language: fa").Want(t, 200).List()[0], "مذاکره"); p == nil || p["probability"] != float64(75) {
			t.Fatalf("Persian stage names: %v", p)
		}
		cust := e.Do("POST", "/api/customers", tok, map[string]any{"name": "Damavand Co", "type": "B2B"}).Want(t, 201).Data()["id"].(string)
		contact := e.Do("POST", "/api/contacts", tok, map[string]any{"name": "Sara Ahmadi", "customer_id": cust}).Want(t, 201).Data()["id"].(string)

		// Rabin: title, customer_id, stage by name, end_date.
		rabin := e.Do("POST", "/api/tenant/deals", tok, map[string]any{"title": "ERP licence", "customer_id": cust, "stage": "qualified",
			"end_date": "2026-12-20", "value": 1500000}).Want(t, 201).Data()
		if rabin["name"] != "ERP licence" || rabin["stage_id"] != ids["Qualified"] || rabin["probability"] != float64(25) ||
			rabin["expected_close_date"] != "2026-12-20" || rabin["company_id"] != cust || rabin["owner"].(map[string]any)["name"] != "alpha CEO" || rabin["currency"] != "IRR" || rabin["end_date_jalali"] != "1405/09/29" {
			t.Fatalf("rabin deal: %v", rabin)
		}
		// IshYar: name, company_id, pipeline_id + stage_id, expected_close_date, contacts.
		ish := e.Do("POST", "/api/deals", tok, map[string]any{"name": "Support plan", "company_id": cust, "pipeline_id": def["id"],
			"stage_id": ids["Lead"], "expected_close_date": "2026-11-01", "value": 250.10, "currency": "USD",
			"contacts": []map[string]any{{"contact_id": contact, "role": "primary"}}}).Want(t, 201).Data()
		if ish["title"] != "Support plan" || ish["customer_id"] != cust || ish["value"] != 250.1 || ish["end_date"] != "2026-11-01" ||
			ish["contacts"].([]any)[0].(map[string]any)["name"] != "Sara Ahmadi" || ish["stage"].(map[string]any)["position"] != float64(1) {
			t.Fatalf("ishyar deal: %v", ish)
		}
		if c := e.Do("GET", "/api/contacts/"+contact, tok, nil).Want(t, 200).Data(); c["deals_count"] != float64(1) {
			t.Fatalf("contact deals_count: %v", c["deals_count"])
		}
		// No stage: the default pipeline's first stage.
		bare := e.Do("POST", "/api/deals", tok, map[string]any{"title": "Walk-in", "value": 100}).Want(t, 201).Data()
		if bare["stage_id"] != ids["Lead"] || bare["probability"] != float64(10) || bare["pipeline_id"] != def["id"] {
			t.Fatalf("bare deal: %v", bare)
		}
		id := rabin["id"].(string)

		// Three moves, days apart.
		for i, st := range []struct {
			stage string
			days  int
		}{{"Proposal", 3}, {"Negotiation", 5}, {"Won", 2}} {
			clk.advance(time.Duration(st.days) * 24 * time.Hour)
			body := map[string]any{"stage_id": ids[st.stage], "reason": fmt.Sprintf("step %d", i)}
			if i == 1 {
				body = map[string]any{"stage": "negotiation", "reason": "step 1"} // Rabin: by name
			}
			e.Do("PATCH", "/api/deals/"+id+"/stage", tok, body).Want(t, 200)
		}
		before := e.Do("GET", "/api/deals/"+id, tok, nil).Want(t, 200).Data()
		// An unknown stage, and a stage of another pipeline: 422, nothing moves.
		other := e.Do("POST", "/api/pipelines", tok, map[string]any{"name": "Partners", "stages": []map[string]any{{"name": "Intro", "probability": 20}, {"name": "Signed", "probability": 90}}}).Want(t, 201).Data()
		for _, body := range []map[string]any{{"stage": "nowhere"}, {"stage_id": stageIDs(other)["Intro"]}, {}} {
			r := e.Do("PATCH", "/api/deals/"+id+"/stage", tok, body).Want(t, 422)
			if r.JSON["errors"] == nil {
				t.Fatalf("no field named: %s", r.Raw)
			}
		}
		after := e.Do("GET", "/api/deals/"+id, tok, nil).Want(t, 200).Data()
		if after["stage_id"] != before["stage_id"] || after["version"] != before["version"] || len(after["history"].([]any)) != 4 {
			t.Fatalf("refused move changed the deal: %v → %v", before["stage_id"], after["stage_id"])
		}
		var moves []map[string]any
		for _, h := range after["history"].([]any) {
			if h := h.(map[string]any); h["type"] == "stage" {
				moves = append(moves, h)
			}
		}
		if len(moves) != 3 {
			t.Fatalf("history: %v", after["history"])
		}
		for i, want := range []struct {
			from, to string
			days     float64
		}{{"Qualified", "Proposal", 3}, {"Proposal", "Negotiation", 5}, {"Negotiation", "Won", 2}} {
			h := moves[i]
			if h["from_stage"] != want.from || h["to_stage"] != want.to || h["days_spent"] != want.days || h["changed_at_jalali"] == "" || h["reason"] == "" {
				t.Errorf("move %d: %v, want %v", i, h, want)
			}
		}
		if after["customer"].(map[string]any)["name"] != "Damavand Co" {
			t.Errorf("detail customer: %v", after["customer"])
		}

		// Won with its actual value.
		clk.advance(24 * time.Hour)
		won := e.Do("PATCH", "/api/deals/"+id+"/status", tok, map[string]any{"status": "WON", "won_reason": "Competitive pricing", "actual_value": 1600000, "close_date": "2026-12-01"}).Want(t, 200).Data()
		if won["status"] != "won" || won["actual_value"] != float64(1600000) || won["won_reason"] != "Competitive pricing" || won["close_date"] != "2026-12-01" || won["probability"] != float64(100) {
			t.Fatalf("won: %v", won)
		}
		if h := e.Do("GET", "/api/deals/"+id, tok, nil).Want(t, 200).Data()["history"].([]any); len(h) != 5 || h[4].(map[string]any)["to_status"] != "won" {
			t.Fatalf("status not in history: %v", h)
		}
		e.Do("PATCH", "/api/deals/"+id+"/status", tok, map[string]any{"status": "maybe"}).Want(t, 422)
		// Won again only corrects the details: no second history entry.
		if again := e.Do("PATCH", "/api/deals/"+id+"/status", tok, map[string]any{"status": "won", "actual_value": 1650000}).Want(t, 200).Data(); again["actual_value"] != float64(1650000) || again["won_reason"] != "Competitive pricing" || again["close_date"] != "2026-12-01" {
			t.Fatalf("won again: %v", again)
		}
		if h := e.Do("GET", "/api/deals/"+id, tok, nil).Want(t, 200).Data()["history"].([]any); len(h) != 5 {
			t.Fatalf("won again added history: %d entries", len(h))
		}

		// The pipeline's counters follow the deals.
		def = e.Do("GET", "/api/pipelines/"+def["id"].(string), tok, nil).Want(t, 200).Data()
		if st := stageOf(def, "Won"); st["deals_count"] != float64(1) || st["deals_value"] != float64(1500000) {
			t.Errorf("won stage: %v", st)
		}
		if st := stageOf(def, "Lead"); st["deals_count"] != float64(2) || st["deals_value"] != float64(100) || st["deals_value_by_currency"].(map[string]any)["USD"] != 250.1 {
			t.Errorf("lead stage: %v", st)
		}
		if st := stageOf(def, "Qualified"); st["deals_count"] != float64(0) {
			t.Errorf("qualified stage: %v", st)
		}
		if def["total_deals"] != float64(3) || def["total_value"] != float64(1500100) {
			t.Errorf("totals: %v %v", def["total_deals"], def["total_value"])
		}

		// Filters in both syntaxes, sort.
		list := func(q string) []map[string]any { return e.Do("GET", "/api/deals?"+q, tok, nil).Want(t, 200).List() }
		if l := list("status=won"); len(l) != 1 || l[0]["id"] != id {
			t.Errorf("status=won: %v", l)
		}
		if l := list("filter[stage_id]=" + ids["Lead"]); len(l) != 2 {
			t.Errorf("stage_id: %d", len(l))
		}
		if l := list("stage=lead&sort=-value"); len(l) != 2 || l[0]["title"] != "Support plan" {
			t.Errorf("stage by name sorted by value: %v", l)
		}
		if l := list("filter[close_from]=2026-11-15&filter[close_to]=2026-12-31"); len(l) != 1 || l[0]["id"] != id {
			t.Errorf("close range: %d", len(l))
		}
		if l := list("value_min=200&value_max=300"); len(l) != 1 || l[0]["title"] != "Support plan" {
			t.Errorf("value range: %v", l)
		}
		if l := list("customer_id=" + cust + "&sort=expected_close_date"); len(l) != 2 || l[0]["title"] != "Support plan" {
			t.Errorf("customer: %v", l)
		}
		if l := list("search=erp"); len(l) != 1 || l[0]["id"] != id {
			t.Errorf("search: %v", l)
		}
		e.Do("GET", "/api/deals?status=nope", tok, nil).Want(t, 422)
		e.Do("GET", "/api/deals?sort=title", tok, nil).Want(t, 422)

		// The customer's detail lists its deals (one read), and its pipeline views.
		cd := e.Do("GET", "/api/customers/"+cust, tok, nil).Want(t, 200).Data()
		if deals := cd["deals"].([]any); len(deals) != 2 {
			t.Fatalf("customer deals: %v", deals)
		}
		if l := e.LastRequestLog(); l["store_reads"] != float64(1) {
			t.Errorf("customer detail: %v reads", l["store_reads"])
		}
		cp := e.Do("GET", "/api/customers/"+cust+"/pipeline", tok, nil).Want(t, 200).Data()
		if cp["current_stage"].(map[string]any)["name"] != "Lead" || len(cp["stages"].([]any)) != 6 || len(cp["deals"].([]any)) != 2 {
			t.Errorf("customer pipeline: %v", cp)
		}
		ss := e.Do("GET", "/api/customers/"+cust+"/sales-stage", tok, nil).Want(t, 200).Data()
		// One open deal: 250.10 USD × 10 % = 25.01.
		if f := ss["forecast"].(map[string]any); f["weighted_value"].(map[string]any)["USD"] != 25.01 || f["open_deals"] != float64(1) {
			t.Errorf("forecast: %v", f)
		}
		e.Do("POST", "/api/customers/"+cust+"/deals", tok, map[string]any{"title": "Extra seats", "value": 10, "stage": "Proposal"}).Want(t, 201)
		if l := e.Do("GET", "/api/customers/"+cust+"/deals", tok, nil).Want(t, 200).List(); len(l) != 3 {
			t.Errorf("customer deals list: %d", len(l))
		}

		// Update in both seeds' names; the stage change is history.
		up := e.Do("PUT", "/api/deals/"+ish["id"].(string), tok, map[string]any{"title": "Support plan 2y", "value": 500, "stage": "Qualified", "probability": 40}).Want(t, 200).Data()
		if up["name"] != "Support plan 2y" || up["stage_name"] != "Qualified" || up["probability"] != float64(40) || up["value"] != float64(500) {
			t.Fatalf("update: %v", up)
		}
		e.Do("PUT", "/api/deals/"+ish["id"].(string), tok, map[string]any{"stage": "Signed"}).Want(t, 422)
		e.Do("DELETE", "/api/deals/"+bare["id"].(string), tok, nil).Want(t, 200)
		e.Do("GET", "/api/deals/"+bare["id"].(string), tok, nil).Want(t, 404)
		def = e.Do("GET", "/api/pipelines/"+def["id"].(string), tok, nil).Want(t, 200).Data()
		if st := stageOf(def, "Lead"); st["deals_count"] != float64(0) {
			t.Errorf("lead after delete and move: %v", st)
		}
		if st := stageOf(def, "Qualified"); st["deals_count"] != float64(1) || st["deals_value_by_currency"].(map[string]any)["USD"] != float64(500) {
			t.Errorf("qualified after update: %v", st)
		}
	})
}

// TestPipelineStages: stages added, changed, reordered (a permutation or
// 422) and deleted (409 while they hold deals, unless move_to).
func TestPipelineStages(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, e *apitest.Env) {
		tok := e.CEO("alpha")
		def := e.Do("GET", "/api/pipelines", tok, nil).Want(t, 200).List()[0]
		p := e.Do("POST", "/api/pipelines", tok, map[string]any{"name": "Renewals", "currency": "usd"}).Want(t, 201).Data()
		pid := p["id"].(string)
		if p["currency"] != "USD" || len(p["stages"].([]any)) != 0 {
			t.Fatalf("created: %v", p)
		}
		for _, n := range []string{"Due", "Contacted", "Renewed"} {
			p = e.Do("POST", "/api/pipelines/"+pid+"/stages", tok, map[string]any{"name": n, "probability": 50}).Want(t, 201).Data()
		}
		ids := stageIDs(p)
		p = e.Do("PUT", "/api/pipelines/"+pid+"/stages/"+ids["Contacted"], tok, map[string]any{"name": "Called", "color": "#000"}).Want(t, 200).Data()
		if stageOf(p, "Called")["position"] != float64(2) {
			t.Fatalf("rename: %v", p)
		}
		for _, order := range [][]string{{ids["Due"], ids["Renewed"]}, {ids["Due"], ids["Due"], ids["Renewed"]}, {ids["Due"], ids["Contacted"], stageIDs(def)["Lead"]}} {
			r := e.Do("PUT", "/api/pipelines/"+pid+"/stages/reorder", tok, map[string]any{"order": order}).Want(t, 422)
			if r.JSON["errors"].(map[string]any)["order"] == nil {
				t.Fatalf("reorder error names: %s", r.Raw)
			}
		}
		p = e.Do("PUT", "/api/pipelines/"+pid+"/stages/reorder", tok, map[string]any{"order": []string{ids["Renewed"], ids["Due"], ids["Contacted"]}}).Want(t, 200).Data()
		if s := p["stages"].([]any); s[0].(map[string]any)["name"] != "Renewed" || s[2].(map[string]any)["position"] != float64(3) {
			t.Fatalf("reordered: %v", s)
		}
		d := e.Do("POST", "/api/deals", tok, map[string]any{"title": "Renew Acme", "pipeline_id": pid, "stage_id": ids["Due"], "value": 12.5}).Want(t, 201).Data()
		if d["currency"] != "USD" || d["probability"] != float64(50) {
			t.Fatalf("deal in renewals: %v", d)
		}
		e.Do("DELETE", "/api/pipelines/"+pid+"/stages/"+ids["Due"], tok, nil).Want(t, 409)
		e.Do("DELETE", "/api/pipelines/"+pid+"/stages/"+ids["Due"]+"?move_to="+ids["Due"], tok, nil).Want(t, 422)
		e.Do("DELETE", "/api/pipelines/"+pid+"/stages/"+ids["Due"]+"?move_to="+ids["Contacted"], tok, nil).Want(t, 200)
		p = e.Do("GET", "/api/pipelines/"+pid, tok, nil).Want(t, 200).Data()
		if len(p["stages"].([]any)) != 2 || stageOf(p, "Called")["deals_count"] != float64(1) || stageOf(p, "Called")["deals_value"] != 12.5 {
			t.Fatalf("after stage delete: %v", p)
		}
		if h := e.Do("GET", "/api/deals/"+d["id"].(string), tok, nil).Want(t, 200).Data(); h["stage_name"] != "Called" || len(h["history"].([]any)) != 2 {
			t.Fatalf("moved deal: %v", h)
		}
		// The pipeline holds a deal: 409, unless move_to names a stage of another pipeline.
		e.Do("DELETE", "/api/pipelines/"+pid, tok, nil).Want(t, 409)
		e.Do("DELETE", "/api/pipelines/"+pid+"?move_to="+ids["Renewed"], tok, nil).Want(t, 422)
		e.Do("DELETE", "/api/pipelines/"+pid+"?move_to="+stageIDs(def)["Proposal"], tok, nil).Want(t, 200)
		e.Do("GET", "/api/pipelines/"+pid, tok, nil).Want(t, 404)
		def = e.Do("GET", "/api/pipelines/"+def["id"].(string), tok, nil).Want(t, 200).Data()
		if st := stageOf(def, "Proposal"); st["deals_count"] != float64(1) || st["deals_value_by_currency"].(map[string]any)["USD"] != 12.5 {
			t.Fatalf("moved to the default pipeline: %v", st)
		}
		e.Do("DELETE", "/api/pipelines/"+def["id"].(string), tok, nil).Want(t, 409)
		e.Do("PUT", "/api/pipelines/"+def["id"].(string), tok, map[string]any{"name": "Main", "version": 999}).Want(t, 409)
		if u := e.Do("PUT", "/api/pipelines/"+def["id"].(string), tok, map[string]any{"name": "Main"}).Want(t, 200).Data(); u["name"] != "Main" || stageOf(u, "Proposal")["deals_count"] != float64(1) {
			t.Fatalf("rename kept counters? %v", u)
		}
	})
}
