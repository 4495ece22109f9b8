/*
 * bench/cli.c - `gomap bench`: options, the list of cells to run, progress,
 * and the output (tables, CSV, plot).
 *
 * With no options it reproduces the seed article's experiment (seed-read
 * and seed-write at 8 threads) over every implementation present and
 * prints the article's table with its claims beside the Go rows. --quick
 * without --workload runs every workload at reduced sizes as a smoke run.
 */
#define _GNU_SOURCE
#include "bench.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#ifndef GB_GOMAP_VERSION
#define GB_GOMAP_VERSION "?"
#endif
#ifndef GB_GIT_COMMIT
#define GB_GIT_COMMIT ""
#endif
#ifndef GB_C_COMPILER
#define GB_C_COMPILER "?"
#endif
#ifndef GB_C_FLAGS
#define GB_C_FLAGS ""
#endif
#ifndef GB_CXX_COMPILER
#define GB_CXX_COMPILER "?"
#endif
#ifndef GB_CXX_FLAGS
#define GB_CXX_FLAGS ""
#endif
#ifndef GB_BUILD_TYPE
#define GB_BUILD_TYPE ""
#endif
#ifndef GB_BUILD_DEFS
#define GB_BUILD_DEFS ""
#endif
#ifndef GB_TIMING_OK
#define GB_TIMING_OK 1
#endif

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

/* ---- small parsers ----------------------------------------------------------- */

/* "2^20", "1048576", "1M", "1.5M", "100k" */
static int parse_count(const char *s, uint64_t *out)
{
	char *end;
	const char *caret = strchr(s, '^');
	if (caret) {
		unsigned long base = strtoul(s, &end, 10);
		if (end != caret)
			return -1;
		unsigned long e = strtoul(caret + 1, &end, 10);
		if (*end || base < 2 || e > 40)
			return -1;
		uint64_t v = 1;
		for (unsigned long i = 0; i < e; i++)
			v *= base;
		*out = v;
		return 0;
	}
	double v = strtod(s, &end);
	double mul = 1;
	if (*end == 'k' || *end == 'K')
		mul = 1e3, end++;
	else if (*end == 'm' || *end == 'M')
		mul = 1e6, end++;
	else if (*end == 'g' || *end == 'G')
		mul = 1e9, end++;
	if (*end || !(v > 0) || end == s)
		return -1;
	*out = (uint64_t)llround(v * mul);
	return *out ? 0 : -1;
}

/* Splits a comma list into at most max items of a strdup'ed copy. */
static int split_list(const char *s, char **items, int max, char **store)
{
	char *copy = strdup(s ? s : "");
	*store = copy;
	int n = 0;
	for (char *tok = strtok(copy, ","); tok && n < max; tok = strtok(NULL, ","))
		if (*tok)
			items[n++] = tok;
	return n;
}

/* ---- options -------------------------------------------------------------------- */

typedef struct opts {
	const char *impl, *workload, *threads, *keys, *K, *csv, *plot, *from;
	uint64_t ops, seed;
	int reps;
	double min_time;
	double timeout;
	bool resume;     /* --resume: keep and extend the --csv file */
	bool interleave; /* --interleave: timed runs in rounds over the cells */
	bool min_time_set, timeout_set, pin, quick, list, in_process;
} opts;

static const char *const all_groups[] = { "all", "gomap", "peer", "go", "variant", NULL };

static bool impl_in_group(const gb_impl *i, const char *g)
{
	if (strcmp(g, "all") == 0)
		return true;
	if (strcmp(g, "peers") == 0)
		g = "peer";
	return i->group && strcmp(i->group, g) == 0;
}

