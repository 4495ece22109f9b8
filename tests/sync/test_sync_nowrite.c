/*
 * tests/sync/test_sync_nowrite.c - the read path writes no shared memory.
 *
 * This executable carries its own copy of src/sync.c compiled with
 * GOMAP_SYNC_COUNT_WRITES: every store and read-modify-write sync.c makes to
 * memory other threads can see also bumps the thread-local counter
 * gomap__sync_writes. load (hits and misses, every key kind), a hit of
 * load_or_store, failed compare_and_swap / compare_and_delete / delete of an
 * absent key (answered by the lock-free pre-check), len and range must leave
 * it unchanged, including while a resize is in progress. Writes must move it
 * (so the counter is known to work). What remains outside the count is
 * liburcu's rcu_read_lock/unlock, which store only to the calling thread's
 * own reader slot.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "internal/sync_internal.h"
#include "sync_test_util.h"

static bool noop_fn(const void *key, void *val, void *ctx)
{
	(void)key;
	(void)val;
	(*(size_t *)ctx)++;
	return true;
}

static void reads_write_nothing(gomap_sync_t *m, size_t n, bool strings)
{
	char s[32];
	const char *p = s;
	uint64_t v, w = UINT64_MAX, zero = 0; /* w: never a stored value */
	unsigned long before = gomap__sync_writes;
	for (uint64_t i = 0; i < 2 * n; i++) {
		uint64_t k = mix64(i);
		const void *key = &k;
		if (strings) {
			snprintf(s, sizeof s, "%llx", (unsigned long long)k);
			key = &p;
		}
		int rc = gomap_sync_load(m, key, &v);
		assert_int_equal(rc, i < n);
		if (i < n) {
			assert_int_equal(gomap_sync_load_or_store(m, key, &w, &v), 1);
			assert_int_equal(gomap_sync_compare_and_swap(m, key, &w, &zero), 0);
			assert_int_equal(gomap_sync_compare_and_delete(m, key, &w), 0);
		} else {
			assert_int_equal(gomap_sync_delete(m, key), 0);
			assert_int_equal(gomap_sync_load_and_delete(m, key, &v), 0);
			assert_int_equal(gomap_sync_compare_and_swap(m, key, &w, &zero), 0);
		}
	}
	size_t seen = 0;
	assert_int_equal(gomap_sync_range(m, noop_fn, &seen), 0);
	assert_int_equal(seen, n);
	assert_int_equal(gomap_sync_len(m), n);
	assert_int_equal(gomap__sync_writes, before);
}

static void fill(gomap_sync_t *m, size_t n, bool strings)
{
	char s[32];
	const char *p = s;
	unsigned long before = gomap__sync_writes;
	for (uint64_t i = 0; i < n; i++) {
		uint64_t k = mix64(i), v = i + 1;
		const void *key = &k;
		if (strings) {
			snprintf(s, sizeof s, "%llx", (unsigned long long)k);
			key = &p;
		}
		assert_int_equal(gomap_sync_store(m, key, &v), 0);
	}
	assert_true(gomap__sync_writes > before + n); /* the counter works */
}

static void test_u64_reads(void **state)
{
	(void)state;
	gomap_sync_t *m;
	assert_int_equal(gomap_sync_new(&m, &gomap_type_u64, &gomap_type_u64, NULL), 0);
	fill(m, 5000, false);
	reads_write_nothing(m, 5000, false);
	gomap_sync_free(m);
}

static void test_str_reads(void **state)
{
	(void)state;
	gomap_sync_t *m;
	assert_int_equal(gomap_sync_new(&m, &gomap_type_str, &gomap_type_u64, NULL), 0);
	fill(m, 3000, true);
	reads_write_nothing(m, 3000, true);
	gomap_sync_free(m);
}

/* Reads that cross a resize in progress (old and new table) write nothing. */
static void test_reads_during_resize(void **state)
{
	(void)state;
	gomap_sync_t *m;
	assert_int_equal(gomap_sync_new(&m, &gomap_type_u64, &gomap_type_u64, NULL), 0);
	size_t n = 0;
	gomap_sync_stats st = {0};
	/* insert until a large resize is left half done */
	while (n < 1000000) {
		uint64_t k = mix64(n), v = n + 1;
		assert_int_equal(gomap_sync_store(m, &k, &v), 0);
		n++;
		assert_int_equal(gomap_sync_stats_get(m, &st), 0);
		if (st.resizing && st.units >= 1024 && st.units_migrated > st.units / 4 &&
		    st.units_migrated < st.units / 2)
			break;
	}
	assert_true(st.resizing);
	reads_write_nothing(m, n, false);
	assert_int_equal(gomap_sync_stats_get(m, &st), 0);
	assert_true(st.resizing); /* reads did not migrate anything */
	gomap_sync_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_u64_reads),
	    cmocka_unit_test(test_str_reads),
	    cmocka_unit_test(test_reads_during_resize),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
