/*
 * src/cmap.c - what the safe maps share: the cmap.h operations executed on
 * a held plain map (gomap__cm_exec), argument and descriptor checks, the
 * range snapshot, and the registry behind gomap_cmap_find/gomap_cmap_list.
 *
 * Design: a safe map serialises access to one or more plain maps (locks or
 * an owner thread) and then runs the same operation code, found here. Each
 * operation is a short sequence of plain-map calls with one hash
 * (gomap__map_hash, then the *_h calls), so it is atomic as long as the
 * caller holds the map for its whole duration.
 *
 * Invariants: every operation either succeeds or leaves the map unchanged
 * (the plain map guarantees this per call, and each operation makes at most
 * one call that writes); values leave the map only by copy (load,
 * load_or_store) or by move (load_and_delete, swap: the caller now owns
 * them, the map does not destroy them).
 *
 * Owned values (STR/BYTES without BORROWED): the plain map underneath
 * stores them as borrowed pointers with a destroy hook that frees the
 * bytes (gomap__cm_inner_vt), so every drop the plain map makes (overwrite,
 * delete, clear, free) frees the map's copy exactly once. The map's copies
 * come from its allocator; every value handed out (load, load_or_store,
 * swap, load_and_delete, range, update) is a fresh malloc'd copy made
 * before the map drops its own, so no caller pointer ever points into the
 * map and a failed copy changes nothing.
 */
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include <gomap/diag.h>

#include "internal/debug.h"
#include "internal/probes.h"
#include "internal/cmap_impl.h"
#include "internal/util.h"
#include "internal/debug.h"

int gomap__cm_check_key(const gomap_type *kt, const void *key)
{
	if (!key)
		return GOMAP_EINVAL;
	if (kt->kind == GOMAP_KIND_STR && !*(const char *const *)key)
		return GOMAP_EINVAL;
	if (kt->kind == GOMAP_KIND_BYTES) {
		const gomap_bytes *b = key;
		if (!b->ptr && b->len)
			return GOMAP_EINVAL;
	}
	return 0;
}

int gomap__cm_check_args(int op, const gomap_type *kt, size_t vsize,
                         const void *key, const void *val, const void *val2)
{
	if (op == GOMAP__OP_CLEAR)
		return 0;
	if (gomap__cm_check_key(kt, key) < 0)
		return GOMAP_EINVAL;
	if (vsize == 0)
		return 0;
	switch (op) {
	case GOMAP__OP_STORE:
	case GOMAP__OP_LOAD_OR_STORE:
	case GOMAP__OP_SWAP:
	case GOMAP__OP_CAD:
		return val ? 0 : GOMAP_EINVAL;
	case GOMAP__OP_CAS:
		return val && val2 ? 0 : GOMAP_EINVAL;
	default:
		return 0;
	}
}

int gomap__cm_check_types(const gomap_type *kt, const gomap_type *vt)
{
	if (!kt || !vt)
		return GOMAP_EINVAL;
	int rc = gomap__type_check(kt, true);
	if (rc < 0)
		return rc;
	rc = gomap__type_check(vt, false);
	if (rc < 0)
		return rc;
	/* The map's copy is freed by the map; a destructor of its own would
	 * have nothing left to do. */
	if (gomap__cm_user_owned(vt) && vt->destroy)
		return GOMAP_ENOTSUP;
	return 0;
}

/* ---- owned values --------------------------------------------------------- */

/* The drop hooks of an inner descriptor: @ctx is the map's allocator (NULL:
 * malloc), which gave the copy. */
static void owned_str_drop(void *obj, void *ctx)
{
	char *p = *(char **)obj;
	if (p)
		gomap__free(ctx, p, strlen(p) + 1);
	*(char **)obj = NULL;
}

static void owned_bytes_drop(void *obj, void *ctx)
{
	gomap_bytes *b = obj;
	gomap__free(ctx, (void *)b->ptr, b->len);
	b->ptr = NULL;
	b->len = 0;
}

bool gomap__cm_user_owned(const gomap_type *vt)
{
	return (vt->kind == GOMAP_KIND_STR || vt->kind == GOMAP_KIND_BYTES) &&
	       !(vt->flags & GOMAP_TYPE_BORROWED);
}

