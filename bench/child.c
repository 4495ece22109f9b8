/*
 * bench/child.c - where a cell runs: in another process (the driver side of
 * the child protocol), or here, and the child side of that protocol.
 *
 * Calls: proc.c to start the child, csv.c to read its row, measure.c to
 * time a cell here, registry.c for the implementation a child is asked to
 * run. Nothing below it calls back into this file.
 *
 * Two kinds of implementation live outside the driver's process: the Go
 * program (bench/go, Go's map, sync.Map, channels), and "variant builds":
 * executables linked against a second copy of the library compiled with
 * other options (GOMAP_MAPCHECKS=0, ...), which run the `map` adapter.
 *
 * Protocol: the driver runs
 *   EXE --cell --impl NAME --workload W --kind KIND --keys u64|str --K N
 *       --threads T --ops N --prefill PCT --mix L,S,D --dist uniform|zipf
 *       --reps R --min-time S --seed N [--pin] [--quick]
 * and the child prints one CSV row in the driver's format on stdout (lines
 * starting with '#' are ignored) and exits 0. The cell is spelled out in
 * full, so the child needs no copy of BENCH.md's tables. The driver renames
 * the row's impl to its own name (a variant's `map` becomes `map-nochecks`)
 * and appends the implementation's notes. `EXE --version` prints one line.
 */
#define _GNU_SOURCE
#include "bench.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The cell's figures as text: the arguments of the child protocol. */
typedef struct cell_args {
	char K[24], T[16], ops[24], pre[8], mix[24], reps[16], mt[32], seed[24];
	const char *argv[40];
} cell_args;

static void cell_args_make(cell_args *ca, const gb_child *ch, const gb_cell *c)
{
	snprintf(ca->K, sizeof ca->K, "%llu", (unsigned long long)c->K);
	snprintf(ca->T, sizeof ca->T, "%d", c->threads);
	snprintf(ca->ops, sizeof ca->ops, "%llu", (unsigned long long)c->ops);
	snprintf(ca->pre, sizeof ca->pre, "%d", c->prefill_pct);
	snprintf(ca->mix, sizeof ca->mix, "%d,%d,%d", c->mix[0], c->mix[1], c->mix[2]);
	snprintf(ca->reps, sizeof ca->reps, "%d", c->reps);
	snprintf(ca->mt, sizeof ca->mt, "%g", c->min_time);
	snprintf(ca->seed, sizeof ca->seed, "%llu", (unsigned long long)c->seed);
	const char **argv = ca->argv;
	int a = 0;
	argv[a++] = ch->exe;
	if (ch->subcommand)
		argv[a++] = ch->subcommand;
	argv[a++] = "--cell";
	argv[a++] = "--impl";
	argv[a++] = ch->as ? ch->as : c->impl->name;
	argv[a++] = "--workload";
	argv[a++] = c->workload;
	argv[a++] = "--kind";
	argv[a++] = gb_kind_name(c->kind);
	argv[a++] = "--keys";
	argv[a++] = gb_keys_name(c->keys);
	argv[a++] = "--K";
	argv[a++] = ca->K;
	argv[a++] = "--threads";
	argv[a++] = ca->T;
	argv[a++] = "--ops";
	argv[a++] = ca->ops;
	argv[a++] = "--prefill";
	argv[a++] = ca->pre;
	argv[a++] = "--mix";
	argv[a++] = ca->mix;
	argv[a++] = "--dist";
	argv[a++] = c->zipf ? "zipf" : "uniform";
	argv[a++] = "--reps";
	argv[a++] = ca->reps;
	argv[a++] = "--min-time";
	argv[a++] = ca->mt;
	argv[a++] = "--seed";
	argv[a++] = ca->seed;
	if (c->pin)
		argv[a++] = "--pin";
	if (c->quick)
		argv[a++] = "--quick";
	argv[a] = NULL;
}

/* The first row of a child's output (lines starting with '#' skipped);
 * 0 if there is one. */
static int first_row(char *out, gb_result *r)
{
	for (char *line = out; line && *line;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		if (*line && *line != '#')
			return gb_csv_parse_row(line, r);
		line = nl ? nl + 1 : NULL;
	}
	return -1;
}

int gb_child_run(const gb_child *ch, const gb_cell *c, gb_result *r)
{
	gb_result_init(r, c);
	cell_args ca;
	cell_args_make(&ca, ch, c);
	int status;
	char *out = gb_proc_capture((char *const *)ca.argv, c->timeout, &status);
	if (!out) {
		gb_notes_add(r->notes, sizeof r->notes, "error=cannot run %s", ch->exe);
		return -1;
	}
	if (status == GB_PROC_TIMEOUT) {
		free(out);
		gb_notes_add(r->notes, sizeof r->notes, "error=timeout: stopped after %g s",
		             c->timeout);
		return -1;
	}
	gb_result got;
	int rc = first_row(out, &got);
	free(out);
	if (rc == 0)
		*r = got;
	if (rc != 0 || status != 0) {
		gb_notes_add(r->notes, sizeof r->notes, "error=%s exited %d", ch->exe, status);
		return -1;
	}
	snprintf(r->impl, sizeof r->impl, "%s", c->impl->name);
	/* An in-process implementation run in a child adds its own notes. */
	if (c->impl->notes && (c->impl->flags & GB_F_CHILD))
		gb_notes_add(r->notes, sizeof r->notes, "%s", c->impl->notes);
	return isnan(r->median) && c->kind != GB_K_MEMORY ? -1 : 0;
}

