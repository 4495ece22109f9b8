/*
 * tests/cmap/cmap_linearizability.c - many short concurrent runs per
 * variant; each records a history of keyed operations (invocation and
 * response "times" from one atomic counter, so real-time order is exact)
 * and is checked against a sequential map model.
 *
 * Checking is per key: the keyed operations of cmap.h touch one key each,
 * and a map history is linearizable iff each key's sub-history is (maps are
 * P-compositional, Horn & Kroening 2015). For each key, a Wing & Gong
 * search with Lowe's memoization (WGL): try every operation that may come
 * first (invoked before any pending operation returned), apply it to the
 * model if its recorded result matches, recurse; remember (linearized set,
 * model state) pairs that failed. Histories are small (tens of operations
 * per key), so this is quick.
 *
 * Whole-map operations (len, range, clear) are not part of these
 * histories; the stress and differential tests cover them.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

#include "cmap_test.h"

enum { L_LOAD, L_STORE, L_LOS, L_LAD, L_DEL, L_SWAP, L_CAS, L_CAD, L_NOPS };

typedef struct hop {
	int op;
	size_t key;
	uint64_t val, val2; /* argument(s) */
	int rc;
	uint64_t out;
	uint64_t inv, res;
} hop;

#define NTHREADS 3
#define OPS_PER_THREAD 8
#define NKEYS 2
#define MAXOPS (NTHREADS * OPS_PER_THREAD)

/* ---- the checker ------------------------------------------------------------ */

typedef struct state {
	bool present;
	uint64_t val;
} state;

/* Apply @o to @s if its recorded result is what the model answers. */
static bool apply(const hop *o, state *s)
{
	bool hit;
	switch (o->op) {
	case L_LOAD:
		return o->rc == s->present && (!s->present || o->out == s->val);
	case L_STORE:
		if (o->rc != 0)
			return false;
		s->present = true;
		s->val = o->val;
		return true;
	case L_LOS:
		if (s->present)
			return o->rc == 1 && o->out == s->val;
		if (o->rc != 0)
			return false;
		s->present = true;
		s->val = o->val;
		return true;
	case L_LAD:
		if (o->rc != s->present || (s->present && o->out != s->val))
			return false;
		s->present = false;
		return true;
	case L_DEL:
		if (o->rc != s->present)
			return false;
		s->present = false;
		return true;
	case L_SWAP:
		if (o->rc != s->present || (s->present && o->out != s->val))
			return false;
		s->present = true;
		s->val = o->val;
		return true;
	case L_CAS:
		hit = s->present && s->val == o->val;
		if (o->rc != hit)
			return false;
		if (hit)
			s->val = o->val2;
		return true;
	case L_CAD:
		hit = s->present && s->val == o->val;
		if (o->rc != hit)
			return false;
		if (hit)
			s->present = false;
		return true;
	}
	return false;
}

#define MEMO_BITS 14
#define MEMO_SIZE (1u << MEMO_BITS)

typedef struct memo_ent {
	uint32_t mask_plus1; /* 0: empty slot */
	bool present;
	uint64_t val;
} memo_ent;

typedef struct checker {
	const hop *ops[MAXOPS];
	int n;
	memo_ent memo[MEMO_SIZE];
	long steps;
} checker;

static size_t memo_slot(uint32_t mask, const state *s)
{
	uint64_t h = (mask * 0x9E3779B97F4A7C15ull) ^ (s->val * 0xC2B2AE3D27D4EB4Full) ^
	             s->present;
	return (size_t)(h >> (64 - MEMO_BITS));
}

/* Returns true if (mask, s) was already known to fail; else records it. */
static bool memo_seen(checker *c, uint32_t mask, const state *s, bool add)
{
	size_t i = memo_slot(mask, s);
	for (size_t probes = 0; probes < MEMO_SIZE; probes++) {
		memo_ent *e = &c->memo[i];
		if (e->mask_plus1 == 0) {
			if (add) {
				e->mask_plus1 = mask + 1;
				e->present = s->present;
				e->val = s->val;
			}
			return false;
		}
		if (e->mask_plus1 == mask + 1 && e->present == s->present &&
		    (!s->present || e->val == s->val))
			return true;
		i = (i + 1) & (MEMO_SIZE - 1);
	}
	return false; /* full: just search again */
}

