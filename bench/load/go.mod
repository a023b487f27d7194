module payvand.dev/bench/load

go 1.26
