/*
 * tests/sync/test_sync_unit.c - every operation of the sync map and its
 * return convention (u64, string, byte-string and f64 keys), destructors
 * (exactly once per dropped value, and only after a grace period), range's
 * contract, resizing both ways, memory given back after mass deletes, and
 * allocation failure leaving the map unchanged.
 */
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <unistd.h>

#include <cmocka.h>

#include <urcu-bp.h>

#include "internal/cmap_impl.h"
#include "sync_test_util.h"

static const gomap_type u64t = {sizeof(uint64_t), GOMAP_KIND_U64, 0, NULL, NULL, NULL, NULL};

static gomap_sync_t *new_u64(void)
{
	gomap_sync_t *m = NULL;
	assert_int_equal(gomap_sync_new(&m, &gomap_type_u64, &gomap_type_u64, NULL), 0);
	assert_non_null(m);
	return m;
}

/* ---- creation ------------------------------------------------------------- */

static bool raw_eq(const void *a, const void *b) { return memcmp(a, b, 4) == 0; }

static void test_new_args(void **state)
{
	(void)state;
	gomap_sync_t *m = (gomap_sync_t *)(uintptr_t)1;
	assert_int_equal(gomap_sync_new(NULL, &u64t, &u64t, NULL), GOMAP_EINVAL);
	assert_int_equal(gomap_sync_new(&m, NULL, &u64t, NULL), GOMAP_EINVAL);
	assert_null(m);
	assert_int_equal(gomap_sync_new(&m, &u64t, NULL, NULL), GOMAP_EINVAL);
	gomap_type bad = u64t;
	bad.size = 4;
	assert_int_equal(gomap_sync_new(&m, &bad, &u64t, NULL), GOMAP_EINVAL);
	gomap_type raw0 = GOMAP_TYPE_RAW(char);
	raw0.size = 0;
	assert_int_equal(gomap_sync_new(&m, &raw0, &u64t, NULL), GOMAP_EINVAL);
	gomap_type raweq = GOMAP_TYPE_RAW(uint32_t);
	raweq.equal = raw_eq; /* equal without hash */
	assert_int_equal(gomap_sync_new(&m, &raweq, &u64t, NULL), GOMAP_EINVAL);
	gomap_allocator half = {ca_alloc, NULL, NULL, NULL};
	gomap_sync_options o = {0, &half};
	assert_int_equal(gomap_sync_new(&m, &u64t, &u64t, &o), GOMAP_EINVAL);
	gomap_sync_free(NULL);
	assert_int_equal(gomap_sync_load(NULL, &(uint64_t){1}, NULL), GOMAP_EINVAL);
	assert_int_equal(gomap_sync_store(NULL, &(uint64_t){1}, NULL), GOMAP_EINVAL);
	assert_int_equal(gomap_sync_len(NULL), 0);
	assert_int_equal(gomap_sync_clear(NULL), GOMAP_EINVAL);
	assert_int_equal(gomap_sync_range(NULL, NULL, NULL), GOMAP_EINVAL);
	/* a hint sizes the first table */
	gomap_sync_options h = {100000, NULL};
	assert_int_equal(gomap_sync_new(&m, &u64t, &u64t, &h), 0);
	gomap_sync_stats st;
	assert_int_equal(gomap_sync_stats_get(m, &st), 0);
	assert_true(st.buckets >= 100000 / 6);
	gomap_sync_free(m);
}

/* ---- every operation, u64 keys --------------------------------------------- */

