/*
 * tests/sync/test_sync_torn.c - a key never shows another key's value, in
 * pair mode (u64 -> u64: pairs inline in the buckets) and in entry mode.
 *
 * This test compiles its own copy of src/sync.c with GOMAP_SYNC_READ_DELAY:
 * readers then yield between reading a pair and checking the bucket's meta
 * again, so that a writer often deletes the pair and inserts another key
 * into the same slot in that window. Without the meta check the reader
 * would return the new key's value for the old key; the test catches that
 * (checked by removing the check from pfind). Not a benchmark.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <unistd.h>

#include <cmocka.h>

#include "sync_test_util.h"

static void noop_destroy(void *obj, void *ctx)
{
	(void)obj;
	(void)ctx;
}
static const gomap_type entry_vt = {sizeof(uint64_t), GOMAP_KIND_U64, 0, NULL, NULL, noop_destroy, NULL};

/* ---- slots reused under readers: a key never shows another key's value ------------------------
 *
 * A small table whose few buckets see constant delete-then-insert of
 * different keys, so that a slot a reader is reading is often emptied and
 * refilled meanwhile (in pair mode, with another key's pair). Every value
 * is tied to its key; readers check every load and every range visit.
 */
enum { TORN_POOL = 4096, TORN_LIVE = 12, TORN_WRITERS = 2, TORN_READERS = 2 };

static uint64_t torn_val(uint64_t k) { return (k * 0x9E3779B97F4A7C15ull) ^ 0x5555; }

/* The live keys, published for the readers to aim at. */
static _Atomic uint64_t torn_live[TORN_LIVE];

struct torn {
	gomap_sync_t *m;
	int id;
	uint64_t rounds;
	atomic_int *left;
};

static void *torn_writer(void *arg)
{
	struct torn *a = arg;
	uint64_t rs = (uint64_t)a->id * 7919 + 1;
	uint64_t live[TORN_LIVE / TORN_WRITERS];
	for (int j = 0; j < TORN_LIVE / TORN_WRITERS; j++) {
		live[j] = (uint64_t)a->id + (uint64_t)j * TORN_WRITERS; /* writer id owns k % WRITERS == id */
		uint64_t v = torn_val(live[j]);
		TCHECK(gomap_sync_store(a->m, &live[j], &v) == 0);
		atomic_store(&torn_live[a->id * (TORN_LIVE / TORN_WRITERS) + j], live[j]);
	}
	for (uint64_t r = 0; r < a->rounds; r++) {
		int j = (int)(rng_next(&rs) % (TORN_LIVE / TORN_WRITERS));
		TCHECK(gomap_sync_delete(a->m, &live[j]) == 1);
		uint64_t k;
		do /* a key of ours that is not live */
			k = (rng_next(&rs) % (TORN_POOL / TORN_WRITERS)) * TORN_WRITERS + (uint64_t)a->id;
		while (gomap_sync_load(a->m, &k, NULL) == 1);
		uint64_t v = torn_val(k);
		TCHECK(gomap_sync_store(a->m, &k, &v) == 0);
		live[j] = k;
		atomic_store(&torn_live[a->id * (TORN_LIVE / TORN_WRITERS) + j], k);
	}
	atomic_fetch_sub(a->left, 1);
	return NULL;
}

static bool torn_visit(const void *key, void *val, void *ctx)
{
	uint64_t k, v;
	memcpy(&k, key, 8);
	memcpy(&v, val, 8);
	TCHECK(v == torn_val(k));
	/* and no key twice in one range (range is no snapshot, but that holds) */
	unsigned char *seen = ctx;
	TCHECK(k < TORN_POOL && !seen[k]);
	if (k < TORN_POOL)
		seen[k] = 1;
	return true;
}

static void *torn_reader(void *arg)
{
	struct torn *a = arg;
	uint64_t rs = (uint64_t)a->id * 104729 + 3;
	while (atomic_load(a->left) > 0) {
		for (int i = 0; i < 1000; i++) {
			uint64_t k = atomic_load(&torn_live[rng_next(&rs) % TORN_LIVE]), v;
			if (gomap_sync_load(a->m, &k, &v) == 1)
				TCHECK(v == torn_val(k));
		}
		unsigned char seen[TORN_POOL] = {0};
		TCHECK(gomap_sync_range(a->m, torn_visit, seen) == 0);
	}
	return NULL;
}

static void run_torn(const gomap_type *vt)
{
	gomap_sync_t *m;
	assert_int_equal(gomap_sync_new(&m, &gomap_type_u64, vt, NULL), 0);
	atomic_store(&tcheck_failed, 0);
	atomic_int left = TORN_WRITERS;
	struct torn a[TORN_WRITERS + TORN_READERS];
	pthread_t th[TORN_WRITERS + TORN_READERS];
	for (int i = 0; i < TORN_WRITERS + TORN_READERS; i++) {
		a[i] = (struct torn){m, i, 200000 / SCALE_DIV, &left};
		assert_int_equal(pthread_create(&th[i], NULL, i < TORN_WRITERS ? torn_writer : torn_reader, &a[i]), 0);
	}
	for (int i = 0; i < TORN_WRITERS + TORN_READERS; i++)
		pthread_join(th[i], NULL);
	if (atomic_load(&tcheck_failed))
		fail_msg("%s", tcheck_where);
	assert_int_equal(gomap_sync_len(m), TORN_LIVE);
	assert_int_equal(gomap_sync_check(m), 0);
	gomap_sync_stats st;
	assert_int_equal(gomap_sync_stats_get(m, &st), 0);
	assert_true(st.buckets <= 16); /* stayed small: slots were reused */
	gomap_sync_free(m);
}


static void test_torn_pairs(void **state)
{
	(void)state;
	run_torn(&gomap_type_u64);
}

static void test_torn_entries(void **state)
{
	(void)state;
	run_torn(&entry_vt);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_torn_pairs),
	    cmocka_unit_test(test_torn_entries),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
