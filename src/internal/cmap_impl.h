/*
 * src/internal/cmap_impl.h - what the safe maps (mutex, rwmutex, shard,
 * chan) share: the cmap.h operations as one "execute op on a plain map"
 * routine, argument checks, the range snapshot, and the ops tables that
 * src/cmap.c lists.
 *
 * Every safe map is a plain map (or several) plus a way to serialise the
 * calls: a lock, or an owner thread. The operation itself is the same
 * everywhere, so it lives here once (gomap__cm_exec) and runs with the
 * plain map held exclusively (or shared, for the read-only ops).
 */
#ifndef GOMAP_CMAP_IMPL_H
#define GOMAP_CMAP_IMPL_H

#include <string.h>

#include <gomap/cmap.h>

#include "map_internal.h"
#include "ops.h"

/* True for the operations that never write (may run under a read lock). */
static inline bool gomap__cm_op_reads_only(int op)
{
	return op == GOMAP__OP_LOAD;
}

/* gomap__cm_check_key - a usable key of type @kt: not NULL, and no NULL
 * string (STR) or NULL bytes with a length (BYTES). 0 or GOMAP_EINVAL. */
int gomap__cm_check_key(const gomap_type *kt, const void *key);

/*
 * gomap__cm_check_args - reject bad input before any lock is taken: a bad
 * key (above) for keyed ops, NULL value arguments when values have a size.
 * Returns 0 or GOMAP_EINVAL.
 */
int gomap__cm_check_args(int op, const gomap_type *kt, size_t vsize,
                         const void *key, const void *val, const void *val2);

/*
 * gomap__cm_exec - run one operation on @pm, which the caller holds
 * exclusively (or shared for gomap__cm_op_reads_only ops). @val is the
 * value (store, load_or_store, swap) or the old value (CAS, CAD), @val2
 * the new value (CAS), @out the output (load, load_or_store, load_and_
 * delete, swap). Returns what cmap.h documents for the op.
 */
int gomap__cm_exec(gomap_map_t *pm, int op, const void *key, const void *val,
                   const void *val2, void *out);
/* The same with h == gomap__map_hash(pm, key) computed by the caller. */
/* True for an f64 NaN key: its hash is random on every call (Go's rule), so
 * two hashes of it never agree. For the hash-agreement assertions. */
static inline bool gomap__cm_key_is_nan(const gomap_type *kt, const void *key)
{
	if (kt->kind != GOMAP_KIND_F64)
		return false;
	double d;
	memcpy(&d, key, sizeof d);
	return d != d;
}

int gomap__cm_exec_h(gomap_map_t *pm, int op, const void *key, uint64_t h,
                     const void *val, const void *val2, void *out);

/*
 * gomap__cm_update_h - the update step (gomap_update_fn) on @pm, which the
 * caller holds exclusively, with h == gomap__map_hash(pm, key): one probe
 * finds the value, @fn works on a copy (on the stack, or from @alloc for
 * values over 64 bytes), and the decision is applied (set on a hit writes
 * the copy back in place). Returns 1 (the key was present), 0 (absent),
 * GOMAP_EINVAL (an unknown decision: nothing applied) or GOMAP_ENOMEM
 * (map unchanged). The caller marks the map with gomap__upd_enter around
 * it, so that @fn calling the map is caught.
 */
int gomap__cm_update_h(gomap_map_t *pm, const void *key, uint64_t h,
                       gomap_update_fn fn, void *ctx,
                       const gomap_allocator *alloc);

/*
 * gomap__cm_check_types - descriptor checks shared by the safe maps, on top
 * of the plain map's own. Owned STR/BYTES values with a destroy callback
 * are refused with GOMAP_ENOTSUP (the map frees its copy itself).
 */
int gomap__cm_check_types(const gomap_type *kt, const gomap_type *vt);

/* ---- owned values ----------------------------------------------------------
 * A user descriptor for copied STR/BYTES values (gomap__cm_user_owned) is
 * given to the plain map as gomap__cm_inner_vt: borrowed, with a destroy
 * hook that frees the bytes through the map's allocator, which the inner
 * descriptor's ctx holds (NULL: malloc); gomap__cm_val_owned recognises
 * such an inner descriptor. The map's own copies come from its allocator;
 * copies handed to callers always come from malloc (they are the caller's
 * to free()). gomap__cm_val_dup makes a copy from allocator @a (0,
 * GOMAP_EINVAL for a NULL string or NULL bytes with a length, GOMAP_ENOMEM);
 * gomap__cm_val_release frees one made from @a; gomap__cm_check_val checks
 * a value to be stored. */
bool gomap__cm_user_owned(const gomap_type *vt);
bool gomap__cm_val_owned(const gomap_type *vt);
const gomap_type *gomap__cm_inner_vt(const gomap_type *vt, gomap_type *buf,
                                     const gomap_allocator *a);
int gomap__cm_val_dup(const gomap_type *vt, void *dst, const void *src,
                      const gomap_allocator *a);
void gomap__cm_val_release(const gomap_type *vt, void *val,
                           const gomap_allocator *a);
int gomap__cm_check_val(const gomap_type *vt, const void *val);

/* gomap__cm_range - gomap_map_range on a plain map the caller holds, for
 * range callbacks that run under the lock: owned values are handed to @fn
 * as private copies. 0, or GOMAP_ENOMEM (a copy failed: the range stops). */
int gomap__cm_range(gomap_map_t *pm, gomap_range_fn fn, void *ctx);

