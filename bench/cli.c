/*
 * bench/cli.c - `gomap bench`: the options, then the one-way flow
 *   parse -> plan (plan.c) -> run the cells (drive.c) -> report
 * (report.c's tables, plot.c's plot). --from skips the middle: it reports
 * a CSV read back. --list prints what this build can run.
 *
 * With no options it reproduces the seed article's experiment (seed-read
 * and seed-write at 8 threads) over every implementation present and
 * prints the article's table with its claims beside the Go rows. --quick
 * without --workload runs every workload at reduced sizes as a smoke run.
 */
#define _GNU_SOURCE
#include "driver.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void usage(FILE *f)
{
	fputs(
"usage: gomap bench [options]\n"
"Times the workloads of BENCH.md on gomap's maps and the peers present.\n"
"With no options: the seed article's experiment (seed-read, seed-write at 8\n"
"threads) over every implementation, printed as the article's table.\n"
"\n"
"  --impl LIST       implementations (names, or groups: all, gomap, peer, go,\n"
"                    variant); a leading '-' removes one: all,-glib\n"
"  --workload LIST   workloads (names, or groups: all, article, concurrent,\n"
"                    count, st)\n"
"  --threads LIST    thread counts for the concurrent workloads (default: the\n"
"                    workload's own)\n"
"  --keys u64|str    key kind (list allowed); single-thread workloads default to\n"
"                    both, named workloads to their own\n"
"  --K LIST          key-space sizes: 2^20, 1048576, 1M, 1.5M\n"
"  --ops N           total operations of a concurrent workload run\n"
"  --reps N          at least N timed runs per cell (default 5)\n"
"  --min-time S      and at least S seconds of timed runs (default 0.2)\n"
"  --seed N          key and stream seed (default 1)\n"
"  --pin             pin thread t to the t-th usable CPU\n"
"  --timeout S       stop a cell that runs longer than S seconds (default 600,\n"
"                    quick 20; 0: never)\n"
"  --values u64|str  value kind of gomap's safe variants (default u64; str:\n"
"                    owned string values, no counting workloads; peers keep u64)\n"
"  --in-process      run the cells in this process instead of one child\n"
"                    process per cell (for profilers and debuggers)\n"
"  --quick           short run at reduced sizes (every workload unless\n"
"                    --workload says otherwise)\n"
"  --csv FILE        write the results as CSV\n"
"  --interleave      run the cells' timed runs in rounds (one child process per\n"
"                    run: every cell's first run, then every cell's second...)\n"
"                    so that a slow drift of the machine spreads over all cells\n"
"  --resume          with --csv: keep FILE's rows, skip the cells it already\n"
"                    has (done or failed) and append the others, so that a long\n"
"                    run (the full matrix) can be spread over several sittings\n"
"  --plot FILE       draw the results with gnuplot (.svg or .png)\n"
"  --from FILE       read results from a CSV instead of running (tables, plot)\n"
"  --list            list implementations and workloads, then exit\n"
"  -h, --help        this text\n"
"See docs/benchmarks.md.\n", f);
}

/* ---- options ------------------------------------------------------------------ */

enum { O_IMPL = 256, O_WORKLOAD, O_THREADS, O_KEYS, O_K, O_OPS, O_REPS, O_MINTIME,
       O_SEED, O_PIN, O_QUICK, O_CSV, O_PLOT, O_FROM, O_LIST, O_TIMEOUT, O_INPROC,
       O_RESUME, O_INTERLEAVE, O_VALUES };

