/*
 * tools/cmd_stats.c - `gomap stats`: run a synthetic workload on a plain
 * map and print its figures (gomap_map_stats_get) at each phase: while a
 * growth is in progress, when full, after mass deletes (tombstones), after
 * refilling, after shrink; with the gomap_map_stats_dump text of each.
 * Then the same figures for the plain maps inside each safe variant, read
 * under the variant's own lock (atomic sections, chan transactions), and
 * the sync map's own statistics. Variants whose header is not in this
 * build are left out.
 */
#define _GNU_SOURCE /* POSIX and GNU interfaces under -std=c11 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gomap/map.h>

#if defined(__has_include)
#if __has_include(<gomap/mutex.h>)
#include <gomap/mutex.h>
#define HAVE_MUTEX 1
#endif
#if __has_include(<gomap/rwmutex.h>)
#include <gomap/rwmutex.h>
#define HAVE_RWMUTEX 1
#endif
#if __has_include(<gomap/shard.h>)
#include <gomap/shard.h>
#define HAVE_SHARD 1
#endif
#if __has_include(<gomap/chan.h>)
#include <gomap/chan.h>
#define HAVE_CHAN 1
#endif
#if __has_include(<gomap/sync.h>)
#include <gomap/sync.h>
#define HAVE_SYNC 1
#endif
#endif

int gomap_cmd_stats(int argc, char **argv);

static void stats_header(void)
{
	printf("%-24s %9s %9s %7s %11s %10s %7s %15s %10s %6s %9s\n", "phase", "entries", "capacity", "groups",
	       "load_factor", "tombstones", "growing", "evacuated", "bytes", "grows", "max_probe");
}

/* One table row for @m, and its stats_dump text appended to @dump. */
static int stats_row(const char *phase, const gomap_map_t *m, char *dump, size_t dump_size)
{
	gomap_map_stats s;
	if (gomap_map_stats_get(m, &s))
		return 1;
	char evac[32] = "-";
	if (s.growing)
		snprintf(evac, sizeof evac, "%zu/%zu", s.evacuated, s.old_groups);
	printf("%-24s %9zu %9zu %7zu %11.3f %10zu %7s %15s %10zu %6zu %9zu\n", phase, s.count, s.capacity, s.groups,
	       s.load_factor, s.tombstones, s.growing ? "yes" : "no", evac, s.bytes, s.grows, s.max_probe);
	size_t used = strlen(dump);
	if (used < dump_size) {
		int n = snprintf(dump + used, dump_size - used, "%-24s ", phase);
		if (n > 0 && (size_t)n < dump_size - used)
			gomap_map_stats_dump(m, dump + used + (size_t)n, dump_size - used - (size_t)n);
	}
	return 0;
}

/* ---- the safe variants ---------------------------------------------------------- */

typedef struct row_ctx {
	const char *phase;
	char *dump;
	size_t dump_size;
} row_ctx;

#if defined(HAVE_MUTEX) || defined(HAVE_RWMUTEX) || defined(HAVE_CHAN)
static int row_fn(gomap_map_t *map, void *ctx)
{
	row_ctx *c = ctx;
	return stats_row(c->phase, map, c->dump, c->dump_size);
}
#endif

#ifdef HAVE_RWMUTEX
static int row_read_fn(const gomap_map_t *map, void *ctx)
{
	row_ctx *c = ctx;
	return stats_row(c->phase, map, c->dump, c->dump_size);
}
#endif

#ifdef HAVE_SHARD
static int shard_rows_fn(gomap_map_t *const *maps, size_t nshards, void *ctx)
{
	row_ctx *c = ctx;
	int bad = 0;
	char phase[64];
	for (size_t i = 0; i < nshards; i++) {
		if (i == 4 && nshards > 5) {
			printf("%-24s (%zu more shards)\n", "...", nshards - 5);
			i = nshards - 1;
		}
		snprintf(phase, sizeof phase, "shard [%zu/%zu]", i, nshards);
		bad |= stats_row(phase, maps[i], c->dump, c->dump_size);
	}
	return bad;
}
#endif