/* gomap__cm_check_alloc - an allocator hook (or NULL: malloc) that a map
 * can use: @alloc and @free set. 0 or GOMAP_EINVAL, as the plain map. */
int gomap__cm_check_alloc(const gomap_allocator *a);

/* ---- range snapshot -------------------------------------------------------
 * A private copy of a plain map's entries, taken while the map is held and
 * visited after it is released, so the range callback runs outside every
 * lock (or off the owner thread). Keys and values that the map owns (copied
 * STR/BYTES) are copied again into the snapshot; everything else is copied
 * bytewise.
 * One allocation, from the map's allocator.
 */
typedef struct gomap__snap {
	const gomap_allocator *alloc;
	char *buf;      /* entries, then string bytes */
	size_t bytes;   /* allocated size of buf */
	size_t n;       /* entries */
	size_t stride;  /* bytes per entry */
	size_t voff;    /* value offset inside an entry */
} gomap__snap;

/* Take a snapshot of @pm (held by the caller). Returns 0 or GOMAP_ENOMEM
 * (snapshot empty then). */
int gomap__snap_take(gomap__snap *s, const gomap_map_t *pm,
                     const gomap_allocator *alloc);
/* Call @fn on each entry; returns false when @fn stopped the range. */
bool gomap__snap_visit(const gomap__snap *s, gomap_range_fn fn, void *ctx);
void gomap__snap_free(gomap__snap *s);

/* ---- the registry --------------------------------------------------------
 * GOMAP__DEFINE_CMAP_OPS(V) defines gomap__V_cmap_ops from the public
 * gomap_V_* functions (create uses default options). */
#define GOMAP__DEFINE_CMAP_OPS(V)                                              \
	static int V##_op_create(void **out, const gomap_type *kt,             \
	                         const gomap_type *vt)                         \
	{                                                                      \
		gomap_##V##_t *m_ = NULL;                                      \
		int rc_ = gomap_##V##_new(out ? &m_ : NULL, kt, vt, NULL);     \
		if (out)                                                       \
			*out = m_;                                             \
		return rc_;                                                    \
	}                                                                      \
	static void V##_op_destroy(void *m) { gomap_##V##_free(m); }           \
	static int V##_op_load(void *m, const void *k, void *o)                \
	{                                                                      \
		return gomap_##V##_load(m, k, o);                              \
	}                                                                      \
	static int V##_op_store(void *m, const void *k, const void *v)         \
	{                                                                      \
		return gomap_##V##_store(m, k, v);                             \
	}                                                                      \
	static int V##_op_los(void *m, const void *k, const void *v, void *o)  \
	{                                                                      \
		return gomap_##V##_load_or_store(m, k, v, o);                  \
	}                                                                      \
	static int V##_op_lad(void *m, const void *k, void *o)                 \
	{                                                                      \
		return gomap_##V##_load_and_delete(m, k, o);                   \
	}                                                                      \
	static int V##_op_del(void *m, const void *k)                          \
	{                                                                      \
		return gomap_##V##_delete(m, k);                               \
	}                                                                      \
	static int V##_op_swap(void *m, const void *k, const void *v, void *o) \
	{                                                                      \
		return gomap_##V##_swap(m, k, v, o);                           \
	}                                                                      \
	static int V##_op_cas(void *m, const void *k, const void *o,           \
	                      const void *n)                                   \
	{                                                                      \
		return gomap_##V##_compare_and_swap(m, k, o, n);               \
	}                                                                      \
	static int V##_op_cad(void *m, const void *k, const void *o)           \
	{                                                                      \
		return gomap_##V##_compare_and_delete(m, k, o);                \
	}                                                                      \
	static int V##_op_range(void *m, gomap_range_fn fn, void *ctx)         \
	{                                                                      \
		return gomap_##V##_range(m, fn, ctx);                          \
	}                                                                      \
	static size_t V##_op_len(void *m) { return gomap_##V##_len(m); }       \
	static int V##_op_clear(void *m) { return gomap_##V##_clear(m); }      \
	static int V##_op_update(void *m, const void *k, gomap_update_fn fn,   \
	                         void *ctx)                                    \
	{                                                                      \
		return gomap_##V##_update(m, k, fn, ctx);                      \
	}                                                                      \
	const gomap_cmap_ops gomap__##V##_cmap_ops = {                         \
		.name = #V,                                                    \
		.create = V##_op_create,                                       \
		.destroy = V##_op_destroy,                                     \
		.load = V##_op_load,                                           \
		.store = V##_op_store,                                         \
		.load_or_store = V##_op_los,                                   \
		.load_and_delete = V##_op_lad,                                 \
		.del = V##_op_del,                                             \
		.swap = V##_op_swap,                                           \
		.compare_and_swap = V##_op_cas,                                \
		.compare_and_delete = V##_op_cad,                              \
		.range = V##_op_range,                                         \
		.len = V##_op_len,                                             \
		.clear = V##_op_clear,                                         \
		.update = V##_op_update,                                       \
	}

extern const gomap_cmap_ops gomap__mutex_cmap_ops;
extern const gomap_cmap_ops gomap__rwmutex_cmap_ops;
extern const gomap_cmap_ops gomap__shard_cmap_ops;
extern const gomap_cmap_ops gomap__chan_cmap_ops;
/* Defined by src/sync.c (the sync variant), listed in src/cmap.c. */
extern const gomap_cmap_ops gomap__sync_cmap_ops;

#endif /* GOMAP_CMAP_IMPL_H */
