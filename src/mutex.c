/*
 * src/mutex.c - the mutex map: one pthread mutex around a plain map.
 *
 * Design: every operation locks, runs gomap__cm_exec on the plain map and
 * unlocks, so operations are linearizable at their critical sections.
 * Values are copied in and out inside the critical section.
 *
 * Re-entry: user code that runs under the lock (range callbacks, atomic
 * sections, hand-locked regions) may call the map again. @owner records
 * the thread id of the holder while such user code can run; a call that
 * finds its own id there is already inside the critical section and runs
 * directly. Plain operations do not set @owner: no user code of theirs can
 * call back (descriptor callbacks must not touch the map, see cmap.h).
 * update sets it too, and marks the map in this thread's update frames
 * (gomap__upd_enter, src/internal/util.h): its callback must not call the
 * map (the slot it works on would move), so every re-entry branch checks
 * the frames first and reports such a call as a fatal error.
 *
 * Ordering: @owner is only compared with the caller's own id. A thread
 * sees its own id there only between its own store of it and its own
 * store of 0 (program order), so relaxed accesses suffice; other threads
 * may read any stale value, never their own id. @len mirrors
 * gomap_map_len(map) and is stored (relaxed) under the lock after each
 * write, so len() needs no lock: it returns the count after some write
 * that completed (or is completing) when it ran, which linearizes writes
 * at their mirror update.
 *
 * Invariants: owner != 0 implies the mutex is held by thread `owner`;
 * outside a critical section, len == gomap_map_len(map). Both are asserted
 * (debug.h) whenever the lock is acquired and when an owner unlocks.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include <gomap/mutex.h>

#include "internal/lock.h"
#include "internal/util.h"
#include "internal/probes.h"
#include "internal/cmap_impl.h"
#include "internal/debug.h"

struct gomap_mutex {
	pthread_mutex_t mu;
	_Atomic uint32_t owner; /* holder running user code, else 0 */
	_Atomic size_t len;     /* mirror of gomap_map_len(map) */
	gomap_map_t *map;
	const gomap_type *kt; /* the map's own copy */
	size_t vsize;
	bool vowned; /* copied STR/BYTES values: no fast load/store */
	bool has_alloc;
	gomap_allocator alloc; /* copy of the user's hook; map points here */
};

static const gomap_allocator *mutex_alloc(const gomap_mutex_t *m)
{
	return m->has_alloc ? &m->alloc : NULL;
}

static bool held_by_me(const gomap_mutex_t *m)
{
	return atomic_load_explicit(&m->owner, memory_order_relaxed) ==
	       gomap__tid();
}

static void sync_len(gomap_mutex_t *m)
{
	atomic_store_explicit(&m->len, gomap_map_len(m->map),
	                      memory_order_relaxed);
}

/* Just acquired: nobody's user code runs under the lock (owner is cleared
 * before every unlock), and the last holder left the mirror exact. (The
 * loads are functions so that a failed assertion prints readable text.) */
static inline uint32_t owner_now(const gomap_mutex_t *m)
{
	return atomic_load_explicit(&m->owner, memory_order_relaxed);
}

static inline size_t len_mirror(const gomap_mutex_t *m)
{
	return atomic_load_explicit(&m->len, memory_order_relaxed);
}

static inline void assert_acquired(const gomap_mutex_t *m)
{
	GOMAP_ASSERT_MAP(owner_now(m) == 0, m);
	GOMAP_ASSERT_MAP(len_mirror(m) == gomap_map_len(m->map), m);
}

/* Lock and mark this thread as the holder, for re-entry from user code. */
static void lock_owned(gomap_mutex_t *m) GOMAP_NO_THREAD_SAFETY_ANALYSIS
{
	GOMAP_PROBE_TIMED_LOCK(m->map, "mutex.lock", pthread_mutex_trylock(&m->mu) == 0,
	                       pthread_mutex_lock(&m->mu));
	assert_acquired(m);
	atomic_store_explicit(&m->owner, gomap__tid(), memory_order_relaxed);
}

static void unlock_owned(gomap_mutex_t *m) GOMAP_NO_THREAD_SAFETY_ANALYSIS
{
	GOMAP_ASSERT_MAP(held_by_me(m), m);
	sync_len(m);
	atomic_store_explicit(&m->owner, 0, memory_order_relaxed);
	pthread_mutex_unlock(&m->mu);
}