/* Fill each variant with n keys through its own API, then print the
 * figures of the plain map(s) inside, under the variant's lock. */
static int variant_stats(long n, char *dump, size_t dump_size)
{
	int bad = 0;
	bool any = false;
	(void)n;
	(void)dump;
	(void)dump_size;
	(void)any;
#if defined(HAVE_MUTEX) || defined(HAVE_RWMUTEX) || defined(HAVE_SHARD) || defined(HAVE_CHAN) || defined(HAVE_SYNC)
	printf("\nsafe variants, u64 -> u64, %ld entries each: their plain maps, read under their locks\n", n);
	stats_header();
	any = true;
#endif
#ifdef HAVE_MUTEX
	{
		gomap_mutex_t *m;
		row_ctx c = {"mutex", dump, dump_size};
		if (gomap_mutex_new(&m, &gomap_type_u64, &gomap_type_u64, NULL) == 0) {
			for (uint64_t k = 0; k < (uint64_t)n; k++)
				bad |= gomap_mutex_store(m, &k, &k) < 0;
			bad |= gomap_mutex_atomic(m, row_fn, &c) != 0;
			gomap_mutex_free(m);
		} else {
			bad = 1;
		}
	}
#endif
#ifdef HAVE_RWMUTEX
	{
		gomap_rwmutex_t *m;
		row_ctx c = {"rwmutex", dump, dump_size};
		if (gomap_rwmutex_new(&m, &gomap_type_u64, &gomap_type_u64, NULL) == 0) {
			for (uint64_t k = 0; k < (uint64_t)n; k++)
				bad |= gomap_rwmutex_store(m, &k, &k) < 0;
			bad |= gomap_rwmutex_atomic_read(m, row_read_fn, &c) != 0;
			gomap_rwmutex_free(m);
		} else {
			bad = 1;
		}
	}
#endif
#ifdef HAVE_SHARD
	{
		gomap_shard_t *m;
		row_ctx c = {"shard", dump, dump_size};
		if (gomap_shard_new(&m, &gomap_type_u64, &gomap_type_u64, NULL) == 0) {
			for (uint64_t k = 0; k < (uint64_t)n; k++)
				bad |= gomap_shard_store(m, &k, &k) < 0;
			bad |= gomap_shard_atomic_all(m, shard_rows_fn, &c) != 0;
			gomap_shard_free(m);
		} else {
			bad = 1;
		}
	}
#endif
#ifdef HAVE_CHAN
	{
		gomap_chan_t *m;
		row_ctx c = {"chan (owner thread)", dump, dump_size};
		if (gomap_chan_new(&m, &gomap_type_u64, &gomap_type_u64, NULL) == 0) {
			for (uint64_t k = 0; k < (uint64_t)n; k++)
				bad |= gomap_chan_store(m, &k, &k) < 0;
			bad |= gomap_chan_txn(m, row_fn, &c) != 0;
			gomap_chan_free(m);
		} else {
			bad = 1;
		}
	}
#endif
#ifdef HAVE_SYNC
	{
		gomap_sync_t *m;
		if (gomap_sync_new(&m, &gomap_type_u64, &gomap_type_u64, NULL) == 0) {
			for (uint64_t k = 0; k < (uint64_t)n; k++)
				bad |= gomap_sync_store(m, &k, &k) < 0;
			gomap_sync_stats s;
			if (gomap_sync_stats_get(m, &s) == 0) {
				printf("sync (own table): entries=%zu buckets=%zu (6 slots each) overflow_buckets=%zu "
				       "resizing=%s migrated=%zu/%zu table_bytes=%zu pending_free=%zu grows=%zu "
				       "shrinks=%zu clears=%zu\n",
				       s.count, s.buckets, s.overflow_buckets, s.resizing ? "yes" : "no", s.units_migrated,
				       s.units, s.table_bytes, s.pending_free, s.grows, s.shrinks, s.clears);
			} else {
				bad = 1;
			}
			gomap_sync_free(m);
		} else {
			bad = 1;
		}
	}
#endif
	return bad;
}

