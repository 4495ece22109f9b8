/*
 * bench/plot.c - one figure of every workload in the results, drawn by
 * gnuplot from a script generated out of the result rows (the same rows the
 * CSV holds; `gomap bench --from FILE.csv --plot FILE.svg` replots a file).
 *
 * The script is self-contained (data in inline datablocks) and kept next to
 * the image as NAME.gp, so a figure can be restyled without a rerun. One
 * panel per workload, two panels a row, the machine line as the caption:
 *  - concurrent workloads run at several thread counts: Mops/s against
 *    threads, one line per implementation;
 *  - concurrent workloads at one thread count (seed-read, seed-write): one
 *    bar of ns/op per implementation;
 *  - single-thread workloads: ns/op (log scale), bars grouped by keys and K;
 *  - grow-latency: latency (log scale) against percentile, one line per
 *    implementation: the distribution's tail as a percentile plot;
 *  - memory: bytes per entry, bars grouped by implementation and K.
 */
#define _GNU_SOURCE
#include "bench.h"

#include <errno.h>
#include <math.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

extern char **environ;

#define MAXN 64

typedef struct names {
	const char *v[MAXN];
	int n;
} names;

static int names_add(names *s, const char *x)
{
	for (int i = 0; i < s->n; i++)
		if (strcmp(s->v[i], x) == 0)
			return i;
	if (s->n == MAXN)
		return -1;
	s->v[s->n] = x;
	return s->n++;
}

/* A gnuplot string literal body: quotes and backslashes escaped. */
static void put_str(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
}

static void fmt_K(char *buf, size_t size, uint64_t K)
{
	if (K && (K & (K - 1)) == 0)
		snprintf(buf, size, "2^%d", __builtin_ctzll(K));
	else
		snprintf(buf, size, "%llu", (unsigned long long)K);
}

static bool is_st(const char *wl)
{
	return strncmp(wl, "st-", 3) == 0;
}

/* Concurrent workloads: lines over threads, or bars at one thread count. */
static void panel_mix(FILE *f, const gb_result *rows, size_t n, const char *wl, int id)
{
	names impls = { 0 };
	int tmin = 1 << 30, tmax = 0;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(rows[i].workload, wl) != 0 || isnan(rows[i].mops))
			continue;
		names_add(&impls, rows[i].impl);
		if (rows[i].threads < tmin)
			tmin = rows[i].threads;
		if (rows[i].threads > tmax)
			tmax = rows[i].threads;
	}
	if (!impls.n)
		return;
	if (tmin == tmax) {
		fprintf(f, "$w%d << EOD\n", id);
		for (int j = 0; j < impls.n; j++)
			for (size_t i = 0; i < n; i++)
				if (strcmp(rows[i].workload, wl) == 0 &&
				    strcmp(rows[i].impl, impls.v[j]) == 0 && !isnan(rows[i].median)) {
					fprintf(f, "\"%s\" %.4f\n", impls.v[j], rows[i].median);
					break;
				}
		fprintf(f, "EOD\n");
		fprintf(f, "set title \"%s: ns/op at %d threads (lower is better)\"\n", wl, tmin);
		fprintf(f, "unset logscale\nset xtics rotate by -40 left\nset ylabel \"ns/op\"\n"
		           "set xlabel \"\"\nset yrange [0:*]\nset style fill solid 0.8 border -1\n"
		           "set boxwidth 0.7\nunset key\n");
		fprintf(f, "plot $w%d using 0:2:xtic(1) with boxes lc rgb \"#4477aa\" notitle\n", id);
		fprintf(f, "set xtics norotate\n");
		return;
	}
	for (int j = 0; j < impls.n; j++) {
		fprintf(f, "$w%d_%d << EOD\n", id, j);
		for (size_t i = 0; i < n; i++)
			if (strcmp(rows[i].workload, wl) == 0 && strcmp(rows[i].impl, impls.v[j]) == 0 &&
			    !isnan(rows[i].mops))
				fprintf(f, "%d %.4f\n", rows[i].threads, rows[i].mops);
		fprintf(f, "EOD\n");
	}
	fprintf(f, "set title \"%s: throughput (higher is better)\"\n", wl);
	fprintf(f, "set logscale x 2\nunset logscale y\nset xrange [%g:%g]\nset yrange [0:*]\n",
	        tmin / 1.2, tmax * 1.2);
	fprintf(f, "set xlabel \"threads\"\nset ylabel \"Mops/s\"\nset key outside right top\n");
	fprintf(f, "plot ");
	for (int j = 0; j < impls.n; j++) {
		fprintf(f, "%s$w%d_%d using 1:2 with linespoints lt %d title \"", j ? ", \\\n     " : "",
		        id, j, j + 1);
		put_str(f, impls.v[j]);
		fprintf(f, "\"");
	}
	fprintf(f, "\nset xrange [*:*]\nunset logscale x\n");
}

