/*
 * tests/safe/safe_locking.c - what the lock-based maps (mutex, rwmutex,
 * shard) promise beyond cmap.h: re-entry from callbacks (exactly which
 * calls work and which are refused with GOMAP_EBUSY), atomic sections,
 * locking by hand, fatal errors for lock misuse, shard options and key
 * placement.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include <gomap/mutex.h>
#include <gomap/rwmutex.h>
#include <gomap/shard.h>

#include "safe_test.h"

/* ---- mutex --------------------------------------------------------------- */

struct mx_re {
	gomap_mutex_t *m;
	int store_rc, del_rc, load_rc, range_rc, atomic_rc, clear_rc;
	size_t calls, inner;
};

static bool count_inner(const void *k, void *v, void *ctx)
{
	(void)k;
	(void)v;
	((struct mx_re *)ctx)->inner++;
	return true;
}

static int atomic_42(gomap_map_t *map, void *ctx)
{
	(void)ctx;
	return map ? 42 : -1;
}

static bool mx_re_fn(const void *k, void *v, void *ctx)
{
	struct mx_re *r = ctx;
	uint64_t key, nk = 1000, val = 5;
	memcpy(&key, k, 8);
	(void)v;
	if (r->calls++ == 0) {
		r->store_rc = gomap_mutex_store(r->m, &nk, &val);
		r->del_rc = gomap_mutex_delete(r->m, &key);
		r->load_rc = gomap_mutex_load(r->m, &nk, NULL);
		r->range_rc = gomap_mutex_range(r->m, count_inner, r);
		r->atomic_rc = gomap_mutex_atomic(r->m, atomic_42, NULL);
	}
	return true;
}

static void test_mutex_range_reentry(void **st)
{
	(void)st;
	gomap_mutex_t *m;
	assert_int_equal(gomap_mutex_new(&m, &gomap_type_u64, &gomap_type_u64,
	                                 NULL),
	                 0);
	for (uint64_t i = 1; i <= 20; i++)
		assert_int_equal(gomap_mutex_store(m, &i, &i), 0);
	struct mx_re r = {.m = m};
	assert_int_equal(gomap_mutex_range(m, mx_re_fn, &r), 0);
	assert_int_equal(r.store_rc, 0);
	assert_int_equal(r.del_rc, 1);
	assert_int_equal(r.load_rc, 1);
	assert_int_equal(r.range_rc, 0);
	assert_int_equal(r.inner, 20); /* 20 - 1 deleted + 1 stored */
	assert_int_equal(r.atomic_rc, 42);
	assert_true(r.calls >= 20 && r.calls <= 21);
	assert_int_equal(gomap_mutex_len(m), 20);
	gomap_mutex_free(m);
}

struct txn_ctx {
	gomap_mutex_t *m;
	int reentry_rc;
};

static int mx_atomic_fn(gomap_map_t *map, void *ctx)
{
	struct txn_ctx *c = ctx;
	uint64_t k = 1, v;
	if (gomap_map_get(map, &k, &v) != 1)
		return -100;
	v += 10;
	if (gomap_map_put(map, &k, &v) < 0)
		return -101;
	uint64_t k2 = 2;
	if (gomap_map_put(map, &k2, &v) != 1)
		return -102;
	/* re-entry through the safe API works too */
	uint64_t k3 = 3;
	c->reentry_rc = gomap_mutex_store(c->m, &k3, &v);
	return 7;
}

static void test_mutex_atomic(void **st)
{
	(void)st;
	gomap_mutex_t *m;
	assert_int_equal(gomap_mutex_new(&m, &gomap_type_u64, &gomap_type_u64,
	                                 NULL),
	                 0);
	uint64_t k = 1, v = 5, out;
	assert_int_equal(gomap_mutex_store(m, &k, &v), 0);
	struct txn_ctx c = {m, -1};
	assert_int_equal(gomap_mutex_atomic(m, mx_atomic_fn, &c), 7);
	assert_int_equal(c.reentry_rc, 0);
	assert_int_equal(gomap_mutex_len(m), 3); /* len follows plain writes */
	k = 2;
	assert_int_equal(gomap_mutex_load(m, &k, &out), 1);
	assert_int_equal(out, 15);
	assert_int_equal(gomap_mutex_atomic(NULL, mx_atomic_fn, &c),
	                 GOMAP_EINVAL);
	assert_int_equal(gomap_mutex_atomic(m, NULL, &c), GOMAP_EINVAL);
	gomap_mutex_free(m);
}

