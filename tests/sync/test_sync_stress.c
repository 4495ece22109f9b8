/*
 * tests/sync/test_sync_stress.c - the sync map under threads, with checked
 * final states:
 *  - disjoint key ranges per writer thread, random operations against a
 *    per-thread model, readers checking every value they see;
 *  - compare_and_swap / compare_and_delete atomic with every other
 *    operation on the same key (Go issue 70970): concurrent increments by
 *    CAS, by delete-then-reinsert and by compare-delete-then-reinsert must
 *    all be counted exactly once;
 *  - stores racing deletes on the same keys (the in-place update path that
 *    must fall back to an insert);
 *  - reads never go back in time on a key while the table resizes under
 *    them (per-writer sequence numbers only grow);
 *  - the use-after-free hunt (meant for the asan config): readers hammer
 *    load and range while writers grow the map to a large size, delete
 *    everything, clear, grow again and clear again.
 * Sizes shrink under sanitizers (SCALE_DIV). Not a benchmark.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <unistd.h>

#include <cmocka.h>

#include "sync_test_util.h"

/*
 * Two builds of this file: by default u64 -> u64 maps, which keep their
 * pairs inline in the buckets (pair mode); with STRESS_ENTRY_MODE the value
 * type has a (no-op) destructor, which puts the same u64 values in entries
 * reclaimed through RCU (entry mode). Both must pass every test.
 */
#ifdef STRESS_ENTRY_MODE
static void noop_destroy(void *obj, void *ctx)
{
	(void)obj;
	(void)ctx;
}
static const gomap_type stress_vt = {sizeof(uint64_t), GOMAP_KIND_U64, 0, NULL, NULL, noop_destroy, NULL};
#else
#define stress_vt gomap_type_u64
#endif

static void check_threads_ok(void)
{
	if (atomic_load(&tcheck_failed))
		fail_msg("worker check failed: %s", tcheck_where);
}

/* Values encode their key: v = key * 1024 + version (version < 1024). */
#define VKEY(v) ((v) >> 10)

/* ---- disjoint ranges ------------------------------------------------------------------- */

enum { DJ_WRITERS = 4, DJ_READERS = 2 };

struct dj {
	gomap_sync_t *m;
	int id;
	uint64_t nkeys, ops;
	atomic_int *writers_left;
	uint64_t *model; /* 0: absent, else the value */
};

static void *dj_writer(void *arg)
{
	struct dj *d = arg;
	uint64_t s = (uint64_t)d->id * 7919 + 1;
	uint64_t base = (uint64_t)d->id * d->nkeys;
	for (uint64_t i = 0; i < d->ops; i++) {
		uint64_t r = rng_next(&s);
		uint64_t idx = r % d->nkeys, k = base + idx, ver = (r >> 40) % 1023 + 1;
		uint64_t v = k * 1024 + ver, out = 0, *cur = &d->model[idx];
		int rc;
		switch ((r >> 20) % 8) {
		case 0:
		case 1:
			TCHECK(gomap_sync_store(d->m, &k, &v) == 0);
			*cur = v;
			break;
		case 2:
			rc = gomap_sync_delete(d->m, &k);
			TCHECK(rc == (*cur != 0));
			*cur = 0;
			break;
		case 3:
			rc = gomap_sync_swap(d->m, &k, &v, &out);
			TCHECK(rc == (*cur != 0));
			TCHECK(!rc || out == *cur);
			*cur = v;
			break;
		case 4:
			rc = gomap_sync_load_or_store(d->m, &k, &v, &out);
			TCHECK(rc == (*cur != 0));
			TCHECK(out == (*cur ? *cur : v));
			if (!*cur)
				*cur = v;
			break;
		case 5:
			rc = gomap_sync_compare_and_swap(d->m, &k, cur, &v);
			TCHECK(rc == (*cur != 0));
			if (rc)
				*cur = v;
			break;
		case 6:
			rc = gomap_sync_load_and_delete(d->m, &k, &out);
			TCHECK(rc == (*cur != 0));
			TCHECK(!rc || out == *cur);
			*cur = 0;
			break;
		default:
			rc = gomap_sync_load(d->m, &k, &out);
			TCHECK(rc == (*cur != 0));
			TCHECK(!rc || out == *cur);
			break;
		}
	}
	atomic_fetch_sub(d->writers_left, 1);
	return NULL;
}

