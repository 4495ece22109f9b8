/*
 * bench/impl_gomap.c - gomap's own maps behind the adapter interface: the
 * plain map (`map`, single thread) and every concurrent variant that
 * gomap_cmap_list() reports, by its own name.
 *
 * The variants' gomap_cmap_ops functions have gb_ops's signatures, so they
 * are used as they are: an operation costs one indirect call into the
 * library, the same as for any peer.
 *
 * Counting (gb_ops.inc): each map's increment is one function below. The
 * plain map uses gomap_map_put_ptr (Go's m[k]++: one hash, one probe);
 * every safe variant its gomap_V_update, whose callback adds one to the
 * value (zero when absent) and sets it.
 *
 * String values (`gomap bench --values str`, which sets GOMAP_BENCH_VALUES=str
 * for the cells' child processes): the safe variants then hold owned string
 * values (gomap_type_str). A store writes the driver's u64 as 16 hex digits
 * (the map copies them); a load takes the map's malloc'd copy, reads its
 * first 8 bytes into the output and frees it, as a caller would. The
 * counting workloads need u64 counts: they are not run in this mode.
 */
#include "impl.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <gomap/cmap.h>
#include <gomap/map.h>
#include <gomap/chan.h>
#include <gomap/mutex.h>
#include <gomap/rwmutex.h>
#include <gomap/shard.h>
#include <gomap/sync.h>

int gb_gomap_impls(const gb_impl **out, int max);

static const gomap_type *key_type(gb_keys keys)
{
	/* Owned string keys: the map keeps its own copy, like every peer. */
	return keys == GB_STR ? &gomap_type_str : &gomap_type_u64;
}

static bool sum_u64(const void *key, void *val, void *ctx)
{
	*(uint64_t *)ctx += *(const uint64_t *)key ^ *(const uint64_t *)val;
	return true;
}

static bool sum_str(const void *key, void *val, void *ctx)
{
	*(uint64_t *)ctx += (unsigned char)(*(const char *const *)key)[0] +
	                    *(const uint64_t *)val;
	return true;
}

/* Adds the value to the total (gb_ops.sum). */
static bool sum_val(const void *key, void *val, void *ctx)
{
	(void)key;
	*(uint64_t *)ctx += *(const uint64_t *)val;
	return true;
}

/* m[k]++: the value's address (zeroed on insert), one probe. */
static int plain_inc(gomap_map_t *pm, const void *key)
{
	void *v;
	int rc = gomap_map_put_ptr(pm, key, &v);
	if (rc >= 0)
		++*(uint64_t *)v;
	return rc;
}

static void *map_create(gb_keys keys, const void *ctx)
{
	(void)ctx;
	gomap_map_t *m;
	return gomap_map_new(&m, key_type(keys), &gomap_type_u64, 0) == 0 ? m : NULL;
}

static void map_destroy(void *m, const void *ctx)
{
	(void)ctx;
	gomap_map_free(m);
}

static int map_load(void *m, const void *key, void *val)
{
	return gomap_map_get(m, key, val);
}

static int map_store(void *m, const void *key, const void *val)
{
	return gomap_map_put(m, key, val);
}

static int map_del(void *m, const void *key)
{
	return gomap_map_delete(m, key);
}

static int map_inc(void *m, const void *key)
{
	return plain_inc(m, key);
}

static uint64_t map_sum(void *m, const void *ctx)
{
	(void)ctx;
	uint64_t s = 0;
	gomap_map_range(m, sum_val, &s);
	return s;
}

static uint64_t map_iter(void *m, bool str)
{
	gomap_iter it;
	const void *k;
	void *v;
	uint64_t s = 0;
	gomap_map_iter_init(m, &it);
	while (gomap_map_iter_next(&it, &k, &v))
		(str ? sum_str : sum_u64)(k, v, &s);
	return s;
}

static uint64_t map_iter_u64(void *m, const void *ctx)
{
	(void)ctx;
	return map_iter(m, false);
}

static uint64_t map_iter_str(void *m, const void *ctx)
{
	(void)ctx;
	return map_iter(m, true);
}

static const gb_impl impl_map = {
	.name = "map",
	.group = "gomap",
	.desc = "gomap plain map (Go's map; single thread)",
	.create = map_create,
	.destroy = map_destroy,
	.ops = {
		{ map_load, map_store, map_del, map_iter_u64, map_inc, map_sum },
		{ map_load, map_store, map_del, map_iter_str, map_inc, map_sum },
	},
};

static bool str_values; /* GOMAP_BENCH_VALUES=str, read once */

static void *cmap_create(gb_keys keys, const void *ctx)
{
	const gomap_cmap_ops *ops = ctx;
	void *m;
	const gomap_type *vt = str_values ? &gomap_type_str : &gomap_type_u64;
	return ops->create(&m, key_type(keys), vt) == 0 ? m : NULL;
}

/* A u64 as 16 hex digits and a NUL. */
static void sv_encode(char buf[17], uint64_t v)
{
	static const char hex[] = "0123456789abcdef";
	for (int i = 15; i >= 0; i--, v >>= 4)
		buf[i] = hex[v & 15];
	buf[16] = '\0';
}

#define GB_STR_VALUES(v)                                                       \
	static int v##_sload(void *m, const void *key, void *val_out)          \
	{                                                                      \
		char *s;                                                       \
		int rc = gomap_##v##_load(m, key, val_out ? (void *)&s : NULL); \
		if (rc == 1 && val_out) {                                      \
			memcpy(val_out, s, 8);                                 \
			free(s);                                               \
		}                                                              \
		return rc;                                                     \
	}                                                                      \
	static int v##_sstore(void *m, const void *key, const void *val)       \
	{                                                                      \
		char buf[17];                                                  \
		const char *p = buf;                                           \
		sv_encode(buf, *(const uint64_t *)val);                        \
		return gomap_##v##_store(m, key, &p);                          \
	}