/* Selected implementations, each marked explicit (named) or not. */
static int select_impls(const char *list, const gb_impl **out, bool *explicit_, int max)
{
	const gb_impl *const *all = gb_impls();
	char *items[64], *store;
	int ni = split_list(list ? list : "all", items, 64, &store);
	int n = 0;
	for (int k = 0; k < ni; k++) {
		const char *it = items[k];
		bool remove = it[0] == '-';
		if (remove)
			it++;
		bool group = false;
		for (int g = 0; all_groups[g]; g++)
			group |= strcmp(all_groups[g], it) == 0;
		group |= strcmp(it, "peers") == 0;
		bool matched = false;
		for (int a = 0; all[a]; a++) {
			const gb_impl *i = all[a];
			if (group ? !impl_in_group(i, it) : strcmp(i->name, it) != 0)
				continue;
			matched = true;
			int j;
			for (j = 0; j < n && out[j] != i; j++)
				;
			if (remove) {
				if (j < n) {
					memmove(&out[j], &out[j + 1], (size_t)(n - j - 1) * sizeof *out);
					memmove(&explicit_[j], &explicit_[j + 1],
					        (size_t)(n - j - 1) * sizeof *explicit_);
					n--;
				}
			} else if (j == n && n < max) {
				out[n] = i;
				explicit_[n++] = !group;
			}
		}
		if (!matched && !group) {
			fprintf(stderr, "gomap bench: no implementation '%s' in this build "
			        "(see gomap bench --list)\n", it);
			free(store);
			return -1;
		}
	}
	free(store);
	/* Keep the registry's order whatever the order of the list. */
	for (int a = 0, w = 0; all[a]; a++)
		for (int j = w; j < n; j++)
			if (out[j] == all[a]) {
				const gb_impl *t = out[w];
				bool e = explicit_[w];
				out[w] = out[j];
				explicit_[w] = explicit_[j];
				out[j] = t;
				explicit_[j] = e;
				w++;
				break;
			}
	return n;
}

static int select_workloads(const char *list, bool quick, const gb_workload **out, int max)
{
	const char *def = quick ? "all" : "article";
	char *items[64], *store;
	int ni = split_list(list ? list : def, items, 64, &store);
	bool want[64] = { false };
	int total = 0;
	for (const gb_workload *w = gb_workloads; w->name; w++)
		total++;
	for (int k = 0; k < ni; k++) {
		const char *it = items[k];
		bool any = false;
		for (int w = 0; w < total; w++) {
			const gb_workload *wl = &gb_workloads[w];
			bool hit = strcmp(it, "all") == 0 || strcmp(it, wl->name) == 0 ||
			           (strcmp(it, "article") == 0 && strncmp(wl->name, "seed-", 5) == 0) ||
			           (strcmp(it, "concurrent") == 0 && gb_kind_streams(wl->kind)) ||
			           (strcmp(it, "count") == 0 && wl->kind == GB_K_COUNT) ||
			           (strcmp(it, "st") == 0 && strncmp(wl->name, "st-", 3) == 0);
			if (hit)
				want[w] = any = true;
		}
		if (!any) {
			fprintf(stderr, "gomap bench: no workload '%s' (see gomap bench --list)\n", it);
			free(store);
			return -1;
		}
	}
	free(store);
	int n = 0;
	for (int w = 0; w < total && n < max; w++)
		if (want[w])
			out[n++] = &gb_workloads[w];
	return n;
}

/* ---- the cells ------------------------------------------------------------------- */

typedef struct cells {
	gb_cell *v;
	size_t n, cap;
} cells;

static int cells_push(cells *c, const gb_cell *x)
{
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 256;
		gb_cell *v = realloc(c->v, cap * sizeof *v);
		if (!v)
			return -1;
		c->v = v;
		c->cap = cap;
	}
	c->v[c->n++] = *x;
	return 0;
}

/* --quick: a smoke run that touches every cell kind quickly. */
static uint64_t quick_K(const gb_workload *w, uint64_t K)
{
	switch (w->kind) {
	case GB_K_MIX:
	case GB_K_COUNT: return K >> 6 ? K >> 6 : 1;
	case GB_K_GROW: return 1u << 16;
	case GB_K_MEMORY: return K / 20 ? K / 20 : 1;
	default: return K > (1u << 14) ? 0 : K; /* ST: 2^10 and 2^14 */
	}
}