static bool dj_range_fn(const void *key, void *val, void *ctx)
{
	uint64_t k, v;
	memcpy(&k, key, 8);
	memcpy(&v, val, 8);
	TCHECK(VKEY(v) == k);
	(*(uint64_t *)ctx)++;
	return true;
}

static void *dj_reader(void *arg)
{
	struct dj *d = arg;
	uint64_t s = (uint64_t)d->id * 104729 + 3, n = 0;
	while (atomic_load(d->writers_left) > 0) {
		for (int i = 0; i < 1000; i++) {
			uint64_t k = rng_next(&s) % (d->nkeys * DJ_WRITERS), v;
			if (gomap_sync_load(d->m, &k, &v) == 1)
				TCHECK(VKEY(v) == k);
		}
		if (++n % 64 == 0) {
			uint64_t seen = 0;
			TCHECK(gomap_sync_range(d->m, dj_range_fn, &seen) == 0);
			TCHECK(seen <= d->nkeys * DJ_WRITERS);
		}
	}
	return NULL;
}

static void test_disjoint(void **state)
{
	(void)state;
	gomap_sync_t *m;
	assert_int_equal(gomap_sync_new(&m, &gomap_type_u64, &stress_vt, NULL), 0);
	atomic_int left = DJ_WRITERS;
	struct dj d[DJ_WRITERS + DJ_READERS];
	pthread_t th[DJ_WRITERS + DJ_READERS];
	const uint64_t nkeys = 20000 / SCALE_DIV, ops = 300000 / SCALE_DIV;
	for (int i = 0; i < DJ_WRITERS + DJ_READERS; i++) {
		d[i] = (struct dj){m, i, nkeys, ops, &left, NULL};
		if (i < DJ_WRITERS)
			d[i].model = calloc(nkeys, sizeof(uint64_t));
		assert_int_equal(pthread_create(&th[i], NULL, i < DJ_WRITERS ? dj_writer : dj_reader, &d[i]), 0);
	}
	for (int i = 0; i < DJ_WRITERS + DJ_READERS; i++)
		pthread_join(th[i], NULL);
	check_threads_ok();
	size_t want = 0;
	for (int w = 0; w < DJ_WRITERS; w++) {
		for (uint64_t i = 0; i < nkeys; i++) {
			uint64_t k = (uint64_t)w * nkeys + i, v;
			int rc = gomap_sync_load(m, &k, &v);
			assert_int_equal(rc, d[w].model[i] != 0);
			if (rc)
				assert_int_equal(v, d[w].model[i]);
			want += rc;
		}
		free(d[w].model);
	}
	assert_int_equal(gomap_sync_len(m), want);
	uint64_t seen = 0;
	assert_int_equal(gomap_sync_range(m, dj_range_fn, &seen), 0);
	check_threads_ok();
	assert_int_equal(seen, want);
	assert_int_equal(gomap_sync_check(m), 0);
	gomap_sync_free(m);
}

/* ---- compare-and-swap atomicity (Go issue 70970) ---------------------------------------- */

enum { CAS_KEYS = 8, CAS_THREADS = 6 };

struct casarg {
	gomap_sync_t *m;
	int id;
	uint64_t rounds;
	uint64_t incs[CAS_KEYS];
};

