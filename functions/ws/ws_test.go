package ws_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"payvand.dev/functions/ws"
	"payvand.dev/shared/auth"
	"payvand.dev/shared/store"
	"payvand.dev/shared/store/embedded"
)

type posts map[string][]map[string]any

func (p posts) Post(_ context.Context, id string, data []byte) error {
	var m map[string]any
	json.Unmarshal(data, &m)
	p[id] = append(p[id], m)
	return nil
}

func req(route, conn, body string, q map[string]string) events.APIGatewayWebsocketProxyRequest {
	return events.APIGatewayWebsocketProxyRequest{Body: body, QueryStringParameters: q,
		RequestContext: events.APIGatewayWebsocketProxyRequestContext{RouteKey: route, ConnectionID: conn}}
}

func TestConnectSubscribePingDisconnect(t *testing.T) {
	ctx := context.Background()
	db, _ := embedded.Open(t.TempDir())
	defer db.Close()
	db.CreateTable(ctx, "control")
	tokens := auth.NewTokens([]byte("0123456789abcdef0123456789abcdef"))
	sent := posts{}
	h := &ws.Handler{Tokens: tokens, Control: db.Table("control"), Poster: sent}

	if r, _ := h.Handle(ctx, req("$connect", "c1", "", map[string]string{"token": "forged"})); r.StatusCode != 401 {
		t.Fatalf("forged token connected: %d", r.StatusCode)
	}
	tok, _, _ := tokens.Issue(&auth.Principal{Realm: auth.RealmTenant, Subject: "u1", TenantKey: "alpha"})
	if r, _ := h.Handle(ctx, req("$connect", "c1", "", map[string]string{"token": tok})); r.StatusCode != 200 {
		t.Fatalf("connect: %d", r.StatusCode)
	}
	p, _ := db.Table("control").Query(ctx, store.Query{Index: "GSI1", PK: ws.UserChannel("alpha", "u1")})
	if p.Count != 1 {
		t.Fatal("connection not findable by user")
	}
	h.Handle(ctx, req("$default", "c1", `{"action":"ping"}`, nil))
	h.Handle(ctx, req("$default", "c1", `{"action":"subscribe","channel":"private-user.u1"}`, nil))
	h.Handle(ctx, req("$default", "c1", `{"action":"subscribe","channel":"private-user.someone-else"}`, nil))
	got := sent["c1"]
	if len(got) != 3 || got[0]["type"] != "pong" || got[1]["type"] != "subscribed" || got[2]["type"] != "error" {
		t.Fatalf("replies = %v", got)
	}
	h.Handle(ctx, req("$disconnect", "c1", "", nil))
	if p, _ := db.Table("control").Query(ctx, store.Query{Index: "GSI1", PK: ws.UserChannel("alpha", "u1")}); p.Count != 0 {
		t.Fatal("connection kept after disconnect")
	}
}