static int plan_cells(const opts *o, cells *out, const gb_impl **impls, const bool *expl,
                      int nimpl, const gb_workload **wls, int nwl)
{
	int ncpu = gb_online_cpus();
	uint64_t userK[GB_MAX_LIST] = { 0 };
	int nK = 0;
	if (o->K) {
		char *items[GB_MAX_LIST], *store;
		int ni = split_list(o->K, items, GB_MAX_LIST, &store);
		for (int i = 0; i < ni; i++)
			if (parse_count(items[i], &userK[nK++]) != 0) {
				fprintf(stderr, "gomap bench: bad --K value '%s'\n", items[i]);
				free(store);
				return -1;
			}
		free(store);
	}
	int userT[GB_MAX_LIST], nT = 0;
	if (o->threads) {
		char *items[GB_MAX_LIST], *store;
		int ni = split_list(o->threads, items, GB_MAX_LIST, &store);
		for (int i = 0; i < ni; i++) {
			userT[nT] = atoi(items[i]);
			if (userT[nT] < 1 || userT[nT] > 1024) {
				fprintf(stderr, "gomap bench: bad --threads value '%s'\n", items[i]);
				free(store);
				return -1;
			}
			nT++;
		}
		free(store);
	}
	gb_keys userKeys[2];
	int nKeys = 0;
	if (o->keys) {
		char *items[4], *store;
		int ni = split_list(o->keys, items, 4, &store);
		for (int i = 0; i < ni; i++) {
			if (strcmp(items[i], "u64") == 0)
				userKeys[nKeys++] = GB_U64;
			else if (strcmp(items[i], "str") == 0)
				userKeys[nKeys++] = GB_STR;
			else {
				fprintf(stderr, "gomap bench: --keys is u64 or str, not '%s'\n", items[i]);
				free(store);
				return -1;
			}
			if (nKeys == 2)
				break;
		}
		free(store);
	}

	for (int w = 0; w < nwl; w++) {
		const gb_workload *wl = wls[w];
		uint64_t Ks[GB_MAX_LIST];
		int nk = 0;
		if (nK) {
			memcpy(Ks, userK, sizeof userK);
			nk = nK;
		} else {
			for (int i = 0; i < GB_MAX_LIST && wl->K[i]; i++) {
				uint64_t K = o->quick ? quick_K(wl, wl->K[i]) : wl->K[i];
				if (K)
					Ks[nk++] = K;
			}
			if (o->quick && wl->kind >= GB_K_ST_INSERT && wl->kind <= GB_K_ST_ITER)
				Ks[nk++] = 1u << 14;
		}
		gb_keys keys[2];
		int nkeys;
		if (wl->kind == GB_K_GROW || wl->kind == GB_K_MEMORY) {
			keys[0] = GB_U64; /* BENCH.md: both are u64 figures */
			nkeys = 1;
		} else if (nKeys) {
			memcpy(keys, userKeys, sizeof keys);
			nkeys = nKeys;
		} else if (gb_kind_streams(wl->kind)) {
			keys[0] = wl->keys;
			nkeys = 1;
		} else {
			keys[0] = GB_U64;
			keys[1] = GB_STR;
			nkeys = 2;
		}
		int Ts[GB_MAX_LIST], nt = 0;
		if (!gb_kind_streams(wl->kind)) {
			Ts[nt++] = 1;
		} else if (nT) {
			memcpy(Ts, userT, sizeof userT);
			nt = nT;
		} else {
			for (int i = 0; i < GB_MAX_LIST && wl->threads[i]; i++) {
				int t = wl->threads[i];
				if (t < 0) {
					if (ncpu < -t)
						continue;
					t = -t;
				}
				Ts[nt++] = t;
			}
		}
		uint64_t ops = wl->ops;
		if (o->ops)
			ops = o->ops;
		else if (o->quick)
			ops = wl->ops / 250;
		for (int ki = 0; ki < nkeys; ki++)
			for (int kk = 0; kk < nk; kk++)
				for (int ti = 0; ti < nt; ti++)
					for (int i = 0; i < nimpl; i++) {
						const gb_impl *im = impls[i];
						if (!gb_impl_supports_kind(im, wl->kind, keys[ki]))
							continue;
						if (Ts[ti] > 1 && !(im->flags & GB_F_CONCURRENT))
							continue;
						if (!expl[i] && !gb_child_only_allows(im->child, wl->name))
							continue;
						gb_cell c = {
							.impl = im, .workload = wl->name, .kind = wl->kind,
							.keys = keys[ki], .K = Ks[kk], .threads = Ts[ti],
							.ops = gb_kind_streams(wl->kind) ? ops : Ks[kk],
							.prefill_pct = wl->prefill_pct, .zipf = wl->zipf,
							.reps = o->reps, .min_time = o->min_time, .seed = o->seed,
							.pin = o->pin, .quick = o->quick,
							.timeout = o->timeout,
						};
						memcpy(c.mix, wl->mix, sizeof c.mix);
						if (cells_push(out, &c) != 0)
							return -1;
					}
	}
	return 0;
}

