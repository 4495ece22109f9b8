/*
 * bench/plan.c - from the options to the cells: which implementations and
 * workloads were chosen, the cells they make (keys x K x threads x
 * implementation, in that nesting, per workload), and how long each cell
 * is expected to take.
 *
 * A cell is made only where the implementation can run it: counting needs
 * an atomic increment, more than one thread a concurrent map, and a child
 * implementation chosen through a group runs only its own workloads.
 */
#define _GNU_SOURCE
#include "driver.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- small parsers ----------------------------------------------------------- */

int gb_parse_count(const char *s, uint64_t *out)
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
	for (char *tok = copy ? strtok(copy, ",") : NULL; tok && n < max; tok = strtok(NULL, ","))
		if (*tok)
			items[n++] = tok;
	return n;
}

/* ---- implementations and workloads --------------------------------------------- */

static const char *const impl_groups[] = { "all", "gomap", "peer", "peers", "go", "variant",
                                           NULL };

static bool is_impl_group(const char *s)
{
	for (int g = 0; impl_groups[g]; g++)
		if (strcmp(impl_groups[g], s) == 0)
			return true;
	return false;
}

static bool impl_in_group(const gb_impl *i, const char *g)
{
	if (strcmp(g, "all") == 0)
		return true;
	if (strcmp(g, "peers") == 0)
		g = "peer";
	return i->group && strcmp(i->group, g) == 0;
}

static int find_selected(const gb_plan *p, const gb_impl *i)
{
	int j;
	for (j = 0; j < p->nimpl && p->impls[j] != i; j++)
		;
	return j;
}

/* Adds or (@remove) takes out implementation @i. */
static void select_one(gb_plan *p, const gb_impl *i, bool named, bool remove)
{
	int j = find_selected(p, i);
	if (remove && j < p->nimpl) {
		size_t rest = (size_t)(p->nimpl - j - 1);
		memmove(&p->impls[j], &p->impls[j + 1], rest * sizeof *p->impls);
		memmove(&p->named[j], &p->named[j + 1], rest * sizeof *p->named);
		p->nimpl--;
	} else if (!remove && j == p->nimpl && p->nimpl < GB_MAX_SELECT) {
		p->impls[p->nimpl] = i;
		p->named[p->nimpl++] = named;
	}
}

/* One item of --impl: a name or a group, '-' in front to take it out. */
static int select_item(gb_plan *p, const char *it)
{
	bool remove = it[0] == '-';
	if (remove)
		it++;
	bool group = is_impl_group(it);
	bool matched = false;
	for (const gb_impl *const *a = gb_impls(); *a; a++)
		if (group ? impl_in_group(*a, it) : strcmp((*a)->name, it) == 0) {
			matched = true;
			select_one(p, *a, !group, remove);
		}
	if (!matched && !group) {
		fprintf(stderr, "gomap bench: no implementation '%s' in this build "
		        "(see gomap bench --list)\n", it);
		return -1;
	}
	return 0;
}

/* Puts the selection in the registry's order, whatever the list's. */
static void registry_order(gb_plan *p)
{
	const gb_impl *const *all = gb_impls();
	for (int a = 0, w = 0; all[a]; a++) {
		int j = find_selected(p, all[a]);
		if (j == p->nimpl)
			continue;
		const gb_impl *t = p->impls[w];
		bool nm = p->named[w];
		p->impls[w] = p->impls[j];
		p->named[w] = p->named[j];
		p->impls[j] = t;
		p->named[j] = nm;
		w++;
	}
}

static int select_impls(gb_plan *p, const char *list)
{
	char *items[64], *store;
	int ni = split_list(list ? list : "all", items, 64, &store);
	int rc = 0;
	for (int k = 0; k < ni && rc == 0; k++)
		rc = select_item(p, items[k]);
	free(store);
	registry_order(p);
	return rc;
}

static bool workload_in(const gb_workload *wl, const char *it)
{
	return strcmp(it, "all") == 0 || strcmp(it, wl->name) == 0 ||
	       (strcmp(it, "article") == 0 && strncmp(wl->name, "seed-", 5) == 0) ||
	       (strcmp(it, "concurrent") == 0 && gb_kind_streams(wl->kind)) ||
	       (strcmp(it, "count") == 0 && wl->kind == GB_K_COUNT) ||
	       (strcmp(it, "st") == 0 && strncmp(wl->name, "st-", 3) == 0);
}

