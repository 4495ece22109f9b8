/*
 * tests/safe/safe_rwmutex_fair.c - the rwmutex map does not starve writers
 * (Go's RWMutex rule: a waiting writer stops new readers).
 *
 * Readers keep the shared lock continuously occupied: each holds it until
 * another reader has come in after it (or a short bound passes), so with a
 * reader-preferring lock there is never a moment without a reader and a
 * writer waits forever. Once a constant stream of overlapping readers is
 * established, a writer stores; it must get in while the readers are still
 * streaming, within a generous bound (this is a liveness check, not a
 * measurement). With glibc's default rwlock (prefer readers) the same test
 * runs into the bound.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <time.h>

#include <gomap/rwmutex.h>

#include "safe_test.h"

#define NREADERS 3

static atomic_int entries, overlaps, stop, writer_done;

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Hold the shared lock until a newer reader has entered, or 2 ms. */
static int hold(const gomap_map_t *map, void *ctx)
{
	(void)ctx;
	int mine = atomic_fetch_add(&entries, 1) + 1;
	uint64_t k = 1, until = now_ns() + 2000000u;
	int rc = gomap_map_get(map, &k, NULL);
	while (atomic_load(&entries) == mine && now_ns() < until &&
	       !atomic_load(&stop))
		sched_yield();
	if (atomic_load(&entries) != mine)
		atomic_fetch_add(&overlaps, 1);
	return rc;
}

static void *reader(void *arg)
{
	gomap_rwmutex_t *m = arg;
	while (!atomic_load(&stop))
		if (gomap_rwmutex_atomic_read(m, hold, NULL) < 0)
			break;
	return NULL;
}

static void *writer(void *arg)
{
	gomap_rwmutex_t *m = arg;
	uint64_t k = 1, v = 2;
	if (gomap_rwmutex_store(m, &k, &v) == 0)
		atomic_store(&writer_done, 1);
	return NULL;
}

static void test_writer_not_starved(void **st)
{
	(void)st;
	gomap_rwmutex_t *m;
	assert_int_equal(gomap_rwmutex_new(&m, &gomap_type_u64,
	                                   &gomap_type_u64, NULL),
	                 0);
	uint64_t k = 1, v = 1;
	assert_int_equal(gomap_rwmutex_store(m, &k, &v), 0);
	pthread_t r[NREADERS], w;
	for (int i = 0; i < NREADERS; i++)
		assert_int_equal(pthread_create(&r[i], NULL, reader, m), 0);

	/* wait for a steady stream of overlapping readers */
	uint64_t limit = now_ns() + 30ull * 1000000000u;
	while (atomic_load(&overlaps) < 100 && now_ns() < limit)
		sched_yield();
	assert_true(atomic_load(&overlaps) >= 100);

	int overlaps_before = atomic_load(&overlaps);
	assert_int_equal(pthread_create(&w, NULL, writer, m), 0);
	limit = now_ns() + 30ull * 1000000000u;
	while (!atomic_load(&writer_done) && now_ns() < limit)
		sched_yield();
	bool got_in = atomic_load(&writer_done);
	atomic_store(&stop, 1);
	pthread_join(w, NULL);
	for (int i = 0; i < NREADERS; i++)
		pthread_join(r[i], NULL);
	/* readers were running around the writer the whole time */
	assert_true(atomic_load(&overlaps) >= overlaps_before);
	assert_true(got_in);
	assert_int_equal(gomap_rwmutex_load(m, &k, &v), 1);
	assert_int_equal(v, 2);
	gomap_rwmutex_free(m);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_writer_not_starved),
};

int main(void)
{
	return cmocka_run_group_tests_name("safe_rwmutex_fair", tests, NULL,
	                                   NULL);
}