/* ---- progress ------------------------------------------------------------------ */

typedef struct progress {
	bool tty;
	size_t total, done;
	double start, est_total, est_done;
} progress;

/* A rough cost model, corrected by the measured pace as the run goes. */
static double estimate(const gb_cell *c)
{
	double per_op = 60e-9 * (c->keys == GB_STR ? 2 : 1);
	double ops = (double)c->ops, pre = (double)c->K * c->prefill_pct / 100.0;
	double runs = c->reps + 1;
	switch (c->kind) {
	case GB_K_MIX: break;
	case GB_K_COUNT: pre = 0; break;
	case GB_K_ST_INSERT: pre = 0; break;
	case GB_K_GROW: per_op *= 2; pre = 0; break;
	case GB_K_MEMORY: pre = 0; break;
	default: pre = (double)c->K; break;
	}
	double t = runs * (ops + pre) * per_op;
	if (c->kind != GB_K_MEMORY && t < c->min_time * 1.5)
		t = c->min_time * 1.5;
	if (c->impl->flags & GB_F_CHILD)
		t += 0.02;
	return t;
}

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
	p->est_done += estimate(c);
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

/* ---- run description --------------------------------------------------------------- */

static char *read_cpu_model(void)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[512];
	char *model = NULL;
	while (f && fgets(line, sizeof line, f)) {
		if (strncmp(line, "model name", 10) == 0) {
			char *c = strchr(line, ':');
			if (c) {
				c++;
				while (*c == ' ' || *c == '\t')
					c++;
				c[strcspn(c, "\n")] = '\0';
				model = strdup(c);
			}
			break;
		}
	}
	if (f)
		fclose(f);
	return model ? model : strdup("unknown CPU");
}

typedef struct sbuf {
	char *s;
	size_t n, cap;
} sbuf;

static void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(sbuf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int need = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (need < 0)
		return;
	if (b->n + (size_t)need + 1 > b->cap) {
		size_t cap = (b->n + (size_t)need + 1) * 2;
		char *s = realloc(b->s, cap);
		if (!s)
			return;
		b->s = s;
		b->cap = cap;
	}
	va_start(ap, fmt);
	vsnprintf(b->s + b->n, b->cap - b->n, fmt, ap);
	va_end(ap);
	b->n += (size_t)need;
}

/* The current UTC time, ISO 8601 (a static buffer). */
static const char *today(void)
{
	static char date[32];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return date;
}

/* Rows for the same cell (--resume): same implementation, workload, keys,
 * K and threads. */
static bool same_cell(const gb_result *a, const gb_result *b)
{
	return strcmp(a->impl, b->impl) == 0 && strcmp(a->workload, b->workload) == 0 &&
	       strcmp(a->keys, b->keys) == 0 && a->K == b->K && a->threads == b->threads;
}