static void *cas_worker(void *arg)
{
	struct casarg *a = arg;
	uint64_t s = (uint64_t)a->id + 11;
	for (uint64_t i = 0; i < a->rounds; i++) {
		uint64_t r = rng_next(&s), k = r % CAS_KEYS, v, nv;
		switch (a->id % 3) {
		case 0: /* increment by compare_and_swap */
			if (gomap_sync_load(a->m, &k, &v) == 1) {
				nv = v + 1;
				if (gomap_sync_compare_and_swap(a->m, &k, &v, &nv) == 1)
					a->incs[k]++;
			}
			break;
		case 1: /* take the value out, put it back incremented */
			if (gomap_sync_load_and_delete(a->m, &k, &v) == 1) {
				nv = v + 1;
				TCHECK(gomap_sync_load_or_store(a->m, &k, &nv, NULL) == 0);
				a->incs[k]++;
			}
			break;
		default: /* compare-and-delete, then reinsert incremented */
			if (gomap_sync_load(a->m, &k, &v) == 1 && gomap_sync_compare_and_delete(a->m, &k, &v) == 1) {
				nv = v + 1;
				TCHECK(gomap_sync_load_or_store(a->m, &k, &nv, NULL) == 0);
				a->incs[k]++;
			}
			break;
		}
		/* plain loads in between (only takers reinsert a key) */
		uint64_t junk;
		(void)gomap_sync_load(a->m, &k, &junk);
	}
	return NULL;
}

static void test_cas_atomic(void **state)
{
	(void)state;
	gomap_sync_t *m;
	assert_int_equal(gomap_sync_new(&m, &gomap_type_u64, &stress_vt, NULL), 0);
	for (uint64_t k = 0; k < CAS_KEYS; k++) {
		uint64_t z = 0;
		gomap_sync_store(m, &k, &z);
	}
	/* filler keys so that the table resizes during the test */
	struct casarg a[CAS_THREADS];
	pthread_t th[CAS_THREADS];
	for (int i = 0; i < CAS_THREADS; i++) {
		memset(&a[i], 0, sizeof a[i]);
		a[i].m = m;
		a[i].id = i;
		a[i].rounds = 200000 / SCALE_DIV;
		assert_int_equal(pthread_create(&th[i], NULL, cas_worker, &a[i]), 0);
	}
	for (uint64_t i = 0; i < 50000 / SCALE_DIV; i++) {
		uint64_t k = 1000 + i;
		gomap_sync_store(m, &k, &i);
	}
	for (uint64_t i = 0; i < 50000 / SCALE_DIV; i++) {
		uint64_t k = 1000 + i;
		gomap_sync_delete(m, &k);
	}
	for (int i = 0; i < CAS_THREADS; i++)
		pthread_join(th[i], NULL);
	check_threads_ok();
	for (uint64_t k = 0; k < CAS_KEYS; k++) {
		uint64_t total = 0, v;
		for (int i = 0; i < CAS_THREADS; i++)
			total += a[i].incs[k];
		assert_int_equal(gomap_sync_load(m, &k, &v), 1);
		assert_int_equal(v, total);
	}
	assert_int_equal(gomap_sync_len(m), CAS_KEYS);
	assert_int_equal(gomap_sync_check(m), 0);
	gomap_sync_free(m);
}

/* ---- stores racing deletes on the same keys ---------------------------------------------
 * A store that saw its key in the lock-free pre-check (so planned an
 * in-place update) may find it deleted once it holds the lock, and must
 * insert after all. */

enum { RACE_KEYS = 4 };

struct race {
	gomap_sync_t *m;
	int id;
	uint64_t rounds;
};

static void *race_worker(void *arg)
{
	struct race *a = arg;
	for (uint64_t i = 0; i < a->rounds; i++) {
		uint64_t k = i % RACE_KEYS, v = k * 1024 + (i % 1000) + 1, out;
		if (a->id == 0) {
			TCHECK(gomap_sync_store(a->m, &k, &v) == 0);
		} else if (a->id == 1) {
			TCHECK(gomap_sync_delete(a->m, &k) >= 0);
		} else {
			int rc = gomap_sync_swap(a->m, &k, &v, &out);
			TCHECK(rc == 0 || (rc == 1 && VKEY(out) == k));
		}
		if (gomap_sync_load(a->m, &k, &out) == 1)
			TCHECK(VKEY(out) == k);
	}
	return NULL;
}

