/*
 * tests/cmap/cmap_differential.c - seeded random operation sequences run
 * against each variant and against a trivial reference model (an array
 * indexed by key number), comparing every return value and output, and
 * the whole content (range, len) at intervals. u64 and string keys.
 *
 * Values are drawn from a small set so that compare_and_swap /
 * compare_and_delete succeed often enough to matter.
 */
#include "cmap_test.h"

#define NKEYS 48

typedef struct model {
	bool present[NKEYS];
	uint64_t val[NKEYS];
	size_t len;
} model;

struct range_ctx {
	const ct_keys *K;
	int seen[NKEYS];
	uint64_t val[NKEYS];
	size_t calls, stop_after;
};

static bool collect(const void *k, void *v, void *ctx)
{
	struct range_ctx *r = ctx;
	long i = ct_key_index(r->K, k);
	assert_true(i >= 0 && i < NKEYS);
	r->seen[i]++;
	memcpy(&r->val[i], v, 8);
	r->calls++;
	return r->stop_after == 0 || r->calls < r->stop_after;
}

static void check_content(void *m, const ct_keys *K, const model *M)
{
	struct range_ctx r;
	memset(&r, 0, sizeof r);
	r.K = K;
	assert_int_equal(V->range(m, collect, &r), 0);
	assert_int_equal(r.calls, M->len);
	assert_int_equal(V->len(m), M->len);
	for (int i = 0; i < NKEYS; i++) {
		assert_int_equal(r.seen[i], M->present[i] ? 1 : 0);
		if (M->present[i])
			assert_int_equal(r.val[i], M->val[i]);
	}
}

static uint64_t small_val(ct_rng *g)
{
	return ct_below(g, 6);
}

static void run_sequence(int kind, uint64_t seed, long nops)
{
	ct_keys *K = malloc(sizeof *K);
	ct_keys_init(K, kind, NKEYS);
	void *m = ct_new(kind);
	model M;
	memset(&M, 0, sizeof M);
	ct_rng g = {seed};

	for (long step = 0; step < nops; step++) {
		size_t i = (size_t)ct_below(&g, NKEYS);
		const void *k = ct_key(K, i);
		uint64_t v = small_val(&g), v2 = small_val(&g);
		uint64_t out = 0xdeadbeef, *outp = ct_below(&g, 8) ? &out : NULL;
		bool had = M.present[i];
		uint64_t cur = M.val[i];
		int rc;
		unsigned op = (unsigned)ct_below(&g, 100);

		if (op < 15) { /* load */
			rc = V->load(m, k, outp);
			assert_int_equal(rc, had);
			if (had && outp)
				assert_int_equal(out, cur);
		} else if (op < 30) { /* store */
			rc = V->store(m, k, &v);
			assert_int_equal(rc, 0);
			M.len += !had;
			M.present[i] = true;
			M.val[i] = v;
		} else if (op < 40) { /* load_or_store */
			rc = V->load_or_store(m, k, &v, outp);
			assert_int_equal(rc, had);
			if (had && outp)
				assert_int_equal(out, cur);
			if (!had) {
				M.present[i] = true;
				M.val[i] = v;
				M.len++;
			}
		} else if (op < 48) { /* load_and_delete */
			rc = V->load_and_delete(m, k, outp);
			assert_int_equal(rc, had);
			if (had && outp)
				assert_int_equal(out, cur);
			M.len -= had;
			M.present[i] = false;
		} else if (op < 56) { /* delete */
			rc = V->del(m, k);
			assert_int_equal(rc, had);
			M.len -= had;
			M.present[i] = false;
		} else if (op < 66) { /* swap */
			rc = V->swap(m, k, &v, outp);
			assert_int_equal(rc, had);
			if (had && outp)
				assert_int_equal(out, cur);
			M.len += !had;
			M.present[i] = true;
			M.val[i] = v;
		} else if (op < 78) { /* compare_and_swap */
			rc = V->compare_and_swap(m, k, &v, &v2);
			bool hit = had && cur == v;
			assert_int_equal(rc, hit);
			if (hit)
				M.val[i] = v2;
		} else if (op < 86) { /* compare_and_delete */
			rc = V->compare_and_delete(m, k, &v);
			bool hit = had && cur == v;
			assert_int_equal(rc, hit);
			if (hit) {
				M.present[i] = false;
				M.len--;
			}
		} else if (op < 92) { /* len */
			assert_int_equal(V->len(m), M.len);
		} else if (op < 95) { /* full range */
			check_content(m, K, &M);
		} else if (op < 99) { /* range stopped early */
			struct range_ctx r;
			memset(&r, 0, sizeof r);
			r.K = K;
			r.stop_after = 1 + (size_t)ct_below(&g, 8);
			assert_int_equal(V->range(m, collect, &r), 0);
			size_t want = M.len < r.stop_after ? M.len
			                                    : r.stop_after;
			assert_int_equal(r.calls, want);
			for (int j = 0; j < NKEYS; j++) {
				assert_true(r.seen[j] <= 1);
				if (r.seen[j]) {
					assert_true(M.present[j]);
					assert_int_equal(r.val[j], M.val[j]);
				}
			}
		} else { /* clear, rarely */
			assert_int_equal(V->clear(m), 0);
			memset(&M, 0, sizeof M);
		}
	}
	check_content(m, K, &M);
	for (size_t i = 0; i < NKEYS; i++) {
		uint64_t out;
		assert_int_equal(V->load(m, ct_key(K, i), &out), M.present[i]);
		if (M.present[i])
			assert_int_equal(out, M.val[i]);
	}
	V->destroy(m);
	free(K);
}

static void test_differential_u64(void **st)
{
	(void)st;
	long seqs = ct_scale(30), nops = ct_scale(2000);
	for (long s = 1; s <= seqs; s++)
		run_sequence(CT_U64, (uint64_t)s * 7919, nops);
}

static void test_differential_str(void **st)
{
	(void)st;
	long seqs = ct_scale(30), nops = ct_scale(2000);
	for (long s = 1; s <= seqs; s++)
		run_sequence(CT_STR, (uint64_t)s * 104729, nops);
}

/* Growth and shrinking through many keys: a wider key space, mostly
 * stores and deletes, so the plain maps below grow and empty out. */
static void test_differential_grow(void **st)
{
	(void)st;
	ct_keys *K = malloc(sizeof *K);
	size_t n = (size_t)ct_scale(CT_MAXKEYS);
	if (n < 64)
		n = 64;
	for (int kind = CT_U64; kind <= CT_STR; kind++) {
		ct_keys_init(K, kind, n);
		void *m = ct_new(kind);
		for (size_t i = 0; i < n; i++) {
			uint64_t v = i ^ 0x55;
			assert_int_equal(V->store(m, ct_key(K, i), &v), 0);
		}
		assert_int_equal(V->len(m), n);
		for (size_t i = 0; i < n; i += 2)
			assert_int_equal(V->del(m, ct_key(K, i)), 1);
		assert_int_equal(V->len(m), n / 2);
		for (size_t i = 0; i < n; i++) {
			uint64_t out;
			int rc = V->load(m, ct_key(K, i), &out);
			assert_int_equal(rc, i % 2);
			if (rc)
				assert_int_equal(out, i ^ 0x55);
		}
		V->destroy(m);
	}
	free(K);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_differential_u64),
	cmocka_unit_test(test_differential_str),
	cmocka_unit_test(test_differential_grow),
};

CT_MAIN("cmap_differential", tests)
