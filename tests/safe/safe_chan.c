/*
 * tests/safe/safe_chan.c - the chan map beyond cmap.h: asynchronous
 * requests (submit, batch, wait, done), transactions and inline calls on
 * the owner thread, waiting on the owner refused instead of deadlocking,
 * shutdown (every accepted request completes, later ones get
 * GOMAP_ESHUTDOWN, nothing leaks: ASan checks), and the plain map's misuse
 * detection still firing when a transaction leaks the map to a thread.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <time.h>

#include <gomap/chan.h>

#include "safe_test.h"

static gomap_chan_t *new_u64(void)
{
	gomap_chan_t *m = NULL;
	assert_int_equal(gomap_chan_new(&m, &gomap_type_u64, &gomap_type_u64,
	                                NULL),
	                 0);
	return m;
}

static void test_async_requests(void **st)
{
	(void)st;
	gomap_chan_t *m = new_u64();
	enum { N = 1000 };
	gomap_chan_req *r = calloc(N, sizeof *r);
	uint64_t *keys = calloc(N, sizeof *keys), *vals = calloc(N, 8),
		 *outs = calloc(N, 8);
	for (size_t i = 0; i < N; i++) {
		keys[i] = i;
		vals[i] = i * 2;
		r[i] = (gomap_chan_req){.op = GOMAP_CHAN_STORE, .key = &keys[i],
		                        .val = &vals[i]};
		assert_int_equal(gomap_chan_submit(m, &r[i]), 0);
	}
	for (size_t i = 0; i < N; i++) {
		assert_int_equal(gomap_chan_wait(&r[i]), 0);
		assert_true(gomap_chan_done(&r[i]));
	}
	assert_int_equal(gomap_chan_len(m), N);

	/* a batch of loads, one queue operation */
	for (size_t i = 0; i < N; i++)
		r[i] = (gomap_chan_req){.op = GOMAP_CHAN_LOAD, .key = &keys[i],
		                        .out = &outs[i]};
	assert_int_equal(gomap_chan_submit_batch(m, r, N), 0);
	for (size_t i = 0; i < N; i++) {
		assert_int_equal(gomap_chan_wait(&r[i]), 1);
		assert_int_equal(r[i].result, 1);
		assert_int_equal(outs[i], i * 2);
	}

	/* requests run in submission order: CAS chain on one key */
	uint64_t k = 7, a = 14, b = 100, c = 200;
	gomap_chan_req q[3] = {
		{.op = GOMAP_CHAN_COMPARE_AND_SWAP, .key = &k, .val = &a,
		 .val2 = &b},
		{.op = GOMAP_CHAN_COMPARE_AND_SWAP, .key = &k, .val = &b,
		 .val2 = &c},
		{.op = GOMAP_CHAN_COMPARE_AND_DELETE, .key = &k, .val = &c},
	};
	for (int i = 0; i < 3; i++)
		assert_int_equal(gomap_chan_submit(m, &q[i]), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(gomap_chan_wait(&q[i]), 1);
	assert_int_equal(gomap_chan_load(m, &k, NULL), 0);

	/* bad requests complete at once with GOMAP_EINVAL */
	gomap_chan_req bad[3] = {
		{.op = (gomap_chan_op)77, .key = &k},
		{.op = GOMAP_CHAN_STORE, .key = NULL, .val = &a},
		{.op = GOMAP_CHAN_TXN, .fn = NULL},
	};
	for (int i = 0; i < 3; i++) {
		assert_int_equal(gomap_chan_submit(m, &bad[i]), GOMAP_EINVAL);
		assert_true(gomap_chan_done(&bad[i]));
		assert_int_equal(gomap_chan_wait(&bad[i]), GOMAP_EINVAL);
	}
	/* in a batch, only the bad ones are refused */
	gomap_chan_req mix[2] = {
		{.op = GOMAP_CHAN_STORE, .key = NULL, .val = &a},
		{.op = GOMAP_CHAN_STORE, .key = &k, .val = &a},
	};
	assert_int_equal(gomap_chan_submit_batch(m, mix, 2), 0);
	assert_int_equal(gomap_chan_wait(&mix[0]), GOMAP_EINVAL);
	assert_int_equal(gomap_chan_wait(&mix[1]), 0);
	assert_int_equal(gomap_chan_submit(NULL, &mix[1]), GOMAP_EINVAL);
	assert_int_equal(gomap_chan_submit(m, NULL), GOMAP_EINVAL);
	assert_int_equal(gomap_chan_submit_batch(NULL, mix, 2), GOMAP_EINVAL);
	assert_int_equal(gomap_chan_wait(NULL), GOMAP_EINVAL);
	assert_false(gomap_chan_done(NULL));

	gomap_chan_free(m);
	free(r);
	free(keys);
	free(vals);
	free(outs);
}

