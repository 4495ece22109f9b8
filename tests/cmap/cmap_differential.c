/*
 * tests/cmap/cmap_differential.c - seeded random operation sequences run
 * against each variant and against a trivial reference model (an array
 * indexed by key id), comparing every return value and every output, on
 * hit and on miss, and the whole content (range, len) at intervals.
 *
 * Key kinds: those of the fuzz targets (tests/fuzz/fuzz_model.h): u64,
 * u32, pointers, f64 (NaN never equal to itself, -0 == +0), strings of
 * 0..1000 bytes copied and borrowed, byte strings with NULs, RAW keys
 * bytewise and with custom hash/equal (equal keys with different bytes),
 * and keys over 128 bytes (stored indirectly) bytewise and custom. Values
 * are 16 bytes {v, serial}, compared bytewise; two more sequences use f64
 * values (compare-and-swap with Go's == on floats) and empty values (sets).
 *
 * What every output must be: a hit's value; a miss leaves the output
 * untouched; load_or_store that stores gives the stored value; swap gives
 * the previous value when it replaces and leaves the output untouched when
 * it inserts. range produces each key once, with the key bytes the map
 * must hold (Go's key update for f64 and custom-equal keys: the latest
 * key's bytes; borrowed strings: the first pointer).
 *
 * Values are drawn from a small set so that compare_and_swap /
 * compare_and_delete succeed often enough to matter.
 */
#include "cmap_test.h"

#include "../fuzz/fuzz_model.h"

#define NIDS 64   /* key ids used: every string length of the universe */
#define MAXNANS 512

typedef struct dmodel {
	int kind, vk;
	size_t vsize;
	bool present[NIDS];
	unsigned char var[NIDS], v[NIDS];
	uint32_t serial[NIDS];
	size_t count;
	unsigned nan_v[MAXNANS]; /* NaN entries: uid = index */
	uint32_t nan_s[MAXNANS];
	size_t nans;
	uint32_t next_serial;
} dmodel;

static size_t dm_len(const dmodel *M)
{
	return M->count + M->nans;
}

static void dm_check_val(const dmodel *M, const void *got, unsigned v,
                         uint32_t s, const char *what)
{
	fz_val want;
	fz_val_build(M->vk, v, s, &want);
	if (M->vsize && memcmp(got, &want, M->vsize) != 0)
		fail_msg("%s: %s: value differs (want v=%u serial=%u)", V->name,
		         what, v, s);
}

static void dm_check_untouched(const fz_val *out, const char *what)
{
	fz_val untouched;
	memset(&untouched, 0xee, sizeof untouched);
	if (memcmp(out, &untouched, sizeof *out) != 0)
		fail_msg("%s: %s wrote its output on a miss", V->name, what);
}

/* ---- range: the whole content, or a prefix when stopped early ------------ */

struct range_ctx {
	const dmodel *M;
	int seen[NIDS];
	unsigned char nan_seen[MAXNANS];
	size_t calls, stop_after;
	char err[200]; /* the first wrong entry: checked after the range (a
	                  failure must not jump out of sync's read section) */
};

#define RC_CHECK(cond, ...)                                                    \
	do {                                                                   \
		if (!(cond) && !r->err[0])                                     \
			snprintf(r->err, sizeof r->err, __VA_ARGS__);          \
	} while (0)

