/*
 * src/rwmutex.c - the rwmutex map: a writer-preferring reader-writer lock
 * around a plain map.
 *
 * Design: load runs under the shared lock (the plain map allows any number
 * of concurrent readers); every other operation under the exclusive lock.
 * The lock is src/internal/brlock.h: per-CPU reader counts while reads
 * dominate, one central rwlock while writes are frequent, and Go's
 * RWMutex rule (a waiting writer stops new readers). Keys are hashed
 * before the lock is taken, so that the exclusive section holds only the
 * probe and the write: the plain map is created with a fixed seed
 * (gomap__map_new_seeded, as in src/shard.c), which it keeps when it
 * empties or is cleared, where a plain map would draw a new one.
 *
 * The price of writer preference is that a thread which takes the shared
 * lock twice deadlocks if a writer arrived in between; re-entry therefore
 * never locks twice:
 *  - exclusive holder running user code: @owner == its thread id (as in
 *    src/mutex.c); its calls run directly;
 *  - shared holders: a per-thread table (rd_held) lists the maps this
 *    thread holds shared, with a depth; reading calls run directly,
 *    writing calls return GOMAP_EBUSY.
 *  - update callbacks (gomap_rwmutex_update) must not call the map at all:
 *    the thread's update frames (src/internal/util.h) name the map, and a
 *    call from the callback checks them on its way to the lock (rw_rdlock,
 *    rw_wrlock) and stops with a fatal error instead of waiting for itself.
 *
 * Ordering: @owner as in src/mutex.c (only ever compared with the caller's
 * own id: relaxed). rd_held is thread-local. @len mirrors the plain map's
 * count, stored (relaxed) under the exclusive lock after each write; len()
 * reads it without locking.
 *
 * Invariants: owner != 0 implies the lock is held exclusively by `owner`;
 * a map is in this thread's rd_held iff this thread holds it shared;
 * outside a write section, len == gomap_map_len(map); a hash passed to the
 * plain map's *_h calls is gomap__map_hash of the same key. Asserted
 * (debug.h): owner and len when the lock is taken exclusively, the lock
 * held during an update, hold depths and tokens (the lock's own
 * invariants are asserted in src/brlock.c).
 */
#include <stdatomic.h>
#include <string.h>

#include <gomap/rwmutex.h>

#include "internal/brlock.h"
#include "internal/util.h"
#include "internal/probes.h"
#include "internal/cmap_impl.h"
#include "internal/debug.h"

struct gomap_rwmutex {
	/* read by every operation; written at creation (owner: only by hand) */
	gomap_map_t *map;
	_Atomic uint32_t owner; /* exclusive holder running user code, else 0 */
	const gomap_type *kt;   /* the map's own copy */
	size_t vsize;
	bool vowned; /* copied STR/BYTES values: no fast load/store */
	gomap__brlock lk;       /* its first line is read-mostly too */
	/* written by writers (the lock's tail already is) */
	_Atomic size_t len;     /* mirror of gomap_map_len(map) */
	bool has_alloc;
	gomap_allocator alloc;
};

/* ---- per-thread shared holds ----------------------------------------- */

#define RD_MAX 16

static _Thread_local struct rd_hold {
	const gomap_rwmutex_t *m;
	unsigned depth;
	int slot; /* what rw_rdlock returned */
} rd_held[RD_MAX];
static _Thread_local unsigned rd_n;

static struct rd_hold *rd_find(const gomap_rwmutex_t *m)
{
	for (unsigned i = 0; i < rd_n; i++)
		if (rd_held[i].m == m)
			return &rd_held[i];
	return NULL;
}

/* Record a shared hold; @slot: what rw_rdlock returned, for a first hold. */
static void rd_push(const gomap_rwmutex_t *m, int slot)
{
	struct rd_hold *h = rd_find(m);
	if (h) {
		h->depth++;
		return;
	}
	if (rd_n == RD_MAX)
		gomap__fatal("gomap: too many rwmutex maps read-locked by one "
		             "thread",
		             m, 0);
	/* a first hold records what rw_rdlock returned: a count or -1 */
	GOMAP_ASSERT_MAP(gomap__brlock_token_ok(&m->lk, slot), m);
	rd_held[rd_n].m = m;
	rd_held[rd_n].depth = 1;
	rd_held[rd_n].slot = slot;
	rd_n++;
}

