/*
 * tests/cmap/cmap_semantics.c - the cmap.h contract, one test body for every
 * safe map variant: return values of each operation (Go's sync.Map
 * semantics), bad input, range, value equality through the descriptor,
 * value ownership (destroy vs move-out), byte-string keys and sets.
 */
#include <math.h>
#include <stdatomic.h>

#include "cmap_test.h"

static void basic_ops(int kind)
{
	ct_keys *K = malloc(sizeof *K);
	ct_keys_init(K, kind, 4);
	void *m = ct_new(kind);
	const void *k0 = ct_key(K, 0), *k1 = ct_key(K, 1);
	uint64_t v = 0, out = 99, a = 10, b = 20, c = 30;

	assert_int_equal(V->len(m), 0);
	assert_int_equal(V->load(m, k0, &out), 0);
	assert_int_equal(out, 99); /* untouched when absent */
	assert_int_equal(V->store(m, k0, &a), 0);
	assert_int_equal(V->load(m, k0, &out), 1);
	assert_int_equal(out, 10);
	assert_int_equal(V->load(m, k0, NULL), 1);
	assert_int_equal(V->store(m, k0, &b), 0); /* overwrite */
	assert_int_equal(V->load(m, k0, &out), 1);
	assert_int_equal(out, 20);
	assert_int_equal(V->len(m), 1);

	/* load_or_store */
	assert_int_equal(V->load_or_store(m, k0, &c, &out), 1);
	assert_int_equal(out, 20);
	assert_int_equal(V->load(m, k0, &out), 1);
	assert_int_equal(out, 20);
	assert_int_equal(V->load_or_store(m, k1, &c, &out), 0);
	assert_int_equal(V->load(m, k1, &out), 1);
	assert_int_equal(out, 30);
	assert_int_equal(V->load_or_store(m, k1, &a, NULL), 1);
	assert_int_equal(V->len(m), 2);

	/* load_and_delete */
	assert_int_equal(V->load_and_delete(m, k1, &out), 1);
	assert_int_equal(out, 30);
	assert_int_equal(V->load(m, k1, NULL), 0);
	assert_int_equal(V->load_and_delete(m, k1, &out), 0);
	assert_int_equal(V->len(m), 1);

	/* delete */
	assert_int_equal(V->del(m, k1), 0);
	assert_int_equal(V->del(m, k0), 1);
	assert_int_equal(V->del(m, k0), 0);
	assert_int_equal(V->len(m), 0);

	/* swap */
	assert_int_equal(V->swap(m, k0, &a, &out), 0); /* inserted */
	assert_int_equal(V->swap(m, k0, &b, &out), 1);
	assert_int_equal(out, 10);
	assert_int_equal(V->swap(m, k0, &c, NULL), 1);
	assert_int_equal(V->load(m, k0, &out), 1);
	assert_int_equal(out, 30);

	/* compare_and_swap: absent key is never swapped, even with old == 0
	 * (Go's TestCompareAndSwap_NonExistingKey). */
	v = 0;
	assert_int_equal(V->compare_and_swap(m, k1, &v, &a), 0);
	assert_int_equal(V->load(m, k1, NULL), 0);
	assert_int_equal(V->compare_and_swap(m, k0, &a, &b), 0); /* 30 != 10 */
	assert_int_equal(V->load(m, k0, &out), 1);
	assert_int_equal(out, 30);
	assert_int_equal(V->compare_and_swap(m, k0, &c, &a), 1);
	assert_int_equal(V->load(m, k0, &out), 1);
	assert_int_equal(out, 10);

	/* compare_and_delete */
	assert_int_equal(V->compare_and_delete(m, k1, &v), 0);
	assert_int_equal(V->compare_and_delete(m, k0, &b), 0);
	assert_int_equal(V->load(m, k0, NULL), 1);
	assert_int_equal(V->compare_and_delete(m, k0, &a), 1);
	assert_int_equal(V->load(m, k0, NULL), 0);
	assert_int_equal(V->len(m), 0);

	/* clear */
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(V->store(m, ct_key(K, i), &a), 0);
	assert_int_equal(V->len(m), 4);
	assert_int_equal(V->clear(m), 0);
	assert_int_equal(V->len(m), 0);
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(V->load(m, ct_key(K, i), NULL), 0);
	assert_int_equal(V->store(m, k1, &b), 0); /* usable after clear */
	assert_int_equal(V->load(m, k1, &out), 1);
	assert_int_equal(out, 20);

	V->destroy(m);
	free(K);
}