GOMAP_API int gomap_mutex_new(gomap_mutex_t **out, const gomap_type *kt,
                              const gomap_type *vt,
                              const gomap_mutex_options *opt)
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
	gomap_mutex_t *m = gomap__alloc(a, sizeof(*m));
	if (!m)
		return GOMAP_ENOMEM;
	memset(m, 0, sizeof(*m));
	if (a) {
		m->alloc = *a;
		m->has_alloc = true;
	}
	m->vsize = vt->size;
	m->vowned = gomap__cm_user_owned(vt);
	gomap_type ivt;
	vt = gomap__cm_inner_vt(vt, &ivt, mutex_alloc(m));
	if (pthread_mutex_init(&m->mu, NULL) != 0) {
		gomap__free(a, m, sizeof(*m));
		return GOMAP_ENOMEM;
	}
	gomap_map_options mo = {.hint = opt ? opt->hint : 0,
	                        .alloc = mutex_alloc(m)};
	rc = gomap_map_new_opts(&m->map, kt, vt, &mo);
	if (rc < 0) {
		pthread_mutex_destroy(&m->mu);
		gomap__free(a, m, sizeof(*m));
		return rc;
	}
	m->kt = gomap__map_key_type(m->map);
	atomic_init(&m->owner, 0);
	atomic_init(&m->len, 0);
	*out = m;
	return 0;
}

GOMAP_API void gomap_mutex_free(gomap_mutex_t *m)
{
	if (!m)
		return;
	gomap_map_free(m->map);
	pthread_mutex_destroy(&m->mu);
	gomap_allocator a = m->alloc;
	gomap__free(m->has_alloc ? &a : NULL, m, sizeof(*m));
}

/* Lock for one operation of this file: no user code runs under it. */
static inline void op_lock(gomap_mutex_t *m)
{
	GOMAP_PROBE_TIMED_LOCK(m->map, "mutex.run", pthread_mutex_trylock(&m->mu) == 0,
	                       GOMAP__LOCK_PATIENTLY(pthread_mutex_trylock(&m->mu) == 0,
	                                             pthread_mutex_lock(&m->mu)));
	assert_acquired(m);
}

static int run(gomap_mutex_t *m, int op, const void *key, const void *val,
               const void *val2, void *out)
{
	if (!m)
		return GOMAP_EINVAL;
	int rc = gomap__cm_check_args(op, m->kt, m->vsize, key, val, val2);
	if (rc < 0)
		return rc;
	if (held_by_me(m)) { /* re-entry from user code under our lock */
		gomap__upd_check(m);
		rc = gomap__cm_exec(m->map, op, key, val, val2, out);
		sync_len(m);
		return rc;
	}
	op_lock(m);
	rc = gomap__cm_exec(m->map, op, key, val, val2, out);
	if (!gomap__cm_op_reads_only(op))
		sync_len(m);
	pthread_mutex_unlock(&m->mu);
	return rc;
}

/*
 * load, store and delete take a short path when no atomic section of this
 * thread holds the lock: straight to the plain map's own entry points, which
 * check the key as run() does. Why: an operation waits on cache misses, and
 * with a path of ~200 instructions instead of ~400 the CPU starts the next
 * operation's misses while this one's are still in flight.
 */
static inline bool fast_ok(const gomap_mutex_t *m, const void *key)
{
	return GOMAP_LIKELY(m && key && !held_by_me(m));
}

GOMAP_API int gomap_mutex_load(gomap_mutex_t *m, const void *key,
                               void *val_out)
{
	if (fast_ok(m, key) && !m->vowned) {
		op_lock(m);
		int rc = gomap_map_get(m->map, key, val_out);
		pthread_mutex_unlock(&m->mu);
		return rc;
	}
	return run(m, GOMAP__OP_LOAD, key, NULL, NULL, val_out);
}

GOMAP_API int gomap_mutex_store(gomap_mutex_t *m, const void *key,
                                const void *val)
{
	if (fast_ok(m, key) && (val || !m->vsize) && !m->vowned) {
		op_lock(m);
		int rc = gomap_map_put(m->map, key, val);
		sync_len(m);
		pthread_mutex_unlock(&m->mu);
		return rc < 0 ? rc : 0;
	}
	return run(m, GOMAP__OP_STORE, key, val, NULL, NULL);
}

GOMAP_API int gomap_mutex_load_or_store(gomap_mutex_t *m, const void *key,
                                        const void *val, void *actual_out)
{
	return run(m, GOMAP__OP_LOAD_OR_STORE, key, val, NULL, actual_out);
}

GOMAP_API int gomap_mutex_load_and_delete(gomap_mutex_t *m, const void *key,
                                          void *val_out)
{
	return run(m, GOMAP__OP_LOAD_AND_DELETE, key, NULL, NULL, val_out);
}

GOMAP_API int gomap_mutex_delete(gomap_mutex_t *m, const void *key)
{
	if (fast_ok(m, key)) {
		op_lock(m);
		int rc = gomap_map_delete(m->map, key);
		sync_len(m);
		pthread_mutex_unlock(&m->mu);
		return rc;
	}
	return run(m, GOMAP__OP_DELETE, key, NULL, NULL, NULL);
}

GOMAP_API int gomap_mutex_swap(gomap_mutex_t *m, const void *key,
                               const void *val, void *prev_out)
{
	return run(m, GOMAP__OP_SWAP, key, val, NULL, prev_out);
}