static bool search(checker *c, uint32_t done, state s)
{
	uint32_t all = (c->n == 32) ? UINT32_MAX : ((1u << c->n) - 1);
	if (done == all)
		return true;
	if (memo_seen(c, done, &s, false))
		return false;
	c->steps++;
	uint64_t min_res = UINT64_MAX;
	for (int i = 0; i < c->n; i++)
		if (!(done & (1u << i)) && c->ops[i]->res < min_res)
			min_res = c->ops[i]->res;
	for (int i = 0; i < c->n; i++) {
		if (done & (1u << i))
			continue;
		if (c->ops[i]->inv > min_res)
			continue; /* something returned before it was invoked */
		state t = s;
		if (apply(c->ops[i], &t) && search(c, done | (1u << i), t))
			return true;
	}
	memo_seen(c, done, &s, true);
	return false;
}

/* Is the history (all on one key, initially absent) linearizable? */
static bool linearizable(checker *c, const hop *const *ops, int n)
{
	memset(c->memo, 0, sizeof c->memo);
	c->n = n;
	c->steps = 0;
	for (int i = 0; i < n; i++)
		c->ops[i] = ops[i];
	state s0 = {false, 0};
	return search(c, 0, s0);
}

static void dump(const hop *const *ops, int n)
{
	static const char *names[] = {"load", "store", "los", "lad",
	                              "del",  "swap",  "cas", "cad"};
	for (int i = 0; i < n; i++)
		fprintf(stderr, "  [%3llu,%3llu] %s(k%zu, %#llx, %#llx) -> %d out %#llx\n",
		        (unsigned long long)ops[i]->inv,
		        (unsigned long long)ops[i]->res, names[ops[i]->op],
		        ops[i]->key, (unsigned long long)ops[i]->val,
		        (unsigned long long)ops[i]->val2, ops[i]->rc,
		        (unsigned long long)ops[i]->out);
}

/* The checker must reject what is not linearizable, or it proves nothing. */
static void test_checker_self(void **st)
{
	(void)st;
	checker *c = calloc(1, sizeof *c);
	hop st1 = {L_STORE, 0, 5, 0, 0, 0, 1, 2};
	hop ld_absent = {L_LOAD, 0, 0, 0, 0, 0, 3, 4};
	hop ld_5 = {L_LOAD, 0, 0, 0, 1, 5, 3, 4};
	const hop *h1[] = {&st1, &ld_absent};
	const hop *h2[] = {&st1, &ld_5};
	assert_false(linearizable(c, h1, 2));
	assert_true(linearizable(c, h2, 2));
	/* overlapping: the load may come first */
	hop ld_absent_ov = {L_LOAD, 0, 0, 0, 0, 0, 0, 3};
	const hop *h3[] = {&st1, &ld_absent_ov};
	assert_true(linearizable(c, h3, 2));
	/* two successful CAS from the same old value: impossible */
	hop s0 = {L_STORE, 0, 1, 0, 0, 0, 1, 2};
	hop cas_a = {L_CAS, 0, 1, 2, 1, 0, 3, 6};
	hop cas_b = {L_CAS, 0, 1, 3, 1, 0, 4, 7};
	const hop *h4[] = {&s0, &cas_a, &cas_b};
	assert_false(linearizable(c, h4, 3));
	cas_b.rc = 0;
	assert_true(linearizable(c, h4, 3));
	free(c);
}

/* ---- recording runs ------------------------------------------------------- */

static atomic_ulong clock_;
static atomic_int start_;

struct rjob {
	void *m;
	const ct_keys *K;
	int t;
	uint64_t seed;
	hop ops[OPS_PER_THREAD];
};

