/*
 * tests/cmap/cmap_stress.c - several threads of seeded random operations on
 * one map, per variant.
 *
 *  - disjoint keys: each thread owns a key range and keeps its own model;
 *    since nobody else touches its keys, every result must match the model
 *    exactly, even mid-run; its own keys must show up in a concurrent range
 *    exactly as the model says; the final content is checked key by key.
 *  - hot keys: all threads hammer a few shared keys with every operation.
 *    Each value is unique (key, thread, sequence number) and each thread logs
 *    the values it wrote successfully. Afterwards: every value anyone saw
 *    was written to that key by someone; no value was removed twice
 *    (load_and_delete, swap's previous value, a successful CAS's old value,
 *    a successful CAD's old value: a CAS that is not atomic shows up here,
 *    cf. Go issue 70970); a value present at the end was never removed.
 * Not a benchmark: nothing is timed.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

#include "cmap_test.h"

#define MAXT 8

static int nthreads(void)
{
	return GOMAP_TEST_TSAN ? 3 : 4;
}

/* Start all threads at once so that they overlap. */
static atomic_int gate_count;
static void gate_wait(int n)
{
	atomic_fetch_add(&gate_count, 1);
	while (atomic_load(&gate_count) < n)
		sched_yield(); /* fewer cores than threads */
}

/* ---- disjoint key ranges ------------------------------------------------ */

#define PER 64

struct djob {
	void *m;
	const ct_keys *K;
	int t, n;
	long ops;
	bool present[PER];
	uint64_t val[PER];
	int errors;
};

struct own_seen {
	const struct djob *j;
	int seen[PER];
	uint64_t val[PER];
	size_t total;
};

static bool own_range_fn(const void *k, void *v, void *ctx)
{
	struct own_seen *s = ctx;
	long i = ct_key_index(s->j->K, k);
	s->total++;
	if (i < 0)
		return true;
	if (i / PER == s->j->t) {
		s->seen[i % PER]++;
		memcpy(&s->val[i % PER], v, 8);
	}
	return true;
}

