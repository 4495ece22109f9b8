/*
 * tests/map/map_put_ptr.c - gomap_map_put_ptr, Go's mapassign: insert or
 * find, returning the value's address. Hit and miss with every output
 * checked, the inserted flag, zeroed values (inline and indirect), string
 * keys copied on insert, f64 key update, sets, bad input, allocation
 * failure (map unchanged), `m[k]++` sequences across many growths against a
 * model, the typed wrapper, and the fatal error on a frozen map.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gomap/diag.h>

#include "testutil.h"
#include "childproc.h"

static gomap_map_t *new_u64(void)
{
	gomap_map_t *m = NULL;
	assert_int_equal(gomap_map_new(&m, &gomap_type_u64, &gomap_type_u64, 0), 0);
	return m;
}

static void test_put_ptr_miss_then_hit(void **state)
{
	(void)state;
	gomap_map_t *m = new_u64();
	uint64_t k = 42, out = 7;
	void *p = (void *)1;

	/* miss: inserted, zeroed value, its address */
	assert_int_equal(gomap_map_put_ptr(m, &k, &p), 1);
	assert_non_null(p);
	assert_int_equal(*(uint64_t *)p, 0);
	assert_int_equal(gomap_map_len(m), 1);
	assert_ptr_equal(gomap_map_get_ptr(m, &k), p);
	*(uint64_t *)p = 5;
	assert_int_equal(gomap_map_get(m, &k, &out), 1);
	assert_int_equal(out, 5);

	/* hit: found, the same value, nothing inserted */
	void *q = NULL;
	assert_int_equal(gomap_map_put_ptr(m, &k, &q), 0);
	assert_ptr_equal(q, p);
	assert_int_equal(*(uint64_t *)q, 5);
	++*(uint64_t *)q;
	assert_int_equal(gomap_map_len(m), 1);
	assert_int_equal(gomap_map_get(m, &k, &out), 1);
	assert_int_equal(out, 6);

	/* a second key does not disturb the first */
	uint64_t k2 = 43;
	assert_int_equal(gomap_map_put_ptr(m, &k2, &q), 1);
	assert_int_equal(*(uint64_t *)q, 0);
	assert_int_equal(gomap_map_len(m), 2);
	assert_int_equal(gomap_map_get(m, &k, &out), 1);
	assert_int_equal(out, 6);
	assert_int_equal(gomap_map_check(m), 0);
	gomap_map_free(m);
}

static void test_put_ptr_bad_input(void **state)
{
	(void)state;
	gomap_map_t *m = new_u64();
	uint64_t k = 1;
	void *p = (void *)1;
	assert_int_equal(gomap_map_put_ptr(NULL, &k, &p), GOMAP_EINVAL);
	assert_null(p);
	p = (void *)1;
	assert_int_equal(gomap_map_put_ptr(m, NULL, &p), GOMAP_EINVAL);
	assert_null(p);
	assert_int_equal(gomap_map_put_ptr(m, &k, NULL), GOMAP_EINVAL);
	assert_int_equal(gomap_map_len(m), 0);
	gomap_map_free(m);

	gomap_map_t *s = NULL;
	assert_int_equal(gomap_map_new(&s, &gomap_type_str, &gomap_type_u64, 0), 0);
	const char *nul = NULL;
	p = (void *)1;
	assert_int_equal(gomap_map_put_ptr(s, &nul, &p), GOMAP_EINVAL);
	assert_null(p);
	gomap_bytes nb = {NULL, 3};
	gomap_map_t *b = NULL;
	assert_int_equal(gomap_map_new(&b, &gomap_type_bytes, &gomap_type_u64, 0), 0);
	p = (void *)1;
	assert_int_equal(gomap_map_put_ptr(b, &nb, &p), GOMAP_EINVAL);
	assert_null(p);
	assert_int_equal(gomap_map_len(s), 0);
	assert_int_equal(gomap_map_len(b), 0);
	gomap_map_free(s);
	gomap_map_free(b);
}

