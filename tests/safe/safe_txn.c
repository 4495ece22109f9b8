/*
 * tests/safe/safe_txn.c - multi-key atomicity: threads move amounts between
 * accounts (keys) inside the variants' atomic sections (mutex/rwmutex
 * atomic, shard atomic and atomic_all, chan txn, sync and async), while
 * auditors sum every account inside read sections (atomic_read, atomic,
 * atomic_all, txn) and, where the variant promises a consistent snapshot,
 * with range (mutex, rwmutex, chan). The sum must never change.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

#include <gomap/chan.h>
#include <gomap/mutex.h>
#include <gomap/rwmutex.h>
#include <gomap/shard.h>

#include "safe_test.h"

#define NACC 16
#define START 1000
#define TOTAL ((uint64_t)NACC * START)
#define THREADS 3

struct move {
	uint64_t from, to, amount;
	int moved;
};

/* The transfer, on the plain map held exclusively. */
static int move_fn(gomap_map_t *map, void *ctx)
{
	struct move *mv = ctx;
	uint64_t a, b;
	if (gomap_map_get(map, &mv->from, &a) != 1 ||
	    gomap_map_get(map, &mv->to, &b) != 1)
		return -1;
	if (a < mv->amount)
		return 0;
	a -= mv->amount;
	b += mv->amount;
	if (gomap_map_put(map, &mv->from, &a) < 0 ||
	    gomap_map_put(map, &mv->to, &b) < 0)
		return -1;
	mv->moved = 1;
	return 1;
}

static int sum_fn(const gomap_map_t *map, void *ctx)
{
	uint64_t *sum = ctx, v;
	*sum = 0;
	for (uint64_t k = 0; k < NACC; k++) {
		if (gomap_map_get(map, &k, &v) != 1)
			return -1;
		*sum += v;
	}
	return 0;
}

static int sum_fn_rw(gomap_map_t *map, void *ctx)
{
	return sum_fn(map, ctx);
}

static bool sum_range(const void *k, void *v, void *ctx)
{
	uint64_t x;
	(void)k;
	memcpy(&x, v, 8);
	*(uint64_t *)ctx += x;
	return true;
}

/* ---- the variants -------------------------------------------------------- */

typedef struct bank {
	const char *name;
	void *(*create)(void);
	void (*destroy)(void *m);
	int (*store)(void *m, uint64_t k, uint64_t v);
	int (*transfer)(void *m, struct move *mv, uint64_t step);
	int (*audit)(void *m, uint64_t *sum, uint64_t step);
} bank;

/* mutex */
static void *mx_create(void)
{
	gomap_mutex_t *m = NULL;
	gomap_mutex_new(&m, &gomap_type_u64, &gomap_type_u64, NULL);
	return m;
}
static void mx_destroy(void *m) { gomap_mutex_free(m); }
static int mx_store(void *m, uint64_t k, uint64_t v)
{
	return gomap_mutex_store(m, &k, &v);
}
static int mx_transfer(void *m, struct move *mv, uint64_t step)
{
	(void)step;
	return gomap_mutex_atomic(m, move_fn, mv);
}
static int mx_audit(void *m, uint64_t *sum, uint64_t step)
{
	if (step % 2) {
		*sum = 0;
		return gomap_mutex_range(m, sum_range, sum);
	}
	return gomap_mutex_atomic(m, sum_fn_rw, sum);
}

/* rwmutex */
static void *rw_create(void)
{
	gomap_rwmutex_t *m = NULL;
	gomap_rwmutex_new(&m, &gomap_type_u64, &gomap_type_u64, NULL);
	return m;
}
static void rw_destroy(void *m) { gomap_rwmutex_free(m); }
static int rw_store(void *m, uint64_t k, uint64_t v)
{
	return gomap_rwmutex_store(m, &k, &v);
}
static int rw_transfer(void *m, struct move *mv, uint64_t step)
{
	(void)step;
	return gomap_rwmutex_atomic(m, move_fn, mv);
}
static int rw_audit(void *m, uint64_t *sum, uint64_t step)
{
	if (step % 2) {
		*sum = 0;
		return gomap_rwmutex_range(m, sum_range, sum);
	}
	return gomap_rwmutex_atomic_read(m, sum_fn, sum);
}

/* shard: one-shard sections when both accounts share a shard, else all */
static gomap_shard_t *shard_for_index; /* for the atomic_all callbacks */

static void *sh_create(void)
{
	gomap_shard_t *m = NULL;
	gomap_shard_options o = {.shards = 4};
	gomap_shard_new(&m, &gomap_type_u64, &gomap_type_u64, &o);
	shard_for_index = m;
	return m;
}
static void sh_destroy(void *m) { gomap_shard_free(m); }
static int sh_store(void *m, uint64_t k, uint64_t v)
{
	return gomap_shard_store(m, &k, &v);
}
static int move_all(gomap_map_t *const *maps, size_t n, void *ctx)
{
	struct move *mv = ctx;
	gomap_map_t *fa = maps[gomap_shard_index(shard_for_index, &mv->from)];
	gomap_map_t *fb = maps[gomap_shard_index(shard_for_index, &mv->to)];
	uint64_t a, b;
	(void)n;
	if (gomap_map_get(fa, &mv->from, &a) != 1 ||
	    gomap_map_get(fb, &mv->to, &b) != 1)
		return -1;
	if (a < mv->amount)
		return 0;
	a -= mv->amount;
	b += mv->amount;
	gomap_map_put(fa, &mv->from, &a);
	gomap_map_put(fb, &mv->to, &b);
	mv->moved = 1;
	return 1;
}
static int sum_all(gomap_map_t *const *maps, size_t n, void *ctx)
{
	uint64_t *sum = ctx, v;
	(void)n;
	*sum = 0;
	for (uint64_t k = 0; k < NACC; k++) {
		if (gomap_map_get(maps[gomap_shard_index(shard_for_index, &k)],
		                  &k, &v) != 1)
			return -1;
		*sum += v;
	}
	return 0;
}
static int sh_transfer(void *m, struct move *mv, uint64_t step)
{
	(void)step;
	if (gomap_shard_index(m, &mv->from) == gomap_shard_index(m, &mv->to))
		return gomap_shard_atomic(m, &mv->from, move_fn, mv);
	return gomap_shard_atomic_all(m, move_all, mv);
}
static int sh_audit(void *m, uint64_t *sum, uint64_t step)
{
	(void)step;
	return gomap_shard_atomic_all(m, sum_all, sum);
}

