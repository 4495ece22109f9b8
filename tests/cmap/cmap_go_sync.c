/*
 * tests/cmap/cmap_go_sync.c - Go's own sync.Map tests (src/sync/map_test.go
 * and map_reference_test.go), ported under their Go names and run on every
 * variant of gomap_cmap_list(): Go's sync.Map contract is the one cmap.h
 * promises for all of them.
 *
 * The two reference maps of map_reference_test.go are rebuilt on gomap's
 * plain map, with the same shape as Go's: RWMutexMap (a map behind a
 * reader-writer lock; Range copies the keys, then loads each) and
 * DeepCopyMap (every write copies the whole map; reads use the last copy).
 * Both are gomap_cmap_ops tables, so one applyCalls runs the variant and the
 * references alike, and the differential compares every result and the
 * final content. Keys and values are Go's randValue: strings of 0 to 3
 * letters (values stored as 4-byte RAW, the string and its NUL).
 *
 * Where a variant documents a different rule, the test checks that rule:
 * rwmutex's range runs under the shared lock, so writes from its callback
 * return GOMAP_EBUSY (rwmutex.h) instead of working.
 */
#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include "cmap_opts.h"

/* ---- map_reference_test.go: RWMutexMap ------------------------------------ */

typedef struct rwref {
	pthread_rwlock_t mu;
	gomap_map_t *dirty;
	size_t vsize;
} rwref;

static int rw_create(void **out, const gomap_type *kt, const gomap_type *vt)
{
	rwref *r = calloc(1, sizeof *r);
	assert_non_null(r);
	assert_int_equal(pthread_rwlock_init(&r->mu, NULL), 0);
	assert_int_equal(gomap_map_new(&r->dirty, kt, vt, 0), 0);
	r->vsize = vt->size;
	*out = r;
	return 0;
}

static void rw_destroy(void *m)
{
	rwref *r = m;
	gomap_map_free(r->dirty);
	pthread_rwlock_destroy(&r->mu);
	free(r);
}

static int rw_load(void *m, const void *k, void *o)
{
	rwref *r = m;
	pthread_rwlock_rdlock(&r->mu);
	int rc = gomap_map_get(r->dirty, k, o);
	pthread_rwlock_unlock(&r->mu);
	return rc;
}

static int rw_store(void *m, const void *k, const void *v)
{
	rwref *r = m;
	pthread_rwlock_wrlock(&r->mu);
	int rc = gomap_map_put(r->dirty, k, v);
	pthread_rwlock_unlock(&r->mu);
	return rc < 0 ? rc : 0;
}

static int rw_los(void *m, const void *k, const void *v, void *o)
{
	rwref *r = m;
	pthread_rwlock_wrlock(&r->mu);
	int rc = gomap_map_get(r->dirty, k, o);
	if (rc == 0) {
		gomap_map_put(r->dirty, k, v);
		if (o)
			memcpy(o, v, r->vsize); /* actual = value */
	}
	pthread_rwlock_unlock(&r->mu);
	return rc;
}

static int rw_lad(void *m, const void *k, void *o)
{
	rwref *r = m;
	pthread_rwlock_wrlock(&r->mu);
	int rc = gomap_map_get(r->dirty, k, o);
	if (rc == 1)
		gomap_map_delete(r->dirty, k);
	pthread_rwlock_unlock(&r->mu);
	return rc;
}

static int rw_del(void *m, const void *k)
{
	rwref *r = m;
	pthread_rwlock_wrlock(&r->mu);
	int rc = gomap_map_delete(r->dirty, k);
	pthread_rwlock_unlock(&r->mu);
	return rc;
}

static int rw_swap(void *m, const void *k, const void *v, void *o)
{
	rwref *r = m;
	pthread_rwlock_wrlock(&r->mu);
	int rc = gomap_map_get(r->dirty, k, o);
	gomap_map_put(r->dirty, k, v);
	pthread_rwlock_unlock(&r->mu);
	return rc;
}

static int rw_cas(void *m, const void *k, const void *old, const void *new_)
{
	rwref *r = m;
	pthread_rwlock_wrlock(&r->mu);
	void *p = gomap_map_get_ptr(r->dirty, k);
	int rc = p && memcmp(p, old, r->vsize) == 0;
	if (rc)
		gomap_map_put(r->dirty, k, new_);
	pthread_rwlock_unlock(&r->mu);
	return rc;
}