int gb_run_cell(const gb_cell *c, gb_result *r)
{
	if (c->impl->flags & GB_F_CHILD)
		return gb_child_run(c->impl->child, c, r);
	return gb_measure_cell(c, r);
}

/* ---- the child side ---------------------------------------------------------- */

static int parse_mix(const char *s, int mix[3])
{
	return sscanf(s, "%d,%d,%d", &mix[0], &mix[1], &mix[2]) == 3 ? 0 : -1;
}

enum { O_CELL = 256, O_IMPL, O_WORKLOAD, O_KIND, O_KEYS, O_K, O_THREADS, O_OPS, O_PREFILL,
       O_MIX, O_DIST, O_REPS, O_MINTIME, O_SEED, O_PIN, O_QUICK, O_VERSION };

static const struct option cell_opts[] = {
	{ "cell", no_argument, NULL, O_CELL },
	{ "impl", required_argument, NULL, O_IMPL },
	{ "workload", required_argument, NULL, O_WORKLOAD },
	{ "kind", required_argument, NULL, O_KIND },
	{ "keys", required_argument, NULL, O_KEYS },
	{ "K", required_argument, NULL, O_K },
	{ "threads", required_argument, NULL, O_THREADS },
	{ "ops", required_argument, NULL, O_OPS },
	{ "prefill", required_argument, NULL, O_PREFILL },
	{ "mix", required_argument, NULL, O_MIX },
	{ "dist", required_argument, NULL, O_DIST },
	{ "reps", required_argument, NULL, O_REPS },
	{ "min-time", required_argument, NULL, O_MINTIME },
	{ "seed", required_argument, NULL, O_SEED },
	{ "pin", no_argument, NULL, O_PIN },
	{ "quick", no_argument, NULL, O_QUICK },
	{ "version", no_argument, NULL, O_VERSION },
	{ NULL, 0, NULL, 0 }
};

/* One option of the protocol into @c (or @impl, @cell); 0, or 2. */
static int cell_option(int opt, const char *arg, gb_cell *c, const char **impl, bool *cell)
{
	switch (opt) {
	case O_CELL: *cell = true; break;
	case O_IMPL: *impl = arg; break;
	case O_WORKLOAD: c->workload = arg; break;
	case O_KIND: c->kind = gb_kind_parse(arg); break;
	case O_KEYS: c->keys = strcmp(arg, "str") == 0 ? GB_STR : GB_U64; break;
	case O_K: c->K = strtoull(arg, NULL, 0); break;
	case O_THREADS: c->threads = atoi(arg); break;
	case O_OPS: c->ops = strtoull(arg, NULL, 0); break;
	case O_PREFILL: c->prefill_pct = atoi(arg); break;
	case O_MIX:
		if (parse_mix(arg, c->mix) != 0) {
			fprintf(stderr, "bad --mix %s\n", arg);
			return 2;
		}
		break;
	case O_DIST: c->zipf = strcmp(arg, "zipf") == 0; break;
	case O_REPS: c->reps = atoi(arg); break;
	case O_MINTIME: c->min_time = strtod(arg, NULL); break;
	case O_SEED: c->seed = strtoull(arg, NULL, 0); break;
	case O_PIN: c->pin = true; break;
	case O_QUICK: c->quick = true; break;
	default: return 2;
	}
	return 0;
}

int gomap_bench_child_main(int argc, char **argv, const char *version)
{
	gb_cell c = { .threads = 1, .reps = 5, .min_time = 0.2, .seed = 1 };
	const char *impl = NULL;
	bool cell = false;
	int opt;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "", cell_opts, NULL)) != -1) {
		if (opt == O_VERSION) {
			printf("%s\n", version);
			return 0;
		}
		if (cell_option(opt, optarg, &c, &impl, &cell) != 0)
			return 2;
	}
	if (!cell || !impl || !c.workload || (int)c.kind < 0 || c.K == 0 ||
	    c.threads < 1 || c.reps < 1) {
		fprintf(stderr, "%s: a benchmark child; run `gomap bench` instead\n", argv[0]);
		return 2;
	}
	gb_registry_children_off = true;
	c.impl = gb_impl_find(impl);
	if (!c.impl || (c.impl->flags & GB_F_CHILD)) {
		fprintf(stderr, "%s: no implementation %s here\n", argv[0], impl);
		return 2;
	}
	gb_result r;
	int rc = gb_measure_cell(&c, &r);
	gb_csv_row(stdout, &r);
	fflush(stdout);
	return rc == 0 ? 0 : 1;
}