/* Returns true when the last hold was dropped (the lock must be released,
 * with *slot). */
static bool rd_pop(const gomap_rwmutex_t *m, int *slot)
{
	struct rd_hold *h = rd_find(m);
	if (!h)
		gomap__fatal("gomap: runlock of an rwmutex map not read-locked "
		             "by this thread",
		             m, 0);
	GOMAP_ASSERT_MAP(h->depth > 0, m);
	if (--h->depth)
		return false;
	*slot = h->slot;
	*h = rd_held[--rd_n];
	return true;
}

static bool rd_held_by_me(const gomap_rwmutex_t *m)
{
	return rd_n && rd_find(m);
}

/* Relaxed loads for assertions (functions: a failed one prints readable
 * text). */
static inline uint32_t owner_now(const gomap_rwmutex_t *m)
{
	return atomic_load_explicit(&m->owner, memory_order_relaxed);
}

static inline size_t len_mirror(const gomap_rwmutex_t *m)
{
	return atomic_load_explicit(&m->len, memory_order_relaxed);
}

static bool wr_held_by_me(const gomap_rwmutex_t *m)
{
	return atomic_load_explicit(&m->owner, memory_order_relaxed) ==
	       gomap__tid();
}

static void sync_len(gomap_rwmutex_t *m)
{
	atomic_store_explicit(&m->len, gomap_map_len(m->map),
	                      memory_order_relaxed);
}

/* ---- the lock (src/internal/brlock.h) ---------------------------------- */

/* A call from inside an update callback of @m would wait for its own
 * thread: stop it first (one thread-local load when no callback runs). */
static inline void upd_guard(const gomap_rwmutex_t *m)
{
	if (GOMAP_UNLIKELY(gomap__upd_top != NULL))
		gomap__upd_check(m);
}

static inline int rw_rdlock(gomap_rwmutex_t *m)
{
	upd_guard(m);
	return gomap__brlock_rdlock(&m->lk);
}

static inline void rw_rdunlock(gomap_rwmutex_t *m, int c)
{
	gomap__brlock_rdunlock(&m->lk, c);
}

static inline void rw_wrlock(gomap_rwmutex_t *m)
{
	upd_guard(m);
	gomap__brlock_wrlock(&m->lk);
	/* Exclusive now: no user code of another holder runs, and the last
	 * writer left the mirror exact. */
	GOMAP_ASSERT_MAP(owner_now(m) == 0, m);
	GOMAP_ASSERT_MAP(len_mirror(m) == gomap_map_len(m->map), m);
}

static inline void rw_wrunlock(gomap_rwmutex_t *m)
{
	gomap__brlock_wrunlock(&m->lk);
}

static void rdlock(gomap_rwmutex_t *m) GOMAP_NO_THREAD_SAFETY_ANALYSIS
{
	rd_push(m, rw_rdlock(m));
}

static void rdunlock(gomap_rwmutex_t *m) GOMAP_NO_THREAD_SAFETY_ANALYSIS
{
	int c;
	if (rd_pop(m, &c))
		rw_rdunlock(m, c);
}

static void wrlock_owned(gomap_rwmutex_t *m) GOMAP_NO_THREAD_SAFETY_ANALYSIS
{
	rw_wrlock(m);
	atomic_store_explicit(&m->owner, gomap__tid(), memory_order_relaxed);
}

static void wrunlock_owned(gomap_rwmutex_t *m) GOMAP_NO_THREAD_SAFETY_ANALYSIS
{
	GOMAP_ASSERT_MAP(wr_held_by_me(m), m);
	sync_len(m);
	atomic_store_explicit(&m->owner, 0, memory_order_relaxed);
	rw_wrunlock(m);
}

/* ---- life cycle -------------------------------------------------------- */