static int rw_cad(void *m, const void *k, const void *old)
{
	rwref *r = m;
	pthread_rwlock_wrlock(&r->mu);
	void *p = gomap_map_get_ptr(r->dirty, k);
	int rc = p && memcmp(p, old, r->vsize) == 0;
	if (rc)
		gomap_map_delete(r->dirty, k);
	pthread_rwlock_unlock(&r->mu);
	return rc;
}

/* Keys are strings of at most 3 letters (all these tests use). */
typedef struct skey {
	char s[4];
} skey;

static bool rw_collect(const void *k, void *v, void *ctx)
{
	(void)v;
	skey **w = ctx;
	snprintf((*w)->s, sizeof (*w)->s, "%s", *(const char *const *)k);
	(*w)++;
	return true;
}

/* Go: copy the keys under the read lock, then Load each (skipping the
 * ones deleted since) and call f without the lock. */
static int rw_range(void *m, gomap_range_fn fn, void *ctx)
{
	rwref *r = m;
	pthread_rwlock_rdlock(&r->mu);
	size_t n = gomap_map_len(r->dirty);
	skey *keys = calloc(n + 1, sizeof *keys), *w = keys;
	gomap_map_range(r->dirty, rw_collect, &w);
	pthread_rwlock_unlock(&r->mu);
	unsigned char v[64];
	for (size_t i = 0; i < n; i++) {
		const char *k = keys[i].s;
		if (rw_load(m, &k, v) != 1)
			continue;
		if (!fn(&k, v, ctx))
			break;
	}
	free(keys);
	return 0;
}

static size_t rw_len(void *m)
{
	rwref *r = m;
	pthread_rwlock_rdlock(&r->mu);
	size_t n = gomap_map_len(r->dirty);
	pthread_rwlock_unlock(&r->mu);
	return n;
}

static int rw_clear(void *m)
{
	rwref *r = m;
	pthread_rwlock_wrlock(&r->mu);
	gomap_map_clear(r->dirty);
	pthread_rwlock_unlock(&r->mu);
	return 0;
}

static const gomap_cmap_ops RWMutexMap = {
	"RWMutexMap", rw_create, rw_destroy, rw_load, rw_store, rw_los, rw_lad,
	rw_del, rw_swap, rw_cas, rw_cad, rw_range, rw_len, rw_clear,
	NULL, /* update: Go's reference maps have none */
};

/* ---- map_reference_test.go: DeepCopyMap ----------------------------------- */

/* Reads take the current copy without a lock; each write copies it, changes
 * the copy and publishes it. Go's garbage collector keeps old copies alive
 * for readers; here they are freed at once, which is right for the
 * single-threaded use below only. */
typedef struct dcref {
	pthread_mutex_t mu;
	_Atomic(gomap_map_t *) clean;
	gomap_type kt, vt;
} dcref;

static int dc_create(void **out, const gomap_type *kt, const gomap_type *vt)
{
	dcref *r = calloc(1, sizeof *r);
	assert_non_null(r);
	pthread_mutex_init(&r->mu, NULL);
	atomic_init(&r->clean, NULL);
	r->kt = *kt;
	r->vt = *vt;
	*out = r;
	return 0;
}

static void dc_destroy(void *m)
{
	dcref *r = m;
	gomap_map_free(atomic_load(&r->clean));
	pthread_mutex_destroy(&r->mu);
	free(r);
}

/* Go's dirty(): a copy of clean (or a new map). */
static gomap_map_t *dc_dirty(dcref *r)
{
	gomap_map_t *clean = atomic_load(&r->clean), *d = NULL;
	if (clean)
		assert_int_equal(gomap_map_clone(clean, &d), 0);
	else
		assert_int_equal(gomap_map_new(&d, &r->kt, &r->vt, 1), 0);
	return d;
}

static void dc_publish(dcref *r, gomap_map_t *d)
{
	gomap_map_free(atomic_exchange(&r->clean, d));
}

static int dc_load(void *m, const void *k, void *o)
{
	dcref *r = m;
	gomap_map_t *clean = atomic_load(&r->clean);
	return clean ? gomap_map_get(clean, k, o) : 0;
}

static int dc_store(void *m, const void *k, const void *v)
{
	dcref *r = m;
	pthread_mutex_lock(&r->mu);
	gomap_map_t *d = dc_dirty(r);
	gomap_map_put(d, k, v);
	dc_publish(r, d);
	pthread_mutex_unlock(&r->mu);
	return 0;
}