static void test_basic_u64(void **st)
{
	(void)st;
	basic_ops(CT_U64);
}

static void test_basic_str(void **st)
{
	(void)st;
	basic_ops(CT_STR);
}

static bool count_fn(const void *k, void *v, void *ctx)
{
	(void)k;
	(void)v;
	(*(size_t *)ctx)++;
	return true;
}

static void test_bad_input(void **st)
{
	(void)st;
	uint64_t k = 1, v = 5, out;
	void *m = ct_new(CT_U64);

	/* NULL handle */
	assert_int_equal(V->load(NULL, &k, &out), GOMAP_EINVAL);
	assert_int_equal(V->store(NULL, &k, &v), GOMAP_EINVAL);
	assert_int_equal(V->load_or_store(NULL, &k, &v, &out), GOMAP_EINVAL);
	assert_int_equal(V->load_and_delete(NULL, &k, &out), GOMAP_EINVAL);
	assert_int_equal(V->del(NULL, &k), GOMAP_EINVAL);
	assert_int_equal(V->swap(NULL, &k, &v, &out), GOMAP_EINVAL);
	assert_int_equal(V->compare_and_swap(NULL, &k, &v, &v), GOMAP_EINVAL);
	assert_int_equal(V->compare_and_delete(NULL, &k, &v), GOMAP_EINVAL);
	size_t cnt = 0;
	assert_int_equal(V->range(NULL, count_fn, &cnt), GOMAP_EINVAL);
	assert_int_equal(V->len(NULL), 0);
	assert_int_equal(V->clear(NULL), GOMAP_EINVAL);
	V->destroy(NULL);

	/* NULL key / value / callback, on a map with content */
	assert_int_equal(V->store(m, &k, &v), 0);
	assert_int_equal(V->load(m, NULL, &out), GOMAP_EINVAL);
	assert_int_equal(V->store(m, NULL, &v), GOMAP_EINVAL);
	assert_int_equal(V->store(m, &k, NULL), GOMAP_EINVAL);
	assert_int_equal(V->load_or_store(m, &k, NULL, &out), GOMAP_EINVAL);
	assert_int_equal(V->load_and_delete(m, NULL, &out), GOMAP_EINVAL);
	assert_int_equal(V->del(m, NULL), GOMAP_EINVAL);
	assert_int_equal(V->swap(m, &k, NULL, &out), GOMAP_EINVAL);
	assert_int_equal(V->compare_and_swap(m, &k, &v, NULL), GOMAP_EINVAL);
	assert_int_equal(V->compare_and_swap(m, &k, NULL, &v), GOMAP_EINVAL);
	assert_int_equal(V->compare_and_delete(m, &k, NULL), GOMAP_EINVAL);
	assert_int_equal(V->range(m, NULL, NULL), GOMAP_EINVAL);
	/* ... and the map is intact */
	assert_int_equal(V->len(m), 1);
	assert_int_equal(V->load(m, &k, &out), 1);
	assert_int_equal(out, 5);
	V->destroy(m);

	/* string keys: a NULL string is not a key */
	void *ms = ct_new(CT_STR);
	const char *nul = NULL, *s = "x";
	assert_int_equal(V->store(ms, &nul, &v), GOMAP_EINVAL);
	assert_int_equal(V->load(ms, &nul, &out), GOMAP_EINVAL);
	assert_int_equal(V->del(ms, &nul), GOMAP_EINVAL);
	assert_int_equal(V->store(ms, &s, &v), 0);
	assert_int_equal(V->len(ms), 1);
	V->destroy(ms);

	/* creation */
	void *x = (void *)1;
	gomap_type bad = gomap_type_u64;
	bad.size = 4;
	assert_int_equal(V->create(NULL, &gomap_type_u64, &gomap_type_u64),
	                 GOMAP_EINVAL);
	assert_int_equal(V->create(&x, NULL, &gomap_type_u64), GOMAP_EINVAL);
	assert_null(x);
	assert_int_equal(V->create(&x, &gomap_type_u64, NULL), GOMAP_EINVAL);
	assert_int_equal(V->create(&x, &bad, &gomap_type_u64), GOMAP_EINVAL);
	assert_int_equal(V->create(&x, &gomap_type_u64, &bad), GOMAP_EINVAL);
	assert_null(x);
}

