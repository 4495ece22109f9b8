/*
 * tests/diag/test_freeze.c - gomap_map_freeze: reads keep working, API
 * writes die with "fatal error: write to frozen map", a raw write through a
 * pointer into the table faults and the handler reports it with the
 * address, unfreeze restores writes, and freeing a frozen map is allowed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include <gomap/diag.h>

#include "childproc.h"

enum { N = 5000 };

static gomap_map_t *filled(size_t n)
{
	gomap_map_t *m;
	assert_int_equal(gomap_map_new(&m, &gomap_type_u64, &gomap_type_u64, 0), 0);
	for (uint64_t k = 0; k < n; k++) {
		uint64_t v = k * 3;
		assert_int_equal(gomap_map_put(m, &k, &v), 1);
	}
	return m;
}

static bool count_fn(const void *k, void *v, void *ctx)
{
	(void)k;
	(void)v;
	++*(size_t *)ctx;
	return true;
}

static void test_frozen_reads(void **state)
{
	(void)state;
	gomap_map_t *m = filled(N);
	gomap_map_stats before, after;
	assert_int_equal(gomap_map_stats_get(m, &before), 0);
	assert_false(gomap_map_frozen(m));
	assert_int_equal(gomap_map_freeze(m), 0);
	assert_true(gomap_map_frozen(m));
	assert_int_equal(gomap_map_freeze(m), 0); /* again: no-op */
	for (uint64_t k = 0; k < N; k++) {
		uint64_t v = 0;
		assert_int_equal(gomap_map_get(m, &k, &v), 1);
		assert_int_equal(v, k * 3);
	}
	uint64_t absent = N + 1;
	assert_int_equal(gomap_map_get(m, &absent, NULL), 0);
	size_t seen = 0;
	assert_int_equal(gomap_map_range(m, count_fn, &seen), 0);
	assert_int_equal(seen, N);
	assert_int_equal(gomap_map_check(m), 0);
	gomap_map_t *c;
	assert_int_equal(gomap_map_clone(m, &c), 0);
	assert_int_equal(gomap_map_len(c), N);
	assert_false(gomap_map_frozen(c));
	gomap_map_free(c);
	/* Page rounding is accounted for. */
	assert_int_equal(gomap_map_stats_get(m, &after), 0);
	assert_true(after.bytes >= before.bytes);
	assert_int_equal(after.count, N);
	gomap_map_free(m); /* allowed while frozen */
}

static void test_unfreeze_restores_writes(void **state)
{
	(void)state;
	gomap_map_t *m = filled(100);
	for (int round = 0; round < 3; round++) {
		assert_int_equal(gomap_map_freeze(m), 0);
		assert_int_equal(gomap_map_unfreeze(m), 0);
		assert_false(gomap_map_frozen(m));
		/* Writes, including growth away from the mapped table. */
		for (uint64_t k = 0; k < N; k++) {
			uint64_t v = k + (uint64_t)round;
			assert_true(gomap_map_put(m, &k, &v) >= 0);
		}
		uint64_t *p = gomap_map_get_ptr(m, &(uint64_t){7});
		assert_non_null(p);
		*p = 77; /* writable again */
		uint64_t v = 0;
		assert_int_equal(gomap_map_get(m, &(uint64_t){7}, &v), 1);
		assert_int_equal(v, 77);
		assert_int_equal(gomap_map_check(m), 0);
	}
	for (uint64_t k = 0; k < N; k += 2)
		assert_int_equal(gomap_map_delete(m, &k), 1);
	assert_int_equal(gomap_map_len(m), N / 2);
	assert_int_equal(gomap_map_freeze(m), 0);
	assert_int_equal(gomap_map_unfreeze(m), 0);
	assert_int_equal(gomap_map_clear(m), 0);
	assert_int_equal(gomap_map_shrink(m), 0);
	gomap_map_free(m);
	assert_int_equal(gomap_map_freeze(NULL), GOMAP_EINVAL);
	assert_int_equal(gomap_map_unfreeze(NULL), GOMAP_EINVAL);
	assert_false(gomap_map_frozen(NULL));
}

/* Freezing in the middle of a growth finishes it first. */
static void test_freeze_during_growth(void **state)
{
	(void)state;
	gomap_map_t *m;
	assert_int_equal(gomap_map_new(&m, &gomap_type_u64, &gomap_type_u64, 0), 0);
	gomap_map_stats s;
	uint64_t k = 0;
	do {
		assert_int_equal(gomap_map_put(m, &k, &k), 1);
		k++;
		assert_int_equal(gomap_map_stats_get(m, &s), 0);
	} while (!s.growing || k < 1000);
	assert_int_equal(gomap_map_freeze(m), 0);
	assert_int_equal(gomap_map_stats_get(m, &s), 0);
	assert_false(s.growing);
	assert_int_equal(gomap_map_check(m), 0);
	for (uint64_t i = 0; i < k; i++)
		assert_int_equal(gomap_map_get(m, &i, NULL), 1);
	gomap_map_free(m);
}

/* A big mapped table (over the size the map gives back piecewise) leaves
 * service through growth after unfreeze: it must be unmapped, not
 * realloc'd. */
