/*
 * tests/map/map_go.c - Go's own map tests, ported to the C API under their
 * Go names, so that this file reads as Go's contract for the plain map:
 *
 *   runtime/map_test.go (Go 1.19 and the Swiss-table era): TestNegativeZero,
 *     TestMapAssignmentNan, TestMapOperatorAssignmentNan,
 *     TestMapOperatorAssignment, TestGrowWithNaN, TestGrowWithNegativeZero,
 *     TestIterGrowAndDelete, TestIterGrowWithGC,
 *     TestConcurrentReadsAfterGrowth, TestBigItems, TestMapHugeZero,
 *     TestEmptyKeyAndValue, TestSingleBucketMapStringKeys_DupLen,
 *     TestSingleBucketMapStringKeys_NoDupLen, TestMapNanGrowIterator,
 *     TestMapIterOrder, TestMapSparseIterOrder, TestMapIterDuplicate,
 *     TestMapStringBytesLookup, TestMapLargeKeyNoPointer,
 *     TestMapLargeValNoPointer, TestIgnoreBogusMapHint,
 *     TestIncrementAfterDelete*, TestIncrementAfterBulkClearKeyStringValueInt,
 *     TestMapTombstones, TestMapIterDeleteReplace;
 *   internal/runtime/maps/map_test.go: TestMapPut, TestMapDelete,
 *     TestTableClear, TestTableKeyUpdate, TestTablePutDelete,
 *     TestTableIteration, TestTableIterationDelete,
 *     TestTableIterationGrowDelete, TestTableIterationGrowDuplicate,
 *     TestMapIndirect, TestTombstoneGrow (TestTableKeyUpdateIndirect and
 *     TestTableKeyUpdateDestructor extend TestTableKeyUpdate to gomap's
 *     indirect keys and key destructors);
 *   test/clear.go: checkClearMap; sync's TestMapClearNoAllocations, for the
 *     plain map's clear.
 *
 * Where C differs, the port checks gomap's documented rule instead and says
 * so (a miss leaves the output untouched instead of giving a zero value;
 * zero-size keys are refused). Go's runtime.GC() has no counterpart: the
 * ports write to the map instead, which is when gomap gives retired tables
 * back. Allocations are counted through the allocator hook.
 */
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static gomap_map_t *new_map(const gomap_type *kt, const gomap_type *vt, size_t hint)
{
	gomap_map_t *m = NULL;
	assert_int_equal(gomap_map_new(&m, kt, vt, hint), 0);
	assert_non_null(m);
	return m;
}

static gomap_map_t *new_map_alloc(const gomap_type *kt, const gomap_type *vt, size_t hint,
                                  const gomap_allocator *a)
{
	gomap_map_options o;
	memset(&o, 0, sizeof o);
	o.hint = hint;
	o.alloc = a;
	gomap_map_t *m = NULL;
	assert_int_equal(gomap_map_new_opts(&m, kt, vt, &o), 0);
	assert_non_null(m);
	return m;
}

static gomap_map_stats stats_of(const gomap_map_t *m)
{
	gomap_map_stats st;
	memset(&st, 0, sizeof st);
	assert_int_equal(gomap_map_stats_get(m, &st), 0);
	return st;
}

/* m[k] for u64 keys and values, with Go's zero value on a miss. */
static uint64_t get_or_zero(const gomap_map_t *m, uint64_t k)
{
	uint64_t v = 0;
	int r = gomap_map_get(m, &k, &v);
	assert_true(r == 0 || r == 1);
	return v;
}

static void put(gomap_map_t *m, uint64_t k, uint64_t v)
{
	int r = gomap_map_put(m, &k, &v);
	assert_true(r == 0 || r == 1);
}

static void del(gomap_map_t *m, uint64_t k)
{
	int r = gomap_map_delete(m, &k);
	assert_true(r == 0 || r == 1);
}

static const gomap_type bool_type = GOMAP_TYPE_RAW(bool);
static const gomap_type i32_type = GOMAP_TYPE_RAW(int32_t);
static const gomap_type ptr_val_type = GOMAP_TYPE_RAW(const char *);

/* ---- -0 and NaN ------------------------------------------------------------ */

static double neg_zero(void) { return copysign(0.0, -1.0); }

/* The only key of a one-entry f64 map. */
static double only_key(const gomap_map_t *m)
{
	gomap_iter it;
	const void *k = NULL;
	gomap_map_iter_init(m, &it);
	assert_true(gomap_map_iter_next(&it, &k, NULL));
	assert_non_null(k);
	double d;
	memcpy(&d, k, sizeof d);
	assert_false(gomap_map_iter_next(&it, NULL, NULL));
	return d;
}

static void TestNegativeZero(void **state)
{
	(void)state;
	bool t = true;
	double pz = 0.0, nz = neg_zero();
	gomap_map_t *m = new_map(&gomap_type_f64, &bool_type, 0);
	assert_int_equal(gomap_map_put(m, &pz, &t), 1);
	assert_int_equal(gomap_map_put(m, &nz, &t), 0); /* overwrites the +0 entry */
	assert_int_equal(gomap_map_len(m), 1);
	assert_true(signbit(only_key(m))); /* and its key */
	gomap_map_free(m);

	m = new_map(&gomap_type_f64, &bool_type, 0);
	assert_int_equal(gomap_map_put(m, &nz, &t), 1);
	assert_int_equal(gomap_map_put(m, &pz, &t), 0);
	assert_int_equal(gomap_map_len(m), 1);
	assert_false(signbit(only_key(m)));
	gomap_map_free(m);
}

/* testMapNan: three NaN keys with values 1, 2, 4. */
static void check_map_nan(const gomap_map_t *m)
{
	assert_int_equal(gomap_map_len(m), 3);
	gomap_iter it;
	const void *k;
	void *v;
	uint64_t s = 0;
	gomap_map_iter_init(m, &it);
	while (gomap_map_iter_next(&it, &k, &v)) {
		double d;
		uint64_t x;
		memcpy(&d, k, sizeof d);
		memcpy(&x, v, sizeof x);
		assert_true(isnan(d)); /* "nan disappeared" */
		assert_true((x & (x - 1)) == 0);
		s |= x;
	}
	assert_true(s == 7);
}

static void TestMapAssignmentNan(void **state)
{
	(void)state;
	gomap_map_t *m = new_map(&gomap_type_f64, &gomap_type_u64, 0);
	double nan = NAN;
	for (uint64_t v = 1; v <= 4; v *= 2)
		assert_int_equal(gomap_map_put(m, &nan, &v), 1); /* always a new entry */
	check_map_nan(m);
	gomap_map_free(m);
}

static void TestMapOperatorAssignmentNan(void **state)
{
	(void)state;
	gomap_map_t *m = new_map(&gomap_type_f64, &gomap_type_u64, 0);
	double nan = NAN;
	for (uint64_t add = 1; add <= 4; add *= 2) {
		/* m[nan] += add: the lookup misses, the store adds an entry */
		uint64_t v = 0xabcd;
		assert_int_equal(gomap_map_get(m, &nan, &v), 0);
		assert_true(v == 0xabcd); /* a miss leaves the output untouched */
		v = 0 + add;
		assert_int_equal(gomap_map_put(m, &nan, &v), 1);
	}
	check_map_nan(m);
	gomap_map_free(m);
}

static void TestMapOperatorAssignment(void **state)
{
	(void)state;
	gomap_map_t *m = new_map(&gomap_type_u64, &gomap_type_u64, 0);
	put(m, 0, 12345);
	put(m, 0, get_or_zero(m, 0) + 67890);
	put(m, 0, get_or_zero(m, 0) / 123);
	put(m, 0, get_or_zero(m, 0) % 456);
	assert_true(get_or_zero(m, 0) == (12345 + 67890) / 123 % 456);
	assert_int_equal(gomap_map_len(m), 1);
	gomap_map_free(m);
}