/* Clustered bars: categories on x, one bar per series. */
static void panel_bars(FILE *f, const char *title, const char *ylabel, bool logy,
                       const names *cats, const names *series, double val[MAXN][MAXN], int id)
{
	fprintf(f, "$w%d << EOD\n\"x\"", id);
	for (int s = 0; s < series->n; s++) {
		fprintf(f, " \"");
		put_str(f, series->v[s]);
		fprintf(f, "\"");
	}
	fprintf(f, "\n");
	for (int c = 0; c < cats->n; c++) {
		fprintf(f, "\"%s\"", cats->v[c]);
		for (int s = 0; s < series->n; s++) {
			if (isnan(val[c][s]))
				fprintf(f, " ?");
			else
				fprintf(f, " %.4f", val[c][s]);
		}
		fprintf(f, "\n");
	}
	fprintf(f, "EOD\n");
	fprintf(f, "set title \"%s\"\nunset logscale\n", title);
	if (logy)
		fprintf(f, "set logscale y\nset yrange [*:*]\n");
	else
		fprintf(f, "set yrange [0:*]\n");
	fprintf(f, "set xlabel \"\"\nset ylabel \"%s\"\nset key outside right top\n"
	           "set style data histograms\nset style histogram clustered gap 1\n"
	           "set style fill solid 0.85 border -1\nset boxwidth 0.9\n", ylabel);
	fprintf(f, "plot for [i=2:%d] $w%d using i:xtic(1) lt (i-1) title columnheader(i)\n",
	        series->n + 1, id);
}

/* A MAXN x MAXN table of values, every cell NAN (no figure), or NULL. */
static double (*new_grid(void))[MAXN]
{
	double (*val)[MAXN] = malloc(sizeof(double[MAXN][MAXN]));
	for (int c = 0; val && c < MAXN; c++)
		for (int s = 0; s < MAXN; s++)
			val[c][s] = NAN;
	return val;
}

static void panel_st(FILE *f, const gb_result *rows, size_t n, const char *wl, int id)
{
	names cats = { 0 }, impls = { 0 };
	static char catbuf[MAXN][40];
	double (*val)[MAXN] = new_grid();
	if (!val)
		return;
	int ncat = 0;
	for (size_t i = 0; i < n; i++) {
		const gb_result *r = &rows[i];
		if (strcmp(r->workload, wl) != 0 || isnan(r->median))
			continue;
		char k[24], lab[40];
		fmt_K(k, sizeof k, r->K);
		snprintf(lab, sizeof lab, "%s %s", r->keys, k);
		int c;
		for (c = 0; c < ncat && strcmp(catbuf[c], lab) != 0; c++)
			;
		if (c == ncat) {
			if (ncat == MAXN)
				continue;
			snprintf(catbuf[ncat++], sizeof catbuf[0], "%s", lab);
		}
		names_add(&cats, catbuf[c]);
		int s = names_add(&impls, r->impl);
		if (s >= 0)
			val[c][s] = r->median;
	}
	if (impls.n) {
		char title[96];
		snprintf(title, sizeof title, "%s: ns/op, single thread (lower is better)", wl);
		panel_bars(f, title, "ns/op", true, &cats, &impls, val, id);
	}
	free(val);
}

