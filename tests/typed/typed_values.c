/*
 * tests/typed/typed_values.c - the safe maps' typed wrappers with owned
 * string values (`const char *` with gomap_type_str): the map keeps its
 * own copies, and every typed output that receives a value holds a
 * malloc'd copy, the caller's to free(). Every call on a hit and on a
 * miss, for every variant.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gomap/chan.h>
#include <gomap/mutex.h>
#include <gomap/rwmutex.h>
#include <gomap/shard.h>
#include <gomap/sync.h>

GOMAP_MUTEX_DEFINE(mutex_sv, uint64_t, const char *, gomap_type_u64, gomap_type_str);
GOMAP_RWMUTEX_DEFINE(rwmutex_sv, uint64_t, const char *, gomap_type_u64, gomap_type_str);
GOMAP_SHARD_DEFINE(shard_sv, uint64_t, const char *, gomap_type_u64, gomap_type_str);
GOMAP_SYNC_DEFINE(sync_sv, uint64_t, const char *, gomap_type_u64, gomap_type_str);
GOMAP_CHAN_DEFINE(chan_sv, uint64_t, const char *, gomap_type_u64, gomap_type_str);

static const char *const SENT = "sentinel";

/* Appends "!" to the current value, or sets "new" when absent. */
static gomap_update_decision bang(const uint64_t *k, const char **val, bool present, void *ctx)
{
	(void)k;
	char *buf = ctx;
	if (!present) {
		assert_null(*val);
		*val = "new";
		return GOMAP_UPDATE_SET;
	}
	snprintf(buf, 32, "%s!", *val);
	*val = buf;
	return GOMAP_UPDATE_SET;
}

static bool count_fn(const uint64_t *k, const char *const *v, void *ctx)
{
	assert_int_equal(*k, 2);
	assert_string_equal(*v, "new!");
	(*(int *)ctx)++;
	return true;
}

#define TYPED_VALUES_TEST(v)                                                          \
	static void test_typed_values_##v(void **st)                                      \
	{                                                                                 \
		(void)st;                                                                     \
		v##_sv_t *m = NULL;                                                           \
		assert_int_equal(v##_sv_new(&m, NULL), 0);                                    \
		char in[] = "alpha";                                                          \
		const char *out = SENT;                                                       \
		assert_false(v##_sv_load(m, 1, &out));                                        \
		assert_ptr_equal(out, SENT);                                                  \
		assert_int_equal(v##_sv_store(m, 1, in), 0);                                  \
		in[0] = 'X';                                                                  \
		assert_true(v##_sv_load(m, 1, &out));                                         \
		assert_string_equal(out, "alpha");                                            \
		free((void *)out);                                                            \
		out = SENT;                                                                   \
		assert_int_equal(v##_sv_load_or_store(m, 1, "beta", &out), 1);                \
		assert_string_equal(out, "alpha");                                            \
		free((void *)out);                                                            \
		out = SENT;                                                                   \
		assert_int_equal(v##_sv_swap(m, 1, "gamma", &out), 1);                        \
		assert_string_equal(out, "alpha");                                            \
		free((void *)out);                                                            \
		assert_int_equal(v##_sv_compare_and_swap(m, 1, "alpha", "x"), 0);             \
		assert_int_equal(v##_sv_compare_and_swap(m, 1, "gamma", "delta"), 1);         \
		out = SENT;                                                                   \
		assert_int_equal(v##_sv_load_and_delete(m, 1, &out), 1);                      \
		assert_string_equal(out, "delta");                                            \
		free((void *)out);                                                            \
		out = SENT;                                                                   \
		assert_int_equal(v##_sv_load_and_delete(m, 1, &out), 0);                      \
		assert_ptr_equal(out, SENT);                                                  \
		assert_int_equal(v##_sv_swap(m, 1, "eps", &out), 0);                          \
		assert_ptr_equal(out, SENT);                                                  \
		assert_int_equal(v##_sv_compare_and_delete(m, 1, "zeta"), 0);                 \
		assert_int_equal(v##_sv_compare_and_delete(m, 1, "eps"), 1);                  \
		char ubuf[32];                                                                \
		assert_int_equal(v##_sv_update(m, 2, bang, ubuf), 0);                         \
		assert_int_equal(v##_sv_update(m, 2, bang, ubuf), 1);                         \
		int n = 0;                                                                    \
		assert_int_equal(v##_sv_range(m, count_fn, &n), 0);                           \
		assert_int_equal(n, 1);                                                       \
		assert_int_equal(v##_sv_len(m), 1);                                           \
		assert_int_equal(v##_sv_clear(m), 0);                                         \
		assert_int_equal(v##_sv_len(m), 0);                                           \
		v##_sv_free(m);                                                               \
	}

TYPED_VALUES_TEST(mutex)
TYPED_VALUES_TEST(rwmutex)
TYPED_VALUES_TEST(shard)
TYPED_VALUES_TEST(sync)
TYPED_VALUES_TEST(chan)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_typed_values_mutex),
		cmocka_unit_test(test_typed_values_rwmutex),
		cmocka_unit_test(test_typed_values_shard),
		cmocka_unit_test(test_typed_values_sync),
		cmocka_unit_test(test_typed_values_chan),
	};
	return cmocka_run_group_tests_name("typed_values", tests, NULL, NULL);
}
