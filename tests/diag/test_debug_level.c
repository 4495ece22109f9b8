/*
 * tests/diag/test_debug_level.c - GOMAP_DEBUG_LEVEL is real.
 *
 * 1. The macros (src/internal/debug.h), compiled at each level
 *    (debug_level_probe.c): at 0 neither GOMAP_ASSERT nor
 *    GOMAP_ASSERT_EXPENSIVE evaluates its condition; at 1 GOMAP_ASSERT
 *    stops the process with "gomap: internal error: assertion ... failed
 *    at FILE:LINE" (through the fatal report: backtrace, hook, SIGABRT)
 *    and GOMAP_ASSERT_EXPENSIVE still does nothing; at 2 both stop it.
 * 2. The library as built (its objects at the configured level,
 *    GOMAP_TEST_DEBUG_LEVEL): a plain map whose key descriptor is corrupted
 *    behind its back (white box) is caught by an assertion in src/util.c at
 *    level >= 1, and at level 0 the same calls run unchecked.
 * Each stopping case runs in a forked child.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gomap/map.h>

#include "childproc.h"
#include "internal/map_internal.h"

int probe_assert_0(int *evals), probe_expensive_0(int *evals);
int probe_assert_1(int *evals), probe_expensive_1(int *evals);
int probe_assert_2(int *evals), probe_expensive_2(int *evals);

typedef int (*probe_fn)(int *evals);

static const probe_fn asserts[3] = {probe_assert_0, probe_assert_1, probe_assert_2};
static const probe_fn expensives[3] = {probe_expensive_0, probe_expensive_1, probe_expensive_2};

static int run_probe(void *arg)
{
	int evals = 0;
	int level = ((probe_fn)arg)(&evals);
	fprintf(stderr, "SURVIVED level=%d evals=%d\n", level, evals);
	return 0;
}

/* Runs @fn in a child: true if it stopped with the assertion report. */
static bool stops(probe_fn fn, cp_result *r)
{
	assert_int_equal(cp_run_ret(run_probe, (void *)fn, 30, r), 0);
	if (cp_aborted(r)) {
		assert_non_null(strstr(r->out, "fatal error: gomap: internal error: assertion `counted_false(evals)' "
		                                "failed at "));
		assert_non_null(strstr(r->out, "debug_level_probe.c:"));
		assert_null(strstr(r->out, "SURVIVED"));
		return true;
	}
	if (!WIFEXITED(r->status) || WEXITSTATUS(r->status) != 0)
		fail_msg("probe child status 0x%x: %s", r->status, r->out);
	return false;
}

static void expect_survives(probe_fn fn, int level, cp_result *r)
{
	assert_false(stops(fn, r));
	char want[64];
	snprintf(want, sizeof want, "SURVIVED level=%d evals=0", level);
	if (!strstr(r->out, want))
		fail_msg("want \"%s\" (the condition not evaluated), got: %s", want, r->out);
}

static void test_debug_level_macros(void **state)
{
	(void)state;
	cp_result *r = malloc(sizeof *r);
	assert_non_null(r);
	/* level 0: compiled away, the condition never evaluated */
	expect_survives(asserts[0], 0, r);
	expect_survives(expensives[0], 0, r);
	/* level 1: cheap assertions only */
	assert_true(stops(asserts[1], r));
	expect_survives(expensives[1], 1, r);
	/* level 2: both */
	assert_true(stops(asserts[2], r));
	assert_true(stops(expensives[2], r));
	/* the expensive flavour names the map it was given */
	assert_non_null(strstr(r->out, "map=0x"));
	free(r);
}

/* ---- the library at its configured level ------------------------------- */

typedef struct pair {
	uint64_t a, b;
} pair;

/* A RAW-keyed map (the generic path that calls util.c's hash and equal)
 * whose key kind is overwritten with one no descriptor can have. */
static int corrupted_lookup(void *arg)
{
	(void)arg;
	const gomap_type kt = GOMAP_TYPE_RAW(pair);
	gomap_map_t *m = NULL;
	if (gomap_map_new(&m, &kt, &gomap_type_u64, 0) != 0)
		return 3;
	pair k = {1, 2};
	uint64_t v = 7, out = 0;
	if (gomap_map_put(m, &k, &v) != 1)
		return 4;
	((gomap_type *)gomap__map_key_type(m))->kind = (gomap_kind)77; /* the corruption */
	int got = gomap_map_get(m, &k, &out);
	fprintf(stderr, "SURVIVED get=%d\n", got);
	((gomap_type *)gomap__map_key_type(m))->kind = GOMAP_KIND_RAW;
	gomap_map_free(m);
	return 0;
}

static void test_debug_level_library(void **state)
{
	(void)state;
	cp_result *r = malloc(sizeof *r);
	assert_non_null(r);
	assert_int_equal(cp_run_ret(corrupted_lookup, NULL, 30, r), 0);
#if GOMAP_TEST_DEBUG_LEVEL >= 1
	if (!cp_aborted(r))
		fail_msg("level %d: a corrupted key kind went unnoticed (status 0x%x): %s", GOMAP_TEST_DEBUG_LEVEL,
		         r->status, r->out);
	assert_non_null(strstr(r->out, "fatal error: gomap: internal error: assertion `t && kind_known(t)' failed at "));
	assert_non_null(strstr(r->out, "util.c:"));
	assert_null(strstr(r->out, "SURVIVED"));
#else
	/* level 0: no check, and nothing else changes (the bytes still hash
	 * and compare as before) */
	if (!WIFEXITED(r->status) || WEXITSTATUS(r->status) != 0)
		fail_msg("level 0: child status 0x%x: %s", r->status, r->out);
	assert_non_null(strstr(r->out, "SURVIVED get=1"));
	assert_null(strstr(r->out, "internal error"));
#endif
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_debug_level_macros),
	    cmocka_unit_test(test_debug_level_library),
	};
	return cmocka_run_group_tests_name("diag_debug_level", tests, NULL, NULL);
}
