/*
 * bench/measure.c - times one cell in this process: the runs, their
 * statistics, and the special protocols of grow-latency and memory. It
 * knows nothing of child processes (child.c decides where a cell runs) and
 * calls only util.c, gen.c, the registry's capability checks and the
 * adapters.
 *
 * A run: fresh map (no size hint), prefill by the calling thread (untimed),
 * then the timed phase. A phase that changes nothing (st-hit, st-miss,
 * st-iter) is repeated on the run's map until the run has lasted its share
 * of --min-time (min-time / reps); the run's figure is then its time per
 * operation over all repeats. With one thread the phase runs on the calling
 * thread; with T threads, T workers are created, each enters the
 * implementation, waits on a barrier and runs its own pre-generated stream;
 * the phase lasts from the earliest worker start to the latest worker end,
 * so thread creation and registration are not timed. The operation streams
 * and key tables are generated once per cell, before the first run.
 *
 * Counting cells (count-*): every operation is an atomic increment
 * (gb_ops.inc) on a map that starts empty. After each run, outside the
 * timed phase and with every worker joined, the counts are summed
 * (gb_ops.sum); a sum other than the number of increments fails the cell
 * ("lost increments"), whatever its speed.
 *
 * grow-latency times every insert on its own, with the TSC where the CPU
 * says it is invariant (calibrated against CLOCK_MONOTONIC), else with
 * clock_gettime; percentiles are nearest-rank over all inserts of a run.
 * memory reads mallinfo2() (uordblks + hblkhd: heap in use plus mmapped
 * chunks, summed over all arenas) before the map is made and after the
 * inserts.
 */
#define _GNU_SOURCE
#include "bench.h"
#include "gen.h"

#include <errno.h>
#include <malloc.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#define GB_HAVE_TSC 1
#endif

static inline uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- statistics ----------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median_of(double *v, size_t n)
{
	qsort(v, n, sizeof *v, cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

/* Appendable vector of doubles. */
typedef struct dvec {
	double *v;
	size_t n, cap;
} dvec;

static int dvec_push(dvec *d, double x)
{
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 64;
		double *v = realloc(d->v, cap * sizeof *v);
		if (!v)
			return -1;
		d->v = v;
		d->cap = cap;
	}
	d->v[d->n++] = x;
	return 0;
}

static void summarize(dvec *d, double *med, double *mn, double *mx)
{
	*mn = INFINITY;
	*mx = -INFINITY;
	for (size_t i = 0; i < d->n; i++) {
		if (d->v[i] < *mn)
			*mn = d->v[i];
		if (d->v[i] > *mx)
			*mx = d->v[i];
	}
	*med = median_of(d->v, d->n);
}

/* Runs go on until both limits are met, or this many runs were made. */
#define GB_MAX_RUNS 100000

/* ---- pinning ---------------------------------------------------------------- */

/* The n-th CPU this process may run on (wrapping around). */
static int nth_cpu(int n)
{
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof set, &set) != 0)
		return n;
	int count = CPU_COUNT(&set);
	if (count <= 0)
		return n;
	n %= count;
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &set) && n-- == 0)
			return c;
	return 0;
}

/* pthread_create, on CPU @cpu when it is not negative. */
static int spawn_on(pthread_t *th, int cpu, void *(*fn)(void *), void *arg)
{
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	if (cpu >= 0) {
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		pthread_attr_setaffinity_np(&attr, sizeof set, &set);
	}
	int rc = pthread_create(th, &attr, fn, arg);
	pthread_attr_destroy(&attr);
	return rc;
}

/* ---- the machine's cache-line round trip ------------------------------------ */

/* On a VM the two vCPUs may sit on one core or on two far-apart cores, and
 * the hypervisor moves them: a cache line's round trip between them measured
 * 56-66 ns or ~345 ns here, for minutes at a time. Every figure that hands
 * lines between threads (a lock, a queue, a shared counter) moves with it,
 * so each cell records the round trip measured next to it. */
typedef struct pingpong {
	_Alignas(64) _Atomic uint64_t word;
	uint64_t n;
	uint64_t t0, t1; /* the pinger's timed loop */
} pingpong;

