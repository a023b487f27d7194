module payvand.dev/events

go 1.26.0

replace payvand.dev/shared => ../shared

require (
	github.com/aws/aws-sdk-go-v2 v1.47.7
	payvand.dev/shared v0.0.0-00010101000000-000000000000
)

require (
	github.com/aws/aws-sdk-go-v2/credentials v1.20.15 // indirect
	github.com/aws/smithy-go v1.28.8 // indirect
)
