/*
 * bench/drive.c - runs the plan's cells: each in a fresh child process of
 * this program (`gomap bench --cell ...`: a fresh heap for the memory
 * figures, fresh library state for every peer, and a peer that hangs or
 * crashes costs one cell, not the run), in order or interleaved; shows the
 * progress; writes each finished cell's row to the CSV at once (a stopped
 * run keeps every finished cell); with --resume, skips the cells the CSV
 * already has.
 */
#define _GNU_SOURCE
#include "driver.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* ---- progress ------------------------------------------------------------------ */

typedef struct progress {
	const gb_opts *o;
	bool tty;
	size_t total, done;
	double start, est_total, est_done;
} progress;

static void fmt_dur(char *b, size_t n, double s)
{
	if (s < 60)
		snprintf(b, n, "%.0fs", s);
	else if (s < 3600)
		snprintf(b, n, "%dm%02ds", (int)s / 60, (int)s % 60);
	else
		snprintf(b, n, "%dh%02dm", (int)s / 3600, (int)s % 3600 / 60);
}

static void cell_label(char *b, size_t n, const gb_cell *c)
{
	char K[24];
	if (c->K && (c->K & (c->K - 1)) == 0)
		snprintf(K, sizeof K, "2^%d", __builtin_ctzll(c->K));
	else
		snprintf(K, sizeof K, "%llu", (unsigned long long)c->K);
	snprintf(b, n, "%s %s K=%s t=%d %s", c->workload, gb_keys_name(c->keys), K, c->threads,
	         c->impl->name);
}

