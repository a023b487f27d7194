package consumers_test

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/websocket"

	"payvand.dev/functions/consumers"
	"payvand.dev/functions/internal/apitest"
	"payvand.dev/shared/users"
)

func live(t testing.TB, e *apitest.Env) *consumers.Local {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	l, err := consumers.Start(ctx, e.Deps, "payvand")
	if err != nil {
		t.Fatal(err)
	}
	e.Server.Config.Handler = l.Handler(e.Server.Config.Handler)
	return l
}

func addUser(t testing.TB, e *apitest.Env, tenant, name, role string) (string, string) {
	return e.AddUser(tenant, &users.User{Name: name, Email: name + "@" + tenant + ".test", Role: role})
}

type client struct {
	t  testing.TB
	ws *websocket.Conn
}

func dial(t testing.TB, e *apitest.Env, path string) *client {
	t.Helper()
	u := "ws" + strings.TrimPrefix(e.Server.URL, "http") + path
	ws, err := websocket.Dial(u, "", e.Server.URL)
	if err != nil {
		t.Fatalf("dial %s: %v", path, err)
	}
	t.Cleanup(func() { ws.Close() })
	return &client{t: t, ws: ws}
}

func (c *client) send(v any) {
	b, _ := json.Marshal(v)
	if err := websocket.Message.Send(c.ws, string(b)); err != nil {
		c.t.Fatal(err)
	}
}

// next reads frames until one matches (or 5 s pass).
func (c *client) next(match func(map[string]any) bool) map[string]any {
	c.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		c.ws.SetReadDeadline(deadline)
		var raw string
		if err := websocket.Message.Receive(c.ws, &raw); err != nil {
			c.t.Fatalf("no matching frame: %v", err)
		}
		var m map[string]any
		json.Unmarshal([]byte(raw), &m)
		if match(m) {
			return m
		}
	}
}

func is(field, value string) func(map[string]any) bool {
	return func(m map[string]any) bool { return m[field] == value }
}

