/*
 * tests/diag/test_trace.c - the tracer: a multi-threaded workload with
 * growth, lock waits, grace periods and chan batches (the last two emitted
 * through the probe macros, as the sync and chan maps do) is traced; the
 * file must be valid JSON in Chrome's Trace Event format, hold every event
 * kind, and keep each track's timestamps non-decreasing. Also: the
 * GOMAP_TRACE environment variable, the flush on a misuse report, the
 * summary, and the start/stop contract.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gomap/diag.h>

#include "childproc.h"
#include "trace_summary.h"
#include "internal/probes.h"
#include "json_check.h"

#if GOMAP_TEST_SANITIZED
enum { THREADS = 3, KEYS = 3000, SHARED_OPS = 200 };
#else
enum { THREADS = 4, KEYS = 20000, SHARED_OPS = 1000 };
#endif

static pthread_mutex_t shared_lock = PTHREAD_MUTEX_INITIALIZER;
static gomap_map_t *shared;
static char trace_dir[64];

static void path_in_dir(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s/%s", trace_dir, name);
}

/* Lock the shared mutex, reporting the wait like the mutex map does. */
static void shared_lock_timed(const char *site)
{
	if (pthread_mutex_trylock(&shared_lock) == 0)
		return;
	uint64_t t0 = GOMAP_PROBE_CLOCK();
	pthread_mutex_lock(&shared_lock);
	if (t0)
		GOMAP_PROBE_LOCK_WAIT(shared, site, gomap__probe_now() - t0);
}

static void *worker(void *arg)
{
	uint64_t base = (uint64_t)(uintptr_t)arg * 1000000u;
	gomap_map_t *m;
	if (gomap_map_new(&m, &gomap_type_u64, &gomap_type_u64, 0))
		return (void *)1;
	uintptr_t bad = 0;
	for (uint64_t i = 0; i < KEYS; i++) {
		uint64_t k = base + i, v = i;
		bad |= gomap_map_put(m, &k, &v) != 1;
	}
	for (uint64_t i = 0; i < KEYS; i++) {
		uint64_t k = base + i, v = 0;
		bad |= gomap_map_get(m, &k, &v) != 1 || v != i;
	}
	for (uint64_t i = 0; i < KEYS; i += 2) {
		uint64_t k = base + i;
		bad |= gomap_map_delete(m, &k) != 1;
	}
	bad |= gomap_map_len(m) != KEYS / 2;
	gomap_map_free(m);
	for (uint64_t i = 0; i < SHARED_OPS; i++) {
		uint64_t k = base + i, v = i;
		shared_lock_timed("test.shared_put");
		bad |= gomap_map_put(shared, &k, &v) != 1;
		pthread_mutex_unlock(&shared_lock);
	}
	GOMAP_PROBE_GRACE_PERIOD(shared, 1500);
	GOMAP_PROBE_CHAN_BATCH(shared, (size_t)(uintptr_t)arg + 1);
	return (void *)bad;
}

static atomic_int waiter_blocked;

/* Finds the lock taken (the main thread holds it until this thread says
 * so), so one lock wait surely happens. */
static void *waiter(void *arg)
{
	(void)arg;
	if (pthread_mutex_trylock(&shared_lock) == 0) {
		pthread_mutex_unlock(&shared_lock);
		return (void *)1;
	}
	uint64_t t0 = GOMAP_PROBE_CLOCK();
	atomic_store(&waiter_blocked, 1);
	pthread_mutex_lock(&shared_lock);
	if (t0)
		GOMAP_PROBE_LOCK_WAIT(shared, "test.blocked", gomap__probe_now() - t0);
	pthread_mutex_unlock(&shared_lock);
	return NULL;
}

/* The workload: threads with their own growing maps, a shared map behind a
 * mutex, and one lock wait that surely happens. Returns 0 when correct. */