GOMAP_API int gomap_rwmutex_new(gomap_rwmutex_t **out, const gomap_type *kt,
                                const gomap_type *vt,
                                const gomap_rwmutex_options *opt)
{
	if (!out)
		return GOMAP_EINVAL;
	*out = NULL;
	int rc = gomap__cm_check_types(kt, vt);
	if (rc < 0)
		return rc;
	const gomap_allocator *a = opt ? opt->alloc : NULL;
	if (gomap__cm_check_alloc(a) < 0)
		return GOMAP_EINVAL;
	gomap_rwmutex_t *m = gomap__alloc(a, sizeof(*m));
	if (!m)
		return GOMAP_ENOMEM;
	memset(m, 0, sizeof(*m));
	if (a) {
		m->alloc = *a;
		m->has_alloc = true;
	}
	m->vsize = vt->size;
	m->vowned = gomap__cm_user_owned(vt);

	const gomap_allocator *ma = m->has_alloc ? &m->alloc : NULL;
	if (gomap__brlock_init(&m->lk, ma) < 0) {
		gomap__free(a, m, sizeof(*m));
		return GOMAP_ENOMEM;
	}
	gomap_map_options mo = {.hint = opt ? opt->hint : 0, .alloc = ma};
	/* a fixed seed: keys are hashed outside the lock (see the top) */
	gomap_type ivt;
	rc = gomap__map_new_seeded(&m->map, kt, gomap__cm_inner_vt(vt, &ivt, mo.alloc), &mo,
	                           gomap__random_seed());
	if (rc < 0) {
		gomap__brlock_destroy(&m->lk, ma);
		gomap__free(a, m, sizeof(*m));
		return rc;
	}
	m->lk.trace_map = m->map;
	m->lk.rd_site = "rwmutex.run.read";
	m->lk.wr_site = "rwmutex.run.write";
	m->kt = gomap__map_key_type(m->map);
	atomic_init(&m->owner, 0);
	atomic_init(&m->len, 0);
	*out = m;
	return 0;
}

GOMAP_API void gomap_rwmutex_free(gomap_rwmutex_t *m)
{
	if (!m)
		return;
	gomap_map_free(m->map);
	gomap_allocator a = m->alloc;
	gomap__brlock_destroy(&m->lk, m->has_alloc ? &a : NULL);
	gomap__free(m->has_alloc ? &a : NULL, m, sizeof(*m));
}

/* ---- operations -------------------------------------------------------- */

static int run(gomap_rwmutex_t *m, int op, const void *key, const void *val,
               const void *val2, void *out)
{
	if (!m)
		return GOMAP_EINVAL;
	int rc = gomap__cm_check_args(op, m->kt, m->vsize, key, val, val2);
	if (rc < 0)
		return rc;
	bool ro = gomap__cm_op_reads_only(op);
	if (wr_held_by_me(m)) {
		gomap__upd_check(m);
		rc = gomap__cm_exec(m->map, op, key, val, val2, out);
		sync_len(m);
		return rc;
	}
	if (rd_held_by_me(m)) {
		if (!ro)
			return GOMAP_EBUSY;
		return gomap__cm_exec(m->map, op, key, val, val2, out);
	}
	/* hashed before the lock (see the top) */
	uint64_t h = op == GOMAP__OP_CLEAR ? 0 : gomap__map_hash(m->map, key);
	if (ro) {
		int c = rw_rdlock(m);
		rc = gomap__cm_exec_h(m->map, op, key, h, val, val2, out);
		rw_rdunlock(m, c);
		return rc;
	}
	rw_wrlock(m);
	rc = gomap__cm_exec_h(m->map, op, key, h, val, val2, out);
	sync_len(m);
	rw_wrunlock(m);
	return rc;
}

/* load, store and delete take a short path when this thread holds no lock
 * of the map: see gomap_mutex_load (src/mutex.c) for why. */
static inline bool fast_ok(const gomap_rwmutex_t *m, const void *key)
{
	return GOMAP_LIKELY(m && key && !wr_held_by_me(m) && !rd_held_by_me(m));
}

GOMAP_API int gomap_rwmutex_load(gomap_rwmutex_t *m, const void *key,
                                 void *val_out)
{
	if (fast_ok(m, key) && !m->vowned) {
		uint64_t h = gomap__map_hash(m->map, key);
		GOMAP_PROBE_OP(m->map, GOMAP_PROBE_OP_GET);
		int c = rw_rdlock(m);
		int rc = gomap__map_get_h(m->map, key, h, val_out);
		rw_rdunlock(m, c);
		return rc;
	}
	return run(m, GOMAP__OP_LOAD, key, NULL, NULL, val_out);
}