static bool collect(const void *k, void *v, void *ctx)
{
	struct range_ctx *r = ctx;
	const dmodel *M = r->M;
	unsigned id, var;
	uint64_t uid;
	fz_val want;
	int d = fz_key_decode(M->kind, k, &id, &var, &uid);
	RC_CHECK(d != FZ_DEC_BAD, "range produced a corrupt key");
	if (d == FZ_DEC_NAN) {
		RC_CHECK(uid < M->nans, "range produced NaN %llu, not stored",
		         (unsigned long long)uid);
		if (uid < M->nans) {
			RC_CHECK(r->nan_seen[uid]++ == 0, "NaN produced twice");
			fz_val_build(M->vk, M->nan_v[uid], M->nan_s[uid], &want);
			RC_CHECK(!M->vsize || memcmp(v, &want, M->vsize) == 0,
			         "NaN %llu: wrong value", (unsigned long long)uid);
		}
	} else if (d == FZ_DEC_OK) {
		RC_CHECK(id < NIDS && M->present[id],
		         "range produced key %u, not in the map", id);
		if (id < NIDS && M->present[id]) {
			RC_CHECK(r->seen[id]++ == 0, "key %u produced twice", id);
			RC_CHECK(var == M->var[id],
			         "key %u holds variant %u, want %u (the %s key)",
			         id, var, M->var[id],
			         fz_kind_borrowed(M->kind) ? "first" : "latest");
			fz_val_build(M->vk, M->v[id], M->serial[id], &want);
			RC_CHECK(!M->vsize || memcmp(v, &want, M->vsize) == 0,
			         "key %u: wrong value", id);
		}
	}
	r->calls++;
	return r->stop_after == 0 || r->calls < r->stop_after;
}

static void range_checked(void *m, struct range_ctx *r)
{
	assert_int_equal(V->range(m, collect, r), 0);
	if (r->err[0])
		fail_msg("%s: %s", V->name, r->err);
}

static void check_content(void *m, const dmodel *M)
{
	struct range_ctx *r = calloc(1, sizeof *r);
	r->M = M;
	range_checked(m, r);
	assert_int_equal(r->calls, dm_len(M));
	assert_int_equal(V->len(m), dm_len(M));
	for (int i = 0; i < NIDS; i++)
		assert_int_equal(r->seen[i], M->present[i] ? 1 : 0);
	for (size_t u = 0; u < M->nans; u++)
		assert_int_equal(r->nan_seen[u], 1);
	free(r);
}

/* ---- one sequence -------------------------------------------------------- */

typedef struct dkey {
	bool nan;
	unsigned id, var;
	fz_key obj;
} dkey;

static void pick_key(ct_rng *g, const dmodel *M, dkey *k)
{
	k->nan = M->kind == FK_F64 && ct_below(g, 16) == 0 && M->nans < MAXNANS;
	k->id = (unsigned)ct_below(g, NIDS);
	k->var = (unsigned)ct_below(g, 256);
	if (M->kind == FK_F64 && k->id != 0)
		k->var = 0;
	else if (M->kind != FK_CUSTOM16 && M->kind != FK_BIGC200)
		k->var &= 1u;
	if (!fz_kind_has_variant(M->kind))
		k->var = 0;
	if (k->nan)
		fz_key_nan(M->nans, k->var, &k->obj); /* its uid if stored */
	else
		fz_key_build(M->kind, k->id, k->var, &k->obj);
}

static void nan_store(dmodel *M, unsigned v, uint32_t s)
{
	M->nan_v[M->nans] = v;
	M->nan_s[M->nans] = s;
	M->nans++;
}

static void set_entry(dmodel *M, const dkey *k, unsigned v, uint32_t s)
{
	if (k->nan) {
		nan_store(M, v, s);
		return;
	}
	if (!M->present[k->id]) {
		M->present[k->id] = true;
		M->count++;
		M->var[k->id] = (unsigned char)k->var;
	} else if (fz_kind_key_update(M->kind)) {
		M->var[k->id] = (unsigned char)k->var;
	}
	M->v[k->id] = (unsigned char)v;
	M->serial[k->id] = s;
}

static void remove_entry(dmodel *M, unsigned id)
{
	M->present[id] = false;
	M->count--;
}