/* Values that own memory would leave the lock as pointers into the map. */
static void no_destroy(void *obj, void *ctx)
{
	(void)obj;
	(void)ctx;
}

/* Owned str/bytes values are accepted and copied (every operation is in
 * cmap_values.c); one with a destroy callback of its own is refused, and
 * borrowed values stay the caller's pointers. */
static void test_owned_string_values(void **st)
{
	(void)st;
	void *x = NULL;
	uint64_t k = 3;
	char in[] = "owned";
	const char *pin = in, *got = NULL;
	assert_int_equal(V->create(&x, &gomap_type_u64, &gomap_type_str), 0);
	assert_int_equal(V->store(x, &k, &pin), 0);
	in[0] = 'X';
	assert_int_equal(V->load(x, &k, &got), 1);
	assert_string_equal(got, "owned");
	assert_ptr_not_equal(got, in);
	free((void *)got);
	V->destroy(x);
	x = NULL;
	assert_int_equal(V->create(&x, &gomap_type_u64, &gomap_type_bytes), 0);
	assert_non_null(x);
	V->destroy(x);
	gomap_type sd = gomap_type_str;
	sd.destroy = no_destroy;
	x = (void *)1;
	assert_int_equal(V->create(&x, &gomap_type_u64, &sd), GOMAP_ENOTSUP);
	assert_null(x);
	assert_int_equal(V->create(&x, &gomap_type_u64,
	                           &gomap_type_str_borrowed),
	                 0);
	const char *val = "borrowed";
	got = NULL;
	assert_int_equal(V->store(x, &k, &val), 0);
	assert_int_equal(V->load(x, &k, &got), 1);
	assert_ptr_equal(got, val);
	V->destroy(x);
}

struct seen {
	const ct_keys *K;
	int count[64];
	uint64_t val[64];
	size_t calls, stop_after;
};

static bool seen_fn(const void *k, void *v, void *ctx)
{
	struct seen *s = ctx;
	long i = ct_key_index(s->K, k);
	assert_true(i >= 0);
	s->count[i]++;
	memcpy(&s->val[i], v, 8);
	s->calls++;
	return s->stop_after == 0 || s->calls < s->stop_after;
}

static void range_basic(int kind)
{
	ct_keys *K = malloc(sizeof *K);
	ct_keys_init(K, kind, 64);
	void *m = ct_new(kind);
	struct seen s;

	memset(&s, 0, sizeof s);
	s.K = K;
	assert_int_equal(V->range(m, seen_fn, &s), 0);
	assert_int_equal(s.calls, 0);

	for (uint64_t i = 0; i < 40; i++) {
		uint64_t v = i * 3;
		assert_int_equal(V->store(m, ct_key(K, i), &v), 0);
	}
	memset(&s, 0, sizeof s);
	s.K = K;
	assert_int_equal(V->range(m, seen_fn, &s), 0);
	assert_int_equal(s.calls, 40);
	for (int i = 0; i < 64; i++) {
		assert_int_equal(s.count[i], i < 40 ? 1 : 0);
		if (i < 40)
			assert_int_equal(s.val[i], (uint64_t)i * 3);
	}
	/* early stop */
	memset(&s, 0, sizeof s);
	s.K = K;
	s.stop_after = 5;
	assert_int_equal(V->range(m, seen_fn, &s), 0);
	assert_int_equal(s.calls, 5);
	V->destroy(m);
	free(K);
}

static void test_range_u64(void **st)
{
	(void)st;
	range_basic(CT_U64);
}

static void test_range_str(void **st)
{
	(void)st;
	range_basic(CT_STR);
}

