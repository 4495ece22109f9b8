/*
 * gomap/sync.h - the sync map: Go's sync.Map for C. Safe for any number of
 * threads at once, with reads that never lock and never write shared memory,
 * and writes that lock only the one bucket they change.
 *
 * Use it where Go would use sync.Map: caches written once and read many
 * times, or threads working on disjoint key sets. It is also a reasonable
 * general concurrent map (writes to different keys run in parallel).
 *
 * Operations (the set of cmap.h, same return values):
 *   load              1 found, 0 absent
 *   store             0
 *   load_or_store     1 loaded (existing value in *actual_out), 0 stored
 *                     (the given value in *actual_out)
 *   load_and_delete   1 deleted (its value in *val_out), 0 absent
 *   delete            1 deleted, 0 absent
 *   swap              1 replaced (previous value in *prev_out), 0 inserted
 *   compare_and_swap  1 swapped, 0 not (key absent, or value != old)
 *   compare_and_delete 1 deleted, 0 not (key absent, or value != old)
 *   range             0
 *   len               entries (see below)
 *   clear             0
 *   update            1 the key was present, 0 absent (see below)
 * Any call may also return GOMAP_EINVAL (NULL map or key, NULL string key,
 * NULL value or @old/@new_ with a non-empty value type) or GOMAP_ENOMEM
 * (the map is then unchanged). *_out pointers may be NULL. The map is also
 * reachable as gomap_cmap_find("sync").
 * Values are compared with the value descriptor's equal (bytewise by
 * default), keys with the key descriptor's.
 *
 * Thread-safety: every call except gomap_sync_free may run concurrently with
 * any other on the same map. Each call is linearizable; in Go's memory-model
 * words, a write "synchronizes before" any read that observes it (Load,
 * LoadAndDelete, LoadOrStore, Swap, CAS, CAD read; Store, Delete,
 * LoadAndDelete, Swap, LoadOrStore that stored, CAS/CAD that succeeded
 * write). compare_and_swap and compare_and_delete are atomic with respect
 * to every other operation on the same key (Go issue 70970).
 *
 * Memory reclamation uses liburcu's "bulletproof" flavour (urcu-bp): no
 * thread registration is needed and threads may come and go. Values that a
 * call replaces or deletes are destroyed (gomap_type.destroy) and freed after
 * an RCU grace period, in batches: possibly much later than the call, at the
 * latest on gomap_sync_barrier or gomap_sync_free. A value moved out to the
 * caller (load_and_delete's @val_out, swap's @prev_out) is not destroyed.
 * Loads copy values out: a copy of a value with a destructor is a shallow
 * copy that the destructor may invalidate later, as with the plain map;
 * an owned str/bytes value is copied deeply (the caller's to free()).
 *
 * range (Go's Range): not a snapshot. Each key is produced at most once; a
 * key present during the whole call is produced; a key stored or deleted
 * concurrently (by @fn too) may or may not be, with any value it had during
 * the call. The callback gets a pointer to the key inside the map (valid
 * until the callback returns) and to a private copy of the value (changing
 * it changes nothing). The callback runs inside an RCU read-side critical
 * section and may call any operation on any sync map except gomap_sync_free
 * and gomap_sync_barrier (which then returns GOMAP_EBUSY); a callback that
 * blocks for long delays every deferred free of the process.
 *
 * len: from per-thread-group insert and delete counters. Exact when no
 * insert or delete runs concurrently; otherwise at most the number of
 * entries present at one moment during the call (never above what the map
 * held), and below it by at most the deletes that ran during the call.
 *
 * Memory: deleted entries are freed (after a grace period), and the table
 * shrinks when it falls below 1/12 full; it grows and shrinks incrementally,
 * a few buckets per write, never by one stop-the-world copy.
 *
 * Corrupted maps: every walk over the map's tables and bucket chains is
 * bounded. A map whose memory was overwritten by the program (or used after
 * gomap_sync_free) so that a walk would never end stops the process with
 * "fatal error: corrupted map (sync: ...)" and the map's address (see
 * common.h for the fatal hook) instead of hanging.
 */
#ifndef GOMAP_SYNC_H
#define GOMAP_SYNC_H

#include "cmap.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gomap_sync gomap_sync_t;

/* Options for gomap_sync_new; zero-initialise, then set what you need. */
typedef struct gomap_sync_options {
	GOMAP_OPTIONS_BASE; /* hint, alloc: common.h. The allocator is
	                       called from any thread, liburcu's call_rcu
	                       thread included */
} gomap_sync_options;

/*
 * gomap_sync_new - create a sync map for keys described by @kt and values by
 * @vt. @opt may be NULL. Values are stored as their bytes; values that own
 * memory (gomap_type_str / gomap_type_bytes, without GOMAP_TYPE_BORROWED)
 * are copied in, and handed out as malloc'd copies made inside the read
 * section (see "Values of any kind" in cmap.h); the map's copy lives in
 * the entry, after the key (one 64-byte slot for a u64 key and a string of
 * up to 39 characters), and is freed with it after the grace period of the
 * write that dropped it.
 * Returns 0 and *out, or GOMAP_EINVAL (NULL argument, bad descriptor, RAW
 * key with equal but no hash), GOMAP_ENOTSUP, GOMAP_ENOMEM.
 */
