/*
 * tests/map/map_misuse.c - concurrent-misuse detection with Go's exact
 * messages (SEMANTICS.md §2). Each misuse runs in a forked child with
 * GOMAP_DEBUG=racewindow=N (every write spins N yields with its writing flag
 * set, so a racing access almost surely lands inside the window); the
 * parent checks the child died by SIGABRT and printed
 *   fatal error: <Go's message>
 * followed by the map's address (0x...) and the thread ids.
 *
 * The racing writers only overwrite keys that already exist, so no growth
 * happens and the map's structure stays intact while it is raced: the only
 * way for the child to die is the detector (a crash would be a test
 * failure, not a flake).
 *
 * Detection is best effort by design, so a detection test must not depend
 * on the scheduler letting two threads overlap within a fixed number of
 * calls (on a loaded machine one thread can finish before the other runs).
 * Both threads pass a start barrier, and each counts only the calls it
 * makes while the other has made its first call and not finished: both
 * keep racing until the detector stops the process, or until each has made
 * MAX_OVERLAP_S seconds of such overlapping calls. A child that survives
 * that was raced for real and not caught: a detector failure, reported
 * with the counts.
 *
 * Not built for the tsan config (see CMakeLists.txt).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "testutil.h"
#include "childproc.h"

#define NKEYS 64
#define RACEWINDOW "racewindow=400"
#define MAX_OVERLAP_S 30.0 /* per child; the child's alarm is 120 s */

enum role { R_PUT, R_DELETE_ABSENT, R_CLEAR, R_GET, R_GET_PTR, R_ITER, R_RANGE,
	    R_CLONE };

struct race {
	gomap_map_t *m;
	pthread_barrier_t start;
	atomic_int begun[2];    /* thread i has made its first call */
	atomic_int finished[2]; /* thread i has stopped calling */
	uint64_t max_overlap;   /* per thread: overlapping calls to make */
	double max_seconds;     /* per thread: or this long, from its first */
	uint64_t overlapped[2]; /* out: overlapping calls each made */
};

struct worker {
	struct race *race;
	int me;
	enum role role;
	uint64_t salt;
};