static int workload(void)
{
	if (gomap_map_new(&shared, &gomap_type_u64, &gomap_type_u64, 0))
		return 1;
	pthread_t w;
	void *wr;
	atomic_store(&waiter_blocked, 0);
	pthread_mutex_lock(&shared_lock);
	if (pthread_create(&w, NULL, waiter, NULL))
		return 1;
	struct timespec ms = {0, 1000000};
	while (!atomic_load(&waiter_blocked))
		nanosleep(&ms, NULL);
	nanosleep(&ms, NULL);
	pthread_mutex_unlock(&shared_lock);
	pthread_join(w, &wr);
	if (wr)
		return 1;

	pthread_t t[THREADS];
	for (uintptr_t i = 0; i < THREADS; i++)
		if (pthread_create(&t[i], NULL, worker, (void *)i))
			return 1;
	uintptr_t bad = 0;
	for (int i = 0; i < THREADS; i++) {
		void *r;
		pthread_join(t[i], &r);
		bad |= (uintptr_t)r;
	}
	bad |= gomap_map_len(shared) != (size_t)THREADS * SHARED_OPS;
	gomap_map_free(shared);
	shared = NULL;
	return bad != 0;
}

/* ---- trace validation ---------------------------------------------------------- */

typedef struct trace_facts {
	size_t events, ops, lock_waits, grace, chan, grow_b, grow_e, evacuate, misuse, meta;
	bool site_blocked, misuse_writes;
} trace_facts;

typedef struct track {
	double tid, last_ts;
	long open;
} track;

/* Check the file at @path; fails the test on any violation. */
static void check_trace(const char *path, trace_facts *f)
{
	memset(f, 0, sizeof *f);
	size_t len = 0;
	char *text = jv_read_file(path, &len);
	assert_non_null(text);
	const char *err = NULL;
	size_t off = 0;
	jv *doc = jv_parse(text, len, &err, &off);
	if (!doc)
		fail_msg("%s: invalid JSON at byte %zu: %s", path, off, err);
	const jv *evs = jv_get(doc, "traceEvents");
	assert_non_null(evs);
	assert_int_equal(evs->kind, JV_ARR);
	const jv *other = jv_get(doc, "otherData");
	assert_non_null(other);
	assert_non_null(jv_get(other, "dropped_events"));

	track *tracks = calloc(evs->n + 1, sizeof *tracks);
	size_t ntracks = 0;
	assert_non_null(tracks);
	for (size_t i = 0; i < evs->n; i++) {
		const jv *e = evs->items[i];
		assert_int_equal(e->kind, JV_OBJ);
		const jv *ph = jv_get(e, "ph"), *name = jv_get(e, "name"), *pid = jv_get(e, "pid"),
		         *tid = jv_get(e, "tid"), *ts = jv_get(e, "ts"), *cat = jv_get(e, "cat");
		assert_true(ph && ph->kind == JV_STR && strlen(ph->str) == 1);
		assert_true(name && name->kind == JV_STR);
		assert_true(pid && pid->kind == JV_NUM && pid->num > 0);
		assert_true(tid && tid->kind == JV_NUM);
		assert_true(ts && ts->kind == JV_NUM && ts->num >= 0);
		char p = ph->str[0];
		assert_non_null(strchr("XBEiCM", p));
		if (p == 'M') {
			f->meta++;
			continue;
		}
		f->events++;
		assert_true(cat && cat->kind == JV_STR);
		if (p == 'X') {
			const jv *dur = jv_get(e, "dur");
			assert_true(dur && dur->kind == JV_NUM && dur->num >= 0);
		}
		if (p == 'C') {
			const jv *args = jv_get(e, "args");
			assert_true(args && args->kind == JV_OBJ && args->n >= 1 && args->items[0]->kind == JV_NUM);
		}
		/* Per track: non-decreasing time, balanced B/E. */
		size_t k;
		for (k = 0; k < ntracks; k++)
			if (tracks[k].tid == tid->num)
				break;
		if (k == ntracks) {
			tracks[ntracks++] = (track){tid->num, 0, 0};
		}
		if (ts->num < tracks[k].last_ts)
			fail_msg("tid %.0f: ts %.3f after %.3f (event %zu)", tid->num, ts->num, tracks[k].last_ts, i);
		tracks[k].last_ts = ts->num;
		if (p == 'B')
			tracks[k].open++;
		if (p == 'E')
			assert_true(--tracks[k].open >= 0);

		const char *c = cat->str;
		if (!strcmp(c, "op"))
			f->ops++;
		else if (!strcmp(c, "lock_wait")) {
			assert_int_equal(p, 'X');
			f->lock_waits++;
			const jv *site = jv_get(jv_get(e, "args"), "site");
			assert_true(site && site->kind == JV_STR);
			if (!strcmp(site->str, "test.blocked"))
				f->site_blocked = true;
		} else if (!strcmp(c, "grace_period"))
			f->grace++;
		else if (!strcmp(c, "chan_batch"))
			f->chan++;
		else if (!strcmp(c, "growth"))
			p == 'B' ? f->grow_b++ : p == 'E' ? f->grow_e++ : f->evacuate++;
		else if (!strcmp(c, "misuse")) {
			f->misuse++;
			if (!strcmp(name->str, "concurrent map writes"))
				f->misuse_writes = true;
		} else
			fail_msg("unknown category %s", c);
	}
	free(tracks);
	jv_free(doc);
	free(text);
}

