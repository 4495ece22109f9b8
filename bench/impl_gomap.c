/*
 * bench/impl_gomap.c - gomap's own maps behind the adapter interface: the
 * plain map (`map`, single thread) and every concurrent variant that
 * gomap_cmap_list() reports, by its own name.
 *
 * The variants' gomap_cmap_ops functions have gb_ops's signatures, so they
 * are used as they are: an operation costs one indirect call into the
 * library, the same as for any peer. Which parts of the library exist is
 * known at configure time (GB_HAVE_MAP, GB_HAVE_CMAP: CMake looks for their
 * definitions in src/), so the benchmark builds while the library grows.
 */
#include "impl.h"

#include <stdbool.h>
#include <stdlib.h>

#include <gomap/cmap.h>
#include <gomap/map.h>

int gb_gomap_impls(const gb_impl **out, int max);

#if defined(GB_HAVE_MAP) || defined(GB_HAVE_CMAP)
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
#endif

#ifdef GB_HAVE_MAP
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
		{ map_load, map_store, map_del, map_iter_u64 },
		{ map_load, map_store, map_del, map_iter_str },
	},
};
#endif

#ifdef GB_HAVE_CMAP
static void *cmap_create(gb_keys keys, const void *ctx)
{
	const gomap_cmap_ops *ops = ctx;
	void *m;
	return ops->create(&m, key_type(keys), &gomap_type_u64) == 0 ? m : NULL;
}

static void cmap_destroy(void *m, const void *ctx)
{
	((const gomap_cmap_ops *)ctx)->destroy(m);
}

static uint64_t cmap_iter_u64(void *m, const void *ctx)
{
	uint64_t s = 0;
	((const gomap_cmap_ops *)ctx)->range(m, sum_u64, &s);
	return s;
}

static uint64_t cmap_iter_str(void *m, const void *ctx)
{
	uint64_t s = 0;
	((const gomap_cmap_ops *)ctx)->range(m, sum_str, &s);
	return s;
}

#define GB_MAX_CMAPS 16
static gb_impl cmap_impls[GB_MAX_CMAPS];
#endif

/* gb_gomap_impls - gomap's maps present in this build, into out[0..max). */
int gb_gomap_impls(const gb_impl **out, int max)
{
	int n = 0;
#ifdef GB_HAVE_MAP
	if (n < max)
		out[n++] = &impl_map;
#endif
#ifdef GB_HAVE_CMAP
	const gomap_cmap_ops *const *list = gomap_cmap_list();
	for (int i = 0; list && list[i] && i < GB_MAX_CMAPS && n < max; i++) {
		const gomap_cmap_ops *ops = list[i];
		gb_impl *g = &cmap_impls[i];
		*g = (gb_impl){
			.name = ops->name,
			.group = "gomap",
			.desc = "gomap concurrent variant (gomap_cmap_find)",
			.flags = GB_F_CONCURRENT,
			.ctx = ops,
			.create = cmap_create,
			.destroy = cmap_destroy,
			.ops = {
				{ ops->load, ops->store, ops->del, cmap_iter_u64 },
				{ ops->load, ops->store, ops->del, cmap_iter_str },
			},
		};
		out[n++] = g;
	}
#endif
	(void)out;
	(void)max;
	return n;
}
