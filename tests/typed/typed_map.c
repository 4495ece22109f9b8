/*
 * tests/typed/typed_map.c - the plain map's typed wrapper (GOMAP_MAP_DEFINE,
 * gomap/typed.h): every function on a hit and on a miss, with each return
 * value and output asserted (a miss leaves its output untouched), for
 * string, u64, f64, pointer, byte-string and struct keys; the typed
 * iterator and range; new_opts with an allocator hook; name_new's run-time
 * size check.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gomap/map.h>

typedef struct pt {
	int32_t x, y;
} pt;

GOMAP_MAP_DEFINE(ages, const char *, int, gomap_type_str, GOMAP_T_RAW(int));
GOMAP_MAP_DEFINE(halves, uint64_t, double, gomap_type_u64, gomap_type_f64);
GOMAP_MAP_DEFINE(fkeys, double, uint32_t, gomap_type_f64, gomap_type_u32);
GOMAP_MAP_DEFINE(ptrs, void *, pt, gomap_type_ptr, GOMAP_T_RAW(pt));
GOMAP_MAP_DEFINE(blobs, gomap_bytes, const char *, gomap_type_bytes, gomap_type_str_borrowed);
GOMAP_MAP_DEFINE(grid, pt, uint64_t, GOMAP_T_RAW(pt), gomap_type_u64);

/* A custom descriptor: keys compared case-insensitively on their first
 * byte only (a deliberately coarse equality). */
static uint64_t first_hash(const void *obj, uint64_t seed)
{
	const char *s = *(const char *const *)obj;
	return (uint64_t)(unsigned char)(s[0] | 0x20) * 0x9E3779B97F4A7C15ull ^ seed;
}
static bool first_equal(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	return (x[0] | 0x20) == (y[0] | 0x20);
}
static const gomap_type first_letter = {sizeof(const char *), GOMAP_KIND_RAW, 0, first_hash, first_equal, NULL, NULL};
GOMAP_MAP_DEFINE(initials, const char *, int, GOMAP_T_DESC(const char *, first_letter), GOMAP_T_RAW(int));

/* A descriptor whose size contradicts the declared type: only the run time
 * can tell (GOMAP_T_DESC(int, ...) passes the compile-time check). */
static const gomap_type raw8 = GOMAP_TYPE_RAW(uint64_t);
GOMAP_MAP_DEFINE(lying_key, int, int, GOMAP_T_DESC(int, raw8), GOMAP_T_RAW(int));
GOMAP_MAP_DEFINE(lying_val, int, int, GOMAP_T_RAW(int), GOMAP_T_DESC(int, raw8));

