module payvand.dev/infra

go 1.26.0

require payvand.dev/functions v0.0.0

replace (
	payvand.dev/events => ../events
	payvand.dev/functions => ../functions
	payvand.dev/shared => ../shared
)