#define EXPECT(c)                                                          \
	do {                                                               \
		if (!(c)) {                                                \
			fprintf(stderr, "thread %d step %ld: %s\n", j->t,  \
			        step, #c);                                 \
			j->errors++;                                       \
		}                                                          \
	} while (0)

static void *disjoint_worker(void *arg)
{
	struct djob *j = arg;
	ct_rng g = {(uint64_t)j->t * 31337 + 1};
	gate_wait(j->n);
	for (long step = 0; step < j->ops && j->errors < 5; step++) {
		size_t i = (size_t)ct_below(&g, PER);
		const void *k = ct_key(j->K, (size_t)j->t * PER + i);
		uint64_t v = ct_below(&g, 4), v2 = ct_below(&g, 4), out = 99;
		bool had = j->present[i];
		uint64_t cur = j->val[i];
		int rc;
		switch (ct_below(&g, 10)) {
		case 0:
			rc = V->load(j->m, k, &out);
			EXPECT(rc == had && (!had || out == cur));
			break;
		case 1:
			EXPECT(V->store(j->m, k, &v) == 0);
			j->present[i] = true;
			j->val[i] = v;
			break;
		case 2:
			rc = V->load_or_store(j->m, k, &v, &out);
			EXPECT(rc == had && (!had || out == cur));
			if (!had) {
				j->present[i] = true;
				j->val[i] = v;
			}
			break;
		case 3:
			rc = V->load_and_delete(j->m, k, &out);
			EXPECT(rc == had && (!had || out == cur));
			j->present[i] = false;
			break;
		case 4:
			EXPECT(V->del(j->m, k) == had);
			j->present[i] = false;
			break;
		case 5:
			rc = V->swap(j->m, k, &v, &out);
			EXPECT(rc == had && (!had || out == cur));
			j->present[i] = true;
			j->val[i] = v;
			break;
		case 6:
			rc = V->compare_and_swap(j->m, k, &v, &v2);
			EXPECT(rc == (had && cur == v));
			if (rc == 1)
				j->val[i] = v2;
			break;
		case 7:
			rc = V->compare_and_delete(j->m, k, &v);
			EXPECT(rc == (had && cur == v));
			if (rc == 1)
				j->present[i] = false;
			break;
		case 8:
			if (ct_below(&g, 8) == 0) {
				struct own_seen s;
				memset(&s, 0, sizeof s);
				s.j = j;
				EXPECT(V->range(j->m, own_range_fn, &s) == 0);
				for (size_t x = 0; x < PER; x++) {
					EXPECT(s.seen[x] == j->present[x]);
					if (s.seen[x])
						EXPECT(s.val[x] == j->val[x]);
				}
			}
			break;
		default:
			EXPECT(V->len(j->m) <= (size_t)j->n * PER);
			break;
		}
	}
	return NULL;
}

static void disjoint(int kind)
{
	int n = nthreads();
	ct_keys *K = malloc(sizeof *K);
	ct_keys_init(K, kind, (size_t)n * PER);
	void *m = ct_new(kind);
	struct djob jobs[MAXT];
	pthread_t th[MAXT];
	atomic_store(&gate_count, 0);
	for (int t = 0; t < n; t++) {
		memset(&jobs[t], 0, sizeof jobs[t]);
		jobs[t] = (struct djob){.m = m, .K = K, .t = t, .n = n,
		                        .ops = ct_scale(40000)};
		assert_int_equal(pthread_create(&th[t], NULL, disjoint_worker,
		                                &jobs[t]),
		                 0);
	}
	size_t total = 0;
	for (int t = 0; t < n; t++) {
		pthread_join(th[t], NULL);
		assert_int_equal(jobs[t].errors, 0);
		for (size_t i = 0; i < PER; i++) {
			uint64_t out;
			const void *k = ct_key(K, (size_t)t * PER + i);
			assert_int_equal(V->load(m, k, &out),
			                 jobs[t].present[i]);
			if (jobs[t].present[i])
				assert_int_equal(out, jobs[t].val[i]);
			total += jobs[t].present[i];
		}
	}
	assert_int_equal(V->len(m), total);
	V->destroy(m);
	free(K);
}

static void test_disjoint_u64(void **st)
{
	(void)st;
	disjoint(CT_U64);
}

static void test_disjoint_str(void **st)
{
	(void)st;
	disjoint(CT_STR);
}

/* ---- hot shared keys ----------------------------------------------------- */

#define HOT 6
#define SEQ_BITS 40

static uint64_t mkval(size_t key, int t, uint64_t seq)
{
	return ((uint64_t)key << 48) | ((uint64_t)t << SEQ_BITS) | seq;
}

struct hjob {
	void *m;
	const ct_keys *K;
	int t, n;
	long ops;
	uint64_t seq;      /* next sequence number */
	uint8_t *written;  /* [seq] = key + 1 when stored successfully */
	uint64_t *seen;    /* values observed */
	size_t nseen;
	uint64_t *removed; /* values this thread removed */
	size_t nremoved;
	uint64_t last[HOT]; /* last value seen per key, for CAS/CAD */
	int errors;
};

static void saw(struct hjob *j, uint64_t v)
{
	j->seen[j->nseen++] = v;
}

static void took(struct hjob *j, uint64_t v)
{
	j->removed[j->nremoved++] = v;
	saw(j, v);
}

struct hot_range {
	struct hjob *j;
	int seen[HOT];
};

static bool hot_range_fn(const void *k, void *v, void *ctx)
{
	struct hot_range *r = ctx;
	long i = ct_key_index(r->j->K, k);
	uint64_t val;
	memcpy(&val, v, 8);
	if (i < 0 || i >= HOT) {
		r->j->errors++;
		return true;
	}
	r->seen[i]++;
	saw(r->j, val);
	return true;
}

static void *hot_worker(void *arg)
{
	struct hjob *j = arg;
	ct_rng g = {(uint64_t)j->t * 7777 + 3};
	gate_wait(j->n);
	for (long step = 0; step < j->ops; step++) {
		size_t i = (size_t)ct_below(&g, HOT);
		const void *k = ct_key(j->K, i);
		uint64_t v = mkval(i, j->t, j->seq), out;
		int rc;
		switch (ct_below(&g, 12)) {
		case 0:
		case 1:
			if (V->load(j->m, k, &out) == 1) {
				saw(j, out);
				j->last[i] = out;
			}
			break;
		case 2:
			EXPECT(V->store(j->m, k, &v) == 0);
			j->written[j->seq++] = (uint8_t)(i + 1);
			break;
		case 3:
			rc = V->load_or_store(j->m, k, &v, &out);
			EXPECT(rc == 0 || rc == 1);
			if (rc == 0) {
				j->written[j->seq++] = (uint8_t)(i + 1);
			} else {
				saw(j, out);
				j->last[i] = out;
			}
			break;
		case 4:
			if (V->load_and_delete(j->m, k, &out) == 1)
				took(j, out);
			break;
		case 5:
			EXPECT(V->del(j->m, k) >= 0);
			break;
		case 6:
			rc = V->swap(j->m, k, &v, &out);
			EXPECT(rc == 0 || rc == 1);
			j->written[j->seq++] = (uint8_t)(i + 1);
			if (rc == 1)
				took(j, out);
			break;
		case 7:
		case 8:
			rc = V->compare_and_swap(j->m, k, &j->last[i], &v);
			EXPECT(rc == 0 || rc == 1);
			if (rc == 1) {
				j->written[j->seq++] = (uint8_t)(i + 1);
				took(j, j->last[i]);
				j->last[i] = v;
			}
			break;
		case 9:
			rc = V->compare_and_delete(j->m, k, &j->last[i]);
			EXPECT(rc == 0 || rc == 1);
			if (rc == 1)
				took(j, j->last[i]);
			break;
		case 10:
			EXPECT(V->len(j->m) <= HOT);
			break;
		default:
			if (j->t == 0 && ct_below(&g, 4) == 0) {
				struct hot_range r = {.j = j};
				EXPECT(V->range(j->m, hot_range_fn, &r) == 0);
				for (int x = 0; x < HOT; x++)
					EXPECT(r.seen[x] <= 1);
			} else if (j->t == 1 && ct_below(&g, 64) == 0) {
				EXPECT(V->clear(j->m) == 0);
			}
			break;
		}
	}
	return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static bool valid_value(struct hjob *jobs, int n, uint64_t v, size_t key)
{
	size_t k = (size_t)(v >> 48);
	int t = (int)((v >> SEQ_BITS) & 0xff);
	uint64_t seq = v & ((UINT64_C(1) << SEQ_BITS) - 1);
	return k == key && t < n && seq < jobs[t].seq &&
	       jobs[t].written[seq] == key + 1;
}

static void hot(int kind)
{
	int n = nthreads();
	ct_keys *K = malloc(sizeof *K);
	ct_keys_init(K, kind, HOT);
	void *m = ct_new(kind);
	struct hjob jobs[MAXT];
	pthread_t th[MAXT];
	long ops = ct_scale(40000);
	atomic_store(&gate_count, 0);
	for (int t = 0; t < n; t++) {
		/* seq 0 is never used: 0 is the "nothing seen" value */
		jobs[t] = (struct hjob){.m = m, .K = K, .t = t, .n = n,
		                        .ops = ops, .seq = 1};
		jobs[t].written = calloc((size_t)ops + 1, 1);
		jobs[t].seen = calloc((size_t)ops * (HOT + 1),
		                      sizeof(uint64_t));
		jobs[t].removed = calloc((size_t)ops, sizeof(uint64_t));
		assert_int_equal(pthread_create(&th[t], NULL, hot_worker,
		                                &jobs[t]),
		                 0);
	}
	size_t nremoved = 0;
	for (int t = 0; t < n; t++) {
		pthread_join(th[t], NULL);
		assert_int_equal(jobs[t].errors, 0);
		nremoved += jobs[t].nremoved;
	}
	/* every value seen was written to that key */
	for (int t = 0; t < n; t++)
		for (size_t x = 0; x < jobs[t].nseen; x++) {
			uint64_t v = jobs[t].seen[x];
			if (!valid_value(jobs, n, v, (size_t)(v >> 48)) ||
			    (v >> 48) >= HOT)
				fail_msg("thread %d saw %#llx, never written", t,
				         (unsigned long long)v);
		}
	/* no value removed twice */
	uint64_t *all = malloc((nremoved + 1) * sizeof *all);
	size_t a = 0;
	for (int t = 0; t < n; t++)
		for (size_t x = 0; x < jobs[t].nremoved; x++)
			all[a++] = jobs[t].removed[x];
	qsort(all, a, sizeof *all, cmp_u64);
	for (size_t x = 1; x < a; x++)
		if (all[x] == all[x - 1])
			fail_msg("value %#llx removed twice",
			         (unsigned long long)all[x]);
	/* what is left was written there and never removed */
	size_t left = 0;
	for (size_t i = 0; i < HOT; i++) {
		uint64_t out;
		if (V->load(m, ct_key(K, i), &out) != 1)
			continue;
		left++;
		assert_true(valid_value(jobs, n, out, i));
		assert_null(bsearch(&out, all, a, sizeof *all, cmp_u64));
	}
	assert_int_equal(V->len(m), left);
	free(all);
	for (int t = 0; t < n; t++) {
		free(jobs[t].written);
		free(jobs[t].seen);
		free(jobs[t].removed);
	}
	V->destroy(m);
	free(K);
}

static void test_hot_u64(void **st)
{
	(void)st;
	hot(CT_U64);
}

static void test_hot_str(void **st)
{
	(void)st;
	hot(CT_STR);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_disjoint_u64),
	cmocka_unit_test(test_disjoint_str),
	cmocka_unit_test(test_hot_u64),
	cmocka_unit_test(test_hot_str),
};

CT_MAIN("cmap_stress", tests)
