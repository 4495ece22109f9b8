/*
 * tests/cmap/cmap_outputs.c - every output and return value of every
 * cmap.h call, on every variant of gomap_cmap_list(), on hit and on miss:
 *
 *   call              hit                         miss
 *   load              1, *val_out = value         0, *val_out untouched
 *   load_or_store     1, *actual_out = value      0, *actual_out = val
 *   load_and_delete   1, *val_out = value         0, *val_out untouched
 *   swap              1, *prev_out = old value    0, *prev_out untouched
 *   compare_and_swap  1 / 0 (no output)
 *   compare_and_delete 1 / 0 (no output)
 *   error (GOMAP_E*)  every output untouched
 *
 * (Go: `actual, loaded := m.LoadOrStore(k, v)` gives actual == v when it
 * stores.) Each output buffer is followed by guard bytes: a call writes
 * exactly the value's size, never more. Value types cover the map's
 * layouts: 8-byte, f64, odd-sized, indirect (over 128 bytes), borrowed
 * string pointers, and sets (size 0: nothing is ever written). Every case
 * also runs with NULL outputs.
 */
#include "cmap_test.h"

#define GUARD 16
#define CANARY 0xA5
#define MAXV 200

typedef struct vkind {
	const char *name;
	gomap_type t;
} vkind;

static const char *const strs[] = {"zero", "one", "two", "three", "four"};

static vkind vkinds[6];

static void vkinds_init(void)
{
	gomap_type raw3 = {3, GOMAP_KIND_RAW, 0, NULL, NULL, NULL, NULL};
	gomap_type raw200 = {MAXV, GOMAP_KIND_RAW, 0, NULL, NULL, NULL, NULL};
	gomap_type set = {0, GOMAP_KIND_RAW, 0, NULL, NULL, NULL, NULL};
	vkinds[0] = (vkind){"u64", gomap_type_u64};
	vkinds[1] = (vkind){"f64", gomap_type_f64};
	vkinds[2] = (vkind){"raw3", raw3};
	vkinds[3] = (vkind){"raw200", raw200};
	vkinds[4] = (vkind){"str_borrowed", gomap_type_str_borrowed};
	vkinds[5] = (vkind){"set", set};
}

/* Value number @id of kind @vk, in @buf (MAXV bytes). */
static void make_val(const vkind *vk, int id, unsigned char *buf)
{
	memset(buf, 0, MAXV);
	if (vk->t.kind == GOMAP_KIND_F64) {
		double d = id + 0.25;
		memcpy(buf, &d, sizeof d);
	} else if (vk->t.kind == GOMAP_KIND_STR) {
		memcpy(buf, &strs[id], sizeof(char *));
	} else {
		for (size_t i = 0; i < vk->t.size; i++)
			buf[i] = (unsigned char)(id * 37 + i * 11 + 1);
	}
}

typedef struct outbuf {
	unsigned char b[MAXV + GUARD];
} outbuf;

static void canary(outbuf *o)
{
	memset(o->b, CANARY, sizeof o->b);
}

static void untouched(const outbuf *o, const char *what)
{
	for (size_t i = 0; i < sizeof o->b; i++)
		if (o->b[i] != CANARY)
			fail_msg("%s/%s: output byte %zu written (%#x), want "
			         "untouched",
			         V->name, what, i, o->b[i]);
}

/* @o holds exactly @want (vsize bytes), then untouched guard bytes. */
static void holds(const outbuf *o, const unsigned char *want, size_t vsize,
                  const char *what)
{
	if (memcmp(o->b, want, vsize) != 0)
		fail_msg("%s/%s: output does not hold the expected value",
		         V->name, what);
	for (size_t i = vsize; i < vsize + GUARD; i++)
		if (o->b[i] != CANARY)
			fail_msg("%s/%s: byte %zu past the value written",
			         V->name, what, i);
}

/* The map holds @k with value @want (or lacks it: want NULL). */
static void expect_entry(void *m, const void *k, const unsigned char *want,
                         size_t vsize, const char *what)
{
	outbuf o;
	canary(&o);
	int rc = V->load(m, k, &o);
	if (rc != (want != NULL))
		fail_msg("%s/%s: load returned %d, want %d", V->name, what, rc,
		         want != NULL);
	if (want)
		holds(&o, want, vsize, what);
	else
		untouched(&o, what);
}