/* Owned string keys are copied on insert; a hit finds the copy. */
static void test_put_ptr_string_keys(void **state)
{
	(void)state;
	gomap_map_t *m = NULL;
	assert_int_equal(gomap_map_new(&m, &gomap_type_str, &gomap_type_u64, 0), 0);
	char buf[32];
	const char *k = buf;
	void *p = NULL;
	strcpy(buf, "apple");
	assert_int_equal(gomap_map_put_ptr(m, &k, &p), 1);
	*(uint64_t *)p = 3;
	strcpy(buf, "zzzzz"); /* the caller's bytes change: the map kept a copy */
	assert_int_equal(gomap_map_put_ptr(m, &k, &p), 1);
	assert_int_equal(*(uint64_t *)p, 0);
	*(uint64_t *)p = 9;
	const char *apple = "apple";
	assert_int_equal(gomap_map_put_ptr(m, &apple, &p), 0);
	assert_int_equal(*(uint64_t *)p, 3);
	assert_int_equal(gomap_map_len(m), 2);

	gomap_iter it;
	const void *kp;
	void *vp;
	size_t n = 0;
	gomap_map_iter_init(m, &it);
	while (gomap_map_iter_next(&it, &kp, &vp)) {
		const char *s = *(const char *const *)kp;
		assert_true(s != buf);
		if (strcmp(s, "apple") == 0)
			assert_int_equal(*(uint64_t *)vp, 3);
		else if (strcmp(s, "zzzzz") == 0)
			assert_int_equal(*(uint64_t *)vp, 9);
		else
			fail_msg("unexpected key %s", s);
		n++;
	}
	assert_int_equal(n, 2);
	assert_int_equal(gomap_map_check(m), 0);
	gomap_map_free(m);
}

/* Values over 128 bytes live out of line: still zeroed and writable. */
struct big {
	unsigned char b[300];
};

static void test_put_ptr_indirect_values(void **state)
{
	(void)state;
	gomap_type vt = GOMAP_TYPE_RAW(struct big);
	gomap_map_t *m = NULL;
	assert_int_equal(gomap_map_new(&m, &gomap_type_u64, &vt, 0), 0);
	for (uint64_t k = 0; k < 200; k++) {
		void *p = NULL;
		assert_int_equal(gomap_map_put_ptr(m, &k, &p), 1);
		struct big *v = p;
		for (size_t i = 0; i < sizeof v->b; i++)
			assert_int_equal(v->b[i], 0);
		memset(v->b, (int)(k & 0xff), sizeof v->b);
	}
	for (uint64_t k = 0; k < 200; k++) {
		void *p = NULL;
		assert_int_equal(gomap_map_put_ptr(m, &k, &p), 0);
		struct big out;
		assert_int_equal(gomap_map_get(m, &k, &out), 1);
		assert_memory_equal(&out, p, sizeof out);
		assert_int_equal(out.b[0], k & 0xff);
		assert_int_equal(out.b[299], k & 0xff);
	}
	assert_int_equal(gomap_map_check(m), 0);
	gomap_map_free(m);
}

/* Go's assignment updates the stored key: -0 replaces +0. */
static void test_put_ptr_f64_key_update(void **state)
{
	(void)state;
	gomap_map_t *m = NULL;
	assert_int_equal(gomap_map_new(&m, &gomap_type_f64, &gomap_type_u64, 0), 0);
	double pz = 0.0, nz = -0.0;
	void *p = NULL;
	assert_int_equal(gomap_map_put_ptr(m, &pz, &p), 1);
	*(uint64_t *)p = 1;
	assert_int_equal(gomap_map_put_ptr(m, &nz, &p), 0);
	assert_int_equal(*(uint64_t *)p, 1);
	gomap_iter it;
	const void *kp;
	gomap_map_iter_init(m, &it);
	assert_true(gomap_map_iter_next(&it, &kp, NULL));
	assert_true(signbit(*(const double *)kp));
	assert_false(gomap_map_iter_next(&it, NULL, NULL));
	/* NaN is never found: each put_ptr inserts */
	double nan = NAN;
	assert_int_equal(gomap_map_put_ptr(m, &nan, &p), 1);
	assert_int_equal(gomap_map_put_ptr(m, &nan, &p), 1);
	assert_int_equal(gomap_map_len(m), 3);
	gomap_map_free(m);
}

