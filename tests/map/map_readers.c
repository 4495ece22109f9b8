/*
 * tests/map/map_readers.c - any number of threads may read one plain map at
 * once (map.h): get, get_ptr, len, iteration, range, clone, stats and check
 * from several threads with no writer must give correct answers and, under
 * ThreadSanitizer, report no data race (reads must not write shared state
 * non-atomically, e.g. an iterator flag). Also run without sanitizers.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#define NTHREADS 4

struct shared {
	gomap_map_t *m;
	size_t n;
	pthread_barrier_t start;
	size_t errors[NTHREADS];
};

struct targ {
	struct shared *s;
	int id;
};

static bool count_cb(const void *k, void *v, void *ctx)
{
	(void)k;
	(void)v;
	(*(size_t *)ctx)++;
	return true;
}

static void *reader(void *p)
{
	struct targ *t = p;
	struct shared *s = t->s;
	size_t err = 0, rounds = tu_scaled(40, 4);
	pthread_barrier_wait(&s->start);
	for (size_t r = 0; r < rounds; r++) {
		for (uint64_t k = 0; k < s->n + 100; k++) {
			uint64_t v = 0;
			int rc = gomap_map_get(s->m, &k, &v);
			err += rc != (k < s->n) || (rc == 1 && v != k * 3);
			uint64_t *p = gomap_map_get_ptr(s->m, &k);
			err += (p != NULL) != (k < s->n) || (p && *p != k * 3);
		}
		err += gomap_map_len(s->m) != s->n;
		gomap_iter it;
		const void *kp;
		void *vp;
		size_t cnt = 0;
		gomap_map_iter_init(s->m, &it);
		while (gomap_map_iter_next(&it, &kp, &vp)) {
			cnt++;
			err += *(uint64_t *)vp != *(const uint64_t *)kp * 3;
		}
		err += cnt != s->n;
		/* an iteration abandoned half-way and one stopped */
		gomap_map_iter_init(s->m, &it);
		(void)gomap_map_iter_next(&it, NULL, NULL);
		gomap_map_iter_init(s->m, &it);
		(void)gomap_map_iter_next(&it, NULL, NULL);
		gomap_map_iter_stop(&it);
		cnt = 0;
		err += gomap_map_range(s->m, count_cb, &cnt) != 0 || cnt != s->n;
		gomap_map_t *c = NULL;
		err += gomap_map_clone(s->m, &c) != 0;
		err += gomap_map_len(c) != s->n;
		gomap_map_free(c);
		gomap_map_stats st;
		err += gomap_map_stats_get(s->m, &st) != 0 || st.count != s->n;
		err += gomap_map_check(s->m) != 0;
	}
	s->errors[t->id] = err;
	return NULL;
}

static void run_readers(size_t n, bool growing)
{
	struct shared s;
	memset(&s, 0, sizeof s);
	assert_int_equal(gomap_map_new(&s.m, &gomap_type_u64, &gomap_type_u64, 0),
	                 0);
	gomap_map_stats st;
	for (uint64_t k = 0; k < n; k++) {
		uint64_t v = k * 3;
		assert_int_equal(gomap_map_put(s.m, &k, &v), 1);
	}
	if (growing) { /* readers while an old table is still being migrated */
		for (uint64_t k = n;; k++) {
			uint64_t v = k * 3;
			assert_int_equal(gomap_map_put(s.m, &k, &v), 1);
			assert_int_equal(gomap_map_stats_get(s.m, &st), 0);
			if (st.growing || k > 100000) {
				n = k + 1;
				break;
			}
		}
	}
	s.n = n;
	pthread_barrier_init(&s.start, NULL, NTHREADS);
	pthread_t th[NTHREADS];
	struct targ ta[NTHREADS];
	for (int i = 0; i < NTHREADS; i++) {
		ta[i].s = &s;
		ta[i].id = i;
		pthread_create(&th[i], NULL, reader, &ta[i]);
	}
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&s.start);
	for (int i = 0; i < NTHREADS; i++)
		assert_int_equal(s.errors[i], 0);
	assert_int_equal(gomap_map_check(s.m), 0);
	gomap_map_free(s.m);
}

static void test_readers(void **state)
{
	(void)state;
	run_readers(5, false);
	run_readers(tu_scaled(3000, 500), false);
}

static void test_readers_while_growing(void **state)
{
	(void)state;
	run_readers(tu_scaled(3000, 500), true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_readers),
	    cmocka_unit_test(test_readers_while_growing),
	};
	return cmocka_run_group_tests_name("map_readers", tests, NULL, NULL);
}
