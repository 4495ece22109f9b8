/*
 * tests/map/map_diff.c - seeded randomized differential test of the plain
 * map against a reference model, for every key kind (keykinds.h).
 *
 * The model is an array indexed by key id (present bit + value), plus a
 * NaN tally for f64 and the sign of the stored f64 zero. Each step picks an
 * operation (put, get, get_ptr, delete, clear, clone, shrink, len, full and
 * partial iteration, range, iteration with interleaved writes) and checks
 * the map's answer against the model; gomap_map_check runs after every
 * operation while the map is small and every CHECK_EVERY operations when it
 * is big. Destructor calls, allocator sizes and leaks are checked too: every
 * value (and key, where a key destructor is meaningful) adopted by a map is
 * destroyed exactly once, and all memory is freed at the end.
 *
 * The key space size and the put/delete balance change by phases so the map
 * grows, churns (tombstones), empties (reseed) and shrinks many times.
 *
 * Usage: map_diff [seed]  (or GOMAP_TEST_SEED=seed); GOMAP_TEST_OPS=n sets
 * the operations per kind, GOMAP_TEST_KIND=name runs one kind,
 * GOMAP_TEST_NO_NAN=1 leaves NaN keys out of the f64 kind. The seed is
 * printed at the start and with any failure. The map's own randomness (hash
 * seeds, iteration starts) is not replayed, so a replay reproduces the same
 * operations but not always the same failure.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "keykinds.h"

#define SPACE_N 32768u
#define CHECK_EVERY 128u

static uint64_t g_seed;
static bool g_no_nan; /* GOMAP_TEST_NO_NAN=1: f64 without NaN keys */

struct model {
	size_t n;
	unsigned char *present;
	uint64_t *val;
	size_t count;     /* present ids */
	size_t nan_count; /* NaN entries (f64) */
	uint64_t nan_sum; /* sum of their values */
	bool zero_neg;    /* f64: the stored zero key is -0 */
};

struct run {
	enum kk_kind kind;
	uint64_t seed, op;
	const char *opname;
	tu_rng rng;
	kk_space ks;
	struct model md;
	gomap_map_t *m;
	gomap_type kt, vt;
	bool key_dtor, val_dtor;
	tu_dtor_count kd, vd;
	size_t key_adopted, val_adopted;
	tu_tally tally;
	gomap_allocator alloc;
	size_t active;  /* ids in use this phase: [0, active) */
	unsigned bias;  /* 0 grow, 1 churn, 2 shrink */
	bool structural; /* the last op was clear/clone/shrink/iteration */
};

static void diff_fail(struct run *r, int line, const char *cond,
                      const char *fmt, ...)
{
	char msg[512] = "";
	if (fmt) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(msg, sizeof msg, fmt, ap);
		va_end(ap);
	}
	fprintf(stderr,
	        "map_diff FAILED: kind=%s seed=%llu op#%llu (%s) len=%zu "
	        "line %d: %s %s\n  replay: map_diff %llu (GOMAP_TEST_KIND=%s)\n",
	        kk_names[r->kind], (unsigned long long)g_seed,
	        (unsigned long long)r->op, r->opname ? r->opname : "?",
	        r->md.count + r->md.nan_count, line, cond, msg,
	        (unsigned long long)g_seed, kk_names[r->kind]);
	fail_msg("map_diff: kind %s seed %llu op %llu: %s %s", kk_names[r->kind],
	         (unsigned long long)g_seed, (unsigned long long)r->op, cond, msg);
}

