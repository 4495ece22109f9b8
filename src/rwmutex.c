/*
 * src/rwmutex.c - the rwmutex map: a writer-preferring pthread rwlock
 * around a plain map.
 *
 * Design: load runs gomap__cm_exec under the shared lock (the plain map
 * allows any number of concurrent readers); every other operation under the
 * exclusive lock. The lock is created with
 * PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP: a waiting writer blocks new
 * readers (Go's RWMutex rule), so writers are not starved by overlapping
 * readers. The price of that kind is that a thread which takes the shared
 * lock twice deadlocks if a writer arrived in between; re-entry therefore
 * never locks twice:
 *  - exclusive holder running user code: @owner == its thread id (as in
 *    src/mutex.c); its calls run directly;
 *  - shared holders: a per-thread table (rd_held) lists the maps this
 *    thread holds shared, with a depth; reading calls run directly,
 *    writing calls return GOMAP_EBUSY.
 *
 * Ordering: @owner as in src/mutex.c (only ever compared with the caller's
 * own id: relaxed). rd_held is thread-local. @len mirrors the plain map's
 * count, stored (relaxed) under the exclusive lock after each write; len()
 * reads it without locking.
 *
 * Invariants: owner != 0 implies the lock is held exclusively by `owner`;
 * a map is in this thread's rd_held iff this thread holds it shared;
 * outside a write section, len == gomap_map_len(map).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include <gomap/rwmutex.h>

#include "internal/lock.h"
#include "internal/util.h"
#include "internal/probes.h"
#include "internal/cmap_impl.h"

struct gomap_rwmutex {
	pthread_rwlock_t rw;
	_Atomic uint32_t owner; /* exclusive holder running user code, else 0 */
	_Atomic size_t len;     /* mirror of gomap_map_len(map) */
	gomap_map_t *map;
	const gomap_type *kt; /* the map's own copy */
	size_t vsize;
	bool has_alloc;
	gomap_allocator alloc;
};

/* ---- per-thread shared holds ----------------------------------------- */

#define RD_MAX 16

static _Thread_local struct rd_hold {
	const gomap_rwmutex_t *m;
	unsigned depth;
} rd_held[RD_MAX];
static _Thread_local unsigned rd_n;

static struct rd_hold *rd_find(const gomap_rwmutex_t *m)
{
	for (unsigned i = 0; i < rd_n; i++)
		if (rd_held[i].m == m)
			return &rd_held[i];
	return NULL;
}

static void rd_push(const gomap_rwmutex_t *m)
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
	rd_held[rd_n].m = m;
	rd_held[rd_n].depth = 1;
	rd_n++;
}

/* Returns true when the last hold was dropped (the lock must be released). */
static bool rd_pop(const gomap_rwmutex_t *m)
{
	struct rd_hold *h = rd_find(m);
	if (!h)
		gomap__fatal("gomap: runlock of an rwmutex map not read-locked "
		             "by this thread",
		             m, 0);
	if (--h->depth)
		return false;
	*h = rd_held[--rd_n];
	return true;
}