/*
 * The callback may call back into the map without deadlock: each call
 * either works or is refused with GOMAP_EBUSY (variants document which);
 * what worked is visible afterwards.
 */
struct reenter {
	void *m;
	uint64_t extra_key;
	int store_rc, load_rc, del_rc;
	size_t calls;
};

static bool reenter_fn(const void *k, void *v, void *ctx)
{
	struct reenter *r = ctx;
	uint64_t key, val = 77;
	memcpy(&key, k, 8);
	(void)v;
	if (r->calls++ == 0) {
		r->store_rc = V->store(r->m, &r->extra_key, &val);
		r->load_rc = V->load(r->m, &key, NULL);
		r->del_rc = V->del(r->m, &key); /* the current key */
		(void)V->len(r->m);
	}
	return true;
}

static void test_range_reentry(void **st)
{
	(void)st;
	void *m = ct_new(CT_U64);
	for (uint64_t i = 1; i <= 10; i++)
		assert_int_equal(V->store(m, &i, &i), 0);
	struct reenter r = {.m = m, .extra_key = 1000};
	assert_int_equal(V->range(m, reenter_fn, &r), 0);
	assert_true(r.calls >= 9 && r.calls <= 11);
	assert_true(r.load_rc == 1 || r.load_rc == GOMAP_EBUSY);
	assert_true(r.store_rc == 0 || r.store_rc == GOMAP_EBUSY);
	assert_true(r.del_rc == 1 || r.del_rc == GOMAP_EBUSY);
	uint64_t out;
	assert_int_equal(V->load(m, &r.extra_key, &out),
	                 r.store_rc == 0 ? 1 : 0);
	assert_int_equal(V->len(m), 10 + (r.store_rc == 0) - (r.del_rc == 1));
	V->destroy(m);
}

/*
 * A range callback may hand the key address it was given back to the map:
 * delete every key through that address, for each key kind whose storage
 * differs (inline u64, map-owned string copies, indirect RAW keys over 128
 * bytes). ASan checks that no call reads the key after dropping it.
 * rwmutex refuses writes under its shared range lock (GOMAP_EBUSY).
 */
struct del_given {
	void *m;
	size_t calls;
	int bad;
};

static bool del_given_fn(const void *k, void *v, void *ctx)
{
	(void)v;
	struct del_given *d = ctx;
	int want = strcmp(V->name, "rwmutex") == 0 ? GOMAP_EBUSY : 1;
	if (V->load(d->m, k, NULL) != 1 || V->del(d->m, k) != want)
		d->bad++;
	d->calls++;
	return true;
}

typedef struct bigkey {
	uint64_t id;
	char pad[192];
} bigkey;

static void test_range_delete_given_key(void **st)
{
	(void)st;
	gomap_type big = GOMAP_TYPE_RAW(bigkey);
	const gomap_type *kts[3] = {&gomap_type_u64, &gomap_type_str, &big};
	char names[20][16];
	const char *sk[20];
	for (int kind = 0; kind < 3; kind++) {
		void *m = NULL;
		assert_int_equal(V->create(&m, kts[kind], &gomap_type_u64), 0);
		for (uint64_t i = 0; i < 20; i++) {
			bigkey bk;
			memset(&bk, 0, sizeof bk);
			bk.id = i;
			snprintf(names[i], sizeof names[i], "key-%llu",
			         (unsigned long long)i);
			sk[i] = names[i];
			const void *k = kind == 0 ? (const void *)&i
			              : kind == 1 ? (const void *)&sk[i]
			                          : (const void *)&bk;
			assert_int_equal(V->store(m, k, &i), 0);
		}
		struct del_given d = {m, 0, 0};
		assert_int_equal(V->range(m, del_given_fn, &d), 0);
		assert_int_equal(d.bad, 0);
		assert_int_equal(d.calls, 20);
		bool busy = strcmp(V->name, "rwmutex") == 0;
		assert_int_equal(V->len(m), busy ? 20 : 0);
		V->destroy(m);
	}
}

/* compare_and_* use the value descriptor's equality. */
typedef struct pair {
	int32_t id, noise;
} pair;

