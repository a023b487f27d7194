package main

import (
	"context"
	"encoding/json"
	"os"
	"testing"

	awsevents "github.com/aws/aws-lambda-go/events"

	"payvand.dev/functions/internal/apitest"
	"payvand.dev/shared/testkit/moto"
)

func TestMain(m *testing.M) { moto.Main(m) }

// sample reads an SES event as EventBridge delivers it (testdata, from
// the shapes in the SES developer guide), optionally edited.
func sample(t *testing.T, name string, edit func(detail map[string]any)) awsevents.CloudWatchEvent {
	t.Helper()
	raw, err := os.ReadFile("testdata/" + name + ".json")
	if err != nil {
		t.Fatal(err)
	}
	var e awsevents.CloudWatchEvent
	if err := json.Unmarshal(raw, &e); err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		var d map[string]any
		json.Unmarshal(e.Detail, &d)
		edit(d)
		e.Detail, _ = json.Marshal(d)
	}
	return e
}

func suppressions(e *apitest.Env, tenant string) map[string]string {
	out := map[string]string{}
	for _, s := range e.Do("GET", "/api/email/suppressions", e.CEO(tenant), nil).Want(e.T, 200).List() {
		out[s["email"].(string)], _ = s["reason"].(string)
	}
	return out
}

func TestBouncesAndComplaintsSuppressTheAddressInItsTenantOnly(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, e *apitest.Env) {
		h := Handler{Control: e.Deps.Control}
		ctx := context.Background()
		before := map[string]map[string]string{"alpha": suppressions(e, "alpha"), "beta": suppressions(e, "beta")}
		for _, name := range []string{"bounce-permanent", "bounce-transient", "complaint", "bounce-permanent"} { // the last: a redelivery
			if err := h.Handle(ctx, sample(t, name, nil)); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
		}
		alpha, beta := suppressions(e, "alpha"), suppressions(e, "beta")
		if alpha["gone.customer@example.com"] != "bounce" || len(alpha) != len(before["alpha"])+1 {
			t.Errorf("alpha suppresses %v; want the permanently bounced address (once), not the transient one", alpha)
		}
		if _, ok := alpha["full.mailbox@example.com"]; ok {
			t.Error("a transient bounce suppressed its address")
		}
		if beta["annoyed@example.net"] != "complaint" || len(beta) != len(before["beta"])+1 {
			t.Errorf("beta suppresses %v; want the complaint's address", beta)
		}
		if _, ok := alpha["annoyed@example.net"]; ok {
			t.Error("beta's complaint reached alpha's list")
		}
		if _, ok := beta["gone.customer@example.com"]; ok {
			t.Error("alpha's bounce reached beta's list")
		}
	})
}

func TestFeedbackForNoKnownTenantSucceedsAndChangesNothing(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, e *apitest.Env) {
		h := Handler{Control: e.Deps.Control}
		before := len(suppressions(e, "alpha"))
		cases := map[string]func(d map[string]any){
			"unknown tenant": func(d map[string]any) { d["mail"].(map[string]any)["tags"].(map[string]any)["tenant"] = []any{"ghost"} },
			"no tenant tag":  func(d map[string]any) { delete(d["mail"].(map[string]any)["tags"].(map[string]any), "tenant") },
			"invalid key": func(d map[string]any) {
				d["mail"].(map[string]any)["tags"].(map[string]any)["tenant"] = []any{"../alpha"}
			},
			"not feedback": func(d map[string]any) { d["eventType"] = "Delivery" },
		}
		for name, edit := range cases {
			if err := h.Handle(context.Background(), sample(t, "bounce-permanent", edit)); err != nil {
				t.Errorf("%s: %v (EventBridge would retry an event that cannot get better)", name, err)
			}
		}
		if got := suppressions(e, "alpha"); len(got) != before {
			t.Errorf("alpha's list changed: %v", got)
		}
	})
}
