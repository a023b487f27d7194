package tasks

import (
	"payvand.dev/shared/store"
	"payvand.dev/shared/users"
)

// RefUser is a person as a task shows them.
type RefUser struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Avatar string `json:"avatar"`
}

func userRefKey(id string) store.Key { return users.Key(id) }

func decodeUserRef(it store.Item) (*RefUser, error) {
	u, err := users.Decode(it)
	if err != nil {
		return nil, err
	}
	return &RefUser{ID: u.ID, Name: u.Name, Avatar: u.Avatar}, nil
}