static void panel_memory(FILE *f, const gb_result *rows, size_t n, int id)
{
	names cats = { 0 }, Ks = { 0 };
	static char kbuf[MAXN][40];
	double (*val)[MAXN] = new_grid();
	if (!val)
		return;
	int nk = 0;
	for (size_t i = 0; i < n; i++) {
		const gb_result *r = &rows[i];
		double b = gb_notes_get(r->notes, "bytes_per_entry");
		if (strcmp(r->workload, "memory") != 0 || isnan(b))
			continue;
		char lab[40];
		snprintf(lab, sizeof lab, "K=%llu", (unsigned long long)r->K);
		int s;
		for (s = 0; s < nk && strcmp(kbuf[s], lab) != 0; s++)
			;
		if (s == nk) {
			if (nk == MAXN)
				continue;
			snprintf(kbuf[nk++], sizeof kbuf[0], "%s", lab);
		}
		names_add(&Ks, kbuf[s]);
		int c = names_add(&cats, r->impl);
		if (c >= 0)
			val[c][s] = b;
	}
	if (cats.n) {
		fprintf(f, "set xtics rotate by -40 left\n");
		panel_bars(f, "memory: heap bytes per entry (lower is better)", "bytes/entry", false,
		           &cats, &Ks, val, id);
		fprintf(f, "set xtics norotate\n");
	}
	free(val);
}

static void panel_grow(FILE *f, const gb_result *rows, size_t n, int id)
{
	static const char *const q[] = { "p50", "p90", "p99", "p99.9", "p99.99", "p99.999", "max" };
	const int nq = (int)(sizeof q / sizeof *q);
	names impls = { 0 };
	for (size_t i = 0; i < n; i++)
		if (strcmp(rows[i].workload, "grow-latency") == 0 && !isnan(rows[i].median))
			names_add(&impls, rows[i].impl);
	if (!impls.n)
		return;
	for (int j = 0; j < impls.n; j++) {
		const gb_result *r = NULL;
		for (size_t i = 0; i < n; i++)
			if (strcmp(rows[i].workload, "grow-latency") == 0 &&
			    strcmp(rows[i].impl, impls.v[j]) == 0)
				r = &rows[i];
		fprintf(f, "$w%d_%d << EOD\n", id, j);
		for (int k = 0; r && k < nq; k++) {
			double v = k == 0 ? r->median : gb_notes_get(r->notes, q[k]);
			if (!isnan(v) && v > 0)
				fprintf(f, "%d %.2f\n", k, v);
		}
		fprintf(f, "EOD\n");
	}
	fprintf(f, "set title \"grow-latency: ns per insert by percentile (lower is better)\"\n");
	fprintf(f, "unset logscale\nset logscale y\nset yrange [*:*]\nset xrange [-0.3:%d.3]\n", nq - 1);
	fprintf(f, "set xtics (");
	for (int k = 0; k < nq; k++)
		fprintf(f, "%s\"%s\" %d", k ? ", " : "", q[k], k);
	fprintf(f, ")\nset xlabel \"percentile\"\nset ylabel \"ns\"\nset key outside right top\n");
	fprintf(f, "plot ");
	for (int j = 0; j < impls.n; j++) {
		fprintf(f, "%s$w%d_%d using 1:2 with linespoints lt %d title \"", j ? ", \\\n     " : "",
		        id, j, j + 1);
		put_str(f, impls.v[j]);
		fprintf(f, "\"");
	}
	fprintf(f, "\nset xtics autofreq\nset xrange [*:*]\n");
}