static void test_typed_map_strings(void **state)
{
	(void)state;
	ages_t *m = (ages_t *)(uintptr_t)1;
	assert_int_equal(ages_new(&m, 0), 0);
	assert_non_null(m);
	assert_ptr_equal((void *)ages_handle(m), (void *)m);
	int age = -1;
	/* misses */
	assert_int_equal(ages_len(m), 0);
	assert_false(ages_get(m, "bob", &age));
	assert_int_equal(age, -1);
	assert_false(ages_get(m, "bob", NULL));
	assert_null(ages_get_ptr(m, "bob"));
	assert_int_equal(ages_delete(m, "bob"), 0);
	assert_false(ages_get(m, NULL, &age)); /* bad key: false */
	assert_int_equal(age, -1);
	assert_null(ages_get_ptr(m, NULL));
	assert_int_equal(ages_put(m, NULL, 1), GOMAP_EINVAL);
	/* inserts, overwrite, hits */
	assert_int_equal(ages_put(m, "bob", 42), 1);
	assert_int_equal(ages_put(m, "alice", 30), 1);
	assert_int_equal(ages_put(m, "bob", 43), 0);
	assert_int_equal(ages_len(m), 2);
	char name[8];
	strcpy(name, "bob"); /* another buffer, same content */
	assert_true(ages_get(m, name, &age));
	assert_int_equal(age, 43);
	assert_true(ages_get(m, name, NULL));
	int *p = ages_get_ptr(m, "alice");
	assert_non_null(p);
	assert_int_equal(*p, 30);
	(*p)++;
	age = -1;
	assert_true(ages_get(m, "alice", &age));
	assert_int_equal(age, 31);
	/* delete hit, then miss */
	assert_int_equal(ages_delete(m, "bob"), 1);
	assert_int_equal(ages_delete(m, "bob"), 0);
	age = -1;
	assert_false(ages_get(m, "bob", &age));
	assert_int_equal(age, -1);
	assert_int_equal(ages_len(m), 1);
	/* clone: same entries, independent */
	ages_t *c = NULL;
	assert_int_equal(ages_clone(m, &c), 0);
	assert_non_null(c);
	assert_int_equal(ages_len(c), 1);
	assert_true(ages_get(c, "alice", &age));
	assert_int_equal(age, 31);
	assert_int_equal(ages_put(c, "carol", 5), 1);
	assert_int_equal(ages_len(c), 2);
	assert_int_equal(ages_len(m), 1);
	assert_false(ages_get(m, "carol", NULL));
	ages_free(c);
	/* clear, shrink */
	for (int i = 0; i < 200; i++) {
		snprintf(name, sizeof name, "n%d", i);
		assert_int_equal(ages_put(m, name, i), 1);
	}
	assert_int_equal(ages_len(m), 201);
	for (int i = 0; i < 200; i++) {
		snprintf(name, sizeof name, "n%d", i);
		assert_int_equal(ages_delete(m, name), 1);
	}
	assert_int_equal(ages_shrink(m), 0);
	assert_int_equal(ages_len(m), 1);
	assert_true(ages_get(m, "alice", &age));
	assert_int_equal(age, 31);
	assert_int_equal(ages_clear(m), 0);
	assert_int_equal(ages_len(m), 0);
	assert_false(ages_get(m, "alice", NULL));
	ages_free(m);
	ages_free(NULL);
}

static void test_typed_map_u64_f64(void **state)
{
	(void)state;
	halves_t *d = NULL;
	assert_int_equal(halves_new(&d, 100), 0);
	for (uint64_t i = 0; i < 100; i++)
		assert_int_equal(halves_put(d, i, (double)i / 2), 1);
	double x = -1;
	assert_true(halves_get(d, 51, &x));
	assert_true(x == 25.5);
	x = -1;
	assert_false(halves_get(d, 100, &x));
	assert_true(x == -1);
	assert_int_equal(halves_len(d), 100);
	halves_free(d);

	/* f64 keys: Go's rules through the typed key */
	fkeys_t *f = NULL;
	assert_int_equal(fkeys_new(&f, 0), 0);
	assert_int_equal(fkeys_put(f, 0.0, 1), 1);
	assert_int_equal(fkeys_put(f, -0.0, 2), 0); /* -0 == +0 */
	uint32_t u = 0;
	assert_true(fkeys_get(f, 0.0, &u));
	assert_int_equal(u, 2);
	assert_int_equal(fkeys_put(f, NAN, 3), 1);
	assert_int_equal(fkeys_put(f, NAN, 4), 1); /* NaN != NaN */
	u = 77;
	assert_false(fkeys_get(f, NAN, &u));
	assert_int_equal(u, 77);
	assert_int_equal(fkeys_len(f), 3);
	fkeys_free(f);
}

