/*
 * tests/sync/sync_soak.c - soak test of the sync map: for a given time,
 * threads run a random mix of every operation (and now and then range,
 * clear) on a shared key space, each thread owning a slice of the keys it
 * checks exactly against its own model, while every thread also reads the
 * others' keys and checks that values are well-formed. At the end the final
 * state is compared with the models. Meant to run for minutes outside CI,
 * under the plain, asan and tsan builds (see docs/sync.md); ctest runs it
 * for one second. Not a benchmark: it prints operation counts only.
 *
 * usage: sync_soak [--seconds S] [--threads T] [--keys K] [--seed N] [--clears 0|1]
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gomap/sync.h>

static gomap_sync_t *map;
static atomic_int stop, failed;
static atomic_long clears_done;
static uint64_t nkeys, seed = 1;
static int nthreads = 4;
static int do_clears = 1;

#define VKEY(v) ((v) >> 16)

struct worker {
	pthread_t th;
	int id;
	uint64_t lo, hi; /* owned keys */
	uint64_t *model; /* 0: absent */
	long epoch;      /* clears seen: a clear wipes every slice */
	uint64_t ops;
};

static uint64_t rng(uint64_t *s)
{
	*s += 0x9E3779B97F4A7C15ull;
	uint64_t z = *s;
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static _Thread_local int last_rc;
static _Thread_local uint64_t last_out, last_was;

static void fail(const char *what, uint64_t k)
{
	if (!atomic_exchange(&failed, 1))
		fprintf(stderr, "sync_soak: FAILED: %s (key %llu: rc %d, out %#llx, model %#llx)\n", what,
		        (unsigned long long)k, last_rc, (unsigned long long)last_out, (unsigned long long)last_was);
	atomic_store(&stop, 1);
}

static bool range_fn(const void *key, void *val, void *ctx)
{
	uint64_t k, v;
	memcpy(&k, key, 8);
	memcpy(&v, val, 8);
	if (VKEY(v) != k)
		fail("range: value of another key", k);
	return ++*(uint64_t *)ctx < 5000;
}

#define UNKNOWN UINT64_MAX /* model entry after a clear raced with it */

static void *run(void *arg)
{
	struct worker *w = arg;
	uint64_t s = seed * 1000003 + (uint64_t)w->id;
	while (!atomic_load(&stop)) {
		/* A clear by anyone wipes our slice too: from then on we learn
		 * each key's state again from the next operation's answer. */
		long e = atomic_load(&clears_done);
		if (e != w->epoch) {
			for (uint64_t i = 0; i < w->hi - w->lo; i++)
				w->model[i] = UNKNOWN;
			w->epoch = e;
		}
		uint64_t r = rng(&s), v, out = 0;
		uint64_t k = w->lo + r % (w->hi - w->lo), *cur = &w->model[k - w->lo];
		uint64_t nv = (k << 16) | ((r >> 48) | 1), was = *cur;
		bool known = was != UNKNOWN, present = known && was != 0;
/* settled: no clear in progress at the start (e even) nor begun since */
#define SETTLED() (last_rc = rc, last_out = out, last_was = was, known && !(e & 1) && atomic_load(&clears_done) == e)
		int op = (int)((r >> 8) % 100), rc = 0;
		if (op < 40) { /* someone else's key: only well-formedness */
			uint64_t ok = r % nkeys;
			if (gomap_sync_load(map, &ok, &v) == 1 && VKEY(v) != ok)
				fail("load: value of another key", ok);
			w->ops++;
			continue;
		} else if (op < 55) {
			if (gomap_sync_store(map, &k, &nv) != 0)
				fail("store", k);
			*cur = nv;
		} else if (op < 63) {
			rc = gomap_sync_delete(map, &k);
			if (SETTLED() && rc != present)
				fail("delete", k);
			*cur = 0;
		} else if (op < 70) {
			rc = gomap_sync_swap(map, &k, &nv, &out);
			if (SETTLED() && (rc != present || (rc && out != was)))
				fail("swap", k);
			*cur = nv;
		} else if (op < 77) {
			rc = gomap_sync_load_or_store(map, &k, &nv, &out);
			if (SETTLED() && (rc != present || out != (rc ? was : nv)))
				fail("load_or_store", k);
			*cur = out;
		} else if (op < 84) {
			uint64_t old = known ? was : 0;
			rc = gomap_sync_compare_and_swap(map, &k, &old, &nv);
			if (SETTLED() && rc != present)
				fail("compare_and_swap", k);
			if (rc)
				*cur = nv;
		} else if (op < 90) {
			rc = gomap_sync_load_and_delete(map, &k, &out);
			if (SETTLED() && (rc != present || (rc && out != was)))
				fail("load_and_delete", k);
			*cur = 0;
		} else if (op < 96) {
			rc = gomap_sync_load(map, &k, &out);
			if (SETTLED() && (rc != present || (rc && out != was)))
				fail("load", k);
			*cur = rc ? out : 0;
		} else if (op < 99) {
			uint64_t seen = 0;
			if (gomap_sync_range(map, range_fn, &seen) != 0)
				fail("range", 0);
		} else if (do_clears && (r >> 32) % 500 == 0) {
			/* rare: clear. The counter is odd while a clear may be in
			 * progress: announced before (so every operation it may
			 * overlap sees the counter move) and after it. */
			atomic_fetch_add(&clears_done, 1);
			if (gomap_sync_clear(map) != 0)
				fail("clear", 0);
			atomic_fetch_add(&clears_done, 1);
		}
		if ((e & 1) || atomic_load(&clears_done) != e)
			*cur = UNKNOWN; /* a clear overlapped: its effect is unknown */
#undef SETTLED
		w->ops++;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	double seconds = 60;
	nkeys = 1000000;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--seconds"))
			seconds = atof(argv[i + 1]);
		else if (!strcmp(argv[i], "--threads"))
			nthreads = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--keys"))
			nkeys = strtoull(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "--clears"))
			do_clears = atoi(argv[i + 1]) != 0;
		else if (!strcmp(argv[i], "--seed"))
			seed = strtoull(argv[i + 1], NULL, 10);
		else {
			fprintf(stderr, "usage: %s [--seconds S] [--threads T] [--keys K] [--seed N] [--clears 0|1]\n", argv[0]);
			return 2;
		}
	}
	if (nthreads < 1 || nthreads > 1024 || nkeys < (uint64_t)nthreads) {
		fprintf(stderr, "sync_soak: bad arguments\n");
		return 2;
	}
	if (gomap_sync_new(&map, &gomap_type_u64, &gomap_type_u64, NULL) != 0)
		return 1;
	struct worker *ws = calloc((size_t)nthreads, sizeof *ws);
	uint64_t slice = nkeys / (uint64_t)nthreads;
	for (int i = 0; i < nthreads; i++) {
		ws[i].id = i;
		ws[i].lo = slice * (uint64_t)i;
		ws[i].hi = ws[i].lo + slice;
		ws[i].model = calloc(slice, sizeof(uint64_t));
		pthread_create(&ws[i].th, NULL, run, &ws[i]);
	}
	struct timespec ts = {(time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9)};
	while (nanosleep(&ts, &ts) != 0)
		;
	atomic_store(&stop, 1);
	uint64_t total = 0;
	for (int i = 0; i < nthreads; i++) {
		pthread_join(ws[i].th, NULL);
		total += ws[i].ops;
	}
	/* final state: each slice equals its model, where known */
	for (int i = 0; i < nthreads && !atomic_load(&failed); i++) {
		if (ws[i].epoch != atomic_load(&clears_done))
			continue; /* a clear landed after this worker's last look */
		for (uint64_t k = ws[i].lo; k < ws[i].hi; k++) {
			uint64_t v, m = ws[i].model[k - ws[i].lo];
			int rc = gomap_sync_load(map, &k, &v);
			if (m != UNKNOWN && (rc != (m != 0) || (rc && v != m)))
				fail("final state", k);
		}
	}
	if (gomap_sync_check(map) != 0)
		fail("gomap_sync_check", 0);
	gomap_sync_stats st;
	gomap_sync_stats_get(map, &st);
	printf("sync_soak: %d threads, %llu ops, %zu entries, %zu grows, %zu shrinks, %zu clears: %s\n", nthreads,
	       (unsigned long long)total, st.count, st.grows, st.shrinks, st.clears,
	       atomic_load(&failed) ? "FAILED" : "ok");
	for (int i = 0; i < nthreads; i++)
		free(ws[i].model);
	free(ws);
	gomap_sync_free(map);
	return atomic_load(&failed) ? 1 : 0;
}
