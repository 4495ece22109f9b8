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
 * failure, not a flake). Detection is best effort by design, so each child
 * races thousands of times with a wide window: the chance of a miss is far
 * below 1%.
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

#include "testutil.h"
#include "childproc.h"

#define NKEYS 64
#define RACEWINDOW "racewindow=400"
#define WRITES_PER_THREAD 4000
#define MAX_READ_ROUNDS 100000000

enum role { R_PUT, R_DELETE_ABSENT, R_CLEAR, R_GET, R_GET_PTR, R_ITER, R_RANGE,
	    R_CLONE };

struct race {
	gomap_map_t *m;
	pthread_barrier_t start;
	uint64_t writes;          /* per writing thread */
	atomic_int writers_left;  /* readers stop when the writers are done */
};

static bool is_writer(enum role r)
{
	return r == R_PUT || r == R_DELETE_ABSENT || r == R_CLEAR;
}

struct worker {
	struct race *race;
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

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	gomap_map_t *m = w->race->m;
	const uint64_t writes = w->race->writes;
	atomic_int *left = &w->race->writers_left;
#define READING(i) ((i) < MAX_READ_ROUNDS && atomic_load(left) > 0)
	pthread_barrier_wait(&w->race->start);
	switch (w->role) {
	case R_PUT:
		for (uint64_t i = 0; i < writes; i++) {
			uint64_t k = (i + w->salt) % NKEYS, v = i;
			(void)gomap_map_put(m, &k, &v); /* overwrite: no growth */
		}
		break;
	case R_DELETE_ABSENT:
		/* delete of an absent key is still a write (Go issue 40327) */
		for (uint64_t i = 0; i < writes; i++) {
			uint64_t k = 1000000 + i;
			(void)gomap_map_delete(m, &k);
		}
		break;
	case R_CLEAR:
		for (uint64_t i = 0; i < writes; i++)
			(void)gomap_map_clear(m);
		break;
	case R_GET:
		for (uint64_t i = 0; READING(i); i++) {
			uint64_t k = i % NKEYS, v;
			(void)gomap_map_get(m, &k, &v);
		}
		break;
	case R_GET_PTR:
		for (uint64_t i = 0; READING(i); i++) {
			uint64_t k = i % NKEYS;
			(void)gomap_map_get_ptr(m, &k);
		}
		break;
	case R_ITER:
		for (uint64_t i = 0; READING(i); i++) {
			gomap_iter it;
			gomap_map_iter_init(m, &it);
			while (gomap_map_iter_next(&it, NULL, NULL))
				;
		}
		break;
	case R_RANGE:
		for (uint64_t i = 0; READING(i); i++)
			(void)gomap_map_range(m, range_nop, NULL);
		break;
	case R_CLONE:
		for (uint64_t i = 0; READING(i); i++) {
			gomap_map_t *c = NULL;
			if (gomap_map_clone(m, &c) == 0)
				gomap_map_free(c);
		}
		break;
	}
#undef READING
	if (is_writer(w->role))
		atomic_fetch_sub(left, 1);
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

/* Race two roles on @m (created by the caller, after GOMAP_DEBUG is read),
 * @writes writes per writing thread. */
static void race_on(gomap_map_t *m, enum role a, enum role b, uint64_t writes)
{
	struct race r;
	r.m = m;
	r.writes = writes;
	atomic_init(&r.writers_left, is_writer(a) + is_writer(b));
	pthread_barrier_init(&r.start, NULL, 2);
	struct worker w[2] = {{&r, a, 0}, {&r, b, NKEYS / 2}};
	pthread_t t[2];
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, worker_main, &w[i]);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&r.start);
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
	race_on(m, ca->a, ca->b, WRITES_PER_THREAD);
	fprintf(stderr, "CHILD SURVIVED\n");
}

static void expect_fatal(enum role a, enum role b, const char *msg,
                         bool with_hook)
{
	if (!gomap_checks_compiled())
		skip();
	struct child_arg ca = {a, b, with_hook};
	cp_result *r = malloc(sizeof *r);
	cp_run_fn(child_race, &ca, RACEWINDOW, 120, r);
	char how[96], want[128];
	snprintf(want, sizeof want, "fatal error: %s", msg);
	if (!cp_aborted(r) || !strstr(r->out, want)) {
		fprintf(stderr, "---- child output ----\n%s\n---- end ----\n", r->out);
		fail_msg("roles %d/%d: child %s; wanted SIGABRT with \"%s\"", a, b,
		         cp_describe(r, how, sizeof how), want);
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

/* mapchecks=0: a write race goes unreported (the race is still a bug, and
 * a crash is possible in principle, so any exit is accepted, but not the
 * message). */
static void child_race_unchecked(void *p)
{
	(void)p;
	gomap_debug_reload();
	gomap_map_t *m = new_filled_map();
	race_on(m, R_PUT, R_PUT, 500);
	race_on(m, R_PUT, R_GET, 500);
	gomap_map_free(m);
}

static void test_mapchecks_off(void **state)
{
	(void)state;
	cp_result *r = malloc(sizeof *r);
	cp_run_fn(child_race_unchecked, NULL, "mapchecks=0,racewindow=20", 120,
	          r);
	if (strstr(r->out, "concurrent map")) {
		fprintf(stderr, "---- child output ----\n%s\n---- end ----\n", r->out);
		fail_msg("mapchecks=0 still reported misuse");
	}
	/* the keys can come in any order */
	cp_run_fn(child_race_unchecked, NULL, "racewindow=20,mapchecks=0", 120,
	          r);
	assert_null(strstr(r->out, "concurrent map"));
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
	race_on(unchecked, R_PUT, R_PUT, 200); /* unreported */
	fprintf(stderr, "UNCHECKED RACE DONE\n");
	fflush(stderr);
	fprintf(stderr, "MAP=%p\n", (void *)old);
	race_on(old, R_PUT, R_PUT, WRITES_PER_THREAD); /* reported */
	fprintf(stderr, "CHILD SURVIVED\n");
}

static void test_mapchecks_per_map(void **state)
{
	(void)state;
	if (!gomap_checks_compiled())
		skip();
	cp_result *r = malloc(sizeof *r);
	cp_run_fn(child_old_map_keeps_checks, NULL, NULL, 120, r);
	const char *done = strstr(r->out, "UNCHECKED RACE DONE");
	if (!done || !cp_aborted(r) ||
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
	    cmocka_unit_test(test_mapchecks_off),
	    cmocka_unit_test(test_mapchecks_per_map),
	    cmocka_unit_test(test_no_false_alarm),
	    cmocka_unit_test(test_debug_garbage),
	};
	return cmocka_run_group_tests_name("map_misuse", tests, NULL, NULL);
}