static bool range_nop(const void *k, void *v, void *ctx)
{
	(void)k;
	(void)v;
	(void)ctx;
	return true;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One call of @role on @m (the i-th of this thread). */
static void one_call(gomap_map_t *m, enum role role, uint64_t i, uint64_t salt)
{
	switch (role) {
	case R_PUT: {
		uint64_t k = (i + salt) % NKEYS, v = i;
		(void)gomap_map_put(m, &k, &v); /* overwrite: no growth */
		break;
	}
	case R_DELETE_ABSENT: {
		/* delete of an absent key is still a write (Go issue 40327) */
		uint64_t k = 1000000 + i;
		(void)gomap_map_delete(m, &k);
		break;
	}
	case R_CLEAR:
		(void)gomap_map_clear(m);
		break;
	case R_GET: {
		uint64_t k = i % NKEYS, v;
		(void)gomap_map_get(m, &k, &v);
		break;
	}
	case R_GET_PTR: {
		uint64_t k = i % NKEYS;
		(void)gomap_map_get_ptr(m, &k);
		break;
	}
	case R_ITER: {
		gomap_iter it;
		gomap_map_iter_init(m, &it);
		while (gomap_map_iter_next(&it, NULL, NULL))
			;
		break;
	}
	case R_RANGE:
		(void)gomap_map_range(m, range_nop, NULL);
		break;
	case R_CLONE: {
		gomap_map_t *c = NULL;
		if (gomap_map_clone(m, &c) == 0)
			gomap_map_free(c);
		break;
	}
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct race *r = w->race;
	const int other = 1 - w->me;
	uint64_t overlapped = 0;
	double deadline = 0;
	pthread_barrier_wait(&r->start);
	for (uint64_t i = 0;; i++) {
		one_call(r->m, w->role, i, w->salt);
		if (i == 0)
			atomic_store(&r->begun[w->me], 1);
		if (atomic_load(&r->finished[other]))
			break; /* no overlap possible any more */
		if (!atomic_load(&r->begun[other]))
			continue; /* the other thread has not run yet: not a race */
		if (overlapped++ == 0)
			deadline = now_s() + r->max_seconds;
		if (overlapped >= r->max_overlap)
			break;
		if ((overlapped & 63) == 0 && now_s() > deadline)
			break;
	}
	r->overlapped[w->me] = overlapped;
	atomic_store(&r->finished[w->me], 1);
	return NULL;
}

static gomap_map_t *new_filled_map(void)
{
	gomap_map_t *m = NULL;
	if (gomap_map_new(&m, &gomap_type_u64, &gomap_type_u64, NKEYS) != 0)
		abort();
	for (uint64_t k = 0; k < NKEYS; k++)
		(void)gomap_map_put(m, &k, &k);
	return m;
}

/* Race roles @a and @b on @m (created by the caller, after GOMAP_DEBUG is
 * read) until one thread made @max_overlap calls while the other was
 * running (had made its first call and not stopped), or made them for
 * @max_seconds; the other stops with it. Returns the larger count, and
 * each thread's in @each (may be NULL). */
static uint64_t race_on(gomap_map_t *m, enum role a, enum role b, uint64_t max_overlap,
                        double max_seconds, uint64_t each[2])
{
	struct race r;
	memset(&r, 0, sizeof r);
	r.m = m;
	r.max_overlap = max_overlap;
	r.max_seconds = max_seconds;
	for (int i = 0; i < 2; i++) {
		atomic_init(&r.begun[i], 0);
		atomic_init(&r.finished[i], 0);
	}
	pthread_barrier_init(&r.start, NULL, 2);
	struct worker w[2] = {{&r, 0, a, 0}, {&r, 1, b, NKEYS / 2}};
	pthread_t t[2];
	for (int i = 0; i < 2; i++)
		if (pthread_create(&t[i], NULL, worker_main, &w[i]) != 0)
			abort();
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&r.start);
	if (each) {
		each[0] = r.overlapped[0];
		each[1] = r.overlapped[1];
	}
	return r.overlapped[0] > r.overlapped[1] ? r.overlapped[0] : r.overlapped[1];
}

/* Until detection (or MAX_OVERLAP_S of overlapping calls). */
static void race_until_detected(gomap_map_t *m, enum role a, enum role b)
{
	uint64_t each[2];
	(void)race_on(m, a, b, UINT64_MAX, MAX_OVERLAP_S, each);
	fprintf(stderr, "CHILD SURVIVED: %llu and %llu overlapping calls, no report\n",
	        (unsigned long long)each[0], (unsigned long long)each[1]);
}

/* The fatal hook: record what it was called with, on stderr. */
static void hook(const char *msg, const void *map, void *ctx)
{
	fprintf(stderr, "\nHOOK msg=[%s] map=%p ctx=%p\n", msg, map, ctx);
	fflush(stderr);
}

struct child_arg {
	enum role a, b;
	bool with_hook;
};

static void child_race(void *p)
{
	struct child_arg *ca = p;
	gomap_debug_reload(); /* GOMAP_DEBUG was set after the library's first
	                         use in this process (the parent's) */
	if (ca->with_hook)
		gomap_set_fatal_hook(hook, (void *)(uintptr_t)0x5eed);
	gomap_map_t *m = new_filled_map();
	fprintf(stderr, "MAP=%p\n", (void *)m);
	fflush(stderr);
	race_until_detected(m, ca->a, ca->b);
}

/* Race @a against @b in a child with GOMAP_DEBUG=@debug; expect Go's @msg. */
static void expect_fatal_with(enum role a, enum role b, const char *msg,
                              bool with_hook, const char *debug)
{
	if (!gomap_checks_compiled())
		skip();
	struct child_arg ca = {a, b, with_hook};
	cp_result *r = malloc(sizeof *r);
	cp_run_fn(child_race, &ca, debug, 120, r);
	char how[96], want[128];
	snprintf(want, sizeof want, "fatal error: %s", msg);
	if (!cp_aborted(r) || !strstr(r->out, want)) {
		fprintf(stderr, "---- child output ----\n%s\n---- end ----\n", r->out);
		fail_msg("roles %d/%d, GOMAP_DEBUG=%s: child %s; wanted SIGABRT with \"%s\"",
		         a, b, debug, cp_describe(r, how, sizeof how), want);
	}
	/* Go's text alone on its line */
	const char *at = strstr(r->out, want);
	assert_true(at == r->out || at[-1] == '\n');
	const char *after = at + strlen(want);
	assert_true(*after == '\n' || *after == '\r' || *after == '\0');
	/* then the map's address and the thread ids */
	assert_non_null(strstr(after, "0x"));
	assert_non_null(strstr(after, "thread"));
	const char *mp = strstr(r->out, "MAP=");
	assert_non_null(mp);
	char maddr[32] = "";
	sscanf(mp + 4, "%31s", maddr);
	if (strncmp(maddr, "0x", 2) == 0) /* this map's address */
		assert_non_null(strcasestr(after, maddr + 2));
	assert_null(strstr(r->out, "CHILD SURVIVED"));
	if (with_hook) {
		/* the hook ran, with Go's text (no prefix), the map and ctx,
		 * and the abort still happened */
		char hk[256];
		snprintf(hk, sizeof hk, "HOOK msg=[%s] map=%s ctx=0x5eed", msg,
		         maddr);
		if (!strstr(r->out, hk)) {
			fprintf(stderr, "---- child output ----\n%s\n---- end ----\n",
			        r->out);
			fail_msg("fatal hook not called as \"%s\"", hk);
		}
	}
	free(r);
}

static void expect_fatal(enum role a, enum role b, const char *msg,
                         bool with_hook)
{
	expect_fatal_with(a, b, msg, with_hook, RACEWINDOW);
}

static void test_writes_put_put(void **state)
{
	(void)state;
	expect_fatal(R_PUT, R_PUT, "concurrent map writes", false);
}

static void test_writes_put_delete(void **state)
{
	(void)state;
	expect_fatal(R_PUT, R_DELETE_ABSENT, "concurrent map writes", false);
}

static void test_writes_put_clear(void **state)
{
	(void)state;
	/* two threads clearing: clear is a write like any other (on a map
	 * that is soon empty, so nothing is freed under the other thread) */
	expect_fatal(R_CLEAR, R_CLEAR, "concurrent map writes", false);
}

static void test_read_write(void **state)
{
	(void)state;
	expect_fatal(R_PUT, R_GET, "concurrent map read and map write", false);
}

static void test_read_ptr_write(void **state)
{
	(void)state;
	expect_fatal(R_PUT, R_GET_PTR, "concurrent map read and map write",
	             false);
}

static void test_iteration_write(void **state)
{
	(void)state;
	expect_fatal(R_PUT, R_ITER, "concurrent map iteration and map write",
	             false);
}

static void test_range_write(void **state)
{
	(void)state;
	expect_fatal(R_PUT, R_RANGE, "concurrent map iteration and map write",
	             false);
}

static void test_clone_write(void **state)
{
	(void)state;
	expect_fatal(R_PUT, R_CLONE, "concurrent map clone and map write",
	             false);
}

static void test_fatal_hook(void **state)
{
	(void)state;
	expect_fatal(R_PUT, R_PUT, "concurrent map writes", true);
	expect_fatal(R_PUT, R_GET, "concurrent map read and map write", true);
}

/* mapchecks takes the usual boolean spellings: "on" must turn detection
 * on, not off (it once went through strtol and read as 0). */
static void test_mapchecks_on_spelling(void **state)
{
	(void)state;
	expect_fatal_with(R_PUT, R_PUT, "concurrent map writes", false,
	                  "mapchecks=on," RACEWINDOW);
	expect_fatal_with(R_PUT, R_GET, "concurrent map read and map write",
	                  false, "mapchecks=0,mapchecks=TRUE," RACEWINDOW);
}

/* mapchecks=0: a write race goes unreported (the race is still a bug, and
 * a crash is possible in principle, so any exit is accepted, but not the
 * message). */
static void child_race_unchecked(void *p)
{
	(void)p;
	gomap_debug_reload();
	gomap_map_t *m = new_filled_map();
	/* real races: 500 calls while the other thread runs */
	if (race_on(m, R_PUT, R_PUT, 500, MAX_OVERLAP_S, NULL) < 500 ||
	    race_on(m, R_PUT, R_GET, 500, MAX_OVERLAP_S, NULL) < 500)
		fprintf(stderr, "RACE TOO SHORT\n");
	gomap_map_free(m);
	fprintf(stderr, "UNCHECKED DONE\n");
}

static void test_mapchecks_off(void **state)
{
	(void)state;
	cp_result *r = malloc(sizeof *r);
	cp_run_fn(child_race_unchecked, NULL, "mapchecks=0,racewindow=20", 120,
	          r);
	if (strstr(r->out, "concurrent map") || !strstr(r->out, "UNCHECKED DONE") ||
	    strstr(r->out, "RACE TOO SHORT")) {
		fprintf(stderr, "---- child output ----\n%s\n---- end ----\n", r->out);
		fail_msg("mapchecks=0: misuse reported, or the child did not race");
	}
	/* the keys can come in any order, and any boolean spelling works */
	cp_run_fn(child_race_unchecked, NULL, "racewindow=20,mapchecks=off", 120,
	          r);
	assert_null(strstr(r->out, "concurrent map"));
	assert_non_null(strstr(r->out, "UNCHECKED DONE"));
	assert_null(strstr(r->out, "RACE TOO SHORT"));
	free(r);
}

/* mapchecks=0 applies to maps created after the reload: an older map keeps
 * its checks. */
static void child_old_map_keeps_checks(void *p)
{
	(void)p;
	setenv("GOMAP_DEBUG", RACEWINDOW, 1);
	gomap_debug_reload();
	gomap_map_t *old = new_filled_map();
	setenv("GOMAP_DEBUG", "mapchecks=0," RACEWINDOW, 1);
	gomap_debug_reload();
	gomap_map_t *unchecked = new_filled_map();
	if (race_on(unchecked, R_PUT, R_PUT, 200, MAX_OVERLAP_S, NULL) < 200)
		fprintf(stderr, "RACE TOO SHORT\n"); /* unreported */
	fprintf(stderr, "UNCHECKED RACE DONE\n");
	fflush(stderr);
	fprintf(stderr, "MAP=%p\n", (void *)old);
	race_until_detected(old, R_PUT, R_PUT); /* reported */
}

static void test_mapchecks_per_map(void **state)
{
	(void)state;
	if (!gomap_checks_compiled())
		skip();
	cp_result *r = malloc(sizeof *r);
	cp_run_fn(child_old_map_keeps_checks, NULL, NULL, 120, r);
	const char *done = strstr(r->out, "UNCHECKED RACE DONE");
	if (!done || !cp_aborted(r) || strstr(r->out, "RACE TOO SHORT") ||
	    !strstr(done, "fatal error: concurrent map writes")) {
		char how[96];
		fprintf(stderr, "---- child output ----\n%s\n---- end ----\n", r->out);
		fail_msg("child %s", cp_describe(r, how, sizeof how));
	}
	free(r);
}

/* No false alarms: one thread mixing every call, iterations with writes
 * from the same thread, and readers only on several threads, all with the
 * race window on. */
struct reader_arg {
	gomap_map_t *m;
	pthread_barrier_t *b;
};

static void *reader_main(void *p)
{
	struct reader_arg *ra = p;
	pthread_barrier_wait(ra->b);
	for (uint64_t i = 0; i < 3000; i++) {
		uint64_t k = i % (NKEYS * 2), v;
		(void)gomap_map_get(ra->m, &k, &v);
		(void)gomap_map_get_ptr(ra->m, &k);
		(void)gomap_map_len(ra->m);
		if (i % 100 == 0) {
			gomap_iter it;
			gomap_map_iter_init(ra->m, &it);
			while (gomap_map_iter_next(&it, NULL, NULL))
				;
			gomap_map_t *c = NULL;
			if (gomap_map_clone(ra->m, &c) == 0)
				gomap_map_free(c);
			(void)gomap_map_range(ra->m, range_nop, NULL);
		}
	}
	return NULL;
}

static void child_no_false_alarm(void *p)
{
	(void)p;
	gomap_debug_reload();
	gomap_map_t *m = new_filled_map();
	/* one thread: writes inside its own iteration are legal */
	for (uint64_t round = 0; round < 20; round++) {
		gomap_iter it;
		const void *kp;
		gomap_map_iter_init(m, &it);
		uint64_t n = 0;
		while (gomap_map_iter_next(&it, &kp, NULL)) {
			uint64_t k = *(const uint64_t *)kp, nk = k + 1000 * (round + 1);
			(void)gomap_map_put(m, &k, &n);
			if (n++ % 3 == 0) {
				(void)gomap_map_put(m, &nk, &n);
				(void)gomap_map_delete(m, &nk);
			}
		}
	}
	/* several readers at once */
	enum { NR = 4 };
	pthread_barrier_t b;
	pthread_barrier_init(&b, NULL, NR);
	pthread_t t[NR];
	struct reader_arg ra = {m, &b};
	for (int i = 0; i < NR; i++)
		pthread_create(&t[i], NULL, reader_main, &ra);
	for (int i = 0; i < NR; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&b);
	gomap_map_free(m);
	fprintf(stderr, "CLEAN EXIT\n");
}

static void test_no_false_alarm(void **state)
{
	(void)state;
	cp_result *r = malloc(sizeof *r);
	cp_run_fn(child_no_false_alarm, NULL, "racewindow=3", 120, r);
	char how[96];
	if (!WIFEXITED(r->status) || WEXITSTATUS(r->status) != 0 ||
	    !strstr(r->out, "CLEAN EXIT")) {
		fprintf(stderr, "---- child output ----\n%s\n---- end ----\n", r->out);
		fail_msg("legal use was reported: child %s",
		         cp_describe(r, how, sizeof how));
	}
	free(r);
}

/* Malformed GOMAP_DEBUG values never crash or misreport: each is parsed,
 * then the map is used normally (single-threaded: nothing to report). */
static void child_debug_garbage(void *p)
{
	(void)p;
	static const char *const vals[] = {
	    "", ",", ",,,", "=", "racewindow", "racewindow=", "racewindow=-5",
	    "racewindow=abc", "racewindow=1e3", "mapchecks=",
	    "mapchecks=yes", "unknown=1", "=1,=2", "mapchecks=0,mapchecks=1",
	    "racewindow=1,racewindow=2,", "  racewindow = 3 "};
	for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
		setenv("GOMAP_DEBUG", vals[i], 1);
		gomap_debug_reload();
		gomap_map_t *m = new_filled_map();
		for (uint64_t k = 0; k < 200; k++) {
			(void)gomap_map_put(m, &k, &k);
			(void)gomap_map_delete(m, &k);
		}
		gomap_map_free(m);
	}
	unsetenv("GOMAP_DEBUG");
	gomap_debug_reload();
	fprintf(stderr, "CLEAN EXIT\n");
}