static int dc_los(void *m, const void *k, const void *v, void *o)
{
	dcref *r = m;
	if (dc_load(m, k, o) == 1)
		return 1;
	pthread_mutex_lock(&r->mu);
	int rc = dc_load(m, k, o); /* reload: clean may have changed */
	if (rc == 0) {
		gomap_map_t *d = dc_dirty(r);
		gomap_map_put(d, k, v);
		if (o)
			memcpy(o, v, r->vt.size);
		dc_publish(r, d);
	}
	pthread_mutex_unlock(&r->mu);
	return rc;
}

static int dc_lad(void *m, const void *k, void *o)
{
	dcref *r = m;
	pthread_mutex_lock(&r->mu);
	gomap_map_t *d = dc_dirty(r);
	int rc = gomap_map_get(d, k, o);
	gomap_map_delete(d, k);
	dc_publish(r, d);
	pthread_mutex_unlock(&r->mu);
	return rc;
}

static int dc_del(void *m, const void *k)
{
	dcref *r = m;
	pthread_mutex_lock(&r->mu);
	gomap_map_t *d = dc_dirty(r);
	int rc = gomap_map_delete(d, k);
	dc_publish(r, d);
	pthread_mutex_unlock(&r->mu);
	return rc;
}

static int dc_swap(void *m, const void *k, const void *v, void *o)
{
	dcref *r = m;
	pthread_mutex_lock(&r->mu);
	gomap_map_t *d = dc_dirty(r);
	int rc = gomap_map_get(d, k, o);
	gomap_map_put(d, k, v);
	dc_publish(r, d);
	pthread_mutex_unlock(&r->mu);
	return rc;
}

static int dc_cas(void *m, const void *k, const void *old, const void *new_)
{
	dcref *r = m;
	pthread_mutex_lock(&r->mu);
	gomap_map_t *d = dc_dirty(r);
	void *p = gomap_map_get_ptr(d, k);
	int rc = p && memcmp(p, old, r->vt.size) == 0;
	if (rc)
		gomap_map_put(d, k, new_);
	dc_publish(r, d);
	pthread_mutex_unlock(&r->mu);
	return rc;
}

static int dc_cad(void *m, const void *k, const void *old)
{
	dcref *r = m;
	pthread_mutex_lock(&r->mu);
	gomap_map_t *d = dc_dirty(r);
	void *p = gomap_map_get_ptr(d, k);
	int rc = p && memcmp(p, old, r->vt.size) == 0;
	if (rc)
		gomap_map_delete(d, k);
	dc_publish(r, d);
	pthread_mutex_unlock(&r->mu);
	return rc;
}

static int dc_range(void *m, gomap_range_fn fn, void *ctx)
{
	dcref *r = m;
	gomap_map_t *clean = atomic_load(&r->clean);
	return clean ? gomap_map_range(clean, fn, ctx) : 0;
}

static size_t dc_len(void *m)
{
	dcref *r = m;
	return gomap_map_len(atomic_load(&r->clean));
}

static int dc_clear(void *m)
{
	dcref *r = m;
	pthread_mutex_lock(&r->mu);
	gomap_map_t *d = NULL;
	assert_int_equal(gomap_map_new(&d, &r->kt, &r->vt, 0), 0);
	dc_publish(r, d);
	pthread_mutex_unlock(&r->mu);
	return 0;
}

static const gomap_cmap_ops DeepCopyMap = {
	"DeepCopyMap", dc_create, dc_destroy, dc_load, dc_store, dc_los, dc_lad,
	dc_del, dc_swap, dc_cas, dc_cad, dc_range, dc_len, dc_clear,
	NULL, /* update: Go's reference maps have none */
};

/* ---- map_test.go: mapCall, applyCalls ------------------------------------- */

enum map_op {
	opLoad, opStore, opLoadOrStore, opLoadAndDelete, opDelete, opSwap,
	opCompareAndSwap, opCompareAndDelete, opClear, nMapOps
};

static const char *const op_names[] = {
	"Load", "Store", "LoadOrStore", "LoadAndDelete", "Delete", "Swap",
	"CompareAndSwap", "CompareAndDelete", "Clear",
};

typedef struct map_call {
	enum map_op op;
	char k[4], v[4];
} map_call;

/* (value, ok); a nil value is 4 zero bytes. */
typedef struct map_result {
	char v[4];
	int ok;
} map_result;

/* Go's randValue: 0 to 3 random lowercase letters. */
static void rand_value(ct_rng *r, char out[4])
{
	memset(out, 0, 4);
	int n = (int)ct_below(r, 4);
	for (int i = 0; i < n; i++)
		out[i] = (char)('a' + ct_below(r, 26));
}

