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
