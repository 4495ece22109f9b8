/*
 * gomap/cmap.h - the operation set shared by every concurrency-safe map
 * (mutex, rwmutex, shard, sync, chan), and a handle that reaches any of them
 * by name, for code that treats them alike (tests, the benchmark).
 *
 * Every variant V offers, with the same meaning and return values:
 *   int    gomap_V_new(gomap_V_t **out, const gomap_type *kt,
 *                      const gomap_type *vt, const gomap_V_options *opt);
 *   void   gomap_V_free(gomap_V_t *m);
 *   int    gomap_V_load(m, key, val_out)            1 found, 0 absent
 *   int    gomap_V_store(m, key, val)               0
 *   int    gomap_V_load_or_store(m, key, val, actual_out)
 *                                                   1 loaded, 0 stored
 *   int    gomap_V_load_and_delete(m, key, val_out) 1 deleted, 0 absent
 *   int    gomap_V_delete(m, key)                   1 deleted, 0 absent
 *   int    gomap_V_swap(m, key, val, prev_out)      1 replaced, 0 inserted
 *   int    gomap_V_compare_and_swap(m, key, old, new_)  1 swapped, 0 not
 *   int    gomap_V_compare_and_delete(m, key, old)      1 deleted, 0 not
 *   int    gomap_V_range(m, fn, ctx)                0
 *   size_t gomap_V_len(m)
 *   int    gomap_V_clear(m)                         0
 *   int    gomap_V_update(m, key, fn, ctx)          1 key was present, 0 absent
 * Any of them may also return a negative GOMAP_E* code (bad input,
 * GOMAP_ENOMEM; GOMAP_ESHUTDOWN for chan), leaving the map unchanged.
 * Values are compared with the value descriptor's equal (bytewise by
 * default).
 *
 * Outputs. Values are copied in and out; *_out pointers may be NULL; an
 * output receives exactly the value type's size (nothing for a set):
 *   load             found: the value;       absent: untouched
 *   load_or_store    loaded: the value found; stored: @val (Go's
 *                    LoadOrStore returns v); @val and @actual_out may be
 *                    the same buffer
 *   load_and_delete  deleted: the value, now the caller's (not
 *                    destroyed);             absent: untouched
 *   swap             replaced: the previous value, now the caller's (not
 *                    destroyed);             inserted: untouched
 * A call that returns an error leaves every output untouched. (Go hands
 * out the zero value where an output stays untouched here: a caller that
 * wants it zeroes the buffer first.)
 *
 * Values of any kind. Besides fixed-size values (with or without a
 * destroy callback, which runs exactly once for each value the map drops:
 * overwrite, delete, clear, free), every variant stores values that own
 * memory: gomap_type_str (a NUL-terminated string) and gomap_type_bytes.
 *  - In: the map stores its own copy, allocated with the map's allocator
 *    (alloc option); the caller's string may change or be freed right after
 *    the call. A NULL string (bytes with NULL ptr and a length) is
 *    GOMAP_EINVAL. The map frees its copy when it drops it, so such a
 *    descriptor must not have a destroy callback (GOMAP_ENOTSUP).
 *  - Out: every output that receives a value from the map (load,
 *    load_or_store that loaded, load_and_delete, swap that replaced) gets a
 *    fresh copy from malloc(), the caller's to free() (or
 *    gomap_value_free); it stays valid whatever happens to the map. The
 *    same holds for range's and update's value buffers, whose copies the
 *    map frees when the callback returns. load_or_store that stored gives
 *    back @val itself, as for any type. If that copy cannot be made the
 *    call returns GOMAP_ENOMEM and changes nothing.
 *  - Compare: compare_and_swap and compare_and_delete compare contents.
 *  - update: @fn's buffer holds a private copy (a NULL pointer / {NULL, 0}
 *    when absent), which @fn may change; on set the map stores a copy of
 *    what the buffer then holds (a pointer @fn put there stays @fn's) and
 *    drops the old one. A NULL string set is GOMAP_EINVAL, not applied.
 *  - Atomic sections and transactions (gomap_mutex_atomic,
 *    gomap_rwmutex_atomic, gomap_shard_atomic, gomap_shard_atomic_all,
 *    gomap_chan_txn) hand the callback the plain map underneath, whose
 *    values are the map's own copies: on a map with owned values they
 *    return GOMAP_ENOTSUP without calling it (update is the atomic
 *    read-modify-write). gomap_rwmutex_atomic_read works: a value read
 *    there points into the map and is valid until the section ends.
 *  - sync copies a value inside its read-side section, and frees a dropped
 *    copy only after the RCU grace period, so a reader never sees freed
 *    memory. Such values are never changed in place (no pair mode).
 * Borrowed descriptors (gomap_type_str_borrowed, gomap_type_bytes_borrowed)
 * store the caller's pointer as an 8- or 16-byte value; the caller keeps
 * what it points to alive.
 *
 * Range callbacks get the key by address; that address may be passed back
 * to any call on the same map, delete included (the variants' headers say
 * which calls a callback may make).
 *
 * Creation options, every variant (the plain map's rules, map.h):
 *  - hint: expected entries. A bogus hint (one table for it would be over
 *    2^48 bytes, Go's limit) is ignored, as Go ignores it; a sane hint is
 *    allocated at creation, and if it cannot be, creation fails with
 *    GOMAP_ENOMEM.
 *  - alloc: NULL for malloc/free, or a hook with @alloc and @free set
 *    (GOMAP_EINVAL otherwise); called from any thread.
 *
 * update is the atomic read-modify-write: it calls @fn once with the key's
 * current value (or its absence) while the key is held, and applies what
 * @fn decides: keep, set (insert when absent) or delete; see
 * gomap_update_fn in common.h for the contract. Nothing else happens to
 * the key in between, so `count[k]++` from many threads loses no
 * increment. Errors leave the map unchanged: GOMAP_EINVAL for a NULL map,
 * key or fn (@fn not called) or for a decision outside the enum (not
 * applied); GOMAP_ENOMEM when a value buffer, entry or insert could not be
 * allocated (@fn may have run; its decision was not applied). Where the
 * key is held:
 *   mutex    the map's lock          rwmutex  the write lock
 *   shard    the key's shard's lock  chan     the owner thread runs it
 *   sync     the key's bucket lock; pair-mode values (u64/u32 keys, 8-byte
 *            values) are changed in place with no allocation, in-place
 *            values (8 bytes, no destructor) likewise, others with one.
 */
