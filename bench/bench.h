/*
 * bench/bench.h - the benchmark driver's parts: workloads (BENCH.md's tables
 * as data), cells (one implementation x workload x keys x K x threads), the
 * runner that times a cell, child processes, reports and plots.
 *
 * A cell's figures: each run times one phase on a fresh map; ns/op = wall
 * time of the phase x 1e9 / operations of all threads; a cell is a warm-up
 * run, then runs until at least `reps` runs and `min_time` seconds of timed
 * phases were done; the median, min and max over those runs are reported
 * and Mops/s = 1000 / median ns/op.
 */
#ifndef GOMAP_BENCH_BENCH_H
#define GOMAP_BENCH_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "impl.h"

/* Entry points (tools/ and the variant executables call these). */
int gomap_bench_main(int argc, char **argv); /* cli.c */
/* The child side of child.c's protocol; @version answers --version. */
int gomap_bench_child_main(int argc, char **argv, const char *version);

typedef enum gb_kind {
	GB_K_MIX = 0,    /* named concurrent workload */
	GB_K_ST_INSERT,
	GB_K_ST_HIT,
	GB_K_ST_MISS,
	GB_K_ST_DELETE,
	GB_K_ST_ITER,
	GB_K_COUNT,      /* counting: every operation is an inc (gb_ops.inc) */
	GB_K_GROW,       /* grow-latency */
	GB_K_MEMORY      /* GROW and MEMORY last: they have their own runs */
} gb_kind;

/* Workloads of per-thread operation streams (BENCH.md's concurrent and
 * counting tables): they take thread counts and a number of operations. */
static inline bool gb_kind_streams(gb_kind k)
{
	return k == GB_K_MIX || k == GB_K_COUNT;
}

#define GB_MAX_LIST 16

typedef struct gb_workload {
	const char *name;
	gb_kind kind;
	gb_keys keys;          /* MIX, COUNT: the spec's key kind */
	int prefill_pct;       /* MIX (COUNT: 0, the map starts empty) */
	int mix[3];            /* MIX: load / store / delete % */
	bool zipf;             /* MIX, COUNT */
	uint64_t ops;          /* MIX, COUNT: total operations of all threads */
	uint64_t K[GB_MAX_LIST];     /* default K values, 0-terminated */
	int threads[GB_MAX_LIST];    /* MIX, COUNT: default thread counts,
	                                0-terminated */
	const char *desc;
} gb_workload;

extern const gb_workload gb_workloads[];   /* workloads.c; name NULL ends */
const char *gb_kind_name(gb_kind k);
gb_kind gb_kind_parse(const char *s); /* -1 (as gb_kind) if unknown */

typedef struct gb_cell {
	const gb_impl *impl;
	const char *workload;
	gb_kind kind;
	gb_keys keys;
	uint64_t K;
	int threads;
	uint64_t ops;          /* timed operations per run, all threads */
	int prefill_pct;
	int mix[3];
	bool zipf;
	int reps;              /* at least this many timed runs */
	double min_time;       /* and at least this many seconds of them */
	uint64_t seed;
	bool pin;
	bool quick;
	double timeout;        /* seconds a child may take for the cell; 0: none */
} gb_cell;

typedef struct gb_result {
	char impl[64];
	char workload[32];
	char keys[8];
	uint64_t K;
	int threads;
	uint64_t ops;
	double median, min, max, mops; /* NAN where the column is empty */
	char notes[320];
} gb_result;

/*
 * The files, each calling only files listed after it, so the flow is
 * one-way: cli parses, plan makes the cells, drive runs them, report and
 * plot show them; nothing lower calls back up.
 *   cli.c       options, then plan -> drive -> report (driver.h)
 *   drive.c     runs the cells in order or interleaved; progress; CSV out
 *   plan.c      the cells to run, and the time each should take
 *   describe.c  the run's description (CSV comment) and plot caption
 *   report.c, plot.c   tables and plots of a set of results
 *   child.c     where a cell runs (a child process or here); the child side
 *   measure.c   times a cell in this process
 *   registry.c  the implementations (adapters: impl_*.c)
 *   csv.c, proc.c, workloads.c, gen.c, util.c   the leaves
 */