bool gomap__cm_val_owned(const gomap_type *vt)
{
	return vt->destroy == owned_str_drop || vt->destroy == owned_bytes_drop;
}

const gomap_type *gomap__cm_inner_vt(const gomap_type *vt, gomap_type *buf,
                                     const gomap_allocator *a)
{
	if (!gomap__cm_user_owned(vt))
		return vt;
	*buf = *vt;
	buf->flags |= GOMAP_TYPE_BORROWED;
	buf->destroy = vt->kind == GOMAP_KIND_STR ? owned_str_drop : owned_bytes_drop;
	buf->ctx = (void *)(uintptr_t)a; /* the hooks only read it */
	return buf;
}

int gomap__cm_val_dup(const gomap_type *vt, void *dst, const void *src,
                      const gomap_allocator *a)
{
	if (vt->kind == GOMAP_KIND_STR) {
		const char *s = *(const char *const *)src;
		if (!s)
			return GOMAP_EINVAL;
		size_t n = strlen(s) + 1;
		char *p = gomap__alloc(a, n);
		if (!p)
			return GOMAP_ENOMEM;
		memcpy(p, s, n);
		memcpy(dst, &p, sizeof p);
		return 0;
	}
	gomap_bytes b;
	memcpy(&b, src, sizeof b);
	if (!b.ptr && b.len)
		return GOMAP_EINVAL;
	/* never NULL, even for length 0: NULL means absent */
	void *p = gomap__alloc(a, b.len);
	if (!p)
		return GOMAP_ENOMEM;
	if (b.len)
		memcpy(p, b.ptr, b.len);
	b.ptr = p;
	memcpy(dst, &b, sizeof b);
	return 0;
}

void gomap__cm_val_release(const gomap_type *vt, void *val,
                           const gomap_allocator *a)
{
	if (vt->kind == GOMAP_KIND_STR)
		owned_str_drop(val, (void *)(uintptr_t)a);
	else
		owned_bytes_drop(val, (void *)(uintptr_t)a);
}

GOMAP_API void gomap_value_free(const gomap_type *vt, void *val)
{
	if (vt && val && gomap__cm_user_owned(vt))
		gomap__cm_val_release(vt, val, NULL); /* outputs come from malloc */
}

int gomap__cm_check_alloc(const gomap_allocator *a)
{
	return a && (!a->alloc || !a->free) ? GOMAP_EINVAL : 0;
}

/* gomap__cm_exec_h for owned values (@vt the inner descriptor, whose ctx is
 * the map's allocator): a value to be stored is copied in (from the map's
 * allocator) before the one write and dropped when the write does not
 * happen; a value handed out is a malloc'd copy, made before the map drops
 * its own, so a failed copy leaves the map as it was. */
