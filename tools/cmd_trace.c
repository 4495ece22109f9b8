/*
 * tools/cmd_trace.c - `gomap trace`: run a small multi-threaded workload
 * with the tracer on, write the Chrome Trace Event JSON file, and print the
 * contention summary (top lock-wait sites, longest growths, chan batch
 * sizes, grace periods); or, with -i, summarize a trace written earlier.
 * The library only records; reading a trace back is trace_summary.c.
 *
 * Workload: with -w, one of the benchmark's workloads (BENCH.md, through
 * the bench library: one warm-up run and one run of the cell). Otherwise a
 * built-in one: THREADS threads, OPS operations each, on keys drawn from
 * [0, KEYS): 50% store, 40% load, 10% delete. On a safe variant all threads
 * share one map; on "plain" (not safe to share) each thread has its own.
 */
#define _GNU_SOURCE /* POSIX and GNU interfaces under -std=c11 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gomap/cmap.h>
#include <gomap/diag.h>
#include <gomap/map.h>

#include "trace_summary.h"

#ifdef GOMAP_TOOL_BENCH
#include "bench.h"
#endif

int gomap_cmd_trace(int argc, char **argv);

typedef struct trace_job {
	const gomap_cmap_ops *ops; /* NULL: plain */
	void *cm;
	atomic_int go;             /* 0 wait, 1 run, -1 give up (not all threads started) */
	long ops_per_thread;
	uint64_t keys;
} trace_job;

typedef struct trace_worker {
	trace_job *job;
	uint64_t seed;
	int err;
} trace_worker;

static void *trace_thread(void *arg)
{
	trace_worker *w = arg;
	trace_job *j = w->job;
	int go;
	/* Start together; a flag rather than a barrier, so that the main
	 * thread can call the run off when it cannot start every thread. */
	while ((go = atomic_load(&j->go)) == 0)
		sched_yield();
	if (go < 0)
		return NULL;
	gomap_map_t *own = NULL;
	if (!j->ops && gomap_map_new(&own, &gomap_type_u64, &gomap_type_u64, 0)) {
		w->err = 1;
		return NULL;
	}
	uint64_t x = w->seed | 1;
	for (long i = 0; i < j->ops_per_thread; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		uint64_t k = (x >> 8) % j->keys, v = (uint64_t)i;
		unsigned op = (unsigned)(x % 100);
		int r;
		if (op < 50)
			r = j->ops ? j->ops->store(j->cm, &k, &v) : gomap_map_put(own, &k, &v);
		else if (op < 90)
			r = j->ops ? j->ops->load(j->cm, &k, &v) : gomap_map_get(own, &k, &v);
		else
			r = j->ops ? j->ops->del(j->cm, &k) : gomap_map_delete(own, &k);
		if (r < 0)
			w->err = 1;
	}
	gomap_map_free(own);
	return NULL;
}

/* Why the tracer could not open or write its file: the OS's reason when
 * the call set errno, gomap's text otherwise. */
static const char *trace_reason(int rc, int err) { return err ? strerror(err) : gomap_strerror(rc); }

/* The summary of the trace just written: the library records, this tool
 * reads (trace_summary.c). */
static int print_summary(const char *path)
{
	if (gomap_tool_trace_summary(path, stdout) == 0)
		return 0;
	fprintf(stderr, "gomap trace: cannot summarize %s: %s\n", path, strerror(errno));
	return 1;
}

#ifdef GOMAP_TOOL_BENCH
static const gb_workload *workload_find(const char *name)
{
	for (const gb_workload *w = gb_workloads; w->name; w++)
		if (strcmp(w->name, name) == 0)
			return w;
	return NULL;
}
#endif