/* ---- transactions -------------------------------------------------------- */

struct txn_ctx {
	gomap_chan_t *m;
	int store_rc, load_rc, range_rc, nested_rc, shutdown_rc, submit_rc;
	size_t seen;
	gomap_chan_req inline_req;
	uint64_t k, v;
};

static bool count_fn(const void *k, void *v, void *ctx)
{
	(void)k;
	(void)v;
	((struct txn_ctx *)ctx)->seen++;
	return true;
}

static int nested(gomap_map_t *map, void *ctx)
{
	(void)ctx;
	return (int)gomap_map_len(map);
}

static int txn_fn(gomap_map_t *map, void *ctx)
{
	struct txn_ctx *c = ctx;
	uint64_t k = 1, v;
	if (gomap_map_get(map, &k, &v) != 1)
		return -1;
	uint64_t k2 = 2, v2 = v + 1;
	gomap_map_put(map, &k2, &v2);
	/* the safe API on the owner thread runs inline */
	uint64_t k3 = 3;
	c->store_rc = gomap_chan_store(c->m, &k3, &v2);
	c->load_rc = gomap_chan_load(c->m, &k2, NULL);
	c->range_rc = gomap_chan_range(c->m, count_fn, c);
	c->nested_rc = gomap_chan_txn(c->m, nested, NULL);
	c->shutdown_rc = gomap_chan_shutdown(c->m);
	c->k = 4;
	c->v = 40;
	c->inline_req = (gomap_chan_req){.op = GOMAP_CHAN_STORE, .key = &c->k,
	                                 .val = &c->v};
	c->submit_rc = gomap_chan_submit(c->m, &c->inline_req);
	return 55;
}

static void test_txn_and_inline(void **st)
{
	(void)st;
	gomap_chan_t *m = new_u64();
	uint64_t k = 1, v = 10;
	assert_int_equal(gomap_chan_store(m, &k, &v), 0);
	struct txn_ctx c = {.m = m};
	assert_int_equal(gomap_chan_txn(m, txn_fn, &c), 55);
	assert_int_equal(c.store_rc, 0);
	assert_int_equal(c.load_rc, 1);
	assert_int_equal(c.range_rc, 0);
	assert_int_equal(c.seen, 3);
	assert_int_equal(c.nested_rc, 3);
	assert_int_equal(c.shutdown_rc, GOMAP_EBUSY);
	assert_int_equal(c.submit_rc, 0);
	assert_true(gomap_chan_done(&c.inline_req)); /* ran inline */
	assert_int_equal(gomap_chan_len(m), 4);
	assert_int_equal(gomap_chan_txn(m, NULL, NULL), GOMAP_EINVAL);
	assert_int_equal(gomap_chan_txn(NULL, txn_fn, NULL), GOMAP_EINVAL);
	gomap_chan_free(m);
}

/* Waiting on the owner thread for a request queued behind the running
 * transaction would deadlock: refused with GOMAP_EBUSY. */
struct behind {
	gomap_chan_t *m;
	gomap_chan_req req;
	uint64_t k, v;
	int wait_rc;
	bool done_inside;
};

static void *submit_behind(void *arg)
{
	struct behind *b = arg;
	b->k = 9;
	b->v = 90;
	b->req = (gomap_chan_req){.op = GOMAP_CHAN_STORE, .key = &b->k,
	                          .val = &b->v};
	gomap_chan_submit(b->m, &b->req);
	return NULL;
}

static int txn_wait_behind(gomap_map_t *map, void *ctx)
{
	struct behind *b = ctx;
	(void)map;
	pthread_t t;
	pthread_create(&t, NULL, submit_behind, b);
	pthread_join(t, NULL);
	b->wait_rc = gomap_chan_wait(&b->req);
	b->done_inside = gomap_chan_done(&b->req);
	return 0;
}

static void test_wait_on_owner_refused(void **st)
{
	(void)st;
	gomap_chan_t *m = new_u64();
	struct behind b = {.m = m};
	assert_int_equal(gomap_chan_txn(m, txn_wait_behind, &b), 0);
	assert_int_equal(b.wait_rc, GOMAP_EBUSY);
	assert_false(b.done_inside);
	assert_int_equal(gomap_chan_wait(&b.req), 0);
	uint64_t out;
	assert_int_equal(gomap_chan_load(m, &b.k, &out), 1);
	assert_int_equal(out, 90);
	gomap_chan_free(m);
}

/* ---- shutdown -------------------------------------------------------------- */