static void gen_call(ct_rng *r, map_call *c)
{
	memset(c, 0, sizeof *c);
	c->op = (enum map_op)ct_below(r, nMapOps);
	rand_value(r, c->k);
	/* Go draws v only for Store and LoadOrStore (a nil v elsewhere); we
	 * draw it for every op that takes a value, so that Swap stores
	 * something and CompareAndSwap/CompareAndDelete can succeed. */
	rand_value(r, c->v);
}

static map_result apply(const gomap_cmap_ops *ops, void *m,
                        const map_call *c, ct_rng *r)
{
	map_result res;
	memset(&res, 0, sizeof res);
	const char *k = c->k;
	char nv[4];
	switch (c->op) {
	case opLoad:
		res.ok = ops->load(m, &k, res.v);
		break;
	case opStore:
		res.ok = ops->store(m, &k, c->v); /* 0 */
		break;
	case opLoadOrStore:
		res.ok = ops->load_or_store(m, &k, c->v, res.v);
		break;
	case opLoadAndDelete:
		res.ok = ops->load_and_delete(m, &k, res.v);
		break;
	case opDelete:
		res.ok = ops->del(m, &k); /* Go drops it; we compare it too */
		break;
	case opSwap:
		res.ok = ops->swap(m, &k, c->v, res.v);
		break;
	case opCompareAndSwap:
		rand_value(r, nv); /* Go: rand.Int() */
		res.ok = ops->compare_and_swap(m, &k, c->v, nv);
		if (res.ok == 1) {
			assert_int_equal(ops->del(m, &k), 1);
			memcpy(res.v, c->v, 4);
		} else {
			res.ok = res.ok < 0 ? res.ok : 0;
		}
		break;
	case opCompareAndDelete:
		res.ok = ops->compare_and_delete(m, &k, c->v);
		if (res.ok == 1)
			res.ok = ops->load(m, &k, NULL) == 0 ? 1 : 2;
		break;
	case opClear:
		res.ok = ops->clear(m); /* 0 */
		break;
	default:
		fail();
	}
	return res;
}

typedef struct entry {
	char k[4], v[4];
} entry;

typedef struct final_map {
	entry e[256];
	size_t n;
	size_t len; /* ops->len */
} final_map;

static bool final_fn(const void *k, void *v, void *ctx)
{
	final_map *f = ctx;
	assert_true(f->n < 256);
	snprintf(f->e[f->n].k, 4, "%s", *(const char *const *)k);
	memcpy(f->e[f->n].v, v, 4);
	f->n++;
	return true;
}

static int entry_cmp(const void *a, const void *b)
{
	return strcmp(((const entry *)a)->k, ((const entry *)b)->k);
}

/* applyCalls: every result, then the final content through Range. */
static void apply_calls(const gomap_cmap_ops *ops, const map_call *calls,
                        size_t n, uint64_t seed, map_result *results,
                        final_map *final)
{
	gomap_type vt = {4, GOMAP_KIND_RAW, 0, NULL, NULL, NULL, NULL};
	void *m = NULL;
	assert_int_equal(ops->create(&m, &gomap_type_str, &vt), 0);
	ct_rng r = {seed}; /* same draws for every map */
	for (size_t i = 0; i < n; i++)
		results[i] = apply(ops, m, &calls[i], &r);
	memset(final, 0, sizeof *final);
	assert_int_equal(ops->range(m, final_fn, final), 0);
	qsort(final->e, final->n, sizeof final->e[0], entry_cmp);
	final->len = ops->len(m);
	ops->destroy(m);
}

static void dump_calls(const map_call *calls, size_t n, size_t upto)
{
	for (size_t i = 0; i < n && i <= upto; i++)
		print_error("  %zu: %s(%s, %s)\n", i, op_names[calls[i].op],
		            calls[i].k, calls[i].v);
}