static const struct option longopts[] = {
	{ "impl", required_argument, NULL, O_IMPL },
	{ "workload", required_argument, NULL, O_WORKLOAD },
	{ "threads", required_argument, NULL, O_THREADS },
	{ "keys", required_argument, NULL, O_KEYS },
	{ "K", required_argument, NULL, O_K },
	{ "ops", required_argument, NULL, O_OPS },
	{ "reps", required_argument, NULL, O_REPS },
	{ "min-time", required_argument, NULL, O_MINTIME },
	{ "seed", required_argument, NULL, O_SEED },
	{ "pin", no_argument, NULL, O_PIN },
	{ "quick", no_argument, NULL, O_QUICK },
	{ "csv", required_argument, NULL, O_CSV },
	{ "resume", no_argument, NULL, O_RESUME },
	{ "interleave", no_argument, NULL, O_INTERLEAVE },
	{ "plot", required_argument, NULL, O_PLOT },
	{ "from", required_argument, NULL, O_FROM },
	{ "list", no_argument, NULL, O_LIST },
	{ "timeout", required_argument, NULL, O_TIMEOUT },
	{ "in-process", no_argument, NULL, O_INPROC },
	{ "values", required_argument, NULL, O_VALUES },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

/* One option with its argument; 0, or 2 (a usage error, said). */
static int take_option(gb_opts *o, int opt, const char *arg)
{
	switch (opt) {
	case O_IMPL: o->impl = arg; break;
	case O_WORKLOAD: o->workload = arg; break;
	case O_THREADS: o->threads = arg; break;
	case O_KEYS: o->keys = arg; break;
	case O_K: o->K = arg; break;
	case O_OPS:
		if (gb_parse_count(arg, &o->ops) != 0) {
			fprintf(stderr, "gomap bench: bad --ops '%s'\n", arg);
			return 2;
		}
		break;
	case O_REPS:
		o->reps = atoi(arg);
		if (o->reps < 1) {
			fprintf(stderr, "gomap bench: --reps must be at least 1\n");
			return 2;
		}
		break;
	case O_MINTIME:
		o->min_time = strtod(arg, NULL);
		o->min_time_set = true;
		break;
	case O_SEED: o->seed = strtoull(arg, NULL, 0); break;
	case O_PIN: o->pin = true; break;
	case O_QUICK: o->quick = true; break;
	case O_CSV: o->csv = arg; break;
	case O_RESUME: o->resume = true; break;
	case O_INTERLEAVE: o->interleave = true; break;
	case O_PLOT: o->plot = arg; break;
	case O_FROM: o->from = arg; break;
	case O_LIST: o->list = true; break;
	case O_TIMEOUT:
		o->timeout = strtod(arg, NULL);
		o->timeout_set = true;
		break;
	case O_INPROC: o->in_process = true; break;
	case O_VALUES:
		/* read by impl_gomap.c, here and in every cell's child */
		if (strcmp(arg, "u64") != 0 && strcmp(arg, "str") != 0) {
			fprintf(stderr, "gomap bench: --values is u64 or str\n");
			return 2;
		}
		setenv("GOMAP_BENCH_VALUES", arg, 1);
		break;
	default: usage(stderr); return 2;
	}
	return 0;
}

/* The options into @o: -1 to go on, else the exit status (--help: 0). */
static int parse_options(int argc, char **argv, gb_opts *o)
{
	*o = (gb_opts){ .reps = 5, .min_time = 0.2, .seed = 1 };
	int opt;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (opt == 'h') {
			usage(stdout);
			return 0;
		}
		int rc = take_option(o, opt, optarg);
		if (rc)
			return rc;
	}
	if (optind < argc) {
		fprintf(stderr, "gomap bench: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	if (o->resume && !o->csv && !o->list && !o->from) {
		fprintf(stderr, "gomap bench: --resume needs --csv FILE\n");
		return 2;
	}
	if (o->quick && !o->min_time_set)
		o->min_time = 0;
	if (!o->timeout_set)
		o->timeout = o->quick ? 20 : 600;
	return -1;
}

/* ---- list -------------------------------------------------------------------- */

static void list_all(void)
{
	const gb_impl *const *all = gb_impls();
	printf("implementations in this build:\n");
	for (int i = 0; all[i]; i++) {
		const gb_impl *m = all[i];
		printf("  %-16s %-8s %-11s %s%s%s\n", m->name, m->group,
		       m->flags & GB_F_CONCURRENT ? "concurrent" : "1 thread", m->desc,
		       m->version ? " - " : "", m->version ? m->version : "");
	}
	const char *missing = gb_impls_missing();
	if (*missing)
		printf("not built: %s\n", missing);
	printf("\nworkloads (BENCH.md):\n");
	for (const gb_workload *w = gb_workloads; w->name; w++)
		printf("  %-16s %s\n", w->name, w->desc);
	printf("\ngroups: --impl all|gomap|peer|go|variant, --workload "
	       "all|article|concurrent|count|st\n");
	/* Counting needs an atomic increment, which not every map has. */
	bool none = true;
	for (int i = 0; all[i]; i++)
		if (!gb_impl_supports_kind(all[i], GB_K_COUNT, GB_U64) &&
		    !gb_impl_supports_kind(all[i], GB_K_COUNT, GB_STR)) {
			printf("%s%s", none ? "no atomic increment (count-* not run): " : ", ",
			       all[i]->name);
			none = false;
		}
	if (!none)
		printf("\n");
}

/* ---- report ------------------------------------------------------------------ */

static int output(const gb_opts *o, const gb_result *rows, size_t n, const char *caption)
{
	gb_print_article(stdout, rows, n);
	gb_print_tables(stdout, rows, n);
	fflush(stdout);
	if (o->plot) {
		if (gb_plot(o->plot, rows, n, caption) != 0)
			return 1;
		fprintf(stderr, "gomap bench: plot written to %s\n", o->plot);
	}
	return 0;
}

/* --from: the tables and plot of a CSV read back. */
static int report_csv(const gb_opts *o)
{
	gb_result *rows;
	size_t n;
	char *comment = NULL;
	if (gb_csv_read(o->from, &rows, &n, &comment) != 0) {
		fprintf(stderr, "gomap bench: cannot read %s: %s\n", o->from, strerror(errno));
		return 1;
	}
	char *cap = gb_caption_from_comment(comment);
	int rc = output(o, rows, n, cap);
	free(cap);
	free(comment);
	free(rows);
	return rc;
}

/* ---- main ---------------------------------------------------------------------- */

/* This program, to run each cell in a child of it; false: run in-process. */
static bool find_self(char *buf, size_t size, char **argv, gb_child *self)
{
	*self = (gb_child){ .subcommand = argv[0] && strcmp(argv[0], "bench") == 0 ? "bench"
	                                                                          : NULL };
	ssize_t l = readlink("/proc/self/exe", buf, size - 1);
	if (l <= 0)
		return false;
	buf[l] = '\0';
	self->exe = buf;
	return true;
}

/* Plan, run, report. */
static int run_bench(int argc, char **argv, gb_opts *o)
{
	char exe[4096];
	gb_child self;
	if (!find_self(exe, sizeof exe, argv, &self) && !o->in_process) {
		fprintf(stderr, "gomap bench: cannot find this program (/proc/self/exe): "
		        "running the cells in-process\n");
		o->in_process = true;
	}
	gb_plan plan;
	if (gb_plan_make(o, &plan) != 0) {
		gb_plan_free(&plan);
		return 2;
	}
	char *caption;
	char *desc = gb_describe_run(argc, argv, o, &plan, &caption);
	gb_warn_build();
	gb_result *rows = calloc(plan.ncells, sizeof *rows);
	int failed = rows ? gb_drive(o, &plan, &self, desc, rows) : -1;
	int rc = failed < 0 ? 1 : output(o, rows, plan.ncells, caption);
	free(rows);
	free(desc);
	free(caption);
	gb_plan_free(&plan);
	return rc ? rc : failed ? 1 : 0;
}

int gomap_bench_main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--cell") == 0)
			return gomap_bench_child_main(argc, argv, "gomap bench (in-process)");
	gb_opts o;
	int rc = parse_options(argc, argv, &o);
	if (rc >= 0)
		return rc;
	if (o.list) {
		list_all();
		return 0;
	}
	if (o.from)
		return report_csv(&o);
	return run_bench(argc, argv, &o);
}