static int slow_txn(gomap_map_t *map, void *ctx)
{
	(void)map;
	(void)ctx;
	struct timespec ts = {0, 200000}; /* keep requests queued behind */
	nanosleep(&ts, NULL);
	return 1;
}

static void test_shutdown_completes_inflight(void **st)
{
	(void)st;
	gomap_chan_t *m = new_u64();
	enum { N = 200 };
	gomap_chan_req r[N];
	uint64_t keys[N];
	for (size_t i = 0; i < N; i++) {
		keys[i] = i;
		if (i % 10 == 0)
			r[i] = (gomap_chan_req){.op = GOMAP_CHAN_TXN,
			                        .fn = slow_txn};
		else
			r[i] = (gomap_chan_req){.op = GOMAP_CHAN_STORE,
			                        .key = &keys[i],
			                        .val = &keys[i]};
		assert_int_equal(gomap_chan_submit(m, &r[i]), 0);
	}
	assert_int_equal(gomap_chan_shutdown(m), 0);
	/* every accepted request is complete when shutdown returns */
	for (size_t i = 0; i < N; i++) {
		assert_true(gomap_chan_done(&r[i]));
		assert_int_equal(r[i].result, i % 10 == 0 ? 1 : 0);
	}
	assert_int_equal(gomap_chan_len(m), N - N / 10);
	/* and everything after it is refused */
	uint64_t k = 1, v = 1;
	assert_int_equal(gomap_chan_store(m, &k, &v), GOMAP_ESHUTDOWN);
	assert_int_equal(gomap_chan_load(m, &k, NULL), GOMAP_ESHUTDOWN);
	assert_int_equal(gomap_chan_clear(m), GOMAP_ESHUTDOWN);
	assert_int_equal(gomap_chan_range(m, count_fn, NULL), GOMAP_ESHUTDOWN);
	assert_int_equal(gomap_chan_txn(m, slow_txn, NULL), GOMAP_ESHUTDOWN);
	gomap_chan_req late = {.op = GOMAP_CHAN_STORE, .key = &k, .val = &v};
	assert_int_equal(gomap_chan_submit(m, &late), GOMAP_ESHUTDOWN);
	assert_int_equal(gomap_chan_wait(&late), GOMAP_ESHUTDOWN);
	gomap_chan_req lb[2] = {late, late};
	assert_int_equal(gomap_chan_submit_batch(m, lb, 2), GOMAP_ESHUTDOWN);
	assert_int_equal(gomap_chan_wait(&lb[1]), GOMAP_ESHUTDOWN);
	assert_int_equal(gomap_chan_shutdown(m), 0); /* again: fine */
	assert_int_equal(gomap_chan_len(m), N - N / 10);
	gomap_chan_free(m);
	assert_int_equal(gomap_chan_shutdown(NULL), GOMAP_EINVAL);
	gomap_chan_free(NULL);
}

/* Producers race a shutdown: each request is either accepted (and then
 * complete when shutdown returns, with its effect in the map) or refused
 * with GOMAP_ESHUTDOWN; after a thread's first refusal, all are refused.
 * Each producer submits until it has seen several refusals, through a ring
 * of request slots (a slot is waited for before it is reused). */
#define PRODUCERS 3
#define RING 256
#define WARMUP 500

struct producer {
	gomap_chan_t *m;
	int t;
	uint64_t keys[RING];
	gomap_chan_req req[RING];
	bool used[RING];
	size_t accepted, refused, bad;
};

static atomic_int warmed_up;

/* Collect slot i before reuse. */
static void reap(struct producer *p, size_t i)
{
	if (!p->used[i])
		return;
	int rc = gomap_chan_wait(&p->req[i]);
	if (rc != 0 && rc != GOMAP_ESHUTDOWN)
		p->bad++;
	p->used[i] = false;
}

static void *produce(void *arg)
{
	struct producer *p = arg;
	for (uint64_t n = 0; p->refused < 16; n++) {
		size_t i = (size_t)(n % RING);
		reap(p, i);
		p->keys[i] = ((uint64_t)p->t << 32) | n;
		p->req[i] = (gomap_chan_req){.op = GOMAP_CHAN_STORE,
		                             .key = &p->keys[i],
		                             .val = &p->keys[i]};
		int rc = gomap_chan_submit(p->m, &p->req[i]);
		p->used[i] = true;
		if (rc == 0) {
			if (p->refused)
				p->bad++; /* accepted after a refusal */
			p->accepted++;
		} else if (rc == GOMAP_ESHUTDOWN) {
			p->refused++;
		} else {
			p->bad++;
		}
		if (n == WARMUP)
			atomic_fetch_add(&warmed_up, 1);
	}
	return NULL;
}

struct shutter {
	gomap_chan_t *m;
	int rc;
};

