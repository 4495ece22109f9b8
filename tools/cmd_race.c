/*
 * tools/cmd_race.c - `gomap race`: the seed article's experiment (chapter
 * 2.4) with real numbers. Ten threads write one plain map with no lock,
 * each run in its own child process, many times: without GOMAP_DEBUG and
 * with GOMAP_DEBUG=racewindow=N (our GODEBUG knob: every write holds the
 * "writing" flag N spin-yields longer), and the detection rate of each is
 * printed as the article's GODEBUG table. The same for read-vs-write and
 * iterate-vs-write. Then the workload runs on every safe variant, which
 * must neither crash nor lose an update.
 *
 * Children are forked (no exec) from this single-threaded process; each
 * sets GOMAP_DEBUG and calls gomap_debug_reload(), which is what the
 * library does at load. A child that has not finished in 10 s is killed.
 *
 * A run in which the threads happened not to overlap (one finished before
 * another began: likely on a loaded machine) had no race to detect; the
 * children tell such runs apart (each call is bracketed by a count of the
 * calls in flight) and the detection rate is taken over the runs that
 * raced.
 * Exit status: 0 when every racewindow row reaches --min-rate and every
 * safe variant passes, 1 otherwise, 2 on bad usage.
 */
#define _GNU_SOURCE /* POSIX and GNU interfaces under -std=c11 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gomap/cmap.h>
#include <gomap/map.h>

int gomap_cmd_race(int argc, char **argv);

enum { CASE_WRITES, CASE_READWRITE, CASE_ITERATE, NCASES };

static const char *const case_name[NCASES] = {"concurrent writes", "read and write", "iterate and write"};
static const char *const case_msg[NCASES] = {"concurrent map writes", "concurrent map read and map write",
                                             "concurrent map iteration and map write"};

typedef struct race_opts {
	int runs, threads, writes, window, min_rate;
	bool variants, racy;
	int only_case; /* -1: all */
} race_opts;

/* ---- the children's workloads -------------------------------------------------------- */

typedef struct shared {
	gomap_map_t *m;
	const gomap_cmap_ops *ops;
	void *cm;
	pthread_barrier_t start;
	atomic_int writer_active, writer_done;
	atomic_int inflight;   /* writes in progress (CASE_WRITES) */
	atomic_int overlapped; /* two threads' calls overlapped at least once */
	int writes;
	int kind;
} shared;

typedef struct worker {
	shared *sh;
	int index;
	int bad;
} worker;

/* The article's goroutine: m[key] = key * 2, `writes` times. */
static void *write_worker(void *arg)
{
	worker *w = arg;
	pthread_barrier_wait(&w->sh->start);
	for (int j = 0; j < w->sh->writes; j++) {
		uint64_t k = (uint64_t)w->index * (uint64_t)w->sh->writes + (uint64_t)j, v = k * 2;
		/* another write in flight when this one began or ended: raced */
		int before = atomic_fetch_add(&w->sh->inflight, 1);
		if (gomap_map_put(w->sh->m, &k, &v) < 0)
			w->bad = 1;
		int after = atomic_fetch_sub(&w->sh->inflight, 1);
		if (before > 0 || after > 1)
			atomic_store(&w->sh->overlapped, 1);
	}
	return NULL;
}

/* One writer; the other threads read (or iterate) until it is done. */
static void *mixed_worker(void *arg)
{
	worker *w = arg;
	shared *sh = w->sh;
	pthread_barrier_wait(&sh->start);
	if (w->index == 0) {
		atomic_store(&sh->writer_active, 1);
		for (int j = 0; j < sh->writes; j++) {
			uint64_t k = (uint64_t)j, v = k * 2;
			if (gomap_map_put(sh->m, &k, &v) < 0)
				w->bad = 1;
		}
		atomic_store(&sh->writer_done, 1);
		return NULL;
	}
	uint64_t x = (uint64_t)w->index;
	while (!atomic_load_explicit(&sh->writer_done, memory_order_relaxed)) {
		/* the writer running before and after this call: raced */
		bool during = atomic_load(&sh->writer_active);
		if (sh->kind == CASE_READWRITE) {
			x = x * 6364136223846793005u + 1442695040888963407u;
			uint64_t k = (x >> 33) % (uint64_t)sh->writes;
			(void)gomap_map_get(sh->m, &k, NULL);
		} else {
			gomap_iter it;
			const void *k;
			gomap_map_iter_init(sh->m, &it);
			while (gomap_map_iter_next(&it, &k, NULL))
				;
		}
		if (during && !atomic_load(&sh->writer_done))
			atomic_store(&sh->overlapped, 1);
	}
	return NULL;
}

