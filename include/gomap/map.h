/*
 * gomap/map.h - the plain map: Go's built-in map for C.
 *
 * Not safe for concurrent use, exactly like Go's map: any number of threads
 * may read (get, get_ptr, len, iterate, clone) at once, but a write (put,
 * delete, clear, shrink) must not overlap any other access. Misuse is
 * detected on a best-effort basis and stops the program with Go's message,
 * e.g. "fatal error: concurrent map writes" (see common.h, GOMAP_DEBUG).
 * For sharing, use one of the safe variants (mutex.h, rwmutex.h, shard.h,
 * sync.h, chan.h).
 *
 * Semantics follow Go (docs/semantics.md lists every difference):
 *  - iteration order is random and differs from one iteration to the next;
 *  - during an iteration by the same thread, writes are allowed: a key is
 *    never produced twice, a deleted key not yet reached is not produced,
 *    a key inserted may or may not be produced, values are current;
 *  - f64 keys: NaN never equals itself (every put of NaN adds an entry that
 *    only clear removes); -0 and +0 are one key;
 *  - a put that overwrites stores the key it was given (Go's key update):
 *    -0 replaces +0, and a RAW key equal by its @equal callback but not
 *    bytewise replaces the stored bytes. Keys the map owns keep the stored
 *    key: strings (their copy) and keys whose descriptor has a destroy
 *    callback (the key passed to an overwriting put stays the caller's);
 *  - the hash seed is random per map and renewed when the map becomes empty
 *    and on clear.
 *
 * Iterator invalidation: pointers from get_ptr and iter_next are valid until
 * the next write to the map. Iterators stay valid across writes.
 *
 * Besides Go's race messages, two fatal errors guard the memory: a map used
 * after gomap_map_free (or freed twice) is reported as "fatal error: use of
 * freed map" while the allocator has not reused its memory (best effort),
 * and a table found corrupt (in practice: writes that raced while
 * detection was off) stops with "fatal error: corrupted map" instead of
 * looping forever.
 */
#ifndef GOMAP_MAP_H
#define GOMAP_MAP_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* gomap_map_t: declared in common.h. */

/* Options for gomap_map_new_opts; zero-initialise, then set what you need. */
typedef struct gomap_map_options {
	GOMAP_OPTIONS_BASE;            /* hint, like make(map, n); alloc */
} gomap_map_options;

/*
 * gomap_map_new - create a map for keys described by @kt and values by @vt.
 * @hint: expected number of entries (0: none). A bogus hint (a table over
 * 2^48 bytes, Go's limit) is ignored, as in Go; a sane hint whose table
 * cannot be allocated gives GOMAP_ENOMEM. Values may have size 0 (a set).
 * Returns 0 and *out, or GOMAP_EINVAL (NULL argument, key size 0, size not
 * matching the kind), GOMAP_ENOTSUP, GOMAP_ENOMEM.
 */
GOMAP_API int gomap_map_new(gomap_map_t **out, const gomap_type *kt,
                            const gomap_type *vt, size_t hint);
GOMAP_API int gomap_map_new_opts(gomap_map_t **out, const gomap_type *kt,
                                 const gomap_type *vt,
                                 const gomap_map_options *opt);

/* gomap_map_free - destroy the map and every key and value it holds. NULL is
 * a no-op. Any later use of @m, a second free included, is a bug (see the
 * top of this file for how it is reported). */
GOMAP_API void gomap_map_free(gomap_map_t *m);

/*
 * gomap_map_get - comma-ok lookup. Copies the value into @val_out when found
 * and @val_out is not NULL; a miss leaves @val_out untouched (initialise it
 * with Go's zero value to port `v := m[k]`).
 * Returns 1 if found, 0 if absent, GOMAP_EINVAL for a NULL map or key (the
 * output untouched).
 */
GOMAP_API int gomap_map_get(const gomap_map_t *m, const void *key,
                            void *val_out);

/* gomap_map_get_ptr - address of the stored value, or NULL when absent (or
 * on bad input). Valid until the next write to the map. */
GOMAP_API void *gomap_map_get_ptr(const gomap_map_t *m, const void *key);

/*
 * gomap_map_put - insert or overwrite (Go's m[k] = v).
 * Returns 1 if a new key was inserted, 0 if an existing one was
 * overwritten, GOMAP_EINVAL, or GOMAP_ENOMEM (the map is unchanged).
 * Growth that cannot allocate keeps the map at its size and is not an error
 * while free slots remain. An overwrite drops the old value (its destructor
 * runs) and updates the key as the top of this file says. A write to a
 * frozen map stops the program with "fatal error: write to frozen map"
 * (diag.h).
 */
GOMAP_API int gomap_map_put(gomap_map_t *m, const void *key, const void *val);

/*
 * gomap_map_put_ptr - Go's mapassign: find @key, inserting it with a
 * zeroed value when absent, and set *@val_out to the value's address, so
 * that `m[k]++` is one hash and one probe:
 *     void *p;
 *     if (gomap_map_put_ptr(m, &k, &p) >= 0)
 *             ++*(uint64_t *)p;
 * The address is valid until the next write to the map (as get_ptr's); a
 * value stored there is the key's value, and the map drops it as usual.
 * Returns 1 if the key was inserted, 0 if it was there, GOMAP_EINVAL (NULL
 * map, key or @val_out, bad key) or GOMAP_ENOMEM (the map is unchanged);
 * *@val_out is NULL on every error. Like every write, it stops the program
 * on a frozen map ("write to frozen map"). A found key is updated as put
 * updates it (f64: -0 replaces +0, as Go's assignment does).
 */