static void *pong_main(void *arg)
{
	pingpong *pp = arg;
	for (uint64_t i = 0; i < pp->n; i++) {
		while (atomic_load_explicit(&pp->word, memory_order_acquire) != 2 * i + 1)
			;
		atomic_store_explicit(&pp->word, 2 * i + 2, memory_order_release);
	}
	return NULL;
}

static void *ping_main(void *arg)
{
	pingpong *pp = arg;
	pp->t0 = now_ns();
	for (uint64_t i = 0; i < pp->n; i++) {
		atomic_store_explicit(&pp->word, 2 * i + 1, memory_order_release);
		while (atomic_load_explicit(&pp->word, memory_order_acquire) != 2 * i + 2)
			;
	}
	pp->t1 = now_ns();
	return NULL;
}

double gb_line_rt_ns(void)
{
	cpu_set_t mine;
	if (sched_getaffinity(0, sizeof mine, &mine) != 0 || CPU_COUNT(&mine) < 2)
		return NAN;
	pingpong pp = { .n = 20000 };
	atomic_init(&pp.word, 0);
	pthread_t pong, ping;
	if (spawn_on(&pong, nth_cpu(1), pong_main, &pp) != 0)
		return NAN;
	if (spawn_on(&ping, nth_cpu(0), ping_main, &pp) == 0)
		pthread_join(ping, NULL);
	else
		ping_main(&pp); /* from here, unpinned: the ponger must finish */
	pthread_join(pong, NULL);
	return (double)(pp.t1 - pp.t0) / (double)pp.n;
}

/* ---- timed phases ---------------------------------------------------------- */

static volatile uint64_t gb_sink; /* keeps loaded values observable */

static uint64_t run_stream(const gb_ops *o, void *m, const gb_stream *s)
{
	uint64_t sum = 0, v;
	for (size_t i = 0; i < s->n; i++) {
		switch (s->op[i]) {
		case GB_OP_LOAD:
			if (o->load(m, &s->key[i], &v) == 1)
				sum += v;
			break;
		case GB_OP_STORE:
			v = i;
			o->store(m, &s->key[i], &v);
			break;
		case GB_OP_INC:
			o->inc(m, &s->key[i]);
			break;
		default:
			o->del(m, &s->key[i]);
			break;
		}
	}
	return sum;
}

typedef struct worker {
	pthread_t th;
	const gb_impl *impl;
	const gb_ops *o;
	void *m;
	const gb_stream *s;
	pthread_barrier_t *bar;
	uint64_t t0, t1, sum;
} worker;

static void *worker_main(void *arg)
{
	worker *w = arg;
	if (w->impl->thread_enter)
		w->impl->thread_enter();
	pthread_barrier_wait(w->bar);
	w->t0 = now_ns();
	w->sum = run_stream(w->o, w->m, w->s);
	w->t1 = now_ns();
	if (w->impl->thread_leave)
		w->impl->thread_leave();
	return NULL;
}

/* Runs of a short cell may number thousands, and destroying a map that
 * waits for RCU callbacks (sync, urcu-lfht) costs ~10 ms of wall time each
 * here: a cell of 1024-key runs took over two minutes of destroys. So the
 * maps of finished runs are destroyed in batches, outside the timed phases,
 * at most GRAVE_MAPS of them and GRAVE_KEYS keys in all held at a time
 * (a library that waits only for its own pending callbacks then waits once
 * per batch). */
#define GRAVE_MAPS 64
#define GRAVE_KEYS ((uint64_t)1 << 20)

typedef struct plan {
	const gb_cell *c;
	const gb_ops *o;
	gb_keytab tab;
	uint64_t prefill;     /* indices 0..prefill-1 stored before the clock */
	bool iterate;         /* st-iter: the phase is one iteration */
	bool readonly;        /* the phase leaves the map as it found it */
	uint64_t phase_ns;    /* a read-only run repeats its phase this long */
	uint64_t run_ops;     /* operations timed by the last run */
	int nstreams;
	gb_stream *streams;
	worker *workers;
	char err[160];
	/* maps of finished runs, destroyed in a batch (see retire_map) */
	void *dead[GRAVE_MAPS];
	int ndead;
} plan;