#ifndef GOMAP_CMAP_H
#define GOMAP_CMAP_H

#include "map.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The operation table of one variant; `m` is that variant's handle. */
typedef struct gomap_cmap_ops {
	const char *name;
	int (*create)(void **out, const gomap_type *kt, const gomap_type *vt);
	void (*destroy)(void *m);
	int (*load)(void *m, const void *key, void *val_out);
	int (*store)(void *m, const void *key, const void *val);
	int (*load_or_store)(void *m, const void *key, const void *val,
	                     void *actual_out);
	int (*load_and_delete)(void *m, const void *key, void *val_out);
	int (*del)(void *m, const void *key);
	int (*swap)(void *m, const void *key, const void *val, void *prev_out);
	int (*compare_and_swap)(void *m, const void *key, const void *old,
	                        const void *new_);
	int (*compare_and_delete)(void *m, const void *key, const void *old);
	int (*range)(void *m, gomap_range_fn fn, void *ctx);
	size_t (*len)(void *m);
	int (*clear)(void *m);
	int (*update)(void *m, const void *key, gomap_update_fn fn, void *ctx);
} gomap_cmap_ops;

/* gomap_cmap_find - the operation table of a variant by its benchmark name
 * ("mutex", "rwmutex", "shard", "sync", "chan"), or NULL. */
GOMAP_API const gomap_cmap_ops *gomap_cmap_find(const char *name);

/* gomap_cmap_list - the NULL-terminated list of every built-in variant. */
GOMAP_API const gomap_cmap_ops *const *gomap_cmap_list(void);

/* gomap_value_free - free a copy of an owned value that a safe map handed
 * out, @val pointing to the output (a char * for gomap_type_str, a
 * gomap_bytes for gomap_type_bytes): the bytes are freed and the output
 * becomes NULL ({NULL, 0} for bytes). Nothing for any other descriptor or
 * NULL arguments. The same as free() on the string (or the bytes' ptr). */
GOMAP_API void gomap_value_free(const gomap_type *vt, void *val);

#ifdef __cplusplus
}
#endif
#endif /* GOMAP_CMAP_H */
