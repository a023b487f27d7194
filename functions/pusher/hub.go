package pusher

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/net/websocket"

	"payvand.dev/shared/auth"
	"payvand.dev/shared/outbox"
	"payvand.dev/shared/store"
)

// ActivityTimeout is the seconds of silence after which a client pings
// (Pusher's activity_timeout); a connection silent for longer than twice
// that is closed.
const ActivityTimeout = 120

// ConnectionTTL bounds a connection record in the control table.
const ConnectionTTL = 2 * time.Hour

// ConnKey is the control-table record of a socket; it names the tenant
// and user the socket acts for once known (a token at connect, or
// POST /api/broadcasting/auth).
func ConnKey(socket string) store.Key { return store.Key{PK: "WSCONN#" + socket, SK: "C"} }

// UserIndex finds a user's connections (GSI1 of the control table).
func UserIndex(tenant, user string) string { return "WSUSER#" + tenant + "#" + user }

// Hub is the local WebSocket server: /ws and /app/{key}.
type Hub struct {
	Key     string
	Secret  []byte
	Tokens  *auth.Tokens
	Authz   Authorizer
	Control store.Table

	mu    sync.RWMutex
	subs  map[string]map[string]map[*conn]bool // tenant → channel → sockets
	seen  map[string]bool                      // event ids pushed (bounded)
	order []string
}

type conn struct {
	id     string
	ws     *websocket.Conn
	plain  atomic.Bool // frames carry data as objects (/ws), not as strings (Pusher)
	mu     sync.Mutex
	p      *auth.Principal
	send   chan []byte
	closed chan struct{}
	once   sync.Once
	joined map[string]string // channel → tenant
}

func (c *conn) principal() *auth.Principal {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.p
}

func socketID() string {
	var b [8]byte
	rand.Read(b[:])
	return fmt.Sprintf("%d.%d", binary.BigEndian.Uint32(b[:4])%1e9, binary.BigEndian.Uint32(b[4:])%1e9)
}

// Handles reports whether the path is the hub's.
func (h *Hub) Handles(path string) bool {
	return path == "/ws" || strings.HasPrefix(path, "/app/")
}

// ServeHTTP upgrades /ws and /app/{key}. A token (?token= or
// Authorization: Bearer) authenticates the socket at once; without one,
// a Pusher client authorizes each private channel through
// POST /api/broadcasting/auth.
func (h *Hub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	plain := r.URL.Path == "/ws"
	if !plain && strings.TrimPrefix(r.URL.Path, "/app/") != h.Key {
		http.Error(w, "unknown app key", http.StatusNotFound)
		return
	}
	var p *auth.Principal
	tok := r.URL.Query().Get("token")
	if b, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok && tok == "" {
		tok = b
	}
	if tok != "" {
		var err error
		if p, err = h.Tokens.Verify(tok); err != nil {
			http.Error(w, "invalid token", http.StatusUnauthorized)
			return
		}
	}
	srv := websocket.Server{
		// Browsers send an Origin; tokens, not origins, guard the socket.
		Handshake: func(*websocket.Config, *http.Request) error { return nil },
		Handler:   func(ws *websocket.Conn) { h.serve(ws, p, plain) },
	}
	srv.ServeHTTP(w, r)
}

