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
 */
#include <stdalign.h>
#include <string.h>

#include <gomap/diag.h>

#include "internal/debug.h"
#include "internal/probes.h"
#include "internal/cmap_impl.h"
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
	if ((vt->kind == GOMAP_KIND_STR || vt->kind == GOMAP_KIND_BYTES) &&
	    !(vt->flags & GOMAP_TYPE_BORROWED))
		return GOMAP_ENOTSUP;
	return 0;
}

int gomap__cm_check_alloc(const gomap_allocator *a)
{
	return a && (!a->alloc || !a->free) ? GOMAP_EINVAL : 0;
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

int gomap__cm_update_h(gomap_map_t *pm, const void *key, uint64_t h,
                       gomap_update_fn fn, void *ctx,
                       const gomap_allocator *alloc)
{
	size_t vs = gomap__map_val_type(pm)->size;
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
	if (key_owned_str(kt) || key_owned_bytes(kt)) {
		gomap_map_iter_init(pm, &it);
		while (gomap_map_iter_next(&it, &k, NULL)) {
			if (key_owned_str(kt))
				extra += strlen(*(const char *const *)k) + 1;
			else
				extra += ((const gomap_bytes *)k)->len;
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
		if (vt->size)
			memcpy(e + s->voff, v, vt->size);
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