static void audit(int kkind, const vkind *vk)
{
	const gomap_type *kt = kkind == CT_U64 ? &gomap_type_u64
	                                       : &gomap_type_str;
	void *m = NULL;
	assert_int_equal(V->create(&m, kt, &vk->t), 0);
	size_t vs = vk->t.size;
	bool set = vs == 0; /* every stored "value" equals every other */
	uint64_t u0 = 40, u1 = 41;
	const char *s0 = "k-zero", *s1 = "";
	const void *k0 = kkind == CT_U64 ? (const void *)&u0 : (const void *)&s0;
	const void *k1 = kkind == CT_U64 ? (const void *)&u1 : (const void *)&s1;
	unsigned char a[MAXV], b[MAXV], c[MAXV];
	make_val(vk, 1, a);
	make_val(vk, 2, b);
	make_val(vk, 3, c);
	outbuf o;

	/* load, miss */
	canary(&o);
	assert_int_equal(V->load(m, k0, &o), 0);
	untouched(&o, "load miss");
	assert_int_equal(V->load(m, k0, NULL), 0);

	/* load_or_store, miss: stores, and *actual_out is the value given */
	canary(&o);
	assert_int_equal(V->load_or_store(m, k0, a, &o), 0);
	holds(&o, a, vs, "load_or_store store");
	expect_entry(m, k0, a, vs, "after load_or_store store");
	assert_int_equal(V->len(m), 1);
	/* load_or_store, hit: loads, stores nothing */
	canary(&o);
	assert_int_equal(V->load_or_store(m, k0, b, &o), 1);
	holds(&o, a, vs, "load_or_store load");
	expect_entry(m, k0, a, vs, "after load_or_store load");
	assert_int_equal(V->load_or_store(m, k0, b, NULL), 1);
	assert_int_equal(V->load_or_store(m, k1, b, NULL), 0);
	expect_entry(m, k1, b, vs, "after load_or_store store, NULL out");
	assert_int_equal(V->len(m), 2);
	/* the caller's value and output may be one buffer */
	assert_int_equal(V->del(m, k1), 1);
	unsigned char same[MAXV + GUARD];
	memset(same, CANARY, sizeof same);
	memcpy(same, c, vs);
	assert_int_equal(V->load_or_store(m, k1, same, same), 0);
	assert_memory_equal(same, c, vs);
	expect_entry(m, k1, c, vs, "after load_or_store, val == out");
	assert_int_equal(V->del(m, k1), 1);

	/* load, hit */
	canary(&o);
	assert_int_equal(V->load(m, k0, &o), 1);
	holds(&o, a, vs, "load hit");
	assert_int_equal(V->load(m, k0, NULL), 1);

	/* load_and_delete, hit then miss */
	canary(&o);
	assert_int_equal(V->load_and_delete(m, k0, &o), 1);
	holds(&o, a, vs, "load_and_delete hit");
	expect_entry(m, k0, NULL, vs, "after load_and_delete");
	assert_int_equal(V->len(m), 0);
	canary(&o);
	assert_int_equal(V->load_and_delete(m, k0, &o), 0);
	untouched(&o, "load_and_delete miss");
	assert_int_equal(V->load_and_delete(m, k0, NULL), 0);
	assert_int_equal(V->store(m, k0, a), 0);
	assert_int_equal(V->load_and_delete(m, k0, NULL), 1);
	assert_int_equal(V->len(m), 0);

	/* swap, miss (inserts; nothing to hand back) then hit */
	canary(&o);
	assert_int_equal(V->swap(m, k0, b, &o), 0);
	untouched(&o, "swap insert");
	expect_entry(m, k0, b, vs, "after swap insert");
	canary(&o);
	assert_int_equal(V->swap(m, k0, c, &o), 1);
	holds(&o, b, vs, "swap replace");
	expect_entry(m, k0, c, vs, "after swap replace");
	assert_int_equal(V->swap(m, k1, a, NULL), 0);
	assert_int_equal(V->swap(m, k1, b, NULL), 1);
	expect_entry(m, k1, b, vs, "after swap, NULL out");
	assert_int_equal(V->del(m, k1), 1);
	assert_int_equal(V->len(m), 1);

	/* compare_and_swap: absent key, wrong old value, right old value */
	assert_int_equal(V->compare_and_swap(m, k1, a, b), 0);
	expect_entry(m, k1, NULL, vs, "after compare_and_swap on absent key");
	assert_int_equal(V->compare_and_swap(m, k0, a, b), set ? 1 : 0);
	expect_entry(m, k0, set ? b : c, vs, "after compare_and_swap, old != value");
	assert_int_equal(V->compare_and_swap(m, k0, set ? b : c, a), 1);
	expect_entry(m, k0, a, vs, "after compare_and_swap");
	assert_int_equal(V->len(m), 1);

	/* compare_and_delete: absent key, wrong old value, right old value */
	assert_int_equal(V->compare_and_delete(m, k1, a), 0);
	if (!set) {
		assert_int_equal(V->compare_and_delete(m, k0, b), 0);
		expect_entry(m, k0, a, vs, "after compare_and_delete, old != value");
	}
	assert_int_equal(V->compare_and_delete(m, k0, a), 1);
	expect_entry(m, k0, NULL, vs, "after compare_and_delete");
	assert_int_equal(V->len(m), 0);

	/* errors: GOMAP_EINVAL, every output untouched, the map unchanged */
	assert_int_equal(V->store(m, k0, a), 0);
	canary(&o);
	assert_int_equal(V->load(m, NULL, &o), GOMAP_EINVAL);
	assert_int_equal(V->load_or_store(m, NULL, a, &o), GOMAP_EINVAL);
	assert_int_equal(V->load_and_delete(m, NULL, &o), GOMAP_EINVAL);
	assert_int_equal(V->swap(m, NULL, a, &o), GOMAP_EINVAL);
	assert_int_equal(V->load(NULL, k0, &o), GOMAP_EINVAL);
	assert_int_equal(V->load_or_store(NULL, k0, a, &o), GOMAP_EINVAL);
	assert_int_equal(V->load_and_delete(NULL, k0, &o), GOMAP_EINVAL);
	assert_int_equal(V->swap(NULL, k0, a, &o), GOMAP_EINVAL);
	if (!set) {
		assert_int_equal(V->load_or_store(m, k1, NULL, &o), GOMAP_EINVAL);
		assert_int_equal(V->swap(m, k0, NULL, &o), GOMAP_EINVAL);
		assert_int_equal(V->compare_and_swap(m, k0, NULL, b), GOMAP_EINVAL);
		assert_int_equal(V->compare_and_swap(m, k0, a, NULL), GOMAP_EINVAL);
		assert_int_equal(V->compare_and_delete(m, k0, NULL), GOMAP_EINVAL);
	}
	untouched(&o, "errors");
	expect_entry(m, k0, a, vs, "after errors");
	expect_entry(m, k1, NULL, vs, "after errors");
	assert_int_equal(V->len(m), 1);

	/* clear, then every call misses again */
	assert_int_equal(V->clear(m), 0);
	assert_int_equal(V->len(m), 0);
	canary(&o);
	assert_int_equal(V->load(m, k0, &o), 0);
	assert_int_equal(V->load_and_delete(m, k0, &o), 0);
	untouched(&o, "after clear");
	assert_int_equal(V->load_or_store(m, k0, b, &o), 0);
	holds(&o, b, vs, "load_or_store after clear");
	V->destroy(m);
}