static void *try_from_other(void *arg)
{
	return (void *)(intptr_t)gomap_mutex_trylock(arg);
}

static void test_mutex_by_hand(void **st)
{
	(void)st;
	gomap_mutex_t *m;
	assert_int_equal(gomap_mutex_new(&m, &gomap_type_u64, &gomap_type_u64,
	                                 NULL),
	                 0);
	uint64_t k = 4, v = 44, out;
	gomap_mutex_lock(m);
	assert_int_equal(gomap_map_put(gomap_mutex_map(m), &k, &v), 1);
	/* the holder's own calls are served directly */
	assert_int_equal(gomap_mutex_load(m, &k, &out), 1);
	assert_int_equal(out, 44);
	assert_false(gomap_mutex_trylock(m)); /* held by this thread */
	pthread_t t;
	void *res;
	assert_int_equal(pthread_create(&t, NULL, try_from_other, m), 0);
	pthread_join(t, &res);
	assert_false((intptr_t)res); /* held by us */
	gomap_mutex_unlock(m);
	assert_int_equal(gomap_mutex_len(m), 1); /* synced at unlock */
	assert_true(gomap_mutex_trylock(m));
	gomap_mutex_unlock(m);
	gomap_mutex_lock(NULL); /* no-ops */
	gomap_mutex_unlock(NULL);
	assert_null(gomap_mutex_map(NULL));
	gomap_mutex_free(m);
}

static void lock_twice(void *arg)
{
	(void)arg;
	gomap_mutex_t *m;
	gomap_mutex_new(&m, &gomap_type_u64, &gomap_type_u64, NULL);
	gomap_mutex_lock(m);
	gomap_mutex_lock(m);
}

static void unlock_unheld(void *arg)
{
	(void)arg;
	gomap_mutex_t *m;
	gomap_mutex_new(&m, &gomap_type_u64, &gomap_type_u64, NULL);
	gomap_mutex_unlock(m);
}

static void test_mutex_misuse_fatal(void **st)
{
	(void)st;
	st_expect_fatal(lock_twice, NULL, "recursive lock");
	st_expect_fatal(unlock_unheld, NULL, "not locked by this thread");
}

/* ---- rwmutex --------------------------------------------------------------- */

struct rw_re {
	gomap_rwmutex_t *m;
	int load_rc, store_rc, del_rc, clear_rc, atomic_rc, read_rc, range_rc;
	size_t len, calls;
};

static int read_fn(const gomap_map_t *map, void *ctx)
{
	(void)ctx;
	return (int)gomap_map_len(map);
}

static bool noop_fn(const void *k, void *v, void *ctx)
{
	(void)k;
	(void)v;
	(void)ctx;
	return true;
}

static bool rw_re_fn(const void *k, void *v, void *ctx)
{
	struct rw_re *r = ctx;
	uint64_t key, val = 1;
	memcpy(&key, k, 8);
	(void)v;
	if (r->calls++ == 0) {
		r->load_rc = gomap_rwmutex_load(r->m, &key, NULL);
		r->store_rc = gomap_rwmutex_store(r->m, &key, &val);
		r->del_rc = gomap_rwmutex_delete(r->m, &key);
		r->clear_rc = gomap_rwmutex_clear(r->m);
		r->atomic_rc = gomap_rwmutex_atomic(r->m, atomic_42, NULL);
		r->read_rc = gomap_rwmutex_atomic_read(r->m, read_fn, NULL);
		r->range_rc = gomap_rwmutex_range(r->m, noop_fn, NULL);
		r->len = gomap_rwmutex_len(r->m);
	}
	return true;
}

