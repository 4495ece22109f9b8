/*
 * tests/safe/safe_contract.c - the cmap.h output contract on the paths that
 * the ops table does not reach: calls made while the caller already holds
 * the map (hand locking, atomic sections, chan transactions: the re-entry
 * paths), and chan's asynchronous requests; and chan's request life cycle
 * (waiting on a request that was never submitted).
 *
 * Outputs (cmap.h): load and load_and_delete write the value on a hit and
 * leave the output untouched on a miss; load_or_store writes the value
 * found, or the value it stored; swap writes the previous value, and
 * leaves the output untouched when it inserts.
 */
#include <pthread.h>

#include <gomap/chan.h>
#include <gomap/mutex.h>
#include <gomap/rwmutex.h>
#include <gomap/shard.h>

#include "safe_test.h"

#define CANARY 0xA5A5A5A5A5A5A5A5ull

/* One variant's direct calls, behind a common shape. */
typedef struct dops {
	const char *name;
	int (*load)(void *m, const void *k, void *o);
	int (*los)(void *m, const void *k, const void *v, void *o);
	int (*lad)(void *m, const void *k, void *o);
	int (*swap)(void *m, const void *k, const void *v, void *o);
} dops;

#define DOPS(V)                                                                \
	static int V##_load(void *m, const void *k, void *o)                   \
	{                                                                      \
		return gomap_##V##_load(m, k, o);                              \
	}                                                                      \
	static int V##_los(void *m, const void *k, const void *v, void *o)     \
	{                                                                      \
		return gomap_##V##_load_or_store(m, k, v, o);                  \
	}                                                                      \
	static int V##_lad(void *m, const void *k, void *o)                    \
	{                                                                      \
		return gomap_##V##_load_and_delete(m, k, o);                   \
	}                                                                      \
	static int V##_swap(void *m, const void *k, const void *v, void *o)    \
	{                                                                      \
		return gomap_##V##_swap(m, k, v, o);                           \
	}                                                                      \
	static const dops V##_dops = {#V, V##_load, V##_los, V##_lad, V##_swap}

DOPS(mutex);
DOPS(rwmutex);
DOPS(shard);
DOPS(chan);

/*
 * Every output of @d's calls on key @k (absent on entry), hit and miss.
 * Returns the number of checks that failed (0), so that it can run inside
 * an atomic section (where a cmocka failure would longjmp out of a lock)
 * and be asserted after.
 */
static int outputs(const dops *d, void *m, uint64_t k)
{
	int bad = 0;
	uint64_t a = k * 10 + 1, b = k * 10 + 2, out;
#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			print_error("%s: %s:%d: %s\n", d->name, __FILE__,      \
			            __LINE__, #cond);                          \
			bad++;                                                 \
		}                                                              \
	} while (0)
	out = CANARY;
	CHECK(d->load(m, &k, &out) == 0 && out == CANARY);
	out = CANARY;
	CHECK(d->lad(m, &k, &out) == 0 && out == CANARY);
	out = CANARY;
	CHECK(d->los(m, &k, &a, &out) == 0 && out == a); /* stored */
	out = CANARY;
	CHECK(d->los(m, &k, &b, &out) == 1 && out == a); /* loaded */
	out = CANARY;
	CHECK(d->load(m, &k, &out) == 1 && out == a);
	out = CANARY;
	CHECK(d->swap(m, &k, &b, &out) == 1 && out == a); /* replaced */
	out = CANARY;
	CHECK(d->lad(m, &k, &out) == 1 && out == b);
	out = CANARY;
	CHECK(d->swap(m, &k, &a, &out) == 0 && out == CANARY); /* inserted */
	out = CANARY;
	CHECK(d->lad(m, &k, &out) == 1 && out == a);
	out = CANARY;
	CHECK(d->load(m, NULL, &out) == GOMAP_EINVAL && out == CANARY);
	CHECK(d->los(m, NULL, &a, &out) == GOMAP_EINVAL && out == CANARY);
#undef CHECK
	return bad;
}

/* ---- outside any lock -------------------------------------------------- */