/* Exit codes of a child: */
enum { CHILD_OK = 0, CHILD_LOST = 10, CHILD_BROKEN = 11, CHILD_SETUP = 12, CHILD_NO_RACE = 13 };

static int run_threads(shared *sh, int threads, void *(*fn)(void *))
{
	pthread_t *t = calloc((size_t)threads, sizeof *t);
	worker *w = calloc((size_t)threads, sizeof *w);
	if (!t || !w || pthread_barrier_init(&sh->start, NULL, (unsigned)threads))
		return CHILD_SETUP;
	for (int i = 0; i < threads; i++) {
		w[i] = (worker){sh, i, 0};
		if (pthread_create(&t[i], NULL, fn, &w[i]))
			return CHILD_SETUP;
	}
	int bad = 0;
	for (int i = 0; i < threads; i++) {
		pthread_join(t[i], NULL);
		bad |= w[i].bad;
	}
	return bad ? CHILD_BROKEN : CHILD_OK;
}

static int racy_child(int kind, const race_opts *o)
{
	shared sh;
	memset(&sh, 0, sizeof sh);
	sh.kind = kind;
	sh.writes = kind == CASE_WRITES ? o->writes : (o->writes < 2000 ? 2000 : o->writes);
	if (gomap_map_new(&sh.m, &gomap_type_u64, &gomap_type_u64, 0))
		return CHILD_SETUP;
	int rc = run_threads(&sh, o->threads, kind == CASE_WRITES ? write_worker : mixed_worker);
	if (rc)
		return rc;
	size_t want = kind == CASE_WRITES ? (size_t)o->threads * (size_t)o->writes : (size_t)sh.writes;
	if (gomap_map_check(sh.m) != 0)
		return CHILD_BROKEN;
	if (gomap_map_len(sh.m) != want)
		return CHILD_LOST;
	return atomic_load(&sh.overlapped) ? CHILD_OK : CHILD_NO_RACE;
}

/* The same workload on a safe variant: stores of distinct keys, loads of
 * them, deletes of every other one, from all threads at once. */
static void *safe_worker(void *arg)
{
	worker *w = arg;
	shared *sh = w->sh;
	pthread_barrier_wait(&sh->start);
	for (int j = 0; j < sh->writes; j++) {
		uint64_t k = (uint64_t)w->index * (uint64_t)sh->writes + (uint64_t)j, v = k * 2, got = 0;
		if (sh->ops->store(sh->cm, &k, &v) < 0 || sh->ops->load(sh->cm, &k, &got) != 1 || got != v)
			w->bad = 1;
	}
	for (int j = 0; j < sh->writes; j += 2) {
		uint64_t k = (uint64_t)w->index * (uint64_t)sh->writes + (uint64_t)j;
		if (sh->ops->del(sh->cm, &k) != 1)
			w->bad = 1;
	}
	return NULL;
}

static int safe_child(const gomap_cmap_ops *ops, const race_opts *o)
{
	shared sh;
	memset(&sh, 0, sizeof sh);
	sh.ops = ops;
	sh.writes = o->writes < 1000 ? 1000 : o->writes;
	if (ops->create(&sh.cm, &gomap_type_u64, &gomap_type_u64))
		return CHILD_SETUP;
	int rc = run_threads(&sh, o->threads, safe_worker);
	if (rc)
		return rc;
	size_t want = (size_t)o->threads * (size_t)(sh.writes / 2);
	size_t got = ops->len(sh.cm);
	ops->destroy(sh.cm);
	return got == want ? CHILD_OK : CHILD_LOST;
}

/* ---- the parent ------------------------------------------------------------------------ */

typedef struct outcome {
	int status;
	char err[8192];
} outcome;

typedef int (*child_fn)(const void *a, const race_opts *o);

