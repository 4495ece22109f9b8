/*
 * bench/report.c - the terminal tables of a set of results (from a run or
 * read back from a CSV); calls only util.c.
 *
 * Tables: one per workload; rows are implementations, columns the
 * (keys, K, threads) combinations that occur, labelled by what varies.
 * Lower is better in every table (ns/op, ns, bytes), and the best figure of
 * each column carries a '*'.
 */
#define _GNU_SOURCE
#include "bench.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- terminal tables --------------------------------------------------------- */

static void fmt_num(char *buf, size_t size, double v)
{
	if (isnan(v))
		snprintf(buf, size, "-");
	else if (v < 10)
		snprintf(buf, size, "%.2f", v);
	else if (v < 1000)
		snprintf(buf, size, "%.1f", v);
	else
		snprintf(buf, size, "%.0f", v);
}

static void fmt_K(char *buf, size_t size, uint64_t K)
{
	if (K && (K & (K - 1)) == 0)
		snprintf(buf, size, "2^%d", __builtin_ctzll(K));
	else
		snprintf(buf, size, "%llu", (unsigned long long)K);
}

typedef struct col {
	char keys[8];
	uint64_t K;
	int threads;
	const char *stat; /* grow-latency: which percentile */
} col;

#define MAX_COLS 48
#define MAX_ROWS 64

/* The figure a table shows for a row. */
static double value_of(const gb_result *r, const char *stat)
{
	if (stat)
		return strcmp(stat, "p50") == 0 ? r->median : gb_notes_get(r->notes, stat);
	if (strcmp(r->workload, "memory") == 0)
		return gb_notes_get(r->notes, "bytes_per_entry");
	return r->median;
}

/* One workload's table: its rows (implementations), columns and cells. */
typedef struct table {
	const char *wl;
	bool grow, mem;
	col cols[MAX_COLS];
	int ncols;
	const char *impls[MAX_ROWS];
	int nimpl;
	bool vary_keys, vary_K, vary_t;
	char label[MAX_COLS][40];
	double val[MAX_ROWS][MAX_COLS];
	double best[MAX_COLS];
} table;

static const char *const grow_stats[] = { "p50", "p99", "p99.99", "max" };

static void add_impl(table *t, const char *impl)
{
	int j;
	for (j = 0; j < t->nimpl && strcmp(t->impls[j], impl) != 0; j++)
		;
	if (j == t->nimpl && t->nimpl < MAX_ROWS)
		t->impls[t->nimpl++] = impl;
}

/* The column of @r (and grow-latency's statistic @stat), added if new. */
static void add_col(table *t, const gb_result *r, const char *stat)
{
	for (int j = 0; j < t->ncols; j++) {
		const col *c = &t->cols[j];
		if (strcmp(c->keys, r->keys) == 0 && c->K == r->K && c->threads == r->threads &&
		    (!stat || strcmp(c->stat, stat) == 0))
			return;
	}
	if (t->ncols == MAX_COLS)
		return;
	col *c = &t->cols[t->ncols++];
	snprintf(c->keys, sizeof c->keys, "%s", r->keys);
	c->K = r->K;
	c->threads = r->threads;
	c->stat = stat;
}

/* Rows and columns in the order the results first name them. */
static void table_layout(table *t, const gb_result *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const gb_result *r = &rows[i];
		if (strcmp(r->workload, t->wl) != 0)
			continue;
		add_impl(t, r->impl);
		for (int s = 0; s < (t->grow ? 4 : 1); s++)
			add_col(t, r, t->grow ? grow_stats[s] : NULL);
	}
	for (int j = 1; j < t->ncols; j++) {
		t->vary_keys |= strcmp(t->cols[j].keys, t->cols[0].keys) != 0;
		t->vary_K |= t->cols[j].K != t->cols[0].K;
		t->vary_t |= t->cols[j].threads != t->cols[0].threads;
	}
}

/* Column labels from what varies; the rest goes into the title. */
static void table_labels(table *t)
{
	for (int j = 0; j < t->ncols; j++) {
		const col *c = &t->cols[j];
		char *lab = t->label[j];
		size_t size = sizeof t->label[j], l = 0;
		char k[24];
		fmt_K(k, sizeof k, c->K);
		lab[0] = '\0';
		if (t->vary_keys)
			l += (size_t)snprintf(lab + l, size - l, "%s ", c->keys);
		if (t->vary_K)
			l += (size_t)snprintf(lab + l, size - l, "K=%s ", k);
		if (t->vary_t)
			l += (size_t)snprintf(lab + l, size - l, "t=%d ", c->threads);
		if (c->stat)
			l += (size_t)snprintf(lab + l, size - l, "%s ", c->stat);
		if (l == 0)
			snprintf(lab, size, "%s", t->mem ? "bytes/entry" : "ns/op");
		else
			lab[l - 1] = '\0';
	}
}

