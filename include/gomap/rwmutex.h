/*
 * gomap/rwmutex.h - a plain map behind a reader-writer lock: Go's `map` +
 * `sync.RWMutex`.
 *
 * load and len run concurrently with each other (shared lock; len takes no
 * lock at all); every other operation takes the lock exclusively. Every
 * operation is atomic (linearizable). Values are copied in and out under the
 * lock.
 *
 * Fairness (Go's RWMutex rule): once a writer waits, new readers wait
 * behind it, so a steady stream of overlapping readers cannot starve
 * writers. (glibc's default rwlock prefers readers; this map asks for
 * PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP.)
 *
 * Re-entry: a thread holding the lock exclusively (inside
 * gomap_rwmutex_atomic's callback, or between gomap_rwmutex_lock and
 * unlock) may call any gomap_rwmutex_* operation on the same map; it is
 * served directly. A thread holding it shared (inside gomap_rwmutex_range's
 * or gomap_rwmutex_atomic_read's callback, or between rlock and runlock)
 * may call the reading operations (load, len, range, atomic_read, rlock);
 * the writing ones return GOMAP_EBUSY there, because upgrading a shared
 * lock deadlocks as soon as two readers try it. gomap_rwmutex_lock while
 * holding the lock is a fatal error. A thread may hold the shared lock of
 * at most 16 distinct rwmutex maps at once (fatal error beyond).
 *
 * Synchronization table (same map; "ok": may overlap from different
 * threads, "x": one waits for the other):
 *                  load/len   range   atomic_read   other ops   atomic
 *   load/len       ok         ok      ok            x           x
 *   range          ok         ok      ok            x           x
 *   other ops      x          x       x             x           x
 * gomap_rwmutex_free must not overlap anything.
 */
#ifndef GOMAP_RWMUTEX_H
#define GOMAP_RWMUTEX_H

#include "annotations.h"
#include "map.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct GOMAP_CAPABILITY("gomap_rwmutex") gomap_rwmutex
	gomap_rwmutex_t;

/* Options; zero-initialise (or pass NULL) for the defaults. */
typedef struct gomap_rwmutex_options {
	GOMAP_OPTIONS_BASE; /* hint (see cmap.h for bogus and huge hints),
	                       alloc (thread-safe): common.h */
} gomap_rwmutex_options;

/* gomap_rwmutex_new - create an empty map (see gomap_mutex_new). */
GOMAP_API int gomap_rwmutex_new(gomap_rwmutex_t **out, const gomap_type *kt,
                                const gomap_type *vt,
                                const gomap_rwmutex_options *opt);
GOMAP_API void gomap_rwmutex_free(gomap_rwmutex_t *m);

/* The operations of cmap.h; return values and outputs (on a hit, a miss,
 * an error) as documented there. Writing operations return GOMAP_EBUSY
 * from a thread that holds the shared lock. */
GOMAP_API int gomap_rwmutex_load(gomap_rwmutex_t *m, const void *key,
                                 void *val_out);
GOMAP_API int gomap_rwmutex_store(gomap_rwmutex_t *m, const void *key,
                                  const void *val);
GOMAP_API int gomap_rwmutex_load_or_store(gomap_rwmutex_t *m,
                                          const void *key, const void *val,
                                          void *actual_out);
GOMAP_API int gomap_rwmutex_load_and_delete(gomap_rwmutex_t *m,
                                            const void *key, void *val_out);
GOMAP_API int gomap_rwmutex_delete(gomap_rwmutex_t *m, const void *key);
GOMAP_API int gomap_rwmutex_swap(gomap_rwmutex_t *m, const void *key,
                                 const void *val, void *prev_out);
GOMAP_API int gomap_rwmutex_compare_and_swap(gomap_rwmutex_t *m,
                                             const void *key, const void *old,
                                             const void *new_);
GOMAP_API int gomap_rwmutex_compare_and_delete(gomap_rwmutex_t *m,
                                               const void *key,
                                               const void *old);
/*
 * gomap_rwmutex_range - call @fn for each entry under the shared lock: the
 * entries seen are one consistent snapshot, and other readers run
 * meanwhile. @key and @val point into the map (read-only). @fn may call
 * the reading operations on @m; writing ones return GOMAP_EBUSY (to
 * modify while iterating, use gomap_rwmutex_atomic with gomap_map_range).
 * Writers wait until the range ends. Returns 0 or GOMAP_EINVAL.
 */
GOMAP_API int gomap_rwmutex_range(gomap_rwmutex_t *m, gomap_range_fn fn,
                                  void *ctx);
/* gomap_rwmutex_len - entries, without locking (exact as of the last
 * completed write); 0 for NULL. */
GOMAP_API size_t gomap_rwmutex_len(gomap_rwmutex_t *m);
GOMAP_API int gomap_rwmutex_clear(gomap_rwmutex_t *m);

/*
 * gomap_rwmutex_update - atomic read-modify-write of one key (cmap.h): @fn
 * runs under the exclusive lock, sees the current value (or its absence)
 * and decides to keep, set or delete (gomap_update_fn). Returns 1 (the key
 * was present), 0 (absent), GOMAP_EINVAL, GOMAP_ENOMEM (map unchanged), or
 * GOMAP_EBUSY from a thread that holds the shared lock. @fn must not call
 * @m (fatal error).
 */
GOMAP_API int gomap_rwmutex_update(gomap_rwmutex_t *m, const void *key,
                                   gomap_update_fn fn, void *ctx);

/* gomap_rwmutex_atomic - run @fn(map, @ctx) under the exclusive lock.
 * Returns @fn's value, GOMAP_EINVAL, GOMAP_EBUSY (shared lock held), or
 * GOMAP_ENOTSUP (owned str/bytes values, see cmap.h: @fn not called). */
GOMAP_API int gomap_rwmutex_atomic(gomap_rwmutex_t *m, gomap_atomic_fn fn,
                                   void *ctx);
/* gomap_rwmutex_atomic_read - run @fn(map, @ctx) under the shared lock:
 * a consistent read of several keys, concurrent with other readers. */
GOMAP_API int gomap_rwmutex_atomic_read(gomap_rwmutex_t *m,
                                        gomap_atomic_read_fn fn, void *ctx);

/* ---- locking by hand ----------------------------------------------------
 * gomap_rwmutex_map() needs the exclusive lock, gomap_rwmutex_map_read()
 * at least the shared one; clang -Wthread-safety warns otherwise. rlock is
 * recursive per thread; lock is not (fatal error). Unlocking what this
 * thread does not hold is a fatal error. NULL: no-op. */
GOMAP_API void gomap_rwmutex_lock(gomap_rwmutex_t *m) GOMAP_ACQUIRE(m);
GOMAP_API void gomap_rwmutex_unlock(gomap_rwmutex_t *m) GOMAP_RELEASE(m);
GOMAP_API void gomap_rwmutex_rlock(gomap_rwmutex_t *m)
	GOMAP_ACQUIRE_SHARED(m);
GOMAP_API void gomap_rwmutex_runlock(gomap_rwmutex_t *m)
	GOMAP_RELEASE_SHARED(m);
GOMAP_API gomap_map_t *gomap_rwmutex_map(gomap_rwmutex_t *m)
	GOMAP_REQUIRES(m);
GOMAP_API const gomap_map_t *gomap_rwmutex_map_read(gomap_rwmutex_t *m)
	GOMAP_REQUIRES_SHARED(m);

#ifdef __cplusplus
}
#endif
#endif /* GOMAP_RWMUTEX_H */
