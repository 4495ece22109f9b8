/*
 * tests/map/race_demo_runner.c - runs race_demo (argv[1]) 20 times with
 * GOMAP_DEBUG=racewindow=N in its environment (read automatically on the
 * library's first use) and asserts that at least 95% of the runs die by
 * SIGABRT with "fatal error: concurrent map writes".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "childproc.h"

#define RUNS 20
#define NEEDED 19 /* 95% */

static const char *demo_path;

static void test_race_demo(void **state)
{
	(void)state;
	if (!gomap_checks_compiled())
		skip();
	cp_result *r = malloc(sizeof *r);
	int detected = 0;
	for (int i = 0; i < RUNS; i++) {
		cp_run_exec(demo_path, "racewindow=300", 120, r);
		char how[96];
		bool ok = cp_aborted(r) &&
		          strstr(r->out, "fatal error: concurrent map writes");
		detected += ok;
		print_message("run %2d: %s, %s\n", i, cp_describe(r, how, sizeof how),
		              ok ? "detected" : "NOT detected");
		if (!ok)
			fprintf(stderr, "---- run %d output ----\n%.2000s\n", i, r->out);
	}
	free(r);
	if (detected < NEEDED)
		fail_msg("only %d of %d runs detected the race", detected, RUNS);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s path/to/race_demo\n", argv[0]);
		return 2;
	}
	demo_path = argv[1];
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_race_demo)};
	return cmocka_run_group_tests_name("race_demo", tests, NULL, NULL);
}