/* Fork, set GOMAP_DEBUG (NULL: unset), run fn, capture stderr. */
static int spawn(const char *debug, int (*fn)(const void *, const race_opts *), const void *a, const race_opts *o,
                 outcome *out)
{
	int fds[2];
	if (pipe(fds))
		return -1;
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		close(fds[0]);
		dup2(fds[1], STDERR_FILENO);
		close(fds[1]);
		if (debug)
			setenv("GOMAP_DEBUG", debug, 1);
		else
			unsetenv("GOMAP_DEBUG");
		gomap_debug_reload();
		alarm(10);
		_exit(fn(a, o));
	}
	close(fds[1]);
	size_t n = 0;
	char tmp[4096];
	ssize_t got;
	while ((got = read(fds[0], tmp, sizeof tmp)) > 0 || (got < 0 && errno == EINTR)) {
		if (got < 0)
			continue;
		size_t take = (size_t)got;
		if (take > sizeof out->err - 1 - n)
			take = sizeof out->err - 1 - n;
		memcpy(out->err + n, tmp, take);
		n += take;
	}
	out->err[n] = '\0';
	close(fds[0]);
	while (waitpid(pid, &out->status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return 0;
}

static int racy_entry(const void *a, const race_opts *o) { return racy_child(*(const int *)a, o); }

static int safe_entry(const void *a, const race_opts *o) { return safe_child(a, o); }

typedef struct row {
	int detected, silent_ok, lost, crashed, no_race;
	char first[8192];
	bool have_first;
} row;

static void run_row(int kind, const char *debug, const race_opts *o, row *r, outcome *out)
{
	memset(r, 0, sizeof *r);
	char want[96];
	snprintf(want, sizeof want, "fatal error: %s", case_msg[kind]);
	for (int i = 0; i < o->runs; i++) {
		if (spawn(debug, racy_entry, &kind, o, out)) {
			r->crashed++;
			continue;
		}
		int st = out->status;
		if (WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT && strstr(out->err, "fatal error: concurrent map")) {
			r->detected++;
			if (!r->have_first && strstr(out->err, want)) {
				snprintf(r->first, sizeof r->first, "%s", out->err);
				r->have_first = true;
			}
		} else if (WIFEXITED(st) && WEXITSTATUS(st) == CHILD_OK) {
			r->silent_ok++;
		} else if (WIFEXITED(st) && WEXITSTATUS(st) == CHILD_NO_RACE) {
			r->no_race++;
		} else if (WIFEXITED(st) && (WEXITSTATUS(st) == CHILD_LOST || WEXITSTATUS(st) == CHILD_BROKEN)) {
			r->lost++;
		} else {
			r->crashed++;
		}
	}
}

static void print_indented(const char *text, int max_lines)
{
	int lines = 0;
	for (const char *p = text; *p && lines < max_lines; lines++) {
		const char *nl = strchr(p, '\n');
		int len = nl ? (int)(nl - p) : (int)strlen(p);
		printf("    %.*s\n", len, p);
		p += len + (nl != NULL);
	}
}

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: gomap race [-n RUNS] [-t THREADS] [-k WRITES] [-w WINDOW] [--case writes|readwrite|iterate]\n"
	        "                  [--min-rate PERCENT] [--no-variants] [--variants-only]\n"
	        "  Runs the seed article's experiment: THREADS threads (10) write one plain map with\n"
	        "  no lock, WRITES keys each (1), in RUNS child processes (20), without GOMAP_DEBUG\n"
	        "  and with GOMAP_DEBUG=racewindow=WINDOW (20000); likewise read/write and\n"
	        "  iterate/write; then the same workload on every safe variant.\n"
	        "  Exit status 1 if a racewindow row detects less than PERCENT (95) of the runs\n"
	        "  in which the threads overlapped (or none overlapped), or a safe variant fails.\n");
}

static bool parse_int(const char *s, int lo, int hi, int *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || *end || v < lo || v > hi)
		return false;
	*out = (int)v;
	return true;
}

