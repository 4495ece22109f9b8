/*
 * bench/tests/bench_count.c - the counting workloads of `gomap bench` and
 * their lost-increment check, at a tiny size (not a timed test: only the
 * answers are checked).
 *
 *  - every implementation with an atomic increment (gomap's maps, the C
 *    and C++ peers, the Go program and the variant builds when built) runs
 *    count-u64 and count-str cells and passes the check;
 *  - a test-only adapter whose increment is a load, a yield and a store
 *    (atomic accesses, so no data race, but not one atomic step) loses
 *    increments under two threads, and the cell fails with the message;
 *  - adapters that drop or add exactly one increment, single thread, fail
 *    deterministically, each with its own figures in the message;
 *  - an implementation without inc has no counting cell.
 */
#include <math.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bench.h"
#include "gen.h"

#define OPS 20000u
#define SMALL_K 1024u

/* Under ThreadSanitizer, liburcu-cds (urcu-lfht) is not instrumented: its
 * publication barriers are invisible and every node it hands between
 * threads is reported. That peer is left out there. */
#if defined(__SANITIZE_THREAD__)
#define GB_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define GB_TSAN 1
#endif
#endif
#ifndef GB_TSAN
#define GB_TSAN 0
#endif

static gb_cell count_cell(const gb_impl *impl, gb_keys keys, int threads)
{
	return (gb_cell){
		.impl = impl,
		.workload = keys == GB_STR ? "count-str" : "count-u64",
		.kind = GB_K_COUNT,
		.keys = keys,
		.K = SMALL_K,
		.threads = threads,
		.ops = OPS,
		.zipf = true,
		.reps = 1,
		.min_time = 0,
		.seed = 1,
		.timeout = 120,
	};
}

/* ---- test-only adapters ------------------------------------------------------ */

/* Counters in a small array, a key's slot picked by a hash of the key:
 * keys share slots, which changes no sum. */
#define SLOTS 64

typedef struct tmap {
	gb_keys keys;
	_Atomic uint64_t slot[SLOTS];
	uint64_t incs; /* single-thread adapters: increments seen */
} tmap;

static size_t slot_of(const tmap *m, const void *key)
{
	uint64_t h;
	if (m->keys == GB_STR) {
		const char *s = *(const char *const *)key;
		h = 1469598103934665603ull;
		for (; *s; s++)
			h = (h ^ (unsigned char)*s) * 1099511628211ull;
	} else {
		h = *(const uint64_t *)key;
	}
	return (size_t)(gb_mix64(h) % SLOTS);
}

static void *t_create(gb_keys keys, const void *ctx)
{
	(void)ctx;
	tmap *m = calloc(1, sizeof *m);
	if (m)
		m->keys = keys;
	return m;
}

static void t_destroy(void *m, const void *ctx)
{
	(void)ctx;
	free(m);
}

static int t_load(void *p, const void *key, void *val)
{
	tmap *m = p;
	*(uint64_t *)val = atomic_load(&m->slot[slot_of(m, key)]);
	return 1;
}

static int t_store(void *p, const void *key, const void *val)
{
	tmap *m = p;
	atomic_store(&m->slot[slot_of(m, key)], *(const uint64_t *)val);
	return 0;
}

static int t_del(void *p, const void *key)
{
	tmap *m = p;
	atomic_store(&m->slot[slot_of(m, key)], 0);
	return 1;
}

static uint64_t t_sum(void *p, const void *ctx)
{
	(void)ctx;
	tmap *m = p;
	uint64_t s = 0;
	for (size_t i = 0; i < SLOTS; i++)
		s += atomic_load(&m->slot[i]);
	return s;
}

/* Read, let the other thread run, write back: two threads on a hot key
 * overwrite each other's increments. */
static int racy_inc(void *p, const void *key)
{
	tmap *m = p;
	_Atomic uint64_t *c = &m->slot[slot_of(m, key)];
	uint64_t v = atomic_load(c);
	sched_yield();
	atomic_store(c, v + 1);
	return 0;
}

/* Drops the 100th increment of each map (single thread). */
static int dropping_inc(void *p, const void *key)
{
	tmap *m = p;
	if (++m->incs == 100)
		return 0;
	atomic_fetch_add(&m->slot[slot_of(m, key)], 1);
	return 0;
}

/* Counts the 100th increment twice (single thread). */
static int doubling_inc(void *p, const void *key)
{
	tmap *m = p;
	atomic_fetch_add(&m->slot[slot_of(m, key)], ++m->incs == 100 ? 2 : 1);
	return 0;
}

static gb_impl test_impl(const char *name, unsigned flags, int (*inc)(void *, const void *))
{
	gb_ops o = { t_load, t_store, t_del, t_sum, inc, inc ? t_sum : NULL };
	return (gb_impl){
		.name = name,
		.group = "test",
		.desc = "test-only adapter",
		.flags = flags,
		.create = t_create,
		.destroy = t_destroy,
		.ops = { o, o },
	};
}

/* ---- tests ------------------------------------------------------------------ */

static void assert_passes(const gb_impl *impl, gb_keys keys, int threads)
{
	gb_cell c = count_cell(impl, keys, threads);
	gb_result r;
	int rc = gb_run_cell(&c, &r);
	if (rc != 0 || strstr(r.notes, "error=") || isnan(r.median))
		fail_msg("%s %s t=%d: rc %d, notes '%s'", impl->name, gb_keys_name(keys),
		         threads, rc, r.notes);
	assert_int_equal(rc, 0);
	assert_true(r.median > 0);
	assert_int_equal(r.ops, OPS);
	assert_int_equal(r.threads, threads);
	assert_string_equal(r.impl, impl->name);
	assert_string_equal(r.workload, c.workload);
	assert_non_null(strstr(r.notes, "reps="));
}