/* The workloads of --workload, in the table's order. */
static int select_workloads(gb_plan *p, const char *list, bool quick)
{
	char *items[64], *store;
	int ni = split_list(list ? list : quick ? "all" : "article", items, 64, &store);
	bool want[64] = { false };
	for (int k = 0; k < ni; k++) {
		bool any = false;
		for (int w = 0; gb_workloads[w].name && w < 64; w++)
			if (workload_in(&gb_workloads[w], items[k]))
				want[w] = any = true;
		if (!any) {
			fprintf(stderr, "gomap bench: no workload '%s' (see gomap bench --list)\n",
			        items[k]);
			free(store);
			return -1;
		}
	}
	free(store);
	for (int w = 0; gb_workloads[w].name && w < 64 && p->nwl < GB_MAX_SELECT; w++)
		if (want[w])
			p->wls[p->nwl++] = &gb_workloads[w];
	return 0;
}

/* ---- the axes: K, threads, keys -------------------------------------------------- */

/* The values given on the command line (n == 0: the workload's own). */
typedef struct axes {
	uint64_t K[GB_MAX_LIST];
	int nK;
	int T[GB_MAX_LIST];
	int nT;
	gb_keys keys[2];
	int nkeys;
} axes;

static int parse_Ks(axes *x, const char *list)
{
	char *items[GB_MAX_LIST], *store;
	int ni = split_list(list, items, GB_MAX_LIST, &store);
	for (int i = 0; i < ni; i++)
		if (gb_parse_count(items[i], &x->K[x->nK++]) != 0) {
			fprintf(stderr, "gomap bench: bad --K value '%s'\n", items[i]);
			free(store);
			return -1;
		}
	free(store);
	return 0;
}

static int parse_threads(axes *x, const char *list)
{
	char *items[GB_MAX_LIST], *store;
	int ni = split_list(list, items, GB_MAX_LIST, &store);
	for (int i = 0; i < ni; i++) {
		int t = atoi(items[i]);
		if (t < 1 || t > 1024) {
			fprintf(stderr, "gomap bench: bad --threads value '%s'\n", items[i]);
			free(store);
			return -1;
		}
		x->T[x->nT++] = t;
	}
	free(store);
	return 0;
}

static int parse_keys(axes *x, const char *list)
{
	char *items[4], *store;
	int ni = split_list(list, items, 4, &store);
	for (int i = 0; i < ni && x->nkeys < 2; i++) {
		if (strcmp(items[i], "u64") == 0)
			x->keys[x->nkeys++] = GB_U64;
		else if (strcmp(items[i], "str") == 0)
			x->keys[x->nkeys++] = GB_STR;
		else {
			fprintf(stderr, "gomap bench: --keys is u64 or str, not '%s'\n", items[i]);
			free(store);
			return -1;
		}
	}
	free(store);
	return 0;
}

static int parse_axes(axes *x, const gb_opts *o)
{
	memset(x, 0, sizeof *x);
	if (o->K && parse_Ks(x, o->K) != 0)
		return -1;
	if (o->threads && parse_threads(x, o->threads) != 0)
		return -1;
	if (o->keys && parse_keys(x, o->keys) != 0)
		return -1;
	return 0;
}