/* util.c */
const char *gb_keys_name(gb_keys k);
double gb_now_s(void);
int gb_online_cpus(void);
/* Appends one printf-formatted item to a notes field, after a ';' if the
 * field is not empty; commas and line breaks become spaces (CSV). */
void gb_notes_add(char *notes, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A value from a notes field ("p99=12.5;..."), or NAN. */
double gb_notes_get(const char *notes, const char *key);
void gb_result_init(gb_result *r, const gb_cell *c); /* identity, no figures */

/* proc.c: runs argv (stderr passes through) and returns its whole stdout
 * (malloc), or NULL if it could not be started; *status: exit status, -1 if
 * killed by a signal, GB_PROC_TIMEOUT if it ran past @timeout seconds (> 0)
 * and was killed. */
#define GB_PROC_TIMEOUT (-2)
char *gb_proc_capture(char *const argv[], double timeout, int *status);

/* csv.c */
/* The comment lines (one per '\n'-separated line of @comment), then the
 * column header. */
void gb_csv_header(FILE *f, const char *comment);
void gb_csv_row(FILE *f, const gb_result *r);
int gb_csv_parse_row(const char *line, gb_result *r); /* 0 ok */
/* Reads a CSV file: rows (malloc) and its comment text (malloc, may be
 * NULL). Returns 0, or -1 if the file cannot be read. */
int gb_csv_read(const char *path, gb_result **rows, size_t *n, char **comment);

/* registry.c */
/* A program that runs cells of some implementations (child.c's protocol). */
struct gb_child {
	const char *exe;      /* program path */
	const char *subcommand; /* argv[1] before the cell options, or NULL */
	const char *as;       /* --impl name inside the child */
	const char *only;     /* comma list of workloads when chosen implicitly,
	                         or NULL for all */
};
typedef struct gb_variant {
	const char *name;      /* impl is "map-<name>" */
	const char *exe;       /* built executable */
	const char *defs;      /* the compile definitions that differ */
	const char *workloads; /* comma list run when chosen implicitly */
	const char *desc;
} gb_variant;
extern const gb_variant gb_variants[]; /* generated by CMake; name NULL ends */
extern bool gb_registry_children_off;  /* child mode: no children of its own */
const char *gb_impls_missing(void);    /* "; "-separated notes, or "" */
bool gb_impl_supports(const gb_impl *i, gb_keys k);
/* ... and cells of kind @kind (counting needs inc and sum); a child
 * implementation answers for itself. */
bool gb_impl_supports_kind(const gb_impl *i, gb_kind kind, gb_keys k);
/* Whether @ch runs @workload when its implementation was not named. */
bool gb_child_only_allows(const gb_child *ch, const char *workload);

/* measure.c */
/* Times cell @c in this process; a child implementation's cell fails. */
int gb_measure_cell(const gb_cell *c, gb_result *r);
/* ns per round trip of a cache line between the first two usable CPUs
 * (NAN with one CPU); see measure.c. */
double gb_line_rt_ns(void);

/* child.c */
/* Runs cell @c through the child protocol with program @ch. */
int gb_child_run(const gb_child *ch, const gb_cell *c, gb_result *r);
/* Runs cell @c where its implementation lives: a child implementation in
 * its own program, any other in this process. */
int gb_run_cell(const gb_cell *c, gb_result *r);

/* report.c */
void gb_print_tables(FILE *f, const gb_result *rows, size_t n);
void gb_print_article(FILE *f, const gb_result *rows, size_t n);

/* plot.c: writes PATH's gnuplot script next to it (.gp) and runs gnuplot;
 * .svg or .png by PATH's extension. Returns 0, or -1 with a message. */
int gb_plot(const char *path, const gb_result *rows, size_t n,
            const char *caption);

#endif /* GOMAP_BENCH_BENCH_H */