func TestWebSocketPlainAndPusherChannelsAreAuthorizedAndCarryEvents(t *testing.T) {
	e := apitest.New(t)
	live(t, e)
	ceo := e.CEO("alpha")
	saraID, sara := addUser(t, e, "alpha", "sara", "employee")
	omidID, _ := addUser(t, e, "alpha", "omid", "employee")
	betaTask := e.Do("POST", "/api/tasks", e.CEO("beta"), map[string]any{"title": "Beta's"}).Want(t, 201).Data()["id"].(string)

	// Plain JSON at /ws with the token in the query.
	plain := dial(t, e, "/ws?token="+url.QueryEscape(sara))
	plain.next(is("event", "pusher:connection_established"))
	plain.send(map[string]any{"action": "subscribe", "channel": "private-user." + saraID})
	plain.next(is("type", "subscribed"))
	plain.send(map[string]any{"action": "subscribe", "channel": "private-organization.alpha"})
	plain.next(is("type", "subscribed"))
	for _, ch := range []string{"private-user." + omidID, "private-organization.beta", "private-task." + betaTask, "private-department.nope", "presence-x", "public"} {
		plain.send(map[string]any{"action": "subscribe", "channel": ch})
		if f := plain.next(is("type", "error")); f["channel"] != ch {
			t.Fatalf("refusal %v", f)
		}
	}
	plain.send(map[string]any{"action": "ping"})
	plain.next(is("type", "pong"))

	// Pusher at /app/{key} without a token: the channel is authorized by
	// POST /api/broadcasting/auth (form, as pusher-js sends it).
	p := dial(t, e, "/app/payvand?protocol=7&client=js&version=8.4.0")
	est := p.next(is("event", "pusher:connection_established"))
	var data struct {
		SocketID string `json:"socket_id"`
	}
	json.Unmarshal([]byte(est["data"].(string)), &data)
	form := "socket_id=" + url.QueryEscape(data.SocketID) + "&channel_name=" + url.QueryEscape("private-user."+saraID)
	r := e.Do("POST", "/api/broadcasting/auth", sara, form, "Content-Type: application/x-www-form-urlencoded").Want(t, 200)
	sig := r.JSON["auth"].(string)
	if !strings.HasPrefix(sig, "payvand:") {
		t.Fatalf("auth %s", r.Raw)
	}
	// Another user cannot sign for this socket, nor anyone for a channel
	// that is not theirs, nor without a token.
	omidTok := e.Login("alpha", "omid@alpha.test")
	e.Do("POST", "/api/broadcasting/auth", omidTok, map[string]any{"socket_id": data.SocketID, "channel_name": "private-user." + omidID}).Want(t, 403)
	e.Do("POST", "/api/broadcasting/auth", sara, map[string]any{"socket_id": data.SocketID, "channel_name": "private-user." + omidID}).Want(t, 403)
	e.Do("POST", "/api/broadcasting/auth", "", map[string]any{"socket_id": data.SocketID, "channel_name": "private-user." + saraID}).Want(t, 401)
	e.Do("POST", "/api/broadcasting/auth", sara, map[string]any{"socket_id": data.SocketID}).Want(t, 422)
	// A forged signature is refused; the right one joins.
	p.send(map[string]any{"event": "pusher:subscribe", "data": map[string]any{"channel": "private-user." + saraID, "auth": "payvand:00"}})
	p.next(is("event", "pusher:error"))
	p.send(map[string]any{"event": "pusher:subscribe", "data": map[string]any{"channel": "private-user." + saraID, "auth": sig}})
	p.next(is("event", "pusher_internal:subscription_succeeded"))
	p.send(map[string]any{"event": "pusher:ping", "data": map[string]any{}})
	p.next(is("event", "pusher:pong"))

	// A task assigned to Sara: task.created on the organization channel,
	// task.assigned and notification.new on her user channel.
	task := e.Do("POST", "/api/tasks", ceo, map[string]any{"title": "Live", "assignee_ids": []string{saraID}}).Want(t, 201).Data()
	f := plain.next(is("event", "task.created"))
	if f["channel"] != "private-organization.alpha" || f["data"].(map[string]any)["task"].(map[string]any)["id"] != task["id"] {
		t.Fatalf("task.created frame %v", f)
	}
	n := p.next(is("event", "notification.new"))
	var payload struct {
		Notification struct {
			Type   string `json:"type"`
			UserID string `json:"user_id"`
		} `json:"notification"`
	}
	if err := json.Unmarshal([]byte(n["data"].(string)), &payload); err != nil || n["channel"] != "private-user."+saraID ||
		payload.Notification.Type != "task_assigned" || payload.Notification.UserID != saraID {
		t.Fatalf("notification.new frame %v", n)
	}
	// The task's channel, now that it exists.
	plain.send(map[string]any{"action": "subscribe", "channel": "private-task." + task["id"].(string)})
	plain.next(is("type", "subscribed"))
	e.Do("POST", "/api/tasks/"+task["id"].(string)+"/comments", ceo, map[string]any{"body": "hi"}).Want(t, 201)
	if f := plain.next(is("event", "task.commented")); f["channel"] != "private-task."+task["id"].(string) && f["channel"] != "private-organization.alpha" {
		t.Fatalf("task.commented frame %v", f)
	}

	// Bad tokens and app keys are refused before the upgrade.
	if _, err := websocket.Dial("ws"+strings.TrimPrefix(e.Server.URL, "http")+"/ws?token=forged", "", e.Server.URL); err == nil {
		t.Fatal("a forged token connected")
	}
	if _, err := websocket.Dial("ws"+strings.TrimPrefix(e.Server.URL, "http")+"/app/wrong", "", e.Server.URL); err == nil {
		t.Fatal("a wrong app key connected")
	}
}