/* A benchmark cell (bench library) run under the tracer. */
static int trace_bench(const char *workload, const char *variant, long threads, long ops, long keys, long rate,
                       const char *path)
{
#ifdef GOMAP_TOOL_BENCH
	const gb_workload *wl = workload_find(workload);
	if (!wl) {
		fprintf(stderr, "gomap trace: unknown workload '%s' (see gomap bench --list)\n", workload);
		return 2;
	}
	if (!variant)
		variant = wl->kind == GB_K_MIX ? "mutex" : "plain";
	const gb_impl *im = gb_impl_find(strcmp(variant, "plain") == 0 ? "map" : variant);
	if (!im || (im->flags & GB_F_CHILD)) {
		fprintf(stderr, "gomap trace: '%s' is not one of this process's maps\n", variant);
		return 2;
	}
	int T = threads ? (int)threads : wl->kind == GB_K_MIX ? (wl->threads[0] > 0 ? wl->threads[0] : 4) : 1;
	if (T > 1 && !(im->flags & GB_F_CONCURRENT)) {
		fprintf(stderr, "gomap trace: %s is not safe for %d threads\n", variant, T);
		return 2;
	}
	uint64_t K = keys ? (uint64_t)keys : wl->K[0];
	gb_cell c = {
	    .impl = im, .workload = wl->name, .kind = wl->kind, .keys = wl->keys, .K = K, .threads = T,
	    .ops = wl->kind == GB_K_MIX ? (ops ? (uint64_t)ops : wl->ops) : K,
	    .prefill_pct = wl->prefill_pct, .zipf = wl->zipf, .reps = 1, .min_time = 0, .seed = 1,
	};
	memcpy(c.mix, wl->mix, sizeof c.mix);
	if (!gb_impl_supports(im, c.keys)) {
		fprintf(stderr, "gomap trace: %s does not support the keys of %s\n", variant, workload);
		return 2;
	}
	errno = 0;
	int rc = gomap_trace_start(path, (unsigned)rate);
	if (rc) {
		fprintf(stderr, "gomap trace: cannot start tracing into %s: %s%s\n", path, trace_reason(rc, errno),
		        rc == GOMAP_EBUSY ? " (is GOMAP_TRACE set?)" : "");
		return 1;
	}
	gb_result r;
	memset(&r, 0, sizeof r);
	int brc = gb_run_cell(&c, &r);
	errno = 0;
	rc = gomap_trace_stop();
	if (rc) {
		fprintf(stderr, "gomap trace: writing %s failed: %s\n", path, trace_reason(rc, errno));
		return 1;
	}
	printf("gomap trace: workload %s on %s, %d thread(s), K=%llu, %llu operations per run (a warm-up run and "
	       "a timed one; timings under tracing are not benchmark figures)\n",
	       wl->name, variant, T, (unsigned long long)K, (unsigned long long)c.ops);
	printf("wrote %s: open it at https://ui.perfetto.dev (\"Open trace file\") or chrome://tracing\n\n", path);
	int prc = print_summary(path);
	if (brc)
		fprintf(stderr, "gomap trace: the benchmark run failed\n");
	return brc != 0 || prc != 0;
#else
	(void)workload;
	(void)variant;
	(void)threads;
	(void)ops;
	(void)keys;
	(void)rate;
	(void)path;
	fprintf(stderr, "gomap trace: -w needs the benchmark library (configure with GOMAP_BUILD_BENCH=ON)\n");
	return 2;
#endif
}

static void trace_usage(FILE *f)
{
	fprintf(f,
	        "usage: gomap trace [-v VARIANT] [-w WORKLOAD] [-t THREADS] [-n OPS] [-k KEYS] [-r RATE] [-o FILE]\n"
	        "       gomap trace -i FILE\n"
	        "  Runs THREADS threads (4) doing OPS operations each (200000) on KEYS keys\n"
	        "  (THREADS*OPS/4) of VARIANT (plain, or a safe variant: mutex, rwmutex, shard,\n"
	        "  sync, chan; default mutex when built), traces it into FILE (gomap-trace.json)\n"
	        "  recording 1 operation in RATE (64), and prints the contention summary.\n"
	        "  -w runs a benchmark workload instead (gomap bench --list; e.g. exchange,\n"
	        "  rapid-grow, seed-write): -t and -k then override its threads and key count,\n"
	        "  -n its total operations.\n"
	        "  -i prints the summary of a trace written earlier (GOMAP_TRACE=FILE, or\n"
	        "  gomap_trace_start/stop in a program) and runs nothing.\n"
	        "  Open FILE at https://ui.perfetto.dev or chrome://tracing.\n");
}

/* Largest -n: keeps THREADS * OPS (and the key count derived from it) far
 * inside a long; a run that long would take days anyway. */
#define TRACE_MAX_OPS 1000000000000L

/* A whole number in [lo, hi], or false. */
static bool parse_long(const char *s, long lo, long hi, long *out)
{
	char *end = NULL;
	errno = 0;
	long n = strtol(s, &end, 10);
	if (errno || !*s || *end || n < lo || n > hi)
		return false;
	*out = n;
	return true;
}