static void prefill(const plan *p, void *m)
{
	for (uint64_t i = 0; i < p->prefill; i++) {
		gb_key k = gb_keytab_get(&p->tab, i);
		uint64_t v = i;
		p->o->store(m, &k, &v);
	}
}

static void retire_map(plan *p, void *m);

/* The lost-increment check of a counting run: false (with p->err) unless
 * the counts add up to the increments made. */
static bool counts_add_up(plan *p, void *m)
{
	const gb_cell *c = p->c;
	if (c->kind != GB_K_COUNT)
		return true;
	uint64_t sum = p->o->sum(m, c->impl->ctx);
	if (sum == c->ops)
		return true;
	snprintf(p->err, sizeof p->err, "lost increments: counts sum to %llu after %llu "
	         "increments (%s)", (unsigned long long)sum, (unsigned long long)c->ops,
	         sum < c->ops ? "lost" : "extra");
	return false;
}

/* st-hit, st-miss, st-iter: the phase changes nothing, so it is repeated
 * on this map until the run lasts phase_ns. A short phase then needs a few
 * runs instead of thousands of fresh maps and untimed prefills. */
static uint64_t run_readonly(plan *p, void *m)
{
	uint64_t wall = 0, reps = 0;
	do {
		uint64_t t0 = now_ns();
		if (p->iterate)
			gb_sink += p->o->iterate(m, p->c->impl->ctx);
		else
			gb_sink += run_stream(p->o, m, &p->streams[0]);
		wall += now_ns() - t0;
		reps++;
	} while (wall < p->phase_ns);
	p->run_ops *= reps;
	return wall;
}

/* T workers, one stream each; the phase runs from the earliest worker start
 * to the latest worker end. */
static uint64_t run_threads(plan *p, void *m)
{
	const gb_cell *c = p->c;
	pthread_barrier_t bar;
	pthread_barrier_init(&bar, NULL, (unsigned)p->nstreams);
	for (int t = 0; t < p->nstreams; t++) {
		worker *w = &p->workers[t];
		*w = (worker){ .impl = c->impl, .o = p->o, .m = m, .s = &p->streams[t], .bar = &bar };
		int rc = spawn_on(&w->th, c->pin ? nth_cpu(t) : -1, worker_main, w);
		if (rc != 0) {
			/* The barrier can never open: nothing to do but stop. */
			fprintf(stderr, "gomap bench: pthread_create: %s\n", strerror(rc));
			exit(1);
		}
	}
	uint64_t t0 = UINT64_MAX, t1 = 0;
	for (int t = 0; t < p->nstreams; t++) {
		worker *w = &p->workers[t];
		pthread_join(w->th, NULL);
		gb_sink += w->sum;
		if (w->t0 < t0)
			t0 = w->t0;
		if (w->t1 > t1)
			t1 = w->t1;
	}
	pthread_barrier_destroy(&bar);
	return t1 > t0 ? t1 - t0 : 1;
}

/* One run: returns the wall time of the timed phase in ns, or 0 on error. */
static uint64_t one_run(plan *p)
{
	const gb_cell *c = p->c;
	const gb_impl *impl = c->impl;
	void *m = impl->create(c->keys, impl->ctx);
	if (!m) {
		snprintf(p->err, sizeof p->err, "%s: create failed", impl->name);
		return 0;
	}
	prefill(p, m);
	uint64_t wall;
	p->run_ops = gb_kind_streams(c->kind) ? c->ops : c->K;
	if (p->readonly) {
		wall = run_readonly(p, m);
	} else if (p->nstreams == 1) {
		uint64_t t0 = now_ns();
		gb_sink += run_stream(p->o, m, &p->streams[0]);
		wall = now_ns() - t0;
	} else {
		wall = run_threads(p, m);
	}
	bool ok = counts_add_up(p, m);
	retire_map(p, m);
	if (!ok)
		return 0;
	return wall ? wall : 1;
}

static void bury_all(plan *p)
{
	for (int i = 0; i < p->ndead; i++)
		p->c->impl->destroy(p->dead[i], p->c->impl->ctx);
	p->ndead = 0;
}