/* quick.CheckEqual(applyMap, applyRef): random call sequences. */
static void check_equal(const gomap_cmap_ops *ref, uint64_t seed0)
{
	enum { MAXCALLS = 64 };
	map_call calls[MAXCALLS];
	map_result got[MAXCALLS], want[MAXCALLS];
	final_map *fg = malloc(sizeof *fg), *fw = malloc(sizeof *fw);
	ct_rng g = {seed0};
	long runs = ct_scale(200); /* quick.CheckEqual: 100 */
	for (long run = 0; run < runs; run++) {
		size_t n = (size_t)ct_below(&g, MAXCALLS + 1);
		for (size_t i = 0; i < n; i++)
			gen_call(&g, &calls[i]);
		uint64_t seed = ct_next(&g);
		apply_calls(V, calls, n, seed, got, fg);
		apply_calls(ref, calls, n, seed, want, fw);
		for (size_t i = 0; i < n; i++) {
			if (got[i].ok == want[i].ok &&
			    memcmp(got[i].v, want[i].v, 4) == 0)
				continue;
			dump_calls(calls, n, i);
			fail_msg("%s vs %s, run %ld, call %zu %s(%s, %s): "
			         "got (%.4s, %d), want (%.4s, %d)",
			         V->name, ref->name, run, i,
			         op_names[calls[i].op], calls[i].k,
			         calls[i].v, got[i].v, got[i].ok, want[i].v,
			         want[i].ok);
		}
		if (fg->n != fw->n || fg->len != fw->len || fg->n != fg->len ||
		    memcmp(fg->e, fw->e, fg->n * sizeof fg->e[0]) != 0) {
			dump_calls(calls, n, n);
			fail_msg("%s vs %s, run %ld: final maps differ (%zu "
			         "entries, len %zu; want %zu, len %zu)",
			         V->name, ref->name, run, fg->n, fg->len,
			         fw->n, fw->len);
		}
	}
	free(fg);
	free(fw);
}

static void TestMapMatchesRWMutex(void **st)
{
	(void)st;
	check_equal(&RWMutexMap, 0x5eed0001);
}

static void TestMapMatchesDeepCopy(void **st)
{
	(void)st;
	check_equal(&DeepCopyMap, 0x5eed0002);
}

/* ---- TestConcurrentRange ---------------------------------------------------- */

#define MAP_SIZE 1024

struct cr_worker {
	void *m;
	uint64_t g;
	atomic_bool *done;
};

static void *cr_worker(void *arg)
{
	struct cr_worker *w = arg;
	ct_rng r = {w->g};
	for (uint64_t i = 0; !atomic_load_explicit(w->done,
	                                           memory_order_relaxed);
	     i++) {
		for (uint64_t n = 1; n < MAP_SIZE; n++) {
			if (ct_below(&r, MAP_SIZE) == 0) {
				uint64_t v = n * i * w->g;
				if (V->store(w->m, &n, &v) != 0)
					abort();
			} else {
				(void)V->load(w->m, &n, NULL);
			}
		}
	}
	return NULL;
}

struct cr_seen {
	bool seen[MAP_SIZE + 1];
	size_t n;
	char err[128];
};

static bool cr_fn(const void *kp, void *vp, void *ctx)
{
	struct cr_seen *s = ctx;
	uint64_t k, v;
	memcpy(&k, kp, 8);
	memcpy(&v, vp, 8);
	if (k < 1 || k > MAP_SIZE) {
		snprintf(s->err, sizeof s->err, "Range saw key %llu",
		         (unsigned long long)k);
		return false;
	}
	if (v % k != 0) {
		snprintf(s->err, sizeof s->err,
		         "while Storing multiples of %llu, Range saw value %llu",
		         (unsigned long long)k, (unsigned long long)v);
		return false;
	}
	if (s->seen[k]) {
		snprintf(s->err, sizeof s->err, "Range visited key %llu twice",
		         (unsigned long long)k);
		return false;
	}
	s->seen[k] = true;
	s->n++;
	return true;
}

static void TestConcurrentRange(void **st)
{
	(void)st;
	void *m = ct_new(CT_U64);
	for (uint64_t n = 1; n <= MAP_SIZE; n++)
		assert_int_equal(V->store(m, &n, &n), 0);

	atomic_bool done;
	atomic_init(&done, false);
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int nw = ncpu < 2 ? 2 : (ncpu > 8 ? 8 : (int)ncpu); /* GOMAXPROCS */
	pthread_t t[8];
	struct cr_worker w[8];
	for (int g = 0; g < nw; g++) {
		w[g] = (struct cr_worker){m, (uint64_t)g + 1, &done};
		assert_int_equal(pthread_create(&t[g], NULL, cr_worker, &w[g]),
		                 0);
	}
	long iters = ct_scale(1 << 10);
	struct cr_seen *s = malloc(sizeof *s);
	for (long n = iters; n > 0; n--) {
		memset(s, 0, sizeof *s);
		int rc = V->range(m, cr_fn, s);
		if (rc != 0 || s->err[0] || s->n != MAP_SIZE) {
			atomic_store(&done, true);
			for (int g = 0; g < nw; g++)
				pthread_join(t[g], NULL);
			fail_msg("%s: range %d: %s (visited %zu of %d)",
			         V->name, rc, s->err, s->n, MAP_SIZE);
		}
	}
	atomic_store(&done, true);
	for (int g = 0; g < nw; g++)
		assert_int_equal(pthread_join(t[g], NULL), 0);
	free(s);
	V->destroy(m);
}