static void table_title(FILE *f, const table *t)
{
	const col *c0 = &t->cols[0];
	char k0[24];
	fmt_K(k0, sizeof k0, c0->K);
	fprintf(f, "\n== %s", t->wl);
	if (!t->vary_keys || !t->vary_K || !t->vary_t) {
		fprintf(f, " (");
		const char *sep = "";
		if (!t->vary_keys) {
			fprintf(f, "%s%s keys", sep, c0->keys);
			sep = ", ";
		}
		if (!t->vary_K) {
			fprintf(f, "%sK=%s", sep, k0);
			sep = ", ";
		}
		if (!t->vary_t)
			fprintf(f, "%s%d thread%s", sep, c0->threads, c0->threads == 1 ? "" : "s");
		fprintf(f, ")");
	}
	fprintf(f, ": %s, median of the runs; * = best\n",
	        t->mem ? "heap bytes per entry" : t->grow ? "ns per insert" : "ns/op");
}

/* Each cell's figure (NAN where there is none) and each column's best. */
static void table_values(table *t, const gb_result *rows, size_t n)
{
	for (int j = 0; j < t->ncols; j++)
		t->best[j] = INFINITY;
	for (int i = 0; i < t->nimpl; i++)
		for (int j = 0; j < t->ncols; j++) {
			const col *c = &t->cols[j];
			double v = NAN;
			for (size_t x = 0; x < n; x++) {
				const gb_result *r = &rows[x];
				if (strcmp(r->workload, t->wl) == 0 && strcmp(r->impl, t->impls[i]) == 0 &&
				    strcmp(r->keys, c->keys) == 0 && r->K == c->K &&
				    r->threads == c->threads)
					v = value_of(r, c->stat);
			}
			t->val[i][j] = v;
			if (!isnan(v) && v < t->best[j])
				t->best[j] = v;
		}
}

static void table_grid(FILE *f, const table *t)
{
	int w0 = 4;
	for (int i = 0; i < t->nimpl; i++)
		if ((int)strlen(t->impls[i]) > w0)
			w0 = (int)strlen(t->impls[i]);
	int w[MAX_COLS];
	for (int j = 0; j < t->ncols; j++) {
		w[j] = (int)strlen(t->label[j]);
		for (int i = 0; i < t->nimpl; i++) {
			char b[32];
			fmt_num(b, sizeof b, t->val[i][j]);
			if ((int)strlen(b) + 1 > w[j])
				w[j] = (int)strlen(b) + 1;
		}
	}
	fprintf(f, "%-*s", w0, "impl");
	for (int j = 0; j < t->ncols; j++)
		fprintf(f, "  %*s", w[j], t->label[j]);
	fputc('\n', f);
	for (int i = 0; i < t->nimpl; i++) {
		fprintf(f, "%-*s", w0, t->impls[i]);
		for (int j = 0; j < t->ncols; j++) {
			double v = t->val[i][j];
			char b[32], c[40];
			fmt_num(b, sizeof b, v);
			snprintf(c, sizeof c, "%s%s", b, !isnan(v) && v == t->best[j] ? "*" : " ");
			fprintf(f, "  %*s", w[j], c);
		}
		fputc('\n', f);
	}
}

static void print_workload(FILE *f, const gb_result *rows, size_t n, const char *wl)
{
	table *t = calloc(1, sizeof *t);
	if (!t)
		return;
	t->wl = wl;
	t->grow = strcmp(wl, "grow-latency") == 0;
	t->mem = strcmp(wl, "memory") == 0;
	table_layout(t, rows, n);
	if (t->nimpl) {
		table_labels(t);
		table_title(f, t);
		table_values(t, rows, n);
		table_grid(f, t);
	}
	free(t);
}

void gb_print_tables(FILE *f, const gb_result *rows, size_t n)
{
	const char *seen[64];
	int ns = 0;
	for (size_t i = 0; i < n; i++) {
		int j;
		for (j = 0; j < ns && strcmp(seen[j], rows[i].workload) != 0; j++)
			;
		if (j < ns || ns == 64)
			continue;
		seen[ns++] = rows[i].workload;
		print_workload(f, rows, n, rows[i].workload);
	}
}

/* The article's table: Go map+Mutex read 8.2 / write 15.4 ns/op, sync.Map
 * 12.7 / 28.9 (1,000,000 operations, 8 goroutines). */
static const struct {
	const char *impl;
	double read, write;
} article[] = { { "go-map-mutex", 8.2, 15.4 }, { "go-syncmap", 12.7, 28.9 } };

