package sales

import (
	"github.com/guregu/dynamo/v2"

	"payvand.dev/shared/crm"
	"payvand.dev/shared/store"
)

const activityPrefix = "ACTIVITY#"

func activityFromItem(it store.Item) (*crm.Activity, error) {
	var a crm.Activity
	if err := dynamo.UnmarshalItem(it, &a); err != nil {
		return nil, crm.Wrap(err, "unmarshal activity")
	}
	if a.Attendees == nil {
		a.Attendees = []string{}
	}
	return &a, nil
}