static void test_outputs_direct(void **st)
{
	(void)st;
	gomap_mutex_t *mx;
	gomap_rwmutex_t *rw;
	gomap_shard_t *sh;
	gomap_chan_t *ch;
	assert_int_equal(gomap_mutex_new(&mx, &gomap_type_u64, &gomap_type_u64, NULL), 0);
	assert_int_equal(gomap_rwmutex_new(&rw, &gomap_type_u64, &gomap_type_u64, NULL), 0);
	assert_int_equal(gomap_shard_new(&sh, &gomap_type_u64, &gomap_type_u64, NULL), 0);
	assert_int_equal(gomap_chan_new(&ch, &gomap_type_u64, &gomap_type_u64, NULL), 0);
	assert_int_equal(outputs(&mutex_dops, mx, 1), 0);
	assert_int_equal(outputs(&rwmutex_dops, rw, 1), 0);
	assert_int_equal(outputs(&shard_dops, sh, 1), 0);
	assert_int_equal(outputs(&chan_dops, ch, 1), 0);
	gomap_mutex_free(mx);
	gomap_rwmutex_free(rw);
	gomap_shard_free(sh);
	gomap_chan_free(ch);
}

/* ---- re-entry: the caller already holds the map ------------------------- */

struct reent {
	const dops *d;
	void *m;
	uint64_t k;
	int bad;
};

static int reent_fn(gomap_map_t *map, void *ctx)
{
	(void)map;
	struct reent *r = ctx;
	r->bad = outputs(r->d, r->m, r->k);
	return 0;
}

static void test_outputs_reentry(void **st)
{
	(void)st;
	gomap_mutex_t *mx;
	gomap_rwmutex_t *rw;
	gomap_shard_t *sh;
	gomap_chan_t *ch;
	assert_int_equal(gomap_mutex_new(&mx, &gomap_type_u64, &gomap_type_u64, NULL), 0);
	assert_int_equal(gomap_rwmutex_new(&rw, &gomap_type_u64, &gomap_type_u64, NULL), 0);
	assert_int_equal(gomap_shard_new(&sh, &gomap_type_u64, &gomap_type_u64, NULL), 0);
	assert_int_equal(gomap_chan_new(&ch, &gomap_type_u64, &gomap_type_u64, NULL), 0);

	/* hand locking */
	gomap_mutex_lock(mx);
	int bad = outputs(&mutex_dops, mx, 2);
	gomap_mutex_unlock(mx);
	assert_int_equal(bad, 0);
	gomap_rwmutex_lock(rw);
	bad = outputs(&rwmutex_dops, rw, 2);
	gomap_rwmutex_unlock(rw);
	assert_int_equal(bad, 0);

	/* atomic sections and transactions */
	struct reent r = {&mutex_dops, mx, 3, -1};
	assert_int_equal(gomap_mutex_atomic(mx, reent_fn, &r), 0);
	assert_int_equal(r.bad, 0);
	r = (struct reent){&rwmutex_dops, rw, 3, -1};
	assert_int_equal(gomap_rwmutex_atomic(rw, reent_fn, &r), 0);
	assert_int_equal(r.bad, 0);
	r = (struct reent){&shard_dops, sh, 3, -1};
	assert_int_equal(gomap_shard_atomic(sh, &r.k, reent_fn, &r), 0);
	assert_int_equal(r.bad, 0);
	r = (struct reent){&chan_dops, ch, 3, -1};
	assert_int_equal(gomap_chan_txn(ch, reent_fn, &r), 0);
	assert_int_equal(r.bad, 0);

	gomap_mutex_free(mx);
	gomap_rwmutex_free(rw);
	gomap_shard_free(sh);
	gomap_chan_free(ch);
}

/* ---- chan's asynchronous requests --------------------------------------- */

static int req(gomap_chan_t *m, gomap_chan_op op, const uint64_t *k,
               const uint64_t *v, uint64_t *out)
{
	gomap_chan_req r = {.op = op, .key = k, .val = v, .out = out};
	int rc = gomap_chan_submit(m, &r);
	if (rc < 0)
		return rc;
	rc = gomap_chan_wait(&r);
	assert_int_equal(rc, r.result);
	return rc;
}