static void TestGrowWithNaN(void **state)
{
	(void)state;
	gomap_map_t *m = new_map(&gomap_type_f64, &gomap_type_u64, 4);
	double nan = NAN;
	uint64_t v = 1;
	gomap_map_put(m, &nan, &v);
	v = 2;
	gomap_map_put(m, &nan, &v);
	v = 0 + 4; /* m[nan] += 4 */
	gomap_map_put(m, &nan, &v);
	int cnt = 0;
	uint64_t s = 0;
	bool growflag = true;
	gomap_iter it;
	const void *k;
	void *val;
	gomap_map_iter_init(m, &it);
	while (gomap_map_iter_next(&it, &k, &val)) {
		double d;
		memcpy(&d, k, sizeof d);
		uint64_t x;
		memcpy(&x, val, sizeof x);
		if (growflag) {
			/* force a resize */
			for (uint64_t i = 0; i < 50; i++) {
				double f = (double)i;
				assert_int_equal(gomap_map_put(m, &f, &i), 1);
			}
			for (uint64_t i = 50; i < 100; i++) {
				double f = (double)i;
				uint64_t cur = 0;
				assert_int_equal(gomap_map_get(m, &f, &cur), 0);
				cur += i;
				assert_int_equal(gomap_map_put(m, &f, &cur), 1);
			}
			growflag = false;
		}
		if (d != d) {
			cnt++;
			s |= x;
		}
	}
	assert_int_equal(cnt, 3); /* "NaN keys lost during grow" */
	assert_true(s == 7);      /* "NaN values lost during grow" */
	assert_int_equal(gomap_map_len(m), 103);
	gomap_map_free(m);
}

/* Go's FloatInt{x float64; y int}: a RAW key with Go's float equality, so
 * -0 and +0 are one key with two representations. */
struct float_int {
	double x;
	int64_t y;
};

static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t float_int_hash(const void *obj, uint64_t seed)
{
	struct float_int k;
	memcpy(&k, obj, sizeof k);
	double x = k.x == 0 ? 0.0 : k.x; /* -0 hashes as +0 */
	uint64_t bits;
	memcpy(&bits, &x, sizeof bits);
	return mix64(mix64(bits ^ seed) ^ (uint64_t)k.y);
}

static bool float_int_equal(const void *a, const void *b)
{
	struct float_int p, q;
	memcpy(&p, a, sizeof p);
	memcpy(&q, b, sizeof q);
	return p.x == q.x && p.y == q.y;
}

static const gomap_type float_int_type = {sizeof(struct float_int), GOMAP_KIND_RAW, 0u,
                                          float_int_hash, float_int_equal, NULL, NULL};

static void TestGrowWithNegativeZero(void **state)
{
	(void)state;
	double negzero = neg_zero();
	gomap_map_t *m = new_map(&float_int_type, &gomap_type_u64, 4);
	const uint64_t init[4] = {1, 2, 4, 8};
	for (int64_t i = 0; i < 4; i++) {
		struct float_int k = {0.0, i};
		assert_int_equal(gomap_map_put(m, &k, &init[i]), 1);
	}
	bool growflag = true;
	uint64_t s = 0;
	int cnt = 0, negcnt = 0;
	gomap_iter it;
	const void *kp;
	void *vp;
	/* The first entry produced has the +0 key; the later ones -0. */
	gomap_map_iter_init(m, &it);
	while (gomap_map_iter_next(&it, &kp, &vp)) {
		struct float_int k;
		uint64_t v;
		memcpy(&k, kp, sizeof k);
		memcpy(&v, vp, sizeof v);
		if (v == 0)
			continue; /* the entries added to grow the table */
		cnt++;
		if (signbit(k.x)) {
			assert_true(v & 16); /* "key/value not updated together 1" */
			negcnt++;
			s |= v & 15;
		} else {
			assert_false(v & 16); /* "key/value not updated together 2" */
			s |= v;
		}
		if (growflag) {
			/* force a resize */
			for (int64_t i = 0; i < 100; i++) {
				struct float_int g = {3.0, i};
				uint64_t z = 0;
				assert_int_equal(gomap_map_put(m, &g, &z), 1);
			}
			/* then change every entry to negative zero */
			for (int64_t i = 0; i < 4; i++) {
				struct float_int n = {negzero, i};
				uint64_t nv = init[i] | 16;
				assert_int_equal(gomap_map_put(m, &n, &nv), 0);
			}
			growflag = false;
		}
	}
	assert_true(s == 15);        /* "entry missing" */
	assert_int_equal(cnt, 4);    /* "wrong number of entries returned by iterator" */
	assert_int_equal(negcnt, 3); /* "update to negzero missed by iteration" */
	/* every key now reads back as -0 */
	for (int64_t i = 0; i < 4; i++) {
		struct float_int q = {0.0, i};
		uint64_t v = 0;
		assert_int_equal(gomap_map_get(m, &q, &v), 1);
		assert_true(v == (init[i] | 16));
	}
	size_t neg = 0;
	gomap_map_iter_init(m, &it);
	while (gomap_map_iter_next(&it, &kp, NULL)) {
		struct float_int k;
		memcpy(&k, kp, sizeof k);
		if (k.x == 0) {
			assert_true(signbit(k.x));
			neg++;
		}
	}
	assert_int_equal(neg, 4);
	assert_int_equal(gomap_map_check(m), 0);
	gomap_map_free(m);
}

/* internal/runtime/maps: "+0.0 and -0.0 compare equal, but we must still
 * update the key slot when overwriting." */
static void TestTableKeyUpdate(void **state)
{
	(void)state;
	gomap_map_t *m = new_map(&gomap_type_f64, &gomap_type_u64, 8);
	double zero = 0.0, nz = neg_zero();
	uint64_t elem = 0;
	assert_int_equal(gomap_map_put(m, &zero, &elem), 1);
	elem = 1;
	assert_int_equal(gomap_map_put(m, &nz, &elem), 0);
	assert_int_equal(gomap_map_len(m), 1);
	gomap_iter it;
	const void *kp = NULL;
	void *vp = NULL;
	gomap_map_iter_init(m, &it);
	assert_true(gomap_map_iter_next(&it, &kp, &vp));
	assert_non_null(kp);
	double key;
	memcpy(&key, kp, sizeof key);
	memcpy(&elem, vp, sizeof elem);
	assert_true(signbit(key)); /* "map key has positive sign" */
	assert_true(elem == 1);
	gomap_map_iter_stop(&it);
	gomap_map_free(m);

	/* The same for a RAW key with a custom equality, inline and stored
	 * indirectly (over 128 bytes), during a growth too. */
	m = new_map(&float_int_type, &gomap_type_u64, 0);
	for (int64_t i = 0; i < 200; i++) {
		struct float_int k = {0.0, i};
		uint64_t v = (uint64_t)i;
		assert_int_equal(gomap_map_put(m, &k, &v), 1);
		struct float_int n = {nz, i / 2};
		v = 1000 + (uint64_t)i;
		assert_int_equal(gomap_map_put(m, &n, &v), 0);
		assert_int_equal(gomap_map_check(m), 0);
	}
	gomap_map_iter_init(m, &it);
	size_t n = 0;
	while (gomap_map_iter_next(&it, &kp, NULL)) {
		struct float_int k;
		memcpy(&k, kp, sizeof k);
		/* keys 0..99 were last stored as -0, the others as +0 */
		assert_int_equal(signbit(k.x) != 0, k.y < 100);
		n++;
	}
	assert_int_equal(n, 200);
	gomap_map_free(m);
}

struct big_fi {
	struct float_int k;
	unsigned char pad[200];
};

static uint64_t big_fi_hash(const void *obj, uint64_t seed) { return float_int_hash(obj, seed); }
static bool big_fi_equal(const void *a, const void *b) { return float_int_equal(a, b); }

