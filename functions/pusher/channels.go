// Package pusher is Payvand's real-time delivery in the Pusher Channels
// protocol (so pusher-js and Laravel Echo connect unchanged) and in a
// plain JSON form: who may join which private channel, which channels an
// event goes to, the signature of POST /api/broadcasting/auth, and the
// local WebSocket server (Hub) of the local runner. Channel names carry
// no tenant: every subscription is kept per tenant, so private-user.7 of
// one tenant never hears another tenant's user 7.
package pusher

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strings"

	"payvand.dev/shared/auth"
	"payvand.dev/shared/crm"
	"payvand.dev/shared/outbox"
	"payvand.dev/shared/store"
	"payvand.dev/shared/tenancy"
	"payvand.dev/shared/users"
)

// Channel kinds.
const (
	UserChannel         = "private-user."
	OrganizationChannel = "private-organization."
	DepartmentChannel   = "private-department."
	TaskChannel         = "private-task."
)

// Sign is the channel authorization of a socket: HMAC-SHA256 of
// "socket_id:channel" with the app secret, as Pusher defines it.
func Sign(secret []byte, socketID, channel string) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(socketID + ":" + channel))
	return hex.EncodeToString(m.Sum(nil))
}

// Auth is the value a Pusher client sends back: "<key>:<signature>".
func Auth(key string, secret []byte, socketID, channel string) string {
	return key + ":" + Sign(secret, socketID, channel)
}

// Verify checks an auth value for a socket and channel.
func Verify(key string, secret []byte, socketID, channel, got string) bool {
	return hmac.Equal([]byte(got), []byte(Auth(key, secret, socketID, channel)))
}

// Authorizer decides who may join a channel.
type Authorizer struct {
	Control *tenancy.ControlPlane
}

// Allowed reports whether the tenant user p may join channel: their own
// user channel, their organization's (by key or id), a department they
// belong to (or any of their tenant's, for CEOs and admins), and any task
// of their tenant.
func (a Authorizer) Allowed(ctx context.Context, p *auth.Principal, channel string) bool {
	if p == nil || p.Realm != auth.RealmTenant || p.TenantKey == "" {
		return false
	}
	kind, id, ok := split(channel)
	if !ok {
		return false
	}
	t := a.Control.TableFor(p.TenantKey)
	switch kind {
	case UserChannel:
		return id == p.Subject
	case OrganizationChannel:
		if id == p.TenantKey {
			return true
		}
		ten, err := a.Control.Tenant(ctx, p.TenantKey)
		return err == nil && ten.ID == id
	case DepartmentChannel:
		u, err := (users.Repo{}).Get(ctx, t, p.Subject)
		if err != nil {
			return false
		}
		if u.DepartmentID == id {
			return true
		}
		if !slices.Contains([]string{"ceo", "admin"}, strings.ToLower(u.Role)) {
			return false
		}
		_, err = t.Get(ctx, store.Key{PK: "DEPARTMENTS", SK: "DEPT#" + id})
		return err == nil
	case TaskChannel:
		_, err := t.Get(ctx, store.Key{PK: "TASK#" + id, SK: "#TASK"})
		return err == nil
	}
	return false
}

func split(channel string) (kind, id string, ok bool) {
	for _, k := range []string{UserChannel, OrganizationChannel, DepartmentChannel, TaskChannel} {
		if rest, found := strings.CutPrefix(channel, k); found && rest != "" && len(rest) <= 100 && !strings.ContainsAny(rest, " /") {
			return k, rest, true
		}
	}
	return "", "", false
}

// Push is one frame to send on a channel of a tenant.
type Push struct {
	Tenant  string
	Channel string
	Event   string
	Data    json.RawMessage
}

// Routes are the pushes of an event: task events to the organization,
// the task, its department and its assignees; deal events to the
// organization and the deal's owner; a notification, when its user wants
// real-time delivery, to the user as notification.new.
func Routes(ev outbox.Event) []Push {
	var d struct {
		TaskID    string   `json:"task_id"`
		Assignees []string `json:"assignees"`
		Task      *struct {
			ID          string   `json:"id"`
			AssigneeIDs []string `json:"assignee_ids"`
			Department  string   `json:"department_id"`
		} `json:"task"`
		Deal *struct {
			ID      string `json:"id"`
			OwnerID string `json:"owner_id"`
		} `json:"deal"`
		Notification *struct {
			UserID string `json:"user_id"`
		} `json:"notification"`
		Push bool `json:"push"`
	}
	json.Unmarshal(ev.Data, &d)
	var out []Push
	seen := map[string]bool{}
	add := func(channel, event string, data json.RawMessage) {
		if strings.HasSuffix(channel, ".") || seen[channel] {
			return
		}
		seen[channel] = true
		out = append(out, Push{Tenant: ev.Tenant, Channel: channel, Event: event, Data: data})
	}
	switch ev.Type {
	case "task.created", "task.updated", "task.deleted", "task.assigned", "task.commented", "task.status_changed",
		"task.comment_updated", "task.comment_deleted", "task.attachment_added", "task.attachment_deleted", "task.time_logged":
		id, people, dept := d.TaskID, d.Assignees, ""
		if d.Task != nil {
			id, people, dept = d.Task.ID, d.Task.AssigneeIDs, d.Task.Department
		}
		add(OrganizationChannel+ev.Tenant, ev.Type, ev.Data)
		add(TaskChannel+id, ev.Type, ev.Data)
		add(DepartmentChannel+dept, ev.Type, ev.Data)
		for _, u := range people {
			add(UserChannel+u, ev.Type, ev.Data)
		}
	case "deal.created", "deal.updated", "deal.stage_changed", "deal.won", "deal.lost", "deal.reopened", "deal.deleted":
		add(OrganizationChannel+ev.Tenant, ev.Type, ev.Data)
		if d.Deal != nil {
			add(UserChannel+d.Deal.OwnerID, ev.Type, ev.Data)
		}
	case "notification.created":
		if d.Notification != nil && d.Push {
			var n struct {
				Notification json.RawMessage `json:"notification"`
			}
			json.Unmarshal(ev.Data, &n)
			payload, _ := json.Marshal(map[string]json.RawMessage{"notification": n.Notification})
			add(UserChannel+d.Notification.UserID, "notification.new", payload)
		}
	case "import.progress", "email.campaign_progress":
		if ev.Actor != "" {
			add(UserChannel+ev.Actor, ev.Type, ev.Data)
		}
	}
	return out
}

// organizationAliases lets a client join its organization by key or id;
// pushes go to the key, so a subscription by id is kept under the key.
func canonical(ctx context.Context, c *tenancy.ControlPlane, tenant, channel string) string {
	if kind, _, _ := split(channel); kind == OrganizationChannel {
		return OrganizationChannel + tenant
	}
	return channel
}

// ErrorCode of an error for logs.
func isNotFound(err error) bool { return crm.ErrorCode(err) == crm.ENOTFOUND }