static void *shut(void *arg)
{
	struct shutter *s = arg;
	s->rc = gomap_chan_shutdown(s->m);
	return NULL;
}

static void test_shutdown_races_producers(void **st)
{
	(void)st;
	long rounds = st_scale(8);
	if (rounds < 2)
		rounds = 2;
	for (long round = 0; round < rounds; round++) {
		gomap_chan_t *m = new_u64();
		struct producer *p = calloc(PRODUCERS, sizeof *p);
		pthread_t th[PRODUCERS], s1, s2;
		atomic_store(&warmed_up, 0);
		for (int t = 0; t < PRODUCERS; t++) {
			p[t].m = m;
			p[t].t = t;
			assert_int_equal(pthread_create(&th[t], NULL, produce,
			                                &p[t]),
			                 0);
		}
		while (atomic_load(&warmed_up) < PRODUCERS)
			sched_yield();
		/* two concurrent shutdowns: both return after the drain */
		struct shutter a = {m, -1}, b = {m, -1};
		pthread_create(&s1, NULL, shut, &a);
		pthread_create(&s2, NULL, shut, &b);
		pthread_join(s1, NULL);
		pthread_join(s2, NULL);
		assert_int_equal(a.rc, 0);
		assert_int_equal(b.rc, 0);
		size_t accepted = 0;
		for (int t = 0; t < PRODUCERS; t++) {
			pthread_join(th[t], NULL);
			/* the owner is gone: what is done was done before */
			for (size_t i = 0; i < RING; i++) {
				if (!p[t].used[i])
					continue;
				assert_true(gomap_chan_done(&p[t].req[i]));
				reap(&p[t], i);
			}
			assert_int_equal(p[t].bad, 0);
			assert_true(p[t].accepted > WARMUP);
			assert_int_equal(p[t].refused, 16);
			accepted += p[t].accepted;
		}
		/* every accepted store took effect (distinct keys) */
		assert_int_equal(gomap_chan_len(m), accepted);
		gomap_chan_free(m);
		free(p);
	}
}

/* Free with requests still in flight: they all complete first. */
static void test_free_with_inflight(void **st)
{
	(void)st;
	gomap_chan_t *m = new_u64();
	enum { N = 300 };
	gomap_chan_req *r = calloc(N, sizeof *r);
	uint64_t *keys = calloc(N, sizeof *keys);
	for (size_t i = 0; i < N; i++) {
		keys[i] = i;
		r[i] = (gomap_chan_req){.op = i % 50 ? GOMAP_CHAN_STORE
		                                     : GOMAP_CHAN_TXN,
		                        .key = &keys[i], .val = &keys[i],
		                        .fn = slow_txn};
	}
	assert_int_equal(gomap_chan_submit_batch(m, r, N), 0);
	gomap_chan_free(m);
	for (size_t i = 0; i < N; i++) {
		assert_true(gomap_chan_done(&r[i]));
		assert_int_equal(r[i].result, i % 50 ? 0 : 1);
	}
	free(r);
	free(keys);
}

/* ---- misuse of the plain map from a transaction -------------------------- */

static void *leaked_writer(void *arg)
{
	gomap_map_t *map = arg;
	for (uint64_t i = 0;; i++)
		gomap_map_put(map, &i, &i);
	return NULL;
}

static int leak_txn(gomap_map_t *map, void *ctx)
{
	(void)ctx;
	pthread_t t;
	pthread_create(&t, NULL, leaked_writer, map);
	for (uint64_t i = 1u << 20;; i++)
		gomap_map_put(map, &i, &i);
	return 0;
}

static void leak_map(void *arg)
{
	(void)arg;
	setenv("GOMAP_DEBUG", "racewindow=2000", 1);
	gomap_debug_reload();
	gomap_chan_t *m = NULL;
	gomap_chan_new(&m, &gomap_type_u64, &gomap_type_u64, NULL);
	gomap_chan_txn(m, leak_txn, NULL);
}

static void test_txn_misuse_detected(void **st)
{
	(void)st;
	if (GOMAP_TEST_TSAN || !gomap_checks_compiled())
		skip(); /* a real data race on purpose: not under TSan */
	st_expect_fatal(leak_map, NULL, "concurrent map");
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_async_requests),
	cmocka_unit_test(test_txn_and_inline),
	cmocka_unit_test(test_wait_on_owner_refused),
	cmocka_unit_test(test_shutdown_completes_inflight),
	cmocka_unit_test(test_shutdown_races_producers),
	cmocka_unit_test(test_free_with_inflight),
	cmocka_unit_test(test_txn_misuse_detected),
};

int main(void)
{
	return cmocka_run_group_tests_name("safe_chan", tests, NULL, NULL);
}