static void test_rwmutex_range_reentry(void **st)
{
	(void)st;
	gomap_rwmutex_t *m;
	assert_int_equal(gomap_rwmutex_new(&m, &gomap_type_u64,
	                                   &gomap_type_u64, NULL),
	                 0);
	for (uint64_t i = 1; i <= 10; i++)
		assert_int_equal(gomap_rwmutex_store(m, &i, &i), 0);
	struct rw_re r = {.m = m};
	assert_int_equal(gomap_rwmutex_range(m, rw_re_fn, &r), 0);
	assert_int_equal(r.calls, 10);
	assert_int_equal(r.load_rc, 1);
	assert_int_equal(r.store_rc, GOMAP_EBUSY);
	assert_int_equal(r.del_rc, GOMAP_EBUSY);
	assert_int_equal(r.clear_rc, GOMAP_EBUSY);
	assert_int_equal(r.atomic_rc, GOMAP_EBUSY);
	assert_int_equal(r.read_rc, 10);
	assert_int_equal(r.range_rc, 0);
	assert_int_equal(r.len, 10);
	/* refused writes changed nothing */
	for (uint64_t i = 1; i <= 10; i++) {
		uint64_t out;
		assert_int_equal(gomap_rwmutex_load(m, &i, &out), 1);
		assert_int_equal(out, i);
	}
	gomap_rwmutex_free(m);
}

struct rw_wctx {
	gomap_rwmutex_t *m;
	int store_rc, range_rc, read_rc;
};

static int rw_write_fn(gomap_map_t *map, void *ctx)
{
	struct rw_wctx *c = ctx;
	uint64_t k = 1, v = 2;
	gomap_map_put(map, &k, &v);
	k = 2;
	c->store_rc = gomap_rwmutex_store(c->m, &k, &v);
	c->range_rc = gomap_rwmutex_range(c->m, noop_fn, NULL);
	c->read_rc = gomap_rwmutex_atomic_read(c->m, read_fn, NULL);
	return 3;
}

static void test_rwmutex_atomic(void **st)
{
	(void)st;
	gomap_rwmutex_t *m;
	assert_int_equal(gomap_rwmutex_new(&m, &gomap_type_u64,
	                                   &gomap_type_u64, NULL),
	                 0);
	struct rw_wctx c = {.m = m};
	assert_int_equal(gomap_rwmutex_atomic(m, rw_write_fn, &c), 3);
	assert_int_equal(c.store_rc, 0);
	assert_int_equal(c.range_rc, 0);
	assert_int_equal(c.read_rc, 2);
	assert_int_equal(gomap_rwmutex_len(m), 2);
	assert_int_equal(gomap_rwmutex_atomic_read(m, read_fn, NULL), 2);
	assert_int_equal(gomap_rwmutex_atomic_read(m, NULL, NULL),
	                 GOMAP_EINVAL);
	gomap_rwmutex_free(m);
}

struct reader_arg {
	gomap_rwmutex_t *m;
	int rc;
};

static void *reader_thread(void *arg)
{
	struct reader_arg *a = arg;
	uint64_t k = 1;
	a->rc = gomap_rwmutex_load(a->m, &k, NULL);
	return NULL;
}

static void test_rwmutex_by_hand(void **st)
{
	(void)st;
	gomap_rwmutex_t *m;
	assert_int_equal(gomap_rwmutex_new(&m, &gomap_type_u64,
	                                   &gomap_type_u64, NULL),
	                 0);
	uint64_t k = 1, v = 11, out;
	gomap_rwmutex_lock(m);
	assert_int_equal(gomap_map_put(gomap_rwmutex_map(m), &k, &v), 1);
	gomap_rwmutex_unlock(m);
	assert_int_equal(gomap_rwmutex_len(m), 1);

	gomap_rwmutex_rlock(m);
	gomap_rwmutex_rlock(m); /* recursive read lock */
	assert_int_equal(gomap_map_get(gomap_rwmutex_map_read(m), &k, &out), 1);
	assert_int_equal(out, 11);
	assert_int_equal(gomap_rwmutex_store(m, &k, &v), GOMAP_EBUSY);
	/* another reader gets in while we hold the shared lock */
	struct reader_arg a = {m, -1};
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, reader_thread, &a), 0);
	pthread_join(t, NULL);
	assert_int_equal(a.rc, 1);
	gomap_rwmutex_runlock(m);
	gomap_rwmutex_runlock(m);
	assert_int_equal(gomap_rwmutex_store(m, &k, &v), 0); /* released */
	gomap_rwmutex_free(m);
}

struct writer_arg {
	gomap_rwmutex_t *m;
	atomic_int done;
};

static void *writer_thread(void *arg)
{
	struct writer_arg *a = arg;
	uint64_t k = 2, v = 22;
	gomap_rwmutex_store(a->m, &k, &v);
	atomic_store(&a->done, 1);
	return NULL;
}

static void *reader_waits_thread(void *arg)
{
	struct writer_arg *a = arg;
	uint64_t k = 2;
	gomap_rwmutex_load(a->m, &k, NULL);
	atomic_store(&a->done, 1);
	return NULL;
}