static void test_outputs_u64_keys(void **st)
{
	(void)st;
	vkinds_init();
	for (size_t i = 0; i < sizeof vkinds / sizeof vkinds[0]; i++)
		audit(CT_U64, &vkinds[i]);
}

static void test_outputs_str_keys(void **st)
{
	(void)st;
	vkinds_init();
	for (size_t i = 0; i < sizeof vkinds / sizeof vkinds[0]; i++)
		audit(CT_STR, &vkinds[i]);
}

/* Many keys, so that stores grow the plain maps underneath (and shard's
 * shards all get some): the storing load_or_store writes its output on
 * every path, growth included. */
static void test_outputs_load_or_store_grow(void **st)
{
	(void)st;
	void *m = NULL;
	assert_int_equal(V->create(&m, &gomap_type_u64, &gomap_type_u64), 0);
	long n = ct_scale(5000);
	for (uint64_t k = 0; k < (uint64_t)n; k++) {
		uint64_t v = k * 3 + 1, out = 0xdeadbeef;
		assert_int_equal(V->load_or_store(m, &k, &v, &out), 0);
		assert_int_equal(out, v);
	}
	for (uint64_t k = 0; k < (uint64_t)n; k++) {
		uint64_t v = 7, out = 0xdeadbeef;
		assert_int_equal(V->load_or_store(m, &k, &v, &out), 1);
		assert_int_equal(out, k * 3 + 1);
	}
	assert_int_equal(V->len(m), (size_t)n);
	V->destroy(m);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_outputs_u64_keys),
	cmocka_unit_test(test_outputs_str_keys),
	cmocka_unit_test(test_outputs_load_or_store_grow),
};

CT_MAIN("cmap_outputs", tests)