static void test_typed_map_other_keys(void **state)
{
	(void)state;
	/* pointer keys, struct values */
	int anchors[3];
	ptrs_t *p = NULL;
	assert_int_equal(ptrs_new(&p, 0), 0);
	assert_int_equal(ptrs_put(p, &anchors[0], (pt){1, 2}), 1);
	assert_int_equal(ptrs_put(p, &anchors[1], (pt){3, 4}), 1);
	pt v = {-1, -1};
	assert_true(ptrs_get(p, &anchors[1], &v));
	assert_true(v.x == 3 && v.y == 4);
	v = (pt){-1, -1};
	assert_false(ptrs_get(p, &anchors[2], &v));
	assert_true(v.x == -1 && v.y == -1);
	pt *vp = ptrs_get_ptr(p, &anchors[0]);
	assert_non_null(vp);
	assert_true(vp->x == 1 && vp->y == 2);
	ptrs_free(p);

	/* byte-string keys, borrowed string values */
	blobs_t *b = NULL;
	assert_int_equal(blobs_new(&b, 0), 0);
	const char raw[] = {'a', 0, 'b'};
	gomap_bytes k1 = {raw, 3}, k2 = {raw, 1};
	assert_int_equal(blobs_put(b, k1, "three"), 1);
	assert_int_equal(blobs_put(b, k2, "one"), 1);
	const char *s = NULL;
	gomap_bytes q = {"a\0b", 3};
	assert_true(blobs_get(b, q, &s));
	assert_string_equal(s, "three");
	s = "untouched";
	gomap_bytes miss = {"a\0c", 3};
	assert_false(blobs_get(b, miss, &s));
	assert_string_equal(s, "untouched");
	assert_int_equal(blobs_len(b), 2);
	blobs_free(b);

	/* struct keys */
	grid_t *g = NULL;
	assert_int_equal(grid_new(&g, 0), 0);
	for (int32_t y = 0; y < 10; y++)
		for (int32_t x = 0; x < 10; x++)
			assert_int_equal(grid_put(g, (pt){x, y}, (uint64_t)(x * 100 + y)), 1);
	uint64_t w = 0;
	assert_true(grid_get(g, (pt){7, 3}, &w));
	assert_int_equal(w, 703);
	w = 5;
	assert_false(grid_get(g, (pt){10, 3}, &w));
	assert_int_equal(w, 5);
	assert_int_equal(grid_len(g), 100);
	grid_free(g);

	/* a custom descriptor through GOMAP_T_DESC */
	initials_t *in = NULL;
	assert_int_equal(initials_new(&in, 0), 0);
	assert_int_equal(initials_put(in, "alice", 1), 1);
	assert_int_equal(initials_put(in, "Adam", 2), 0); /* same initial */
	int n = 0;
	assert_true(initials_get(in, "anyone", &n));
	assert_int_equal(n, 2);
	n = -1;
	assert_false(initials_get(in, "bob", &n));
	assert_int_equal(n, -1);
	initials_free(in);
}

/* ---- iteration ------------------------------------------------------------------ */

static bool sum_and_double(const uint64_t *k, double *v, void *ctx)
{
	double *sum = ctx;
	*sum += (double)*k;
	*v *= 2; /* val points into the map */
	return true;
}

static bool stop_at_once(const uint64_t *k, double *v, void *ctx)
{
	(void)k;
	(void)v;
	++*(int *)ctx;
	return false;
}

static void test_typed_map_iteration(void **state)
{
	(void)state;
	halves_t *d = NULL;
	assert_int_equal(halves_new(&d, 0), 0);
	enum { N = 50 };
	for (uint64_t i = 0; i < N; i++)
		assert_int_equal(halves_put(d, i, (double)i), 1);

	/* the iterator: each key once, typed pointers into the map */
	bool seen[N] = {false};
	halves_iter it;
	const uint64_t *kp = NULL;
	double *vp = NULL;
	int count = 0;
	halves_iter_init(d, &it);
	while (halves_iter_next(&it, &kp, &vp)) {
		assert_non_null(kp);
		assert_non_null(vp);
		assert_true(*kp < N);
		assert_false(seen[*kp]);
		seen[*kp] = true;
		assert_true(*vp == (double)*kp);
		*vp += 0.5;
		count++;
	}
	assert_int_equal(count, N);
	double x = 0;
	assert_true(halves_get(d, 7, &x));
	assert_true(x == 7.5);
	/* at the end, next says false and leaves the outputs alone */
	kp = (const uint64_t *)(uintptr_t)8;
	assert_false(halves_iter_next(&it, &kp, &vp));
	assert_ptr_equal((const void *)kp, (void *)(uintptr_t)8);

	/* NULL outputs, an early stop */
	halves_iter_init(d, &it);
	assert_true(halves_iter_next(&it, NULL, NULL));
	assert_true(halves_iter_next(&it, &kp, NULL));
	halves_iter_stop(&it);

	/* a key from the iterator may be passed to delete */
	halves_iter_init(d, &it);
	count = 0;
	while (halves_iter_next(&it, &kp, NULL)) {
		if (*kp % 2 == 0)
			assert_int_equal(halves_delete(d, *kp), 1);
		count++;
	}
	assert_int_equal(count, N);
	assert_int_equal(halves_len(d), N / 2);

	/* range: every entry, writable values, and stop */
	double sum = 0;
	assert_int_equal(halves_range(d, sum_and_double, &sum), 0);
	assert_true(sum == 625.0); /* 1 + 3 + ... + 49 */
	assert_true(halves_get(d, 7, &x));
	assert_true(x == 15.0);
	int calls = 0;
	assert_int_equal(halves_range(d, stop_at_once, &calls), 0);
	assert_int_equal(calls, 1);
	assert_int_equal(halves_range(d, NULL, NULL), GOMAP_EINVAL);
	halves_free(d);
}

