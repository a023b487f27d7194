package salesapi_test

import (
	"testing"

	"payvand.dev/functions/internal/apitest"
)

// TestRoutesWorkRegisteredLazily: the Lambdas register each operation on
// its first request; neighbouring paths (stages/reorder beside
// stages/{stageId}, sales/analyze beside sales/{id}) still reach their own.
func TestRoutesWorkRegisteredLazily(t *testing.T) {
	e := apitest.New(t, apitest.WithLazyRoutes())
	tok := e.CEO("alpha")
	p := e.Do("GET", "/api/pipelines", tok, nil).Want(t, 200).List()[0]
	ids := stageIDs(p)
	pid := p["id"].(string)
	order := []string{ids["Lost"], ids["Won"], ids["Negotiation"], ids["Proposal"], ids["Qualified"], ids["Lead"]}
	if s := e.Do("PUT", "/api/pipelines/"+pid+"/stages/reorder", tok, map[string]any{"order": order}).Want(t, 200).Data()["stages"].([]any); s[0].(map[string]any)["name"] != "Lost" {
		t.Fatalf("reorder: %v", s)
	}
	e.Do("PUT", "/api/pipelines/"+pid+"/stages/"+ids["Lead"], tok, map[string]any{"color": "#111111"}).Want(t, 200)
	e.Do("GET", "/api/sales/analyze?period=year", tok, nil).Want(t, 200)
	e.Do("GET", "/api/sales/0190a0a0-0000-7000-8000-000000000000", tok, nil).Want(t, 404)
	e.Do("GET", "/api/reports/today", tok, nil).Want(t, 200)
}