GOMAP_API int gomap_map_put_ptr(gomap_map_t *m, const void *key,
                                void **val_out);

/* gomap_map_delete - Go's delete(m, k). Returns 1 if deleted, 0 if absent.
 * @key may be a key pointer produced by the iterator (Go's
 * `for k := range m { delete(m, k) }`); it is invalid after the call. */
GOMAP_API int gomap_map_delete(gomap_map_t *m, const void *key);

/* gomap_map_len - number of entries (NaN keys included); 0 for NULL. */
GOMAP_API size_t gomap_map_len(const gomap_map_t *m);

/* gomap_map_clear - Go's clear(m): removes every entry, keeps the memory
 * (see shrink), reseeds, and ends live iterations. */
GOMAP_API int gomap_map_clear(gomap_map_t *m);

/* gomap_map_clone - maps.Clone: a new map with the same entries (string
 * keys are copied again when the map owns them). Keys and values are
 * copied bytewise, so a map whose descriptors have a destroy callback is
 * refused with GOMAP_ENOTSUP (both maps would drop the same object). */
GOMAP_API int gomap_map_clone(const gomap_map_t *m, gomap_map_t **out);

/*
 * gomap_map_shrink - give memory back after mass deletes: rebuilds the
 * table at the smallest size that holds the entries (0 entries: no table).
 * O(n), unlike every other write. Returns 0, or GOMAP_ENOMEM with the map
 * unchanged.
 */
GOMAP_API int gomap_map_shrink(gomap_map_t *m);

/* ---- iteration ---------------------------------------------------------- */

/* An iterator lives on the caller's stack; its fields are private. */
typedef struct gomap_iter {
	void *priv_p[4];
	uint64_t priv_u[8];
} gomap_iter;

/*
 * gomap_map_iter_init - start an iteration at a random position.
 * gomap_map_iter_next - produce the next entry: *key and *val (either may be
 *   NULL) point into the map; *key may be passed back to get, put or
 *   delete. Returns false at the end (the outputs untouched).
 * gomap_map_iter_stop - end an iteration early. An iteration that ran to its
 *   end (next returned false) needs no stop; one abandoned without stop
 *   keeps the (at most two) tables it walks alive until the map is
 *   cleared or freed.
 */
GOMAP_API void gomap_map_iter_init(const gomap_map_t *m, gomap_iter *it);
GOMAP_API bool gomap_map_iter_next(gomap_iter *it, const void **key,
                                   void **val);
GOMAP_API void gomap_map_iter_stop(gomap_iter *it);

/* A range callback: return true to continue, false to stop. */
typedef bool (*gomap_range_fn)(const void *key, void *val, void *ctx);

/* gomap_map_range - iterate with a callback (same contract as iter_*); the
 * callback may write to the map. Returns 0 or GOMAP_EINVAL. */
GOMAP_API int gomap_map_range(const gomap_map_t *m, gomap_range_fn fn,
                              void *ctx);

/* ---- statistics ------------------------------------------------------- */

typedef struct gomap_map_stats {
	size_t count;          /* entries */
	size_t capacity;       /* slots of the current table */
	size_t groups;         /* 8-slot groups of the current table */
	size_t tombstones;     /* deleted-slot markers in the current table */
	double load_factor;    /* count / capacity */
	bool growing;          /* an old table is being migrated */
	size_t old_capacity;   /* slots of the old table while growing */
	size_t evacuated;      /* old groups migrated so far */
	size_t old_groups;     /* old groups in all */
	size_t bytes;          /* bytes allocated by the map, all included */
	size_t grows;          /* growths started since creation */
	size_t same_size_grows;/* of which rehashes at the same size */
	size_t max_probe;      /* longest probe sequence, in groups */
} gomap_map_stats;

GOMAP_API int gomap_map_stats_get(const gomap_map_t *m, gomap_map_stats *out);

/* gomap_map_stats_dump - the stats as text into @buf (snprintf rules).
 * Returns the length the full text needs; a NULL map writes
 * "gomap: no map". */
GOMAP_API int gomap_map_stats_dump(const gomap_map_t *m, char *buf,
                                   size_t size);

/* gomap_map_check - walk the structure and verify its invariants. Returns 0
 * or GOMAP_EINVAL when an invariant is broken (for tests and debugging). */
GOMAP_API int gomap_map_check(const gomap_map_t *m);

/* ---- typed wrappers -------------------------------------------------------
 * GOMAP_MAP_DEFINE(name, K, V, key_desc, val_desc) declares static inline
 * functions for the C types K and V, with their sizes and kinds checked at
 * compile time; see gomap/typed.h, which also has the safe maps' DEFINEs.
 *   GOMAP_MAP_DEFINE(ages, const char *, int, gomap_type_str, GOMAP_T_RAW(int));
 *   ages_t *m; ages_new(&m, 0); ages_put(m, "bob", 42);
 *   int *a = ages_put_ptr(m, "ann"); if (a) ++*a;  (NULL: error)
 */

#ifdef __cplusplus
}
#endif

#include "typed.h"

#endif /* GOMAP_MAP_H */
