module payvand.dev/functions

go 1.26.0

require (
	payvand.dev/events v0.0.0
	payvand.dev/shared v0.0.0
)

require (
	github.com/aws/aws-lambda-go v1.55.1 // indirect
	github.com/awslabs/aws-lambda-go-api-proxy v0.16.2 // indirect
)

replace (
	payvand.dev/events => ../events
	payvand.dev/shared => ../shared
)