static void TestTableKeyUpdateIndirect(void **state)
{
	(void)state;
	const gomap_type kt = {sizeof(struct big_fi), GOMAP_KIND_RAW, 0u, big_fi_hash, big_fi_equal, NULL,
	                       NULL};
	gomap_map_t *m = new_map(&kt, &gomap_type_u64, 0);
	struct big_fi a, b;
	memset(&a, 0x11, sizeof a);
	memset(&b, 0x22, sizeof b); /* equal by the callback, other bytes differ */
	a.k.x = 0.0;
	a.k.y = 7;
	b.k.x = neg_zero();
	b.k.y = 7;
	uint64_t v = 1;
	assert_int_equal(gomap_map_put(m, &a, &v), 1);
	v = 2;
	assert_int_equal(gomap_map_put(m, &b, &v), 0);
	gomap_iter it;
	const void *kp = NULL;
	gomap_map_iter_init(m, &it);
	assert_true(gomap_map_iter_next(&it, &kp, NULL));
	assert_memory_equal(kp, &b, sizeof b); /* the whole key was replaced */
	assert_false(gomap_map_iter_next(&it, NULL, NULL));
	gomap_map_free(m);
}

/* gomap's rule where Go has no counterpart: a key with a destructor is
 * owned by the map, which keeps it on overwrite (no key update, no key
 * destroyed); the key passed to the overwriting put stays the caller's. */
static void TestTableKeyUpdateDestructor(void **state)
{
	(void)state;
	tu_dtor_count kd = {0, 0};
	gomap_type kt = tu_with_dtor(float_int_type, tu_count_dtor, &kd);
	gomap_map_t *m = new_map(&kt, &gomap_type_u64, 0);
	struct float_int pz = {0.0, 1}, nz = {neg_zero(), 1};
	uint64_t v = 1;
	assert_int_equal(gomap_map_put(m, &pz, &v), 1);
	v = 2;
	assert_int_equal(gomap_map_put(m, &nz, &v), 0);
	assert_int_equal(kd.calls, 0); /* nothing dropped */
	gomap_iter it;
	const void *kp = NULL;
	void *vp = NULL;
	gomap_map_iter_init(m, &it);
	assert_true(gomap_map_iter_next(&it, &kp, &vp));
	struct float_int got;
	memcpy(&got, kp, sizeof got);
	memcpy(&v, vp, sizeof v);
	assert_false(signbit(got.x)); /* the stored key stays */
	assert_true(v == 2);          /* the value is overwritten */
	assert_false(gomap_map_iter_next(&it, NULL, NULL));
	assert_int_equal(gomap_map_delete(m, &nz), 1);
	assert_int_equal(kd.calls, 1); /* the one key the map held */
	gomap_map_free(m);
	assert_int_equal(kd.calls, 1);
}

/* ---- iteration while the map grows ---------------------------------------- */

static void TestIterGrowAndDelete(void **state)
{
	(void)state;
	gomap_map_t *m = new_map(&gomap_type_u64, &gomap_type_u64, 4);
	for (uint64_t i = 0; i < 100; i++)
		put(m, i, i);
	bool growflag = true;
	gomap_iter it;
	const void *kp;
	gomap_map_iter_init(m, &it);
	while (gomap_map_iter_next(&it, &kp, NULL)) {
		uint64_t k;
		memcpy(&k, kp, sizeof k);
		if (growflag) {
			for (uint64_t i = 100; i < 1000; i++)
				put(m, i, i); /* grow the table */
			for (uint64_t i = 1; i < 1000; i += 2)
				del(m, i); /* delete every odd key */
			growflag = false;
		} else {
			assert_true((k & 1) == 0); /* "odd value returned" */
		}
	}
	assert_int_equal(gomap_map_len(m), 500);
	gomap_map_free(m);
}

/* Go makes sure the GC keeps old bucket arrays alive for an iterator; here
 * the writes after the growth are what would give retired tables back. */
static void TestIterGrowWithGC(void **state)
{
	(void)state;
	gomap_map_t *m = new_map(&gomap_type_u64, &gomap_type_u64, 4);
	for (uint64_t i = 0; i < 8; i++)
		put(m, i, i);
	for (uint64_t i = 8; i < 16; i++)
		put(m, i, get_or_zero(m, i) + i);
	bool growflag = true;
	uint64_t bitmask = 0;
	gomap_iter it;
	const void *kp;
	gomap_map_iter_init(m, &it);
	while (gomap_map_iter_next(&it, &kp, NULL)) {
		uint64_t k;
		memcpy(&k, kp, sizeof k);
		if (k < 16)
			bitmask |= 1ull << k;
		if (growflag) {
			for (uint64_t i = 100; i < 1000; i++)
				put(m, i, i);
			/* more writes: each one gives back what it can */
			for (uint64_t i = 100; i < 1000; i++)
				put(m, i, i + 1);
			growflag = false;
		}
	}
	assert_true(bitmask == (1ull << 16) - 1); /* "missing key" */
	gomap_map_free(m);
}

struct reads_arg {
	gomap_map_t *m;
	uint64_t gs;
	bool iterate;
	size_t bad;
};

static void *reads_main(void *p)
{
	struct reads_arg *a = p;
	if (a->iterate) {
		gomap_iter it;
		size_t n = 0;
		gomap_map_iter_init(a->m, &it);
		while (gomap_map_iter_next(&it, NULL, NULL))
			n++;
		if (n != a->gs + 1)
			a->bad++;
	} else {
		for (uint64_t k = 0; k < a->gs; k++) {
			uint64_t v = ~0ull;
			if (gomap_map_get(a->m, &k, &v) != 1 || v != k)
				a->bad++;
		}
	}
	return NULL;
}

static void TestConcurrentReadsAfterGrowth(void **state)
{
	(void)state;
	/* Go's short mode: 2 loops of 100 growth steps; 4 readers of each
	 * kind per step (Go: 16) on this small machine. */
	enum { LOOPS = 2, STEPS = 100, READERS = 4 };
	for (int l = 0; l < LOOPS; l++) {
		gomap_map_t *m = new_map(&gomap_type_u64, &gomap_type_u64, 0);
		for (uint64_t gs = 0; gs < STEPS; gs++) {
			put(m, gs, gs);
			pthread_t th[2 * READERS];
			struct reads_arg args[2 * READERS];
			for (int r = 0; r < 2 * READERS; r++) {
				args[r] = (struct reads_arg){m, gs, r % 2 == 0, 0};
				assert_int_equal(pthread_create(&th[r], NULL, reads_main, &args[r]), 0);
			}
			for (int r = 0; r < 2 * READERS; r++) {
				pthread_join(th[r], NULL);
				assert_int_equal(args[r].bad, 0);
			}
		}
		gomap_map_free(m);
	}
}

/* ---- big keys and values ------------------------------------------------------ */

/* Go's [256]string key and value, as 256 fixed 12-byte strings (3 KiB,
 * stored indirectly). */
struct strs256 {
	char s[256][12];
};

static void TestBigItems(void **state)
{
	(void)state;
	const gomap_type t = GOMAP_TYPE_RAW(struct strs256);
	struct strs256 *key = calloc(1, sizeof *key);
	assert_non_null(key);
	for (int i = 0; i < 256; i++)
		strcpy(key->s[i], "foo");
	gomap_map_t *m = new_map(&t, &t, 4);
	for (int i = 0; i < 100; i++) {
		snprintf(key->s[37], sizeof key->s[37], "string%02d", i);
		assert_int_equal(gomap_map_put(m, key, key), 1);
	}
	char keys[100][12], values[100][12];
	int i = 0;
	gomap_iter it;
	const void *kp;
	void *vp;
	gomap_map_iter_init(m, &it);
	while (gomap_map_iter_next(&it, &kp, &vp)) {
		assert_true(i < 100);
		memcpy(keys[i], ((const struct strs256 *)kp)->s[37], 12);
		memcpy(values[i], ((const struct strs256 *)vp)->s[37], 12);
		i++;
	}
	assert_int_equal(i, 100);
	qsort(keys, 100, 12, (int (*)(const void *, const void *))strcmp);
	qsort(values, 100, 12, (int (*)(const void *, const void *))strcmp);
	for (i = 0; i < 100; i++) {
		char want[12];
		snprintf(want, sizeof want, "string%02d", i);
		assert_string_equal(keys[i], want);   /* "missing key" */
		assert_string_equal(values[i], want); /* "missing value" */
	}
	gomap_map_free(m);
	free(key);
}