static void test_u64_ops(void **state)
{
	(void)state;
	gomap_sync_t *m = new_u64();
	uint64_t k = 7, v = 0, out = 0;

	assert_int_equal(gomap_sync_load(m, &k, &out), 0);
	v = 70;
	assert_int_equal(gomap_sync_store(m, &k, &v), 0);
	assert_int_equal(gomap_sync_load(m, &k, &out), 1);
	assert_int_equal(out, 70);
	assert_int_equal(gomap_sync_load(m, &k, NULL), 1);
	v = 71;
	assert_int_equal(gomap_sync_store(m, &k, &v), 0); /* overwrite */
	assert_int_equal(gomap_sync_load(m, &k, &out), 1);
	assert_int_equal(out, 71);
	assert_int_equal(gomap_sync_len(m), 1);

	/* load_or_store: 1 loaded (existing value), 0 stored (given value) */
	v = 99;
	out = 0;
	assert_int_equal(gomap_sync_load_or_store(m, &k, &v, &out), 1);
	assert_int_equal(out, 71);
	uint64_t k2 = 8;
	assert_int_equal(gomap_sync_load_or_store(m, &k2, &v, &out), 0);
	assert_int_equal(out, 99);
	assert_int_equal(gomap_sync_load_or_store(m, &k2, &v, NULL), 1);
	assert_int_equal(gomap_sync_len(m), 2);

	/* swap: 1 replaced (previous value), 0 inserted */
	v = 72;
	assert_int_equal(gomap_sync_swap(m, &k, &v, &out), 1);
	assert_int_equal(out, 71);
	uint64_t k3 = 9;
	v = 90;
	out = 12345;
	assert_int_equal(gomap_sync_swap(m, &k3, &v, &out), 0);
	assert_int_equal(out, 12345); /* untouched when inserting */
	assert_int_equal(gomap_sync_swap(m, &k3, &v, NULL), 1);

	/* compare_and_swap: absent is 0 even for a zero old value */
	uint64_t zero = 0, old = 72, nw = 73, k4 = 10;
	assert_int_equal(gomap_sync_compare_and_swap(m, &k4, &zero, &nw), 0);
	assert_int_equal(gomap_sync_load(m, &k4, NULL), 0);
	uint64_t wrong = 1;
	assert_int_equal(gomap_sync_compare_and_swap(m, &k, &wrong, &nw), 0);
	assert_int_equal(gomap_sync_compare_and_swap(m, &k, &old, &nw), 1);
	assert_int_equal(gomap_sync_load(m, &k, &out), 1);
	assert_int_equal(out, 73);
	assert_int_equal(gomap_sync_compare_and_swap(m, &k, NULL, &nw), GOMAP_EINVAL);

	/* compare_and_delete */
	assert_int_equal(gomap_sync_compare_and_delete(m, &k4, &zero), 0);
	assert_int_equal(gomap_sync_compare_and_delete(m, &k, &wrong), 0);
	assert_int_equal(gomap_sync_compare_and_delete(m, &k, &nw), 1);
	assert_int_equal(gomap_sync_load(m, &k, NULL), 0);
	assert_int_equal(gomap_sync_compare_and_delete(m, &k, NULL), GOMAP_EINVAL);

	/* load_and_delete, delete */
	assert_int_equal(gomap_sync_load_and_delete(m, &k2, &out), 1);
	assert_int_equal(out, 99);
	assert_int_equal(gomap_sync_load_and_delete(m, &k2, &out), 0);
	assert_int_equal(gomap_sync_delete(m, &k3), 1);
	assert_int_equal(gomap_sync_delete(m, &k3), 0);
	assert_int_equal(gomap_sync_len(m), 0);

	/* bad input: NULL key or value (as for every cmap variant) */
	assert_int_equal(gomap_sync_store(m, &k, NULL), GOMAP_EINVAL);
	assert_int_equal(gomap_sync_load_or_store(m, &k, NULL, &out), GOMAP_EINVAL);
	assert_int_equal(gomap_sync_swap(m, &k, NULL, &out), GOMAP_EINVAL);
	assert_int_equal(gomap_sync_compare_and_swap(m, &k, &zero, NULL), GOMAP_EINVAL);
	assert_int_equal(gomap_sync_load(m, &k, NULL), 0); /* nothing was stored */
	assert_int_equal(gomap_sync_load(m, NULL, &out), GOMAP_EINVAL);
	assert_int_equal(gomap_sync_store(m, NULL, &v), GOMAP_EINVAL);
	assert_int_equal(gomap_sync_delete(m, NULL), GOMAP_EINVAL);
	assert_int_equal(gomap_sync_swap(m, NULL, &v, NULL), GOMAP_EINVAL);

	/* clear */
	for (uint64_t i = 0; i < 100; i++)
		assert_int_equal(gomap_sync_store(m, &i, &i), 0);
	assert_int_equal(gomap_sync_len(m), 100);
	assert_int_equal(gomap_sync_check(m), 0);
	assert_int_equal(gomap_sync_clear(m), 0);
	assert_int_equal(gomap_sync_len(m), 0);
	for (uint64_t i = 0; i < 100; i++)
		assert_int_equal(gomap_sync_load(m, &i, NULL), 0);
	assert_int_equal(gomap_sync_store(m, &k, &v), 0);
	assert_int_equal(gomap_sync_len(m), 1);
	assert_int_equal(gomap_sync_check(m), 0);
	gomap_sync_stats st;
	assert_int_equal(gomap_sync_stats_get(m, &st), 0);
	assert_int_equal(st.clears, 1);
	assert_int_equal(st.count, 1);
	gomap_sync_free(m);
}

/* ---- string and byte-string keys ---------------------------------------------- */

struct collect {
	int n;
	char seen[64][32];
	uint64_t vals[64];
};

static bool collect_str(const void *key, void *val, void *ctx)
{
	struct collect *c = ctx;
	const char *s = *(const char *const *)key;
	snprintf(c->seen[c->n], sizeof c->seen[0], "%s", s);
	memcpy(&c->vals[c->n], val, 8);
	c->n++;
	return true;
}

