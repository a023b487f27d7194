// Package notificationsapi is the notifications route group: a user's
// notifications in both seeds' words (Rabin's ?unread=true&limit= and
// {notification_id}, IshYar's filter[read], filter[type] and {ids, all}),
// and POST /api/broadcasting/auth, the channel authorization of Pusher
// clients. Only the owner sees or changes a notification.
package notificationsapi

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"payvand.dev/functions/app"
	"payvand.dev/shared/auth"
	"payvand.dev/shared/crm"
	"payvand.dev/shared/httpapi"
	"payvand.dev/shared/jalali"
	"payvand.dev/shared/notify"
	"payvand.dev/shared/store"
)

// Mount is the notifications route group.
func Mount() app.Mount {
	return app.Mount{Name: "notifications", Register: func(s *httpapi.Server, d *app.Deps) {
		Register(s, d)
		RegisterBroadcasting(s, d)
	}}
}

// View is a notification as clients see it.
type View struct {
	ID              string         `json:"id"`
	UserID          string         `json:"user_id"`
	Type            string         `json:"type"`
	Title           string         `json:"title"`
	Message         string         `json:"message"`
	Body            string         `json:"body" doc:"IshYar's name of message"`
	Data            map[string]any `json:"data"`
	Link            string         `json:"link,omitempty"`
	Read            bool           `json:"read"`
	IsRead          bool           `json:"is_read"`
	ReadAt          *time.Time     `json:"read_at"`
	ReadAtJalali    *string        `json:"read_at_jalali"`
	ActorID         string         `json:"actor_id,omitempty"`
	CreatedAt       time.Time      `json:"created_at"`
	CreatedAtJalali string         `json:"created_at_jalali"`
}

func view(ctx context.Context, n *notify.Notification) View {
	loc := httpapi.LocationFrom(ctx)
	v := View{ID: n.ID, UserID: n.UserID, Type: n.Type, Title: n.Title, Message: n.Message, Body: n.Message, Data: n.Data,
		Link: n.Link, Read: n.Read, IsRead: n.Read, ReadAt: n.ReadAt, ActorID: n.ActorID, CreatedAt: n.CreatedAt,
		CreatedAtJalali: jalali.Format(n.CreatedAt, loc), ReadAtJalali: jalali.FormatPtr(n.ReadAt, loc)}
	return v
}

// ListInput takes both seeds' filters.
type ListInput struct {
	httpapi.ListParams
	Unread string `query:"unread" doc:"Rabin: true lists only unread notifications"`
	Read   string `query:"read" doc:"true or false (also filter[read])"`
	Type   string `query:"type" doc:"one of the notification types (also filter[type])"`
}

// Meta is IshYar's list meta with the unread count.
type Meta struct {
	httpapi.ListMeta
	UnreadCount int `json:"unread_count"`
}

// ListBody is a page of notifications with the unread count under both
// seeds' names; notifications repeats data for Rabin's clients.
type ListBody struct {
	Body struct {
		httpapi.Collection[View]
		Notifications []View `json:"notifications"`
		TotalUnread   int    `json:"total_unread"`
		Meta          Meta   `json:"meta"`
	}
}

// IDInput names one notification.
type IDInput struct {
	ID string `path:"id"`
}

// MarkReadInput takes Rabin's {notification_id} and IshYar's {ids, all}.
type MarkReadInput struct {
	Body struct {
		NotificationID string   `json:"notification_id,omitempty"`
		IDs            []string `json:"ids,omitempty"`
		All            bool     `json:"all,omitempty"`
	}
}

// MarkReadResult says how many changed and what is left unread.
type MarkReadResult struct {
	Updated     int `json:"updated"`
	UnreadCount int `json:"unread_count"`
	TotalUnread int `json:"total_unread"`
}

// UpdateInput is Rabin's PUT {read}.
type UpdateInput struct {
	ID   string `path:"id"`
	Body struct {
		Read   *bool `json:"read,omitempty"`
		IsRead *bool `json:"is_read,omitempty"`
	}
}

func route(method, path, id, summary string) httpapi.Route {
	return httpapi.Route{Method: method, Path: "/api/notifications" + path, ID: "notifications-" + id, Summary: summary,
		Tags: []string{"Notifications"}, Realm: httpapi.TenantUsers}
}

func parseBool(field, s string) (*bool, error) {
	if s == "" {
		return nil, nil
	}
	b, err := strconv.ParseBool(strings.ToLower(s))
	if err != nil {
		return nil, &crm.Error{Code: crm.EVALIDATION, Message: "the given data was invalid", Fields: map[string][]string{field: {"must be true or false"}}}
	}
	return &b, nil
}

func caller(ctx context.Context, d *app.Deps) (store.Table, string, error) {
	t, err := d.Control.TenantTable(ctx)
	if err != nil {
		return nil, "", err
	}
	return t, auth.PrincipalFrom(ctx).Subject, nil
}

