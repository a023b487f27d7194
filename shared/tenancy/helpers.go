package tenancy

import (
	"time"

	"payvand.dev/shared/store"
)

func updateStatus(key, status string) store.Update {
	return store.Update{Key: tenantKey(key), Set: store.Item{
		"status":     store.AV(status),
		"updated_at": store.AV(time.Now().UTC().Format(time.RFC3339Nano)),
	}}
}
