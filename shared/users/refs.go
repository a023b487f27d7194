package users

import "payvand.dev/shared/store"

// Key is a user's item, for batch reads that mix kinds (a task's
// assignees with its labels); Decode reads it.
func Key(id string) store.Key { return userKey(id) }

// Decode turns a user's item into the user.
func Decode(it store.Item) (*User, error) { return fromItem(it) }

// AllQuery reads every user (deleted ones too) by creation: departments
// count their members from it.
func AllQuery() store.Query { return store.Query{Index: "GSI1", PK: listPK} }