static void test_outputs_chan_requests(void **st)
{
	(void)st;
	gomap_chan_t *m;
	assert_int_equal(gomap_chan_new(&m, &gomap_type_u64, &gomap_type_u64, NULL), 0);
	uint64_t k = 5, a = 51, b = 52, out;

	out = CANARY;
	assert_int_equal(req(m, GOMAP_CHAN_LOAD, &k, NULL, &out), 0);
	assert_true(out == CANARY);
	assert_int_equal(req(m, GOMAP_CHAN_LOAD_AND_DELETE, &k, NULL, &out), 0);
	assert_true(out == CANARY);
	assert_int_equal(req(m, GOMAP_CHAN_LOAD_OR_STORE, &k, &a, &out), 0);
	assert_int_equal(out, a); /* stored: the value given */
	out = CANARY;
	assert_int_equal(req(m, GOMAP_CHAN_LOAD_OR_STORE, &k, &b, &out), 1);
	assert_int_equal(out, a); /* loaded */
	out = CANARY;
	assert_int_equal(req(m, GOMAP_CHAN_SWAP, &k, &b, &out), 1);
	assert_int_equal(out, a);
	out = CANARY;
	assert_int_equal(req(m, GOMAP_CHAN_LOAD, &k, NULL, &out), 1);
	assert_int_equal(out, b);
	out = CANARY;
	assert_int_equal(req(m, GOMAP_CHAN_LOAD_AND_DELETE, &k, NULL, &out), 1);
	assert_int_equal(out, b);
	out = CANARY;
	assert_int_equal(req(m, GOMAP_CHAN_SWAP, &k, &a, &out), 0);
	assert_true(out == CANARY); /* inserted: nothing to hand back */
	assert_int_equal(req(m, GOMAP_CHAN_LOAD_OR_STORE, NULL, &a, &out),
	                 GOMAP_EINVAL);
	assert_true(out == CANARY);
	gomap_chan_free(m);
}

/* ---- waiting on a request that was never submitted ---------------------- */

static void *wait_zeroed(void *arg)
{
	gomap_chan_req *r = arg;
	return (void *)(intptr_t)gomap_chan_wait(r);
}

/* A zeroed request was never submitted: nothing will ever complete it, so
 * wait answers GOMAP_EINVAL at once instead of sleeping forever. Run on a
 * thread that the test joins: before the fix it hung (ctest's timeout). */
static void test_chan_wait_unsubmitted(void **st)
{
	(void)st;
	gomap_chan_req r;
	memset(&r, 0, sizeof r);
	assert_false(gomap_chan_done(&r));
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, wait_zeroed, &r), 0);
	void *res;
	assert_int_equal(pthread_join(t, &res), 0);
	assert_int_equal((int)(intptr_t)res, GOMAP_EINVAL);

	/* A completed request stays complete; zeroed again, it is
	 * unsubmitted again. */
	gomap_chan_t *m;
	assert_int_equal(gomap_chan_new(&m, &gomap_type_u64, &gomap_type_u64, NULL), 0);
	uint64_t k = 1, v = 2;
	r = (gomap_chan_req){.op = GOMAP_CHAN_STORE, .key = &k, .val = &v};
	assert_int_equal(gomap_chan_submit(m, &r), 0);
	assert_int_equal(gomap_chan_wait(&r), 0);
	assert_true(gomap_chan_done(&r));
	assert_int_equal(gomap_chan_wait(&r), 0);
	memset(&r, 0, sizeof r);
	assert_false(gomap_chan_done(&r));
	assert_int_equal(gomap_chan_wait(&r), GOMAP_EINVAL);
	/* refused requests are complete (with their error), not unsubmitted */
	r = (gomap_chan_req){.op = GOMAP_CHAN_STORE, .key = NULL, .val = &v};
	assert_int_equal(gomap_chan_submit(m, &r), GOMAP_EINVAL);
	assert_true(gomap_chan_done(&r));
	assert_int_equal(gomap_chan_wait(&r), GOMAP_EINVAL);
	gomap_chan_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_outputs_direct),
		cmocka_unit_test(test_outputs_reentry),
		cmocka_unit_test(test_outputs_chan_requests),
		cmocka_unit_test(test_chan_wait_unsubmitted),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