static void test_str_keys(void **state)
{
	(void)state;
	gomap_sync_t *m;
	assert_int_equal(gomap_sync_new(&m, &gomap_type_str, &gomap_type_u64, NULL), 0);
	char buf[32];
	strcpy(buf, "alpha");
	const char *k = buf;
	uint64_t v = 1, out;
	assert_int_equal(gomap_sync_store(m, &k, &v), 0);
	strcpy(buf, "beta!"); /* the map owns a copy: changing ours changes nothing */
	v = 2;
	assert_int_equal(gomap_sync_store(m, &k, &v), 0);
	const char *a = "alpha", *b = "beta!", *empty = "", *missing = "gamma";
	assert_int_equal(gomap_sync_load(m, &a, &out), 1);
	assert_int_equal(out, 1);
	assert_int_equal(gomap_sync_load(m, &b, &out), 1);
	assert_int_equal(out, 2);
	assert_int_equal(gomap_sync_load(m, &missing, &out), 0);
	v = 3;
	assert_int_equal(gomap_sync_store(m, &empty, &v), 0);
	assert_int_equal(gomap_sync_load(m, &empty, &out), 1);
	assert_int_equal(out, 3);
	const char *null = NULL;
	assert_int_equal(gomap_sync_store(m, &null, &v), GOMAP_EINVAL);
	assert_int_equal(gomap_sync_load(m, &null, &out), GOMAP_EINVAL);
	v = 4;
	assert_int_equal(gomap_sync_swap(m, &a, &v, &out), 1);
	assert_int_equal(out, 1);
	struct collect c = {0};
	assert_int_equal(gomap_sync_range(m, collect_str, &c), 0);
	assert_int_equal(c.n, 3);
	int found = 0;
	for (int i = 0; i < c.n; i++) {
		if (strcmp(c.seen[i], "alpha") == 0 && c.vals[i] == 4)
			found |= 1;
		if (strcmp(c.seen[i], "beta!") == 0 && c.vals[i] == 2)
			found |= 2;
		if (strcmp(c.seen[i], "") == 0 && c.vals[i] == 3)
			found |= 4;
	}
	assert_int_equal(found, 7);
	assert_int_equal(gomap_sync_delete(m, &b), 1);
	assert_int_equal(gomap_sync_check(m), 0);
	/* many string keys: growth rehashes owned copies */
	for (int i = 0; i < 5000; i++) {
		char s[32];
		snprintf(s, sizeof s, "key-%d", i);
		const char *p = s;
		uint64_t x = (uint64_t)i;
		assert_int_equal(gomap_sync_store(m, &p, &x), 0);
	}
	for (int i = 0; i < 5000; i++) {
		char s[32];
		snprintf(s, sizeof s, "key-%d", i);
		const char *p = s;
		assert_int_equal(gomap_sync_load(m, &p, &out), 1);
		assert_int_equal(out, (uint64_t)i);
	}
	assert_int_equal(gomap_sync_len(m), 5002);
	assert_int_equal(gomap_sync_check(m), 0);
	gomap_sync_free(m);

	/* byte strings, owned and borrowed */
	for (int borrowed = 0; borrowed < 2; borrowed++) {
		assert_int_equal(gomap_sync_new(&m, borrowed ? &gomap_type_bytes_borrowed : &gomap_type_bytes,
		                                &gomap_type_u64, NULL),
		                 0);
		static const char data[] = "a\0b\0c";
		gomap_bytes k1 = {data, 5}, k2 = {data, 3}, k0 = {NULL, 0}, kbad = {NULL, 2};
		v = 11;
		assert_int_equal(gomap_sync_store(m, &k1, &v), 0);
		v = 12;
		assert_int_equal(gomap_sync_store(m, &k2, &v), 0);
		v = 13;
		assert_int_equal(gomap_sync_store(m, &k0, &v), 0);
		assert_int_equal(gomap_sync_store(m, &kbad, &v), GOMAP_EINVAL);
		assert_int_equal(gomap_sync_len(m), 3);
		assert_int_equal(gomap_sync_load(m, &k1, &out), 1);
		assert_int_equal(out, 11);
		gomap_bytes k0b = {"", 0};
		assert_int_equal(gomap_sync_load(m, &k0b, &out), 1);
		assert_int_equal(out, 13);
		assert_int_equal(gomap_sync_check(m), 0);
		gomap_sync_free(m);
	}
}

/* ---- f64 keys: NaN never equals itself, -0 == +0 ------------------------------------ */

static bool f64_signs(const void *key, void *val, void *ctx)
{
	(void)val;
	double d;
	memcpy(&d, key, 8);
	int *neg = ctx;
	if (d == 0)
		*neg = signbit(d) ? 1 : 0;
	return true;
}

static void test_f64_keys(void **state)
{
	(void)state;
	gomap_sync_t *m;
	assert_int_equal(gomap_sync_new(&m, &gomap_type_f64, &gomap_type_u64, NULL), 0);
	double nan = NAN, nz = -0.0, pz = 0.0;
	uint64_t v = 1, out;
	assert_int_equal(gomap_sync_store(m, &nan, &v), 0);
	assert_int_equal(gomap_sync_store(m, &nan, &v), 0);
	assert_int_equal(gomap_sync_len(m), 2);
	assert_int_equal(gomap_sync_load(m, &nan, &out), 0);
	assert_int_equal(gomap_sync_delete(m, &nan), 0);
	assert_int_equal(gomap_sync_store(m, &nz, &v), 0);
	v = 2;
	assert_int_equal(gomap_sync_store(m, &pz, &v), 0); /* same key */
	assert_int_equal(gomap_sync_len(m), 3);
	assert_int_equal(gomap_sync_load(m, &nz, &out), 1);
	assert_int_equal(out, 2);
	int neg = -1;
	assert_int_equal(gomap_sync_range(m, f64_signs, &neg), 0);
	assert_int_equal(neg, 0); /* the assignment replaced the stored key */
	assert_int_equal(gomap_sync_check(m), 0);
	assert_int_equal(gomap_sync_clear(m), 0); /* only clear removes NaNs */
	assert_int_equal(gomap_sync_len(m), 0);
	gomap_sync_free(m);
}

/* ---- destructors --------------------------------------------------------------------- */

/* Values and keys are ids; destroy counts per id. */
#define NIDS 64
static atomic_int vdestroyed[NIDS], kdestroyed[NIDS];

static void vdestroy(void *obj, void *ctx)
{
	(void)ctx;
	uint64_t id;
	memcpy(&id, obj, 8);
	if (id < NIDS)
		atomic_fetch_add(&vdestroyed[id], 1);
}

static void kdestroy(void *obj, void *ctx)
{
	(void)ctx;
	uint64_t id;
	memcpy(&id, obj, 8);
	if (id < NIDS)
		atomic_fetch_add(&kdestroyed[id], 1);
}

static const gomap_type vtd = {8, GOMAP_KIND_RAW, 0, NULL, NULL, vdestroy, NULL};
static const gomap_type ktd = {8, GOMAP_KIND_RAW, 0, NULL, NULL, kdestroy, NULL};

static void reset_counts(void)
{
	for (int i = 0; i < NIDS; i++) {
		atomic_store(&vdestroyed[i], 0);
		atomic_store(&kdestroyed[i], 0);
	}
}