static void expect_all_kinds(const trace_facts *f)
{
	assert_true(f->ops > 0);
	assert_true(f->lock_waits > 0);
	assert_true(f->site_blocked);
	assert_true(f->grace >= THREADS);
	assert_true(f->chan >= THREADS);
	assert_true(f->grow_b > 0);
	assert_true(f->grow_e > 0);
	assert_true(f->evacuate > 0);
	assert_true(f->meta > 0);
}

/* ---- tests ------------------------------------------------------------------------ */

/* The summary `gomap trace` prints for the trace at @path (its reader,
 * tools/trace_summary.c, is compiled into this test). */
static char *summarize(const char *path)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	assert_non_null(out);
	assert_int_equal(gomap_tool_trace_summary(path, out), 0);
	assert_int_equal(fclose(out), 0);
	assert_non_null(text);
	assert_true(len > 0);
	return text;
}

static void test_trace_api(void **state)
{
	(void)state;
	char path[128];
	path_in_dir(path, sizeof path, "api.json");
	if (!gomap_tracing_compiled()) {
		assert_int_equal(gomap_trace_start(path, 1), GOMAP_ENOTSUP);
		skip();
	}
	assert_int_equal(gomap_trace_start(NULL, 1), GOMAP_EINVAL);
	/* the OS's reason is left in errno */
	errno = 0;
	assert_int_equal(gomap_trace_start("/nonexistent-dir/x.json", 1), GOMAP_EINVAL);
	assert_int_equal(errno, ENOENT);
	errno = 0;
	assert_int_equal(gomap_trace_start("/", 1), GOMAP_EINVAL);
	assert_int_equal(errno, EISDIR);
	assert_false(gomap_trace_running());
	/* a write error shows at stop: the trace ends, errno says why */
	assert_int_equal(gomap_trace_start("/dev/full", 1), 0);
	assert_true(gomap_trace_running());
	errno = 0;
	assert_int_equal(gomap_trace_stop(), GOMAP_EINVAL);
	assert_int_equal(errno, ENOSPC);
	assert_false(gomap_trace_running());
	assert_int_equal(gomap_trace_stop(), GOMAP_EINVAL);
	assert_false(gomap_trace_running());
	assert_int_equal(gomap_trace_start(path, 1), 0);
	assert_true(gomap_trace_running());
	assert_int_equal(gomap_trace_start(path, 1), GOMAP_EBUSY);
	assert_int_equal(gomap_trace_stop(), 0);
	assert_false(gomap_trace_running());
	trace_facts f;
	check_trace(path, &f);
	assert_int_equal(f.events, 0);
	char *sum = summarize(path);
	assert_non_null(strstr(sum, "gomap trace summary: 0 events (0 dropped)"));
	assert_non_null(strstr(sum, "sampled operations (1 in 1 per thread): none"));
	free(sum);
}