int gomap_cmd_race(int argc, char **argv)
{
	race_opts o = {20, 10, 1, 20000, 95, true, true, -1};
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		bool ok = true;
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "--no-variants")) {
			o.variants = false;
		} else if (!strcmp(a, "--variants-only")) {
			o.racy = false;
		} else if (!v) {
			ok = false;
		} else if (!strcmp(a, "-n")) {
			ok = parse_int(v, 1, 100000, &o.runs), i++;
		} else if (!strcmp(a, "-t")) {
			ok = parse_int(v, 2, 1024, &o.threads), i++;
		} else if (!strcmp(a, "-k")) {
			ok = parse_int(v, 1, 10000000, &o.writes), i++;
		} else if (!strcmp(a, "-w")) {
			ok = parse_int(v, 1, 100000000, &o.window), i++;
		} else if (!strcmp(a, "--min-rate")) {
			ok = parse_int(v, 0, 100, &o.min_rate), i++;
		} else if (!strcmp(a, "--case")) {
			i++;
			o.only_case = !strcmp(v, "writes") ? CASE_WRITES
			              : !strcmp(v, "readwrite") ? CASE_READWRITE
			              : !strcmp(v, "iterate") ? CASE_ITERATE
			                                      : -2;
			ok = o.only_case >= 0;
		} else {
			ok = false;
		}
		if (!ok) {
			fprintf(stderr, "gomap race: bad argument '%s'\n", a);
			usage(stderr);
			return 2;
		}
	}

	int status = 0;
	outcome *out = malloc(sizeof *out);
	row *r = malloc(sizeof *r);
	if (!out || !r) {
		fprintf(stderr, "gomap race: out of memory\n");
		return 1;
	}
	if (o.racy && !gomap_checks_compiled()) {
		printf("gomap race: this library was built with GOMAP_MAPCHECKS=OFF: nothing can be detected.\n");
		o.racy = false;
		status = 1;
	}
	if (o.racy) {
		printf("gomap race: %d threads on one plain map with no lock, %d run(s) per row, each in a "
		       "child process\n\n",
		       o.threads, o.runs);
		printf("| case              | GOMAP_DEBUG          | no overlap | detected | silent, correct | "
		       "silent, lost/corrupt | crashed/hung | detection rate |\n");
		printf("|-------------------|----------------------|------------|----------|-----------------|-"
		       "---------------------|--------------|----------------|\n");
		char window[64];
		snprintf(window, sizeof window, "racewindow=%d", o.window);
		char first[NCASES][8192];
		bool have_first[NCASES] = {false};
		for (int kind = 0; kind < NCASES; kind++) {
			if (o.only_case >= 0 && kind != o.only_case)
				continue;
			for (int w = 0; w < 2; w++) {
				run_row(kind, w ? window : NULL, &o, r, out);
				/* over the runs that raced: a run without overlap had
				 * nothing to detect */
				int raced = o.runs - r->no_race;
				double rate = raced ? 100.0 * r->detected / raced : 0;
				char rate_s[16];
				snprintf(rate_s, sizeof rate_s, raced ? "%.0f%%" : "n/a", rate);
				printf("| %-17s | %-20s | %10d | %4d/%-3d | %15d | %20d | %12d | %14s |\n",
				       case_name[kind], w ? window : "(unset)", r->no_race, r->detected, raced,
				       r->silent_ok, r->lost, r->crashed, rate_s);
				fflush(stdout);
				if (w && (raced == 0 || rate < o.min_rate))
					status = 1;
				if (r->have_first && !have_first[kind]) {
					memcpy(first[kind], r->first, sizeof first[kind]);
					have_first[kind] = true;
				}
			}
		}
		printf("\n(%s: each thread writes %d key(s); read/write and iterate/write: one writer of "
		       "2000 keys, the other threads read or iterate until it is done)\n",
		       case_name[CASE_WRITES], o.writes);
		for (int kind = 0; kind < NCASES; kind++) {
			if (!have_first[kind])
				continue;
			printf("\nfirst fatal report (%s):\n", case_name[kind]);
			print_indented(first[kind], 40);
		}
	}

	if (o.variants) {
		const gomap_cmap_ops *const *list = gomap_cmap_list();
		printf("\nsafe variants: %d threads, each storing, loading and deleting its own keys at once\n",
		       o.threads);
		int nvar = 0;
		for (; list && list[nvar]; nvar++) {
			const gomap_cmap_ops *ops = list[nvar];
			bool pass = spawn(NULL, safe_entry, ops, &o, out) == 0 && WIFEXITED(out->status) &&
			            WEXITSTATUS(out->status) == CHILD_OK;
			printf("  %-10s %s", ops->name, pass ? "ok (no crash, final count correct)\n" : "FAILED");
			if (!pass) {
				status = 1;
				if (WIFSIGNALED(out->status))
					printf(" (signal %d)\n", WTERMSIG(out->status));
				else
					printf(" (exit %d: %s)\n", WEXITSTATUS(out->status),
					       WEXITSTATUS(out->status) == CHILD_LOST ? "wrong final count" : "operation failed");
				print_indented(out->err, 20);
			}
		}
		if (nvar == 0)
			printf("  (no safe variant registered)\n");
	}
	free(out);
	free(r);
	return status;
}