static void test_destroy_once(void **state)
{
	(void)state;
	reset_counts();
	gomap_sync_t *m;
	assert_int_equal(gomap_sync_new(&m, &ktd, &vtd, NULL), 0);
	uint64_t k = 1, v, out;
	v = 10; /* store, then overwrite: 10 dropped */
	gomap_sync_store(m, &k, &v);
	v = 11;
	gomap_sync_store(m, &k, &v);
	v = 12; /* swap with prev_out: 11 moved out, not destroyed */
	assert_int_equal(gomap_sync_swap(m, &k, &v, &out), 1);
	assert_int_equal(out, 11);
	v = 13; /* swap without prev_out: 12 dropped */
	assert_int_equal(gomap_sync_swap(m, &k, &v, NULL), 1);
	uint64_t old = 13;
	v = 14; /* CAS: 13 dropped */
	assert_int_equal(gomap_sync_compare_and_swap(m, &k, &old, &v), 1);
	old = 99;
	v = 15; /* failed CAS: 15 never stored, never destroyed (caller's) */
	assert_int_equal(gomap_sync_compare_and_swap(m, &k, &old, &v), 0);
	v = 16; /* load_or_store hit: 16 is the caller's */
	assert_int_equal(gomap_sync_load_or_store(m, &k, &v, &out), 1);
	assert_int_equal(gomap_sync_load_and_delete(m, &k, &out), 1); /* 14 moved */
	assert_int_equal(out, 14);
	uint64_t k2 = 2, k3 = 3, k4 = 4, k5 = 5;
	v = 20;
	gomap_sync_store(m, &k2, &v);
	assert_int_equal(gomap_sync_load_and_delete(m, &k2, NULL), 1); /* 20 dropped */
	v = 30;
	gomap_sync_store(m, &k3, &v);
	assert_int_equal(gomap_sync_delete(m, &k3), 1); /* 30 dropped */
	v = 40;
	gomap_sync_store(m, &k4, &v);
	old = 40;
	assert_int_equal(gomap_sync_compare_and_delete(m, &k4, &old), 1); /* 40 dropped */
	v = 50;
	gomap_sync_store(m, &k5, &v);
	uint64_t k6 = 6, k7 = 7;
	v = 60;
	gomap_sync_store(m, &k6, &v);
	assert_int_equal(gomap_sync_clear(m), 0); /* 50, 60 dropped */
	v = 61;
	gomap_sync_store(m, &k7, &v); /* dropped by free */
	assert_int_equal(gomap_sync_barrier(m), 0);
	int want_v[NIDS] = {0};
	want_v[10] = want_v[12] = want_v[13] = want_v[20] = want_v[30] = want_v[40] = want_v[50] = want_v[60] = 1;
	for (int i = 0; i < NIDS; i++)
		if (i != 61)
			assert_int_equal(atomic_load(&vdestroyed[i]), want_v[i]);
	assert_int_equal(atomic_load(&vdestroyed[61]), 0);
	/* keys: dropped with their entry (delete, clear), never on overwrite */
	int want_k[NIDS] = {0};
	want_k[1] = want_k[2] = want_k[3] = want_k[4] = want_k[5] = want_k[6] = 1;
	for (int i = 0; i < NIDS; i++)
		if (i != 7)
			assert_int_equal(atomic_load(&kdestroyed[i]), want_k[i]);
	gomap_sync_free(m);
	assert_int_equal(atomic_load(&vdestroyed[61]), 1);
	assert_int_equal(atomic_load(&kdestroyed[7]), 1);
	for (int i = 0; i < NIDS; i++) {
		assert_true(atomic_load(&vdestroyed[i]) <= 1);
		assert_true(atomic_load(&kdestroyed[i]) <= 1);
	}
}

/* A value dropped while some thread is in an RCU read-side critical section
 * is not destroyed before that section ends. */
static atomic_int reader_in, reader_release;

static void *hold_reader(void *arg)
{
	(void)arg;
	rcu_read_lock();
	atomic_store(&reader_in, 1);
	while (!atomic_load(&reader_release))
		usleep(1000);
	rcu_read_unlock();
	return NULL;
}

static void *run_barrier(void *arg)
{
	gomap_sync_barrier(arg);
	return NULL;
}

static void test_destroy_after_grace_period(void **state)
{
	(void)state;
	reset_counts();
	gomap_sync_t *m;
	assert_int_equal(gomap_sync_new(&m, &gomap_type_u64, &vtd, NULL), 0);
	uint64_t k = 1, v = 3;
	gomap_sync_store(m, &k, &v);
	atomic_store(&reader_in, 0);
	atomic_store(&reader_release, 0);
	pthread_t r, b;
	assert_int_equal(pthread_create(&r, NULL, hold_reader, NULL), 0);
	while (!atomic_load(&reader_in))
		usleep(1000);
	v = 4;
	gomap_sync_store(m, &k, &v); /* 3 dropped */
	assert_int_equal(pthread_create(&b, NULL, run_barrier, m), 0);
	usleep(100 * 1000);
	assert_int_equal(atomic_load(&vdestroyed[3]), 0); /* the reader holds it */
	atomic_store(&reader_release, 1);
	pthread_join(r, NULL);
	pthread_join(b, NULL);
	assert_int_equal(atomic_load(&vdestroyed[3]), 1);
	assert_int_equal(atomic_load(&vdestroyed[4]), 0);
	gomap_sync_free(m);
	assert_int_equal(atomic_load(&vdestroyed[4]), 1);
}

/* ---- range --------------------------------------------------------------------------------- */

struct rctx {
	gomap_sync_t *m;
	uint8_t *seen;
	size_t n;
	size_t calls;
	size_t stop_after;
	int bad;
	int barrier_rc;
};

static bool count_keys(const void *key, void *val, void *ctx)
{
	struct rctx *c = ctx;
	uint64_t k, v;
	memcpy(&k, key, 8);
	memcpy(&v, val, 8);
	if (k >= c->n || v != k * 3 || c->seen[k]++)
		c->bad++;
	memset(val, 0, 8); /* a private copy: the map is unaffected */
	c->calls++;
	return c->stop_after == 0 || c->calls < c->stop_after;
}