static void test_trace_workload(void **state)
{
	(void)state;
	if (!gomap_tracing_compiled())
		skip();
	char path[128];
	path_in_dir(path, sizeof path, "workload.json");
	assert_int_equal(gomap_trace_start(path, 8), 0);
	assert_int_equal(workload(), 0);
	assert_int_equal(gomap_trace_stop(), 0);
	trace_facts f;
	check_trace(path, &f);
	expect_all_kinds(&f);
	assert_int_equal(f.misuse, 0);

	char *sum = summarize(path);
	assert_non_null(strstr(sum, "test.blocked"));
	assert_non_null(strstr(sum, "lock waits:"));
	assert_non_null(strstr(sum, "growths completed:"));
	assert_null(strstr(sum, "growths completed: 0 "));
	assert_non_null(strstr(sum, "chan batches:"));
	assert_non_null(strstr(sum, "grace periods:"));
	assert_non_null(strstr(sum, "misuse reports: 0"));
	free(sum);

	/* A second trace holds only its own events. */
	char path2[128];
	path_in_dir(path2, sizeof path2, "empty.json");
	assert_int_equal(gomap_trace_start(path2, 1), 0);
	assert_int_equal(gomap_trace_stop(), 0);
	check_trace(path2, &f);
	assert_int_equal(f.events, 0);
}

/* Sampling: rate 0 records no operations, rate 1 records every one. */
static void test_trace_sampling(void **state)
{
	(void)state;
	if (!gomap_tracing_compiled())
		skip();
	char path[128];
	path_in_dir(path, sizeof path, "sampling.json");
	gomap_map_t *m;
	assert_int_equal(gomap_map_new(&m, &gomap_type_u64, &gomap_type_u64, 64), 0);
	for (int rate = 0; rate <= 1; rate++) {
		assert_int_equal(gomap_trace_start(path, (unsigned)rate), 0);
		for (uint64_t k = 0; k < 10; k++) {
			assert_int_equal(gomap_map_put(m, &k, &k), rate == 0);
			assert_int_equal(gomap_map_get(m, &k, NULL), 1);
		}
		assert_int_equal(gomap_trace_stop(), 0);
		trace_facts f;
		check_trace(path, &f);
		assert_int_equal(f.ops, rate ? 20 : 0);
	}
	gomap_map_free(m);
}

static char self_exe[4096];

/* Re-run this program: arg = {argv[1], then NAME=value settings}. */
static int exec_child(void *arg)
{
	const char **argv_env = arg;
	for (int i = 1; argv_env[i]; i++)
		putenv((char *)argv_env[i]);
	char *argv[] = {self_exe, (char *)argv_env[0], NULL};
	execv("/proc/self/exe", argv);
	return 127;
}

static void test_trace_env(void **state)
{
	(void)state;
	if (!gomap_tracing_compiled())
		skip();
	char path[512], env[600];
	path_in_dir(path, sizeof path, "env-%p.json"); /* %p: the child's pid */
	snprintf(env, sizeof env, "GOMAP_TRACE=%s", path);
	const char *args[] = {"--env-child", env, "GOMAP_TRACE_RATE=4", NULL};
	cp_result *r = malloc(sizeof *r);
	assert_non_null(r);
	assert_int_equal(cp_run_ret(exec_child, args, 30, r), 0);
	if (!WIFEXITED(r->status) || WEXITSTATUS(r->status) != 0)
		fail_msg("env child failed (status %d): %s", r->status, r->out);
	/* Exactly one env-<digits>.json. */
	DIR *d = opendir(trace_dir);
	assert_non_null(d);
	int found = 0;
	for (struct dirent *de; (de = readdir(d));) {
		unsigned long pid;
		char tail[16];
		if (sscanf(de->d_name, "env-%lu%15s", &pid, tail) == 2 && !strcmp(tail, ".json") && pid > 0) {
			found++;
			path_in_dir(path, sizeof path, de->d_name);
		}
	}
	closedir(d);
	assert_int_equal(found, 1);
	trace_facts f;
	check_trace(path, &f);
	expect_all_kinds(&f);
	free(r);
}