/* ---- options and the run-time check ------------------------------------------------ */

static size_t live_allocs;

static void *count_alloc(void *ctx, size_t n)
{
	(void)ctx;
	live_allocs++;
	return malloc(n);
}

static void count_free(void *ctx, void *p, size_t n)
{
	(void)ctx;
	(void)n;
	live_allocs--;
	free(p);
}

static void test_typed_map_new_opts(void **state)
{
	(void)state;
	gomap_allocator a = {count_alloc, NULL, count_free, NULL};
	gomap_map_options o = {64, &a};
	live_allocs = 0;
	ages_t *m = NULL;
	assert_int_equal(ages_new_opts(&m, &o), 0);
	assert_true(live_allocs > 0);
	assert_int_equal(ages_put(m, "x", 1), 1);
	ages_free(m);
	assert_int_equal(live_allocs, 0);
	assert_int_equal(ages_new_opts(&m, NULL), 0);
	ages_free(m);
	assert_int_equal(ages_new(NULL, 0), GOMAP_EINVAL);
}

static void test_typed_map_size_mismatch(void **state)
{
	(void)state;
	lying_key_t *k = (lying_key_t *)(uintptr_t)1;
	assert_int_equal(lying_key_new(&k, 0), GOMAP_EINVAL);
	assert_null(k);
	lying_val_t *v = (lying_val_t *)(uintptr_t)1;
	assert_int_equal(lying_val_new(&v, 0), GOMAP_EINVAL);
	assert_null(v);
	gomap_map_options o = {0, NULL};
	v = (lying_val_t *)(uintptr_t)1;
	assert_int_equal(lying_val_new_opts(&v, &o), GOMAP_EINVAL);
	assert_null(v);
}

/* name_put_ptr: Go's m[k]++ through the typed address; NULL on error. */
static void test_typed_map_put_ptr(void **state)
{
	(void)state;
	ages_t *m = NULL;
	assert_int_equal(ages_new(&m, 0), 0);
	for (int i = 0; i < 3; i++) {
		int *p = ages_put_ptr(m, "bob");
		assert_non_null(p);
		assert_int_equal(*p, i); /* zeroed on insert, then the count */
		++*p;
	}
	int out = -1;
	assert_true(ages_get(m, "bob", &out));
	assert_int_equal(out, 3);
	assert_int_equal(ages_len(m), 1);
	assert_null(ages_put_ptr(m, NULL)); /* a NULL string key: GOMAP_EINVAL */
	assert_null(ages_put_ptr(NULL, "x"));
	assert_int_equal(ages_len(m), 1);
	ages_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_typed_map_strings),   cmocka_unit_test(test_typed_map_u64_f64),
	    cmocka_unit_test(test_typed_map_other_keys), cmocka_unit_test(test_typed_map_iteration),
	    cmocka_unit_test(test_typed_map_new_opts),  cmocka_unit_test(test_typed_map_size_mismatch),
	    cmocka_unit_test(test_typed_map_put_ptr),
	};
	return cmocka_run_group_tests_name("typed_map", tests, NULL, NULL);
}