/* Go reads the zero value on a miss; gomap leaves the output untouched
 * (Go's zero value is the caller's initialiser). */
static void TestMapHugeZero(void **state)
{
	(void)state;
	struct huge {
		unsigned char b[4000];
	};
	const gomap_type t = GOMAP_TYPE_RAW(struct huge);
	gomap_map_t *m = new_map(&gomap_type_u64, &t, 0);
	struct huge *y = malloc(sizeof *y), *zero = calloc(1, sizeof *zero);
	assert_non_null(y);
	assert_non_null(zero);
	memset(y, 0, sizeof *y);
	uint64_t k = 0;
	assert_int_equal(gomap_map_get(m, &k, y), 0); /* "map value should be missing" */
	assert_memory_equal(y, zero, sizeof *y);      /* "map value not zero" */
	memset(y, 0x5c, sizeof *y);
	assert_int_equal(gomap_map_get(m, &k, y), 0);
	for (size_t i = 0; i < sizeof y->b; i++)
		assert_int_equal(y->b[i], 0x5c); /* untouched */
	assert_null(gomap_map_get_ptr(m, &k));
	free(y);
	free(zero);
	gomap_map_free(m);
}

/* Go allows empty structs as keys and values. gomap stores 0-byte values
 * (a set), and refuses 0-byte keys with GOMAP_EINVAL (a C object has a
 * size; use a 1-byte key for the one-key map). */
static void TestEmptyKeyAndValue(void **state)
{
	(void)state;
	const gomap_type empty = {0, GOMAP_KIND_RAW, 0u, NULL, NULL, NULL, NULL};
	gomap_map_t *a = new_map(&gomap_type_u64, &empty, 4);
	uint64_t k = 0;
	assert_int_equal(gomap_map_put(a, &k, NULL), 1);
	assert_int_equal(gomap_map_len(a), 1); /* "empty value insert problem" */
	assert_int_equal(gomap_map_get(a, &k, NULL), 1);
	assert_int_equal(gomap_map_put(a, &k, NULL), 0);
	assert_int_equal(gomap_map_len(a), 1);
	gomap_map_free(a);

	gomap_map_t *b = (gomap_map_t *)(uintptr_t)1;
	assert_int_equal(gomap_map_new(&b, &empty, &gomap_type_u64, 4), GOMAP_EINVAL);
	assert_null(b);
	gomap_map_t *c = (gomap_map_t *)(uintptr_t)1;
	assert_int_equal(gomap_map_new(&c, &empty, &empty, 4), GOMAP_EINVAL);
	assert_null(c);
}

static void check_lookups(const char *const (*kv)[2], size_t n)
{
	gomap_map_t *m = new_map(&gomap_type_str, &ptr_val_type, 0);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(gomap_map_put(m, &kv[i][0], &kv[i][1]), 1);
	assert_int_equal(gomap_map_len(m), n);
	gomap_iter it;
	const void *kp;
	void *vp;
	size_t seen = 0;
	gomap_map_iter_init(m, &it);
	while (gomap_map_iter_next(&it, &kp, &vp)) {
		const char *v = NULL;
		assert_int_equal(gomap_map_get(m, kp, &v), 1);
		const char *want;
		memcpy(&want, vp, sizeof want);
		assert_ptr_equal(v, want);
		seen++;
	}
	assert_int_equal(seen, n);
	gomap_map_free(m);
}

static void TestSingleBucketMapStringKeys_DupLen(void **state)
{
	(void)state;
	char x128[129], y128[129];
	memset(x128, 'x', 128);
	memset(y128, 'y', 128);
	x128[128] = y128[128] = '\0';
	const char *const kv[][2] = {{"x", "x1val"},   {"xx", "x2val"},      {"foo", "fooval"},
	                             {"bar", "barval"}, {"xxxx", "x4val"},    {x128, "longval1"},
	                             {y128, "longval2"}};
	check_lookups(kv, sizeof kv / sizeof kv[0]);
}

static void TestSingleBucketMapStringKeys_NoDupLen(void **state)
{
	(void)state;
	char x128[129];
	memset(x128, 'x', 128);
	x128[128] = '\0';
	const char *const kv[][2] = {{"x", "x1val"},     {"xx", "x2val"},     {"foo", "fooval"},
	                             {"xxxx", "x4val"},   {"xxxxx", "x5val"},  {"xxxxxx", "x6val"},
	                             {x128, "longval"}};
	check_lookups(kv, sizeof kv / sizeof kv[0]);
}

/* An iteration that starts in the middle of a growth, the keys all NaN. */
static void TestMapNanGrowIterator(void **state)
{
	(void)state;
	/* 16 groups, filled to the growth point with NaN keys */
	const size_t nkeys = 112;
	gomap_map_t *m = new_map(&gomap_type_f64, &gomap_type_u64, nkeys);
	assert_int_equal(stats_of(m).capacity, 128);
	double nan = NAN, one = 1.0;
	for (uint64_t v = 0; v < nkeys; v++)
		assert_int_equal(gomap_map_put(m, &nan, &v), 1);
	assert_false(stats_of(m).growing);
	/* trigger a growth */
	uint64_t one_v = ~0ull;
	assert_int_equal(gomap_map_put(m, &one, &one_v), 1);
	assert_int_equal(gomap_map_delete(m, &one), 1);
	assert_true(stats_of(m).growing);

	uint8_t *found = calloc(nkeys, 1);
	assert_non_null(found);
	size_t nfound = 0;
	gomap_iter it;
	void *vp;
	gomap_map_iter_init(m, &it);
	while (gomap_map_iter_next(&it, NULL, &vp)) {
		uint64_t v;
		memcpy(&v, vp, sizeof v);
		assert_true(v < nkeys);
		assert_false(found[v]); /* "repeat of value" */
		found[v] = 1;
		nfound++;
		if (nfound == nkeys / 2) {
			/* halfway through, finish the growth */
			for (int i = 0; i < 64; i++)
				assert_int_equal(gomap_map_delete(m, &one), 0);
			assert_false(stats_of(m).growing);
		}
	}
	assert_int_equal(nfound, nkeys); /* "missing value" */
	free(found);
	gomap_map_free(m);
}

/* ---- iteration order --------------------------------------------------------- */

static size_t order_of(const gomap_map_t *m, uint64_t *out, size_t max)
{
	gomap_iter it;
	const void *kp;
	size_t n = 0;
	gomap_map_iter_init(m, &it);
	while (gomap_map_iter_next(&it, &kp, NULL)) {
		assert_true(n < max);
		memcpy(&out[n++], kp, sizeof *out);
	}
	return n;
}

static void TestMapIterOrder(void **state)
{
	(void)state;
	const size_t sizes[] = {3, 7, 9, 15};
	const size_t rounds = tu_scaled(1000, 50);
	for (size_t si = 0; si < 4; si++) {
		size_t n = sizes[si];
		for (size_t r = 0; r < rounds; r++) {
			gomap_map_t *m = new_map(&gomap_type_u64, &bool_type, 0);
			bool t = true;
			for (uint64_t i = 0; i < n; i++)
				assert_int_equal(gomap_map_put(m, &i, &t), 1);
			uint64_t first[16], again[16];
			assert_int_equal(order_of(m, first, 16), n);
			bool differs = false;
			for (int try = 0; try < 100 && !differs; try++) {
				assert_int_equal(order_of(m, again, 16), n);
				differs = memcmp(first, again, n * sizeof *first) != 0;
			}
			/* "had consistent iteration order" */
			assert_true(differs);
			gomap_map_free(m);
		}
	}
}

