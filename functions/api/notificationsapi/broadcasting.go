package notificationsapi

import (
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"strings"

	"payvand.dev/functions/app"
	"payvand.dev/functions/pusher"
	"payvand.dev/shared/auth"
	"payvand.dev/shared/crm"
	"payvand.dev/shared/httpapi"
	"payvand.dev/shared/store"
)

// PusherKey is the app key clients connect with (/app/{key}).
func PusherKey() string {
	if k := os.Getenv("PAYVAND_PUSHER_KEY"); k != "" {
		return k
	}
	return "payvand"
}

// RegisterBroadcasting mounts POST /api/broadcasting/auth: pusher-js
// and Laravel Echo post socket_id and channel_name (form or JSON) with
// the user's bearer token and get {auth: "<key>:<hmac>"} for a channel
// the user may join. The socket is bound to the caller in its
// control-table record, so the WebSocket server knows whose it is.
func RegisterBroadcasting(s *httpapi.Server, d *app.Deps) {
	authz := pusher.Authorizer{Control: d.Control}
	s.Mux.HandleFunc("POST /api/broadcasting/auth", func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		problem := func(status int, detail string) {
			httpapi.WriteProblem(w, httpapi.NewProblem(ctx, status, detail))
		}
		bearer, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		p, err := d.Tokens.Authenticate(ctx, bearer, r.Cookies())
		if err != nil || p == nil {
			problem(http.StatusUnauthorized, "sign in first")
			return
		}
		if p.Realm != auth.RealmTenant {
			problem(http.StatusForbidden, "only users of an organization join its channels")
			return
		}
		if p, err = d.Control.Gate(ctx, p, ""); err != nil {
			status := http.StatusForbidden
			if crm.ErrorCode(err) == crm.EUNAUTHORIZED {
				status = http.StatusUnauthorized
			}
			problem(status, "your account cannot join channels now")
			return
		}
		raw, err := io.ReadAll(io.LimitReader(r.Body, 8<<10))
		if err != nil {
			problem(http.StatusBadRequest, "unreadable body")
			return
		}
		var in struct {
			SocketID    string `json:"socket_id"`
			ChannelName string `json:"channel_name"`
		}
		ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if ct == "application/json" {
			json.Unmarshal(raw, &in)
		} else {
			q, _ := url.ParseQuery(string(raw))
			in.SocketID, in.ChannelName = q.Get("socket_id"), q.Get("channel_name")
		}
		if in.SocketID == "" || in.ChannelName == "" {
			p := httpapi.NewProblem(ctx, http.StatusUnprocessableEntity, "socket_id and channel_name are required")
			httpapi.WriteProblem(w, p)
			return
		}
		if !authz.Allowed(ctx, p, in.ChannelName) {
			problem(http.StatusForbidden, "you may not join "+in.ChannelName)
			return
		}
		key := pusher.ConnKey(in.SocketID)
		conn, err := d.Control.Table.Get(ctx, key)
		if err != nil {
			problem(http.StatusForbidden, "unknown socket")
			return
		}
		if u := store.Str(conn, "user"); u != "" {
			if u != p.Subject || store.Str(conn, "tenant") != p.TenantKey {
				problem(http.StatusForbidden, "the socket is another user's")
				return
			}
		} else {
			_, err := d.Control.Table.Update(ctx, store.Update{Key: key, Cond: []store.Cond{store.Exists(), store.AttrNotExists("user")},
				Set: store.Item{"tenant": store.AV(p.TenantKey), "user": store.AV(p.Subject), "realm": store.AV(string(p.Realm)),
					"GSI1PK": store.AV(pusher.UserIndex(p.TenantKey, p.Subject)), "GSI1SK": store.AV(in.SocketID)}})
			if err != nil {
				problem(http.StatusForbidden, "the socket is another user's")
				return
			}
		}
		secret, err := d.Tokens.Derive("pusher")
		if err != nil {
			problem(http.StatusInternalServerError, "")
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		json.NewEncoder(w).Encode(map[string]string{"auth": pusher.Auth(PusherKey(), secret, in.SocketID, in.ChannelName)})
	})
}