/* chan: sync txn, or async TXN requests */
static void *ch_create(void)
{
	gomap_chan_t *m = NULL;
	gomap_chan_new(&m, &gomap_type_u64, &gomap_type_u64, NULL);
	return m;
}
static void ch_destroy(void *m) { gomap_chan_free(m); }
static int ch_store(void *m, uint64_t k, uint64_t v)
{
	return gomap_chan_store(m, &k, &v);
}
static int ch_transfer(void *m, struct move *mv, uint64_t step)
{
	if (step % 2 == 0)
		return gomap_chan_txn(m, move_fn, mv);
	gomap_chan_req r = {.op = GOMAP_CHAN_TXN, .fn = move_fn, .ctx = mv};
	int rc = gomap_chan_submit(m, &r);
	if (rc < 0)
		return rc;
	return gomap_chan_wait(&r);
}
static int ch_audit(void *m, uint64_t *sum, uint64_t step)
{
	if (step % 2) {
		*sum = 0;
		return gomap_chan_range(m, sum_range, sum);
	}
	return gomap_chan_txn(m, sum_fn_rw, sum);
}

static const bank banks[] = {
	{"mutex", mx_create, mx_destroy, mx_store, mx_transfer, mx_audit},
	{"rwmutex", rw_create, rw_destroy, rw_store, rw_transfer, rw_audit},
	{"shard", sh_create, sh_destroy, sh_store, sh_transfer, sh_audit},
	{"chan", ch_create, ch_destroy, ch_store, ch_transfer, ch_audit},
};

/* ---- the run ---------------------------------------------------------------- */

struct job {
	const bank *b;
	void *m;
	int t;
	long ops;
	long moved, audits, bad;
};

static void *worker(void *arg)
{
	struct job *j = arg;
	uint64_t s = (uint64_t)j->t * 0x9E3779B97F4A7C15ull + 1;
	for (long i = 0; i < j->ops; i++) {
		s ^= s << 13;
		s ^= s >> 7;
		s ^= s << 17;
		if (i % 8 == 7) {
			uint64_t sum = 0;
			if (j->b->audit(j->m, &sum, (uint64_t)i / 8) < 0 ||
			    sum != TOTAL)
				j->bad++;
			j->audits++;
			continue;
		}
		struct move mv = {s % NACC, (s >> 8) % NACC,
		                  (s >> 16) % (START / 2), 0};
		if (mv.from == mv.to)
			continue;
		int rc = j->b->transfer(j->m, &mv, (uint64_t)i);
		if (rc < 0)
			j->bad++;
		j->moved += mv.moved;
	}
	return NULL;
}

static void run_bank(const bank *b)
{
	void *m = b->create();
	assert_non_null(m);
	for (uint64_t k = 0; k < NACC; k++)
		assert_int_equal(b->store(m, k, START), 0);
	struct job jobs[THREADS];
	pthread_t th[THREADS];
	for (int t = 0; t < THREADS; t++) {
		jobs[t] = (struct job){.b = b, .m = m, .t = t,
		                       .ops = st_scale(20000)};
		assert_int_equal(pthread_create(&th[t], NULL, worker, &jobs[t]),
		                 0);
	}
	long moved = 0, audits = 0;
	for (int t = 0; t < THREADS; t++) {
		pthread_join(th[t], NULL);
		if (jobs[t].bad)
			fail_msg("%s: %ld audits/transfers saw a broken sum",
			         b->name, jobs[t].bad);
		moved += jobs[t].moved;
		audits += jobs[t].audits;
	}
	assert_true(moved > 0 && audits > 0);
	uint64_t sum = 0;
	assert_int_equal(b->audit(m, &sum, 0), 0);
	assert_int_equal(sum, TOTAL);
	b->destroy(m);
}

static void test_mutex(void **st)
{
	(void)st;
	run_bank(&banks[0]);
}

static void test_rwmutex(void **st)
{
	(void)st;
	run_bank(&banks[1]);
}

static void test_shard(void **st)
{
	(void)st;
	run_bank(&banks[2]);
}

static void test_chan(void **st)
{
	(void)st;
	run_bank(&banks[3]);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_mutex),
	cmocka_unit_test(test_rwmutex),
	cmocka_unit_test(test_shard),
	cmocka_unit_test(test_chan),
};

int main(void)
{
	return cmocka_run_group_tests_name("safe_txn", tests, NULL, NULL);
}
