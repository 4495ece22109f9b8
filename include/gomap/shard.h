/*
 * gomap/shard.h - a map split into 2^k shards, each a plain map behind its
 * own mutex (cache-line padded). A key lives in the shard picked by bits of
 * its hash that the plain map does not use for itself, so operations on
 * different shards never contend.
 *
 * Each keyed operation locks only its key's shard and is atomic
 * (linearizable). The whole-map operations say how they see the shards:
 *  - len: the sum of per-shard counts read without locking; exact when no
 *    write runs, otherwise a value each shard had at some moment during the
 *    call (not one snapshot of the whole map).
 *  - range: shard by shard, each shard copied under its lock and then
 *    visited with no lock held. Each shard's entries are one snapshot of
 *    that shard; shards are taken at different moments. A key is seen at
 *    most once. A key present and unchanged for the whole call is seen,
 *    with its value; a key stored or deleted during the call may or may not
 *    be seen and, if seen, has a value it had at some moment of the call.
 *    @fn may call anything on the map; GOMAP_ENOMEM if a shard's copy
 *    cannot be allocated (shards already visited stay visited).
 *  - clear: locks every shard (in index order), clears them all, unlocks:
 *    atomic.
 *
 * Atomic sections: gomap_shard_atomic runs a callback on one key's shard
 * under its lock; gomap_shard_atomic_all on every shard under all the
 * locks (taken in index order, so it cannot deadlock with other calls).
 * Inside the callbacks, gomap_shard_* calls on the same map from the same
 * thread are served directly for keys in the held shard(s); a key in
 * another shard, and range/clear while not all shards are held, return
 * GOMAP_EBUSY (taking a second lock there could deadlock).
 */
#ifndef GOMAP_SHARD_H
#define GOMAP_SHARD_H

#include "map.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gomap_shard gomap_shard_t;

/* Options; zero-initialise (or pass NULL) for the defaults. */
typedef struct gomap_shard_options {
	GOMAP_OPTIONS_BASE; /* hint, all shards together (see cmap.h for
	                       bogus and huge hints), alloc (thread-safe):
	                       common.h */
	size_t shards;      /* 0: 4 x online CPUs, at least 64; rounded up
	                       to a power of two; at most 65536 */
} gomap_shard_options;

/* An atomic section over every shard: @maps[i] is shard i's plain map. A
 * key belongs in maps[gomap_shard_index(m, key)]. */
typedef int (*gomap_shard_all_fn)(gomap_map_t *const *maps, size_t nshards,
                                  void *ctx);

/* gomap_shard_new - create an empty map (see gomap_mutex_new). Returns 0,
 * GOMAP_EINVAL, GOMAP_ERANGE (more than 65536 shards), GOMAP_ENOTSUP or
 * GOMAP_ENOMEM. */
GOMAP_API int gomap_shard_new(gomap_shard_t **out, const gomap_type *kt,
                              const gomap_type *vt,
                              const gomap_shard_options *opt);
GOMAP_API void gomap_shard_free(gomap_shard_t *m);

/* The operations of cmap.h; return values and outputs (on a hit, a miss,
 * an error) as documented there. */
GOMAP_API int gomap_shard_load(gomap_shard_t *m, const void *key,
                               void *val_out);
GOMAP_API int gomap_shard_store(gomap_shard_t *m, const void *key,
                                const void *val);
GOMAP_API int gomap_shard_load_or_store(gomap_shard_t *m, const void *key,
                                        const void *val, void *actual_out);
GOMAP_API int gomap_shard_load_and_delete(gomap_shard_t *m, const void *key,
                                          void *val_out);
GOMAP_API int gomap_shard_delete(gomap_shard_t *m, const void *key);
GOMAP_API int gomap_shard_swap(gomap_shard_t *m, const void *key,
                               const void *val, void *prev_out);
GOMAP_API int gomap_shard_compare_and_swap(gomap_shard_t *m, const void *key,
                                           const void *old, const void *new_);
GOMAP_API int gomap_shard_compare_and_delete(gomap_shard_t *m,
                                             const void *key,
                                             const void *old);
/* gomap_shard_range - see the top of this file. @key and @val point into a
 * private copy, valid during the call (inside gomap_shard_atomic_all: into
 * the maps themselves, which are all held). Returns 0, GOMAP_EINVAL,
 * GOMAP_ENOMEM or GOMAP_EBUSY. */
GOMAP_API int gomap_shard_range(gomap_shard_t *m, gomap_range_fn fn,
                                void *ctx);
GOMAP_API size_t gomap_shard_len(gomap_shard_t *m);
GOMAP_API int gomap_shard_clear(gomap_shard_t *m);

/* gomap_shard_count - number of shards (0 for NULL). */
GOMAP_API size_t gomap_shard_count(const gomap_shard_t *m);
/* gomap_shard_index - the shard @key lives in (0 for bad input). */
GOMAP_API size_t gomap_shard_index(const gomap_shard_t *m, const void *key);

/*
 * gomap_shard_update - atomic read-modify-write of one key (cmap.h): @fn
 * runs under the lock of the key's shard only, sees the current value (or
 * its absence) and decides to keep, set or delete (gomap_update_fn).
 * Returns 1 (the key was present), 0 (absent), GOMAP_EINVAL, GOMAP_ENOMEM
 * (map unchanged), or GOMAP_EBUSY inside an atomic section that does not
 * hold the key's shard. @fn must not call @m (fatal error).
 */
GOMAP_API int gomap_shard_update(gomap_shard_t *m, const void *key,
                                 gomap_update_fn fn, void *ctx);

/* gomap_shard_atomic - run @fn(map of @key's shard, @ctx) under that
 * shard's lock. Only keys of that shard may be touched in @fn (others
 * belong elsewhere and would never be found). Returns @fn's value,
 * GOMAP_EINVAL, GOMAP_EBUSY (called inside another section holding a
 * different shard), or GOMAP_ENOTSUP (owned str/bytes values, see cmap.h;
 * gomap_shard_atomic_all too). */
GOMAP_API int gomap_shard_atomic(gomap_shard_t *m, const void *key,
                                 gomap_atomic_fn fn, void *ctx);
/* gomap_shard_atomic_all - run @fn over every shard under all the locks. */
GOMAP_API int gomap_shard_atomic_all(gomap_shard_t *m, gomap_shard_all_fn fn,
                                     void *ctx);

#ifdef __cplusplus
}
#endif
#endif /* GOMAP_SHARD_H */