/* Deletes each key it sees and inserts new ones: no key twice, and every
 * original key (present until visited) is seen. */
static bool churn_keys(const void *key, void *val, void *ctx)
{
	struct rctx *c = ctx;
	uint64_t k;
	memcpy(&k, key, 8);
	(void)val;
	if (k < c->n) {
		if (c->seen[k]++)
			c->bad++;
		if (gomap_sync_delete(c->m, &k) != 1)
			c->bad++;
		uint64_t nk = k + 1000000, nv = nk * 3;
		gomap_sync_store(c->m, &nk, &nv);
		/* and re-store a few visited ones: they may come back, never twice */
		if (k % 7 == 0) {
			uint64_t kv = k * 3;
			gomap_sync_store(c->m, &k, &kv);
		}
	}
	if (c->barrier_rc == 1)
		c->barrier_rc = gomap_sync_barrier(c->m);
	c->calls++;
	return true;
}

static void test_range(void **state)
{
	(void)state;
	gomap_sync_t *m = new_u64();
	struct rctx c = {m, NULL, 3000, 0, 0, 0, 0};
	c.seen = calloc(c.n, 1);
	assert_int_equal(gomap_sync_range(m, count_keys, &c), 0);
	assert_int_equal(c.calls, 0);
	for (uint64_t i = 0; i < c.n; i++) {
		uint64_t v = i * 3;
		gomap_sync_store(m, &i, &v);
	}
	assert_int_equal(gomap_sync_range(m, count_keys, &c), 0);
	assert_int_equal(c.bad, 0);
	assert_int_equal(c.calls, c.n);
	for (size_t i = 0; i < c.n; i++)
		assert_int_equal(c.seen[i], 1);
	uint64_t k = 5, v;
	assert_int_equal(gomap_sync_load(m, &k, &v), 1);
	assert_int_equal(v, 15);
	/* early stop */
	memset(c.seen, 0, c.n);
	c.calls = 0;
	c.stop_after = 10;
	assert_int_equal(gomap_sync_range(m, count_keys, &c), 0);
	assert_int_equal(c.calls, 10);
	/* writes from the callback, including resizes they cause */
	memset(c.seen, 0, c.n);
	c.calls = 0;
	c.barrier_rc = 1;
	assert_int_equal(gomap_sync_range(m, churn_keys, &c), 0);
	assert_int_equal(c.barrier_rc, GOMAP_EBUSY);
	assert_int_equal(c.bad, 0);
	for (size_t i = 0; i < c.n; i++)
		assert_int_equal(c.seen[i], 1);
	assert_int_equal(gomap_sync_check(m), 0);
	assert_int_equal(gomap_sync_len(m), c.n + (c.n + 6) / 7);
	free(c.seen);
	gomap_sync_free(m);
}

/* Values larger than range's stack buffer, and empty values (a set). */
struct big {
	uint64_t id;
	unsigned char pad[400];
};

static bool check_big(const void *key, void *val, void *ctx)
{
	struct big b;
	uint64_t k;
	memcpy(&k, key, 8);
	memcpy(&b, val, sizeof b);
	int *bad = ctx;
	if (b.id != k || b.pad[399] != (unsigned char)k)
		(*bad)++;
	return true;
}

static bool count_set(const void *key, void *val, void *ctx)
{
	(void)key;
	(void)val;
	(*(int *)ctx)++;
	return true;
}

static void test_value_sizes(void **state)
{
	(void)state;
	gomap_type bt = GOMAP_TYPE_RAW(struct big);
	gomap_sync_t *m;
	assert_int_equal(gomap_sync_new(&m, &gomap_type_u64, &bt, NULL), 0);
	for (uint64_t i = 0; i < 500; i++) {
		struct big b = {0};
		b.id = i;
		b.pad[399] = (unsigned char)i;
		assert_int_equal(gomap_sync_store(m, &i, &b), 0);
	}
	int bad = 0;
	assert_int_equal(gomap_sync_range(m, check_big, &bad), 0);
	assert_int_equal(bad, 0);
	struct big o = {0};
	uint64_t k = 77;
	o.id = 77;
	o.pad[399] = 77;
	struct big nb = {0};
	assert_int_equal(gomap_sync_compare_and_swap(m, &k, &o, &nb), 1);
	gomap_sync_free(m);

	gomap_type empty = GOMAP_TYPE_RAW(char);
	empty.size = 0;
	assert_int_equal(gomap_sync_new(&m, &gomap_type_u64, &empty, NULL), 0);
	for (uint64_t i = 0; i < 100; i++)
		assert_int_equal(gomap_sync_store(m, &i, NULL), 0);
	assert_int_equal(gomap_sync_load_or_store(m, &k, NULL, NULL), 1);
	assert_int_equal(gomap_sync_compare_and_delete(m, &k, NULL), 1);
	int n = 0;
	assert_int_equal(gomap_sync_range(m, count_set, &n), 0);
	assert_int_equal(n, 99);
	gomap_sync_free(m);
}

/* ---- resizing, pruning, memory ------------------------------------------------------------------- */