/* Every implementation with an increment passes the check, at 1 thread
 * and (concurrent ones) at 2. */
static void test_count_cells_pass(void **state)
{
	(void)state;
	int ran = 0;
	for (const gb_impl *const *i = gb_impls(); *i; i++) {
		const gb_impl *impl = *i;
		if (GB_TSAN && strcmp(impl->name, "urcu-lfht") == 0) {
			printf("# skipped under TSan: urcu-lfht (liburcu-cds is not instrumented)\n");
			continue;
		}
		for (int k = 0; k < 2; k++) {
			gb_keys keys = k ? GB_STR : GB_U64;
			if (!gb_impl_supports_kind(impl, GB_K_COUNT, keys))
				continue;
			assert_passes(impl, keys, 1);
			if (impl->flags & GB_F_CONCURRENT)
				assert_passes(impl, keys, 2);
			ran++;
		}
	}
	/* gomap's own maps are always there: map and five safe variants. */
	assert_true(ran >= 12);
	assert_non_null(gb_impl_find("map"));
	assert_true(gb_impl_supports_kind(gb_impl_find("map"), GB_K_COUNT, GB_STR));
	assert_true(gb_impl_supports_kind(gb_impl_find("shard"), GB_K_COUNT, GB_U64));
}

static void assert_fails_with(const gb_impl *impl, gb_keys keys, int threads,
                              const char *expect)
{
	gb_cell c = count_cell(impl, keys, threads);
	c.reps = 5; /* the racy adapter gets six runs to lose one increment */
	gb_result r;
	int rc = gb_run_cell(&c, &r);
	if (!strstr(r.notes, expect))
		fail_msg("%s: notes '%s' lack '%s'", impl->name, r.notes, expect);
	assert_int_not_equal(rc, 0);
	assert_true(isnan(r.median));
	assert_true(isnan(r.mops));
	assert_null(strstr(r.notes, "reps="));
}

static void test_count_racy_adapter_fails(void **state)
{
	(void)state;
	gb_impl racy = test_impl("racy", GB_F_CONCURRENT, racy_inc);
	assert_fails_with(&racy, GB_U64, 2, "error=lost increments: counts sum to ");
	assert_fails_with(&racy, GB_STR, 2, "error=lost increments: counts sum to ");
}

static void test_count_dropped_increment_fails(void **state)
{
	(void)state;
	gb_impl drop = test_impl("drop", 0, dropping_inc);
	assert_fails_with(&drop, GB_U64, 1,
	                  "error=lost increments: counts sum to 19999 after 20000 "
	                  "increments (lost)");
	gb_impl twice = test_impl("twice", 0, doubling_inc);
	assert_fails_with(&twice, GB_STR, 1,
	                  "error=lost increments: counts sum to 20001 after 20000 "
	                  "increments (extra)");
}

/* An exact adapter built the same way passes: the failures above come
 * from the lost increments, not from the test adapters themselves. */
static int exact_inc(void *p, const void *key)
{
	tmap *m = p;
	atomic_fetch_add(&m->slot[slot_of(m, key)], 1);
	return 0;
}

static void test_count_exact_adapter_passes(void **state)
{
	(void)state;
	gb_impl exact = test_impl("exact", GB_F_CONCURRENT, exact_inc);
	assert_passes(&exact, GB_U64, 2);
	assert_passes(&exact, GB_STR, 2);
}

static void test_count_needs_inc(void **state)
{
	(void)state;
	gb_impl none = test_impl("none", GB_F_CONCURRENT, NULL);
	assert_true(gb_impl_supports_kind(&none, GB_K_MIX, GB_U64));
	assert_false(gb_impl_supports_kind(&none, GB_K_COUNT, GB_U64));
	assert_false(gb_impl_supports_kind(&none, GB_K_COUNT, GB_STR));
	gb_cell c = count_cell(&none, GB_U64, 2);
	gb_result r;
	assert_int_not_equal(gb_run_cell(&c, &r), 0);
	assert_non_null(strstr(r.notes, "error=no atomic increment"));
	assert_true(isnan(r.median));
}

/* The counting stream: every op an increment, keys those of the mixed
 * stream with the same draws. */
static void test_count_stream(void **state)
{
	(void)state;
	gb_keytab t;
	assert_int_equal(gb_keytab_init(&t, GB_STR, SMALL_K, 1), 0);
	gb_zipf z;
	gb_zipf_init(&z, SMALL_K, 0.99);
	gb_stream cs, ms;
	const int mix[3] = { 50, 50, 0 };
	assert_int_equal(gb_stream_count(&cs, &t, SMALL_K, 1000, &z, 1, 3), 0);
	assert_int_equal(gb_stream_mix(&ms, &t, SMALL_K, 1000, mix, &z, 1, 3), 0);
	assert_int_equal(cs.n, 1000);
	for (size_t i = 0; i < cs.n; i++) {
		assert_int_equal(cs.op[i], GB_OP_INC);
		assert_ptr_equal(cs.key[i].s, ms.key[i].s);
	}
	gb_stream_free(&cs);
	gb_stream_free(&ms);
	gb_keytab_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_count_stream),
		cmocka_unit_test(test_count_needs_inc),
		cmocka_unit_test(test_count_exact_adapter_passes),
		cmocka_unit_test(test_count_dropped_increment_fails),
		cmocka_unit_test(test_count_racy_adapter_fails),
		cmocka_unit_test(test_count_cells_pass),
	};
	return cmocka_run_group_tests_name("bench_count", tests, NULL, NULL);
}