static void run_sequence(int kind, int vk, uint64_t seed, long nops)
{
	dmodel *M = calloc(1, sizeof *M);
	M->kind = kind;
	M->vk = vk;
	M->vsize = fz_val_size(vk);
	M->next_serial = 1;
	gomap_type kt = fz_key_type(kind, false);
	gomap_type vt = fz_val_type(vk, false, false);
	void *m = NULL;
	fz_hash_mode = (unsigned)(seed % 4); /* custom kinds: collisions too */
	assert_int_equal(V->create(&m, &kt, &vt), 0);
	assert_non_null(m);
	ct_rng g = {seed};

	for (long step = 0; step < nops; step++) {
		dkey k;
		pick_key(&g, M, &k);
		bool had = !k.nan && M->present[k.id];
		unsigned cv = had ? M->v[k.id] : 0;
		uint32_t cs = had ? M->serial[k.id] : 0;
		unsigned v = (unsigned)ct_below(&g, 6), v2 = (unsigned)ct_below(&g, 6);
		uint32_t s = fz_val_has_serial(vk) ? M->next_serial++ : 0;
		fz_val val, val2, out;
		fz_val_build(vk, v, s, &val);
		memset(&out, 0xee, sizeof out);
		void *outp = ct_below(&g, 8) ? &out : NULL;
		unsigned op = (unsigned)ct_below(&g, 100);
		int rc;

		if (op < 15) { /* load */
			rc = V->load(m, &k.obj, outp);
			assert_int_equal(rc, had);
			if (had && outp)
				dm_check_val(M, &out, cv, cs, "load");
			else
				dm_check_untouched(&out, "load");
		} else if (op < 30) { /* store */
			rc = V->store(m, &k.obj, &val);
			assert_int_equal(rc, 0);
			set_entry(M, &k, v, s);
		} else if (op < 40) { /* load_or_store */
			rc = V->load_or_store(m, &k.obj, &val, outp);
			assert_int_equal(rc, had);
			if (had && outp)
				dm_check_val(M, &out, cv, cs,
				             "load_or_store (loaded)");
			else if (outp)
				dm_check_val(M, &out, v, s, /* Go: actual == v */
				             "load_or_store (stored): actual_out");
			if (!had)
				set_entry(M, &k, v, s);
		} else if (op < 48) { /* load_and_delete */
			rc = V->load_and_delete(m, &k.obj, outp);
			assert_int_equal(rc, had);
			if (had && outp)
				dm_check_val(M, &out, cv, cs, "load_and_delete");
			else
				dm_check_untouched(&out, "load_and_delete");
			if (had)
				remove_entry(M, k.id);
		} else if (op < 56) { /* delete */
			rc = V->del(m, &k.obj);
			assert_int_equal(rc, had);
			if (had)
				remove_entry(M, k.id);
		} else if (op < 66) { /* swap */
			rc = V->swap(m, &k.obj, &val, outp);
			assert_int_equal(rc, had);
			if (had && outp)
				dm_check_val(M, &out, cv, cs, "swap: previous");
			else
				dm_check_untouched(&out, "swap");
			set_entry(M, &k, v, s);
		} else if (op < 86) { /* compare_and_swap / compare_and_delete */
			/* old: the current value exactly, or a value equal to
			 * it only in v (a different serial), or any */
			unsigned ov = v;
			uint32_t os = s;
			unsigned pick = (unsigned)ct_below(&g, 3);
			if (had && pick == 0) {
				ov = cv;
				os = cs;
			} else if (had && pick == 1) {
				ov = cv;
			}
			fz_val oldv;
			fz_val_build(vk, ov, os, &oldv);
			bool hit = had && fz_val_match(vk, false, cv, cs, ov, os);
			if (op < 78) {
				uint32_t s2 = fz_val_has_serial(vk) ? M->next_serial++
				                                    : 0;
				fz_val_build(vk, v2, s2, &val2);
				rc = V->compare_and_swap(m, &k.obj, &oldv, &val2);
				assert_int_equal(rc, hit);
				if (hit)
					set_entry(M, &k, v2, s2);
			} else {
				rc = V->compare_and_delete(m, &k.obj, &oldv);
				assert_int_equal(rc, hit);
				if (hit)
					remove_entry(M, k.id);
			}
		} else if (op < 92) { /* len */
			assert_int_equal(V->len(m), dm_len(M));
		} else if (op < 95) { /* full range */
			check_content(m, M);
		} else if (op < 99) { /* range stopped early */
			struct range_ctx *r = calloc(1, sizeof *r);
			r->M = M;
			r->stop_after = 1 + (size_t)ct_below(&g, 8);
			range_checked(m, r);
			size_t want = dm_len(M) < r->stop_after ? dm_len(M)
			                                        : r->stop_after;
			assert_int_equal(r->calls, want);
			free(r);
		} else { /* clear, rarely */
			assert_int_equal(V->clear(m), 0);
			memset(M->present, 0, sizeof M->present);
			M->count = 0;
			M->nans = 0;
		}
		fz_clobber(); /* copied keys: the caller's buffer is spoiled */
		if (M->next_serial > FZ_MAXSERIAL - 4 || M->nans >= MAXNANS)
			break;
	}
	check_content(m, M);
	for (unsigned i = 0; i < NIDS; i++) {
		fz_key key;
		fz_val out;
		memset(&out, 0xee, sizeof out);
		fz_key_build(kind, i, M->var[i], &key);
		assert_int_equal(V->load(m, &key, &out), M->present[i]);
		if (M->present[i])
			dm_check_val(M, &out, M->v[i], M->serial[i],
			             "load (final)");
		else
			dm_check_untouched(&out, "load");
	}
	V->destroy(m);
	free(M);
}