/* ---- TestIssue40999 -------------------------------------------------------- */

/* Go: a key stored and deleted must not stay reachable (Go checks that a
 * finalizer runs). Here: the key's destructor runs, exactly once per
 * deleted key, and never for the key still in the map. runtime.GC()
 * becomes "wait for deferred frees" (sync's RCU barrier). */
static atomic_long keys_dropped;
static atomic_long bias_dropped;

static void key_drop(void *obj, void *ctx)
{
	(void)ctx;
	uint64_t k;
	memcpy(&k, obj, 8);
	if (k == 0)
		atomic_fetch_add(&bias_dropped, 1);
	else
		atomic_fetch_add(&keys_dropped, 1);
}

static void TestIssue40999(void **st)
{
	(void)st;
	atomic_store(&keys_dropped, 0);
	atomic_store(&bias_dropped, 0);
	gomap_type kt = {8, GOMAP_KIND_RAW, 0, NULL, NULL, key_drop, NULL};
	gomap_type unit = {0, GOMAP_KIND_RAW, 0, NULL, NULL, NULL, NULL};
	void *m = NULL;
	assert_int_equal(V->create(&m, &kt, &unit), 0);
	uint64_t bias = 0; /* Go: m.Store(nil, struct{}{}) */
	assert_int_equal(V->store(m, &bias, NULL), 0);
	long n = 0;
	for (uint64_t p = 1; atomic_load(&keys_dropped) == 0; p++) {
		if (p > 1000)
			fail_msg("%s: 1000 keys stored and deleted, none "
			         "dropped",
			         V->name);
		assert_int_equal(V->store(m, &p, NULL), 0);
		assert_int_equal(V->del(m, &p), 1);
		n++;
		ct_quiesce(m); /* runtime.GC() */
	}
	/* Every deleted key is dropped, once. */
	for (uint64_t p = 1000; p < 1100; p++) {
		assert_int_equal(V->store(m, &p, NULL), 0);
		assert_int_equal(V->del(m, &p), 1);
		n++;
	}
	ct_quiesce(m);
	assert_int_equal(atomic_load(&keys_dropped), n);
	assert_int_equal(atomic_load(&bias_dropped), 0);
	assert_int_equal(V->len(m), 1);
	V->destroy(m);
	assert_int_equal(atomic_load(&bias_dropped), 1);
}

/* ---- TestMapRangeNestedCall (Go issue 46399) -------------------------------- */

typedef struct sval {
	char s[16];
} sval;

struct nested {
	void *m;
	bool writes_busy; /* rwmutex: writes under its shared range lock */
	int bad;
};

