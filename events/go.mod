module payvand.dev/events

go 1.26

require payvand.dev/shared v0.0.0

replace payvand.dev/shared => ../shared