static void test_grow_and_shrink(void **state)
{
	(void)state;
	gomap_sync_t *m = new_u64();
	const uint64_t n = 200000 / SCALE_DIV;
	for (uint64_t i = 0; i < n; i++) {
		uint64_t k = mix64(i);
		assert_int_equal(gomap_sync_store(m, &k, &i), 0);
	}
	gomap_sync_stats st;
	assert_int_equal(gomap_sync_stats_get(m, &st), 0);
	assert_int_equal(st.count, n);
	assert_true(st.grows > 0);
	assert_true(st.buckets >= n / 4 / 2);
	size_t big = st.buckets;
	for (uint64_t i = 0; i < n; i++) {
		uint64_t k = mix64(i), v;
		assert_int_equal(gomap_sync_load(m, &k, &v), 1);
		assert_int_equal(v, i);
	}
	assert_int_equal(gomap_sync_check(m), 0);
	for (uint64_t i = 0; i < n; i++) {
		uint64_t k = mix64(i);
		assert_int_equal(gomap_sync_delete(m, &k), 1);
		if (i % 9973 == 0)
			assert_int_equal(gomap_sync_check(m), 0);
	}
	assert_int_equal(gomap_sync_stats_get(m, &st), 0);
	assert_int_equal(st.count, 0);
	assert_true(st.shrinks > 0);
	assert_true(st.buckets * 64 <= big); /* pruned: Go issue 40999 */
	assert_true(st.buckets <= 64);
	assert_int_equal(gomap_sync_check(m), 0);
	gomap_sync_free(m);
}

/* Memory returns after mass deletes, counted by the allocator hook. */
static void test_memory_returns(void **state)
{
	(void)state;
	counting_alloc ca;
	ca_init(&ca);
	gomap_sync_options o = {0, &ca.a};
	gomap_sync_t *m;
	assert_int_equal(gomap_sync_new(&m, &gomap_type_str, &gomap_type_u64, &o), 0);
	long base = atomic_load(&ca.live_bytes);
	const int n = 100000 / SCALE_DIV;
	char s[32];
	const char *p = s;
	for (int i = 0; i < n; i++) {
		snprintf(s, sizeof s, "k%08d", i);
		uint64_t v = (uint64_t)i;
		assert_int_equal(gomap_sync_store(m, &p, &v), 0);
	}
	long full = atomic_load(&ca.live_bytes);
	assert_true(full > base + (long)n * 24);
	for (int i = 0; i < n; i++) {
		snprintf(s, sizeof s, "k%08d", i);
		assert_int_equal(gomap_sync_delete(m, &p), 1);
	}
	assert_int_equal(gomap_sync_barrier(m), 0);
	long after = atomic_load(&ca.live_bytes);
	assert_true(after < base + 64 * 1024); /* a small table, no entries */
	assert_true(after * 20 < full);
	/* again with clear */
	for (int i = 0; i < n; i++) {
		snprintf(s, sizeof s, "k%08d", i);
		uint64_t v = (uint64_t)i;
		assert_int_equal(gomap_sync_store(m, &p, &v), 0);
	}
	assert_int_equal(gomap_sync_clear(m), 0);
	assert_int_equal(gomap_sync_barrier(m), 0);
	assert_true(atomic_load(&ca.live_bytes) < base + 64 * 1024);
	gomap_sync_free(m);
	assert_int_equal(atomic_load(&ca.live_blocks), 0);
	assert_int_equal(atomic_load(&ca.live_bytes), 0);
	assert_int_equal(atomic_load(&ca.bad_free), 0);
}

/* With the default allocator, entries live in the map's slab (in sanitizer
 * builds too): its chunks are unmapped again after mass deletes.
 * u32 values: u64 -> u64 maps keep their pairs inline and have no entries. */
static void test_slab_returns(void **state)
{
	(void)state;
	gomap_sync_t *m;
	assert_int_equal(gomap_sync_new(&m, &gomap_type_u64, &gomap_type_u32, NULL), 0);
	const uint32_t n = 300000 / SCALE_DIV;
	for (uint32_t i = 0; i < n; i++) {
		uint64_t k = mix64(i);
		assert_int_equal(gomap_sync_store(m, &k, &i), 0);
	}
	gomap_sync_stats st;
	assert_int_equal(gomap_sync_stats_get(m, &st), 0);
	assert_true(st.slab_bytes >= (size_t)n * 24); /* in sanitizer builds too */
	for (uint32_t i = 0; i < n; i += 2) { /* half, scattered: pages stay */
		uint64_t k = mix64(i);
		assert_int_equal(gomap_sync_delete(m, &k), 1);
	}
	for (uint32_t i = 1; i < n; i += 2) { /* the rest: everything returns */
		uint64_t k = mix64(i);
		uint32_t v;
		assert_int_equal(gomap_sync_load_and_delete(m, &k, &v), 1);
		assert_int_equal(v, i);
	}
	assert_int_equal(gomap_sync_barrier(m), 0);
	assert_int_equal(gomap_sync_stats_get(m, &st), 0);
	assert_int_equal(st.slab_bytes, 0);
	assert_int_equal(st.count, 0);
	assert_int_equal(gomap_sync_check(m), 0);
	gomap_sync_free(m);
}

/* String keys of every length from 0 to 80: short ones are kept in the
 * slab (one 64-byte slot), long ones on the heap; both kinds must load,
 * swap, delete and be freed by the right allocator (ASan sees the heap
 * ones; valgrind or a wrong free would crash the slab ones). */