/* A set: no value bytes, the answer still says inserted or found. */
static void test_put_ptr_set(void **state)
{
	(void)state;
	gomap_type none = {0, GOMAP_KIND_RAW, 0, NULL, NULL, NULL, NULL};
	gomap_map_t *m = NULL;
	assert_int_equal(gomap_map_new(&m, &gomap_type_u64, &none, 0), 0);
	uint64_t k = 9;
	void *p = NULL;
	assert_int_equal(gomap_map_put_ptr(m, &k, &p), 1);
	assert_non_null(p);
	assert_int_equal(gomap_map_put_ptr(m, &k, &p), 0);
	assert_non_null(p);
	assert_int_equal(gomap_map_len(m), 1);
	assert_int_equal(gomap_map_get(m, &k, NULL), 1);
	gomap_map_free(m);
}

/*
 * `m[k]++` as a sequence of put_ptr calls over a growing key set, checked
 * against a model after every growth step: each key's count is exact, and
 * the inserted flag is 1 exactly on a key's first increment. Every call
 * writes through its pointer before the next call (valid until then).
 */
static void verify_counts(const gomap_map_t *m, const uint64_t *model, size_t nkeys)
{
	assert_int_equal(gomap_map_check(m), 0);
	for (uint64_t j = 0; j < nkeys; j++) {
		uint64_t kj = j * 0x9E3779B97F4A7C15ull, v = 0;
		assert_int_equal(gomap_map_get(m, &kj, &v), model[j] != 0);
		if (model[j])
			assert_int_equal(v, model[j]);
	}
}

static void test_put_ptr_counting_across_growth(void **state)
{
	(void)state;
	gomap_map_t *m = new_u64();
	tu_rng r;
	tu_rng_seed(&r, 12345);
	const size_t nkeys = tu_scaled(20000, 2000), ops = nkeys * 8;
	uint64_t *model = calloc(nkeys, sizeof *model);
	assert_non_null(model);
	size_t distinct = 0, mid_growth = 0;
	for (size_t i = 0; i < ops; i++) {
		/* the key range widens as we go: keeps inserting, so the map
		 * grows (and migrates) in the middle of the sequence */
		uint64_t lim = 1 + (uint64_t)((i + 1) * nkeys / ops);
		uint64_t id = tu_below(&r, lim);
		uint64_t k = id * 0x9E3779B97F4A7C15ull;
		void *p = NULL;
		int rc = gomap_map_put_ptr(m, &k, &p);
		assert_int_equal(rc, model[id] == 0 ? 1 : 0);
		assert_non_null(p);
		assert_int_equal(*(uint64_t *)p, model[id]);
		++*(uint64_t *)p;
		if (model[id]++ == 0)
			distinct++;
		assert_int_equal(gomap_map_len(m), distinct);
		/* the whole model right after each insert that fills a table
		 * (7/8 of 8 * 2^k slots: a growth starts) and every 997 calls */
		size_t x = distinct - 1;
		bool filled = rc == 1 && x % 7 == 0 && ((x / 7) & (x / 7 - 1)) == 0;
		if (filled || i % 997 == 0) {
			gomap_map_stats st;
			assert_int_equal(gomap_map_stats_get(m, &st), 0);
			mid_growth += st.growing;
			verify_counts(m, model, nkeys);
		}
	}
	gomap_map_stats st;
	assert_int_equal(gomap_map_stats_get(m, &st), 0);
	assert_true(st.grows >= 5);
	assert_true(mid_growth >= 1); /* some checks ran during a migration */
	verify_counts(m, model, nkeys);
	free(model);
	gomap_map_free(m);
}

/* Allocation failure on an insert: GOMAP_ENOMEM, *val_out NULL, map
 * unchanged; hits need no allocation and keep working. */