func (h *Hub) serve(ws *websocket.Conn, p *auth.Principal, plain bool) {
	ctx := context.Background()
	c := &conn{id: socketID(), ws: ws, p: p, send: make(chan []byte, 256), closed: make(chan struct{}), joined: map[string]string{}}
	c.plain.Store(plain)
	it := store.KeyItem(ConnKey(c.id))
	it["connected_at"] = store.AV(time.Now().UTC().Format(time.RFC3339))
	it[store.TTL] = store.AV(time.Now().Add(ConnectionTTL).Unix())
	it["local"] = store.AV(true)
	if p != nil {
		it["tenant"], it["user"], it["realm"] = store.AV(p.TenantKey), store.AV(p.Subject), store.AV(string(p.Realm))
		it["GSI1PK"], it["GSI1SK"] = store.AV(UserIndex(p.TenantKey, p.Subject)), store.AV(c.id)
	}
	if err := h.Control.Put(ctx, it); err != nil {
		slog.Warn("ws: record connection", "err", err)
	}
	defer func() {
		h.drop(c)
		h.Control.Delete(ctx, ConnKey(c.id))
	}()
	go h.writer(c)
	est, _ := json.Marshal(map[string]any{"socket_id": c.id, "activity_timeout": ActivityTimeout})
	h.frame(c, map[string]any{"event": "pusher:connection_established", "data": string(est)})
	for {
		ws.SetReadDeadline(time.Now().Add(2 * ActivityTimeout * time.Second))
		var raw []byte
		if err := websocket.Message.Receive(ws, &raw); err != nil {
			return
		}
		h.handle(ctx, c, raw)
	}
}

func (h *Hub) writer(c *conn) {
	defer c.ws.Close()
	for {
		select {
		case b := <-c.send:
			c.ws.SetWriteDeadline(time.Now().Add(10 * time.Second))
			if err := websocket.Message.Send(c.ws, string(b)); err != nil {
				c.once.Do(func() { close(c.closed) })
				return
			}
		case <-c.closed:
			return
		}
	}
}

func (h *Hub) frame(c *conn, v any) {
	b, _ := json.Marshal(v)
	select {
	case c.send <- b:
	case <-c.closed:
	default:
		// A client that does not read is dropped rather than buffered.
		c.once.Do(func() { close(c.closed) })
	}
}

func (h *Hub) fail(c *conn, code int, msg, channel string) {
	if c.plain.Load() {
		h.frame(c, map[string]any{"type": "error", "code": code, "message": msg, "channel": channel})
		return
	}
	h.frame(c, map[string]any{"event": "pusher:error", "data": map[string]any{"code": code, "message": msg}})
}

func (h *Hub) handle(ctx context.Context, c *conn, raw []byte) {
	var m struct {
		Event   string          `json:"event"`
		Data    json.RawMessage `json:"data"`
		Action  string          `json:"action"`
		Channel string          `json:"channel"`
		Auth    string          `json:"auth"`
	}
	if json.Unmarshal(raw, &m) != nil {
		h.fail(c, 4200, "messages are JSON objects", "")
		return
	}
	var sub struct {
		Channel string `json:"channel"`
		Auth    string `json:"auth"`
	}
	if len(m.Data) > 0 && m.Data[0] == '"' { // data sent as a JSON string
		var s string
		json.Unmarshal(m.Data, &s)
		m.Data = json.RawMessage(s)
	}
	json.Unmarshal(m.Data, &sub)
	switch {
	case m.Event == "pusher:ping":
		h.frame(c, map[string]any{"event": "pusher:pong", "data": "{}"})
	case m.Action == "ping":
		h.frame(c, map[string]any{"type": "pong", "at": time.Now().UTC().Format(time.RFC3339)})
	case m.Event == "pusher:subscribe":
		c.plain.Store(false)
		h.subscribe(ctx, c, sub.Channel, sub.Auth)
	case m.Action == "subscribe":
		h.subscribe(ctx, c, m.Channel, m.Auth)
	case m.Event == "pusher:unsubscribe":
		h.unsubscribe(c, sub.Channel)
	case m.Action == "unsubscribe":
		h.unsubscribe(c, m.Channel)
	case strings.HasPrefix(m.Event, "client-"):
		h.fail(c, 4301, "client events are not enabled", "")
	default:
		h.fail(c, 4200, "unknown message", "")
	}
}