static bool pair_equal(const void *a, const void *b)
{
	return ((const pair *)a)->id == ((const pair *)b)->id;
}

static void test_value_equality(void **st)
{
	(void)st;
	gomap_type pt = GOMAP_TYPE_RAW(pair);
	pt.equal = pair_equal;
	void *m = NULL;
	assert_int_equal(V->create(&m, &gomap_type_u64, &pt), 0);
	uint64_t k = 1;
	pair p1 = {1, 100}, p1b = {1, 999}, p2 = {2, 0}, out;
	assert_int_equal(V->store(m, &k, &p1), 0);
	assert_int_equal(V->compare_and_swap(m, &k, &p2, &p2), 0);
	assert_int_equal(V->compare_and_swap(m, &k, &p1b, &p2), 1);
	assert_int_equal(V->load(m, &k, &out), 1);
	assert_int_equal(out.id, 2);
	assert_int_equal(V->compare_and_delete(m, &k, &p1), 0);
	assert_int_equal(V->compare_and_delete(m, &k, &p2), 1);
	V->destroy(m);

	/* f64 values: NaN equals nothing, -0 equals +0 */
	assert_int_equal(V->create(&m, &gomap_type_u64, &gomap_type_f64), 0);
	double nan = NAN, pz = 0.0, nz = -0.0, one = 1.0, d;
	assert_int_equal(V->store(m, &k, &nan), 0);
	assert_int_equal(V->compare_and_swap(m, &k, &nan, &one), 0);
	assert_int_equal(V->compare_and_delete(m, &k, &nan), 0);
	assert_int_equal(V->store(m, &k, &nz), 0);
	assert_int_equal(V->compare_and_swap(m, &k, &pz, &one), 1);
	assert_int_equal(V->load(m, &k, &d), 1);
	assert_true(d == 1.0);
	V->destroy(m);
}

static bool bytes_fn(const void *k, void *v, void *ctx)
{
	const gomap_bytes *b = k;
	uint64_t val;
	memcpy(&val, v, 8);
	assert_int_equal(b->len, val); /* stored value = key length */
	for (size_t i = 0; i < b->len; i++)
		assert_int_equal(((const unsigned char *)b->ptr)[i], 'a' + i);
	(*(size_t *)ctx)++;
	return true;
}

static void test_bytes_keys(void **st)
{
	(void)st;
	void *m = NULL;
	assert_int_equal(V->create(&m, &gomap_type_bytes, &gomap_type_u64), 0);
	char buf[16];
	for (size_t len = 0; len < 16; len++) {
		for (size_t i = 0; i < len; i++)
			buf[i] = (char)('a' + i);
		gomap_bytes b = {buf, len};
		uint64_t v = len;
		assert_int_equal(V->store(m, &b, &v), 0);
	}
	memset(buf, 'z', sizeof buf); /* the map owns copies */
	size_t n = 0;
	assert_int_equal(V->range(m, bytes_fn, &n), 0);
	assert_int_equal(n, 16);
	gomap_bytes bad = {NULL, 3};
	uint64_t v = 1;
	assert_int_equal(V->store(m, &bad, &v), GOMAP_EINVAL);
	gomap_bytes empty = {NULL, 0}; /* valid: no bytes */
	assert_int_equal(V->load(m, &empty, &v), 1);
	assert_int_equal(v, 0);
	V->destroy(m);
}

/* A set: values of size 0. */
static void test_set(void **st)
{
	(void)st;
	gomap_type unit = {0, GOMAP_KIND_RAW, 0, NULL, NULL, NULL, NULL};
	void *m = NULL;
	assert_int_equal(V->create(&m, &gomap_type_u64, &unit), 0);
	uint64_t k = 9;
	assert_int_equal(V->store(m, &k, NULL), 0);
	assert_int_equal(V->load(m, &k, NULL), 1);
	assert_int_equal(V->load_or_store(m, &k, NULL, NULL), 1);
	assert_int_equal(V->compare_and_swap(m, &k, NULL, NULL), 1);
	assert_int_equal(V->compare_and_delete(m, &k, NULL), 1);
	assert_int_equal(V->compare_and_delete(m, &k, NULL), 0);
	assert_int_equal(V->len(m), 0);
	V->destroy(m);
}

