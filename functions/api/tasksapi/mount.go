package tasksapi

import (
	"time"

	"payvand.dev/functions/app"
	"payvand.dev/shared/departments"
	"payvand.dev/shared/httpapi"
	"payvand.dev/shared/tasks"
)

// Mount is the tasks route group.
func Mount() app.Mount {
	return app.Mount{Name: "tasks", Register: func(s *httpapi.Server, d *app.Deps) {
		svc := &tasks.Service{Tables: d.Control, Blob: d.Blob, Now: func() time.Time { return now() }}
		onAWS := d.Config.Store == "dynamodb" && d.Config.AWSEndpoint == ""
		Register(s, Deps{Tasks: svc, Departments: &departments.Service{Tables: d.Control}, Presign: onAWS})
	}}
}

// now is the clock of is_overdue and of today's date (tests move it).
var now = time.Now
