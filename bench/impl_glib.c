/*
 * bench/impl_glib.c - peer `glib`: GLib's GHashTable, single thread.
 *
 * u64 keys are stored in the key pointer itself (64-bit pointers) and hashed
 * by folding the halves (GHashTable takes a 32-bit hash; key64 keys are well
 * mixed already); values live in the value pointer. str keys are g_strdup'ed
 * copies owned by this adapter (the table has no destroy functions): a store
 * of a key already present passes the stored key back to
 * g_hash_table_insert, which then only replaces the value, so no copy is
 * made for an overwrite; a delete steals the entry and frees the copy.
 * Counting: a lookup, then an insert of the count + 1 (GHashTable has no
 * insert-or-find), through the same store paths.
 */
#include "impl.h"

#include <glib.h>

typedef struct gmap {
	GHashTable *h;
	gb_keys keys;
} gmap;

static guint hash_u64(gconstpointer k)
{
	uint64_t x = (uint64_t)(uintptr_t)k;
	return (guint)(x ^ (x >> 32));
}

static void *g_create(gb_keys keys, const void *ctx)
{
	(void)ctx;
	gmap *m = g_try_new(gmap, 1);
	if (!m)
		return NULL;
	m->keys = keys;
	m->h = keys == GB_STR ? g_hash_table_new(g_str_hash, g_str_equal)
	                      : g_hash_table_new(hash_u64, g_direct_equal);
	return m;
}

static void g_destroy(void *p, const void *ctx)
{
	(void)ctx;
	gmap *m = p;
	if (m->keys == GB_STR) {
		GHashTableIter it;
		gpointer k;
		g_hash_table_iter_init(&it, m->h);
		while (g_hash_table_iter_next(&it, &k, NULL))
			g_free(k);
	}
	g_hash_table_destroy(m->h);
	g_free(m);
}

static inline gconstpointer ukey(const void *key)
{
	return (gconstpointer)(uintptr_t)*(const uint64_t *)key;
}

static inline gpointer uval(const void *val)
{
	return (gpointer)(uintptr_t)*(const uint64_t *)val;
}

static int g_load_u64(void *p, const void *key, void *val)
{
	gpointer v;
	if (!g_hash_table_lookup_extended(((gmap *)p)->h, ukey(key), NULL, &v))
		return 0;
	*(uint64_t *)val = (uint64_t)(uintptr_t)v;
	return 1;
}

static int g_store_u64(void *p, const void *key, const void *val)
{
	return g_hash_table_insert(((gmap *)p)->h, (gpointer)ukey(key), uval(val));
}

static int g_del_u64(void *p, const void *key)
{
	return g_hash_table_remove(((gmap *)p)->h, ukey(key));
}

static int g_load_str(void *p, const void *key, void *val)
{
	gpointer v;
	if (!g_hash_table_lookup_extended(((gmap *)p)->h, *(const char *const *)key, NULL, &v))
		return 0;
	*(uint64_t *)val = (uint64_t)(uintptr_t)v;
	return 1;
}

static int g_store_str(void *p, const void *key, const void *val)
{
	GHashTable *h = ((gmap *)p)->h;
	const char *k = *(const char *const *)key;
	gpointer kept;
	if (g_hash_table_lookup_extended(h, k, &kept, NULL)) {
		g_hash_table_insert(h, kept, uval(val));
		return 0;
	}
	return g_hash_table_insert(h, g_strdup(k), uval(val));
}

static int g_inc_u64(void *p, const void *key)
{
	GHashTable *h = ((gmap *)p)->h;
	/* An absent key reads as NULL, a count of 0 (stored counts are >= 1). */
	uint64_t n = (uint64_t)(uintptr_t)g_hash_table_lookup(h, ukey(key)) + 1;
	return g_hash_table_insert(h, (gpointer)ukey(key), (gpointer)(uintptr_t)n);
}

static int g_inc_str(void *p, const void *key)
{
	GHashTable *h = ((gmap *)p)->h;
	const char *k = *(const char *const *)key;
	gpointer kept, v;
	if (g_hash_table_lookup_extended(h, k, &kept, &v)) {
		g_hash_table_insert(h, kept, (gpointer)((uintptr_t)v + 1));
		return 0;
	}
	g_hash_table_insert(h, g_strdup(k), (gpointer)(uintptr_t)1);
	return 1;
}

static int g_del_str(void *p, const void *key)
{
	gpointer kept;
	if (!g_hash_table_steal_extended(((gmap *)p)->h, *(const char *const *)key, &kept, NULL))
		return 0;
	g_free(kept);
	return 1;
}

static uint64_t g_sum(void *p, const void *ctx)
{
	(void)ctx;
	GHashTableIter it;
	gpointer v;
	uint64_t s = 0;
	g_hash_table_iter_init(&it, ((gmap *)p)->h);
	while (g_hash_table_iter_next(&it, NULL, &v))
		s += (uint64_t)(uintptr_t)v;
	return s;
}

static uint64_t g_iter(void *p, const void *ctx)
{
	(void)ctx;
	gmap *m = p;
	GHashTableIter it;
	gpointer k, v;
	uint64_t s = 0;
	g_hash_table_iter_init(&it, m->h);
	while (g_hash_table_iter_next(&it, &k, &v))
		s += m->keys == GB_STR ? (unsigned char)*(const char *)k + (uint64_t)(uintptr_t)v
		                       : (uint64_t)(uintptr_t)k ^ (uint64_t)(uintptr_t)v;
	return s;
}

const gb_impl *gb_impl_glib(void);
const gb_impl *gb_impl_glib(void)
{
	static char version[48];
	static gb_impl impl = {
		.name = "glib",
		.group = "peer",
		.desc = "GLib GHashTable (single thread)",
		.create = g_create,
		.destroy = g_destroy,
		.ops = {
			{ g_load_u64, g_store_u64, g_del_u64, g_iter, g_inc_u64, g_sum },
			{ g_load_str, g_store_str, g_del_str, g_iter, g_inc_str, g_sum },
		},
	};
	g_snprintf(version, sizeof version, "glib %u.%u.%u", glib_major_version,
	           glib_minor_version, glib_micro_version);
	impl.version = version;
	return &impl;
}
