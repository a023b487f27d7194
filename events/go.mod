module payvand.dev/events

go 1.26

replace payvand.dev/shared => ../shared