GOMAP_API int gomap_rwmutex_store(gomap_rwmutex_t *m, const void *key,
                                  const void *val)
{
	if (fast_ok(m, key) && (val || !m->vsize) && !m->vowned) {
		uint64_t h = gomap__map_hash(m->map, key);
		GOMAP_PROBE_OP(m->map, GOMAP_PROBE_OP_PUT);
		rw_wrlock(m);
		int rc = gomap__map_put_h(m->map, key, h, val);
		sync_len(m);
		rw_wrunlock(m);
		return rc < 0 ? rc : 0;
	}
	return run(m, GOMAP__OP_STORE, key, val, NULL, NULL);
}

GOMAP_API int gomap_rwmutex_load_or_store(gomap_rwmutex_t *m,
                                          const void *key, const void *val,
                                          void *actual_out)
{
	return run(m, GOMAP__OP_LOAD_OR_STORE, key, val, NULL, actual_out);
}

GOMAP_API int gomap_rwmutex_load_and_delete(gomap_rwmutex_t *m,
                                            const void *key, void *val_out)
{
	return run(m, GOMAP__OP_LOAD_AND_DELETE, key, NULL, NULL, val_out);
}

GOMAP_API int gomap_rwmutex_delete(gomap_rwmutex_t *m, const void *key)
{
	if (fast_ok(m, key)) {
		uint64_t h = gomap__map_hash(m->map, key);
		GOMAP_PROBE_OP(m->map, GOMAP_PROBE_OP_DELETE);
		rw_wrlock(m);
		int rc = gomap__map_delete_h(m->map, key, h);
		sync_len(m);
		rw_wrunlock(m);
		return rc;
	}
	return run(m, GOMAP__OP_DELETE, key, NULL, NULL, NULL);
}

GOMAP_API int gomap_rwmutex_swap(gomap_rwmutex_t *m, const void *key,
                                 const void *val, void *prev_out)
{
	return run(m, GOMAP__OP_SWAP, key, val, NULL, prev_out);
}

GOMAP_API int gomap_rwmutex_compare_and_swap(gomap_rwmutex_t *m,
                                             const void *key, const void *old,
                                             const void *new_)
{
	return run(m, GOMAP__OP_CAS, key, old, new_, NULL);
}

GOMAP_API int gomap_rwmutex_compare_and_delete(gomap_rwmutex_t *m,
                                               const void *key,
                                               const void *old)
{
	return run(m, GOMAP__OP_CAD, key, old, NULL, NULL);
}

GOMAP_API int gomap_rwmutex_clear(gomap_rwmutex_t *m)
{
	return run(m, GOMAP__OP_CLEAR, NULL, NULL, NULL, NULL);
}

GOMAP_API size_t gomap_rwmutex_len(gomap_rwmutex_t *m)
{
	return m ? atomic_load_explicit(&m->len, memory_order_relaxed) : 0;
}

GOMAP_API int gomap_rwmutex_range(gomap_rwmutex_t *m, gomap_range_fn fn,
                                  void *ctx)
{
	if (!m || !fn)
		return GOMAP_EINVAL;
	if (wr_held_by_me(m) || rd_held_by_me(m)) {
		gomap__upd_check(m);
		return gomap__cm_range(m->map, fn, ctx);
	}
	rdlock(m);
	int rc = gomap__cm_range(m->map, fn, ctx);
	rdunlock(m);
	return rc;
}

GOMAP_API int gomap_rwmutex_atomic(gomap_rwmutex_t *m, gomap_atomic_fn fn,
                                   void *ctx)
{
	if (!m || !fn)
		return GOMAP_EINVAL;
	/* owned values: the plain map holds the map's own copies (cmap.h) */
	if (m->vowned)
		return GOMAP_ENOTSUP;
	if (wr_held_by_me(m)) {
		gomap__upd_check(m);
		int rc = fn(m->map, ctx);
		sync_len(m);
		return rc;
	}
	if (rd_held_by_me(m))
		return GOMAP_EBUSY;
	wrlock_owned(m);
	int rc = fn(m->map, ctx);
	wrunlock_owned(m);
	return rc;
}

/*
 * update: the write lock, without @owner (it shares a line with what
 * every reader reads, and only hand-locked sections write it). A call
 * from the callback checks this thread's update frames on its way to the
 * lock (rw_rdlock, rw_wrlock), before it would wait for itself;
 * inside an atomic section (@owner set) the re-entry branches check them.
 */
