// Package events is the event catalogue and the bus port. Domain writes
// record events in the outbox of the tenant table (shared/outbox); the
// publisher and consumers that drain it arrive with the events issue.
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