static void test_str_lengths(void **state)
{
	(void)state;
	gomap_sync_t *m;
	assert_int_equal(gomap_sync_new(&m, &gomap_type_str, &gomap_type_u64, NULL), 0);
	char keys[81][82];
	for (int len = 0; len <= 80; len++) {
		for (int i = 0; i < len; i++)
			keys[len][i] = (char)('a' + (i * 7 + len) % 26);
		keys[len][len] = '\0';
		const char *k = keys[len];
		uint64_t v = (uint64_t)len;
		assert_int_equal(gomap_sync_store(m, &k, &v), 0);
	}
	gomap_sync_stats st;
	assert_int_equal(gomap_sync_stats_get(m, &st), 0);
	assert_int_equal(st.count, 81);
	assert_true(st.slab_bytes > 0); /* the short keys' entries */
	for (int len = 0; len <= 80; len++) {
		const char *k = keys[len];
		uint64_t out = 0, v = 1000 + (uint64_t)len;
		assert_int_equal(gomap_sync_load(m, &k, &out), 1);
		assert_int_equal(out, (uint64_t)len);
		assert_int_equal(gomap_sync_swap(m, &k, &v, &out), 1); /* replaces the entry */
		assert_int_equal(out, (uint64_t)len);
	}
	assert_int_equal(gomap_sync_check(m), 0);
	for (int len = 0; len <= 80; len += 2) {
		const char *k = keys[len];
		assert_int_equal(gomap_sync_delete(m, &k), 1);
	}
	for (int len = 0; len <= 80; len++) {
		const char *k = keys[len];
		uint64_t out = 0;
		assert_int_equal(gomap_sync_load(m, &k, &out), len % 2);
		if (len % 2)
			assert_int_equal(out, 1000 + (uint64_t)len);
	}
	assert_int_equal(gomap_sync_barrier(m), 0);
	assert_int_equal(gomap_sync_check(m), 0);
	gomap_sync_free(m); /* the odd lengths are still in: freed here */
}

/* ---- allocation failure: the map is unchanged ----------------------------------------------- */

static void test_alloc_failure(void **state)
{
	(void)state;
	counting_alloc ca;
	ca_init(&ca);
	gomap_sync_options o = {0, &ca.a};
	gomap_sync_t *m;
	/* creation: every early failure is clean */
	for (long k = 0; k < 8; k++) {
		atomic_store(&ca.fail_after, k);
		int r = gomap_sync_new(&m, &gomap_type_u64, &gomap_type_u64, &o);
		if (r == 0) {
			gomap_sync_free(m);
			continue;
		}
		assert_int_equal(r, GOMAP_ENOMEM);
		assert_int_equal(atomic_load(&ca.live_blocks), 0);
	}
	atomic_store(&ca.fail_after, -1);
	assert_int_equal(gomap_sync_new(&m, &gomap_type_str, &gomap_type_u64, &o), 0);
	char s[32];
	const char *p = s;
	uint64_t v = 1, out;
	/* every allocating call fails cleanly */
	atomic_store(&ca.fail_after, 0);
	strcpy(s, "x");
	assert_int_equal(gomap_sync_store(m, &p, &v), GOMAP_ENOMEM);
	assert_int_equal(gomap_sync_swap(m, &p, &v, NULL), GOMAP_ENOMEM);
	assert_int_equal(gomap_sync_load_or_store(m, &p, &v, &out), GOMAP_ENOMEM);
	assert_int_equal(gomap_sync_clear(m), 0); /* empty: nothing to allocate */
	assert_int_equal(gomap_sync_len(m), 0);
	assert_int_equal(gomap_sync_load(m, &p, NULL), 0);
	atomic_store(&ca.fail_after, -1);
	strcpy(s, "y");
	assert_int_equal(gomap_sync_store(m, &p, &v), 0);
	atomic_store(&ca.fail_after, 0);
	assert_int_equal(gomap_sync_clear(m), GOMAP_ENOMEM); /* not empty: a new table */
	atomic_store(&ca.fail_after, -1);
	assert_int_equal(gomap_sync_len(m), 1);
	out = 0;
	assert_int_equal(gomap_sync_load(m, &p, &out), 1);
	assert_int_equal(out, v);
	assert_int_equal(gomap_sync_delete(m, &p), 1);

	/* random failures against a model; keys from a small space */
	enum { NK = 3000 };
	static uint64_t model[NK];
	static bool present[NK];
	memset(present, 0, sizeof present);
	atomic_store(&ca.fail_every, 5);
	uint64_t seed = 42;
	int enomem = 0;
	for (int step = 0; step < 60000 / SCALE_DIV; step++) {
		seed = mix64(seed);
		int key = (int)(seed % NK), op = (int)((seed >> 32) % 6);
		snprintf(s, sizeof s, "key%d", key);
		uint64_t val = seed >> 40, o2;
		int r = 0;
		switch (op) {
		case 0:
			r = gomap_sync_store(m, &p, &val);
			if (r == 0) {
				present[key] = true;
				model[key] = val;
			}
			break;
		case 1:
			r = gomap_sync_delete(m, &p);
			if (r >= 0) {
				assert_int_equal(r, present[key]);
				present[key] = false;
			}
			break;
		case 2:
			r = gomap_sync_swap(m, &p, &val, &o2);
			if (r >= 0) {
				assert_int_equal(r, present[key]);
				if (r)
					assert_int_equal(o2, model[key]);
				present[key] = true;
				model[key] = val;
			}
			break;
		case 3:
			r = gomap_sync_load_or_store(m, &p, &val, &o2);
			if (r >= 0) {
				assert_int_equal(r, present[key]);
				assert_int_equal(o2, present[key] ? model[key] : val);
				if (!present[key]) {
					present[key] = true;
					model[key] = val;
				}
			}
			break;
		case 4:
			r = gomap_sync_compare_and_swap(m, &p, &model[key], &val);
			if (r >= 0) {
				assert_int_equal(r, present[key]);
				if (r)
					model[key] = val;
			}
			break;
		default:
			r = gomap_sync_load(m, &p, &o2);
			assert_int_equal(r, present[key]);
			if (r)
				assert_int_equal(o2, model[key]);
			break;
		}
		if (r < 0) {
			assert_int_equal(r, GOMAP_ENOMEM);
			enomem++;
		}
	}
	assert_true(enomem > 0);
	atomic_store(&ca.fail_every, 0);
	size_t want = 0;
	for (int key = 0; key < NK; key++) {
		snprintf(s, sizeof s, "key%d", key);
		uint64_t o2;
		assert_int_equal(gomap_sync_load(m, &p, &o2), present[key]);
		if (present[key]) {
			assert_int_equal(o2, model[key]);
			want++;
		}
	}
	assert_int_equal(gomap_sync_len(m), want);
	assert_int_equal(gomap_sync_check(m), 0);
	gomap_sync_free(m);
	assert_int_equal(atomic_load(&ca.live_blocks), 0);
	assert_int_equal(atomic_load(&ca.bad_free), 0);
}

