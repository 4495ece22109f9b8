/*
 * gomap/mutex.h - a plain map behind one mutex: Go's `map` + `sync.Mutex`.
 *
 * Every operation of cmap.h, each one atomic (linearizable): it takes the
 * lock, works on the plain map, copies values in or out, and unlocks. No
 * pointer into the map leaves the lock, except inside the callbacks below,
 * which run under it.
 *
 * Re-entry: the thread that holds the lock (inside gomap_mutex_range's or
 * gomap_mutex_atomic's callback, or between gomap_mutex_lock and unlock) may
 * call any gomap_mutex_* operation on the same map; it is served directly,
 * without locking again, so it cannot deadlock. Only gomap_mutex_lock itself
 * and gomap_mutex_free are refused there (fatal error / undefined). The
 * callback of gomap_mutex_update is the exception: it must not call the map
 * at all (fatal error, see gomap_update_fn).
 *
 * Synchronization table (same map; "ok": may run at the same time from
 * different threads):
 *                      any op   range   atomic   lock..unlock   free
 *   any op             ok       ok      ok       ok             -
 *   free               -        -       -        -              -
 * Operations serialize on the lock; free must not overlap anything.
 */
#ifndef GOMAP_MUTEX_H
#define GOMAP_MUTEX_H

#include "annotations.h"
#include "map.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The handle is a lock as far as -Wthread-safety is concerned. */
typedef struct GOMAP_CAPABILITY("gomap_mutex") gomap_mutex gomap_mutex_t;

/* Options; zero-initialise (or pass NULL) for the defaults. */
typedef struct gomap_mutex_options {
	GOMAP_OPTIONS_BASE; /* hint (see cmap.h for bogus and huge hints),
	                       alloc (thread-safe): common.h */
} gomap_mutex_options;

/*
 * gomap_mutex_new - create an empty map. @opt may be NULL.
 * Returns 0 and *out, GOMAP_EINVAL (NULL out/descriptor, bad descriptor,
 * allocator hook without alloc or free), GOMAP_ENOTSUP, or GOMAP_ENOMEM
 * (also for a sane hint that cannot be allocated). On failure *out is
 * NULL.
 */
GOMAP_API int gomap_mutex_new(gomap_mutex_t **out, const gomap_type *kt,
                              const gomap_type *vt,
                              const gomap_mutex_options *opt);
/* gomap_mutex_free - destroy the map and what it holds. NULL: no-op. Must
 * not overlap any other call on @m. */
GOMAP_API void gomap_mutex_free(gomap_mutex_t *m);

/* The operations of cmap.h; return values and outputs (on a hit, a miss,
 * an error) as documented there. */
GOMAP_API int gomap_mutex_load(gomap_mutex_t *m, const void *key,
                               void *val_out);
GOMAP_API int gomap_mutex_store(gomap_mutex_t *m, const void *key,
                                const void *val);
GOMAP_API int gomap_mutex_load_or_store(gomap_mutex_t *m, const void *key,
                                        const void *val, void *actual_out);
GOMAP_API int gomap_mutex_load_and_delete(gomap_mutex_t *m, const void *key,
                                          void *val_out);
GOMAP_API int gomap_mutex_delete(gomap_mutex_t *m, const void *key);
GOMAP_API int gomap_mutex_swap(gomap_mutex_t *m, const void *key,
                               const void *val, void *prev_out);
GOMAP_API int gomap_mutex_compare_and_swap(gomap_mutex_t *m, const void *key,
                                           const void *old, const void *new_);
GOMAP_API int gomap_mutex_compare_and_delete(gomap_mutex_t *m,
                                             const void *key,
                                             const void *old);
/*
 * gomap_mutex_range - call @fn for each entry, holding the lock throughout:
 * the entries seen are one consistent snapshot (the range is atomic). @key
 * and @val point into the map and stay valid until @fn writes to it; treat
 * @val as read-only (use store to change it). @fn may call any gomap_mutex_*
 * operation on @m (re-entry, above); writes then follow the plain map's
 * iteration rules (no key twice, deleted keys not produced, new keys maybe).
 * Other threads wait until the range ends, so @fn must not wait for a
 * thread that uses @m. Returns 0 or GOMAP_EINVAL.
 */
GOMAP_API int gomap_mutex_range(gomap_mutex_t *m, gomap_range_fn fn,
                                void *ctx);
/* gomap_mutex_len - entries, without taking the lock (exact as of the last
 * completed write); 0 for NULL. */
GOMAP_API size_t gomap_mutex_len(gomap_mutex_t *m);
GOMAP_API int gomap_mutex_clear(gomap_mutex_t *m);

/*
 * gomap_mutex_update - atomic read-modify-write of one key (cmap.h): @fn
 * sees the current value (or its absence) under the lock and decides to
 * keep, set or delete (gomap_update_fn). Returns 1 (the key was present),
 * 0 (absent), GOMAP_EINVAL or GOMAP_ENOMEM (map unchanged). May be called
 * inside an atomic section or range callback of @m (served directly).
 */
GOMAP_API int gomap_mutex_update(gomap_mutex_t *m, const void *key,
                                 gomap_update_fn fn, void *ctx);

/*
 * gomap_mutex_atomic - run @fn(map, @ctx) under the lock: any sequence of
 * plain-map calls in @fn is atomic. @fn must not keep pointers into the
 * map after it returns. Returns @fn's return value, GOMAP_EINVAL, or
 * GOMAP_ENOTSUP (owned str/bytes values, see cmap.h: @fn not called).
 */
GOMAP_API int gomap_mutex_atomic(gomap_mutex_t *m, gomap_atomic_fn fn,
                                 void *ctx);

/* ---- locking by hand ------------------------------------------------------
 * For code that wants the plain map itself. Under clang -Wthread-safety,
 * gomap_mutex_map() outside lock..unlock is a compile-time warning.
 *   gomap_mutex_lock(m);
 *   gomap_map_put(gomap_mutex_map(m), &k, &v);
 *   gomap_mutex_unlock(m);
 * Locking twice from one thread is a fatal error ("gomap: recursive lock"),
 * as is unlocking a map this thread does not hold. NULL: no-op. */
GOMAP_API void gomap_mutex_lock(gomap_mutex_t *m) GOMAP_ACQUIRE(m);
GOMAP_API bool gomap_mutex_trylock(gomap_mutex_t *m)
	GOMAP_TRY_ACQUIRE(true, m);
GOMAP_API void gomap_mutex_unlock(gomap_mutex_t *m) GOMAP_RELEASE(m);
/* gomap_mutex_map - the plain map; only while holding the lock. */
GOMAP_API gomap_map_t *gomap_mutex_map(gomap_mutex_t *m) GOMAP_REQUIRES(m);

#ifdef __cplusplus
}
#endif
#endif /* GOMAP_MUTEX_H */