static void TestMapSparseIterOrder(void **state)
{
	(void)state;
	for (int round = 0; round < 10; round++) {
		gomap_map_t *m = new_map(&gomap_type_u64, &bool_type, 0);
		bool t = true;
		/* add 1000 items, remove 980 */
		for (uint64_t i = 0; i < 1000; i++)
			assert_int_equal(gomap_map_put(m, &i, &t), 1);
		for (uint64_t i = 20; i < 1000; i++)
			assert_int_equal(gomap_map_delete(m, &i), 1);
		uint64_t first[20], again[20];
		assert_int_equal(order_of(m, first, 20), 20);
		bool differs = false;
		for (int n = 0; n < 800 && !differs; n++) {
			assert_int_equal(order_of(m, again, 20), 20);
			differs = memcmp(first, again, sizeof first) != 0;
		}
		assert_true(differs); /* "constant iteration order" */
		gomap_map_free(m);
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x, y;
	memcpy(&x, a, 8);
	memcpy(&y, b, 8);
	return x < y ? -1 : x > y;
}

static void TestMapIterDuplicate(void **state)
{
	(void)state;
	const size_t rounds = tu_scaled(1000, 50);
	for (size_t r = 0; r < rounds; r++) {
		gomap_map_t *m = new_map(&gomap_type_u64, &bool_type, 0);
		bool t = true;
		for (uint64_t i = 0; i < 1000; i++)
			assert_int_equal(gomap_map_put(m, &i, &t), 1);
		for (uint64_t i = 20; i < 1000; i++)
			assert_int_equal(gomap_map_delete(m, &i), 1);
		uint64_t got[20];
		assert_int_equal(order_of(m, got, 20), 20);
		qsort(got, 20, sizeof *got, cmp_u64);
		for (uint64_t i = 0; i < 20; i++)
			assert_true(got[i] == i);
		gomap_map_free(m);
	}
}

/* A lookup with a string key never allocates (Go: m[string(buf)]). */
static void TestMapStringBytesLookup(void **state)
{
	(void)state;
	tu_tally tally;
	memset(&tally, 0, sizeof tally);
	gomap_allocator a = tu_allocator(&tally, true);
	gomap_map_t *m = new_map_alloc(&gomap_type_str, &gomap_type_u64, 0, &a);
	const char *k1 = "1000000000000000000000000000000000000000000000000";
	const char *k2 = "2000000000000000000000000000000000000000000000000";
	uint64_t v = 1;
	assert_int_equal(gomap_map_put(m, &k1, &v), 1);
	v = 2;
	assert_int_equal(gomap_map_put(m, &k2, &v), 1);
	char buf[64];
	strcpy(buf, k1);
	const char *b = buf;
	uint64_t x = 0;
	assert_int_equal(gomap_map_get(m, &b, &x), 1);
	assert_true(x == 1);
	buf[0] = '2';
	assert_int_equal(gomap_map_get(m, &b, &x), 1);
	assert_true(x == 2);
	size_t before = tally.allocs;
	for (int i = 0; i < 100; i++) {
		uint64_t y = 0;
		assert_int_equal(gomap_map_get(m, &b, &y), 1);
		x += y;
		assert_non_null(gomap_map_get_ptr(m, &b));
	}
	assert_int_equal(tally.allocs, before); /* "AllocsPerRun ... want 0" */
	assert_true(x == 202);
	gomap_map_free(m);
	assert_int_equal(tally.live_blocks, 0);
	assert_int_equal(tally.bad_frees, 0);
}

struct t64 {
	int64_t v[64];
};

static struct t64 t64_of(int64_t i)
{
	struct t64 t;
	for (int j = 0; j < 64; j++)
		t.v[j] = i + j;
	return t;
}

static void TestMapLargeKeyNoPointer(void **state)
{
	(void)state;
	const gomap_type kt = GOMAP_TYPE_RAW(struct t64);
	gomap_map_t *m = new_map(&kt, &gomap_type_u64, 0);
	for (int64_t i = 0; i < 1000; i++) {
		struct t64 k = t64_of(i);
		uint64_t v = (uint64_t)i;
		assert_int_equal(gomap_map_put(m, &k, &v), 1);
	}
	gomap_map_shrink(m); /* Go runs the GC here */
	for (int64_t i = 0; i < 1000; i++) {
		struct t64 k = t64_of(i);
		uint64_t v = ~0ull;
		assert_int_equal(gomap_map_get(m, &k, &v), 1);
		assert_true(v == (uint64_t)i); /* "corrupted map" */
	}
	gomap_map_free(m);
}

static void TestMapLargeValNoPointer(void **state)
{
	(void)state;
	const gomap_type vt = GOMAP_TYPE_RAW(struct t64);
	gomap_map_t *m = new_map(&gomap_type_u64, &vt, 0);
	for (int64_t i = 0; i < 1000; i++) {
		struct t64 v = t64_of(i);
		uint64_t k = (uint64_t)i;
		assert_int_equal(gomap_map_put(m, &k, &v), 1);
	}
	gomap_map_shrink(m);
	for (int64_t i = 0; i < 1000; i++) {
		struct t64 want = t64_of(i), got;
		memset(&got, 0, sizeof got);
		uint64_t k = (uint64_t)i;
		assert_int_equal(gomap_map_get(m, &k, &got), 1);
		assert_memory_equal(&got, &want, sizeof got);
	}
	gomap_map_free(m);
}

/* A bogus hint is ignored (Go issue 19926); gomap's hint is a size_t, so
 * Go's -1 is SIZE_MAX. */
static void TestIgnoreBogusMapHint(void **state)
{
	(void)state;
	const size_t hints[] = {SIZE_MAX, (size_t)1 << 62};
	for (size_t i = 0; i < 2; i++) {
		gomap_map_t *m = new_map(&gomap_type_u64, &gomap_type_u64, hints[i]);
		put(m, 1, 2);
		assert_true(get_or_zero(m, 1) == 2);
		gomap_map_free(m);
	}
}

/* ---- Go issue 25936: m[k2]++ after delete(m, k1) -------------------------- */

static void TestIncrementAfterDeleteValueInt(void **state)
{
	(void)state;
	gomap_map_t *m = new_map(&gomap_type_u64, &gomap_type_u64, 0);
	put(m, 12, 99);
	del(m, 12);
	put(m, 13, get_or_zero(m, 13) + 1);
	assert_true(get_or_zero(m, 13) == 1); /* "incremented 0 to" */
	gomap_map_free(m);
}

static void TestIncrementAfterDeleteValueInt32(void **state)
{
	(void)state;
	gomap_map_t *m = new_map(&gomap_type_u64, &i32_type, 0);
	uint64_t k1 = 12, k2 = 13;
	int32_t v = 99;
	assert_int_equal(gomap_map_put(m, &k1, &v), 1);
	assert_int_equal(gomap_map_delete(m, &k1), 1);
	v = 0;
	assert_int_equal(gomap_map_get(m, &k2, &v), 0);
	v++;
	assert_int_equal(gomap_map_put(m, &k2, &v), 1);
	int32_t n2 = -1;
	assert_int_equal(gomap_map_get(m, &k2, &n2), 1);
	assert_int_equal(n2, 1);
	gomap_map_free(m);
}

static void TestIncrementAfterDeleteValueInt64(void **state)
{
	(void)state;
	const gomap_type i64 = GOMAP_TYPE_RAW(int64_t);
	gomap_map_t *m = new_map(&gomap_type_u64, &i64, 0);
	uint64_t k1 = 12, k2 = 13;
	int64_t v = 99;
	assert_int_equal(gomap_map_put(m, &k1, &v), 1);
	assert_int_equal(gomap_map_delete(m, &k1), 1);
	v = 0;
	assert_int_equal(gomap_map_get(m, &k2, &v), 0);
	v++;
	assert_int_equal(gomap_map_put(m, &k2, &v), 1);
	int64_t n2 = -1;
	assert_int_equal(gomap_map_get(m, &k2, &n2), 1);
	assert_int_equal(n2, 1);
	gomap_map_free(m);
}

static void TestIncrementAfterDeleteKeyStringValueInt(void **state)
{
	(void)state;
	gomap_map_t *m = new_map(&gomap_type_str, &gomap_type_u64, 0);
	const char *k1 = "", *k2 = "x";
	uint64_t v = 99;
	assert_int_equal(gomap_map_put(m, &k1, &v), 1);
	assert_int_equal(gomap_map_delete(m, &k1), 1);
	v = 0;
	assert_int_equal(gomap_map_get(m, &k2, &v), 0);
	v += 1;
	assert_int_equal(gomap_map_put(m, &k2, &v), 1);
	uint64_t n2 = 0;
	assert_int_equal(gomap_map_get(m, &k2, &n2), 1);
	assert_true(n2 == 1);
	gomap_map_free(m);
}

static void TestIncrementAfterDeleteKeyValueString(void **state)
{
	(void)state;
	gomap_map_t *m = new_map(&gomap_type_str, &ptr_val_type, 0);
	const char *k1 = "", *k2 = "x";
	const char *v = "99";
	assert_int_equal(gomap_map_put(m, &k1, &v), 1);
	assert_int_equal(gomap_map_delete(m, &k1), 1);
	v = ""; /* Go's zero string */
	assert_int_equal(gomap_map_get(m, &k2, &v), 0);
	assert_string_equal(v, "");
	v = "1"; /* "" + "1" */
	assert_int_equal(gomap_map_put(m, &k2, &v), 1);
	const char *n2 = NULL;
	assert_int_equal(gomap_map_get(m, &k2, &n2), 1);
	assert_string_equal(n2, "1");
	gomap_map_free(m);
}

static void TestIncrementAfterBulkClearKeyStringValueInt(void **state)
{
	(void)state;
	gomap_map_t *m = new_map(&gomap_type_str, &gomap_type_u64, 0);
	const char *k1 = "", *k2 = "x";
	uint64_t v = 99;
	assert_int_equal(gomap_map_put(m, &k1, &v), 1);
	/* for k := range m { delete(m, k) }, with the iterator's key */
	gomap_iter it;
	const void *kp;
	gomap_map_iter_init(m, &it);
	while (gomap_map_iter_next(&it, &kp, NULL))
		assert_int_equal(gomap_map_delete(m, kp), 1);
	assert_int_equal(gomap_map_len(m), 0);
	v = 0;
	assert_int_equal(gomap_map_get(m, &k2, &v), 0);
	v++;
	assert_int_equal(gomap_map_put(m, &k2, &v), 1);
	uint64_t n2 = 0;
	assert_int_equal(gomap_map_get(m, &k2, &n2), 1);
	assert_true(n2 == 1);
	gomap_map_free(m);
}

/* Go's runtime.MapTombstoneCheck is gomap_map_check here. */
static void TestMapTombstones(void **state)
{
	(void)state;
	const uint64_t n = 10000;
	gomap_map_t *m = new_map(&gomap_type_u64, &gomap_type_u64, 0);
	for (uint64_t i = 0; i < n; i++)
		put(m, i, i);
	assert_int_equal(gomap_map_check(m), 0);
	for (uint64_t i = 0; i < n; i += 2)
		del(m, i);
	assert_int_equal(gomap_map_check(m), 0);
	for (uint64_t i = n; i < 3 * n / 2; i++)
		put(m, i, i);
	assert_int_equal(gomap_map_check(m), 0);
	for (uint64_t i = 0; i < 3 * n / 2; i++)
		del(m, i);
	assert_int_equal(gomap_map_check(m), 0);
	assert_int_equal(gomap_map_len(m), 0);
	gomap_map_free(m);
}

static void TestMapIterDeleteReplace(void **state)
{
	(void)state;
	/* Go's short mode steps by 100 */
	const uint64_t inc = GOMAP_TEST_SANITIZED ? 500 : 100;
	for (uint64_t i = 0; i < 10000; i += inc) {
		gomap_map_t *m = new_map(&gomap_type_u64, &bool_type, 0);
		bool f = false, t = true;
		for (uint64_t j = 0; j < i; j++)
			assert_int_equal(gomap_map_put(m, &j, &f), 1);
		/* delete and replace every entry */
		gomap_iter it;
		const void *kp;
		gomap_map_iter_init(m, &it);
		while (gomap_map_iter_next(&it, &kp, NULL)) {
			uint64_t k;
			memcpy(&k, kp, sizeof k);
			assert_int_equal(gomap_map_delete(m, &k), 1);
			assert_int_equal(gomap_map_put(m, &k, &t), 1);
		}
		void *vp;
		size_t n = 0;
		gomap_map_iter_init(m, &it);
		while (gomap_map_iter_next(&it, &kp, &vp)) {
			bool v;
			memcpy(&v, vp, sizeof v);
			assert_true(v); /* "got false want true" */
			n++;
		}
		assert_int_equal(n, i);
		assert_int_equal(gomap_map_check(m), 0);
		gomap_map_free(m);
	}
}

/* ---- internal/runtime/maps/map_test.go ------------------------------------ */

static void TestMapPut(void **state)
{
	(void)state;
	gomap_map_t *m = new_map(&gomap_type_u32, &gomap_type_u64, 8);
	uint32_t key = 0;
	uint64_t elem = 256;
	for (int i = 0; i < 31; i++) {
		key++;
		elem++;
		assert_int_equal(gomap_map_put(m, &key, &elem), 1);
	}
	assert_int_equal(gomap_map_len(m), 31);
	key = 0;
	elem = 256;
	for (int i = 0; i < 31; i++) {
		key++;
		elem++;
		uint64_t got = 0;
		assert_int_equal(gomap_map_get(m, &key, &got), 1);
		assert_true(got == elem);
	}
	gomap_map_free(m);
}

static void TestMapDelete(void **state)
{
	(void)state;
	gomap_map_t *m = new_map(&gomap_type_u32, &gomap_type_u64, 32);
	uint32_t key = 0;
	uint64_t elem = 256;
	for (int i = 0; i < 31; i++) {
		key++;
		elem++;
		assert_int_equal(gomap_map_put(m, &key, &elem), 1);
	}
	key = 0;
	for (int i = 0; i < 31; i++) {
		key++;
		assert_int_equal(gomap_map_delete(m, &key), 1);
	}
	assert_int_equal(gomap_map_len(m), 0);
	key = 0;
	for (int i = 0; i < 31; i++) {
		key++;
		uint64_t got = 0x77;
		assert_int_equal(gomap_map_get(m, &key, &got), 0);
		assert_true(got == 0x77);
	}
	gomap_map_free(m);
}

static void TestTableClear(void **state)
{
	(void)state;
	gomap_map_t *m = new_map(&gomap_type_u32, &gomap_type_u64, 32);
	uint32_t key = 0;
	uint64_t elem = 256;
	for (int i = 0; i < 31; i++) {
		key++;
		elem++;
		assert_int_equal(gomap_map_put(m, &key, &elem), 1);
	}
	assert_int_equal(gomap_map_clear(m), 0);
	assert_int_equal(gomap_map_len(m), 0);
	key = 0;
	for (int i = 0; i < 31; i++) {
		key++;
		assert_int_equal(gomap_map_get(m, &key, NULL), 0);
	}
	gomap_map_free(m);
}

/* Put reuses a deleted slot rather than consuming an empty one. */
static void TestTablePutDelete(void **state)
{
	(void)state;
	gomap_map_t *m = new_map(&gomap_type_u32, &gomap_type_u32, 16);
	uint32_t key = 0, elem = 256;
	/* Fill until a delete leaves a tombstone (its group is full). */
	for (;;) {
		key++;
		elem++;
		assert_int_equal(gomap_map_put(m, &key, &elem), 1);
		gomap_map_stats before = stats_of(m);
		if (before.growing)
			continue;
		/* try each key: delete it, see whether a tombstone appears */
		uint32_t found = 0;
		for (uint32_t k = 1; k <= key && !found; k++) {
			uint32_t v = 256 + k;
			assert_int_equal(gomap_map_delete(m, &k), 1);
			if (stats_of(m).tombstones > before.tombstones)
				found = k;
			else
				assert_int_equal(gomap_map_put(m, &k, &v), 1);
		}
		if (!found)
			continue;
		gomap_map_stats mid = stats_of(m);
		/* re-insert: the tombstone is reused, no growth, no room used */
		uint32_t v = 256 + found;
		assert_int_equal(gomap_map_put(m, &found, &v), 1);
		gomap_map_stats after = stats_of(m);
		assert_int_equal(after.grows, mid.grows); /* "Put grew table" */
		assert_int_equal(after.capacity, mid.capacity);
		assert_int_equal(after.tombstones, mid.tombstones - 1);
		break;
	}
	gomap_map_free(m);
}

static void fill31(gomap_map_t *m)
{
	uint32_t key = 0;
	uint64_t elem = 256;
	for (int i = 0; i < 31; i++) {
		key++;
		elem++;
		assert_int_equal(gomap_map_put(m, &key, &elem), 1);
	}
}

static void TestTableIteration(void **state)
{
	(void)state;
	gomap_map_t *m = new_map(&gomap_type_u32, &gomap_type_u64, 8);
	fill31(m);
	uint64_t got[32] = {0};
	gomap_iter it;
	const void *kp;
	void *vp;
	size_t n = 0;
	gomap_map_iter_init(m, &it);
	while (gomap_map_iter_next(&it, &kp, &vp)) {
		uint32_t k;
		memcpy(&k, kp, sizeof k);
		assert_true(k >= 1 && k <= 31);
		assert_true(got[k] == 0);
		memcpy(&got[k], vp, sizeof got[k]);
		n++;
	}
	assert_int_equal(n, 31);
	for (uint32_t k = 1; k <= 31; k++)
		assert_true(got[k] == 256 + k);
	gomap_map_free(m);
}

/* Deleted keys are not produced. */
static void TestTableIterationDelete(void **state)
{
	(void)state;
	gomap_map_t *m = new_map(&gomap_type_u32, &gomap_type_u64, 8);
	fill31(m);
	uint64_t got[32] = {0};
	bool first = true;
	uint32_t deleted = 1;
	gomap_iter it;
	const void *kp;
	void *vp;
	size_t n = 0;
	gomap_map_iter_init(m, &it);
	while (gomap_map_iter_next(&it, &kp, &vp)) {
		uint32_t k;
		memcpy(&k, kp, sizeof k);
		memcpy(&got[k], vp, sizeof got[k]);
		n++;
		if (first) {
			first = false;
			if (k == deleted)
				deleted++;
			assert_int_equal(gomap_map_delete(m, &deleted), 1);
		}
	}
	assert_int_equal(n, 30);
	for (uint32_t k = 1; k <= 31; k++)
		assert_true(got[k] == (k == deleted ? 0 : 256 + k));
	gomap_map_free(m);
}

/* ... even after a growth. */
static void TestTableIterationGrowDelete(void **state)
{
	(void)state;
	gomap_map_t *m = new_map(&gomap_type_u32, &gomap_type_u64, 8);
	fill31(m);
	uint64_t got[64] = {0};
	bool first = true;
	uint32_t deleted = 1;
	gomap_iter it;
	const void *kp;
	void *vp;
	gomap_map_iter_init(m, &it);
	while (gomap_map_iter_next(&it, &kp, &vp)) {
		uint32_t k;
		memcpy(&k, kp, sizeof k);
		assert_true(k < 64);
		assert_true(got[k] == 0);
		memcpy(&got[k], vp, sizeof got[k]);
		if (first) {
			first = false;
			if (k == deleted)
				deleted++;
			/* double the entries to force a growth */
			uint32_t nk = 32;
			uint64_t ne = 256 + 32;
			for (int i = 0; i < 31; i++) {
				nk++;
				ne++;
				assert_int_equal(gomap_map_put(m, &nk, &ne), 1);
			}
			assert_int_equal(gomap_map_delete(m, &deleted), 1);
		}
	}
	/* the new entries may or may not have been produced */
	for (uint32_t k = 1; k <= 31; k++)
		assert_true(got[k] == (k == deleted ? 0 : 256 + k));
	gomap_map_free(m);
}

static void iteration_grow_duplicate(uint32_t grow)
{
	gomap_map_t *m = new_map(&gomap_type_u32, &gomap_type_u64, 8);
	fill31(m);
	uint8_t *seen = calloc(32 + grow + 1, 1);
	assert_non_null(seen);
	gomap_iter it;
	const void *kp;
	void *vp;
	int i = 0;
	gomap_map_iter_init(m, &it);
	while (gomap_map_iter_next(&it, &kp, &vp)) {
		uint32_t k;
		uint64_t e;
		memcpy(&k, kp, sizeof k);
		memcpy(&e, vp, sizeof e);
		assert_true(e == 256 + (uint64_t)k);
		assert_true(k <= 32 + grow);
		assert_false(seen[k]); /* "iteration got key more than once" */
		seen[k] = 1;
		if (i++ == 16) {
			/* grow halfway through the iteration */
			uint32_t nk = 32;
			uint64_t ne = 256 + 32;
			for (uint32_t j = 0; j < grow; j++) {
				nk++;
				ne++;
				assert_int_equal(gomap_map_put(m, &nk, &ne), 1);
			}
		}
	}
	free(seen);
	gomap_map_free(m);
}

static void TestTableIterationGrowDuplicate(void **state)
{
	(void)state;
	iteration_grow_duplicate(32);       /* "grow" */
	iteration_grow_duplicate(2 * 1024); /* "split": Go's 2*maxTableCapacity */
}

static void TestMapIndirect(void **state)
{
	(void)state;
	struct big {
		unsigned char b[128 + 128];
	};
	const gomap_type t = GOMAP_TYPE_RAW(struct big);
	gomap_map_t *m = new_map(&t, &t, 8);
	struct big key, elem;
	memset(&key, 0, sizeof key);
	memset(&elem, 0, sizeof elem);
	elem.b[0] = 128;
	for (int i = 0; i < 31; i++) {
		key.b[0]++;
		elem.b[0]++;
		assert_int_equal(gomap_map_put(m, &key, &elem), 1);
	}
	assert_int_equal(gomap_map_len(m), 31);
	memset(&key, 0, sizeof key);
	memset(&elem, 0, sizeof elem);
	elem.b[0] = 128;
	for (int i = 0; i < 31; i++) {
		key.b[0]++;
		elem.b[0]++;
		struct big got;
		memset(&got, 0xee, sizeof got);
		assert_int_equal(gomap_map_get(m, &key, &got), 1);
		assert_memory_equal(&got, &elem, sizeof got);
	}
	gomap_map_free(m);
}

/*
 * TestTombstoneGrow: keep a map at a constant size while deleting the key
 * an iteration yields first and inserting a new one, 100,000 times. Go
 * bounds the allocations at creation plus one growth (two when the map
 * starts full). gomap's creation with a hint allocates 4 blocks (map,
 * table, control bytes, slots) and a growth 3 (table, control bytes,
 * slots); the bound here is Go's number, 8: creation and at most one
 * growth, whatever the load.
 */
static bool first_key_fn(const void *k, void *v, void *ctx)
{
	(void)v;
	memcpy(ctx, k, sizeof(uint64_t));
	return false; /* break */
}

static void TestTombstoneGrow(void **state)
{
	(void)state;
	const size_t table_sizes[] = {16, 32, 64, 128, 256};
	const char *const loads[] = {"low", "mid", "high"};
	const size_t cycles = 100000;
	int failures = 0;
	for (size_t ts = 0; ts < 5; ts++) {
		for (int l = 0; l < 3; l++) {
			size_t table_size = table_sizes[ts];
			size_t capacity = table_size * 7 / 8, initial;
			switch (l) {
			case 0: initial = capacity / 8; break;
			case 1: initial = capacity / 2; break;
			default: initial = capacity; break;
			}
			tu_tally tally;
			memset(&tally, 0, sizeof tally);
			gomap_allocator a = tu_allocator(&tally, true);
			gomap_map_t *m = new_map_alloc(&gomap_type_u64, &gomap_type_u64, capacity, &a);
			assert_int_equal(stats_of(m).capacity, table_size);
			for (uint64_t i = 0; i < initial; i++)
				put(m, i, i);
			uint64_t next = initial;
			for (size_t c = 0; c < cycles; c++) {
				uint64_t k = ~0ull;
				/* for k := range m { delete(m, k); break } */
				assert_int_equal(gomap_map_range(m, first_key_fn, &k), 0);
				assert_true(k < next);
				assert_int_equal(gomap_map_delete(m, &k), 1);
				assert_int_equal(gomap_map_put(m, &next, &next), 1);
				next++;
				/* "len(m) should remain constant" */
				assert_int_equal(gomap_map_len(m), initial);
			}
			gomap_map_stats st = stats_of(m);
			char what[96];
			snprintf(what, sizeof what, "tableSize=%zu/elems=%zu/load=%s", table_size,
			         initial, loads[l]);
			if (tally.allocs > 8 || st.grows > 1) {
				print_error("%s: got %zu allocations, allowed 8 (grows %zu, same-size %zu)\n",
				            what, tally.allocs, st.grows, st.same_size_grows);
				failures++;
			}
			assert_int_equal(gomap_map_check(m), 0);
			gomap_map_free(m);
			assert_int_equal(tally.live_blocks, 0);
			assert_int_equal(tally.bad_frees, 0);
		}
	}
	assert_int_equal(failures, 0);
}

/* ---- clear ------------------------------------------------------------------------------ */

/* test/clear.go's checkClearMap. */
static void checkClearMap(void **state)
{
	(void)state;
	gomap_map_t *m1 = new_map(&gomap_type_u64, &gomap_type_u64, 0);
	put(m1, 0, 0);
	put(m1, 1, 1);
	assert_int_equal(gomap_map_clear(m1), 0);
	assert_int_equal(gomap_map_len(m1), 0); /* "m1 is not cleared" */
	assert_int_equal(gomap_map_get(m1, &(uint64_t){0}, NULL), 0);
	gomap_map_free(m1);

	/* a map holding NaN keys is cleared too */
	gomap_map_t *m2 = new_map(&gomap_type_f64, &gomap_type_u64, 0);
	double nan = NAN;
	uint64_t one = 1;
	assert_int_equal(gomap_map_put(m2, &nan, &one), 1);
	assert_int_equal(gomap_map_put(m2, &nan, &one), 1);
	assert_int_equal(gomap_map_len(m2), 2);
	assert_int_equal(gomap_map_clear(m2), 0);
	assert_int_equal(gomap_map_len(m2), 0); /* "m2 is not cleared" */
	gomap_iter it;
	gomap_map_iter_init(m2, &it);
	assert_false(gomap_map_iter_next(&it, NULL, NULL));
	gomap_map_free(m2);

	gomap_map_t *m3 = new_map(&gomap_type_u64, &gomap_type_u64, 0);
	assert_int_equal(gomap_map_clear(m3), 0); /* clear(map[int]int{}) */
	assert_int_equal(gomap_map_len(m3), 0);
	gomap_map_free(m3);
}

/* sync's TestMapClearNoAllocations, for the plain map: clearing an empty
 * map (never used, or emptied) allocates nothing. */
static void TestMapClearNoAllocations(void **state)
{
	(void)state;
	tu_tally tally;
	memset(&tally, 0, sizeof tally);
	gomap_allocator a = tu_allocator(&tally, true);
	gomap_map_t *m = new_map_alloc(&gomap_type_u64, &gomap_type_u64, 0, &a);
	size_t before = tally.allocs;
	for (int i = 0; i < 10; i++)
		assert_int_equal(gomap_map_clear(m), 0);
	assert_int_equal(tally.allocs, before);
	put(m, 1, 1);
	del(m, 1);
	before = tally.allocs;
	for (int i = 0; i < 10; i++)
		assert_int_equal(gomap_map_clear(m), 0);
	assert_int_equal(tally.allocs, before);
	assert_int_equal(gomap_map_len(m), 0);
	gomap_map_free(m);
	assert_int_equal(tally.live_blocks, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(TestNegativeZero),
	    cmocka_unit_test(TestMapAssignmentNan),
	    cmocka_unit_test(TestMapOperatorAssignmentNan),
	    cmocka_unit_test(TestMapOperatorAssignment),
	    cmocka_unit_test(TestGrowWithNaN),
	    cmocka_unit_test(TestGrowWithNegativeZero),
	    cmocka_unit_test(TestTableKeyUpdate),
	    cmocka_unit_test(TestTableKeyUpdateIndirect),
	    cmocka_unit_test(TestTableKeyUpdateDestructor),
	    cmocka_unit_test(TestIterGrowAndDelete),
	    cmocka_unit_test(TestIterGrowWithGC),
	    cmocka_unit_test(TestConcurrentReadsAfterGrowth),
	    cmocka_unit_test(TestBigItems),
	    cmocka_unit_test(TestMapHugeZero),
	    cmocka_unit_test(TestEmptyKeyAndValue),
	    cmocka_unit_test(TestSingleBucketMapStringKeys_DupLen),
	    cmocka_unit_test(TestSingleBucketMapStringKeys_NoDupLen),
	    cmocka_unit_test(TestMapNanGrowIterator),
	    cmocka_unit_test(TestMapIterOrder),
	    cmocka_unit_test(TestMapSparseIterOrder),
	    cmocka_unit_test(TestMapIterDuplicate),
	    cmocka_unit_test(TestMapStringBytesLookup),
	    cmocka_unit_test(TestMapLargeKeyNoPointer),
	    cmocka_unit_test(TestMapLargeValNoPointer),
	    cmocka_unit_test(TestIgnoreBogusMapHint),
	    cmocka_unit_test(TestIncrementAfterDeleteValueInt),
	    cmocka_unit_test(TestIncrementAfterDeleteValueInt32),
	    cmocka_unit_test(TestIncrementAfterDeleteValueInt64),
	    cmocka_unit_test(TestIncrementAfterDeleteKeyStringValueInt),
	    cmocka_unit_test(TestIncrementAfterDeleteKeyValueString),
	    cmocka_unit_test(TestIncrementAfterBulkClearKeyStringValueInt),
	    cmocka_unit_test(TestMapTombstones),
	    cmocka_unit_test(TestMapIterDeleteReplace),
	    cmocka_unit_test(TestMapPut),
	    cmocka_unit_test(TestMapDelete),
	    cmocka_unit_test(TestTableClear),
	    cmocka_unit_test(TestTablePutDelete),
	    cmocka_unit_test(TestTableIteration),
	    cmocka_unit_test(TestTableIterationDelete),
	    cmocka_unit_test(TestTableIterationGrowDelete),
	    cmocka_unit_test(TestTableIterationGrowDuplicate),
	    cmocka_unit_test(TestMapIndirect),
	    cmocka_unit_test(TestTombstoneGrow),
	    cmocka_unit_test(checkClearMap),
	    cmocka_unit_test(TestMapClearNoAllocations),
	};
	return cmocka_run_group_tests_name("map_go", tests, NULL, NULL);
}
