/*
 * tests/diag/test_debug_env.c - GOMAP_DEBUG parsing (gomap_debug_reload):
 * the usual boolean spellings, whole numbers in range, and exactly one
 * warning on stderr for each item that is not understood, which then keeps
 * the setting it would have changed.
 *
 * Each case runs in a forked child (the warnings go to file descriptor 2),
 * which prints the resulting settings, read from the library's own
 * variables (white box: src/internal/util.h), after a marker line.
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
#include "internal/util.h"

#define WARN "gomap: GOMAP_DEBUG: "

typedef struct outcome {
	int mapchecks, racewindow;
	int warnings;      /* lines starting with WARN */
	char text[CP_OUT_MAX + 1]; /* everything the child wrote to stderr */
} outcome;

static int child_parse(void *arg)
{
	const char *env = arg;
	if (env)
		setenv("GOMAP_DEBUG", env, 1);
	else
		unsetenv("GOMAP_DEBUG");
	gomap_debug_reload();
	fprintf(stderr, "RESULT mapchecks=%d racewindow=%d\n", gomap__mapchecks, gomap__racewindow);
	fflush(stderr);
	return 0;
}

static void parse(const char *env, outcome *o)
{
	cp_result *r = malloc(sizeof *r);
	assert_non_null(r);
	assert_int_equal(cp_run_ret(child_parse, (void *)env, 30, r), 0);
	if (!WIFEXITED(r->status) || WEXITSTATUS(r->status) != 0)
		fail_msg("GOMAP_DEBUG=\"%s\": child status 0x%x: %s", env ? env : "(unset)", r->status, r->out);
	snprintf(o->text, sizeof o->text, "%s", r->out);
	const char *res = strstr(r->out, "RESULT ");
	assert_non_null(res);
	assert_int_equal(sscanf(res, "RESULT mapchecks=%d racewindow=%d", &o->mapchecks, &o->racewindow), 2);
	o->warnings = 0;
	for (const char *p = r->out; (p = strstr(p, WARN)) != NULL; p++) {
		assert_true(p == r->out || p[-1] == '\n'); /* whole lines */
		o->warnings++;
	}
	free(r);
}

static void expect(const char *env, int mapchecks, int racewindow, int warnings, const char *needle)
{
	outcome *o = malloc(sizeof *o);
	assert_non_null(o);
	parse(env, o);
	if (o->mapchecks != mapchecks || o->racewindow != racewindow || o->warnings != warnings ||
	    (needle && !strstr(o->text, needle)))
		fail_msg("GOMAP_DEBUG=\"%.200s\": got mapchecks=%d racewindow=%d and %d warning(s), want %d %d %d%s%s\n"
		         "stderr:\n%s",
		         env ? env : "(unset)", o->mapchecks, o->racewindow, o->warnings, mapchecks, racewindow,
		         warnings, needle ? " with " : "", needle ? needle : "", o->text);
	free(o);
}

/* Go's boolean spellings and their usual friends, case-insensitive. */
static void test_debug_env_booleans(void **state)
{
	(void)state;
	static const char *const on[] = {"1", "on", "ON", "On", "true", "TRUE", "True", "yes", "YES", "Yes"};
	static const char *const off[] = {"0", "off", "OFF", "false", "False", "no", "NO"};
	char env[64];
	for (size_t i = 0; i < sizeof on / sizeof *on; i++) {
		/* off first, so that the value under test must turn it on */
		snprintf(env, sizeof env, "mapchecks=0,mapchecks=%s", on[i]);
		expect(env, 1, 0, 0, NULL);
		snprintf(env, sizeof env, "mapchecks=%s", on[i]);
		expect(env, 1, 0, 0, NULL);
	}
	for (size_t i = 0; i < sizeof off / sizeof *off; i++) {
		snprintf(env, sizeof env, "mapchecks=%s", off[i]);
		expect(env, 0, 0, 0, NULL);
	}
}

static void test_debug_env_numbers(void **state)
{
	(void)state;
	expect(NULL, 1, 0, 0, NULL);
	expect("", 1, 0, 0, NULL);
	expect("racewindow=0", 1, 0, 0, NULL);
	expect("racewindow=15", 1, 15, 0, NULL);
	expect("racewindow=100000000", 1, 100000000, 0, NULL);
	expect("racewindow=2000,mapchecks=off", 0, 2000, 0, NULL);
	expect("mapchecks=on,racewindow=7", 1, 7, 0, NULL);
	expect("racewindow=1,racewindow=2", 1, 2, 0, NULL); /* the last one wins */
	expect(" racewindow = 3 , mapchecks = no ", 0, 3, 0, NULL); /* blanks around */
	expect(",,racewindow=4,,", 1, 4, 0, NULL);                   /* empty items */
}

/* One warning per item not understood; that item changes nothing. */
static void test_debug_env_warnings(void **state)
{
	(void)state;
	expect("mapchecks=maybe", 1, 0, 1, WARN "mapchecks=\"maybe\"");
	expect("mapchecks=0,mapchecks=maybe", 0, 0, 1, "keeping mapchecks=0");
	expect("mapchecks=", 1, 0, 1, WARN "mapchecks=\"\"");
	expect("mapchecks=2", 1, 0, 1, WARN "mapchecks=\"2\"");
	expect("mapchecks=onn", 1, 0, 1, NULL);
	expect("mapchecks=y", 1, 0, 1, NULL); /* only the spellings listed */
	expect("mapchecks=0,mapchecks= 1x", 0, 0, 1, NULL);
	expect("racewindow=abc", 1, 0, 1, WARN "racewindow=\"abc\"");
	expect("racewindow=-5", 1, 0, 1, "keeping racewindow=0");
	expect("racewindow=1e3", 1, 0, 1, NULL);
	expect("racewindow=100000001", 1, 0, 1, NULL);
	expect("racewindow=99999999999999999999999", 1, 0, 1, NULL);
	expect("racewindow=10,racewindow=x", 1, 10, 1, "keeping racewindow=10");
	expect("unknown=1", 1, 0, 1, WARN "unknown setting \"unknown\"");
	expect("mapcheck=0", 1, 0, 1, "unknown setting \"mapcheck\"");
	expect("racewindow", 1, 0, 1, WARN "\"racewindow\" has no value");
	expect("=1", 1, 0, 1, NULL);
	expect("=", 1, 0, 1, NULL);
	/* two bad items, two warnings; the good one still applies */
	expect("bogus=1,racewindow=9,mapchecks=sure", 1, 9, 2, NULL);
	/* the value's text is shown cut short, never overrun */
	char big[1200];
	memset(big, 'x', sizeof big);
	memcpy(big, "mapchecks=", 10);
	big[sizeof big - 1] = '\0';
	expect(big, 1, 0, 1, NULL);
}

/* A longer GOMAP_DEBUG than any internal buffer is still read whole. */
static void test_debug_env_long(void **state)
{
	(void)state;
	char env[4096];
	size_t n = 0;
	while (n + 20 < sizeof env - 40)
		n += (size_t)snprintf(env + n, sizeof env - n, "racewindow=1,");
	snprintf(env + n, sizeof env - n, "mapchecks=off,racewindow=33");
	expect(env, 0, 33, 0, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_debug_env_booleans),
	    cmocka_unit_test(test_debug_env_numbers),
	    cmocka_unit_test(test_debug_env_warnings),
	    cmocka_unit_test(test_debug_env_long),
	};
	return cmocka_run_group_tests_name("diag_debug_env", tests, NULL, NULL);
}
