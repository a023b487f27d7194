package consumers

import "time"

// AdvanceWebhookClock moves the local webhooks' clock; undo it with a
// negative duration.
func AdvanceWebhookClock(by time.Duration) { webhookClock.Add(int64(by)) }

// KickWebhookRetries wakes the local sweeper now.
func KickWebhookRetries(l *Local) { l.webhooks.poke() }