GOMAP_API int gomap_mutex_compare_and_swap(gomap_mutex_t *m, const void *key,
                                           const void *old, const void *new_)
{
	return run(m, GOMAP__OP_CAS, key, old, new_, NULL);
}

GOMAP_API int gomap_mutex_compare_and_delete(gomap_mutex_t *m,
                                             const void *key,
                                             const void *old)
{
	return run(m, GOMAP__OP_CAD, key, old, NULL, NULL);
}

GOMAP_API int gomap_mutex_clear(gomap_mutex_t *m)
{
	return run(m, GOMAP__OP_CLEAR, NULL, NULL, NULL, NULL);
}

GOMAP_API size_t gomap_mutex_len(gomap_mutex_t *m)
{
	return m ? atomic_load_explicit(&m->len, memory_order_relaxed) : 0;
}

GOMAP_API int gomap_mutex_range(gomap_mutex_t *m, gomap_range_fn fn,
                                void *ctx)
{
	if (!m || !fn)
		return GOMAP_EINVAL;
	if (held_by_me(m)) {
		gomap__upd_check(m);
		return gomap__cm_range(m->map, fn, ctx);
	}
	lock_owned(m);
	int rc = gomap__cm_range(m->map, fn, ctx);
	unlock_owned(m);
	return rc;
}

GOMAP_API int gomap_mutex_atomic(gomap_mutex_t *m, gomap_atomic_fn fn,
                                 void *ctx)
{
	if (!m || !fn)
		return GOMAP_EINVAL;
	/* owned values: the plain map holds the map's own copies (cmap.h) */
	if (m->vowned)
		return GOMAP_ENOTSUP;
	if (held_by_me(m)) {
		gomap__upd_check(m);
		int rc = fn(m->map, ctx);
		sync_len(m);
		return rc;
	}
	lock_owned(m);
	int rc = fn(m->map, ctx);
	unlock_owned(m);
	return rc;
}

/*
 * update runs like an atomic section (owner set, so that a call from @fn
 * takes the re-entry branches above), with this map marked as updated by
 * this thread, which those branches turn into the fatal error.
 */
static int update_held(gomap_mutex_t *m, const void *key,
                       gomap_update_fn fn, void *ctx)
{
	GOMAP_ASSERT_MAP(held_by_me(m), m);
	struct gomap__upd_frame f;
	gomap__upd_enter(&f, m);
	int rc = gomap__cm_update_h(m->map, key, gomap__map_hash(m->map, key),
	                            fn, ctx, mutex_alloc(m));
	gomap__upd_leave(&f);
	return rc;
}

GOMAP_API int gomap_mutex_update(gomap_mutex_t *m, const void *key,
                                 gomap_update_fn fn, void *ctx)
{
	if (!m || !fn || gomap__cm_check_key(m->kt, key) < 0)
		return GOMAP_EINVAL;
	if (held_by_me(m)) { /* inside an atomic section or range of m */
		gomap__upd_check(m);
		int rc = update_held(m, key, fn, ctx);
		sync_len(m);
		return rc;
	}
	op_lock(m);
	atomic_store_explicit(&m->owner, gomap__tid(), memory_order_relaxed);
	int rc = update_held(m, key, fn, ctx);
	unlock_owned(m);
	return rc;
}

/* ---- locking by hand ------------------------------------------------- */

GOMAP_API void gomap_mutex_lock(gomap_mutex_t *m)
	GOMAP_NO_THREAD_SAFETY_ANALYSIS
{
	if (!m)
		return;
	if (held_by_me(m)) {
		gomap__upd_check(m);
		gomap__fatal("gomap: recursive lock of a mutex map", m, 0);
	}
	lock_owned(m);
}

GOMAP_API bool gomap_mutex_trylock(gomap_mutex_t *m)
	GOMAP_NO_THREAD_SAFETY_ANALYSIS
{
	if (!m)
		return false;
	if (held_by_me(m)) {
		gomap__upd_check(m);
		return false;
	}
	if (pthread_mutex_trylock(&m->mu) != 0)
		return false;
	assert_acquired(m);
	atomic_store_explicit(&m->owner, gomap__tid(), memory_order_relaxed);
	return true;
}

GOMAP_API void gomap_mutex_unlock(gomap_mutex_t *m)
	GOMAP_NO_THREAD_SAFETY_ANALYSIS
{
	if (!m)
		return;
	gomap__upd_check(m);
	if (!held_by_me(m))
		gomap__fatal("gomap: unlock of a mutex map not locked by this "
		             "thread",
		             m, 0);
	unlock_owned(m);
}

GOMAP_API gomap_map_t *gomap_mutex_map(gomap_mutex_t *m)
	GOMAP_NO_THREAD_SAFETY_ANALYSIS
{
	return m ? m->map : NULL;
}

/* ---- cmap ops table -------------------------------------------------- */

GOMAP__DEFINE_CMAP_OPS(mutex);