/* Sixteen distinguishable colours, then dash patterns on top. */
static const char *const palette[] = {
	"#4477aa", "#ee6677", "#228833", "#ccbb44", "#66ccee", "#aa3377", "#bbbbbb", "#000000",
	"#e69f00", "#56b4e9", "#009e73", "#f0e442", "#0072b2", "#d55e00", "#cc79a7", "#882255",
};

int gb_plot(const char *path, const gb_result *rows, size_t n, const char *caption)
{
	const char *ext = strrchr(path, '.');
	bool png = ext && strcasecmp(ext, ".png") == 0;
	if (!ext || (!png && strcasecmp(ext, ".svg") != 0)) {
		fprintf(stderr, "gomap bench: --plot wants a .svg or .png file name\n");
		return -1;
	}
	names wls = { 0 };
	for (size_t i = 0; i < n; i++)
		names_add(&wls, rows[i].workload);
	if (!wls.n) {
		fprintf(stderr, "gomap bench: nothing to plot\n");
		return -1;
	}
	size_t pl = strlen(path);
	char *gp = malloc(pl + 4);
	if (!gp)
		return -1;
	memcpy(gp, path, (size_t)(ext - path));
	strcpy(gp + (ext - path), ".gp");
	FILE *f = fopen(gp, "w");
	if (!f) {
		fprintf(stderr, "gomap bench: cannot write %s: %s\n", gp, strerror(errno));
		free(gp);
		return -1;
	}
	int cols = wls.n > 1 ? 2 : 1;
	int prow = (wls.n + cols - 1) / cols;
	int W = cols == 2 ? 1600 : 900, H = 460 * prow + 90;
	fprintf(f, "# gnuplot script written by `gomap bench`; run: gnuplot ");
	put_str(f, gp);
	fprintf(f, "\n");
	if (png)
		fprintf(f, "set terminal pngcairo size %d,%d noenhanced font \"sans,10\" background "
		           "rgb \"white\"\n", W, H);
	else
		fprintf(f, "set terminal svg size %d,%d noenhanced font \"sans,10\" background "
		           "rgb \"white\"\n", W, H);
	fprintf(f, "set output \"");
	put_str(f, path);
	fprintf(f, "\"\nset datafile missing \"?\"\nset grid ytics\n");
	for (unsigned i = 0; i < 32; i++)
		fprintf(f, "set linetype %u lc rgb \"%s\" lw 1.5 pt %u dt %u\n", i + 1,
		        palette[i % 16], i % 13 + 1, i / 16 + 1);
	fprintf(f, "set multiplot layout %d,%d title \"", prow, cols);
	put_str(f, caption ? caption : "gomap bench");
	fprintf(f, "\" font \",11\"\n");
	for (int w = 0; w < wls.n; w++) {
		const char *wl = wls.v[w];
		fprintf(f, "\n# ---- %s\n", wl);
		if (strcmp(wl, "grow-latency") == 0)
			panel_grow(f, rows, n, w);
		else if (strcmp(wl, "memory") == 0)
			panel_memory(f, rows, n, w);
		else if (is_st(wl))
			panel_st(f, rows, n, wl, w);
		else
			panel_mix(f, rows, n, wl, w);
	}
	fprintf(f, "unset multiplot\n");
	if (fclose(f) != 0) {
		free(gp);
		return -1;
	}
	char *argv[] = { "gnuplot", gp, NULL };
	pid_t pid;
	int rc = posix_spawnp(&pid, "gnuplot", NULL, NULL, argv, environ);
	if (rc != 0) {
		fprintf(stderr, "gomap bench: cannot run gnuplot (%s); the script is %s\n",
		        strerror(rc), gp);
		free(gp);
		return -1;
	}
	int ws;
	while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0) {
		fprintf(stderr, "gomap bench: gnuplot failed on %s\n", gp);
		free(gp);
		return -1;
	}
	free(gp);
	return 0;
}