/* Destroy @m now or with the next batch (see GRAVE_MAPS). */
static void retire_map(plan *p, void *m)
{
	p->dead[p->ndead++] = m;
	if (p->ndead == GRAVE_MAPS || (uint64_t)p->ndead * p->c->K >= GRAVE_KEYS)
		bury_all(p);
}

static void plan_free(plan *p)
{
	bury_all(p);
	for (int t = 0; t < p->nstreams; t++)
		gb_stream_free(&p->streams[t]);
	free(p->streams);
	free(p->workers);
	gb_keytab_free(&p->tab);
}

static int plan_init(plan *p, const gb_cell *c)
{
	memset(p, 0, sizeof *p);
	p->c = c;
	p->o = &c->impl->ops[c->keys];
	uint64_t K = c->K;
	uint64_t tab_n = c->kind == GB_K_ST_MISS ? 2 * K : K;
	if (gb_keytab_init(&p->tab, c->keys, tab_n, c->seed) != 0)
		return -1;
	int T = gb_kind_streams(c->kind) ? c->threads : 1;
	p->nstreams = T;
	p->streams = calloc((size_t)T, sizeof *p->streams);
	p->workers = calloc((size_t)T, sizeof *p->workers);
	if (!p->streams || !p->workers)
		return -1;
	int rc = 0;
	switch (c->kind) {
	case GB_K_MIX: {
		p->prefill = K * (uint64_t)c->prefill_pct / 100;
		gb_zipf z;
		if (c->zipf)
			gb_zipf_init(&z, K, 0.99);
		for (int t = 0; t < T && rc == 0; t++) {
			/* The remainder goes to the first threads. */
			size_t n = (size_t)(c->ops / (uint64_t)T + ((uint64_t)t < c->ops % (uint64_t)T));
			rc = gb_stream_mix(&p->streams[t], &p->tab, K, n, c->mix,
			                   c->zipf ? &z : NULL, c->seed, (unsigned)t);
		}
		break;
	}
	case GB_K_COUNT: {
		/* From empty: no prefill; the driver checks the sum after
		 * each run. */
		gb_zipf z;
		if (c->zipf)
			gb_zipf_init(&z, K, 0.99);
		for (int t = 0; t < T && rc == 0; t++) {
			size_t n = (size_t)(c->ops / (uint64_t)T + ((uint64_t)t < c->ops % (uint64_t)T));
			rc = gb_stream_count(&p->streams[t], &p->tab, K, n, c->zipf ? &z : NULL,
			                     c->seed, (unsigned)t);
		}
		break;
	}
	case GB_K_ST_INSERT:
		rc = gb_stream_seq(&p->streams[0], &p->tab, 0, K, GB_OP_STORE, 0, c->seed);
		break;
	case GB_K_ST_HIT:
		p->prefill = K;
		rc = gb_stream_seq(&p->streams[0], &p->tab, 0, K, GB_OP_LOAD, 1, c->seed);
		break;
	case GB_K_ST_MISS:
		p->prefill = K;
		rc = gb_stream_seq(&p->streams[0], &p->tab, K, K, GB_OP_LOAD, 0, c->seed);
		break;
	case GB_K_ST_DELETE:
		p->prefill = K;
		rc = gb_stream_seq(&p->streams[0], &p->tab, 0, K, GB_OP_DELETE, 1, c->seed);
		break;
	case GB_K_ST_ITER:
		p->prefill = K;
		p->iterate = true;
		break;
	default:
		rc = -1;
	}
	p->readonly = c->kind == GB_K_ST_HIT || c->kind == GB_K_ST_MISS ||
	              c->kind == GB_K_ST_ITER;
	p->phase_ns = (uint64_t)(c->min_time / (c->reps > 0 ? c->reps : 1) * 1e9);
	return rc;
}

/* Pins the calling thread for a single-thread cell; returns the old mask. */
static void pin_self(bool pin, cpu_set_t *old)
{
	CPU_ZERO(old);
	if (!pin)
		return;
	sched_getaffinity(0, sizeof *old, old);
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(nth_cpu(0), &set);
	sched_setaffinity(0, sizeof set, &set);
}

static void unpin_self(bool pin, const cpu_set_t *old)
{
	if (pin)
		sched_setaffinity(0, sizeof *old, old);
}

