/*
 * tools/cmd_bench.c - `gomap bench`: the benchmark driver of bench/ (see
 * docs/benchmarks.md).
 */
#include "commands.h"

#include "bench.h"

int gomap_cmd_bench(int argc, char **argv)
{
	return gomap_bench_main(argc, argv);
}