int gomap_cmd_trace(int argc, char **argv)
{
	const char *variant = NULL, *path = "gomap-trace.json", *workload = NULL, *input = NULL;
	long threads = 0, ops = 0, keys = 0, rate = 64;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			trace_usage(stdout);
			return 0;
		}
		long *num = NULL, lo = 1, hi = 0;
		if (!strcmp(a, "-t"))
			num = &threads, hi = 1024;
		else if (!strcmp(a, "-n"))
			num = &ops, hi = TRACE_MAX_OPS;
		else if (!strcmp(a, "-k"))
			num = &keys, hi = TRACE_MAX_OPS;
		else if (!strcmp(a, "-r"))
			num = &rate, lo = 0, hi = 0x7fffffff;
		else if (strcmp(a, "-v") && strcmp(a, "-w") && strcmp(a, "-o") && strcmp(a, "-i")) {
			fprintf(stderr, "gomap trace: unknown option '%s'\n", a);
			trace_usage(stderr);
			return 2;
		}
		if (!v) {
			fprintf(stderr, "gomap trace: bad argument '%s': it needs a value\n", a);
			trace_usage(stderr);
			return 2;
		}
		i++;
		if (num) {
			if (!parse_long(v, lo, hi, num)) {
				fprintf(stderr, "gomap trace: bad argument '%s %s': want a number from %ld to %ld\n", a, v,
				        lo, hi);
				trace_usage(stderr);
				return 2;
			}
		} else if (!strcmp(a, "-v")) {
			variant = v;
		} else if (!strcmp(a, "-w")) {
			workload = v;
		} else if (!strcmp(a, "-i")) {
			input = v;
		} else {
			path = v;
		}
	}
	if (input)
		return print_summary(input);
	if (!gomap_tracing_compiled()) {
		fprintf(stderr, "gomap trace: this library was built with GOMAP_TRACING=OFF\n");
		return 1;
	}
	if (workload)
		return trace_bench(workload, variant, threads, ops, keys, rate, path);
	if (!threads)
		threads = 4;
	if (!ops)
		ops = 200000;
	trace_job job;
	memset(&job, 0, sizeof job);
	atomic_init(&job.go, 0);
	if (!variant && gomap_cmap_find("mutex"))
		variant = "mutex";
	if (variant && strcmp(variant, "plain") != 0) {
		job.ops = gomap_cmap_find(variant);
		if (!job.ops) {
			fprintf(stderr, "gomap trace: unknown variant '%s'\n", variant);
			return 2;
		}
	}
	if (!variant)
		variant = "plain";
	job.ops_per_thread = ops;
	/* threads <= 1024 and ops <= TRACE_MAX_OPS: no overflow */
	job.keys = keys ? (uint64_t)keys : (uint64_t)threads * (uint64_t)ops / 4 + 1;

	/* From here on every exit goes through `out`, which releases what
	 * was made so far. */
	int status = 1;
	bool tracing = false;
	pthread_t *t = NULL;
	trace_worker *w = NULL;
	long started = 0;
	if (job.ops && job.ops->create(&job.cm, &gomap_type_u64, &gomap_type_u64)) {
		fprintf(stderr, "gomap trace: cannot create a %s map\n", variant);
		goto out;
	}
	t = calloc((size_t)threads, sizeof *t);
	w = calloc((size_t)threads, sizeof *w);
	if (!t || !w) {
		fprintf(stderr, "gomap trace: out of memory\n");
		goto out;
	}
	errno = 0;
	int rc = gomap_trace_start(path, (unsigned)rate);
	if (rc) {
		fprintf(stderr, "gomap trace: cannot start tracing into %s: %s%s\n", path, trace_reason(rc, errno),
		        rc == GOMAP_EBUSY ? " (is GOMAP_TRACE set?)" : "");
		goto out;
	}
	tracing = true;
	for (long i = 0; i < threads; i++) {
		w[i] = (trace_worker){&job, 0x9E3779B97F4A7C15ull * (uint64_t)(i + 1), 0};
		if (pthread_create(&t[i], NULL, trace_thread, &w[i]))
			break;
		started++;
	}
	if (started < threads) {
		atomic_store(&job.go, -1); /* the started ones return at once */
		fprintf(stderr, "gomap trace: cannot start %ld threads\n", threads);
		goto out;
	}
	atomic_store(&job.go, 1);
	int failed = 0;
	for (long i = 0; i < threads; i++) {
		pthread_join(t[i], NULL);
		failed |= w[i].err;
	}
	started = 0;
	tracing = false;
	errno = 0;
	rc = gomap_trace_stop();
	if (rc) {
		fprintf(stderr, "gomap trace: writing %s failed: %s\n", path, trace_reason(rc, errno));
		goto out;
	}
	printf("gomap trace: %s, %ld threads x %ld operations on %llu keys; 1 operation in %ld recorded\n",
	       variant, threads, ops, (unsigned long long)job.keys, rate);
	printf("wrote %s: open it at https://ui.perfetto.dev (\"Open trace file\") or chrome://tracing\n\n", path);
	int prc = print_summary(path);
	if (failed)
		fprintf(stderr, "gomap trace: some operations failed\n");
	status = failed || prc;
out:
	for (long i = 0; i < started; i++)
		pthread_join(t[i], NULL);
	if (tracing)
		(void)gomap_trace_stop();
	if (job.ops && job.cm)
		job.ops->destroy(job.cm);
	free(t);
	free(w);
	return status;
}