static void test_store_delete_race(void **state)
{
	(void)state;
	gomap_sync_t *m;
	assert_int_equal(gomap_sync_new(&m, &gomap_type_u64, &stress_vt, NULL), 0);
	struct race a[3];
	pthread_t th[3];
	for (int i = 0; i < 3; i++) {
		a[i] = (struct race){m, i, 300000 / SCALE_DIV};
		assert_int_equal(pthread_create(&th[i], NULL, race_worker, &a[i]), 0);
	}
	for (int i = 0; i < 3; i++)
		pthread_join(th[i], NULL);
	check_threads_ok();
	size_t n = 0;
	for (uint64_t k = 0; k < RACE_KEYS; k++)
		n += gomap_sync_load(m, &k, NULL) == 1;
	assert_int_equal(gomap_sync_len(m), n);
	assert_int_equal(gomap_sync_check(m), 0);
	gomap_sync_free(m);
}

/* ---- no going back in time during resizes ------------------------------------------------ */

enum { MONO_KEYS = 64, MONO_WRITERS = 2, MONO_READERS = 2 };

struct mono {
	gomap_sync_t *m;
	int id;
	uint64_t rounds;
	atomic_int *left;
};

/* value = writer << 40 | seq; per (key, writer) seq only grows */
static void *mono_writer(void *arg)
{
	struct mono *a = arg;
	for (uint64_t seq = 1; seq <= a->rounds; seq++) {
		uint64_t k = seq % MONO_KEYS, v = ((uint64_t)a->id << 40) | seq;
		TCHECK(gomap_sync_store(a->m, &k, &v) == 0);
	}
	atomic_fetch_sub(a->left, 1);
	return NULL;
}

static void *mono_reader(void *arg)
{
	struct mono *a = arg;
	uint64_t last[MONO_KEYS][MONO_WRITERS] = {{0}};
	while (atomic_load(a->left) > 0) {
		for (uint64_t k = 0; k < MONO_KEYS; k++) {
			uint64_t v;
			if (gomap_sync_load(a->m, &k, &v) != 1)
				continue;
			uint64_t w = v >> 40, seq = v & ((1ull << 40) - 1);
			TCHECK(w < MONO_WRITERS);
			if (w < MONO_WRITERS) {
				TCHECK(seq >= last[k][w]);
				last[k][w] = seq;
			}
		}
	}
	return NULL;
}

/* Grows and shrinks the table all the time, with keys the others don't use. */
static void *churner(void *arg)
{
	struct mono *a = arg;
	uint64_t n = 20000 / SCALE_DIV;
	/* at least two full grow-and-shrink cycles, however fast the others */
	for (int cycle = 0; cycle < 2 || atomic_load(a->left) > 0; cycle++) {
		for (uint64_t i = 0; i < n; i++) {
			uint64_t k = (1ull << 32) + i;
			gomap_sync_store(a->m, &k, &i);
		}
		for (uint64_t i = 0; i < n; i++) {
			uint64_t k = (1ull << 32) + i;
			gomap_sync_delete(a->m, &k);
		}
	}
	return NULL;
}

static void test_monotonic_reads(void **state)
{
	(void)state;
	gomap_sync_t *m;
	assert_int_equal(gomap_sync_new(&m, &gomap_type_u64, &stress_vt, NULL), 0);
	atomic_int left = MONO_WRITERS;
	struct mono a[MONO_WRITERS + MONO_READERS + 1];
	pthread_t th[MONO_WRITERS + MONO_READERS + 1];
	for (int i = 0; i < MONO_WRITERS + MONO_READERS + 1; i++) {
		a[i] = (struct mono){m, i, 400000 / SCALE_DIV, &left};
		void *(*fn)(void *) = i < MONO_WRITERS ? mono_writer : i < MONO_WRITERS + MONO_READERS ? mono_reader : churner;
		assert_int_equal(pthread_create(&th[i], NULL, fn, &a[i]), 0);
	}
	for (int i = 0; i < MONO_WRITERS + MONO_READERS + 1; i++)
		pthread_join(th[i], NULL);
	check_threads_ok();
	gomap_sync_stats st;
	assert_int_equal(gomap_sync_stats_get(m, &st), 0);
	assert_true(st.grows > 0 && st.shrinks > 0);
	assert_int_equal(gomap_sync_check(m), 0);
	gomap_sync_free(m);
}

/* ---- use-after-free hunt ------------------------------------------------------------------ */

enum { UAF_READERS = 2, UAF_WRITERS = 2 };

struct uaf {
	gomap_sync_t *m;
	int id;
	uint64_t n;
	atomic_int *done;
	pthread_barrier_t *bar;
};