/* The reader-writer exclusion itself, both ways, through the per-CPU reader
 * counts: a store waits (past its yields, asleep) for a reader that holds
 * the lock by hand, and a load waits for a writer that holds it. The
 * pause only gives the other thread time to get wrongly in; a correct lock
 * passes however long it is. */
static void test_rwmutex_exclusion(void **st)
{
	(void)st;
	gomap_rwmutex_t *m;
	assert_int_equal(gomap_rwmutex_new(&m, &gomap_type_u64,
	                                   &gomap_type_u64, NULL),
	                 0);
	const struct timespec pause = {0, 50 * 1000 * 1000};
	pthread_t t;

	struct writer_arg w = {m, 0};
	gomap_rwmutex_rlock(m);
	assert_int_equal(pthread_create(&t, NULL, writer_thread, &w), 0);
	nanosleep(&pause, NULL);
	assert_int_equal(atomic_load(&w.done), 0); /* kept out by our read lock */
	gomap_rwmutex_runlock(m);
	pthread_join(t, NULL);
	assert_int_equal(atomic_load(&w.done), 1);
	assert_int_equal(gomap_rwmutex_len(m), 1);

	struct writer_arg r = {m, 0};
	gomap_rwmutex_lock(m);
	assert_int_equal(pthread_create(&t, NULL, reader_waits_thread, &r), 0);
	nanosleep(&pause, NULL);
	assert_int_equal(atomic_load(&r.done), 0); /* kept out by our write lock */
	gomap_rwmutex_unlock(m);
	pthread_join(t, NULL);
	assert_int_equal(atomic_load(&r.done), 1);
	gomap_rwmutex_free(m);
}

static void rw_upgrade(void *arg)
{
	(void)arg;
	gomap_rwmutex_t *m;
	gomap_rwmutex_new(&m, &gomap_type_u64, &gomap_type_u64, NULL);
	gomap_rwmutex_rlock(m);
	gomap_rwmutex_lock(m);
}

static void rw_runlock_unheld(void *arg)
{
	(void)arg;
	gomap_rwmutex_t *m;
	gomap_rwmutex_new(&m, &gomap_type_u64, &gomap_type_u64, NULL);
	gomap_rwmutex_runlock(m);
}

static void test_rwmutex_misuse_fatal(void **st)
{
	(void)st;
	st_expect_fatal(rw_upgrade, NULL, "recursive lock");
	st_expect_fatal(rw_runlock_unheld, NULL, "not read-locked");
}

/* ---- shard --------------------------------------------------------------- */

static void test_shard_options(void **st)
{
	(void)st;
	gomap_shard_t *m;
	gomap_shard_options o = {0};
	assert_int_equal(gomap_shard_new(&m, &gomap_type_u64, &gomap_type_u64,
	                                 NULL),
	                 0);
	size_t n = gomap_shard_count(m), cpus = (size_t)sysconf(
	                                            _SC_NPROCESSORS_ONLN);
	assert_true((n & (n - 1)) == 0);
	size_t want = 4 * cpus < 64 ? 64 : 4 * cpus; /* the documented default */
	assert_true(n >= want && n < 2 * want);
	gomap_shard_free(m);

	o.shards = 5;
	assert_int_equal(gomap_shard_new(&m, &gomap_type_u64, &gomap_type_u64,
	                                 &o),
	                 0);
	assert_int_equal(gomap_shard_count(m), 8);
	gomap_shard_free(m);
	o.shards = 1;
	assert_int_equal(gomap_shard_new(&m, &gomap_type_u64, &gomap_type_u64,
	                                 &o),
	                 0);
	assert_int_equal(gomap_shard_count(m), 1);
	uint64_t k = 3, v = 4;
	assert_int_equal(gomap_shard_store(m, &k, &v), 0);
	assert_int_equal(gomap_shard_index(m, &k), 0);
	gomap_shard_free(m);
	o.shards = 65537;
	m = (gomap_shard_t *)1;
	assert_int_equal(gomap_shard_new(&m, &gomap_type_u64, &gomap_type_u64,
	                                 &o),
	                 GOMAP_ERANGE);
	assert_null(m);
	assert_int_equal(gomap_shard_count(NULL), 0);
}

struct find_ctx {
	uint64_t key;
	int found;
};