static void progress_show(progress *p, const gb_cell *next)
{
	if (!p->tty)
		return;
	double el = gb_now_s() - p->start;
	double pace = p->est_done > 0 ? el / p->est_done : 1.0;
	double left = (p->est_total - p->est_done) * pace;
	char eta[32], lab[96];
	fmt_dur(eta, sizeof eta, left);
	cell_label(lab, sizeof lab, next);
	struct winsize ws;
	int cols = ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col ? ws.ws_col : 100;
	const int barw = 24;
	int fill = p->total ? (int)(barw * p->done / p->total) : 0;
	char bar[barw + 1];
	for (int i = 0; i < barw; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[barw] = '\0';
	char line[512];
	snprintf(line, sizeof line, "[%s] %zu/%zu  ETA %s  %s", bar, p->done, p->total,
	         p->done ? eta : "?", lab);
	if ((int)strlen(line) > cols - 1)
		line[cols > 1 ? cols - 1 : 0] = '\0';
	fprintf(stderr, "\r\033[K%s", line);
	fflush(stderr);
}

static void progress_done(progress *p, const gb_cell *c, const gb_result *r, int rc,
                          double secs)
{
	p->done++;
	p->est_done += gb_cell_estimate(p->o, c);
	char lab[96], fig[400];
	cell_label(lab, sizeof lab, c);
	if (rc != 0)
		snprintf(fig, sizeof fig, "FAILED (%s)", r->notes);
	else if (c->kind == GB_K_MEMORY)
		snprintf(fig, sizeof fig, "%.2f bytes/entry", gb_notes_get(r->notes, "bytes_per_entry"));
	else if (c->kind == GB_K_GROW)
		snprintf(fig, sizeof fig, "p50 %.1f ns, p99.99 %.1f ns, max %.0f ns", r->median,
		         gb_notes_get(r->notes, "p99.99"), gb_notes_get(r->notes, "max"));
	else
		snprintf(fig, sizeof fig, "%.2f ns/op", r->median);
	if (p->tty) {
		if (rc != 0)
			fprintf(stderr, "\r\033[K%s: %s\n", lab, fig);
	} else {
		double rt = gb_notes_get(r->notes, "rt_ns");
		if (rt > 0)
			fprintf(stderr, "[%zu/%zu] %s: %s (%.1f s; line round trip %.0f-%.0f ns)\n",
			        p->done, p->total, lab, fig, secs, rt, gb_notes_get(r->notes, "rt_max_ns"));
		else
			fprintf(stderr, "[%zu/%zu] %s: %s (%.1f s)\n", p->done, p->total, lab, fig, secs);
	}
}

/* ---- one cell ------------------------------------------------------------------ */

/* One cell (all its runs) in a child process, or here when asked. */
static int run_one(const gb_opts *o, const gb_child *self, const gb_cell *c, gb_result *r)
{
	if (o->in_process || !self || (c->impl->flags & GB_F_CHILD))
		return gb_run_cell(c, r);
	return gb_child_run(self, c, r);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* The cache-line round trip between the first two CPUs, measured beside a
 * cell (see gb_line_rt_ns): its lowest and highest reading go to the notes,
 * so that a figure taken while the hypervisor had the vCPUs far apart can
 * be told from one taken while they were close. */
typedef struct rtspan {
	double lo, hi;
} rtspan;

static void rt_probe(rtspan *r)
{
	double v = gb_line_rt_ns();
	if (isnan(v))
		return;
	if (r->lo == 0 || v < r->lo)
		r->lo = v;
	if (v > r->hi)
		r->hi = v;
}

static void rt_note(gb_result *row, const rtspan *r)
{
	if (r->lo > 0)
		gb_notes_add(row->notes, sizeof row->notes, "rt_ns=%.0f;rt_max_ns=%.0f", r->lo,
		             r->hi);
}

static void csv_put(FILE *csv, const gb_result *row)
{
	if (csv) {
		gb_csv_row(csv, row);
		fflush(csv); /* a stopped run keeps every finished cell */
	}
}

/* ---- in order ------------------------------------------------------------------- */

static int run_in_order(const gb_opts *o, const gb_child *self, const gb_plan *pl,
                        const bool *have, gb_result *rows, FILE *csv, progress *p)
{
	int failed = 0;
	for (size_t i = 0; i < pl->ncells; i++) {
		const gb_cell *c = &pl->cells[i];
		if (have[i])
			continue;
		progress_show(p, c);
		rtspan rt = { 0 };
		rt_probe(&rt);
		double t0 = gb_now_s();
		int rc = run_one(o, self, c, &rows[i]);
		failed += rc != 0;
		double secs = gb_now_s() - t0;
		rt_probe(&rt);
		/* The cell's wall time, child start and set-up included: what the
		 * duration of a resumed run adds up from. */
		gb_notes_add(rows[i].notes, sizeof rows[i].notes, "secs=%.1f", secs);
		rt_note(&rows[i], &rt);
		progress_done(p, c, &rows[i], rc, secs);
		csv_put(csv, &rows[i]);
	}
	return failed;
}

/* ---- interleaved ------------------------------------------------------------------ */

/*
 * --interleave: each timed run of a cell in its own child (with its own
 * warm-up run), in rounds: every cell's first run, then every cell's second,
 * until each cell has --reps runs; a child repeats a short run until it has
 * its share (1/--reps) of --min-time, and reports their median. On a
 * machine whose speed drifts (a shared VM), every cell then samples the
 * whole period instead of its own few seconds of it, and cells compare
 * fairly. grow-latency and memory cells keep their own protocol (all runs in
 * one child, first round).
 */

/* A cell's state across the rounds. */
typedef struct ilv {
	double *v;    /* the children's medians */
	size_t nv;
	double secs;
	bool done;
	rtspan rt;
} ilv;

static bool special(const gb_cell *c)
{
	return c->kind >= GB_K_GROW;
}

/* The row of a cell whose children all reported: median, min and max over
 * their medians; notes: the first child's, with this cell's run count. */
static void ilv_finish(gb_result *row, ilv *s)
{
	qsort(s->v, s->nv, sizeof *s->v, cmp_double);
	size_t n = s->nv;
	row->median = n % 2 ? s->v[n / 2] : (s->v[n / 2 - 1] + s->v[n / 2]) / 2;
	row->min = s->v[0];
	row->max = s->v[n - 1];
	row->mops = 1000.0 / row->median;
	char rest[sizeof row->notes] = "";
	for (char *t = strtok(row->notes, ";"); t; t = strtok(NULL, ";"))
		if (strncmp(t, "reps=", 5) != 0)
			gb_notes_add(rest, sizeof rest, "%s", t);
	snprintf(row->notes, sizeof row->notes, "reps=%zu;interleaved", n);
	if (*rest)
		gb_notes_add(row->notes, sizeof row->notes, "%s", rest);
}

/* One child of cell @c (one timed run, or a special cell's whole
 * protocol); returns 1 if the cell failed. */
static int ilv_step(const gb_opts *o, const gb_child *self, const gb_cell *c, ilv *s,
                    gb_result *row, progress *p)
{
	gb_cell one = *c;
	if (!special(c)) {
		/* one median per child; each child runs its share of
		 * --min-time (short cells repeat inside it) */
		one.reps = 1;
		one.min_time = c->min_time / c->reps;
	}
	gb_result r;
	progress_show(p, c);
	rt_probe(&s->rt);
	double t0 = gb_now_s();
	int rc = run_one(o, self, &one, &r);
	double secs = gb_now_s() - t0;
	s->secs += secs;
	progress_done(p, c, &r, rc, secs);
	if (rc != 0 || special(c)) {
		*row = r;
		s->done = true;
		return rc != 0;
	}
	double *nv = realloc(s->v, (s->nv + 1) * sizeof *nv);
	if (!nv) {
		*row = r;
		s->done = true;
		return 1;
	}
	s->v = nv;
	s->v[s->nv++] = r.median;
	if (s->nv == 1)
		*row = r; /* identity and the run's own notes */
	s->done = (int)s->nv >= c->reps;
	if (s->done)
		ilv_finish(row, s);
	return 0;
}

static int run_interleaved(const gb_opts *o, const gb_child *self, const gb_plan *pl,
                           const bool *have, gb_result *rows, FILE *csv, progress *p)
{
	size_t n = pl->ncells;
	ilv *st = calloc(n, sizeof *st);
	if (!st) {
		fprintf(stderr, "gomap bench: out of memory\n");
		return (int)n;
	}
	p->total = 0;
	for (size_t i = 0; i < n; i++)
		p->total += have[i] ? 0 : special(&pl->cells[i]) ? 1 : (size_t)pl->cells[i].reps;
	int failed = 0;
	for (bool more = true; more;) {
		more = false;
		for (size_t i = 0; i < n; i++) {
			if (have[i] || st[i].done)
				continue;
			failed += ilv_step(o, self, &pl->cells[i], &st[i], &rows[i], p);
			if (!st[i].done) {
				more = true;
				continue;
			}
			gb_notes_add(rows[i].notes, sizeof rows[i].notes, "secs=%.1f", st[i].secs);
			rt_note(&rows[i], &st[i].rt);
			csv_put(csv, &rows[i]);
		}
	}
	for (size_t i = 0; i < n; i++)
		free(st[i].v);
	free(st);
	return failed;
}

/* ---- the run ---------------------------------------------------------------------- */

/* Rows for the same cell (--resume): same implementation, workload, keys,
 * K and threads. */
static bool same_cell(const gb_result *a, const gb_result *b)
{
	return strcmp(a->impl, b->impl) == 0 && strcmp(a->workload, b->workload) == 0 &&
	       strcmp(a->keys, b->keys) == 0 && a->K == b->K && a->threads == b->threads;
}

/* --resume: the rows already in the file stand for their cells; returns
 * how many, or -1 if the file cannot be read. */
static long resume_rows(const gb_opts *o, const gb_plan *pl, gb_result *rows, bool *have)
{
	if (!o->resume || access(o->csv, F_OK) != 0)
		return 0;
	gb_result *old = NULL;
	size_t nold = 0;
	if (gb_csv_read(o->csv, &old, &nold, NULL) != 0) {
		fprintf(stderr, "gomap bench: cannot read %s: %s\n", o->csv, strerror(errno));
		return -1;
	}
	long nhave = 0;
	for (size_t i = 0; i < pl->ncells; i++) {
		gb_result id;
		gb_result_init(&id, &pl->cells[i]);
		for (size_t k = 0; k < nold && !have[i]; k++)
			if (same_cell(&old[k], &id)) {
				rows[i] = old[k];
				have[i] = true;
				nhave++;
			}
	}
	free(old);
	return nhave;
}

/* The CSV, new (with its header) or, resuming, appended to. */
static FILE *csv_open(const gb_opts *o, const char *desc, size_t nhave, size_t ncells)
{
	if (!o->csv)
		return NULL;
	bool append = o->resume && nhave > 0;
	FILE *csv = fopen(o->csv, append ? "a" : "w");
	if (!csv) {
		fprintf(stderr, "gomap bench: cannot write %s: %s\n", o->csv, strerror(errno));
		return NULL;
	}
	if (append)
		gb_describe_resume(csv, nhave, ncells);
	else
		gb_csv_header(csv, desc);
	fflush(csv);
	return csv;
}

int gb_drive(const gb_opts *o, const gb_plan *pl, const gb_child *self, const char *desc,
             gb_result *rows)
{
	bool *have = calloc(pl->ncells, sizeof *have);
	if (!have)
		return -1;
	long nhave = resume_rows(o, pl, rows, have);
	FILE *csv = nhave < 0 ? NULL : csv_open(o, desc, (size_t)nhave, pl->ncells);
	if (nhave < 0 || (o->csv && !csv)) {
		free(have);
		return -1;
	}
	if (nhave)
		fprintf(stderr, "gomap bench: %ld of %zu cells already in %s: skipped\n", nhave,
		        pl->ncells, o->csv);
	progress p = { .o = o, .tty = isatty(STDERR_FILENO), .total = pl->ncells - (size_t)nhave,
	               .start = gb_now_s() };
	for (size_t i = 0; i < pl->ncells; i++)
		if (!have[i])
			p.est_total += gb_cell_estimate(o, &pl->cells[i]);
	char est[32];
	fmt_dur(est, sizeof est, p.est_total);
	fprintf(stderr, "gomap bench: %zu cells, %d implementations, %d workloads (first guess: "
	        "%s)\n", pl->ncells, pl->nimpl, pl->nwl, est);
	int failed = o->interleave ? run_interleaved(o, self, pl, have, rows, csv, &p)
	                           : run_in_order(o, self, pl, have, rows, csv, &p);
	char took[32];
	fmt_dur(took, sizeof took, gb_now_s() - p.start);
	if (p.tty)
		fprintf(stderr, "\r\033[K");
	fprintf(stderr, "gomap bench: %zu cells in %s%s%s\n", pl->ncells - (size_t)nhave, took,
	        failed ? ", failed: " : "", failed ? "see FAILED lines above" : "");
	if (csv) {
		fclose(csv);
		fprintf(stderr, "gomap bench: results written to %s\n", o->csv);
	}
	free(have);
	return failed;
}