static void test_debug_garbage(void **state)
{
	(void)state;
	cp_result *r = malloc(sizeof *r);
	cp_run_fn(child_debug_garbage, NULL, NULL, 120, r);
	char how[96];
	if (!WIFEXITED(r->status) || WEXITSTATUS(r->status) != 0 ||
	    !strstr(r->out, "CLEAN EXIT")) {
		fprintf(stderr, "---- child output ----\n%s\n---- end ----\n", r->out);
		fail_msg("malformed GOMAP_DEBUG: child %s",
		         cp_describe(r, how, sizeof how));
	}
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_writes_put_put),
	    cmocka_unit_test(test_writes_put_delete),
	    cmocka_unit_test(test_writes_put_clear),
	    cmocka_unit_test(test_read_write),
	    cmocka_unit_test(test_read_ptr_write),
	    cmocka_unit_test(test_iteration_write),
	    cmocka_unit_test(test_range_write),
	    cmocka_unit_test(test_clone_write),
	    cmocka_unit_test(test_fatal_hook),
	    cmocka_unit_test(test_mapchecks_on_spelling),
	    cmocka_unit_test(test_mapchecks_off),
	    cmocka_unit_test(test_mapchecks_per_map),
	    cmocka_unit_test(test_no_false_alarm),
	    cmocka_unit_test(test_debug_garbage),
	};
	return cmocka_run_group_tests_name("map_misuse", tests, NULL, NULL);
}
