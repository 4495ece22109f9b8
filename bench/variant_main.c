/*
 * bench/variant_main.c - main() of a variant build (gomap-bench-<name>): the
 * benchmark's child side linked against a copy of the library compiled
 * with other options (GB_VARIANT_DEFS), so the driver can time the same
 * `map` with and without a compile-time feature. See child.c.
 */
#include "bench.h"

int main(int argc, char **argv)
{
	return gomap_bench_child_main(argc, argv, "gomap variant build: " GB_VARIANT_DEFS);
}