static int exec_owned(gomap_map_t *pm, const gomap_type *vt, int op,
                      const void *key, uint64_t h, const void *val,
                      const void *val2, void *out)
{
	const gomap_allocator *a = vt->ctx;
	alignas(max_align_t) unsigned char tmp[sizeof(gomap_bytes)];
	alignas(max_align_t) unsigned char cp[sizeof(gomap_bytes)];
	const void *p;
	int rc;

	/* A value to be stored is checked first, whatever the outcome. */
	if ((op == GOMAP__OP_STORE || op == GOMAP__OP_LOAD_OR_STORE ||
	     op == GOMAP__OP_SWAP) && gomap__cm_check_val(vt, val) < 0)
		return GOMAP_EINVAL;
	if (op == GOMAP__OP_CAS && gomap__cm_check_val(vt, val2) < 0)
		return GOMAP_EINVAL;
	switch (op) {
	case GOMAP__OP_LOAD:
	case GOMAP__OP_LOAD_OR_STORE:
		p = gomap__map_get_ptr_h(pm, key, h);
		if (p) {
			if (out && (rc = gomap__cm_val_dup(vt, out, p, NULL)) < 0)
				return rc;
			return 1;
		}
		if (op == GOMAP__OP_LOAD)
			return 0;
		if ((rc = gomap__cm_val_dup(vt, tmp, val, a)) < 0)
			return rc;
		rc = gomap__map_put_h(pm, key, h, tmp);
		if (rc < 0) {
			gomap__cm_val_release(vt, tmp, a);
			return rc;
		}
		/* Stored: the caller's own value, as for any other type. */
		if (out && out != val)
			memcpy(out, val, vt->size);
		return 0;
	case GOMAP__OP_STORE:
	case GOMAP__OP_SWAP:
		p = gomap__map_get_ptr_h(pm, key, h);
		if ((rc = gomap__cm_val_dup(vt, tmp, val, a)) < 0)
			return rc;
		/* swap hands out a copy of the previous value; the map's own
		 * goes with the overwrite. */
		if (op == GOMAP__OP_SWAP && p && out &&
		    (rc = gomap__cm_val_dup(vt, cp, p, NULL)) < 0) {
			gomap__cm_val_release(vt, tmp, a);
			return rc;
		}
		rc = gomap__map_put_h(pm, key, h, tmp);
		if (rc < 0) {
			gomap__cm_val_release(vt, tmp, a);
			if (op == GOMAP__OP_SWAP && p && out)
				gomap__cm_val_release(vt, cp, NULL);
			return rc;
		}
		if (op == GOMAP__OP_STORE)
			return 0;
		if (p && out)
			memcpy(out, cp, vt->size);
		return p != NULL;
	case GOMAP__OP_LOAD_AND_DELETE:
		p = gomap__map_get_ptr_h(pm, key, h);
		if (!p)
			return 0;
		if (out && (rc = gomap__cm_val_dup(vt, cp, p, NULL)) < 0)
			return rc;
		rc = gomap__map_delete_h(pm, key, h);
		GOMAP_ASSERT_MAP(rc == 1, pm); /* found above, under the lock */
		if (out)
			memcpy(out, cp, vt->size);
		return 1;
	case GOMAP__OP_DELETE:
		return gomap__map_delete_h(pm, key, h);
	case GOMAP__OP_CAS:
	case GOMAP__OP_CAD:
		p = gomap__map_get_ptr_h(pm, key, h);
		if (!p || !gomap__type_equal(vt, p, val))
			return 0;
		if (op == GOMAP__OP_CAD) {
			rc = gomap__map_delete_h(pm, key, h);
			return rc < 0 ? rc : 1;
		}
		if ((rc = gomap__cm_val_dup(vt, tmp, val2, a)) < 0)
			return rc;
		rc = gomap__map_put_h(pm, key, h, tmp);
		if (rc < 0) {
			gomap__cm_val_release(vt, tmp, a);
			return rc;
		}
		return 1;
	default:
		return GOMAP_EINVAL;
	}
}

int gomap__cm_check_val(const gomap_type *vt, const void *val)
{
	if (!val)
		return GOMAP_EINVAL;
	if (vt->kind == GOMAP_KIND_STR)
		return *(const char *const *)val ? 0 : GOMAP_EINVAL;
	const gomap_bytes *b = val;
	return b->ptr || !b->len ? 0 : GOMAP_EINVAL;
}

int gomap__cm_exec(gomap_map_t *pm, int op, const void *key, const void *val,
                   const void *val2, void *out)
{
	uint64_t h = op == GOMAP__OP_CLEAR ? 0 : gomap__map_hash(pm, key);
	return gomap__cm_exec_h(pm, op, key, h, val, val2, out);
}