static void test_big_table_after_unfreeze(void **state)
{
	(void)state;
	gomap_map_t *m = filled(400000);
	assert_int_equal(gomap_map_freeze(m), 0);
	assert_int_equal(gomap_map_unfreeze(m), 0);
	gomap_map_stats s;
	uint64_t k = 400000;
	bool grew = false;
	for (; k < 520000; k++) {
		assert_int_equal(gomap_map_put(m, &k, &k), 1);
		if ((k & 4095) == 0) {
			assert_int_equal(gomap_map_stats_get(m, &s), 0);
			grew |= s.growing;
		}
	}
	assert_true(grew);
	assert_int_equal(gomap_map_stats_get(m, &s), 0);
	assert_false(s.growing);
	assert_int_equal(gomap_map_len(m), 520000);
	assert_int_equal(gomap_map_check(m), 0);
	gomap_map_free(m);
}

/* ---- children that must die ----------------------------------------------------- */

typedef struct victim {
	gomap_map_t *m;
	int op;         /* 0 put, 1 delete, 2 clear, 3 shrink, 4 raw write */
	bool handler;
	uint64_t *ptr;  /* op 4 */
} victim;

static int write_child(void *arg)
{
	victim *v = arg;
	uint64_t k = 1, val = 2;
	signal(SIGSEGV, SIG_DFL); /* not cmocka's handler, inherited from the runner */
	if (v->handler && gomap_freeze_install_handler() != 0)
		return 3;
	switch (v->op) {
	case 0: gomap_map_put(v->m, &k, &val); break;
	case 1: gomap_map_delete(v->m, &k); break;
	case 2: gomap_map_clear(v->m); break;
	case 3: gomap_map_shrink(v->m); break;
	case 4: *(volatile uint64_t *)v->ptr = 12345; break;
	}
	return 0; /* survived: the test fails */
}

static void test_api_write_dies(void **state)
{
	(void)state;
	gomap_map_t *full = filled(N), *empty;
	assert_int_equal(gomap_map_new(&empty, &gomap_type_u64, &gomap_type_u64, 0), 0);
	assert_int_equal(gomap_map_freeze(full), 0);
	assert_int_equal(gomap_map_freeze(empty), 0);
	cp_result *r = malloc(sizeof *r);
	assert_non_null(r);
	for (int which = 0; which < 2; which++) {
		for (int op = 0; op < 4; op++) {
			victim v = {which ? empty : full, op, false, NULL};
			assert_int_equal(cp_run_ret(write_child, &v, 30, r), 0);
			if (!cp_aborted(r))
				fail_msg("op %d: status %d, stderr: %s", op, r->status, r->out);
			if (strncmp(r->out, "fatal error: write to frozen map\n", 33) != 0)
				fail_msg("op %d: stderr: %s", op, r->out);
		}
	}
	free(r);
	gomap_map_free(full);
	gomap_map_free(empty);
}

static void test_raw_write_faults(void **state)
{
	(void)state;
	gomap_map_t *m = filled(N);
	assert_int_equal(gomap_map_freeze(m), 0);
	uint64_t key = 1234;
	uint64_t *p = gomap_map_get_ptr(m, &key);
	assert_non_null(p);
	assert_int_equal(*p, 1234 * 3);
	cp_result *r = malloc(sizeof *r);
	assert_non_null(r);

	/* With the handler: reported with the address, then abort. */
	victim v = {m, 4, true, p};
	assert_int_equal(cp_run_ret(write_child, &v, 30, r), 0);
	if (!cp_aborted(r))
		fail_msg("status %d, stderr: %s", r->status, r->out);
	assert_non_null(strstr(r->out, "fatal error: write to frozen map\n"));
	char want[64];
	snprintf(want, sizeof want, "addr=%p ", (void *)p);
	if (!strstr(r->out, want))
		fail_msg("expected %s in: %s", want, r->out);
	snprintf(want, sizeof want, "map=%p]", (void *)m);
	if (!strstr(r->out, want))
		fail_msg("expected %s in: %s", want, r->out);

	/* Without it: a plain SIGSEGV (the memory really is read-only). The
	 * sanitizers catch SIGSEGV themselves and exit with an error. */
	v.handler = false;
	assert_int_equal(cp_run_ret(write_child, &v, 30, r), 0);
	assert_false(WIFEXITED(r->status) && WEXITSTATUS(r->status) == 0);
#if !GOMAP_TEST_SANITIZED
	assert_true(WIFSIGNALED(r->status) && WTERMSIG(r->status) == SIGSEGV);
#endif

	/* The parent's map is untouched and still readable. */
	assert_int_equal(*p, 1234 * 3);
	free(r);
	gomap_map_free(m);
}

/* Faults elsewhere still reach the previous disposition. */
static int wild_child(void *arg)
{
	(void)arg;
	signal(SIGSEGV, SIG_DFL);
	if (gomap_freeze_install_handler() != 0)
		return 3;
	volatile uintptr_t wild = 16; /* unmapped: the zero page */
	*(volatile int *)wild = 1;
	return 0;
}

static void test_handler_chains(void **state)
{
	(void)state;
	cp_result *r = malloc(sizeof *r);
	assert_non_null(r);
	assert_int_equal(cp_run_ret(wild_child, NULL, 30, r), 0);
	assert_false(WIFEXITED(r->status) && WEXITSTATUS(r->status) == 0);
	assert_null(strstr(r->out, "frozen map"));
#if !GOMAP_TEST_SANITIZED
	assert_true(WIFSIGNALED(r->status) && WTERMSIG(r->status) == SIGSEGV);
#endif
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_frozen_reads),
	    cmocka_unit_test(test_unfreeze_restores_writes),
	    cmocka_unit_test(test_freeze_during_growth),
	    cmocka_unit_test(test_big_table_after_unfreeze),
	    cmocka_unit_test(test_api_write_dies),
	    cmocka_unit_test(test_raw_write_faults),
	    cmocka_unit_test(test_handler_chains),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