/*
 * Ownership: every value the map drops is destroyed exactly once; values
 * moved out (load_and_delete, swap with prev_out) are not destroyed.
 */
#define NVALS 64
static atomic_int destroyed[NVALS];

static atomic_int destroyed_bad;

/* May run on another thread (chan's owner): no cmocka asserts here. */
static void val_destroy(void *obj, void *ctx)
{
	(void)ctx;
	uint64_t id;
	memcpy(&id, obj, 8);
	if (id < NVALS)
		atomic_fetch_add(&destroyed[id], 1);
	else
		atomic_fetch_add(&destroyed_bad, 1);
}

static void test_value_ownership(void **st)
{
	(void)st;
	for (int i = 0; i < NVALS; i++)
		atomic_store(&destroyed[i], 0);
	gomap_type vt = gomap_type_u64;
	vt.kind = GOMAP_KIND_RAW; /* RAW to carry a destroy hook */
	vt.destroy = val_destroy;
	void *m = NULL;
	assert_int_equal(V->create(&m, &gomap_type_u64, &vt), 0);
	bool moved[NVALS] = {false};
	uint64_t k1 = 1, k2 = 2, k3 = 3, v, out;

	v = 0;
	assert_int_equal(V->store(m, &k1, &v), 0);
	v = 1;
	assert_int_equal(V->store(m, &k1, &v), 0); /* destroys 0 */
	v = 2;
	assert_int_equal(V->swap(m, &k1, &v, &out), 1); /* moves 1 out */
	assert_int_equal(out, 1);
	moved[1] = true;
	v = 3;
	assert_int_equal(V->swap(m, &k1, &v, NULL), 1); /* destroys 2 */
	assert_int_equal(V->load_and_delete(m, &k1, &out), 1); /* moves 3 */
	assert_int_equal(out, 3);
	moved[3] = true;
	v = 4;
	assert_int_equal(V->store(m, &k2, &v), 0);
	assert_int_equal(V->load_and_delete(m, &k2, NULL), 1); /* destroys 4 */
	v = 5;
	assert_int_equal(V->store(m, &k2, &v), 0);
	assert_int_equal(V->del(m, &k2), 1); /* destroys 5 */
	v = 6;
	uint64_t w = 7;
	assert_int_equal(V->store(m, &k3, &v), 0);
	assert_int_equal(V->compare_and_swap(m, &k3, &v, &w), 1); /* 6 */
	assert_int_equal(V->compare_and_delete(m, &k3, &w), 1);   /* 7 */
	v = 8;
	assert_int_equal(V->load_or_store(m, &k3, &v, NULL), 0);
	w = 9;
	assert_int_equal(V->load_or_store(m, &k3, &w, NULL), 1); /* 9 never
	                                                            stored */
	v = 10;
	assert_int_equal(V->store(m, &k1, &v), 0);
	assert_int_equal(V->clear(m), 0); /* destroys 8 and 10 */
	v = 11;
	assert_int_equal(V->store(m, &k2, &v), 0);
	V->destroy(m); /* destroys 11 */

	assert_int_equal(atomic_load(&destroyed_bad), 0);
	for (int i = 0; i <= 11; i++) {
		int want = (moved[i] || i == 9) ? 0 : 1;
		if (atomic_load(&destroyed[i]) != want)
			fail_msg("value %d destroyed %d times, want %d", i,
			         atomic_load(&destroyed[i]), want);
	}
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_basic_u64),
	cmocka_unit_test(test_basic_str),
	cmocka_unit_test(test_bad_input),
	cmocka_unit_test(test_owned_string_values),
	cmocka_unit_test(test_range_u64),
	cmocka_unit_test(test_range_str),
	cmocka_unit_test(test_range_reentry),
	cmocka_unit_test(test_range_delete_given_key),
	cmocka_unit_test(test_value_equality),
	cmocka_unit_test(test_bytes_keys),
	cmocka_unit_test(test_set),
	cmocka_unit_test(test_value_ownership),
};

CT_MAIN("cmap_semantics", tests)
