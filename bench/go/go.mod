module gomap/bench/go

go 1.19
