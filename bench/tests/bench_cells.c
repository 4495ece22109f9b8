/*
 * bench/tests/bench_cells.c - the benchmark's cell plumbing, without timing
 * anything (every assertion is on answers, never on speed):
 *
 *  - a grow-latency cell smaller than the timer's calibration sample
 *    (K = 100 < 1000 reads) runs and reports every percentile;
 *  - the first time estimate of a cell follows its settings: more --reps
 *    cost more, --min-time is a floor for a short cell, --timeout caps a
 *    cell, a child program costs its start, and --interleave pays one
 *    start per run.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "driver.h"

static gb_cell cell_of(const char *impl, const char *workload)
{
	const gb_impl *im = gb_impl_find(impl);
	assert_non_null(im);
	const gb_workload *w = gb_workloads;
	while (w->name && strcmp(w->name, workload) != 0)
		w++;
	assert_non_null(w->name);
	gb_cell c = { .impl = im, .workload = w->name, .kind = w->kind, .keys = w->keys,
	              .K = w->K[0], .threads = 1, .ops = gb_kind_streams(w->kind) ? w->ops : w->K[0],
	              .prefill_pct = w->prefill_pct, .zipf = w->zipf, .reps = 5,
	              .min_time = 0.2, .seed = 1, .timeout = 600 };
	memcpy(c.mix, w->mix, sizeof c.mix);
	return c;
}

static void test_grow_latency_small_K(void **state)
{
	(void)state;
	gb_cell c = cell_of("map", "grow-latency");
	c.K = c.ops = 100;
	c.reps = 2;
	c.min_time = 0;
	gb_result r;
	assert_int_equal(gb_measure_cell(&c, &r), 0);
	assert_string_equal(r.impl, "map");
	assert_string_equal(r.workload, "grow-latency");
	assert_int_equal(r.K, 100);
	assert_int_equal(r.ops, 100);
	assert_true(r.median > 0 && r.min > 0 && r.min <= r.median && r.median <= r.max);
	assert_true(isnan(r.mops));
	const char *keys[] = { "p90", "p99", "p99.9", "p99.99", "p99.999", "max", "worst_max",
	                       "timer_ns", "timer_res_ns" };
	for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
		assert_true(gb_notes_get(r.notes, keys[i]) >= 0);
	assert_true(gb_notes_get(r.notes, "max") >= gb_notes_get(r.notes, "p99"));
	assert_int_equal((int)gb_notes_get(r.notes, "reps"), 2);
	assert_null(strstr(r.notes, "error="));
}

static const gb_opts defaults = { .reps = 5, .min_time = 0.2, .seed = 1, .timeout = 600 };

static void test_estimate_follows_reps(void **state)
{
	(void)state;
	gb_cell c = cell_of("sync", "count-u64");
	double five = gb_cell_estimate(&defaults, &c);
	c.reps = 11; /* twice the runs, warm-up included */
	double eleven = gb_cell_estimate(&defaults, &c);
	assert_true(five > 1.0);
	assert_true(eleven > 1.8 * five && eleven < 2.2 * five);
}

static void test_estimate_min_time_floor(void **state)
{
	(void)state;
	gb_cell c = cell_of("map", "st-hit");
	c.K = c.ops = 1024;
	c.min_time = 3;
	/* a read-only phase repeats to its share of --min-time in each of the
	 * warm-up and --reps runs */
	assert_true(gb_cell_estimate(&defaults, &c) >= 3 * 6 / 5.0);
	c = cell_of("map", "st-insert");
	c.K = c.ops = 1024;
	c.min_time = 3;
	assert_true(gb_cell_estimate(&defaults, &c) >= 3);
}

static void test_estimate_timeout_caps(void **state)
{
	(void)state;
	gb_cell c = cell_of("sync", "rapid-grow");
	double full = gb_cell_estimate(&defaults, &c);
	c.timeout = 1;
	double capped = gb_cell_estimate(&defaults, &c);
	assert_true(full > 2);
	assert_true(capped <= 1.0 + 1e-9);
	c.timeout = 0; /* never stopped */
	assert_true(gb_cell_estimate(&defaults, &c) == full);
}

static void test_estimate_process_starts(void **state)
{
	(void)state;
	gb_cell c = cell_of("map", "st-insert");
	c.K = c.ops = 1024;
	c.min_time = 0;
	double child = gb_cell_estimate(&defaults, &c);
	gb_opts here = defaults;
	here.in_process = true;
	double inproc = gb_cell_estimate(&here, &c);
	assert_true(child > inproc);
	/* Go's program (a child implementation) starts slower than ours. */
	gb_child go = { .exe = "/nonexistent" };
	gb_impl goimpl = { .name = "go-map", .flags = GB_F_CHILD, .child = &go };
	c.impl = &goimpl;
	assert_true(gb_cell_estimate(&defaults, &c) > child);
	/* --interleave: one child per timed run */
	c.impl = gb_impl_find("map");
	gb_opts ilv = defaults;
	ilv.interleave = true;
	assert_true(gb_cell_estimate(&ilv, &c) > 4 * (child - inproc));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grow_latency_small_K),
		cmocka_unit_test(test_estimate_follows_reps),
		cmocka_unit_test(test_estimate_min_time_floor),
		cmocka_unit_test(test_estimate_timeout_caps),
		cmocka_unit_test(test_estimate_process_starts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
