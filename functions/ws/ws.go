// Package ws is the WebSocket API's handler: $connect authenticates the
// access token and records the connection in the control table,
// $disconnect forgets it, $default answers pings and subscriptions. The
// notifier (a later issue) posts events to the recorded connections.
package ws

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"payvand.dev/functions/pusher"
	"payvand.dev/shared/auth"
	"payvand.dev/shared/crm"
	"payvand.dev/shared/store"
)

// ConnectionTTL bounds a connection record (API Gateway closes
// WebSocket connections after 2 hours).
const ConnectionTTL = 2 * time.Hour

// Poster sends a message to one connection.
type Poster interface {
	Post(ctx context.Context, connectionID string, data []byte) error
}

// Handler serves the three routes.
type Handler struct {
	Tokens  *auth.Tokens
	Control store.Table
	Poster  Poster
	Now     func() time.Time
	// Authz decides private channels; Key and Secret check the
	// signatures of POST /api/broadcasting/auth (Pusher clients).
	Authz  *pusher.Authorizer
	Key    string
	Secret []byte
	// Bus, when set, carries ws.connected to the notifier, which sends
	// pusher:connection_established once the connection is open.
	Bus interface {
		Publish(ctx context.Context, detailType string, detail any) error
	}
}

func connKey(id string) store.Key { return store.Key{PK: "WSCONN#" + id, SK: "C"} }

// UserChannel is the partition of a user's connections (GSI1).
func UserChannel(tenant, user string) string { return "WSUSER#" + tenant + "#" + user }

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

// Handle dispatches on the route key.
func (h *Handler) Handle(ctx context.Context, req events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
	id := req.RequestContext.ConnectionID
	switch req.RequestContext.RouteKey {
	case "$connect":
		tok := req.QueryStringParameters["token"]
		if b, ok := strings.CutPrefix(req.Headers["Authorization"], "Bearer "); ok && tok == "" {
			tok = b
		}
		it := store.KeyItem(connKey(id))
		// Without a token the socket is anonymous until
		// POST /api/broadcasting/auth binds it (Pusher clients).
		if tok != "" || h.Authz == nil {
			p, err := h.Tokens.Verify(tok)
			if err != nil {
				return events.APIGatewayProxyResponse{StatusCode: 401, Body: "unauthorized"}, nil
			}
			it["realm"], it["tenant"], it["user"] = store.AV(string(p.Realm)), store.AV(p.TenantKey), store.AV(p.Subject)
			it["GSI1PK"], it["GSI1SK"] = store.AV(UserChannel(p.TenantKey, p.Subject)), store.AV(id)
		}
		it["connected_at"] = store.AV(h.now().UTC().Format(time.RFC3339))
		it[store.TTL] = store.AV(h.now().Add(ConnectionTTL).Unix())
		if err := h.Control.Put(ctx, it); err != nil {
			slog.ErrorContext(ctx, "record connection", "err", err)
			return events.APIGatewayProxyResponse{StatusCode: 500}, nil
		}
		if h.Bus != nil {
			if err := h.Bus.Publish(ctx, Connected, map[string]string{"connection_id": id}); err != nil {
				slog.WarnContext(ctx, "announce connection", "err", err)
			}
		}
		return events.APIGatewayProxyResponse{StatusCode: 200}, nil
	case "$disconnect":
		if err := h.Control.Delete(ctx, connKey(id)); err != nil {
			slog.WarnContext(ctx, "forget connection", "err", err)
		}
		return events.APIGatewayProxyResponse{StatusCode: 200}, nil
	}
	if h.Authz != nil {
		return h.pusherMessage(ctx, id, req.Body)
	}
	var msg struct {
		Action  string `json:"action"`
		Channel string `json:"channel"`
	}
	if json.Unmarshal([]byte(req.Body), &msg) != nil {
		return h.reply(ctx, id, map[string]any{"type": "error", "message": "messages are JSON objects with an action"})
	}
	switch msg.Action {
	case "ping":
		return h.reply(ctx, id, map[string]any{"type": "pong", "at": h.now().UTC().Format(time.RFC3339)})
	case "subscribe":
		conn, err := h.Control.Get(ctx, connKey(id))
		if err != nil {
			return h.reply(ctx, id, map[string]any{"type": "error", "message": "unknown connection"})
		}
		// Only one's own user and organization channels may be joined.
		tenant, user := store.Str(conn, "tenant"), store.Str(conn, "user")
		allowed := msg.Channel == "private-user."+user || msg.Channel == "private-organization."+tenant
		if !allowed {
			return h.reply(ctx, id, map[string]any{"type": "error", "message": "channel not allowed", "channel": msg.Channel})
		}
		_, err = h.Control.Update(ctx, store.Update{Key: connKey(id), Set: store.Item{"channels": store.AV([]string{msg.Channel})}, Cond: []store.Cond{store.Exists()}})
		if err != nil && crm.ErrorCode(err) != crm.ECONFLICT {
			return events.APIGatewayProxyResponse{StatusCode: 500}, nil
		}
		return h.reply(ctx, id, map[string]any{"type": "subscribed", "channel": msg.Channel})
	}
	return h.reply(ctx, id, map[string]any{"type": "error", "message": "unknown action", "action": msg.Action})
}

func (h *Handler) reply(ctx context.Context, id string, v any) (events.APIGatewayProxyResponse, error) {
	b, _ := json.Marshal(v)
	if err := h.Poster.Post(ctx, id, b); err != nil {
		slog.WarnContext(ctx, "post to connection", "err", err, "connection", id)
	}
	return events.APIGatewayProxyResponse{StatusCode: 200}, nil
}