static void *rec_worker(void *arg)
{
	struct rjob *j = arg;
	ct_rng g = {j->seed};
	uint64_t last[NKEYS] = {0};
	atomic_fetch_add(&start_, 1);
	while (atomic_load(&start_) < NTHREADS)
		sched_yield(); /* fewer cores than threads */
	for (int s = 0; s < OPS_PER_THREAD; s++) {
		hop *o = &j->ops[s];
		o->op = (int)ct_below(&g, L_NOPS);
		o->key = (size_t)ct_below(&g, NKEYS);
		o->val = ((uint64_t)(j->t + 1) << 16) | (uint64_t)(s + 1);
		o->val2 = o->val | (1ull << 32);
		if (o->op == L_CAS || o->op == L_CAD) {
			o->val2 = o->val;
			o->val = last[o->key]; /* a value seen, or 0 */
		}
		const void *k = ct_key(j->K, o->key);
		o->out = 0;
		o->inv = atomic_fetch_add(&clock_, 1);
		/* Sometimes let another thread run inside this interval: on a
		 * loaded machine threads rarely run in parallel, and the
		 * history would be sequential. */
		if (ct_below(&g, 4) == 0)
			sched_yield();
		switch (o->op) {
		case L_LOAD: o->rc = V->load(j->m, k, &o->out); break;
		case L_STORE: o->rc = V->store(j->m, k, &o->val); break;
		case L_LOS:
			o->rc = V->load_or_store(j->m, k, &o->val, &o->out);
			break;
		case L_LAD: o->rc = V->load_and_delete(j->m, k, &o->out); break;
		case L_DEL: o->rc = V->del(j->m, k); break;
		case L_SWAP:
			o->rc = V->swap(j->m, k, &o->val, &o->out);
			break;
		case L_CAS:
			o->rc = V->compare_and_swap(j->m, k, &o->val, &o->val2);
			break;
		default:
			o->rc = V->compare_and_delete(j->m, k, &o->val);
			break;
		}
		o->res = atomic_fetch_add(&clock_, 1);
		if (o->rc == 1 && (o->op == L_LOAD || o->op == L_LOS ||
		                   o->op == L_SWAP))
			last[o->key] = o->out;
		else if (o->op == L_STORE || o->op == L_SWAP ||
		         (o->op == L_LOS && o->rc == 0))
			last[o->key] = o->val;
		else if (o->op == L_CAS && o->rc == 1)
			last[o->key] = o->val2;
	}
	return NULL;
}

/* Pairs of operations of different threads whose intervals overlap. */
static long count_overlaps(const struct rjob *jobs)
{
	long n = 0;
	for (int a = 0; a < NTHREADS; a++)
		for (int b = a + 1; b < NTHREADS; b++)
			for (int i = 0; i < OPS_PER_THREAD; i++)
				for (int j = 0; j < OPS_PER_THREAD; j++) {
					const hop *x = &jobs[a].ops[i];
					const hop *y = &jobs[b].ops[j];
					n += x->inv < y->res && y->inv < x->res;
				}
	return n;
}

static void runs(int kind)
{
	long nruns = ct_scale(2000);
	if (nruns < 30)
		nruns = 30;
	ct_keys *K = malloc(sizeof *K);
	ct_keys_init(K, kind, NKEYS);
	checker *c = calloc(1, sizeof *c);
	struct rjob jobs[NTHREADS];
	pthread_t th[NTHREADS];
	void *m = NULL;
	long overlaps = 0;

	for (long r = 0; r < nruns; r++) {
		if (r % 100 == 0) {
			if (m)
				V->destroy(m);
			m = ct_new(kind);
		} else {
			assert_int_equal(V->clear(m), 0);
		}
		atomic_store(&clock_, 0);
		atomic_store(&start_, 0);
		for (int t = 0; t < NTHREADS; t++) {
			jobs[t].m = m;
			jobs[t].K = K;
			jobs[t].t = t;
			jobs[t].seed = (uint64_t)r * 1000003 + (uint64_t)t;
			assert_int_equal(pthread_create(&th[t], NULL,
			                                rec_worker, &jobs[t]),
			                 0);
		}
		for (int t = 0; t < NTHREADS; t++)
			pthread_join(th[t], NULL);
		overlaps += count_overlaps(jobs);
		for (size_t key = 0; key < NKEYS; key++) {
			const hop *h[MAXOPS];
			int n = 0;
			for (int t = 0; t < NTHREADS; t++)
				for (int s = 0; s < OPS_PER_THREAD; s++)
					if (jobs[t].ops[s].key == key)
						h[n++] = &jobs[t].ops[s];
			for (int i = 0; i < n; i++)
				assert_true(h[i]->rc == 0 || h[i]->rc == 1);
			if (!linearizable(c, h, n)) {
				fprintf(stderr, "run %ld key %zu: not linearizable\n",
				        r, key);
				dump(h, n);
				fail();
			}
		}
	}
	V->destroy(m);
	free(c);
	free(K);
	/* The histories must have been concurrent, or nothing was tested
	 * (how much overlap there is depends on the machine's load). */
	print_message("%s: %ld runs, %ld overlapping operation pairs\n",
	              V->name, nruns, overlaps);
	assert_true(overlaps >= nruns / 4);
}

static void test_linearizable_u64(void **st)
{
	(void)st;
	runs(CT_U64);
}

static void test_linearizable_str(void **st)
{
	(void)st;
	runs(CT_STR);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_checker_self),
	cmocka_unit_test(test_linearizable_u64),
	cmocka_unit_test(test_linearizable_str),
};

CT_MAIN("cmap_linearizability", tests)