static bool uaf_range_fn(const void *key, void *val, void *ctx)
{
	uint64_t k, v;
	memcpy(&k, key, 8);
	memcpy(&v, val, 8);
	TCHECK(v == k * 3 + 1);
	return ++*(uint64_t *)ctx < 20000;
}

static void *uaf_reader(void *arg)
{
	struct uaf *a = arg;
	uint64_t s = (uint64_t)a->id * 31 + 5, rounds = 0;
	while (!atomic_load(a->done)) {
		for (int i = 0; i < 2000; i++) {
			uint64_t k = rng_next(&s) % a->n, v;
			if (gomap_sync_load(a->m, &k, &v) == 1)
				TCHECK(v == k * 3 + 1);
		}
		if (++rounds % 8 == 0) {
			uint64_t seen = 0;
			TCHECK(gomap_sync_range(a->m, uaf_range_fn, &seen) == 0);
		}
	}
	return NULL;
}

static void *uaf_writer(void *arg)
{
	struct uaf *a = arg;
	uint64_t lo = a->n / UAF_WRITERS * (uint64_t)a->id, hi = lo + a->n / UAF_WRITERS;
	for (int round = 0; round < 2; round++) {
		for (uint64_t k = lo; k < hi; k++) {
			uint64_t v = k * 3 + 1;
			TCHECK(gomap_sync_store(a->m, &k, &v) == 0);
		}
		for (uint64_t k = lo; k < hi; k += 3) { /* overwrite some: retired values */
			uint64_t v = k * 3 + 1, old;
			TCHECK(gomap_sync_swap(a->m, &k, &v, &old) == 1);
		}
		pthread_barrier_wait(a->bar);
		if (round == 0) {
			for (uint64_t k = lo; k < hi; k++)
				TCHECK(gomap_sync_delete(a->m, &k) == 1);
			pthread_barrier_wait(a->bar);
			if (a->id == 0) {
				TCHECK(gomap_sync_len(a->m) == 0);
				TCHECK(gomap_sync_clear(a->m) == 0);
			}
			pthread_barrier_wait(a->bar);
		} else if (a->id == 0) {
			TCHECK(gomap_sync_len(a->m) == a->n / UAF_WRITERS * UAF_WRITERS);
			TCHECK(gomap_sync_clear(a->m) == 0);
		}
	}
	return NULL;
}

static void test_uaf_hunt(void **state)
{
	(void)state;
	gomap_sync_t *m;
	assert_int_equal(gomap_sync_new(&m, &gomap_type_u64, &stress_vt, NULL), 0);
	atomic_int done = 0;
	pthread_barrier_t bar;
	pthread_barrier_init(&bar, NULL, UAF_WRITERS);
	struct uaf a[UAF_READERS + UAF_WRITERS];
	pthread_t th[UAF_READERS + UAF_WRITERS];
	const uint64_t n = 2000000 / SCALE_DIV / (SCALE_DIV > 1 ? 2 : 1);
	for (int i = 0; i < UAF_READERS + UAF_WRITERS; i++) {
		a[i] = (struct uaf){m, i < UAF_WRITERS ? i : i - UAF_WRITERS, n, &done, &bar};
		assert_int_equal(pthread_create(&th[i], NULL, i < UAF_WRITERS ? uaf_writer : uaf_reader, &a[i]), 0);
	}
	for (int i = 0; i < UAF_WRITERS; i++)
		pthread_join(th[i], NULL);
	atomic_store(&done, 1);
	for (int i = UAF_WRITERS; i < UAF_READERS + UAF_WRITERS; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&bar);
	check_threads_ok();
	assert_int_equal(gomap_sync_len(m), 0);
	gomap_sync_stats st;
	assert_int_equal(gomap_sync_stats_get(m, &st), 0);
	assert_true(st.grows > 0 && st.clears == 2);
	gomap_sync_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_disjoint),
	    cmocka_unit_test(test_cas_atomic),
	    cmocka_unit_test(test_store_delete_race),
	    cmocka_unit_test(test_monotonic_reads),
	    cmocka_unit_test(test_uaf_hunt),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
