// Package routes lists every route group, for the processes that serve
// them all (the local runner, tests, the OpenAPI document). A Lambda
// imports only its own group's package, so it links only that group.
package routes

import (
	"payvand.dev/functions/api/adminapi"
	"payvand.dev/functions/api/apikeysapi"
	"payvand.dev/functions/api/authapi"
	"payvand.dev/functions/api/customersapi"
	"payvand.dev/functions/api/documentsapi"
	"payvand.dev/functions/api/emailapi"
	"payvand.dev/functions/api/emailsettingsapi"
	"payvand.dev/functions/api/feedbackapi"
	"payvand.dev/functions/api/filesapi"
	"payvand.dev/functions/api/health"
	"payvand.dev/functions/api/importapi"
	"payvand.dev/functions/api/notificationsapi"
	"payvand.dev/functions/api/productsapi"
	"payvand.dev/functions/api/salesapi"
	"payvand.dev/functions/api/searchapi"
	"payvand.dev/functions/api/smsapi"
	"payvand.dev/functions/api/tasksapi"
	"payvand.dev/functions/api/teamapi"
	"payvand.dev/functions/api/webhooksapi"
	"payvand.dev/functions/app"
)

// All is every HTTP route group of the manifest.
func All() []app.Mount {
	return []app.Mount{health.Mount(), authapi.Mount(), adminapi.Mount(), teamapi.Mount(), filesapi.Mount(), customersapi.Mount(), productsapi.Mount(), searchapi.Mount(), importapi.Mount(), salesapi.Mount(), tasksapi.Mount(), notificationsapi.Mount(), smsapi.Mount(), webhooksapi.Mount(), emailapi.Mount(), emailsettingsapi.Mount(), documentsapi.Mount(), feedbackapi.Mount(), apikeysapi.Mount()}
}