// Register mounts /api/notifications.
func Register(s *httpapi.Server, d *app.Deps) {
	httpapi.Register(s, route(http.MethodGet, "", "list", "Your notifications, newest first, with the unread count"),
		func(ctx context.Context, in *ListInput) (*ListBody, error) {
			t, user, err := caller(ctx, d)
			if err != nil {
				return nil, err
			}
			f := notify.Filter{Type: in.Filter("type"), Limit: in.Size()}
			readParam, readField := in.Filter("read"), "filter[read]"
			if readParam == "" && in.Unread != "" {
				u, err := parseBool("unread", in.Unread)
				if err != nil {
					return nil, err
				}
				if *u {
					readParam = "false"
				}
			}
			if f.Read, err = parseBool(readField, readParam); err != nil {
				return nil, err
			}
			if f.Type != "" && !slices.Contains(notify.Types, f.Type) {
				return nil, &crm.Error{Code: crm.EVALIDATION, Message: "the given data was invalid",
					Fields: map[string][]string{"filter[type]": {"must be one of " + strings.Join(notify.Types, ", ")}}}
			}
			scope := "notifications|" + user + "|" + readParam + "|" + f.Type
			if f.Cursor, f.Offset, err = s.Cursors.Window(ctx, scope, &in.ListParams); err != nil {
				return nil, err
			}
			items, total, next, err := notify.List(ctx, t, user, f)
			if err != nil {
				return nil, err
			}
			unread, err := notify.Unread(ctx, t, user)
			if err != nil {
				return nil, err
			}
			views := make([]View, len(items))
			for i := range items {
				views[i] = view(ctx, &items[i])
			}
			lb, err := httpapi.SealedList(ctx, s.Cursors, scope, &in.ListParams, views, total, next)
			if err != nil {
				return nil, err
			}
			out := &ListBody{}
			out.Body.Collection = lb.Body
			out.Body.Notifications = lb.Body.Data
			out.Body.TotalUnread = unread
			out.Body.Meta = Meta{ListMeta: lb.Body.Meta, UnreadCount: unread}
			return out, nil
		})

	httpapi.Register(s, route(http.MethodPost, "/mark-read", "mark-read", "Mark notifications read: {notification_id}, {ids: [...]} or {all: true}"),
		func(ctx context.Context, in *MarkReadInput) (*httpapi.Body[MarkReadResult], error) {
			t, user, err := caller(ctx, d)
			if err != nil {
				return nil, err
			}
			b := in.Body
			ids := slices.Clone(b.IDs)
			if b.NotificationID != "" {
				ids = append(ids, b.NotificationID)
			}
			if !b.All && len(ids) == 0 {
				return nil, &crm.Error{Code: crm.EVALIDATION, Message: "the given data was invalid",
					Fields: map[string][]string{"ids": {"give notification_id, ids, or all: true"}}}
			}
			if len(ids) > 100 {
				return nil, &crm.Error{Code: crm.EVALIDATION, Message: "the given data was invalid", Fields: map[string][]string{"ids": {"at most 100 ids"}}}
			}
			var n int
			if b.All {
				n, err = notify.MarkAllRead(ctx, t, user)
			} else {
				n, err = notify.MarkRead(ctx, t, user, ids)
			}
			if err != nil {
				return nil, err
			}
			unread, err := notify.Unread(ctx, t, user)
			if err != nil {
				return nil, err
			}
			return httpapi.OK(MarkReadResult{Updated: n, UnreadCount: unread, TotalUnread: unread}, "notifications marked read"), nil
		})

	httpapi.Register(s, route(http.MethodGet, "/{id}", "get", "One of your notifications"),
		func(ctx context.Context, in *IDInput) (*httpapi.Body[View], error) {
			t, user, err := caller(ctx, d)
			if err != nil {
				return nil, err
			}
			n, err := notify.Get(ctx, t, user, in.ID)
			if err != nil {
				return nil, err
			}
			return httpapi.OK(view(ctx, n), ""), nil
		})

	httpapi.Register(s, route(http.MethodPut, "/{id}", "update", "Mark one of your notifications read or unread: {read}"),
		func(ctx context.Context, in *UpdateInput) (*httpapi.Body[View], error) {
			t, user, err := caller(ctx, d)
			if err != nil {
				return nil, err
			}
			read := in.Body.Read
			if read == nil {
				read = in.Body.IsRead
			}
			if read == nil {
				return nil, &crm.Error{Code: crm.EVALIDATION, Message: "the given data was invalid", Fields: map[string][]string{"read": {"required"}}}
			}
			n, err := notify.SetRead(ctx, t, user, in.ID, *read)
			if err != nil {
				return nil, err
			}
			return httpapi.OK(view(ctx, n), "notification updated"), nil
		})

	httpapi.Register(s, route(http.MethodDelete, "/{id}", "delete", "Delete one of your notifications"),
		func(ctx context.Context, in *IDInput) (*httpapi.Body[any], error) {
			t, user, err := caller(ctx, d)
			if err != nil {
				return nil, err
			}
			if err := notify.Delete(ctx, t, user, in.ID); err != nil {
				return nil, err
			}
			return httpapi.OK[any](nil, "notification deleted"), nil
		})
}
