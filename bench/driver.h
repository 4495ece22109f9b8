/*
 * bench/driver.h - the parts of `gomap bench` above the cell: the options
 * (cli.c), the plan of cells (plan.c), running them (drive.c) and the
 * run's description (describe.c). The flow is one-way:
 *   cli.c parses the options, plan.c turns them into cells, drive.c runs
 *   the cells and writes the CSV, cli.c prints the tables and the plot.
 */
#ifndef GOMAP_BENCH_DRIVER_H
#define GOMAP_BENCH_DRIVER_H

#include "bench.h"

/* The options, as given (lists unparsed: plan.c parses them). */
typedef struct gb_opts {
	const char *impl, *workload, *threads, *keys, *K, *csv, *plot, *from;
	uint64_t ops, seed;
	int reps;
	double min_time;
	double timeout;
	bool resume;     /* --resume: keep and extend the --csv file */
	bool interleave; /* --interleave: timed runs in rounds over the cells */
	bool min_time_set, timeout_set, pin, quick, list, in_process;
} gb_opts;

#define GB_MAX_SELECT 64

/* What to run: the implementations and workloads chosen, and their cells
 * in run order. */
typedef struct gb_plan {
	const gb_impl *impls[GB_MAX_SELECT];
	bool named[GB_MAX_SELECT]; /* chosen by name, not by a group */
	int nimpl;
	const gb_workload *wls[GB_MAX_SELECT];
	int nwl;
	gb_cell *cells;
	size_t ncells, cap;
} gb_plan;

/* plan.c */
/* "2^20", "1048576", "1M", "1.5M", "100k"; 0 ok. */
int gb_parse_count(const char *s, uint64_t *out);
/* The plan of @o; 0, or 2 (a usage error, said on stderr). */
int gb_plan_make(const gb_opts *o, gb_plan *p);
void gb_plan_free(gb_plan *p);
/* Seconds cell @c is expected to take, its process start included. */
double gb_cell_estimate(const gb_opts *o, const gb_cell *c);

/* describe.c */
/* The CSV comment of a run (malloc) and its plot caption (*caption,
 * malloc). */
char *gb_describe_run(int argc, char **argv, const gb_opts *o, const gb_plan *p,
                      char **caption);
/* The plot caption of a CSV read back, from its comment (malloc). */
char *gb_caption_from_comment(const char *comment);
/* The current UTC time, ISO 8601 (a static buffer). */
const char *gb_today(void);
/* On stderr: the implementations not built, and a build not fit to time. */
void gb_warn_build(void);
/* The comment line a resumed run appends to its CSV. */
void gb_describe_resume(FILE *f, size_t have, size_t total);

/* drive.c */
/* Runs the plan's cells (the program's own path in @self_exe, NULL: in
 * this process), rows[i] for cell i, writing @o->csv as it goes (its
 * header: @desc). Returns the number of failed cells, or -1 if the run
 * could not start (said on stderr). */
int gb_drive(const gb_opts *o, const gb_plan *p, const gb_child *self, const char *desc,
             gb_result *rows);

#endif /* GOMAP_BENCH_DRIVER_H */
