// Package events is the event catalogue and the bus port. Domain writes
// record events in the outbox of the tenant table (shared/outbox) in
// their own transaction; the relay (shared/relay) publishes them — on AWS
// from each tenant table's DynamoDB stream to EventBridge
// (EventBridge.PublishEnvelopes, ten entries a request), locally through
// the in-process bus (InProcess) — and deletes each record once the bus
// took it. Delivery is at least once; consumers drop repeats by event id
// (outbox.ProcessedOp in their own transaction). Every consumer receives
// the Envelope {id, type, version, tenant, actor, occurred_at, data};
// Catalogue lists every type with a sample of its data.
package events

// Detail types recorded by the customers route group.
const (
	CustomerCreated = "customer.created"
	CustomerUpdated = "customer.updated"
	CustomerDeleted = "customer.deleted"
)

// Detail types recorded by the tasks route group.
const (
	TaskCreated       = "task.created"
	TaskUpdated       = "task.updated"
	TaskDeleted       = "task.deleted"
	TaskAssigned      = "task.assigned"       // assignees, added
	TaskStatusChanged = "task.status_changed" // from, to, completion_note
	TaskCommented     = "task.commented"      // comment_id, author_id, mentions
	TaskTimeLogged    = "task.time_logged"
	TaskAttachment    = "task.attachment_added"
	DepartmentCreated = "department.created"
)
