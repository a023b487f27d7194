package ws

import (
	"context"
	"encoding/json"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"payvand.dev/functions/pusher"
	"payvand.dev/shared/auth"
	"payvand.dev/shared/store"
)

// pusherMessage answers a client message in the Pusher protocol
// (pusher:ping, pusher:subscribe with an auth signature or a token
// socket) or the plain JSON form ({action: "subscribe"|"ping"}), and
// records subscriptions for the notifier's fan-out. API Gateway cannot
// send during $connect, so pusher:connection_established is sent just
// after it (the ws.connected event, see Establish) or with the answer to
// the client's first message, whichever comes first.
func (h *Handler) pusherMessage(ctx context.Context, id, body string) (events.APIGatewayProxyResponse, error) {
	var m struct {
		Event   string          `json:"event"`
		Data    json.RawMessage `json:"data"`
		Action  string          `json:"action"`
		Channel string          `json:"channel"`
		Auth    string          `json:"auth"`
	}
	if json.Unmarshal([]byte(body), &m) != nil {
		return h.reply(ctx, id, map[string]any{"type": "error", "message": "messages are JSON objects"})
	}
	plain := m.Event == ""
	var sub struct{ Channel, Auth string }
	json.Unmarshal(m.Data, &sub)
	if plain {
		sub.Channel, sub.Auth = m.Channel, m.Auth
	}
	conn, err := h.Control.Get(ctx, connKey(id))
	if err != nil {
		return h.reply(ctx, id, map[string]any{"type": "error", "message": "unknown connection"})
	}
	if !plain && store.Str(conn, "established") == "" {
		Establish(ctx, h.Control, h.Poster, id)
	}
	fail := func(msg string) (events.APIGatewayProxyResponse, error) {
		if plain {
			return h.reply(ctx, id, map[string]any{"type": "error", "message": msg, "channel": sub.Channel})
		}
		return h.reply(ctx, id, map[string]any{"event": "pusher:error", "data": map[string]any{"code": 4009, "message": msg}})
	}
	switch {
	case m.Event == "pusher:ping":
		return h.reply(ctx, id, map[string]any{"event": "pusher:pong", "data": "{}"})
	case m.Action == "ping":
		return h.reply(ctx, id, map[string]any{"type": "pong", "at": h.now().UTC().Format(time.RFC3339)})
	case m.Event == "pusher:subscribe" || m.Action == "subscribe":
		tenant, user := store.Str(conn, "tenant"), store.Str(conn, "user")
		p := &auth.Principal{Realm: auth.Realm(store.Str(conn, "realm")), TenantKey: tenant, Subject: user}
		ok := false
		if sub.Auth != "" {
			ok = user != "" && pusher.Verify(h.Key, h.Secret, id, sub.Channel, sub.Auth)
		} else if user != "" {
			ok = h.Authz.Allowed(ctx, p, sub.Channel)
		}
		if !ok {
			return fail("not allowed to join " + sub.Channel)
		}
		channel := sub.Channel
		if len(channel) > len(pusher.OrganizationChannel) && channel[:len(pusher.OrganizationChannel)] == pusher.OrganizationChannel {
			channel = pusher.OrganizationChannel + tenant
		}
		if err := (&pusher.Fanout{Control: h.Control}).Subscribe(ctx, tenant, channel, id, plain); err != nil {
			return events.APIGatewayProxyResponse{StatusCode: 500}, nil
		}
		if plain {
			return h.reply(ctx, id, map[string]any{"type": "subscribed", "channel": sub.Channel})
		}
		return h.reply(ctx, id, map[string]any{"event": "pusher_internal:subscription_succeeded", "channel": sub.Channel, "data": "{}"})
	case m.Event == "pusher:unsubscribe" || m.Action == "unsubscribe":
		(&pusher.Fanout{Control: h.Control}).Unsubscribe(ctx, store.Str(conn, "tenant"), sub.Channel, id)
		return events.APIGatewayProxyResponse{StatusCode: 200}, nil
	}
	return fail("unknown message")
}

// Connected is the detail type the $connect route publishes so that a
// consumer sends pusher:connection_established once the connection is
// open (API Gateway drops what is posted during $connect).
const Connected = "ws.connected"

// Establish sends pusher:connection_established to a connection once:
// the record is marked first, on condition that it was not.
func Establish(ctx context.Context, control store.Table, poster Poster, id string) error {
	_, err := control.Update(ctx, store.Update{Key: connKey(id), Set: store.Item{"established": store.AV("1")},
		Cond: []store.Cond{store.Exists(), store.AttrNotExists("established")}})
	if err != nil {
		return nil // sent already, or the connection is gone
	}
	est, _ := json.Marshal(map[string]any{"socket_id": id, "activity_timeout": pusher.ActivityTimeout})
	b, _ := json.Marshal(map[string]any{"event": "pusher:connection_established", "data": string(est)})
	return poster.Post(ctx, id, b)
}