static const gb_result *find_row(const gb_result *rows, size_t n, const char *impl,
                                 const char *wl)
{
	const gb_result *found = NULL;
	for (size_t i = 0; i < n; i++)
		if (strcmp(rows[i].impl, impl) == 0 && strcmp(rows[i].workload, wl) == 0)
			found = &rows[i]; /* the last one, if a file holds several */
	return found;
}

void gb_print_article(FILE *f, const gb_result *rows, size_t n)
{
	const char *impls[MAX_ROWS];
	int ni = 0;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(rows[i].workload, "seed-read") != 0 &&
		    strcmp(rows[i].workload, "seed-write") != 0)
			continue;
		int j;
		for (j = 0; j < ni && strcmp(impls[j], rows[i].impl) != 0; j++)
			;
		if (j == ni && ni < MAX_ROWS)
			impls[ni++] = rows[i].impl;
	}
	if (!ni)
		return;
	const gb_result *any = find_row(rows, n, impls[0], "seed-read");
	if (!any)
		any = find_row(rows, n, impls[0], "seed-write");
	char cell[MAX_ROWS][2][112];
	double med[MAX_ROWS][2], best[2] = { INFINITY, INFINITY };
	for (int i = 0; i < ni; i++)
		for (int c = 0; c < 2; c++) {
			const gb_result *r = find_row(rows, n, impls[i], c ? "seed-write" : "seed-read");
			med[i][c] = r ? r->median : NAN;
			if (!isnan(med[i][c]) && med[i][c] < best[c])
				best[c] = med[i][c];
			if (!r || isnan(r->median)) {
				snprintf(cell[i][c], sizeof cell[i][c], "-");
				continue;
			}
			char a[32], b[32], d[32];
			fmt_num(a, sizeof a, r->median);
			fmt_num(b, sizeof b, r->min);
			fmt_num(d, sizeof d, r->max);
			snprintf(cell[i][c], sizeof cell[i][c], "%s [%s-%s]", a, b, d);
		}
	fprintf(f, "\n== The article's experiment (seed-read / seed-write: %llu operations, "
	        "%d threads, K=2^%d)\n",
	        any ? (unsigned long long)any->ops : 0ull, any ? any->threads : 0,
	        any && any->K ? __builtin_ctzll(any->K) : 0);
	fprintf(f, "ns/op: median [min-max] of the runs; * = best measured; "
	        "the article's claims for Go beside the Go rows\n");
	int w0 = 4, w1 = (int)strlen("read ns/op"), w2 = (int)strlen("write ns/op");
	for (int i = 0; i < ni; i++) {
		if ((int)strlen(impls[i]) > w0)
			w0 = (int)strlen(impls[i]);
		if ((int)strlen(cell[i][0]) + 1 > w1)
			w1 = (int)strlen(cell[i][0]) + 1;
		if ((int)strlen(cell[i][1]) + 1 > w2)
			w2 = (int)strlen(cell[i][1]) + 1;
	}
	fprintf(f, "%-*s  %-*s  %-*s  %s\n", w0, "impl", w1, "read ns/op", w2, "write ns/op",
	        "article claim (read / write)");
	for (int i = 0; i < ni; i++) {
		char r0[128], r1[128], claim[64] = "";
		snprintf(r0, sizeof r0, "%s%s", cell[i][0], med[i][0] == best[0] ? "*" : "");
		snprintf(r1, sizeof r1, "%s%s", cell[i][1], med[i][1] == best[1] ? "*" : "");
		for (size_t a = 0; a < sizeof article / sizeof *article; a++)
			if (strcmp(article[a].impl, impls[i]) == 0)
				snprintf(claim, sizeof claim, "%.1f / %.1f", article[a].read,
				         article[a].write);
		fprintf(f, "%-*s  %-*s  %-*s  %s\n", w0, impls[i], w1, r0, w2, r1, claim);
	}
	bool quick = false;
	for (size_t i = 0; i < n; i++)
		quick |= (strcmp(rows[i].workload, "seed-read") == 0 ||
		          strcmp(rows[i].workload, "seed-write") == 0) &&
		         strstr(rows[i].notes, "quick") != NULL;
	if (quick)
		fprintf(f, "(a --quick run: its sizes are not the article's, so its figures do not "
		        "check the claims)\n");
	bool have_go = false;
	for (size_t a = 0; a < sizeof article / sizeof *article; a++)
		have_go |= find_row(rows, n, article[a].impl, "seed-read") != NULL;
	if (!have_go)
		fprintf(f, "(no go-map-mutex or go-syncmap row: the Go program was not built "
		        "or those were not selected, so the claims cannot be checked in this "
		        "run)\n");
}