static int find_in_shard(gomap_map_t *map, void *ctx)
{
	struct find_ctx *f = ctx;
	f->found = gomap_map_get(map, &f->key, NULL);
	return 0;
}

static void test_shard_placement(void **st)
{
	(void)st;
	gomap_shard_t *m;
	gomap_shard_options o = {.shards = 16};
	assert_int_equal(gomap_shard_new(&m, &gomap_type_u64, &gomap_type_u64,
	                                 &o),
	                 0);
	int used[16] = {0};
	for (uint64_t k = 0; k < 2000; k++) {
		size_t i = gomap_shard_index(m, &k);
		assert_true(i < 16);
		assert_int_equal(gomap_shard_index(m, &k), i); /* stable */
		used[i]++;
		assert_int_equal(gomap_shard_store(m, &k, &k), 0);
	}
	for (int i = 0; i < 16; i++)
		assert_true(used[i] > 2000 / 16 / 3); /* spread */
	/* each key is in the shard its index names */
	for (uint64_t k = 0; k < 2000; k += 97) {
		struct find_ctx f = {k, -1};
		assert_int_equal(gomap_shard_atomic(m, &k, find_in_shard, &f), 0);
		assert_int_equal(f.found, 1);
	}
	assert_int_equal(gomap_shard_len(m), 2000);
	gomap_shard_free(m);
}

struct sh_re {
	gomap_shard_t *m;
	uint64_t same, other;
	int same_rc, other_rc, range_rc, clear_rc, all_rc, nested_rc,
		nested_other_rc;
	size_t len;
};

static int nested_fn(gomap_map_t *map, void *ctx)
{
	(void)ctx;
	return (int)gomap_map_len(map) + 100;
}

static int all_noop(gomap_map_t *const *maps, size_t n, void *ctx)
{
	(void)maps;
	(void)ctx;
	return (int)n;
}

static int sh_re_fn(gomap_map_t *map, void *ctx)
{
	struct sh_re *r = ctx;
	uint64_t v = 9;
	(void)map;
	r->same_rc = gomap_shard_store(r->m, &r->same, &v);
	r->other_rc = gomap_shard_store(r->m, &r->other, &v);
	r->range_rc = gomap_shard_range(r->m, noop_fn, NULL);
	r->clear_rc = gomap_shard_clear(r->m);
	r->all_rc = gomap_shard_atomic_all(r->m, all_noop, NULL);
	r->nested_rc = gomap_shard_atomic(r->m, &r->same, nested_fn, NULL);
	r->nested_other_rc = gomap_shard_atomic(r->m, &r->other, nested_fn,
	                                        NULL);
	r->len = gomap_shard_len(r->m);
	return 1;
}

static void test_shard_atomic_reentry(void **st)
{
	(void)st;
	gomap_shard_t *m;
	gomap_shard_options o = {.shards = 8};
	assert_int_equal(gomap_shard_new(&m, &gomap_type_u64, &gomap_type_u64,
	                                 &o),
	                 0);
	struct sh_re r = {.m = m, .same = 0};
	size_t home = gomap_shard_index(m, &r.same);
	uint64_t k = 1;
	while (gomap_shard_index(m, &k) == home)
		k++;
	r.other = k;
	for (k = 1; gomap_shard_index(m, &k) != home; k++)
		;
	uint64_t same2 = k; /* another key of the home shard */
	assert_int_equal(gomap_shard_store(m, &same2, &k), 0);

	assert_int_equal(gomap_shard_atomic(m, &r.same, sh_re_fn, &r), 1);
	assert_int_equal(r.same_rc, 0);
	assert_int_equal(r.other_rc, GOMAP_EBUSY);
	assert_int_equal(r.range_rc, GOMAP_EBUSY);
	assert_int_equal(r.clear_rc, GOMAP_EBUSY);
	assert_int_equal(r.all_rc, GOMAP_EBUSY);
	assert_int_equal(r.nested_rc, 102);
	assert_int_equal(r.nested_other_rc, GOMAP_EBUSY);
	assert_int_equal(r.len, 2);
	assert_int_equal(gomap_shard_load(m, &r.other, NULL), 0);
	assert_int_equal(gomap_shard_len(m), 2);
	gomap_shard_free(m);
}

struct all_ctx {
	gomap_shard_t *m;
	int store_rc, range_rc, clear_rc;
	size_t seen;
};