static void run_kind(int kind, int vk, uint64_t mult)
{
	fz_universe_init();
	long seqs = ct_scale(12), nops = ct_scale(2000);
	for (long s = 1; s <= seqs; s++)
		run_sequence(kind, vk, (uint64_t)s * mult, nops);
}

static void test_differential_u64(void **st)
{
	(void)st;
	run_kind(FK_U64, FV_16, 7919);
}

static void test_differential_str(void **st)
{
	(void)st;
	run_kind(FK_STR, FV_16, 104729);
}

#define KIND_TEST(name, kind)                                                  \
	static void test_differential_##name(void **st)                        \
	{                                                                      \
		(void)st;                                                      \
		run_kind(kind, FV_16, 15485863);                               \
	}
KIND_TEST(u32, FK_U32)
KIND_TEST(ptr, FK_PTR)
KIND_TEST(f64, FK_F64)
KIND_TEST(str_borrowed, FK_STR_B)
KIND_TEST(bytes, FK_BYTES)
KIND_TEST(bytes_borrowed, FK_BYTES_B)
KIND_TEST(raw24, FK_RAW24)
KIND_TEST(custom, FK_CUSTOM16)
KIND_TEST(big, FK_BIG200)
KIND_TEST(big_custom, FK_BIGC200)

/* f64 values: compare_and_swap compares with Go's == (NaN never equal,
 * -0 == +0), for u64 keys (8-byte values in place) and f64 keys. */
static void test_differential_f64_values(void **st)
{
	(void)st;
	run_kind(FK_U64, FV_F64, 3331);
	run_kind(FK_F64, FV_F64, 3331);
}

/* Sets: values of size 0, every value equal to every other. */
static void test_differential_set(void **st)
{
	(void)st;
	run_kind(FK_U64, FV_SET, 7);
	run_kind(FK_STR, FV_SET, 7);
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
			uint64_t out = 0xeeee;
			int rc = V->load(m, ct_key(K, i), &out);
			assert_int_equal(rc, i % 2);
			assert_int_equal(out, rc ? (i ^ 0x55) : 0xeeee);
		}
		V->destroy(m);
	}
	free(K);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_differential_u64),
	cmocka_unit_test(test_differential_str),
	cmocka_unit_test(test_differential_u32),
	cmocka_unit_test(test_differential_ptr),
	cmocka_unit_test(test_differential_f64),
	cmocka_unit_test(test_differential_str_borrowed),
	cmocka_unit_test(test_differential_bytes),
	cmocka_unit_test(test_differential_bytes_borrowed),
	cmocka_unit_test(test_differential_raw24),
	cmocka_unit_test(test_differential_custom),
	cmocka_unit_test(test_differential_big),
	cmocka_unit_test(test_differential_big_custom),
	cmocka_unit_test(test_differential_f64_values),
	cmocka_unit_test(test_differential_set),
	cmocka_unit_test(test_differential_grow),
};

CT_MAIN("cmap_differential", tests)