static void test_put_ptr_enomem(void **state)
{
	(void)state;
	tu_tally t = {0};
	gomap_allocator a = {tu_alloc, tu_alloc_zeroed, tu_free, &t};
	gomap_map_options o = {.alloc = &a};
	gomap_map_t *m = NULL;
	assert_int_equal(gomap_map_new_opts(&m, &gomap_type_str, &gomap_type_u64, &o), 0);
	const char *k1 = "first";
	void *p = NULL;
	assert_int_equal(gomap_map_put_ptr(m, &k1, &p), 1);
	*(uint64_t *)p = 11;
	/* every allocation fails from now on: the string copy of a new key
	 * too long to be kept in its slot */
	t.fail_at = t.allocs + 1;
	t.fail_from = true;
	const char *k2 = "second key, longer than a slot holds";
	p = (void *)1;
	assert_int_equal(gomap_map_put_ptr(m, &k2, &p), GOMAP_ENOMEM);
	assert_null(p);
	assert_int_equal(gomap_map_len(m), 1);
	assert_int_equal(gomap_map_get(m, &k2, NULL), 0);
	assert_int_equal(gomap_map_put_ptr(m, &k1, &p), 0);
	assert_int_equal(*(uint64_t *)p, 11);
	assert_int_equal(gomap_map_check(m), 0);
	t.fail_at = 0;
	t.fail_from = false;
	assert_int_equal(gomap_map_put_ptr(m, &k2, &p), 1);
	assert_int_equal(*(uint64_t *)p, 0);
	gomap_map_free(m);
	assert_int_equal(t.live_blocks, 0);
	assert_int_equal(t.bad_frees, 0);
	assert_true(t.failed >= 1);
}

/* The typed wrapper: name_put_ptr gives V *, NULL on error. */
GOMAP_MAP_DEFINE(counts, uint64_t, uint64_t, gomap_type_u64, gomap_type_u64);

static void test_put_ptr_typed(void **state)
{
	(void)state;
	counts_t *c = NULL;
	assert_int_equal(counts_new(&c, 0), 0);
	for (uint64_t i = 0; i < 1000; i++)
		++*counts_put_ptr(c, i % 10);
	uint64_t v = 0;
	for (uint64_t k = 0; k < 10; k++) {
		assert_int_equal(counts_get(c, k, &v), 1);
		assert_int_equal(v, 100);
	}
	assert_int_equal(counts_len(c), 10);
	assert_null(counts_put_ptr(NULL, 1));
	counts_free(c);
}

/* A frozen map: put_ptr is a write, hit or miss: Go's fatal error. */
static void child_frozen(void *arg)
{
	bool hit = arg != NULL;
	gomap_map_t *m = NULL;
	if (gomap_map_new(&m, &gomap_type_u64, &gomap_type_u64, 0) != 0)
		_exit(3);
	uint64_t k = 1, v = 1;
	gomap_map_put(m, &k, &v);
	if (gomap_map_freeze(m) != 0)
		_exit(4);
	if (!hit)
		k = 2;
	void *p = NULL;
	gomap_map_put_ptr(m, &k, &p);
	_exit(5); /* not reached */
}

static void test_put_ptr_frozen(void **state)
{
	(void)state;
	static cp_result r;
	for (int hit = 0; hit < 2; hit++) {
		cp_run_fn(child_frozen, hit ? (void *)1 : NULL, NULL, 60, &r);
		char how[64];
		if (!cp_aborted(&r) || !strstr(r.out, "fatal error: write to frozen map"))
			fail_msg("hit=%d: child %s, output:\n%s", hit,
			         cp_describe(&r, how, sizeof how), r.out);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_put_ptr_frozen),
		cmocka_unit_test(test_put_ptr_miss_then_hit),
		cmocka_unit_test(test_put_ptr_bad_input),
		cmocka_unit_test(test_put_ptr_string_keys),
		cmocka_unit_test(test_put_ptr_indirect_values),
		cmocka_unit_test(test_put_ptr_f64_key_update),
		cmocka_unit_test(test_put_ptr_set),
		cmocka_unit_test(test_put_ptr_counting_across_growth),
		cmocka_unit_test(test_put_ptr_enomem),
		cmocka_unit_test(test_put_ptr_typed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