#define NCHECK(cond)                                                           \
	do {                                                                   \
		if (!(cond)) {                                                 \
			print_error("%s: %s:%d: %s\n", V->name, __FILE__,      \
			            __LINE__, #cond);                          \
			n->bad++;                                              \
		}                                                              \
	} while (0)

static bool nested_inner(const void *key, void *value, void *ctx)
{
	struct nested *n = ctx;
	sval v;
	memset(&v, 0, sizeof v);
	/* We should be able to load the key offered in the Range callback,
	 * because there are no concurrent Delete involved in this map. */
	NCHECK(V->load(n->m, key, &v) == 1 &&
	       memcmp(&v, value, sizeof v) == 0);
	/* 42 was never kept in the map: LoadOrStore must store. */
	uint64_t k42 = 42;
	sval dummy = {"dummy"}, val = {"sync.Map"}, out;
	int want = n->writes_busy ? GOMAP_EBUSY : 0;
	memset(&out, 0, sizeof out);
	NCHECK(V->load_or_store(n->m, &k42, &dummy, &out) == want);
	if (!n->writes_busy)
		NCHECK(strcmp(out.s, "dummy") == 0);
	/* Store then LoadAndDelete 42: removed again, so no later Range
	 * observes it. */
	NCHECK(V->store(n->m, &k42, &val) == want);
	memset(&out, 0, sizeof out);
	NCHECK(V->load_and_delete(n->m, &k42, &out) ==
	       (n->writes_busy ? GOMAP_EBUSY : 1));
	if (!n->writes_busy)
		NCHECK(strcmp(out.s, "sync.Map") == 0);
	return true;
}

static bool nested_outer(const void *key, void *value, void *ctx)
{
	(void)value;
	struct nested *n = ctx;
	NCHECK(V->range(n->m, nested_inner, n) == 0);
	/* Remove key from the map on the fly. */
	NCHECK(V->del(n->m, key) == (n->writes_busy ? GOMAP_EBUSY : 1));
	return true;
}

static bool count_fn(const void *k, void *v, void *ctx)
{
	(void)k;
	(void)v;
	(*(size_t *)ctx)++;
	return true;
}

static void TestMapRangeNestedCall(void **st)
{
	(void)st;
	gomap_type vt = {sizeof(sval), GOMAP_KIND_RAW, 0, NULL, NULL, NULL,
	                 NULL};
	void *m = NULL;
	assert_int_equal(V->create(&m, &gomap_type_u64, &vt), 0);
	const char *words[3] = {"hello", "world", "Go"};
	for (uint64_t i = 0; i < 3; i++) {
		sval v;
		memset(&v, 0, sizeof v);
		strcpy(v.s, words[i]);
		assert_int_equal(V->store(m, &i, &v), 0);
	}
	struct nested n = {m, strcmp(V->name, "rwmutex") == 0, 0};
	assert_int_equal(V->range(m, nested_outer, &n), 0);
	assert_int_equal(n.bad, 0);
	/* After a Range of Delete, all keys are gone and a further Range
	 * calls nothing (rwmutex: every write was refused, all 3 stay). */
	size_t length = 0;
	assert_int_equal(V->range(m, count_fn, &length), 0);
	assert_int_equal(length, n.writes_busy ? 3 : 0);
	assert_int_equal(V->len(m), length);
	uint64_t k42 = 42;
	assert_int_equal(V->load(m, &k42, NULL), 0);
	V->destroy(m);
}

/* ---- TestCompareAndSwap_NonExistingKey ------------------------------------ */

static void TestCompareAndSwap_NonExistingKey(void **st)
{
	(void)st;
	/* Go: m.CompareAndSwap(m, nil, 42) on an empty map: the key is the
	 * map itself, the old value nil (the zero value). */
	void *m = NULL;
	assert_int_equal(V->create(&m, &gomap_type_ptr, &gomap_type_ptr), 0);
	void *key = m, *old = NULL, *new_ = (void *)(uintptr_t)42, *out = &out;
	if (V->compare_and_swap(m, &key, &old, &new_) != 0)
		fail_msg("%s: CompareAndSwap on a non-existing key succeeded",
		         V->name);
	assert_int_equal(V->compare_and_delete(m, &key, &old), 0);
	assert_int_equal(V->load(m, &key, &out), 0);
	assert_ptr_equal(out, &out); /* untouched */
	assert_int_equal(V->len(m), 0);
	V->destroy(m);
}

/* ---- TestMapDelete, TestMapClear -------------------------------------------- */

static void TestMapDelete(void **st)
{
	(void)st;
	void *m = NULL;
	assert_int_equal(V->create(&m, &gomap_type_str, &gomap_type_f64), 0);
	const char *k = "go";
	double val = 1.22, v = 0;
	assert_int_equal(V->store(m, &k, &val), 0);
	if (V->load(m, &k, &v) != 1)
		fail_msg("Store failed to store- %s:%g", k, val);
	assert_true(v == val);
	assert_int_equal(V->del(m, &k), 1);
	v = 0; /* Go returns nil: the untouched zero here */
	assert_int_equal(V->load(m, &k, &v), 0);
	assert_true(v == 0);
	assert_int_equal(V->len(m), 0);
	V->destroy(m);
}

static void TestMapClear(void **st)
{
	(void)st;
	void *m = NULL;
	assert_int_equal(V->create(&m, &gomap_type_str, &gomap_type_f64), 0);
	const char *k = "go";
	double val = 1.21, v = 0;
	assert_int_equal(V->store(m, &k, &val), 0);
	assert_int_equal(V->load(m, &k, &v), 1);
	assert_true(v == val);
	assert_int_equal(V->clear(m), 0);
	v = 0;
	if (V->load(m, &k, &v) != 0 || v != 0)
		fail_msg("Clear: failed %s:%g", k, v);
	assert_int_equal(V->len(m), 0);
	assert_int_equal(V->store(m, &k, &val), 0);
	assert_int_equal(V->load(m, &k, &v), 1);
	assert_true(v == val);
	V->destroy(m);
}

/* ---- TestConcurrentClear ------------------------------------------------------ */

struct cc_arg {
	void *m;
	int role; /* 0 store, 1 load, 2 clear */
	uint64_t k;
	int rc;
};

static void *cc_thread(void *arg)
{
	struct cc_arg *a = arg;
	uint64_t v = a->k * 10, out = 0;
	switch (a->role) {
	case 0:
		a->rc = V->store(a->m, &a->k, &v);
		break;
	case 1:
		a->rc = V->load(a->m, &a->k, &out);
		if (a->rc == 1 && out != a->k * 10)
			a->rc = -1000; /* a value that was never stored */
		break;
	default:
		a->rc = V->clear(a->m);
		break;
	}
	return NULL;
}

static void TestConcurrentClear(void **st)
{
	(void)st;
	void *m = ct_new(CT_U64);
	pthread_t t[30];
	struct cc_arg a[30];
	for (int i = 0; i < 30; i++) {
		a[i] = (struct cc_arg){m, i / 10, (uint64_t)(i % 10), 0};
		assert_int_equal(pthread_create(&t[i], NULL, cc_thread, &a[i]),
		                 0);
	}
	for (int i = 0; i < 30; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		if (a[i].role == 1)
			assert_true(a[i].rc == 0 || a[i].rc == 1);
		else
			assert_int_equal(a[i].rc, 0);
	}
	assert_int_equal(V->clear(m), 0);
	size_t calls = 0;
	assert_int_equal(V->range(m, count_fn, &calls), 0);
	if (calls)
		fail_msg("%s: after Clear, Range yielded %zu entries; want no "
		         "calls",
		         V->name, calls);
	assert_int_equal(V->len(m), 0);
	V->destroy(m);
}

/* ---- allocations: TestMapRangeNoAllocations, TestMapClearNoAllocations ---- */

/* Go's testing.AllocsPerRun(10, f): allocations per call, counted here at
 * the map's allocator hook. */
static double allocs_per_run(ct_counter *c, int runs, void (*f)(void *),
                             void *m)
{
	f(m); /* warm-up, as AllocsPerRun does */
	long before = atomic_load(&c->calls);
	for (int i = 0; i < runs; i++)
		f(m);
	return (double)(atomic_load(&c->calls) - before) / runs;
}

static void range_all(void *m)
{
	size_t n = 0;
	assert_int_equal(V->range(m, count_fn, &n), 0);
	assert_int_equal(n, 0);
}

static void clear_it(void *m)
{
	assert_int_equal(V->clear(m), 0);
}

static void TestMapRangeNoAllocations(void **st) /* Go issue 62404 */
{
	(void)st;
	ct_counter c;
	gomap_allocator a = ct_counter_init(&c, 0);
	void *m = NULL;
	assert_int_equal(ct_create_opts(&m, &gomap_type_u64, &gomap_type_u64, 0,
	                                &a),
	                 0);
	double allocs = allocs_per_run(&c, 10, range_all, m);
	if (allocs > 0)
		fail_msg("%s: AllocsPerRun of m.Range = %g; want 0", V->name,
		         allocs);
	V->destroy(m);
}

static void TestMapClearNoAllocations(void **st)
{
	(void)st;
	ct_counter c;
	gomap_allocator a = ct_counter_init(&c, 0);
	void *m = NULL;
	assert_int_equal(ct_create_opts(&m, &gomap_type_u64, &gomap_type_u64, 0,
	                                &a),
	                 0);
	double allocs = allocs_per_run(&c, 10, clear_it, m);
	if (allocs > 0)
		fail_msg("%s: AllocsPerRun of m.Clear = %g; want 0", V->name,
		         allocs);
	V->destroy(m);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(TestMapMatchesRWMutex),
	cmocka_unit_test(TestMapMatchesDeepCopy),
	cmocka_unit_test(TestConcurrentRange),
	cmocka_unit_test(TestIssue40999),
	cmocka_unit_test(TestMapRangeNestedCall),
	cmocka_unit_test(TestCompareAndSwap_NonExistingKey),
	cmocka_unit_test(TestMapDelete),
	cmocka_unit_test(TestMapClear),
	cmocka_unit_test(TestConcurrentClear),
	cmocka_unit_test(TestMapRangeNoAllocations),
	cmocka_unit_test(TestMapClearNoAllocations),
};

CT_MAIN("cmap_go_sync", tests)