static char *describe_run(int argc, char **argv, const opts *o, const gb_impl **impls,
                          int nimpl, char **caption)
{
	sbuf b = { 0 };
	const char *date = today();
	struct utsname un;
	uname(&un);
	char *cpu = read_cpu_model();
	int ncpu = gb_online_cpus();
	sb_printf(&b, "gomap bench: the workloads of BENCH.md (docs/benchmarks.md explains the "
	              "columns)\n");
	sb_printf(&b, "date: %s\n", date);
	sb_printf(&b, "command: gomap bench");
	for (int i = 1; i < argc; i++)
		sb_printf(&b, " %s", argv[i]);
	sb_printf(&b, "\n");
	sb_printf(&b, "cpu: %s; %d CPUs usable; %s %s %s\n", cpu, ncpu, un.sysname, un.release,
	          un.machine);
	sb_printf(&b, "compiler: C %s [%s]; C++ %s [%s]; build type %s\n", GB_C_COMPILER,
	          GB_C_FLAGS, GB_CXX_COMPILER, GB_CXX_FLAGS, GB_BUILD_TYPE);
	sb_printf(&b, "gomap: %s%s%s%s; library built with %s\n", GB_GOMAP_VERSION,
	          *GB_GIT_COMMIT ? "; git " : "", GB_GIT_COMMIT,
	          *GB_GIT_COMMIT ? " (at configure time)" : "", GB_BUILD_DEFS);
	sb_printf(&b, "libraries:");
	const char *seen[64];
	int ns = 0;
	for (int i = 0; i < nimpl; i++) {
		const char *v = impls[i]->version;
		if (!v)
			continue;
		int j;
		for (j = 0; j < ns && strcmp(seen[j], v) != 0; j++)
			;
		if (j < ns || ns == 64)
			continue;
		seen[ns++] = v;
		sb_printf(&b, "%s %s", ns > 1 ? ";" : "", v);
	}
	if (!ns)
		sb_printf(&b, " (none besides gomap)");
	sb_printf(&b, "\n");
	const char *missing = gb_impls_missing();
	if (*missing)
		sb_printf(&b, "not built: %s\n", missing);
	sb_printf(&b, "settings: seed=%llu; reps>=%d; min-time=%g s; pin=%s; quick=%s; "
	          "timeout=%g s; cells run %s\n",
	          (unsigned long long)o->seed, o->reps, o->min_time, o->pin ? "yes" : "no",
	          o->quick ? "yes" : "no", o->timeout,
	          o->in_process ? "in one process" : "one child process each");
	sb_printf(&b, "ns/op = wall time of the timed phase x 1e9 / operations of all threads: "
	              "median; min and max over the runs; mops = 1000 / median ns/op\n");
	sb_printf(&b, "grow-latency rows: median/min/max = p50 per run (ns per insert); notes: "
	              "p90..max as medians over runs; worst_max over all runs\n");
	sb_printf(&b, "memory rows: bytes_per_entry (median over runs) in notes; the time "
	              "columns and mops are empty\n");
	char cap[512];
	snprintf(cap, sizeof cap, "gomap bench  |  %s, %d CPUs  |  %s %s  |  %.10s%s", cpu, ncpu,
	         GB_C_COMPILER, GB_C_FLAGS, date, o->quick ? "  |  quick run" : "");
	*caption = strdup(cap);
	free(cpu);
	return b.s ? b.s : strdup("");
}

/* The plot caption of a CSV read back: its cpu and date lines. */
static char *caption_from_comment(const char *comment)
{
	char cpu[256] = "", date[64] = "", comp[256] = "";
	for (const char *p = comment; p && *p;) {
		const char *e = strchr(p, '\n');
		int l = e ? (int)(e - p) : (int)strlen(p);
		if (strncmp(p, "cpu: ", 5) == 0)
			snprintf(cpu, sizeof cpu, "%.*s", l - 5, p + 5);
		else if (strncmp(p, "date: ", 6) == 0)
			snprintf(date, sizeof date, "%.*s", l - 6 > 10 ? 10 : l - 6, p + 6);
		else if (strncmp(p, "compiler: ", 10) == 0)
			snprintf(comp, sizeof comp, "%.*s", l - 10, p + 10);
		p = e ? e + 1 : NULL;
	}
	char *semi = strchr(comp, ';');
	if (semi)
		*semi = '\0';
	char cap[700];
	snprintf(cap, sizeof cap, "gomap bench  |  %s  |  %s  |  %s", cpu, comp, date);
	return strdup(cap);
}

/* ---- list ------------------------------------------------------------------------ */

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

/* ---- main ------------------------------------------------------------------------ */

static int output(const opts *o, const gb_result *rows, size_t n, const char *caption)
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