int gomap__cm_exec_h(gomap_map_t *pm, int op, const void *key, uint64_t h,
                     const void *val, const void *val2, void *out)
{
	GOMAP_PROBE_OP(pm, GOMAP_PROBE_OP_CMAP + op);
	if (op == GOMAP__OP_CLEAR)
		return gomap_map_clear(pm);
	/* The *_h calls trust @h: a caller's hash (shard) must be the map's
	 * (NaN keys hash at random, as in Go: nothing to compare). */
	GOMAP_ASSERT_EXPENSIVE(gomap__cm_key_is_nan(gomap__map_key_type(pm), key) || h == gomap__map_hash(pm, key), pm);

	const gomap_type *vt = gomap__map_val_type(pm);
	int rc;
	void *p;

	if (GOMAP_UNLIKELY(gomap__cm_val_owned(vt)))
		return exec_owned(pm, vt, op, key, h, val, val2, out);
	switch (op) {
	case GOMAP__OP_LOAD:
		return gomap__map_get_h(pm, key, h, out);
	case GOMAP__OP_STORE:
		rc = gomap__map_put_h(pm, key, h, val);
		return rc < 0 ? rc : 0;
	case GOMAP__OP_LOAD_OR_STORE:
		rc = gomap__map_get_h(pm, key, h, out);
		if (rc != 0)
			return rc; /* 1 loaded, or an error */
		rc = gomap__map_put_h(pm, key, h, val);
		if (rc < 0)
			return rc; /* the output stays untouched */
		/* Stored: the actual value is the one given (Go's LoadOrStore
		 * returns v). The caller may pass one buffer for both. */
		if (out && vt->size && out != val)
			memcpy(out, val, vt->size);
		return 0;
	case GOMAP__OP_LOAD_AND_DELETE:
		return gomap__map_take_h(pm, key, h, out);
	case GOMAP__OP_DELETE:
		return gomap__map_delete_h(pm, key, h);
	case GOMAP__OP_SWAP:
		return gomap__map_swap_h(pm, key, h, val, out);
	case GOMAP__OP_CAS:
	case GOMAP__OP_CAD:
		if (vt->size == 0) {
			/* A set: every stored "value" equals every other. */
			rc = gomap__map_get_h(pm, key, h, NULL);
			if (rc <= 0)
				return rc;
		} else {
			p = gomap__map_get_ptr_h(pm, key, h);
			if (!p || !gomap__type_equal(vt, p, val))
				return 0;
		}
		if (op == GOMAP__OP_CAD)
			rc = gomap__map_delete_h(pm, key, h);
		else
			rc = gomap__map_put_h(pm, key, h, val2);
		return rc < 0 ? rc : 1;
	default:
		return GOMAP_EINVAL;
	}
}

/* ---- update ------------------------------------------------------------ */

/* Values up to this size are handed to the callback in a stack buffer. */
#define UPD_STACK 64

/* 8-byte values (the counters) without a call to memcpy. */
static inline void upd_copy(void *dst, const void *src, size_t n)
{
	if (n == 8)
		memcpy(dst, src, 8);
	else
		memcpy(dst, src, n);
}

/* update for owned values: @fn gets a private malloc'd copy (or zero bytes
 * when absent), which this function frees afterwards whatever @fn did with
 * the buffer; a set stores a fresh copy (from the map's allocator) of what
 * the buffer then holds, as store does, and the overwrite drops the old
 * one. A failed copy leaves the map as it was. */
static int update_owned(gomap_map_t *pm, const gomap_type *vt,
                        const void *key, uint64_t h, gomap_update_fn fn,
                        void *ctx)
{
	alignas(max_align_t) unsigned char buf[sizeof(gomap_bytes)] = {0};
	alignas(max_align_t) unsigned char given[sizeof(gomap_bytes)] = {0};
	alignas(max_align_t) unsigned char nv[sizeof(gomap_bytes)];
	const gomap_allocator *a = vt->ctx;
	const void *slot = gomap__map_get_ptr_h(pm, key, h);
	bool present = slot != NULL;
	int rc;
	if (present) {
		if ((rc = gomap__cm_val_dup(vt, given, slot, NULL)) < 0)
			return rc;
		memcpy(buf, given, vt->size);
	}
	int d = fn(key, buf, present, ctx);
	GOMAP_ASSERT_MAP(gomap__map_get_ptr_h(pm, key, h) == slot, pm);
	rc = present;
	switch (d) {
	case GOMAP_UPDATE_KEEP:
		break;
	case GOMAP_UPDATE_SET: {
		int r = gomap__cm_check_val(vt, buf);
		if (r == 0)
			r = gomap__cm_val_dup(vt, nv, buf, a);
		if (r == 0) {
			r = gomap__map_put_h(pm, key, h, nv);
			if (r < 0)
				gomap__cm_val_release(vt, nv, a);
		}
		if (r < 0)
			rc = r;
		break;
	}
	case GOMAP_UPDATE_DELETE:
		if (present)
			gomap__map_delete_h(pm, key, h);
		break;
	default:
		rc = GOMAP_EINVAL;
		break;
	}
	if (present)
		gomap__cm_val_release(vt, given, NULL);
	return rc;
}

