package ws_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/aws/smithy-go"

	"payvand.dev/functions/pusher"
	"payvand.dev/functions/ws"
	"payvand.dev/shared/auth"
	"payvand.dev/shared/outbox"
	"payvand.dev/shared/store"
	"payvand.dev/shared/store/embedded"
	"payvand.dev/shared/tenancy"
)

type gone struct{ posts }

func (g gone) Post(ctx context.Context, id string, data []byte) error {
	g.posts.Post(ctx, id, data)
	return &smithy.GenericAPIError{Code: "GoneException", Message: "gone"}
}

func TestPusherProtocolOnAPIGatewayAndFanOut(t *testing.T) {
	ctx := context.Background()
	db, _ := embedded.Open(t.TempDir())
	defer db.Close()
	db.CreateTable(ctx, "control")
	control := db.Table("control")
	tokens := auth.NewTokens([]byte("0123456789abcdef0123456789abcdef"))
	secret, _ := tokens.Derive("pusher")
	sent := posts{}
	h := &ws.Handler{Tokens: tokens, Control: control, Poster: sent, Authz: &pusher.Authorizer{Control: &tenancy.ControlPlane{DB: db, Table: control, TablePrefix: "t-"}},
		Key: "payvand", Secret: secret}

	// A Pusher client connects without a token.
	if r, _ := h.Handle(ctx, req("$connect", "c1", "", nil)); r.StatusCode != 200 {
		t.Fatalf("anonymous connect: %d", r.StatusCode)
	}
	if r, _ := h.Handle(ctx, req("$connect", "c0", "", map[string]string{"token": "forged"})); r.StatusCode != 401 {
		t.Fatalf("forged token: %d", r.StatusCode)
	}
	sub := func(conn, channel, sig string) {
		b, _ := json.Marshal(map[string]any{"event": "pusher:subscribe", "data": map[string]any{"channel": channel, "auth": sig}})
		h.Handle(ctx, req("$default", conn, string(b), nil))
	}
	// Unbound, a signature cannot join.
	sub("c1", "private-user.u1", pusher.Auth("payvand", secret, "c1", "private-user.u1"))
	if got := sent["c1"]; len(got) != 2 || got[0]["event"] != "pusher:connection_established" || got[1]["event"] != "pusher:error" {
		t.Fatalf("unbound socket: %v", got)
	}
	// Bound by POST /api/broadcasting/auth (as it writes the record).
	control.Update(ctx, store.Update{Key: pusher.ConnKey("c1"), Set: store.Item{"tenant": store.AV("alpha"), "user": store.AV("u1"), "realm": store.AV("tenant")}})
	sub("c1", "private-user.u1", "payvand:forged")
	sub("c1", "private-user.u1", pusher.Auth("payvand", secret, "c1", "private-user.u1"))
	if got := sent["c1"]; len(got) != 4 || got[2]["event"] != "pusher:error" || got[3]["event"] != "pusher_internal:subscription_succeeded" {
		t.Fatalf("bound socket: %v", got)
	}
	// A token connection, plain form: its own channel only.
	tok, _, _ := tokens.Issue(&auth.Principal{Realm: auth.RealmTenant, Subject: "u2", TenantKey: "alpha"})
	h.Handle(ctx, req("$connect", "c2", "", map[string]string{"token": tok}))
	h.Handle(ctx, req("$default", "c2", `{"action":"subscribe","channel":"private-user.u1"}`, nil))
	h.Handle(ctx, req("$default", "c2", `{"action":"subscribe","channel":"private-organization.alpha"}`, nil))
	if got := sent["c2"]; len(got) != 2 || got[0]["type"] != "error" || got[1]["type"] != "subscribed" {
		t.Fatalf("plain: %v", got)
	}

	// The notifier's fan-out: u1's notification reaches c1 only, and the
	// organization's task event reaches c2 in the plain form.
	data, _ := json.Marshal(map[string]any{"notification": map[string]any{"id": "n1", "user_id": "u1", "type": "task_assigned"}, "push": true})
	fan := &pusher.Fanout{Control: control, Poster: sent}
	fan.Deliver(ctx, outbox.Event{ID: "e1", Type: "notification.created", Tenant: "alpha", Data: data})
	task, _ := json.Marshal(map[string]any{"task": map[string]any{"id": "t1", "assignee_ids": []string{}}})
	fan.Deliver(ctx, outbox.Event{ID: "e2", Type: "task.created", Tenant: "alpha", Data: task})
	if got := sent["c1"]; len(got) != 5 || got[4]["event"] != "notification.new" {
		t.Fatalf("fan-out to c1: %v", got)
	}
	if got := sent["c2"]; len(got) != 3 || got[2]["event"] != "task.created" || got[2]["type"] != "event" {
		t.Fatalf("fan-out to c2: %v", got)
	}
	// Another tenant's event reaches nobody.
	fan.Deliver(ctx, outbox.Event{ID: "e3", Type: "task.created", Tenant: "beta", Data: task})
	if len(sent["c2"]) != 3 {
		t.Fatal("another tenant's event was pushed")
	}
	// A connection API Gateway reports gone is dropped with its subscriptions.
	(&pusher.Fanout{Control: control, Poster: gone{sent}}).Deliver(ctx, outbox.Event{ID: "e4", Type: "notification.created", Tenant: "alpha", Data: data})
	if _, err := control.Get(ctx, pusher.ConnKey("c1")); err == nil {
		t.Fatal("gone connection kept")
	}
	if p, _ := control.Query(ctx, store.Query{PK: pusher.SubKey("alpha", "private-user.u1", "").PK}); p.Count != 0 {
		t.Fatal("gone connection's subscription kept")
	}
}

type busRec struct{ types []string }

func (b *busRec) Publish(_ context.Context, t string, _ any) error {
	b.types = append(b.types, t)
	return nil
}

func TestConnectionEstablishedIsSentOnceAfterConnect(t *testing.T) {
	ctx := context.Background()
	db, _ := embedded.Open(t.TempDir())
	defer db.Close()
	db.CreateTable(ctx, "control")
	control := db.Table("control")
	tokens := auth.NewTokens([]byte("0123456789abcdef0123456789abcdef"))
	sent, bus := posts{}, &busRec{}
	h := &ws.Handler{Tokens: tokens, Control: control, Poster: sent, Authz: &pusher.Authorizer{Control: &tenancy.ControlPlane{DB: db, Table: control}}, Key: "payvand", Bus: bus}
	h.Handle(ctx, req("$connect", "c1", "", nil))
	if len(bus.types) != 1 || bus.types[0] != ws.Connected || len(sent["c1"]) != 0 {
		t.Fatalf("connect announced %v, posted %v", bus.types, sent["c1"])
	}
	// The notifier's answer to ws.connected, delivered twice, and the
	// client's first message: one connection_established in all.
	ws.Establish(ctx, control, sent, "c1")
	ws.Establish(ctx, control, sent, "c1")
	h.Handle(ctx, req("$default", "c1", `{"event":"pusher:ping","data":{}}`, nil))
	got := sent["c1"]
	if len(got) != 2 || got[0]["event"] != "pusher:connection_established" || got[1]["event"] != "pusher:pong" {
		t.Fatalf("frames %v", got)
	}
}
