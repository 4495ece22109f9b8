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

static void print_workload(FILE *f, const gb_result *rows, size_t n, const char *wl)
{
	col cols[MAX_COLS];
	int ncols = 0;
	const char *impls[MAX_ROWS];
	int nimpl = 0;
	bool grow = strcmp(wl, "grow-latency") == 0;
	bool mem = strcmp(wl, "memory") == 0;
	static const char *const grow_stats[] = { "p50", "p99", "p99.99", "max" };
	int nstats = grow ? 4 : 1;
	for (size_t i = 0; i < n; i++) {
		const gb_result *r = &rows[i];
		if (strcmp(r->workload, wl) != 0)
			continue;
		int j;
		for (j = 0; j < nimpl && strcmp(impls[j], r->impl) != 0; j++)
			;
		if (j == nimpl && nimpl < MAX_ROWS)
			impls[nimpl++] = r->impl;
		for (int s = 0; s < nstats; s++) {
			for (j = 0; j < ncols; j++)
				if (strcmp(cols[j].keys, r->keys) == 0 && cols[j].K == r->K &&
				    cols[j].threads == r->threads &&
				    (!grow || strcmp(cols[j].stat, grow_stats[s]) == 0))
					break;
			if (j == ncols && ncols < MAX_COLS) {
				snprintf(cols[ncols].keys, sizeof cols[ncols].keys, "%s", r->keys);
				cols[ncols].K = r->K;
				cols[ncols].threads = r->threads;
				cols[ncols].stat = grow ? grow_stats[s] : NULL;
				ncols++;
			}
		}
	}
	if (!nimpl)
		return;
	bool vary_keys = false, vary_K = false, vary_t = false;
	for (int j = 1; j < ncols; j++) {
		vary_keys |= strcmp(cols[j].keys, cols[0].keys) != 0;
		vary_K |= cols[j].K != cols[0].K;
		vary_t |= cols[j].threads != cols[0].threads;
	}
	/* Column labels from what varies; the rest goes into the title. */
	char label[MAX_COLS][40];
	for (int j = 0; j < ncols; j++) {
		char k[24];
		fmt_K(k, sizeof k, cols[j].K);
		label[j][0] = '\0';
		size_t l = 0;
		if (vary_keys)
			l += (size_t)snprintf(label[j] + l, sizeof label[j] - l, "%s ", cols[j].keys);
		if (vary_K)
			l += (size_t)snprintf(label[j] + l, sizeof label[j] - l, "K=%s ", k);
		if (vary_t)
			l += (size_t)snprintf(label[j] + l, sizeof label[j] - l, "t=%d ", cols[j].threads);
		if (cols[j].stat)
			l += (size_t)snprintf(label[j] + l, sizeof label[j] - l, "%s ", cols[j].stat);
		if (l == 0)
			snprintf(label[j], sizeof label[j], "%s", mem ? "bytes/entry" : "ns/op");
		else
			label[j][l - 1] = '\0';
	}
	char k0[24];
	fmt_K(k0, sizeof k0, cols[0].K);
	fprintf(f, "\n== %s", wl);
	if (!vary_keys || !vary_K || !vary_t) {
		fprintf(f, " (");
		const char *sep = "";
		if (!vary_keys) {
			fprintf(f, "%s%s keys", sep, cols[0].keys);
			sep = ", ";
		}
		if (!vary_K) {
			fprintf(f, "%sK=%s", sep, k0);
			sep = ", ";
		}
		if (!vary_t)
			fprintf(f, "%s%d thread%s", sep, cols[0].threads, cols[0].threads == 1 ? "" : "s");
		fprintf(f, ")");
	}
	fprintf(f, ": %s, median of the runs; * = best\n",
	        mem ? "heap bytes per entry" : grow ? "ns per insert" : "ns/op");

	double val[MAX_ROWS][MAX_COLS];
	double best[MAX_COLS];
	for (int j = 0; j < ncols; j++)
		best[j] = INFINITY;
	for (int i = 0; i < nimpl; i++)
		for (int j = 0; j < ncols; j++) {
			val[i][j] = NAN;
			for (size_t x = 0; x < n; x++) {
				const gb_result *r = &rows[x];
				if (strcmp(r->workload, wl) == 0 && strcmp(r->impl, impls[i]) == 0 &&
				    strcmp(r->keys, cols[j].keys) == 0 && r->K == cols[j].K &&
				    r->threads == cols[j].threads)
					val[i][j] = value_of(r, cols[j].stat);
			}
			if (!isnan(val[i][j]) && val[i][j] < best[j])
				best[j] = val[i][j];
		}
	int w0 = 4;
	for (int i = 0; i < nimpl; i++)
		if ((int)strlen(impls[i]) > w0)
			w0 = (int)strlen(impls[i]);
	int w[MAX_COLS];
	for (int j = 0; j < ncols; j++) {
		w[j] = (int)strlen(label[j]);
		for (int i = 0; i < nimpl; i++) {
			char b[32];
			fmt_num(b, sizeof b, val[i][j]);
			if ((int)strlen(b) + 1 > w[j])
				w[j] = (int)strlen(b) + 1;
		}
	}
	fprintf(f, "%-*s", w0, "impl");
	for (int j = 0; j < ncols; j++)
		fprintf(f, "  %*s", w[j], label[j]);
	fputc('\n', f);
	for (int i = 0; i < nimpl; i++) {
		fprintf(f, "%-*s", w0, impls[i]);
		for (int j = 0; j < ncols; j++) {
			char b[32], c[40];
			fmt_num(b, sizeof b, val[i][j]);
			bool is_best = !isnan(val[i][j]) && val[i][j] == best[j];
			snprintf(c, sizeof c, "%s%s", b, is_best ? "*" : " ");
			fprintf(f, "  %*s", w[j], c);
		}
		fputc('\n', f);
	}
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
