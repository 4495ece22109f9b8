/*
 * tests/safe/safe_options.c - the options structs of every map (common.h):
 * each begins with the shared fields (GOMAP_OPTIONS_BASE) at the offsets of
 * gomap_options; the forms the zero-initialisation rule allows ({0},
 * designated initialisers, memset then fields, NULL) all work and reach
 * the map (the allocator hook is used, the hint and variant fields taken).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <gomap.h>

/* The shared part sits at the same offsets everywhere. */
#define SAME_BASE(T)                                                                             \
	_Static_assert(offsetof(T, hint) == offsetof(gomap_options, hint), #T ": hint moved"); \
	_Static_assert(offsetof(T, alloc) == offsetof(gomap_options, alloc), #T ": alloc moved")
SAME_BASE(gomap_map_options);
SAME_BASE(gomap_mutex_options);
SAME_BASE(gomap_rwmutex_options);
SAME_BASE(gomap_shard_options);
SAME_BASE(gomap_sync_options);
SAME_BASE(gomap_chan_options);

/* A counting allocator: shows that the hook in the options was used. */
static size_t live, calls;
static void *c_alloc(void *ctx, size_t n)
{
	(void)ctx;
	void *p = malloc(n);
	if (p) {
		live++;
		calls++;
	}
	return p;
}
static void c_free(void *ctx, void *p, size_t n)
{
	(void)ctx;
	(void)n;
	if (p)
		live--;
	free(p);
}
static const gomap_allocator counting = {c_alloc, NULL, c_free, NULL};

/* One variant: new with @opt, a store and a load through it; @hooked:
 * the options name the counting allocator, which must then be used. */
#define TRY_NEW(prefix, opt, hooked)                                                              \
	do {                                                                                      \
		gomap_##prefix##_t *m_ = (gomap_##prefix##_t *)(uintptr_t)1;                      \
		calls = 0;                                                                        \
		assert_int_equal(gomap_##prefix##_new(&m_, &gomap_type_u64, &gomap_type_u64, (opt)), 0); \
		assert_non_null(m_);                                                              \
		uint64_t k_ = 7, v_ = 70, out_ = 0;                                               \
		assert_true(gomap_##prefix##_store(m_, &k_, &v_) >= 0);                           \
		assert_int_equal(gomap_##prefix##_load(m_, &k_, &out_), 1);                      \
		assert_int_equal(out_, 70);                                                       \
		gomap_##prefix##_free(m_);                                                        \
		if (hooked)                                                                       \
			assert_true(calls > 0);                                                   \
		else                                                                              \
			assert_int_equal(calls, 0);                                               \
		assert_int_equal(live, 0);                                                        \
	} while (0)

/* Every form the rule allows: memset then fields, {0}, designated
 * initialisers (with the variant's own field), NULL. */
#define CHECK_VARIANT(prefix, extra)                                                   \
	do {                                                                           \
		gomap_##prefix##_options o;                                            \
		memset(&o, 0, sizeof o);                                               \
		o.hint = 100;                                                          \
		o.alloc = &counting;                                                   \
		extra;                                                                 \
		TRY_NEW(prefix, &o, 1);                                                \
		gomap_##prefix##_options z = {0};                                      \
		TRY_NEW(prefix, &z, 0);                                                \
		gomap_##prefix##_options d = {.alloc = &counting, .hint = 5};          \
		TRY_NEW(prefix, &d, 1);                                                \
		TRY_NEW(prefix, NULL, 0);                                              \
	} while (0)

static void test_options_mutex(void **state)
{
	(void)state;
	CHECK_VARIANT(mutex, (void)0);
}

static void test_options_rwmutex(void **state)
{
	(void)state;
	CHECK_VARIANT(rwmutex, (void)0);
}

static void test_options_shard(void **state)
{
	(void)state;
	CHECK_VARIANT(shard, o.shards = 8);
}

static void test_options_sync(void **state)
{
	(void)state;
	CHECK_VARIANT(sync, (void)0);
}

static void test_options_chan(void **state)
{
	(void)state;
	CHECK_VARIANT(chan, o.spin = 10);
}

/* The plain map: the same forms through gomap_map_new_opts. */
static void test_options_map(void **state)
{
	(void)state;
	gomap_map_options o;
	memset(&o, 0, sizeof o);
	o.hint = 100;
	o.alloc = &counting;
	const gomap_map_options forms[] = {o, {0}, {.alloc = &counting}};
	for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
		gomap_map_t *m = (gomap_map_t *)(uintptr_t)1;
		calls = 0;
		assert_int_equal(gomap_map_new_opts(&m, &gomap_type_u64, &gomap_type_u64, &forms[i]), 0);
		assert_non_null(m);
		uint64_t k = 1, v = 2, out = 0;
		assert_int_equal(gomap_map_put(m, &k, &v), 1);
		assert_int_equal(gomap_map_get(m, &k, &out), 1);
		assert_int_equal(out, 2);
		gomap_map_free(m);
		if (forms[i].alloc)
			assert_true(calls > 0);
		else
			assert_int_equal(calls, 0);
		assert_int_equal(live, 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_options_map),   cmocka_unit_test(test_options_mutex),
	    cmocka_unit_test(test_options_rwmutex), cmocka_unit_test(test_options_shard),
	    cmocka_unit_test(test_options_sync),  cmocka_unit_test(test_options_chan),
	};
	return cmocka_run_group_tests_name("safe_options", tests, NULL, NULL);
}