func (h *Hub) subscribe(ctx context.Context, c *conn, channel, authValue string) {
	p := c.principal()
	ok := false
	switch {
	case authValue != "":
		// Signed by POST /api/broadcasting/auth, which bound the socket to
		// its caller and checked the channel.
		if Verify(h.Key, h.Secret, c.id, channel, authValue) {
			if it, err := h.Control.Get(ctx, ConnKey(c.id)); err == nil && store.Str(it, "user") != "" {
				bound := &auth.Principal{Realm: auth.RealmTenant, TenantKey: store.Str(it, "tenant"), Subject: store.Str(it, "user")}
				if p == nil || (p.TenantKey == bound.TenantKey && p.Subject == bound.Subject) {
					p, ok = bound, true
					c.mu.Lock()
					c.p = bound
					c.mu.Unlock()
				}
			}
		}
	case p != nil:
		ok = h.Authz.Allowed(ctx, p, channel)
	}
	if !ok {
		h.fail(c, 4009, "not allowed to join "+channel, channel)
		return
	}
	key := canonical(ctx, h.Authz.Control, p.TenantKey, channel)
	h.mu.Lock()
	if h.subs == nil {
		h.subs = map[string]map[string]map[*conn]bool{}
	}
	if h.subs[p.TenantKey] == nil {
		h.subs[p.TenantKey] = map[string]map[*conn]bool{}
	}
	if h.subs[p.TenantKey][key] == nil {
		h.subs[p.TenantKey][key] = map[*conn]bool{}
	}
	h.subs[p.TenantKey][key][c] = true
	c.mu.Lock()
	c.joined[key] = p.TenantKey
	c.mu.Unlock()
	h.mu.Unlock()
	if c.plain.Load() {
		h.frame(c, map[string]any{"type": "subscribed", "channel": channel})
	} else {
		h.frame(c, map[string]any{"event": "pusher_internal:subscription_succeeded", "channel": channel, "data": "{}"})
	}
}

func (h *Hub) unsubscribe(c *conn, channel string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	c.mu.Lock()
	defer c.mu.Unlock()
	for key, tenant := range c.joined {
		if key == channel || (strings.HasPrefix(channel, OrganizationChannel) && strings.HasPrefix(key, OrganizationChannel)) {
			delete(h.subs[tenant][key], c)
			delete(c.joined, key)
		}
	}
}

func (h *Hub) drop(c *conn) {
	c.once.Do(func() { close(c.closed) })
	h.mu.Lock()
	defer h.mu.Unlock()
	c.mu.Lock()
	defer c.mu.Unlock()
	for key, tenant := range c.joined {
		delete(h.subs[tenant][key], c)
		if len(h.subs[tenant][key]) == 0 {
			delete(h.subs[tenant], key)
		}
	}
}

// Deliver is the hub's consumer: it pushes an event to its channels,
// once per event id (a redelivered event is not pushed again).
func (h *Hub) Deliver(_ context.Context, ev outbox.Event) error {
	h.mu.Lock()
	if h.seen == nil {
		h.seen = map[string]bool{}
	}
	if h.seen[ev.ID] {
		h.mu.Unlock()
		return nil
	}
	h.seen[ev.ID] = true
	h.order = append(h.order, ev.ID)
	if len(h.order) > 8192 {
		delete(h.seen, h.order[0])
		h.order = h.order[1:]
	}
	h.mu.Unlock()
	for _, p := range Routes(ev) {
		h.Push(p)
	}
	return nil
}

// Push sends one frame to every socket of the tenant on the channel.
func (h *Hub) Push(p Push) {
	h.mu.RLock()
	var to []*conn
	for c := range h.subs[p.Tenant][p.Channel] {
		to = append(to, c)
	}
	h.mu.RUnlock()
	if len(to) == 0 {
		return
	}
	pusherFrame, _ := json.Marshal(map[string]any{"event": p.Event, "channel": p.Channel, "data": string(p.Data)})
	plainFrame, _ := json.Marshal(map[string]any{"type": "event", "event": p.Event, "channel": p.Channel, "data": p.Data})
	for _, c := range to {
		b := pusherFrame
		if c.plain.Load() {
			b = plainFrame
		}
		select {
		case c.send <- b:
		case <-c.closed:
		default:
			c.once.Do(func() { close(c.closed) })
		}
	}
}