/* One cell (all its runs) in a child process, or here when asked. */
static int run_one(const opts *o, const gb_child *self, const gb_cell *c, gb_result *r)
{
	return o->in_process || (c->impl->flags & GB_F_CHILD) ? gb_run_cell(c, r)
	                                                     : gb_child_run_with(self, c, r);
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

/*
 * --interleave: each timed run of a cell in its own child (with its own
 * warm-up run), in rounds: every cell's first run, then every cell's second,
 * until each cell has --reps runs; a child repeats a short run until it has
 * its share (1/--reps) of --min-time, and reports their median. On a
 * machine whose speed drifts (a shared VM), every cell then samples the
 * whole period instead of its own few seconds of it, and cells compare
 * fairly. grow-latency and memory cells keep their own protocol (all runs in
 * one child, first round). Returns the number of failed cells.
 */
static int run_interleaved(const opts *o, const gb_child *self, const cells *cs, const bool *have,
                           gb_result *rows, FILE *csv, progress *p)
{
	size_t n = cs->n;
	double **v = calloc(n, sizeof *v);
	size_t *nv = calloc(n, sizeof *nv);
	double *secs = calloc(n, sizeof *secs);
	bool *done = calloc(n, sizeof *done);
	rtspan *rts = calloc(n, sizeof *rts);
	int failed = 0;
	if (!v || !nv || !secs || !done || !rts) {
		fprintf(stderr, "gomap bench: out of memory\n");
		failed = (int)n;
		goto out;
	}
	p->total = 0;
	for (size_t i = 0; i < n; i++)
		p->total += have[i] ? 0 : cs->v[i].kind >= GB_K_GROW ? 1 : (size_t)cs->v[i].reps;
	for (bool more = true; more;) {
		more = false;
		for (size_t i = 0; i < n; i++) {
			const gb_cell *c = &cs->v[i];
			if (have[i] || done[i])
				continue;
			gb_cell one = *c;
			bool special = c->kind >= GB_K_GROW;
			if (!special) {
				/* one median per child; each child runs its share
				 * of --min-time (short cells repeat inside it) */
				one.reps = 1;
				one.min_time = c->min_time / c->reps;
			}
			gb_result r;
			progress_show(p, c);
			rt_probe(&rts[i]);
			double t0 = gb_now_s();
			int rc = run_one(o, self, &one, &r);
			double s = gb_now_s() - t0;
			secs[i] += s;
			progress_done(p, c, &r, rc, s);
			if (rc != 0 || special) {
				rows[i] = r;
				done[i] = true;
				failed += rc != 0;
			} else {
				double *nvv = realloc(v[i], (nv[i] + 1) * sizeof *nvv);
				if (!nvv) {
					rows[i] = r;
					done[i] = true;
					failed++;
					continue;
				}
				v[i] = nvv;
				v[i][nv[i]++] = r.median;
				if (nv[i] == 1)
					rows[i] = r; /* identity and the run's own notes */
				done[i] = (int)nv[i] >= c->reps;
			}
			if (done[i] && !special && rc == 0) {
				gb_result *row = &rows[i];
				qsort(v[i], nv[i], sizeof *v[i], cmp_double);
				row->median = nv[i] % 2 ? v[i][nv[i] / 2]
				                        : (v[i][nv[i] / 2 - 1] + v[i][nv[i] / 2]) / 2;
				row->min = v[i][0];
				row->max = v[i][nv[i] - 1];
				row->mops = 1000.0 / row->median;
				/* the first run's notes, with this cell's run count */
				char rest[sizeof row->notes] = "";
				for (char *t = strtok(row->notes, ";"); t; t = strtok(NULL, ";"))
					if (strncmp(t, "reps=", 5) != 0)
						gb_notes_add(rest, sizeof rest, "%s", t);
				snprintf(row->notes, sizeof row->notes, "reps=%zu;interleaved", nv[i]);
				/* min and max: over the children's medians */
				if (*rest)
					gb_notes_add(row->notes, sizeof row->notes, "%s", rest);
			}
			if (done[i]) {
				gb_notes_add(rows[i].notes, sizeof rows[i].notes, "secs=%.1f", secs[i]);
				rt_note(&rows[i], &rts[i]);
				if (csv) {
					gb_csv_row(csv, &rows[i]);
					fflush(csv);
				}
			} else {
				more = true;
			}
		}
	}
out:
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
	free(nv);
	free(secs);
	free(done);
	free(rts);
	return failed;
}

int gomap_bench_main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--cell") == 0)
			return gomap_bench_child_main(argc, argv, "gomap bench (in-process)");
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
	opts o = { .reps = 5, .min_time = 0.2, .seed = 1 };
	int opt;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case O_IMPL: o.impl = optarg; break;
		case O_WORKLOAD: o.workload = optarg; break;
		case O_THREADS: o.threads = optarg; break;
		case O_KEYS: o.keys = optarg; break;
		case O_K: o.K = optarg; break;
		case O_OPS:
			if (parse_count(optarg, &o.ops) != 0) {
				fprintf(stderr, "gomap bench: bad --ops '%s'\n", optarg);
				return 2;
			}
			break;
		case O_REPS:
			o.reps = atoi(optarg);
			if (o.reps < 1) {
				fprintf(stderr, "gomap bench: --reps must be at least 1\n");
				return 2;
			}
			break;
		case O_MINTIME:
			o.min_time = strtod(optarg, NULL);
			o.min_time_set = true;
			break;
		case O_SEED: o.seed = strtoull(optarg, NULL, 0); break;
		case O_PIN: o.pin = true; break;
		case O_QUICK: o.quick = true; break;
		case O_CSV: o.csv = optarg; break;
		case O_RESUME: o.resume = true; break;
		case O_INTERLEAVE: o.interleave = true; break;
		case O_PLOT: o.plot = optarg; break;
		case O_FROM: o.from = optarg; break;
		case O_LIST: o.list = true; break;
		case O_TIMEOUT:
			o.timeout = strtod(optarg, NULL);
			o.timeout_set = true;
			break;
		case O_INPROC: o.in_process = true; break;
		case O_VALUES:
			/* read by impl_gomap.c, here and in every cell's child */
			if (strcmp(optarg, "u64") != 0 && strcmp(optarg, "str") != 0) {
				fprintf(stderr, "gomap bench: --values is u64 or str\n");
				return 2;
			}
			setenv("GOMAP_BENCH_VALUES", optarg, 1);
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "gomap bench: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	if (o.list) {
		list_all();
		return 0;
	}
	if (o.from) {
		gb_result *rows;
		size_t n;
		char *comment = NULL;
		if (gb_csv_read(o.from, &rows, &n, &comment) != 0) {
			fprintf(stderr, "gomap bench: cannot read %s: %s\n", o.from, strerror(errno));
			return 1;
		}
		char *cap = caption_from_comment(comment);
		int rc = output(&o, rows, n, cap);
		free(cap);
		free(comment);
		free(rows);
		return rc;
	}
	if (o.resume && !o.csv) {
		fprintf(stderr, "gomap bench: --resume needs --csv FILE\n");
		return 2;
	}
	if (o.quick && !o.min_time_set)
		o.min_time = 0;
	if (!o.timeout_set)
		o.timeout = o.quick ? 20 : 600;

	/* Each cell runs in a fresh child process of this program (`gomap
	 * bench --cell ...`): a fresh heap for the memory figures, fresh
	 * library state for every peer, and a peer that hangs or crashes costs
	 * one cell, not the run. */
	gb_child self = { .subcommand = argv[0] && strcmp(argv[0], "bench") == 0 ? "bench" : NULL };
	char selfexe[4096];
	ssize_t sl = readlink("/proc/self/exe", selfexe, sizeof selfexe - 1);
	if (sl > 0) {
		selfexe[sl] = '\0';
		self.exe = selfexe;
	} else if (!o.in_process) {
		fprintf(stderr, "gomap bench: cannot find this program (/proc/self/exe): "
		        "running the cells in-process\n");
		o.in_process = true;
	}

	const gb_impl *impls[64];
	bool expl[64];
	int nimpl = select_impls(o.impl, impls, expl, 64);
	const gb_workload *wls[64];
	int nwl = select_workloads(o.workload, o.quick, wls, 64);
	if (nimpl < 0 || nwl < 0)
		return 2;
	cells cs = { 0 };
	if (plan_cells(&o, &cs, impls, expl, nimpl, wls, nwl) != 0)
		return 2;
	for (int i = 0; i < nimpl; i++) {
		if (!expl[i])
			continue;
		size_t k;
		for (k = 0; k < cs.n && cs.v[k].impl != impls[i]; k++)
			;
		if (k == cs.n)
			fprintf(stderr, "gomap bench: note: %s has no cell here (%s)\n", impls[i]->name,
			        !(impls[i]->flags & GB_F_CONCURRENT) ? "it runs at 1 thread only"
			        : gb_impl_supports_kind(impls[i], GB_K_COUNT, GB_U64)
			                ? "no workload fits"
			                : "no workload fits; it has no atomic increment for count-*");
	}
	if (cs.n == 0) {
		fprintf(stderr, "gomap bench: nothing to run (no implementation fits the "
		        "workloads, keys and threads chosen)\n");
		return 2;
	}
	char *caption;
	char *desc = describe_run(argc, argv, &o, impls, nimpl, &caption);
	const char *missing = gb_impls_missing();
	if (*missing)
		fprintf(stderr, "gomap bench: not built: %s\n", missing);
	if (!GB_TIMING_OK)
		fprintf(stderr, "gomap bench: warning: this build is not meant for timing (%s, "
		        "build type %s); use tools/bench.sh or a Release build\n", GB_BUILD_DEFS,
		        GB_BUILD_TYPE);

	/* --resume: the rows already in the file stand for their cells. */
	gb_result *old = NULL;
	size_t nold = 0;
	if (o.resume && access(o.csv, F_OK) == 0 && gb_csv_read(o.csv, &old, &nold, NULL) != 0) {
		fprintf(stderr, "gomap bench: cannot read %s: %s\n", o.csv, strerror(errno));
		return 1;
	}
	gb_result *rows = calloc(cs.n, sizeof *rows);
	bool *have = calloc(cs.n, sizeof *have);
	if (!rows || !have)
		return 1;
	size_t nhave = 0;
	for (size_t i = 0; i < cs.n; i++) {
		gb_result id;
		gb_result_init(&id, &cs.v[i]);
		for (size_t k = 0; k < nold && !have[i]; k++)
			if (same_cell(&old[k], &id)) {
				rows[i] = old[k];
				have[i] = true;
				nhave++;
			}
	}
	free(old);

	FILE *csv = NULL;
	if (o.csv) {
		bool append = o.resume && nold > 0;
		csv = fopen(o.csv, append ? "a" : "w");
		if (!csv) {
			fprintf(stderr, "gomap bench: cannot write %s: %s\n", o.csv, strerror(errno));
			return 1;
		}
		if (!append)
			gb_csv_header(csv, desc);
		else
			fprintf(csv, "# resumed %s%s%s%s: %zu of %zu cells already here\n", today(),
			        *GB_GIT_COMMIT ? ", git " : "", GB_GIT_COMMIT,
			        *GB_GIT_COMMIT ? " (at configure time)" : "", nhave, cs.n);
		fflush(csv);
	}
	if (nhave)
		fprintf(stderr, "gomap bench: %zu of %zu cells already in %s: skipped\n", nhave, cs.n,
		        o.csv);
	progress p = { .tty = isatty(STDERR_FILENO), .total = cs.n - nhave, .start = gb_now_s() };
	for (size_t i = 0; i < cs.n; i++)
		if (!have[i])
			p.est_total += estimate(&cs.v[i]);
	char est[32];
	fmt_dur(est, sizeof est, p.est_total);
	fprintf(stderr, "gomap bench: %zu cells, %d implementations, %d workloads (first guess: "
	        "%s)\n", cs.n, nimpl, nwl, est);

	int failed = 0;
	if (o.interleave)
		failed = run_interleaved(&o, &self, &cs, have, rows, csv, &p);
	for (size_t i = 0; i < cs.n && !o.interleave; i++) {
		if (have[i])
			continue;
		progress_show(&p, &cs.v[i]);
		rtspan rt = { 0 };
		rt_probe(&rt);
		double t0 = gb_now_s();
		int rc = run_one(&o, &self, &cs.v[i], &rows[i]);
		if (rc != 0)
			failed++;
		double secs = gb_now_s() - t0;
		rt_probe(&rt);
		/* The cell's wall time, child start and set-up included: what the
		 * duration of a resumed run adds up from. */
		gb_notes_add(rows[i].notes, sizeof rows[i].notes, "secs=%.1f", secs);
		rt_note(&rows[i], &rt);
		progress_done(&p, &cs.v[i], &rows[i], rc, secs);
		if (csv) {
			gb_csv_row(csv, &rows[i]);
			fflush(csv); /* a stopped run keeps every finished cell */
		}
	}
	char took[32];
	fmt_dur(took, sizeof took, gb_now_s() - p.start);
	if (p.tty)
		fprintf(stderr, "\r\033[K");
	fprintf(stderr, "gomap bench: %zu cells in %s%s%s\n", cs.n - nhave, took,
	        failed ? ", failed: " : "", failed ? "see FAILED lines above" : "");
	if (csv) {
		fclose(csv);
		fprintf(stderr, "gomap bench: results written to %s\n", o.csv);
	}
	int rc = output(&o, rows, cs.n, caption);
	free(have);
	free(rows);
	free(cs.v);
	free(desc);
	free(caption);
	return rc ? rc : failed ? 1 : 0;
}