static void stats_usage(FILE *f)
{
	fprintf(f, "usage: gomap stats [-n ENTRIES]\n"
	           "  Fills a plain u64->u64 map with ENTRIES (1000000) keys, deletes half, refills,\n"
	           "  shrinks, and prints gomap_map_stats at each phase; then a string-keyed map,\n"
	           "  and the maps inside each safe variant (min(ENTRIES, 200000) keys each).\n");
}

int gomap_cmd_stats(int argc, char **argv)
{
	long n = 1000000;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			stats_usage(stdout);
			return 0;
		}
		char *end = NULL;
		if (!strcmp(argv[i], "-n") && i + 1 < argc) {
			errno = 0;
			n = strtol(argv[++i], &end, 10);
			if (!errno && *end == '\0' && n >= 16 && n <= 100000000)
				continue;
		}
		fprintf(stderr, "gomap stats: bad argument '%s'\n", argv[i]);
		stats_usage(stderr);
		return 2;
	}
	size_t dump_size = 16384;
	char *dump = calloc(1, dump_size);
	gomap_map_t *m;
	if (!dump || gomap_map_new(&m, &gomap_type_u64, &gomap_type_u64, 0)) {
		fprintf(stderr, "gomap stats: out of memory\n");
		return 1;
	}
	int bad = 0;
	printf("plain map, u64 -> u64, %ld entries\n", n);
	stats_header();
	bool shown_growing = false;
	for (uint64_t k = 0; k < (uint64_t)n; k++) {
		bad |= gomap_map_put(m, &k, &k) != 1;
		gomap_map_stats s;
		/* The first growth in progress past a quarter of the entries
		 * (stats_get walks the table: look every 32 inserts; a growth
		 * lasts at least old_groups / 4 writes). */
		if (!shown_growing && k >= (uint64_t)n / 4 && (k & 31) == 0 && gomap_map_stats_get(m, &s) == 0 &&
		    s.growing && s.evacuated > 0) {
			bad |= stats_row("growing", m, dump, dump_size);
			shown_growing = true;
		}
	}
	bad |= stats_row("filled", m, dump, dump_size);
	for (uint64_t k = 0; k < (uint64_t)n; k += 2)
		bad |= gomap_map_delete(m, &k) != 1;
	bad |= stats_row("half deleted", m, dump, dump_size);
	for (uint64_t k = (uint64_t)n; k < (uint64_t)n + (uint64_t)n / 2; k++)
		bad |= gomap_map_put(m, &k, &k) != 1;
	bad |= stats_row("refilled", m, dump, dump_size);
	for (uint64_t k = 1; k < (uint64_t)n + (uint64_t)n / 2; k += 2)
		if (k < (uint64_t)n || (k & 3) == 3)
			bad |= gomap_map_delete(m, &k) < 0;
	bad |= stats_row("mostly deleted", m, dump, dump_size);
	bad |= gomap_map_shrink(m) != 0;
	bad |= stats_row("shrunk", m, dump, dump_size);
	bad |= gomap_map_check(m) != 0;
	gomap_map_free(m);

	gomap_map_t *sm;
	if (gomap_map_new(&sm, &gomap_type_str, &gomap_type_u64, 0) == 0) {
		char key[32];
		long ns = n < 100000 ? n : 100000;
		for (long i = 0; i < ns; i++) {
			snprintf(key, sizeof key, "key-%ld", i);
			const char *kp = key;
			uint64_t v = (uint64_t)i;
			bad |= gomap_map_put(sm, &kp, &v) != 1;
		}
		printf("\nplain map, string -> u64 (copied keys), %ld entries\n", ns);
		stats_header();
		bad |= stats_row("string keys", sm, dump, dump_size);
		gomap_map_free(sm);
	}
	bad |= variant_stats(n < 200000 ? n : 200000, dump, dump_size);
	printf("\ngomap_map_stats_dump:\n%s", dump);
	free(dump);
	if (bad)
		fprintf(stderr, "gomap stats: an operation failed or a check did not pass\n");
	return bad;
}