static int run_timed(const gb_cell *c, gb_result *r)
{
	plan p;
	if (plan_init(&p, c) != 0) {
		plan_free(&p);
		snprintf(r->notes, sizeof r->notes, "error=out of memory generating streams");
		return -1;
	}
	r->ops = gb_kind_streams(c->kind) ? c->ops : c->K;
	dvec d = { 0 };
	double total = 0;
	int rc = 0;
	if (one_run(&p) == 0) /* warm-up */
		rc = -1;
	while (rc == 0 && ((int)d.n < c->reps || total < c->min_time) && d.n < GB_MAX_RUNS) {
		uint64_t wall = one_run(&p);
		if (wall == 0 || dvec_push(&d, (double)wall / (double)p.run_ops) != 0) {
			rc = -1;
			break;
		}
		total += (double)wall * 1e-9;
	}
	if (rc == 0) {
		summarize(&d, &r->median, &r->min, &r->max);
		r->mops = 1000.0 / r->median;
		gb_notes_add(r->notes, sizeof r->notes, "reps=%zu", d.n);
	} else {
		gb_notes_add(r->notes, sizeof r->notes, "error=%s", p.err[0] ? p.err : "run failed");
	}
	free(d.v);
	plan_free(&p);
	return rc;
}

/* ---- grow-latency ------------------------------------------------------------ */

typedef struct timer {
	bool tsc;
	double ns_per_tick;
} timer;

#ifdef GB_HAVE_TSC
static bool cpu_has_invariant_tsc(void)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	if (!f)
		return false;
	char line[4096];
	bool constant = false, nonstop = false;
	while (fgets(line, sizeof line, f)) {
		if (strncmp(line, "flags", 5) != 0)
			continue;
		constant = strstr(line, " constant_tsc") != NULL;
		nonstop = strstr(line, " nonstop_tsc") != NULL;
		break;
	}
	fclose(f);
	return constant && nonstop;
}
#endif

static void timer_init(timer *t)
{
	t->tsc = false;
	t->ns_per_tick = 1.0;
#ifdef GB_HAVE_TSC
	if (!cpu_has_invariant_tsc())
		return;
	uint64_t n0 = now_ns(), c0 = __rdtsc();
	while (now_ns() - n0 < 20000000u) /* 20 ms */
		;
	uint64_t n1 = now_ns(), c1 = __rdtsc();
	if (c1 <= c0)
		return;
	t->tsc = true;
	t->ns_per_tick = (double)(n1 - n0) / (double)(c1 - c0);
#endif
}

static inline uint64_t timer_begin(const timer *t)
{
#ifdef GB_HAVE_TSC
	if (t->tsc) {
		_mm_lfence();
		return __rdtsc();
	}
#endif
	(void)t;
	return now_ns();
}

static inline uint64_t timer_end(const timer *t)
{
#ifdef GB_HAVE_TSC
	if (t->tsc) {
		unsigned aux;
		uint64_t v = __rdtscp(&aux);
		_mm_lfence();
		return v;
	}
#endif
	(void)t;
	return now_ns();
}

/* LSD radix sort of 32-bit values (four byte passes). */
static void radix_sort32(uint32_t *a, uint32_t *tmp, size_t n)
{
	for (int shift = 0; shift < 32; shift += 8) {
		size_t count[257] = { 0 };
		for (size_t i = 0; i < n; i++)
			count[((a[i] >> shift) & 255) + 1]++;
		for (int b = 0; b < 256; b++)
			count[b + 1] += count[b];
		for (size_t i = 0; i < n; i++)
			tmp[count[(a[i] >> shift) & 255]++] = a[i];
		memcpy(a, tmp, n * sizeof *a);
	}
}

/* Nearest rank: the smallest value with at least q of all values <= it. */
static uint32_t pct_of(const uint32_t *sorted, size_t n, double q)
{
	double rank = ceil(q * (double)n);
	size_t i = rank < 1 ? 0 : (size_t)rank - 1;
	return sorted[i < n ? i : n - 1];
}

static const double grow_q[] = { 0.50, 0.90, 0.99, 0.999, 0.9999, 0.99999, 1.0 };
static const char *const grow_qname[] = { "p50", "p90", "p99", "p99.9", "p99.99",
                                          "p99.999", "max" };
