// Package outbox records domain events in the same transaction as the write
// that causes them (DESIGN §4.9). A publisher drains the outbox to the bus,
// so a crash between commit and publish cannot lose an event.
package outbox

import (
	"context"
	"encoding/json"
	"time"

	"payvand.dev/shared/auth"
	"payvand.dev/shared/ids"
	"payvand.dev/shared/store"
)

// Retention keeps undelivered events this long.
const Retention = 7 * 24 * time.Hour

// Partition is the PK of pending events.
const Partition = "OUTBOX"

// Op returns the transaction operation that records an event.
func Op(ctx context.Context, detailType string, detail any) store.Op {
	b, _ := json.Marshal(detail)
	now := time.Now().UTC()
	it := store.Item{
		store.PK:      store.AV(Partition),
		store.SK:      store.AV(ids.New()),
		"detail_type": store.AV(detailType),
		"detail":      store.AV(string(b)),
		"at":          store.AV(now.Format(time.RFC3339Nano)),
		store.TTL:     store.AV(now.Add(Retention).Unix()),
	}
	if p := auth.PrincipalFrom(ctx); p != nil {
		it["tenant"] = store.AV(p.TenantKey)
		it["actor"] = store.AV(p.Subject)
	}
	return store.PutOp(it)
}