GB_STR_VALUES(mutex)
GB_STR_VALUES(rwmutex)
GB_STR_VALUES(shard)
GB_STR_VALUES(sync)
GB_STR_VALUES(chan)

/* Range callbacks of string-value maps: read the key and the value's
 * first byte. */
static bool sum_u64_sv(const void *key, void *val, void *ctx)
{
	*(uint64_t *)ctx += *(const uint64_t *)key ^ (unsigned char)**(char **)val;
	return true;
}

static bool sum_str_sv(const void *key, void *val, void *ctx)
{
	*(uint64_t *)ctx += (unsigned char)(*(const char *const *)key)[0] +
	                    (unsigned char)**(char **)val;
	return true;
}

static void cmap_destroy(void *m, const void *ctx)
{
	((const gomap_cmap_ops *)ctx)->destroy(m);
}

static uint64_t cmap_iter_u64(void *m, const void *ctx)
{
	uint64_t s = 0;
	((const gomap_cmap_ops *)ctx)->range(m, str_values ? sum_u64_sv : sum_u64, &s);
	return s;
}

static uint64_t cmap_iter_str(void *m, const void *ctx)
{
	uint64_t s = 0;
	((const gomap_cmap_ops *)ctx)->range(m, str_values ? sum_str_sv : sum_str, &s);
	return s;
}

static uint64_t cmap_sum(void *m, const void *ctx)
{
	uint64_t s = 0;
	((const gomap_cmap_ops *)ctx)->range(m, sum_val, &s);
	return s;
}

/* The update callback of every safe variant: count + 1, inserting 1. */
static gomap_update_decision inc_cb(const void *key, void *val, bool present, void *ctx)
{
	(void)key, (void)present, (void)ctx;
	++*(uint64_t *)val;
	return GOMAP_UPDATE_SET;
}

/* update answers 1 (was present) or 0 (inserted); inc answers the reverse. */
#define GB_UPDATE_INC(v)                                                       \
	static int v##_inc(void *m, const void *key)                           \
	{                                                                      \
		int rc = gomap_##v##_update(m, key, inc_cb, NULL);             \
		return rc < 0 ? rc : !rc;                                      \
	}
GB_UPDATE_INC(mutex)
GB_UPDATE_INC(rwmutex)
GB_UPDATE_INC(shard)
GB_UPDATE_INC(sync)
GB_UPDATE_INC(chan)

/* Each variant's increment, by its gomap_cmap_ops name; a variant missing
 * here has no counting cells. */
static const struct {
	const char *name;
	int (*inc)(void *m, const void *key);
	int (*sload)(void *m, const void *key, void *val_out);
	int (*sstore)(void *m, const void *key, const void *val);
} cmap_incs[] = {
	{ "mutex", mutex_inc, mutex_sload, mutex_sstore },
	{ "rwmutex", rwmutex_inc, rwmutex_sload, rwmutex_sstore },
	{ "shard", shard_inc, shard_sload, shard_sstore },
	{ "sync", sync_inc, sync_sload, sync_sstore },
	{ "chan", chan_inc, chan_sload, chan_sstore },
};

static int cmap_index_of(const char *name)
{
	for (size_t i = 0; i < sizeof cmap_incs / sizeof *cmap_incs; i++)
		if (strcmp(cmap_incs[i].name, name) == 0)
			return (int)i;
	return -1;
}

#define GB_MAX_CMAPS 16
static gb_impl cmap_impls[GB_MAX_CMAPS];

/* gb_gomap_impls - gomap's maps, into out[0..max). */
int gb_gomap_impls(const gb_impl **out, int max)
{
	int n = 0;
	if (n < max)
		out[n++] = &impl_map;
	/* Every safe variant the library lists, by its own name. */
	const char *vals = getenv("GOMAP_BENCH_VALUES");
	str_values = vals && strcmp(vals, "str") == 0;
	const gomap_cmap_ops *const *list = gomap_cmap_list();
	for (int i = 0; list && list[i] && i < GB_MAX_CMAPS && n < max; i++) {
		const gomap_cmap_ops *ops = list[i];
		gb_impl *g = &cmap_impls[i];
		int x = cmap_index_of(ops->name);
		if (str_values && x < 0)
			continue; /* no string-value wrappers: not benchmarked */
		/* string values: no counting (the counts are u64) */
		int (*inc)(void *, const void *) = x >= 0 && !str_values ? cmap_incs[x].inc : NULL;
		uint64_t (*sum)(void *, const void *) = inc ? cmap_sum : NULL;
		int (*load)(void *, const void *, void *) = str_values ? cmap_incs[x].sload : ops->load;
		int (*store)(void *, const void *, const void *) = str_values ? cmap_incs[x].sstore : ops->store;
		*g = (gb_impl){
			.name = ops->name,
			.group = "gomap",
			.desc = str_values ? "gomap concurrent variant, string values (--values str)"
			                   : "gomap concurrent variant (gomap_cmap_find)",
			.flags = GB_F_CONCURRENT,
			.ctx = ops,
			.create = cmap_create,
			.destroy = cmap_destroy,
			.ops = {
				{ load, store, ops->del, cmap_iter_u64, inc, sum },
				{ load, store, ops->del, cmap_iter_str, inc, sum },
			},
		};
		out[n++] = g;
	}
	return n;
}