int gomap__cm_update_h(gomap_map_t *pm, const void *key, uint64_t h,
                       gomap_update_fn fn, void *ctx,
                       const gomap_allocator *alloc)
{
	const gomap_type *vt = gomap__map_val_type(pm);
	if (GOMAP_UNLIKELY(gomap__cm_val_owned(vt)))
		return update_owned(pm, vt, key, h, fn, ctx);
	size_t vs = vt->size;
	alignas(max_align_t) unsigned char sbuf[UPD_STACK];
	unsigned char *buf = vs ? sbuf : NULL;
	if (vs > sizeof sbuf) {
		buf = gomap__alloc(alloc, vs);
		if (!buf)
			return GOMAP_ENOMEM;
	}
	/* One probe; the slot stays valid until the map is written, and
	 * nothing writes it before the decision (fn must not call it). */
	void *slot = gomap__map_get_ptr_h(pm, key, h);
	bool present = slot != NULL;
	if (vs) {
		if (present)
			upd_copy(buf, slot, vs);
		else
			memset(buf, 0, vs);
	}
	int d = fn(key, buf, present, ctx);
	/* fn did not write the map (the caller catches its calls) */
	GOMAP_ASSERT_MAP(gomap__map_get_ptr_h(pm, key, h) == slot, pm);
	int rc = present;
	switch (d) {
	case GOMAP_UPDATE_KEEP:
		break;
	case GOMAP_UPDATE_SET:
		if (present && !gomap_map_frozen(pm)) {
			/* In place: the buffer takes over the old value (no
			 * destroy), and the stored key stays. */
			if (vs)
				upd_copy(slot, buf, vs);
		} else {
			/* An insert (or, frozen, the write's fatal report). */
			int r = gomap__map_put_h(pm, key, h, buf);
			if (r < 0)
				rc = r;
		}
		break;
	case GOMAP_UPDATE_DELETE:
		if (present)
			gomap__map_delete_h(pm, key, h);
		break;
	default:
		rc = GOMAP_EINVAL;
		break;
	}
	if (buf && buf != sbuf)
		gomap__free(alloc, buf, vs);
	return rc;
}

/* ---- range snapshot ---------------------------------------------------- */

#define SNAP_ALIGN alignof(max_align_t)

static size_t round_up(size_t n, size_t a)
{
	return (n + a - 1) / a * a;
}

/* Key bytes the snapshot must copy besides the key object itself. */
static bool key_owned_str(const gomap_type *kt)
{
	return kt->kind == GOMAP_KIND_STR && !(kt->flags & GOMAP_TYPE_BORROWED);
}

static bool key_owned_bytes(const gomap_type *kt)
{
	return kt->kind == GOMAP_KIND_BYTES &&
	       !(kt->flags & GOMAP_TYPE_BORROWED);
}