/* A misuse report writes the trace out before the abort. */
static void test_trace_misuse_flush(void **state)
{
	(void)state;
	if (!gomap_tracing_compiled() || !gomap_checks_compiled())
		skip();
#if GOMAP_TEST_TSAN
	skip(); /* the child races on purpose */
#endif
	char path[512], env[600];
	path_in_dir(path, sizeof path, "misuse.json");
	snprintf(env, sizeof env, "GOMAP_TRACE=%s", path);
	const char *args[] = {"--misuse-child", env, "GOMAP_DEBUG=racewindow=400", NULL};
	cp_result *r = malloc(sizeof *r);
	assert_non_null(r);
	assert_int_equal(cp_run_ret(exec_child, args, 30, r), 0);
	if (!cp_aborted(r))
		fail_msg("misuse child did not abort (status %d): %s", r->status, r->out);
	assert_non_null(strstr(r->out, "fatal error: concurrent map writes"));
	trace_facts f;
	check_trace(path, &f);
	assert_true(f.misuse >= 1);
	assert_true(f.misuse_writes);
	free(r);
}

/* ---- child entry points ---------------------------------------------------------- */

/* Two threads overwrite the keys of a filled map (no growth, so the
 * structure stays intact while raced) until the detector stops the
 * process. Each counts only the writes it makes while the other has made
 * its first and not stopped, and gives up after 15 s of those: a
 * survivor was raced for real and not caught (exit 4). */
enum { RACY_KEYS = 64 };
static gomap_map_t *racy;
static pthread_barrier_t racy_start;
static atomic_int racy_begun[2], racy_finished[2];

static double mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *racy_writer(void *arg)
{
	const int me = (int)(uintptr_t)arg, other = 1 - me;
	uint64_t overlapped = 0;
	double deadline = 0;
	pthread_barrier_wait(&racy_start);
	for (uint64_t i = 0;; i++) {
		uint64_t k = (i + (uint64_t)me * 7) % RACY_KEYS;
		gomap_map_put(racy, &k, &i);
		atomic_store(&racy_begun[me], 1);
		if (atomic_load(&racy_finished[other]))
			break;
		if (!atomic_load(&racy_begun[other]))
			continue;
		if (overlapped++ == 0)
			deadline = mono_s() + 15; /* inside the child's 30 s alarm */
		if ((overlapped & 63) == 0 && mono_s() > deadline)
			break;
	}
	atomic_store(&racy_finished[me], 1);
	return NULL;
}

static int misuse_child(void)
{
	if (gomap_map_new(&racy, &gomap_type_u64, &gomap_type_u64, RACY_KEYS))
		return 3;
	for (uint64_t k = 0; k < RACY_KEYS; k++)
		gomap_map_put(racy, &k, &k);
	pthread_barrier_init(&racy_start, NULL, 2);
	pthread_t t[2];
	for (uintptr_t i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, racy_writer, (void *)i);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	return 4; /* not detected */
}

static int setup_dir(void **state)
{
	(void)state;
	snprintf(trace_dir, sizeof trace_dir, "/tmp/gomap-trace-test-XXXXXX");
	return mkdtemp(trace_dir) ? 0 : -1;
}

static int remove_dir(void **state)
{
	(void)state;
	DIR *d = opendir(trace_dir);
	if (d) {
		char path[512];
		for (struct dirent *de; (de = readdir(d));) {
			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof path, "%s/%s", trace_dir, de->d_name);
			unlink(path);
		}
		closedir(d);
	}
	rmdir(trace_dir);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--env-child"))
		return workload();
	if (argc > 1 && !strcmp(argv[1], "--misuse-child"))
		return misuse_child();
	snprintf(self_exe, sizeof self_exe, "%s", argv[0]);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_trace_api),
	    cmocka_unit_test(test_trace_workload),
	    cmocka_unit_test(test_trace_sampling),
	    cmocka_unit_test(test_trace_env),
	    cmocka_unit_test(test_trace_misuse_flush),
	};
	return cmocka_run_group_tests(tests, setup_dir, remove_dir);
}