#define GROW_NQ (sizeof grow_q / sizeof *grow_q)

/* The timer's own cost (median of 1000 back-to-back reads) and its
 * resolution (the smallest step it ever takes), in ns, for the reader of
 * the figures: both are part of every latency measured. */
static void timer_describe(const timer *tm, double *cost_ns, double *res_ns)
{
	uint32_t lat[1000], tmp[1000];
	for (int i = 0; i < 1000; i++) {
		uint64_t a = timer_begin(tm);
		lat[i] = (uint32_t)(timer_end(tm) - a);
	}
	radix_sort32(lat, tmp, 1000);
	*cost_ns = lat[500] * tm->ns_per_tick;
	uint64_t step = UINT64_MAX;
	for (int i = 0; i < 200; i++) {
		uint64_t a = timer_begin(tm), b;
		while ((b = timer_begin(tm)) == a)
			;
		if (b - a < step)
			step = b - a;
	}
	*res_ns = (double)step * tm->ns_per_tick;
}

/* One grow-latency run: the n inserts into a fresh map, each one's ticks
 * in lat[]; returns their sum, or UINT64_MAX if the map cannot be made. */
static uint64_t grow_one(const gb_impl *impl, const uint64_t *keys, size_t n, const timer *tm,
                         uint32_t *lat)
{
	const gb_ops *o = &impl->ops[GB_U64];
	void *m = impl->create(GB_U64, impl->ctx);
	if (!m)
		return UINT64_MAX;
	uint64_t sum = 0;
	for (size_t i = 0; i < n; i++) {
		uint64_t v = i;
		uint64_t a = timer_begin(tm);
		o->store(m, &keys[i], &v);
		uint64_t d = timer_end(tm) - a;
		lat[i] = d > UINT32_MAX ? UINT32_MAX : (uint32_t)d;
		sum += d;
	}
	impl->destroy(m, impl->ctx);
	return sum;
}

/* The row: p50 as median/min/max over the runs, the other percentiles as
 * medians in the notes, and the timer's facts. */
static void grow_row(gb_result *r, dvec *q, size_t n, double worst, const timer *tm)
{
	double med, mn, mx, cost, res;
	r->ops = n;
	summarize(&q[0], &r->median, &r->min, &r->max);
	r->mops = NAN;
	for (size_t j = 1; j < GROW_NQ; j++) {
		summarize(&q[j], &med, &mn, &mx);
		gb_notes_add(r->notes, sizeof r->notes, "%s=%.1f", grow_qname[j], med);
	}
	timer_describe(tm, &cost, &res);
	gb_notes_add(r->notes, sizeof r->notes, "worst_max=%.1f", worst);
	gb_notes_add(r->notes, sizeof r->notes, "timer=%s", tm->tsc ? "tsc" : "clock_gettime");
	gb_notes_add(r->notes, sizeof r->notes, "timer_ns=%.1f", cost);
	gb_notes_add(r->notes, sizeof r->notes, "timer_res_ns=%.1f", res);
	gb_notes_add(r->notes, sizeof r->notes, "reps=%zu", q[0].n);
}