static bool count_seen(const void *k, void *v, void *ctx)
{
	(void)k;
	(void)v;
	((struct all_ctx *)ctx)->seen++;
	return true;
}

static int all_fn(gomap_map_t *const *maps, size_t n, void *ctx)
{
	struct all_ctx *c = ctx;
	for (uint64_t k = 0; k < 100; k++)
		if (gomap_map_put(maps[gomap_shard_index(c->m, &k)], &k, &k) < 0)
			return -1;
	uint64_t k = 500, v = 5;
	c->store_rc = gomap_shard_store(c->m, &k, &v);
	c->range_rc = gomap_shard_range(c->m, count_seen, c);
	return (int)n;
}

static int all_clear_fn(gomap_map_t *const *maps, size_t n, void *ctx)
{
	(void)maps;
	(void)n;
	struct all_ctx *c = ctx;
	c->clear_rc = gomap_shard_clear(c->m);
	return 0;
}

static void test_shard_atomic_all(void **st)
{
	(void)st;
	gomap_shard_t *m;
	assert_int_equal(gomap_shard_new(&m, &gomap_type_u64, &gomap_type_u64,
	                                 NULL),
	                 0);
	struct all_ctx c = {.m = m};
	assert_int_equal(gomap_shard_atomic_all(m, all_fn, &c),
	                 (int)gomap_shard_count(m));
	assert_int_equal(c.store_rc, 0);
	assert_int_equal(c.range_rc, 0);
	assert_int_equal(c.seen, 101);
	assert_int_equal(gomap_shard_len(m), 101);
	for (uint64_t k = 0; k < 100; k++) {
		uint64_t out;
		assert_int_equal(gomap_shard_load(m, &k, &out), 1);
		assert_int_equal(out, k);
	}
	assert_int_equal(gomap_shard_atomic_all(m, all_clear_fn, &c), 0);
	assert_int_equal(c.clear_rc, 0);
	assert_int_equal(gomap_shard_len(m), 0);
	gomap_shard_free(m);
}

/* The shard range callback runs outside every lock: anything goes. */
struct sh_range {
	gomap_shard_t *m;
	int store_rc, del_rc, clear_rc;
	size_t calls;
};

static bool sh_range_fn(const void *k, void *v, void *ctx)
{
	struct sh_range *r = ctx;
	(void)v;
	if (r->calls++ == 0) {
		uint64_t nk = 999, val = 1;
		r->store_rc = gomap_shard_store(r->m, &nk, &val);
		r->del_rc = gomap_shard_delete(r->m, k);
		r->clear_rc = gomap_shard_clear(r->m);
	}
	return true;
}

static void test_shard_range_reentry(void **st)
{
	(void)st;
	gomap_shard_t *m;
	assert_int_equal(gomap_shard_new(&m, &gomap_type_u64, &gomap_type_u64,
	                                 NULL),
	                 0);
	for (uint64_t i = 0; i < 50; i++)
		assert_int_equal(gomap_shard_store(m, &i, &i), 0);
	struct sh_range r = {.m = m};
	assert_int_equal(gomap_shard_range(m, sh_range_fn, &r), 0);
	assert_int_equal(r.store_rc, 0);
	assert_int_equal(r.del_rc, 1);
	assert_int_equal(r.clear_rc, 0);
	assert_true(r.calls >= 1 && r.calls <= 51);
	assert_int_equal(gomap_shard_len(m), 0);
	gomap_shard_free(m);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_mutex_range_reentry),
	cmocka_unit_test(test_mutex_atomic),
	cmocka_unit_test(test_mutex_by_hand),
	cmocka_unit_test(test_mutex_misuse_fatal),
	cmocka_unit_test(test_rwmutex_range_reentry),
	cmocka_unit_test(test_rwmutex_atomic),
	cmocka_unit_test(test_rwmutex_by_hand),
	cmocka_unit_test(test_rwmutex_exclusion),
	cmocka_unit_test(test_rwmutex_misuse_fatal),
	cmocka_unit_test(test_shard_options),
	cmocka_unit_test(test_shard_placement),
	cmocka_unit_test(test_shard_atomic_reentry),
	cmocka_unit_test(test_shard_atomic_all),
	cmocka_unit_test(test_shard_range_reentry),
};

int main(void)
{
	return cmocka_run_group_tests_name("safe_locking", tests, NULL, NULL);
}
