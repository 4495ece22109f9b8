/*
 * bench/workloads.c - BENCH.md's workloads as data: the table every other
 * part of the benchmark reads (the plan, the child protocol's --kind).
 * Nothing here runs anything.
 */
#include "bench.h"

#include <string.h>

#define P2(n) (1ull << (n))
#define ST_K { P2(10), P2(16), P2(20), P2(23) }

/* threads < 0: only where the machine has at least -threads CPUs. */
const gb_workload gb_workloads[] = {
	{ "seed-read", GB_K_MIX, GB_U64, 100, { 100, 0, 0 }, false, 1000000,
	  { P2(20) }, { 8 }, "the article's read experiment: 8 threads, all loads of present keys" },
	{ "seed-write", GB_K_MIX, GB_U64, 0, { 0, 100, 0 }, false, 1000000,
	  { P2(20) }, { 8 }, "the article's write experiment: 8 threads, stores into an empty map" },
	{ "read-mostly", GB_K_MIX, GB_U64, 100, { 98, 1, 1 }, false, 4000000,
	  { P2(20) }, { 1, 2, 4, 8, -16 }, "98% loads, 1% stores, 1% deletes, uniform" },
	{ "read-mostly-str", GB_K_MIX, GB_STR, 100, { 98, 1, 1 }, false, 4000000,
	  { P2(20) }, { 1, 2, 4, 8 }, "read-mostly with 16-byte string keys" },
	{ "hot-keys", GB_K_MIX, GB_U64, 100, { 90, 9, 1 }, true, 4000000,
	  { P2(20) }, { 1, 2, 4, 8 }, "90/9/1 with Zipf 0.99 keys: contention on a few keys" },
	{ "exchange", GB_K_MIX, GB_U64, 75, { 10, 50, 40 }, false, 4000000,
	  { P2(20) }, { 1, 2, 4, 8 }, "10/50/40 on a 75% full key space: churn" },
	{ "rapid-grow", GB_K_MIX, GB_U64, 0, { 5, 90, 5 }, false, 8000000,
	  { P2(23) }, { 1, 2, 4, 8 }, "5/90/5 from empty over 2^23 keys: growth under load" },
	/* Skewed string traffic with updates (issue 13): every store
	 * overwrites a present key, so the write path is timed, not growth. */
	{ "skew-upd50-str", GB_K_MIX, GB_STR, 100, { 50, 50, 0 }, true, 4000000,
	  { P2(20) }, { 1, 2, 4, 8 }, "50% loads, 50% stores (updates) of str keys, Zipf 0.99" },
	{ "skew-upd5-str", GB_K_MIX, GB_STR, 100, { 95, 5, 0 }, true, 4000000,
	  { P2(20) }, { 1, 2, 4, 8 }, "95% loads, 5% stores (updates) of str keys, Zipf 0.99" },
	/* BENCH.md's read-modify-write table: every op is an atomic increment
	 * into a map that starts empty; counts are checked after each run. */
	{ "count-str", GB_K_COUNT, GB_STR, 0, { 0 }, true, 8000000,
	  { P2(18) }, { 1, 2, 4, 8 }, "count: increment str keys, Zipf 0.99, from empty (sums checked)" },
	{ "count-u64", GB_K_COUNT, GB_U64, 0, { 0 }, true, 8000000,
	  { P2(18) }, { 1, 2, 4, 8 }, "count: increment u64 keys, Zipf 0.99, from empty (sums checked)" },
	{ "count-uniform", GB_K_COUNT, GB_STR, 0, { 0 }, false, 8000000,
	  { P2(20) }, { 1, 2, 4, 8 }, "count: increment str keys, uniform over 2^20, from empty (sums checked)" },
	{ "st-insert", GB_K_ST_INSERT, GB_U64, 0, { 0 }, false, 0, ST_K, { 1 },
	  "insert K distinct keys into an empty map" },
	{ "st-hit", GB_K_ST_HIT, GB_U64, 0, { 0 }, false, 0, ST_K, { 1 },
	  "look up all K present keys, shuffled" },
	{ "st-miss", GB_K_ST_MISS, GB_U64, 0, { 0 }, false, 0, ST_K, { 1 },
	  "look up K absent keys (indices K..2K-1)" },
	{ "st-delete", GB_K_ST_DELETE, GB_U64, 0, { 0 }, false, 0, ST_K, { 1 },
	  "delete all K keys, shuffled" },
	{ "st-iter", GB_K_ST_ITER, GB_U64, 0, { 0 }, false, 0, ST_K, { 1 },
	  "iterate over all K entries, reading each key and value" },
	{ "grow-latency", GB_K_GROW, GB_U64, 0, { 0 }, false, 0, { P2(23) }, { 1 },
	  "insert 2^23 keys one at a time, each timed: p50/p99/p99.99/max" },
	{ "memory", GB_K_MEMORY, GB_U64, 0, { 0 }, false, 0, { 1000000, 1500000 }, { 1 },
	  "heap bytes per entry after inserting K keys (mallinfo2)" },
	{ NULL, 0, 0, 0, { 0 }, false, 0, { 0 }, { 0 }, NULL }
};

static const char *const kind_names[] = {
	"mix", "st-insert", "st-hit", "st-miss", "st-delete", "st-iter",
	"count", "grow-latency", "memory"
};

const char *gb_kind_name(gb_kind k)
{
	return (unsigned)k < sizeof kind_names / sizeof *kind_names ? kind_names[k] : "?";
}

gb_kind gb_kind_parse(const char *s)
{
	for (unsigned i = 0; i < sizeof kind_names / sizeof *kind_names; i++)
		if (strcmp(s, kind_names[i]) == 0)
			return (gb_kind)i;
	return (gb_kind)-1;
}