static int run_grow(const gb_cell *c, gb_result *r)
{
	size_t n = (size_t)c->K;
	uint64_t *keys = malloc(n * sizeof *keys);
	uint32_t *lat = malloc(n * sizeof *lat);
	uint32_t *tmp = malloc(n * sizeof *tmp);
	dvec q[GROW_NQ];
	memset(q, 0, sizeof q);
	int rc = 0;
	if (!keys || !lat || !tmp) {
		gb_notes_add(r->notes, sizeof r->notes, "error=out of memory");
		rc = -1;
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		keys[i] = gb_key64(i, c->seed);
	timer tm;
	timer_init(&tm);
	double total = 0, worst = 0;
	/* A warm-up run, then runs until --reps runs and --min-time. */
	for (int run = 0; rc == 0; run++) {
		bool warm = run == 0;
		if (!warm && (int)q[0].n >= c->reps && total >= c->min_time)
			break;
		if (q[0].n >= GB_MAX_RUNS)
			break;
		uint64_t sum = grow_one(c->impl, keys, n, &tm, lat);
		if (sum == UINT64_MAX) {
			gb_notes_add(r->notes, sizeof r->notes, "error=create failed");
			rc = -1;
			break;
		}
		if (warm)
			continue;
		total += (double)sum * tm.ns_per_tick * 1e-9;
		radix_sort32(lat, tmp, n);
		for (size_t j = 0; j < GROW_NQ; j++)
			if (dvec_push(&q[j], pct_of(lat, n, grow_q[j]) * tm.ns_per_tick) != 0)
				rc = -1;
		worst = fmax(worst, lat[n - 1] * tm.ns_per_tick);
	}
	if (rc == 0)
		grow_row(r, q, n, worst, &tm);
out:
	for (size_t j = 0; j < GROW_NQ; j++)
		free(q[j].v);
	free(keys);
	free(lat);
	free(tmp);
	return rc;
}

/* ---- memory ---------------------------------------------------------------- */

static size_t heap_in_use(void)
{
	struct mallinfo2 mi = mallinfo2();
	return mi.uordblks + mi.hblkhd;
}

static int run_memory(const gb_cell *c, gb_result *r)
{
	const gb_impl *impl = c->impl;
	const gb_ops *o = &impl->ops[GB_U64];
	uint64_t n = c->K;
	dvec d = { 0 };
	int rc = 0;
	for (int run = 0; rc == 0; run++) {
		bool warm = run == 0;
		if (!warm && (int)d.n >= c->reps)
			break;
		size_t before = heap_in_use();
		void *m = impl->create(GB_U64, impl->ctx);
		if (!m) {
			gb_notes_add(r->notes, sizeof r->notes, "error=create failed");
			rc = -1;
			break;
		}
		for (uint64_t i = 0; i < n; i++) {
			uint64_t k = gb_key64(i, c->seed), v = i;
			o->store(m, &k, &v);
		}
		size_t after = heap_in_use();
		impl->destroy(m, impl->ctx);
		if (!warm && dvec_push(&d, ((double)after - (double)before) / (double)n) != 0)
			rc = -1;
	}
	if (rc == 0) {
		double med, mn, mx;
		summarize(&d, &med, &mn, &mx);
		r->ops = n;
		r->median = r->min = r->max = r->mops = NAN;
		gb_notes_add(r->notes, sizeof r->notes, "bytes_per_entry=%.2f", med);
		if (mx - mn > 0.005)
			gb_notes_add(r->notes, sizeof r->notes, "bpe_min=%.2f;bpe_max=%.2f", mn, mx);
		gb_notes_add(r->notes, sizeof r->notes, "reps=%zu", d.n);
	}
	free(d.v);
	return rc;
}

/* ---- one cell -------------------------------------------------------------- */

int gb_measure_cell(const gb_cell *c, gb_result *r)
{
	gb_result_init(r, c);
	if (c->impl->flags & GB_F_CHILD) {
		gb_notes_add(r->notes, sizeof r->notes, "error=%s runs in its own program",
		             c->impl->name);
		return -1;
	}
	if (!gb_impl_supports(c->impl, c->keys)) {
		gb_notes_add(r->notes, sizeof r->notes, "error=%s keys not supported",
		             gb_keys_name(c->keys));
		return -1;
	}
	if (!gb_impl_supports_kind(c->impl, c->kind, c->keys)) {
		gb_notes_add(r->notes, sizeof r->notes, "error=no atomic increment");
		return -1;
	}
	cpu_set_t old;
	pin_self(c->pin, &old);
	if (c->impl->thread_enter)
		c->impl->thread_enter();
	int rc;
	switch (c->kind) {
	case GB_K_GROW:
		rc = run_grow(c, r);
		break;
	case GB_K_MEMORY:
		rc = run_memory(c, r);
		break;
	default:
		rc = run_timed(c, r);
		break;
	}
	if (c->impl->thread_leave)
		c->impl->thread_leave();
	unpin_self(c->pin, &old);
	if (c->impl->notes)
		gb_notes_add(r->notes, sizeof r->notes, "%s", c->impl->notes);
	if (c->pin)
		gb_notes_add(r->notes, sizeof r->notes, "pinned");
	if (c->quick)
		gb_notes_add(r->notes, sizeof r->notes, "quick");
	return rc;
}
