/*
 * tests/typed/typed_safe.c - the safe maps' typed wrappers (gomap/typed.h):
 * for each variant (mutex, rwmutex, shard, sync, chan), two typed maps (u64
 * keys with struct values; string keys with u64 values), and every typed
 * call on a hit and on a miss, each return value and each output asserted
 * (a miss leaves its output untouched: outputs start as a sentinel).
 * Plus name_new's run-time size check and name_handle.
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

typedef struct pt {
	int32_t x, y;
} pt;

#define PT_SENT ((pt){-1, -1})

static void assert_pt(pt got, pt want, int line)
{
	if (got.x != want.x || got.y != want.y)
		fail_msg("line %d: got {%d,%d}, want {%d,%d}", line, got.x, got.y, want.x, want.y);
}
#define ASSERT_PT(got, want) assert_pt((got), (want), __LINE__)

/* The typed maps, two per variant. */
#define DEFINE_BOTH(V, v)                                                                                    \
	V(v##_pts, uint64_t, pt, gomap_type_u64, GOMAP_T_RAW(pt));                                          \
	V(v##_names, const char *, uint64_t, gomap_type_str, gomap_type_u64)

DEFINE_BOTH(GOMAP_MUTEX_DEFINE, mutex);
DEFINE_BOTH(GOMAP_RWMUTEX_DEFINE, rwmutex);
DEFINE_BOTH(GOMAP_SHARD_DEFINE, shard);
DEFINE_BOTH(GOMAP_SYNC_DEFINE, sync);
DEFINE_BOTH(GOMAP_CHAN_DEFINE, chan);

/* A descriptor of 8 bytes handed to a map of 4-byte values: only the run
 * time can see it (GOMAP_T_DESC says int, the descriptor says otherwise). */
static const gomap_type raw8 = GOMAP_TYPE_RAW(uint64_t);
GOMAP_SYNC_DEFINE(sync_lying, uint64_t, int, gomap_type_u64, GOMAP_T_DESC(int, raw8));
GOMAP_MUTEX_DEFINE(mutex_lying, int, int, GOMAP_T_DESC(int, raw8), GOMAP_T_RAW(int));

/* ---- range collectors ------------------------------------------------------- */

typedef struct seen_pts {
	int n, stop_after;
	uint64_t keys[8];
	pt vals[8];
} seen_pts;

static bool collect_pts(const uint64_t *k, const pt *v, void *ctx)
{
	seen_pts *s = ctx;
	assert_true(s->n < 8);
	s->keys[s->n] = *k;
	s->vals[s->n] = *v;
	s->n++;
	return s->n != s->stop_after;
}

typedef struct seen_names {
	int n, stop_after;
	char keys[8][16];
	uint64_t vals[8];
} seen_names;

static bool collect_names(const char *const *k, const uint64_t *v, void *ctx)
{
	seen_names *s = ctx;
	assert_true(s->n < 8);
	snprintf(s->keys[s->n], sizeof s->keys[s->n], "%s", *k);
	s->vals[s->n] = *v;
	s->n++;
	return s->n != s->stop_after;
}

/* Index of @k in the first @n of @keys, or -1. */
static int find_u64(const uint64_t *keys, int n, uint64_t k)
{
	for (int i = 0; i < n; i++)
		if (keys[i] == k)
			return i;
	return -1;
}

/* ---- every call, u64 keys and struct values --------------------------------- */

#define TEST_PTS(v)                                                                                            \
	static void test_##v##_pts(void **state)                                                                 \
	{                                                                                                        \
		(void)state;                                                                                     \
		v##_pts_t *m = (v##_pts_t *)(uintptr_t)1;                                                        \
		assert_int_equal(v##_pts_new(&m, NULL), 0);                                                      \
		assert_non_null(m);                                                                              \
		assert_ptr_equal((void *)v##_pts_handle(m), (void *)m);                                          \
		const pt a = {1, 2}, b = {3, 4}, c = {5, 6};                                                     \
		pt out = PT_SENT;                                                                                \
		/* misses: false / 0, outputs untouched, nothing inserted */                                    \
		assert_int_equal(v##_pts_len(m), 0);                                                             \
		assert_false(v##_pts_load(m, 7, &out));                                                          \
		ASSERT_PT(out, PT_SENT);                                                                         \
		assert_false(v##_pts_load(m, 7, NULL));                                                          \
		assert_int_equal(v##_pts_load_and_delete(m, 7, &out), 0);                                        \
		ASSERT_PT(out, PT_SENT);                                                                         \
		assert_int_equal(v##_pts_delete(m, 7), 0);                                                       \
		assert_int_equal(v##_pts_compare_and_swap(m, 7, a, b), 0);                                       \
		assert_int_equal(v##_pts_compare_and_delete(m, 7, a), 0);                                        \
		assert_int_equal(v##_pts_len(m), 0);                                                             \
		/* store, then load hits */                                                                      \
		assert_int_equal(v##_pts_store(m, 7, a), 0);                                                     \
		assert_true(v##_pts_load(m, 7, &out));                                                           \
		ASSERT_PT(out, a);                                                                               \
		assert_true(v##_pts_load(m, 7, NULL));                                                           \
		assert_int_equal(v##_pts_store(m, 7, b), 0); /* overwrite */                                     \
		out = PT_SENT;                                                                                   \
		assert_true(v##_pts_load(m, 7, &out));                                                           \
		ASSERT_PT(out, b);                                                                               \
		assert_int_equal(v##_pts_len(m), 1);                                                             \
		/* load_or_store: stores (actual = the given value), then loads */                              \
		out = PT_SENT;                                                                                   \
		assert_int_equal(v##_pts_load_or_store(m, 8, c, &out), 0);                                       \
		ASSERT_PT(out, c);                                                                               \
		out = PT_SENT;                                                                                   \
		assert_int_equal(v##_pts_load_or_store(m, 8, a, &out), 1);                                       \
		ASSERT_PT(out, c);                                                                               \
		assert_int_equal(v##_pts_load_or_store(m, 9, a, NULL), 0);                                       \
		assert_int_equal(v##_pts_load_or_store(m, 9, b, NULL), 1);                                       \
		out = PT_SENT;                                                                                   \
		assert_true(v##_pts_load(m, 9, &out));                                                           \
		ASSERT_PT(out, a);                                                                               \
		assert_int_equal(v##_pts_len(m), 3); /* 7=b 8=c 9=a */                                           \
		/* swap: replaces (previous out), or inserts (output untouched) */                              \
		out = PT_SENT;                                                                                   \
		assert_int_equal(v##_pts_swap(m, 7, c, &out), 1);                                                \
		ASSERT_PT(out, b);                                                                               \
		out = PT_SENT;                                                                                   \
		assert_int_equal(v##_pts_swap(m, 10, b, &out), 0);                                               \
		ASSERT_PT(out, PT_SENT);                                                                         \
		assert_int_equal(v##_pts_swap(m, 10, a, NULL), 1);                                               \
		assert_int_equal(v##_pts_len(m), 4); /* 7=c 8=c 9=a 10=a */                                      \
		/* compare_and_swap: wrong old value, then the right one */                                     \
		assert_int_equal(v##_pts_compare_and_swap(m, 7, a, b), 0);                                       \
		out = PT_SENT;                                                                                   \
		assert_true(v##_pts_load(m, 7, &out));                                                           \
		ASSERT_PT(out, c);                                                                               \
		assert_int_equal(v##_pts_compare_and_swap(m, 7, c, b), 1);                                       \
		assert_true(v##_pts_load(m, 7, &out));                                                           \
		ASSERT_PT(out, b);                                                                               \
		/* compare_and_delete: wrong old value, then the right one */                                   \
		assert_int_equal(v##_pts_compare_and_delete(m, 9, b), 0);                                        \
		assert_true(v##_pts_load(m, 9, NULL));                                                           \
		assert_int_equal(v##_pts_compare_and_delete(m, 9, a), 1);                                        \
		assert_false(v##_pts_load(m, 9, NULL));                                                          \
		assert_int_equal(v##_pts_len(m), 3); /* 7=b 8=c 10=a */                                          \
		/* range: every entry once, then an early stop */                                               \
		seen_pts s = {0, 0, {0}, {{0, 0}}};                                                              \
		assert_int_equal(v##_pts_range(m, collect_pts, &s), 0);                                          \
		assert_int_equal(s.n, 3);                                                                        \
		const uint64_t want_k[3] = {7, 8, 10};                                                           \
		const pt want_v[3] = {b, c, a};                                                                  \
		for (int i = 0; i < 3; i++) {                                                                    \
			int at = find_u64(s.keys, s.n, want_k[i]);                                               \
			assert_true(at >= 0);                                                                    \
			ASSERT_PT(s.vals[at], want_v[i]);                                                        \
		}                                                                                                \
		seen_pts one = {0, 1, {0}, {{0, 0}}};                                                            \
		assert_int_equal(v##_pts_range(m, collect_pts, &one), 0);                                        \
		assert_int_equal(one.n, 1);                                                                      \
		assert_int_equal(v##_pts_range(m, NULL, NULL), GOMAP_EINVAL);                                    \
		/* load_and_delete hits: the value out, the key gone */                                         \
		out = PT_SENT;                                                                                   \
		assert_int_equal(v##_pts_load_and_delete(m, 8, &out), 1);                                        \
		ASSERT_PT(out, c);                                                                               \
		assert_false(v##_pts_load(m, 8, NULL));                                                          \
		assert_int_equal(v##_pts_load_and_delete(m, 10, NULL), 1);                                       \
		assert_int_equal(v##_pts_delete(m, 7), 1);                                                       \
		assert_int_equal(v##_pts_delete(m, 7), 0);                                                       \
		assert_int_equal(v##_pts_len(m), 0);                                                             \
		/* clear */                                                                                      \
		for (uint64_t k = 0; k < 100; k++)                                                               \
			assert_int_equal(v##_pts_store(m, k, (pt){(int32_t)k, 0}), 0);                           \
		assert_int_equal(v##_pts_len(m), 100);                                                           \
		assert_int_equal(v##_pts_clear(m), 0);                                                           \
		assert_int_equal(v##_pts_len(m), 0);                                                             \
		assert_false(v##_pts_load(m, 5, NULL));                                                          \
		s.n = 0;                                                                                         \
		assert_int_equal(v##_pts_range(m, collect_pts, &s), 0);                                          \
		assert_int_equal(s.n, 0);                                                                        \
		v##_pts_free(m);                                                                                 \
		v##_pts_free(NULL);                                                                              \
	}

/* ---- string keys: the typed key is a const char *, copied by the map ------- */

#define TEST_NAMES(v)                                                                                          \
	static void test_##v##_names(void **state)                                                               \
	{                                                                                                        \
		(void)state;                                                                                     \
		v##_names_t *m = NULL;                                                                           \
		assert_int_equal(v##_names_new(&m, NULL), 0);                                                    \
		assert_non_null(m);                                                                              \
		char buf[16];                                                                                    \
		uint64_t out = 99;                                                                               \
		assert_false(v##_names_load(m, "bob", &out));                                                    \
		assert_int_equal(out, 99);                                                                       \
		assert_false(v##_names_load(m, NULL, &out)); /* bad key: false */                                \
		assert_int_equal(out, 99);                                                                       \
		assert_int_equal(v##_names_store(m, NULL, 1), GOMAP_EINVAL);                                     \
		strcpy(buf, "bob");                                                                              \
		assert_int_equal(v##_names_store(m, buf, 42), 0);                                                \
		strcpy(buf, "xxx"); /* the map keeps its own copy */                                             \
		assert_true(v##_names_load(m, "bob", &out));                                                     \
		assert_int_equal(out, 42);                                                                       \
		out = 99;                                                                                        \
		assert_int_equal(v##_names_load_or_store(m, "ann", 7, &out), 0);                                 \
		assert_int_equal(out, 7);                                                                        \
		out = 99;                                                                                        \
		assert_int_equal(v##_names_load_or_store(m, "ann", 8, &out), 1);                                 \
		assert_int_equal(out, 7);                                                                        \
		out = 99;                                                                                        \
		assert_int_equal(v##_names_swap(m, "bob", 43, &out), 1);                                         \
		assert_int_equal(out, 42);                                                                       \
		out = 99;                                                                                        \
		assert_int_equal(v##_names_swap(m, "cy", 1, &out), 0);                                           \
		assert_int_equal(out, 99);                                                                       \
		assert_int_equal(v##_names_compare_and_swap(m, "cy", 2, 3), 0);                                  \
		assert_int_equal(v##_names_compare_and_swap(m, "cy", 1, 3), 1);                                  \
		assert_int_equal(v##_names_compare_and_delete(m, "cy", 1), 0);                                   \
		assert_int_equal(v##_names_compare_and_delete(m, "cy", 3), 1);                                   \
		assert_int_equal(v##_names_len(m), 2); /* ann=7 bob=43 */                                        \
		seen_names s = {0, 0, {{0}}, {0}};                                                               \
		assert_int_equal(v##_names_range(m, collect_names, &s), 0);                                      \
		assert_int_equal(s.n, 2);                                                                        \
		int ann = strcmp(s.keys[0], "ann") == 0 ? 0 : 1;                                                 \
		assert_string_equal(s.keys[ann], "ann");                                                         \
		assert_int_equal(s.vals[ann], 7);                                                                \
		assert_string_equal(s.keys[1 - ann], "bob");                                                     \
		assert_int_equal(s.vals[1 - ann], 43);                                                           \
		out = 99;                                                                                        \
		assert_int_equal(v##_names_load_and_delete(m, "ann", &out), 1);                                  \
		assert_int_equal(out, 7);                                                                        \
		out = 99;                                                                                        \
		assert_int_equal(v##_names_load_and_delete(m, "ann", &out), 0);                                  \
		assert_int_equal(out, 99);                                                                       \
		assert_int_equal(v##_names_delete(m, "bob"), 1);                                                 \
		assert_int_equal(v##_names_delete(m, "bob"), 0);                                                 \
		assert_int_equal(v##_names_len(m), 0);                                                           \
		assert_int_equal(v##_names_store(m, "dee", 4), 0);                                               \
		assert_int_equal(v##_names_clear(m), 0);                                                         \
		assert_int_equal(v##_names_len(m), 0);                                                           \
		v##_names_free(m);                                                                               \
	}

TEST_PTS(mutex)
TEST_PTS(rwmutex)
TEST_PTS(shard)
TEST_PTS(sync)
TEST_PTS(chan)
TEST_NAMES(mutex)
TEST_NAMES(rwmutex)
TEST_NAMES(shard)
TEST_NAMES(sync)
TEST_NAMES(chan)


/* name_update: a typed callback sees the typed key and value; every
 * decision on hit and miss, for every variant. */
static gomap_update_decision count_up(const char *const *key, uint64_t *val, bool present,
                                      void *ctx)
{
	int *calls = ctx;
	++*calls;
	assert_non_null(*key);
	if (strcmp(*key, "gone") == 0)
		return present ? GOMAP_UPDATE_DELETE : GOMAP_UPDATE_KEEP;
	if (strcmp(*key, "keep") == 0)
		return GOMAP_UPDATE_KEEP;
	if (!present)
		assert_int_equal(*val, 0); /* absent: a zeroed buffer */
	++*val;
	return GOMAP_UPDATE_SET;
}

#define TEST_UPDATE(v)                                                                 \
	static void test_##v##_update(void **state)                                    \
	{                                                                              \
		(void)state;                                                           \
		v##_names_t *m = NULL;                                                 \
		int calls = 0;                                                         \
		uint64_t out = 99;                                                     \
		assert_int_equal(v##_names_new(&m, NULL), 0);                          \
		assert_int_equal(v##_names_update(m, "a", count_up, &calls), 0);       \
		assert_int_equal(v##_names_update(m, "a", count_up, &calls), 1);       \
		assert_true(v##_names_load(m, "a", &out));                             \
		assert_int_equal(out, 2);                                              \
		assert_int_equal(v##_names_update(m, "keep", count_up, &calls), 0);    \
		out = 99;                                                              \
		assert_false(v##_names_load(m, "keep", &out));                         \
		assert_int_equal(out, 99);                                             \
		assert_int_equal(v##_names_store(m, "gone", 5), 0);                    \
		assert_int_equal(v##_names_update(m, "gone", count_up, &calls), 1);    \
		assert_false(v##_names_load(m, "gone", &out));                         \
		assert_int_equal(v##_names_update(m, "gone", count_up, &calls), 0);    \
		assert_int_equal(calls, 5);                                            \
		assert_int_equal(v##_names_len(m), 1);                                 \
		assert_int_equal(v##_names_update(m, "a", NULL, NULL), GOMAP_EINVAL);   \
		assert_true(v##_names_load(m, "a", &out));                             \
		assert_int_equal(out, 2);                                              \
		v##_names_free(m);                                                     \
	}
TEST_UPDATE(mutex)
TEST_UPDATE(rwmutex)
TEST_UPDATE(shard)
TEST_UPDATE(sync)
TEST_UPDATE(chan)

/* name_new compares the descriptors' sizes with K and V at run time. */
static void test_typed_safe_size_mismatch(void **state)
{
	(void)state;
	sync_lying_t *s = (sync_lying_t *)(uintptr_t)1;
	assert_int_equal(sync_lying_new(&s, NULL), GOMAP_EINVAL);
	assert_null(s);
	mutex_lying_t *m = (mutex_lying_t *)(uintptr_t)1;
	assert_int_equal(mutex_lying_new(&m, NULL), GOMAP_EINVAL);
	assert_null(m);
	assert_int_equal(mutex_lying_new(NULL, NULL), GOMAP_EINVAL);
}

/* Options pass through, and name_handle reaches the variant's own calls. */
static void test_typed_safe_options_and_handle(void **state)
{
	(void)state;
	gomap_shard_options so;
	memset(&so, 0, sizeof so);
	so.hint = 1000;
	shard_pts_t *m = NULL;
	assert_int_equal(shard_pts_new(&m, &so), 0);
	assert_int_equal(shard_pts_store(m, 3, (pt){3, 3}), 0);
	uint64_t k = 3;
	pt out = PT_SENT;
	assert_int_equal(gomap_shard_load(shard_pts_handle(m), &k, &out), 1);
	ASSERT_PT(out, ((pt){3, 3}));
	shard_pts_free(m);

	gomap_sync_options yo;
	memset(&yo, 0, sizeof yo);
	yo.hint = 10;
	sync_names_t *n = NULL;
	assert_int_equal(sync_names_new(&n, &yo), 0);
	assert_int_equal(sync_names_store(n, "x", 1), 0);
	assert_int_equal(gomap_sync_len(sync_names_handle(n)), 1);
	sync_names_free(n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mutex_pts),      cmocka_unit_test(test_rwmutex_pts),
	    cmocka_unit_test(test_shard_pts),      cmocka_unit_test(test_sync_pts),
	    cmocka_unit_test(test_chan_pts),       cmocka_unit_test(test_mutex_names),
	    cmocka_unit_test(test_rwmutex_names),  cmocka_unit_test(test_shard_names),
	    cmocka_unit_test(test_sync_names),     cmocka_unit_test(test_chan_names),
	    cmocka_unit_test(test_mutex_update),   cmocka_unit_test(test_rwmutex_update),
	    cmocka_unit_test(test_shard_update),   cmocka_unit_test(test_sync_update),
	    cmocka_unit_test(test_chan_update),
	    cmocka_unit_test(test_typed_safe_size_mismatch),
	    cmocka_unit_test(test_typed_safe_options_and_handle),
	};
	return cmocka_run_group_tests_name("typed_safe", tests, NULL, NULL);
}