static bool is_st(gb_kind k)
{
	return k >= GB_K_ST_INSERT && k <= GB_K_ST_ITER;
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

static int workload_Ks(const gb_opts *o, const axes *x, const gb_workload *wl, uint64_t *Ks)
{
	if (x->nK) {
		memcpy(Ks, x->K, sizeof x->K);
		return x->nK;
	}
	int n = 0;
	for (int i = 0; i < GB_MAX_LIST && wl->K[i]; i++) {
		uint64_t K = o->quick ? quick_K(wl, wl->K[i]) : wl->K[i];
		if (K)
			Ks[n++] = K;
	}
	if (o->quick && is_st(wl->kind))
		Ks[n++] = 1u << 14;
	return n;
}

static int workload_keys(const axes *x, const gb_workload *wl, gb_keys *keys)
{
	if (wl->kind == GB_K_GROW || wl->kind == GB_K_MEMORY) {
		keys[0] = GB_U64; /* BENCH.md: both are u64 figures */
		return 1;
	}
	if (x->nkeys) {
		memcpy(keys, x->keys, sizeof x->keys);
		return x->nkeys;
	}
	if (gb_kind_streams(wl->kind)) {
		keys[0] = wl->keys;
		return 1;
	}
	keys[0] = GB_U64;
	keys[1] = GB_STR;
	return 2;
}

/* Thread counts; a workload's negative count -t: only with t CPUs. */
static int workload_threads(const axes *x, const gb_workload *wl, int *Ts)
{
	if (!gb_kind_streams(wl->kind)) {
		Ts[0] = 1;
		return 1;
	}
	if (x->nT) {
		memcpy(Ts, x->T, sizeof x->T);
		return x->nT;
	}
	int n = 0, ncpu = gb_online_cpus();
	for (int i = 0; i < GB_MAX_LIST && wl->threads[i]; i++) {
		int t = wl->threads[i];
		if (t < 0 && ncpu < -t)
			continue;
		Ts[n++] = t < 0 ? -t : t;
	}
	return n;
}

/* ---- the cells ------------------------------------------------------------------- */

static int cells_push(gb_plan *p, const gb_cell *x)
{
	if (p->ncells == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 256;
		gb_cell *v = realloc(p->cells, cap * sizeof *v);
		if (!v)
			return -1;
		p->cells = v;
		p->cap = cap;
	}
	p->cells[p->ncells++] = *x;
	return 0;
}

static bool cell_fits(const gb_plan *p, int i, const gb_workload *wl, gb_keys keys, int T)
{
	const gb_impl *im = p->impls[i];
	if (!gb_impl_supports_kind(im, wl->kind, keys))
		return false;
	if (T > 1 && !(im->flags & GB_F_CONCURRENT))
		return false;
	return p->named[i] || gb_child_only_allows(im->child, wl->name);
}

static uint64_t workload_ops(const gb_opts *o, const gb_workload *wl)
{
	if (o->ops)
		return o->ops;
	return o->quick ? wl->ops / 250 : wl->ops;
}

static int plan_workload(gb_plan *p, const gb_opts *o, const axes *x, const gb_workload *wl)
{
	uint64_t Ks[GB_MAX_LIST + 1];
	gb_keys keys[2];
	int Ts[GB_MAX_LIST];
	int nk = workload_Ks(o, x, wl, Ks);
	int nkeys = workload_keys(x, wl, keys);
	int nt = workload_threads(x, wl, Ts);
	uint64_t ops = workload_ops(o, wl);
	gb_cell c = {
		.workload = wl->name, .kind = wl->kind, .prefill_pct = wl->prefill_pct,
		.zipf = wl->zipf, .reps = o->reps, .min_time = o->min_time, .seed = o->seed,
		.pin = o->pin, .quick = o->quick, .timeout = o->timeout,
	};
	memcpy(c.mix, wl->mix, sizeof c.mix);
	for (int ki = 0; ki < nkeys; ki++)
		for (int kk = 0; kk < nk; kk++)
			for (int ti = 0; ti < nt; ti++)
				for (int i = 0; i < p->nimpl; i++) {
					if (!cell_fits(p, i, wl, keys[ki], Ts[ti]))
						continue;
					c.impl = p->impls[i];
					c.keys = keys[ki];
					c.K = Ks[kk];
					c.threads = Ts[ti];
					c.ops = gb_kind_streams(wl->kind) ? ops : Ks[kk];
					if (cells_push(p, &c) != 0)
						return -1;
				}
	return 0;
}

/* A named implementation that got no cell is worth a word: why. */
static void note_cell_less(const gb_plan *p)
{
	for (int i = 0; i < p->nimpl; i++) {
		const gb_impl *im = p->impls[i];
		if (!p->named[i])
			continue;
		size_t k;
		for (k = 0; k < p->ncells && p->cells[k].impl != im; k++)
			;
		if (k < p->ncells)
			continue;
		fprintf(stderr, "gomap bench: note: %s has no cell here (%s)\n", im->name,
		        !(im->flags & GB_F_CONCURRENT) ? "it runs at 1 thread only"
		        : gb_impl_supports_kind(im, GB_K_COUNT, GB_U64)
		                ? "no workload fits"
		                : "no workload fits; it has no atomic increment for count-*");
	}
}

int gb_plan_make(const gb_opts *o, gb_plan *p)
{
	memset(p, 0, sizeof *p);
	axes x;
	if (select_impls(p, o->impl) != 0 || select_workloads(p, o->workload, o->quick) != 0 ||
	    parse_axes(&x, o) != 0)
		return 2;
	for (int w = 0; w < p->nwl; w++)
		if (plan_workload(p, o, &x, p->wls[w]) != 0) {
			fprintf(stderr, "gomap bench: out of memory\n");
			return 2;
		}
	note_cell_less(p);
	if (p->ncells == 0) {
		fprintf(stderr, "gomap bench: nothing to run (no implementation fits the "
		        "workloads, keys and threads chosen)\n");
		return 2;
	}
	return 0;
}

void gb_plan_free(gb_plan *p)
{
	free(p->cells);
	p->cells = NULL;
	p->ncells = p->cap = 0;
}

/* ---- the time a cell takes ------------------------------------------------------- */

/*
 * What a cell costs, from what the plan knows (its figures are not known
 * yet): a process start; the key table and streams, made once; a warm-up
 * run and the timed runs (at least --reps and --min-time seconds of them,
 * a read-only phase repeated to its share of --min-time), each with its
 * untimed prefill and its map's destruction; never more than --timeout.
 *
 * The per-key costs are fitted to the cells' own wall times (the `secs=`
 * notes) of the project's published runs on a 2-CPU VM, every
 * implementation (docs/results and its history): summed over each run they
 * come within about 20% of its time (count and the concurrent workloads
 * within 10%), while one cell may take a third or three times its share.
 * The progress line then corrects the first guess by the pace measured as
 * the run goes.
 */
#define EST_PROBE_S    0.03   /* the line round-trip probes beside a cell */
#define EST_START_S    0.05   /* a child process of this program */
#define EST_PROGRAM_S  0.5    /* another program (Go): start, runtime, GC */
#define EST_GEN_NS     30.0   /* a key or stream entry generated */
#define EST_MIX_NS     300.0  /* a timed op of a named concurrent workload */
#define EST_COUNT_NS   170.0  /* a timed increment of count-* */
#define EST_ST_NS      300.0  /* a single-thread lookup or delete */
#define EST_INSERT_NS  500.0  /* an st-insert insert (growth, fresh maps) */
#define EST_ITER_NS    300.0  /* an st-iter entry (big maps: dear prefills) */
#define EST_PREFILL_NS 450.0  /* an untimed insert, with its share of destroy */
#define EST_GROW_NS    700.0  /* a timed insert of grow-latency, with the sort */
#define EST_STR        1.6    /* str keys, on every per-key cost */

static double op_ns(const gb_cell *c)
{
	double ns;
	switch (c->kind) {
	case GB_K_MIX: ns = EST_MIX_NS; break;
	case GB_K_COUNT: ns = EST_COUNT_NS; break;
	case GB_K_ST_INSERT: ns = EST_INSERT_NS; break;
	case GB_K_ST_ITER: ns = EST_ITER_NS; break;
	case GB_K_GROW: ns = EST_GROW_NS; break;
	case GB_K_MEMORY: ns = EST_PREFILL_NS; break;
	default: ns = EST_ST_NS; break;
	}
	return c->keys == GB_STR ? ns * EST_STR : ns;
}

/* Inserts made before each run's timed phase. */
static double prefill_of(const gb_cell *c)
{
	switch (c->kind) {
	case GB_K_MIX: return (double)c->K * c->prefill_pct / 100.0;
	case GB_K_ST_HIT:
	case GB_K_ST_MISS:
	case GB_K_ST_DELETE:
	case GB_K_ST_ITER: return (double)c->K;
	default: return 0;
	}
}

/* Seconds of runs, warm-up included, in one process. */
static double runs_s(const gb_cell *c)
{
	double phase = (double)c->ops * op_ns(c) * 1e-9;
	double pre = prefill_of(c) * EST_PREFILL_NS * (c->keys == GB_STR ? EST_STR : 1) * 1e-9;
	int reps = c->reps > 0 ? c->reps : 1;
	if (c->kind == GB_K_MEMORY)
		return (reps + 1) * phase; /* --min-time does not apply */
	bool readonly = c->kind == GB_K_ST_HIT || c->kind == GB_K_ST_MISS ||
	                c->kind == GB_K_ST_ITER;
	if (readonly) {
		double run = fmax(phase, c->min_time / reps);
		return (reps + 1) * (run + pre);
	}
	double runs = phase > 0 ? fmax(reps, ceil(c->min_time / phase)) : reps;
	return (fmin(runs, 100000) + 1) * (phase + pre);
}

static double start_s(const gb_opts *o, const gb_cell *c)
{
	double gen = ((double)c->K + (gb_kind_streams(c->kind) ? (double)c->ops : 0)) *
	             EST_GEN_NS * (c->keys == GB_STR ? EST_STR : 1) * 1e-9;
	double proc = c->impl->flags & GB_F_CHILD ? EST_PROGRAM_S
	              : o->in_process            ? 0
	                                         : EST_START_S;
	return EST_PROBE_S + proc + gen;
}

double gb_cell_estimate(const gb_opts *o, const gb_cell *c)
{
	double t;
	if (o->interleave && c->kind < GB_K_GROW) {
		/* --reps children, each a warm-up and one run of its share of
		 * --min-time. */
		gb_cell one = *c;
		one.reps = 1;
		one.min_time = c->min_time / (c->reps > 0 ? c->reps : 1);
		t = c->reps * (start_s(o, &one) + runs_s(&one));
		if (c->timeout > 0)
			t = fmin(t, c->reps * c->timeout);
	} else {
		t = start_s(o, c) + runs_s(c);
		if (c->timeout > 0)
			t = fmin(t, c->timeout);
	}
	return t;
}