int gomap__snap_take(gomap__snap *s, const gomap_map_t *pm,
                     const gomap_allocator *alloc)
{
	const gomap_type *kt = gomap__map_key_type(pm);
	const gomap_type *vt = gomap__map_val_type(pm);
	size_t n = gomap_map_len(pm), extra = 0;
	gomap_iter it;
	const void *k;
	void *v;

	memset(s, 0, sizeof(*s));
	s->alloc = alloc;
	s->voff = round_up(kt->size, SNAP_ALIGN);
	s->stride = round_up(s->voff + vt->size, SNAP_ALIGN);
	if (n == 0)
		return 0;
	bool vown = gomap__cm_val_owned(vt);
	if (key_owned_str(kt) || key_owned_bytes(kt) || vown) {
		gomap_map_iter_init(pm, &it);
		while (gomap_map_iter_next(&it, &k, &v)) {
			if (key_owned_str(kt))
				extra += strlen(*(const char *const *)k) + 1;
			else if (key_owned_bytes(kt))
				extra += ((const gomap_bytes *)k)->len;
			if (vown && vt->kind == GOMAP_KIND_STR)
				extra += strlen(*(const char *const *)v) + 1;
			else if (vown)
				extra += ((const gomap_bytes *)v)->len;
		}
	}
	if (n > (SIZE_MAX - extra) / s->stride)
		return GOMAP_ENOMEM;
	s->bytes = n * s->stride + extra;
	s->buf = gomap__alloc(alloc, s->bytes);
	if (!s->buf) {
		s->bytes = 0;
		return GOMAP_ENOMEM;
	}

	char *e = s->buf, *str = s->buf + n * s->stride;
	size_t i = 0;
	gomap_map_iter_init(pm, &it);
	while (gomap_map_iter_next(&it, &k, &v)) {
		if (i == n)
			continue; /* cannot happen while held; stay in bounds */
		if (key_owned_str(kt)) {
			const char *src = *(const char *const *)k;
			size_t len = strlen(src) + 1;
			memcpy(str, src, len);
			memcpy(e, &str, sizeof(char *));
			str += len;
		} else if (key_owned_bytes(kt)) {
			gomap_bytes b = *(const gomap_bytes *)k;
			if (b.len)
				memcpy(str, b.ptr, b.len);
			b.ptr = str;
			memcpy(e, &b, sizeof(b));
			str += b.len;
		} else {
			memcpy(e, k, kt->size);
		}
		if (vown && vt->kind == GOMAP_KIND_STR) {
			const char *src = *(const char *const *)v;
			size_t len = strlen(src) + 1;
			memcpy(str, src, len);
			memcpy(e + s->voff, &str, sizeof(char *));
			str += len;
		} else if (vown) {
			gomap_bytes b = *(const gomap_bytes *)v;
			if (b.len)
				memcpy(str, b.ptr, b.len);
			b.ptr = str;
			memcpy(e + s->voff, &b, sizeof(b));
			str += b.len;
		} else if (vt->size) {
			memcpy(e + s->voff, v, vt->size);
		}
		e += s->stride;
		i++;
	}
	s->n = i; /* the iteration ran to its end: no iter_stop needed */
	return 0;
}

bool gomap__snap_visit(const gomap__snap *s, gomap_range_fn fn, void *ctx)
{
	char *e = s->buf;
	for (size_t i = 0; i < s->n; i++, e += s->stride)
		if (!fn(e, e + s->voff, ctx))
			return false;
	return true;
}

void gomap__snap_free(gomap__snap *s)
{
	if (s->buf)
		gomap__free(s->alloc, s->buf, s->bytes);
	s->buf = NULL;
	s->bytes = 0;
	s->n = 0;
}

/* ---- range over a held map ----------------------------------------------- */

struct own_range {
	gomap_range_fn fn;
	void *ctx;
	const gomap_type *vt;
	int rc;
};

/* Hands the callback a private copy of an owned value, valid during the
 * call: the callback may delete the key (and so free the map's copy). */
static bool own_range_tramp(const void *key, void *val, void *ctx)
{
	struct own_range *r = ctx;
	alignas(max_align_t) unsigned char copy[sizeof(gomap_bytes)];
	int rc = gomap__cm_val_dup(r->vt, copy, val, NULL);
	if (rc < 0) {
		r->rc = rc;
		return false;
	}
	alignas(max_align_t) unsigned char given[sizeof(gomap_bytes)];
	memcpy(given, copy, r->vt->size); /* freed whatever fn does */
	bool more = r->fn(key, copy, r->ctx);
	gomap__cm_val_release(r->vt, given, NULL);
	return more;
}

int gomap__cm_range(gomap_map_t *pm, gomap_range_fn fn, void *ctx)
{
	const gomap_type *vt = gomap__map_val_type(pm);
	if (!gomap__cm_val_owned(vt))
		return gomap_map_range(pm, fn, ctx);
	struct own_range r = {fn, ctx, vt, 0};
	int rc = gomap_map_range(pm, own_range_tramp, &r);
	return rc < 0 ? rc : r.rc;
}

/* ---- registry --------------------------------------------------------- */

static const gomap_cmap_ops *const registry[] = {
	&gomap__mutex_cmap_ops,
	&gomap__rwmutex_cmap_ops,
	&gomap__shard_cmap_ops,
	&gomap__sync_cmap_ops,
	&gomap__chan_cmap_ops,
	NULL,
};

GOMAP_API const gomap_cmap_ops *const *gomap_cmap_list(void)
{
	return registry;
}

GOMAP_API const gomap_cmap_ops *gomap_cmap_find(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; registry[i]; i++)
		if (strcmp(registry[i]->name, name) == 0)
			return registry[i];
	return NULL;
}