static bool rd_held_by_me(const gomap_rwmutex_t *m)
{
	return rd_n && rd_find(m);
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

static void rdlock(gomap_rwmutex_t *m) GOMAP_NO_THREAD_SAFETY_ANALYSIS
{
	pthread_rwlock_rdlock(&m->rw);
	rd_push(m);
}

static void rdunlock(gomap_rwmutex_t *m) GOMAP_NO_THREAD_SAFETY_ANALYSIS
{
	if (rd_pop(m))
		pthread_rwlock_unlock(&m->rw);
}

static void wrlock_owned(gomap_rwmutex_t *m) GOMAP_NO_THREAD_SAFETY_ANALYSIS
{
	pthread_rwlock_wrlock(&m->rw);
	atomic_store_explicit(&m->owner, gomap__tid(), memory_order_relaxed);
}

static void wrunlock_owned(gomap_rwmutex_t *m) GOMAP_NO_THREAD_SAFETY_ANALYSIS
{
	sync_len(m);
	atomic_store_explicit(&m->owner, 0, memory_order_relaxed);
	pthread_rwlock_unlock(&m->rw);
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
	gomap_rwmutex_t *m = gomap__alloc(a, sizeof(*m));
	if (!m)
		return GOMAP_ENOMEM;
	memset(m, 0, sizeof(*m));
	if (a) {
		m->alloc = *a;
		m->has_alloc = true;
	}
	m->vsize = vt->size;

	pthread_rwlockattr_t attr;
	if (pthread_rwlockattr_init(&attr) != 0)
		goto fail_free;
	pthread_rwlockattr_setkind_np(
		&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	rc = pthread_rwlock_init(&m->rw, &attr);
	pthread_rwlockattr_destroy(&attr);
	if (rc != 0)
		goto fail_free;

	gomap_map_options mo = {.hint = opt ? opt->hint : 0,
	                        .alloc = m->has_alloc ? &m->alloc : NULL};
	rc = gomap_map_new_opts(&m->map, kt, vt, &mo);
	if (rc < 0) {
		pthread_rwlock_destroy(&m->rw);
		gomap__free(a, m, sizeof(*m));
		return rc;
	}
	m->kt = gomap__map_key_type(m->map);
	atomic_init(&m->owner, 0);
	atomic_init(&m->len, 0);
	*out = m;
	return 0;

fail_free:
	gomap__free(a, m, sizeof(*m));
	return GOMAP_ENOMEM;
}

GOMAP_API void gomap_rwmutex_free(gomap_rwmutex_t *m)
{
	if (!m)
		return;
	gomap_map_free(m->map);
	pthread_rwlock_destroy(&m->rw);
	gomap_allocator a = m->alloc;
	gomap__free(m->has_alloc ? &a : NULL, m, sizeof(*m));
}

/* ---- operations -------------------------------------------------------- */

/* Locks for one operation of this file: no user code runs under them. */
static inline void op_rdlock(gomap_rwmutex_t *m)
{
	GOMAP_PROBE_TIMED_LOCK(m->map, "rwmutex.run.read",
	                       pthread_rwlock_tryrdlock(&m->rw) == 0,
	                       GOMAP__LOCK_PATIENTLY(pthread_rwlock_tryrdlock(&m->rw) == 0,
	                                             pthread_rwlock_rdlock(&m->rw)));
}

static inline void op_wrlock(gomap_rwmutex_t *m)
{
	GOMAP_PROBE_TIMED_LOCK(m->map, "rwmutex.run.write", pthread_rwlock_trywrlock(&m->rw) == 0,
	                       GOMAP__LOCK_PATIENTLY(pthread_rwlock_trywrlock(&m->rw) == 0,
	                                             pthread_rwlock_wrlock(&m->rw)));
}

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
		rc = gomap__cm_exec(m->map, op, key, val, val2, out);
		sync_len(m);
		return rc;
	}
	if (rd_held_by_me(m)) {
		if (!ro)
			return GOMAP_EBUSY;
		return gomap__cm_exec(m->map, op, key, val, val2, out);
	}
	if (ro) {
		op_rdlock(m);
		rc = gomap__cm_exec(m->map, op, key, val, val2, out);
		pthread_rwlock_unlock(&m->rw);
		return rc;
	}
	op_wrlock(m);
	rc = gomap__cm_exec(m->map, op, key, val, val2, out);
	sync_len(m);
	pthread_rwlock_unlock(&m->rw);
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
	if (fast_ok(m, key)) {
		op_rdlock(m);
		int rc = gomap_map_get(m->map, key, val_out);
		pthread_rwlock_unlock(&m->rw);
		return rc;
	}
	return run(m, GOMAP__OP_LOAD, key, NULL, NULL, val_out);
}

GOMAP_API int gomap_rwmutex_store(gomap_rwmutex_t *m, const void *key,
                                  const void *val)
{
	if (fast_ok(m, key) && (val || !m->vsize)) {
		op_wrlock(m);
		int rc = gomap_map_put(m->map, key, val);
		sync_len(m);
		pthread_rwlock_unlock(&m->rw);
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
		op_wrlock(m);
		int rc = gomap_map_delete(m->map, key);
		sync_len(m);
		pthread_rwlock_unlock(&m->rw);
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
	if (wr_held_by_me(m) || rd_held_by_me(m))
		return gomap_map_range(m->map, fn, ctx);
	rdlock(m);
	int rc = gomap_map_range(m->map, fn, ctx);
	rdunlock(m);
	return rc;
}

GOMAP_API int gomap_rwmutex_atomic(gomap_rwmutex_t *m, gomap_atomic_fn fn,
                                   void *ctx)
{
	if (!m || !fn)
		return GOMAP_EINVAL;
	if (wr_held_by_me(m)) {
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

GOMAP_API int gomap_rwmutex_atomic_read(gomap_rwmutex_t *m,
                                        gomap_atomic_read_fn fn, void *ctx)
{
	if (!m || !fn)
		return GOMAP_EINVAL;
	if (wr_held_by_me(m) || rd_held_by_me(m))
		return fn(m->map, ctx);
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
	if (wr_held_by_me(m) || rd_held_by_me(m))
		gomap__fatal("gomap: recursive lock of an rwmutex map", m, 0);
	wrlock_owned(m);
}

GOMAP_API void gomap_rwmutex_unlock(gomap_rwmutex_t *m)
	GOMAP_NO_THREAD_SAFETY_ANALYSIS
{
	if (!m)
		return;
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
	if (wr_held_by_me(m))
		gomap__fatal("gomap: rlock of an rwmutex map this thread has "
		             "locked",
		             m, 0);
	if (rd_held_by_me(m)) {
		rd_push(m); /* recursive: never lock twice (see top) */
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