#define DCHECK(r, cond)                                                        \
	do {                                                                   \
		if (!(cond))                                                   \
			diff_fail((r), __LINE__, #cond, NULL);                 \
	} while (0)
#define DCHECKM(r, cond, ...)                                                  \
	do {                                                                   \
		if (!(cond))                                                   \
			diff_fail((r), __LINE__, #cond, __VA_ARGS__);          \
	} while (0)

/* ---- the model ----------------------------------------------------------------- */

static void model_put(struct run *r, uint64_t id, uint64_t v)
{
	uint64_t c = kk_canon(&r->ks, id);
	if (!r->md.present[c]) {
		r->md.present[c] = 1;
		r->md.count++;
	}
	r->md.val[c] = v;
	if (r->kind == KK_SET)
		r->md.val[c] = 0;
	if (r->kind == KK_F64 && c == 0)
		r->md.zero_neg = id == 1; /* the stored key is the last one put */
}

static void model_delete(struct run *r, uint64_t c)
{
	if (r->md.present[c]) {
		r->md.present[c] = 0;
		r->md.count--;
	}
}

static void model_clear(struct run *r)
{
	memset(r->md.present, 0, r->md.n);
	r->md.count = 0;
	r->md.nan_count = 0;
	r->md.nan_sum = 0;
}

static size_t model_len(const struct run *r)
{
	return r->md.count + r->md.nan_count;
}

/* ---- single operations ----------------------------------------------------------- */

static uint64_t pick_id(struct run *r)
{
	return tu_below(&r->rng, r->active);
}

static uint64_t new_value(struct run *r)
{
	return r->kind == KK_SET ? 0 : tu_next(&r->rng) >> 1;
}

static void scribble_key(struct run *r, kk_obj *k)
{
	/* a copied key's bytes belong to the caller after the put */
	if (r->kind == KK_STR)
		memset((char *)k->str, '~', strlen(k->str));
	else if (r->kind == KK_BYTES && k->bytes.len)
		memset((void *)k->bytes.ptr, 0x7e, k->bytes.len);
}

static void do_put_id(struct run *r, uint64_t id)
{
	kk_obj k;
	kk_val v;
	uint64_t x = new_value(r);
	kk_make(&r->ks, id, &k);
	kk_make_val(r->kind, x, &v);
	uint64_t c = kk_canon(&r->ks, id);
	int want = r->md.present[c] ? 0 : 1;
	int rc = gomap_map_put(r->m, &k, r->kind == KK_SET ? NULL : (void *)&v);
	DCHECKM(r, rc == want, "put id %llu returned %d, want %d",
	        (unsigned long long)id, rc, want);
	scribble_key(r, &k);
	r->val_adopted++;
	r->key_adopted += rc == 1;
	model_put(r, id, x);
}

static void op_put(struct run *r)
{
	r->opname = "put";
	if (r->kind == KK_F64 && tu_below(&r->rng, 50) == 0 && !g_no_nan) {
		r->opname = "put NaN";
		double nan = tu_below(&r->rng, 2) ? NAN : -NAN;
		kk_val v;
		uint64_t x = new_value(r);
		kk_make_val(r->kind, x, &v);
		int rc = gomap_map_put(r->m, &nan, &v);
		DCHECKM(r, rc == 1, "put NaN returned %d", rc);
		r->val_adopted++;
		r->key_adopted++;
		r->md.nan_count++;
		r->md.nan_sum += x;
		return;
	}
	do_put_id(r, pick_id(r));
}

static void op_get(struct run *r)
{
	r->opname = "get";
	uint64_t id = pick_id(r), c = kk_canon(&r->ks, id);
	kk_obj k;
	kk_make(&r->ks, id, &k);
	kk_val out;
	memset(&out, 0xcd, sizeof out);
	int rc = gomap_map_get(r->m, &k, &out);
	DCHECKM(r, rc == r->md.present[c], "get id %llu returned %d",
	        (unsigned long long)id, rc);
	if (rc == 1) {
		uint64_t x;
		DCHECK(r, kk_read_val(r->kind, &out, &x));
		DCHECKM(r, x == r->md.val[c], "get id %llu value %llu, want %llu",
		        (unsigned long long)id, (unsigned long long)x,
		        (unsigned long long)r->md.val[c]);
	} else {
		unsigned char *p = (unsigned char *)&out;
		for (size_t i = 0; i < sizeof out; i++)
			DCHECKM(r, p[i] == 0xcd, "absent get wrote val_out");
	}
	if (r->kind == KK_F64 && tu_below(&r->rng, 20) == 0) {
		double nan = NAN;
		DCHECK(r, gomap_map_get(r->m, &nan, NULL) == 0);
	}
}

static void op_get_ptr(struct run *r)
{
	r->opname = "get_ptr";
	uint64_t id = pick_id(r), c = kk_canon(&r->ks, id);
	kk_obj k;
	kk_make(&r->ks, id, &k);
	void *p = gomap_map_get_ptr(r->m, &k);
	DCHECKM(r, (p != NULL) == (r->md.present[c] != 0),
	        "get_ptr id %llu gave %p", (unsigned long long)id, p);
	if (!p)
		return;
	uint64_t x;
	DCHECK(r, kk_read_val(r->kind, p, &x));
	DCHECK(r, x == r->md.val[c]);
	if (r->kind != KK_SET && tu_below(&r->rng, 2)) {
		/* m[k] = v through the pointer: no drop, no destructor */
		kk_val v;
		uint64_t nx = new_value(r);
		kk_make_val(r->kind, nx, &v);
		memcpy(p, &v, kk_val_size(r->kind));
		r->md.val[c] = nx;
	}
}

static void do_delete_id(struct run *r, uint64_t id)
{
	uint64_t c = kk_canon(&r->ks, id);
	kk_obj k;
	kk_make(&r->ks, id, &k);
	int rc = gomap_map_delete(r->m, &k);
	DCHECKM(r, rc == r->md.present[c], "delete id %llu returned %d",
	        (unsigned long long)id, rc);
	model_delete(r, c);
}

static void op_delete(struct run *r)
{
	r->opname = "delete";
	if (r->kind == KK_F64 && tu_below(&r->rng, 30) == 0) {
		double nan = NAN;
		DCHECK(r, gomap_map_delete(r->m, &nan) == 0);
		return;
	}
	do_delete_id(r, pick_id(r));
}

static void op_clear(struct run *r)
{
	r->structural = true;
	r->opname = "clear";
	gomap_map_stats a, b;
	DCHECK(r, gomap_map_stats_get(r->m, &a) == 0);
	DCHECK(r, gomap_map_clear(r->m) == 0);
	DCHECK(r, gomap_map_stats_get(r->m, &b) == 0);
	DCHECKM(r, b.capacity == a.capacity, "clear changed capacity %zu -> %zu",
	        a.capacity, b.capacity);
	DCHECK(r, b.count == 0);
	model_clear(r);
}

static void op_shrink(struct run *r)
{
	r->structural = true;
	r->opname = "shrink";
	gomap_map_stats a, b;
	DCHECK(r, gomap_map_stats_get(r->m, &a) == 0);
	DCHECK(r, gomap_map_shrink(r->m) == 0);
	DCHECK(r, gomap_map_stats_get(r->m, &b) == 0);
	DCHECKM(r, b.capacity <= a.capacity, "shrink grew %zu -> %zu",
	        a.capacity, b.capacity);
	DCHECK(r, b.count == model_len(r));
	DCHECK(r, b.capacity >= b.count);
	DCHECK(r, b.count > 0 || b.capacity == 0);
	DCHECK(r, !b.growing);
}

/* Full iteration of @m (the map or a clone) against the model. */
static void verify_iter(struct run *r, const gomap_map_t *m)
{
	unsigned char *seen = calloc(r->md.n, 1);
	gomap_iter it;
	const void *kp;
	void *vp;
	size_t cnt = 0, nans = 0;
	uint64_t nan_sum = 0;
	gomap_map_iter_init(m, &it);
	while (gomap_map_iter_next(&it, &kp, &vp)) {
		bool neg = false;
		int64_t id = kk_decode(&r->ks, kp, &neg);
		uint64_t x = 0;
		DCHECKM(r, id >= -1, "iteration produced a corrupted key");
		DCHECK(r, kk_read_val(r->kind, vp, &x));
		cnt++;
		if (id == -1) {
			nans++;
			nan_sum += x;
			continue;
		}
		DCHECKM(r, r->md.present[id], "iteration produced absent id %lld",
		        (long long)id);
		DCHECKM(r, !seen[id], "iteration produced id %lld twice",
		        (long long)id);
		seen[id] = 1;
		DCHECKM(r, x == r->md.val[id], "iteration value of id %lld",
		        (long long)id);
		if (r->kind == KK_F64 && id == 0)
			DCHECKM(r, neg == r->md.zero_neg,
			        "stored zero key has the wrong sign");
	}
	DCHECKM(r, cnt == model_len(r), "iteration produced %zu, len %zu", cnt,
	        model_len(r));
	DCHECK(r, nans == r->md.nan_count);
	DCHECK(r, nan_sum == r->md.nan_sum);
	free(seen);
}

static void op_iter_full(struct run *r)
{
	r->structural = true;
	r->opname = "iterate";
	verify_iter(r, r->m);
}

static void op_iter_partial(struct run *r)
{
	r->structural = true;
	r->opname = "iterate partial";
	gomap_iter it;
	const void *kp;
	void *vp;
	size_t steps = (size_t)tu_below(&r->rng, 12);
	gomap_map_iter_init(r->m, &it);
	for (size_t i = 0; i < steps; i++) {
		if (!gomap_map_iter_next(&it, &kp, &vp))
			break;
		int64_t id = kk_decode(&r->ks, kp, NULL);
		DCHECK(r, id >= -1);
		if (id >= 0)
			DCHECK(r, r->md.present[id]);
	}
	/* stop it, or abandon it: an abandoned iteration may keep retired
	 * tables until clear/free, which the leak check at the end covers */
	if (tu_below(&r->rng, 2))
		gomap_map_iter_stop(&it);
}

struct range_ctx {
	struct run *r;
	size_t calls, stop_at;
	unsigned char *seen;
};

static bool range_cb(const void *key, void *val, void *ctx)
{
	struct range_ctx *c = ctx;
	struct run *r = c->r;
	int64_t id = kk_decode(&r->ks, key, NULL);
	uint64_t x;
	DCHECK(r, id >= -1);
	DCHECK(r, kk_read_val(r->kind, val, &x));
	if (id >= 0) {
		DCHECK(r, r->md.present[id]);
		DCHECK(r, !c->seen[id]);
		c->seen[id] = 1;
		DCHECK(r, x == r->md.val[id]);
	}
	c->calls++;
	return c->calls != c->stop_at;
}

static void op_range(struct run *r)
{
	r->structural = true;
	r->opname = "range";
	struct range_ctx c = {r, 0, 0, calloc(r->md.n, 1)};
	size_t len = model_len(r);
	c.stop_at = tu_below(&r->rng, 2) ? (size_t)tu_below(&r->rng, len + 1) : 0;
	DCHECK(r, gomap_map_range(r->m, range_cb, &c) == 0);
	DCHECKM(r, c.calls == (c.stop_at && c.stop_at <= len ? c.stop_at : len),
	        "range made %zu calls (len %zu, stop at %zu)", c.calls, len,
	        c.stop_at);
	free(c.seen);
}

/*
 * Iteration with writes in between (Go's contract): a key present at the
 * start and never deleted is produced exactly once; a deleted key not yet
 * reached is not produced; no key is produced twice; produced values are
 * current. Writes never re-insert a key deleted during this iteration, so
 * "no key twice" is strict.
 */
static void op_iter_mut(struct run *r)
{
	r->structural = true;
	r->opname = "iterate with writes";
	size_t n = r->md.n;
	unsigned char *start = malloc(n), *seen = calloc(n, 1),
	              *deleted = calloc(n, 1);
	memcpy(start, r->md.present, n);
	gomap_iter it;
	const void *kp;
	void *vp;
	size_t nans = 0;
	gomap_map_iter_init(r->m, &it);
	for (;;) {
		r->opname = "iterate with writes";
		if (!gomap_map_iter_next(&it, &kp, &vp))
			break;
		bool neg = false;
		int64_t id = kk_decode(&r->ks, kp, &neg);
		uint64_t x = 0;
		DCHECKM(r, id >= -1, "corrupted key during iteration with writes");
		DCHECK(r, kk_read_val(r->kind, vp, &x));
		if (id == -1) {
			nans++;
			DCHECK(r, nans <= r->md.nan_count);
		} else {
			DCHECKM(r, !seen[id], "id %lld produced twice", (long long)id);
			seen[id] = 1;
			DCHECKM(r, r->md.present[id],
			        "id %lld produced after its delete", (long long)id);
			DCHECKM(r, x == r->md.val[id],
			        "id %lld produced with a stale value", (long long)id);
			if (r->kind == KK_F64 && id == 0)
				DCHECK(r, neg == r->md.zero_neg);
		}
		/* writes between steps */
		unsigned nw = (unsigned)tu_below(&r->rng, 4);
		for (unsigned w = 0; w < nw; w++) {
			uint64_t wid = pick_id(r), c = kk_canon(&r->ks, wid);
			unsigned what = (unsigned)tu_below(&r->rng, 16);
			if (deleted[c])
				continue;
			if (what < 6) { /* update or insert */
				r->opname = "iterate with writes: put";
				do_put_id(r, wid);
			} else if (what < 12) {
				r->opname = "iterate with writes: delete";
				do_delete_id(r, wid);
				deleted[c] = 1;
			} else if (what == 12 && r->md.count < r->active / 2) {
				/* a burst of inserts to force growth mid-iteration */
				r->opname = "iterate with writes: burst";
				for (int b = 0; b < 64; b++) {
					uint64_t bid = pick_id(r);
					if (!deleted[kk_canon(&r->ks, bid)])
						do_put_id(r, bid);
				}
			}
		}
	}
	r->opname = "iterate with writes: end";
	for (size_t i = 0; i < n; i++)
		DCHECKM(r, !start[i] || deleted[i] || seen[i],
		        "id %zu present throughout was never produced", i);
	free(start);
	free(seen);
	free(deleted);
}

static void op_clone(struct run *r)
{
	r->structural = true;
	r->opname = "clone";
	gomap_map_t *c = NULL;
	if (r->key_dtor || r->val_dtor) {
		/* bytewise copies would be dropped twice: refused, no change */
		DCHECK(r, gomap_map_clone(r->m, &c) == GOMAP_ENOTSUP);
		DCHECK(r, c == NULL);
		return;
	}
	DCHECK(r, gomap_map_clone(r->m, &c) == 0);
	DCHECK(r, c != NULL);
	DCHECK(r, gomap_map_len(c) == model_len(r));
	DCHECK(r, gomap_map_check(c) == 0);
	r->val_adopted += model_len(r);
	r->key_adopted += model_len(r);
	verify_iter(r, c);
	if (tu_below(&r->rng, 2)) {
		/* continue on the clone: it must be a complete, independent map */
		gomap_map_free(r->m);
		r->m = c;
	} else {
		/* scribble on the clone, then drop it: the original is untouched */
		for (int i = 0; i < 20; i++) {
			kk_obj k;
			kk_val v;
			uint64_t id = pick_id(r);
			kk_make(&r->ks, id, &k);
			kk_make_val(r->kind, 12345, &v);
			int rc = i % 2 ? gomap_map_delete(c, &k)
			               : gomap_map_put(c, &k, &v);
			DCHECK(r, rc >= 0);
			if (i % 2 == 0) {
				r->val_adopted++;
				r->key_adopted += rc == 1;
			}
			scribble_key(r, &k);
		}
		gomap_map_free(c);
		verify_iter(r, r->m);
	}
}

/* ---- driver ------------------------------------------------------------------------------ */

static void check_invariants(struct run *r, bool deep)
{
	size_t len = gomap_map_len(r->m);
	DCHECKM(r, len == model_len(r), "len %zu, model %zu", len, model_len(r));
	if (r->val_dtor)
		DCHECKM(r, r->val_adopted - r->vd.calls == len,
		        "values adopted %zu, destroyed %zu, len %zu",
		        r->val_adopted, r->vd.calls, len);
	if (r->key_dtor)
		DCHECKM(r, r->key_adopted - r->kd.calls == len,
		        "keys adopted %zu, destroyed %zu, len %zu", r->key_adopted,
		        r->kd.calls, len);
	DCHECK(r, r->tally.bad_frees == 0);
	if (deep) {
		gomap_map_stats st;
		DCHECK(r, gomap_map_stats_get(r->m, &st) == 0);
		DCHECK(r, st.count == len);
		DCHECK(r, st.capacity >= st.count);
		int rc = gomap_map_check(r->m);
		DCHECKM(r, rc == 0, "gomap_map_check returned %d", rc);
	}
}

static void new_phase(struct run *r)
{
	static const size_t sizes[] = {4, 9, 64, 600, 5000, 24000};
	r->active = sizes[tu_below(&r->rng, sizeof sizes / sizeof sizes[0])];
	if (r->active > r->md.n)
		r->active = r->md.n;
	r->bias = (unsigned)tu_below(&r->rng, 3);
}

static void run_kind(enum kk_kind kind, size_t ops)
{
	struct run *r = calloc(1, sizeof *r);
	r->kind = kind;
	r->seed = g_seed ^ ((uint64_t)kind * 0x9e3779b97f4a7c15ull);
	tu_rng_seed(&r->rng, r->seed);
	kk_space_init(&r->ks, kind, SPACE_N);
	r->md.n = SPACE_N;
	r->md.present = calloc(SPACE_N, 1);
	r->md.val = calloc(SPACE_N, sizeof(uint64_t));
	r->kt = kk_key_type(kind);
	r->vt = kk_val_type(kind);
	/* Destructors (counted) on half of the runs: clone refuses maps with
	 * destructors, so the other half exercises clone. */
	bool dtors = ((g_seed >> 7) + (uint64_t)kind) % 2 == 0;
	r->key_dtor = dtors && kk_key_dtor_ok(kind);
	r->val_dtor = dtors;
	if (r->key_dtor) {
		r->kt.destroy = tu_count_dtor;
		r->kt.ctx = &r->kd;
	}
	if (r->val_dtor) {
		r->vt.destroy = tu_count_dtor;
		r->vt.ctx = &r->vd;
	}
	r->alloc = tu_allocator(&r->tally, kind % 2 == 0);
	gomap_map_options o = {(size_t)tu_below(&r->rng, 3) * 700, &r->alloc};
	r->opname = "new";
	DCHECK(r, gomap_map_new_opts(&r->m, &r->kt, &r->vt, &o) == 0);
	new_phase(r);
	for (r->op = 0; r->op < ops; r->op++) {
		if (r->op % 4000 == 0)
			new_phase(r);
		unsigned p = (unsigned)tu_below(&r->rng, 10000);
		unsigned put_w = r->bias == 0 ? 4500 : r->bias == 1 ? 3000 : 1500;
		unsigned del_w = r->bias == 0 ? 1000 : r->bias == 1 ? 3000 : 4500;
		if (p < put_w)
			op_put(r);
		else if ((p -= put_w) < del_w)
			op_delete(r);
		else if ((p -= del_w) < 2000)
			op_get(r);
		else if ((p -= 2000) < 1000)
			op_get_ptr(r);
		else if ((p -= 1000) < 40)
			op_iter_partial(r);
		else if ((p -= 40) < 5)
			op_range(r);
		else if ((p -= 5) < 3)
			op_iter_full(r);
		else if ((p -= 3) < 1)
			op_iter_mut(r);
		else if ((p -= 1) < 2)
			op_clone(r);
		else if ((p -= 2) < 2)
			op_shrink(r);
		else if ((p -= 2) < 1)
			op_clear(r);
		else
			op_get(r);
		/* the structure walk after every op while small, after every
		 * structural op, and every CHECK_EVERY ops otherwise */
		bool deep = model_len(r) < 64 || r->op % CHECK_EVERY == 0 ||
		            r->structural;
		r->structural = false;
		check_invariants(r, deep);
	}
	r->opname = "final";
	verify_iter(r, r->m);
	check_invariants(r, true);
	gomap_map_free(r->m);
	if (r->val_dtor)
		DCHECKM(r, r->vd.calls == r->val_adopted,
		        "after free: values destroyed %zu of %zu", r->vd.calls,
		        r->val_adopted);
	if (r->key_dtor)
		DCHECK(r, r->kd.calls == r->key_adopted);
	DCHECKM(r, r->tally.live_bytes == 0 && r->tally.live_blocks == 0,
	        "leak: %zu bytes in %zu blocks", r->tally.live_bytes,
	        r->tally.live_blocks);
	DCHECK(r, r->tally.bad_frees == 0);
	kk_space_fini(&r->ks);
	free(r->md.present);
	free(r->md.val);
	free(r);
}

static size_t g_ops;

static void test_kind(void **state)
{
	enum kk_kind kind = (enum kk_kind)(uintptr_t)*state;
	run_kind(kind, g_ops);
}

static int setup_kind(void **state)
{
	(void)state;
	return 0;
}

int main(int argc, char **argv)
{
	g_seed = tu_seed(argc, argv, "map_diff");
	const char *ops = getenv("GOMAP_TEST_OPS");
	g_ops = ops && *ops ? (size_t)strtoull(ops, NULL, 0)
	                    : tu_scaled(300000, 5000);
	const char *only = getenv("GOMAP_TEST_KIND");
	const char *nonan = getenv("GOMAP_TEST_NO_NAN");
	g_no_nan = nonan && *nonan && *nonan != '0';
	struct CMUnitTest tests[KK_COUNT];
	size_t nt = 0;
	for (int k = 0; k < KK_COUNT; k++) {
		if (only && *only && strcmp(only, kk_names[k]) != 0)
			continue;
		struct CMUnitTest t = {kk_names[k], test_kind, setup_kind, NULL,
		                       (void *)(uintptr_t)k};
		tests[nt++] = t;
	}
	printf("map_diff: %zu operations per kind, %zu kinds; destructors on "
	       "kinds %s\n", g_ops, nt, (g_seed >> 7) % 2 ? "1,3,5,..." : "0,2,4,...");
	return _cmocka_run_group_tests("map_diff", tests, nt, NULL, NULL);
}