/* ---- clear of an empty map ------------------------------------------------------------------------ */

/* Go's sync TestMapClearNoAllocations: testing.AllocsPerRun(10, m.Clear) on
 * an empty map must be 0 (one warm-up call, then 10 counted). Counted here
 * through the allocator hook, on a new map, on one emptied by deletes, and
 * on one emptied by clear; a clear of a non-empty map still clears. */
static long clear_allocs(gomap_sync_t *m, counting_alloc *ca)
{
	assert_int_equal(gomap_sync_clear(m), 0); /* AllocsPerRun's warm-up */
	long before = atomic_load(&ca->total_allocs);
	for (int i = 0; i < 10; i++)
		assert_int_equal(gomap_sync_clear(m), 0);
	return atomic_load(&ca->total_allocs) - before;
}

static void TestMapClearNoAllocations(void **state)
{
	(void)state;
	counting_alloc ca;
	ca_init(&ca);
	gomap_sync_options o = {0, &ca.a};
	for (int pairs = 0; pairs < 2; pairs++) {
		gomap_sync_t *m;
		/* u64 -> u64: pair mode; u64 -> str (borrowed): entries */
		assert_int_equal(gomap_sync_new(&m, &gomap_type_u64, pairs ? &gomap_type_u64 : &gomap_type_str_borrowed,
		                                &o),
		                 0);
		assert_int_equal(clear_allocs(m, &ca), 0); /* a new map */
		const char *sv = "v";
		for (uint64_t i = 0; i < 100; i++) {
			uint64_t v = i;
			assert_int_equal(gomap_sync_store(m, &i, pairs ? (const void *)&v : (const void *)&sv), 0);
		}
		for (uint64_t i = 0; i < 100; i++)
			assert_int_equal(gomap_sync_delete(m, &i), 1);
		assert_int_equal(gomap_sync_len(m), 0);
		assert_int_equal(clear_allocs(m, &ca), 0); /* emptied by deletes */
		uint64_t k = 5, v = 6;
		assert_int_equal(gomap_sync_store(m, &k, pairs ? (const void *)&v : (const void *)&sv), 0);
		long before = atomic_load(&ca.total_allocs);
		assert_int_equal(gomap_sync_clear(m), 0); /* not empty: clears */
		assert_true(atomic_load(&ca.total_allocs) > before);
		assert_int_equal(gomap_sync_len(m), 0);
		assert_int_equal(gomap_sync_load(m, &k, NULL), 0);
		assert_int_equal(clear_allocs(m, &ca), 0); /* emptied by clear */
		assert_int_equal(gomap_sync_check(m), 0);
		gomap_sync_stats st;
		assert_int_equal(gomap_sync_stats_get(m, &st), 0);
		assert_int_equal(st.count, 0);
		assert_int_equal(st.clears, 34); /* every call that returned 0 */
		gomap_sync_free(m);
	}
	assert_int_equal(atomic_load(&ca.live_blocks), 0);
	assert_int_equal(atomic_load(&ca.bad_free), 0);
}

/* ---- the cmap operation table ------------------------------------------------------------------ */

static void test_cmap_ops(void **state)
{
	(void)state;
	const gomap_cmap_ops *ops = gomap_cmap_find("sync");
	assert_ptr_equal(ops, &gomap__sync_cmap_ops); /* listed by src/cmap.c */
	assert_string_equal(ops->name, "sync");
	void *m;
	assert_int_equal(ops->create(&m, &gomap_type_u64, &gomap_type_u64), 0);
	uint64_t k = 3, v = 4, out;
	assert_int_equal(ops->store(m, &k, &v), 0);
	assert_int_equal(ops->load(m, &k, &out), 1);
	assert_int_equal(out, 4);
	assert_int_equal(ops->len(m), 1);
	assert_int_equal(ops->swap(m, &k, &k, &out), 1);
	assert_int_equal(ops->compare_and_swap(m, &k, &k, &v), 1);
	assert_int_equal(ops->compare_and_delete(m, &k, &v), 1);
	assert_int_equal(ops->load_or_store(m, &k, &v, &out), 0);
	assert_int_equal(ops->load_and_delete(m, &k, &out), 1);
	assert_int_equal(ops->del(m, &k), 0);
	assert_int_equal(ops->clear(m), 0);
	assert_int_equal(ops->range(m, count_set, &(int){0}), 0);
	ops->destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_new_args),
	    cmocka_unit_test(test_u64_ops),
	    cmocka_unit_test(test_str_keys),
	    cmocka_unit_test(test_f64_keys),
	    cmocka_unit_test(test_destroy_once),
	    cmocka_unit_test(test_destroy_after_grace_period),
	    cmocka_unit_test(test_range),
	    cmocka_unit_test(test_value_sizes),
	    cmocka_unit_test(test_grow_and_shrink),
	    cmocka_unit_test(test_memory_returns),
	    cmocka_unit_test(test_slab_returns),
	    cmocka_unit_test(test_str_lengths),
	    cmocka_unit_test(test_alloc_failure),
	    cmocka_unit_test(test_cmap_ops),
	    cmocka_unit_test(TestMapClearNoAllocations),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
