package pusher

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"payvand.dev/shared/outbox"
	"payvand.dev/shared/store"
)

// Poster sends one frame to an API Gateway WebSocket connection.
type Poster interface {
	Post(ctx context.Context, connectionID string, data []byte) error
}

// SubKey records that a connection listens on a tenant's channel
// (control table; the notifier queries the partition to fan out).
func SubKey(tenant, channel, conn string) store.Key {
	return store.Key{PK: "WSSUB#" + tenant + "#" + channel, SK: conn}
}

// Fanout is real-time delivery on AWS: subscriptions live in the control
// table with the connection's TTL, and frames go through the connection
// management API. A connection API Gateway reports gone (410) is dropped
// with its subscriptions.
type Fanout struct {
	Control store.Table
	Poster  Poster
}

// Subscribe records a subscription; plain connections get frames whose
// data is an object, Pusher ones a JSON string.
func (f *Fanout) Subscribe(ctx context.Context, tenant, channel, conn string, plain bool) error {
	it := store.KeyItem(SubKey(tenant, channel, conn))
	it["plain"] = store.AV(plain)
	it[store.TTL] = store.AV(time.Now().Add(ConnectionTTL).Unix())
	return f.Control.Put(ctx, it)
}

// Unsubscribe forgets a subscription.
func (f *Fanout) Unsubscribe(ctx context.Context, tenant, channel, conn string) error {
	return f.Control.Delete(ctx, SubKey(tenant, channel, conn))
}

// Frames of a push: Pusher's (data as a string) and the plain form.
func Frames(p Push) (pusherFrame, plainFrame []byte) {
	pusherFrame, _ = json.Marshal(map[string]any{"event": p.Event, "channel": p.Channel, "data": string(p.Data)})
	plainFrame, _ = json.Marshal(map[string]any{"type": "event", "event": p.Event, "channel": p.Channel, "data": p.Data})
	return
}

// Deliver pushes an event to the connections of its channels.
func (f *Fanout) Deliver(ctx context.Context, ev outbox.Event) error {
	var errs error
	for _, p := range Routes(ev) {
		page, err := f.Control.Query(ctx, store.Query{PK: SubKey(p.Tenant, p.Channel, "").PK})
		if err != nil {
			errs = errors.Join(errs, err)
			continue
		}
		pf, plain := Frames(p)
		for _, it := range page.Items {
			conn := store.Str(it, store.SK)
			b := pf
			if v, ok := it["plain"].(*types.AttributeValueMemberBOOL); ok && v.Value {
				b = plain
			}
			err := f.Poster.Post(ctx, conn, b)
			if Gone(err) {
				f.Control.Delete(ctx, store.KeyOf(it))
				f.Control.Delete(ctx, ConnKey(conn))
				continue
			}
			if err != nil {
				slog.WarnContext(ctx, "push to connection", "conn", conn, "err", err)
			}
		}
	}
	return errs
}

// Gone reports API Gateway's answer for a closed connection (410).
func Gone(err error) bool {
	var api smithy.APIError
	return err != nil && errors.As(err, &api) && api.ErrorCode() == "GoneException"
}