GOMAP_API int gomap_sync_new(gomap_sync_t **out, const gomap_type *kt,
                             const gomap_type *vt,
                             const gomap_sync_options *opt);

/*
 * gomap_sync_free - destroy the map, every key and value it holds, and every
 * dropped value still waiting for its grace period; waits for the map's
 * pending RCU callbacks (rcu_barrier) before returning. No other call on the
 * map may run concurrently or later. Must not be called inside an RCU
 * read-side critical section (e.g. from a range callback): that aborts.
 * NULL is a no-op.
 */
GOMAP_API void gomap_sync_free(gomap_sync_t *m);

GOMAP_API int gomap_sync_load(const gomap_sync_t *m, const void *key,
                              void *val_out);
GOMAP_API int gomap_sync_store(gomap_sync_t *m, const void *key,
                               const void *val);
GOMAP_API int gomap_sync_load_or_store(gomap_sync_t *m, const void *key,
                                       const void *val, void *actual_out);
GOMAP_API int gomap_sync_load_and_delete(gomap_sync_t *m, const void *key,
                                         void *val_out);
GOMAP_API int gomap_sync_delete(gomap_sync_t *m, const void *key);
GOMAP_API int gomap_sync_swap(gomap_sync_t *m, const void *key,
                              const void *val, void *prev_out);
GOMAP_API int gomap_sync_compare_and_swap(gomap_sync_t *m, const void *key,
                                          const void *old, const void *new_);
GOMAP_API int gomap_sync_compare_and_delete(gomap_sync_t *m, const void *key,
                                            const void *old);
GOMAP_API int gomap_sync_range(const gomap_sync_t *m, gomap_range_fn fn,
                               void *ctx);
GOMAP_API size_t gomap_sync_len(const gomap_sync_t *m);

/*
 * gomap_sync_update - atomic read-modify-write of one key (cmap.h): @fn
 * runs once under the key's bucket lock with a copy of the current value
 * (or its absence) and decides to keep, set or delete (gomap_update_fn);
 * other writers of that bucket wait meanwhile, readers never do. Returns 1
 * (the key was present), 0 (absent), GOMAP_EINVAL or GOMAP_ENOMEM (map
 * unchanged). Cost: with u64/u32 keys and 8-byte values without
 * destructors (the bucket holds the pair), and with any key and an 8-byte
 * value without destructor, a hit changes the value in place with one
 * atomic store and allocates nothing; an insert allocates the entry (none
 * in pair mode). Other values are set by publishing a new entry: one
 * allocation per call, made before the lock (owned str/bytes values: @fn's
 * private copy, and a set's entry, sized for the value, allocated under
 * the lock). @fn must not call @m (fatal error); it may call other maps.
 */
GOMAP_API int gomap_sync_update(gomap_sync_t *m, const void *key,
                                gomap_update_fn fn, void *ctx);

/* gomap_sync_clear - Go's Clear: installs a new empty table (one table
 * and its counters allocated); the old entries are destroyed after a grace
 * period. On a map that is already empty it changes nothing: it allocates
 * nothing and queues nothing for a grace period (as Go's
 * TestMapClearNoAllocations asks). A write running concurrently with clear
 * may land before it (and be cleared). Returns 0, GOMAP_EINVAL, or
 * GOMAP_ENOMEM (the map is then unchanged). */
GOMAP_API int gomap_sync_clear(gomap_sync_t *m);

/*
 * gomap_sync_barrier - hand every value dropped so far to RCU and wait until
 * all of them are destroyed and freed (flushes the batches, then
 * rcu_barrier). Returns 0, GOMAP_EINVAL, or GOMAP_EBUSY when called inside
 * an RCU read-side critical section (a range callback).
 */
GOMAP_API int gomap_sync_barrier(gomap_sync_t *m);

/* ---- statistics and checks ------------------------------------------------ */

typedef struct gomap_sync_stats {
	size_t count;            /* gomap_sync_len */
	size_t buckets;          /* buckets of the current table (6 slots each) */
	size_t overflow_buckets; /* overflow buckets chained to them */
	bool resizing;           /* a resize is migrating buckets */
	size_t next_buckets;     /* buckets of the table being filled */
	size_t units_migrated;   /* migration units done / in all */
	size_t units;
	size_t table_bytes;      /* bytes of the current table(s), overflow
	                            buckets included (entries excluded) */
	size_t pending_free;     /* dropped entries waiting in batches */
	size_t slab_bytes;       /* entry slab chunks mapped (default allocator,
	                            fixed-size keys and short owned strings) */
	size_t grows, shrinks;   /* resizes completed since creation */
	size_t clears;           /* clear calls that returned 0 */
} gomap_sync_stats;

/* gomap_sync_stats_get - a moment's picture (fields read one by one). */
GOMAP_API int gomap_sync_stats_get(const gomap_sync_t *m,
                                   gomap_sync_stats *out);

/* gomap_sync_check - verify the structure's invariants (every entry in its
 * home bucket, tags right, no key twice, chains no longer than counted,
 * count exact). For tests: call it only while no other call runs. Returns
 * 0 or GOMAP_EINVAL. */
GOMAP_API int gomap_sync_check(const gomap_sync_t *m);

#ifdef __cplusplus
}
#endif
#endif /* GOMAP_SYNC_H */