GOMAP_API int gomap_rwmutex_update(gomap_rwmutex_t *m, const void *key,
                                   gomap_update_fn fn, void *ctx)
{
	if (!m || !fn || gomap__cm_check_key(m->kt, key) < 0)
		return GOMAP_EINVAL;
	const gomap_allocator *a = m->has_alloc ? &m->alloc : NULL;
	struct gomap__upd_frame f;
	int rc;
	if (GOMAP_UNLIKELY(wr_held_by_me(m))) {
		gomap__upd_check(m);
		gomap__upd_enter(&f, m);
		rc = gomap__cm_update_h(m->map, key, gomap__map_hash(m->map, key),
		                        fn, ctx, a);
		gomap__upd_leave(&f);
		sync_len(m);
		return rc;
	}
	if (GOMAP_UNLIKELY(rd_held_by_me(m)))
		return GOMAP_EBUSY; /* no upgrade of a shared hold (see top) */
	uint64_t h = gomap__map_hash(m->map, key);
	rw_wrlock(m);
	GOMAP_ASSERT_MAP(gomap__brlock_wr_held(&m->lk), m);
	gomap__upd_enter(&f, m);
	rc = gomap__cm_update_h(m->map, key, h, fn, ctx, a);
	gomap__upd_leave(&f);
	sync_len(m);
	rw_wrunlock(m);
	return rc;
}

GOMAP_API int gomap_rwmutex_atomic_read(gomap_rwmutex_t *m,
                                        gomap_atomic_read_fn fn, void *ctx)
{
	if (!m || !fn)
		return GOMAP_EINVAL;
	if (wr_held_by_me(m) || rd_held_by_me(m)) {
		gomap__upd_check(m);
		return fn(m->map, ctx);
	}
	rdlock(m);
	int rc = fn(m->map, ctx);
	rdunlock(m);
	return rc;
}

/* ---- locking by hand ------------------------------------------------- */

GOMAP_API void gomap_rwmutex_lock(gomap_rwmutex_t *m)
	GOMAP_NO_THREAD_SAFETY_ANALYSIS
{
	if (!m)
		return;
	if (wr_held_by_me(m) || rd_held_by_me(m)) {
		gomap__upd_check(m);
		gomap__fatal("gomap: recursive lock of an rwmutex map", m, 0);
	}
	wrlock_owned(m);
}

GOMAP_API void gomap_rwmutex_unlock(gomap_rwmutex_t *m)
	GOMAP_NO_THREAD_SAFETY_ANALYSIS
{
	if (!m)
		return;
	gomap__upd_check(m);
	if (!wr_held_by_me(m))
		gomap__fatal("gomap: unlock of an rwmutex map not locked by "
		             "this thread",
		             m, 0);
	wrunlock_owned(m);
}

GOMAP_API void gomap_rwmutex_rlock(gomap_rwmutex_t *m)
	GOMAP_NO_THREAD_SAFETY_ANALYSIS
{
	if (!m)
		return;
	if (wr_held_by_me(m)) {
		gomap__upd_check(m);
		gomap__fatal("gomap: rlock of an rwmutex map this thread has "
		             "locked",
		             m, 0);
	}
	if (rd_held_by_me(m)) {
		rd_push(m, -1); /* recursive: never lock twice (see top) */
		return;
	}
	rdlock(m);
}

GOMAP_API void gomap_rwmutex_runlock(gomap_rwmutex_t *m)
	GOMAP_NO_THREAD_SAFETY_ANALYSIS
{
	if (!m)
		return;
	rdunlock(m);
}

GOMAP_API gomap_map_t *gomap_rwmutex_map(gomap_rwmutex_t *m)
	GOMAP_NO_THREAD_SAFETY_ANALYSIS
{
	return m ? m->map : NULL;
}

GOMAP_API const gomap_map_t *gomap_rwmutex_map_read(gomap_rwmutex_t *m)
	GOMAP_NO_THREAD_SAFETY_ANALYSIS
{
	return m ? m->map : NULL;
}

/* ---- cmap ops table -------------------------------------------------- */

GOMAP__DEFINE_CMAP_OPS(rwmutex);
