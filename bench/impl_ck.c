/*
 * bench/impl_ck.c - peer `ck-ht`: Concurrency Kit's ck_ht, used within its
 * SPMC contract: any number of readers (ck_ht_get_spmc) run concurrently
 * with one writer at a time, so writers are serialised by a mutex.
 *
 * Memory: ck_ht frees a table it replaced (growth) with defer=true while
 * readers may still be probing it. Those frees go through ck_epoch: every
 * read is an epoch section, deferred frees are ck_epoch_call'ed on the
 * writer's record and dispatched by ck_epoch_poll once no reader can hold
 * them. The same applies to the key copies of str maps, which readers
 * compare: a removed key is freed through the epoch too. ck_malloc has no
 * context pointer, so the epoch is one for the process and each thread has
 * its own record (thread_enter/leave).
 *
 * u64 keys use CK_HT_MODE_DIRECT, where the key values 0 and ~0 mark empty
 * and deleted slots; those two keys live in two side cells instead (read
 * with atomic loads, written under the writer mutex). Workloads with deletes
 * are the common case here, so CK_HT_WORKLOAD_DELETE is set. The table
 * starts at the smallest size ck_ht accepts: no size hint.
 *
 * Counting: writers are serialised by the mutex, so an increment is a
 * lookup and a store of the count + 1 under it (readers see the old count
 * or the new one).
 */
#define _GNU_SOURCE
#include "impl.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <ck_epoch.h>
#include <ck_ht.h>

/* Every block ck_ht (or this adapter) frees late carries its epoch entry. */
typedef struct ck_hdr {
	ck_epoch_entry_t entry;
	size_t size;
	size_t pad; /* keeps the payload 16-byte aligned */
} ck_hdr;

static ck_epoch_t epoch;
static pthread_once_t epoch_once = PTHREAD_ONCE_INIT;
static _Thread_local ck_epoch_record_t *rec;

static void epoch_init(void)
{
	ck_epoch_init(&epoch);
}

static void *ck_alloc(size_t size)
{
	ck_hdr *h = malloc(sizeof *h + size);
	if (!h)
		return NULL;
	h->size = size;
	return h + 1;
}

CK_EPOCH_CONTAINER(ck_hdr, entry, hdr_of)

static void deferred_free(ck_epoch_entry_t *e)
{
	free(hdr_of(e));
}

static void ck_free(void *p, size_t size, bool defer)
{
	(void)size;
	if (!p)
		return;
	ck_hdr *h = (ck_hdr *)p - 1;
	if (!defer || !rec) {
		free(h);
		return;
	}
	ck_epoch_call(rec, &h->entry, deferred_free);
	ck_epoch_poll(rec);
}

static void *ck_realloc(void *p, size_t old, size_t size, bool defer)
{
	void *n = ck_alloc(size);
	if (!n)
		return NULL;
	if (p)
		memcpy(n, p, old < size ? old : size);
	ck_free(p, old, defer);
	return n;
}

static struct ck_malloc allocator = { ck_alloc, ck_realloc, ck_free };

typedef struct cmap {
	ck_ht_t ht;
	gb_keys keys;
	pthread_mutex_t wlock;
	/* DIRECT mode's reserved keys 0 and ~0. */
	atomic_int side_present[2];
	_Atomic uint64_t side_val[2];
} cmap;

static int side_of(uint64_t k)
{
	return k == CK_HT_KEY_EMPTY ? 0 : k == CK_HT_KEY_TOMBSTONE ? 1 : -1;
}

static void *c_create(gb_keys keys, const void *ctx)
{
	(void)ctx;
	pthread_once(&epoch_once, epoch_init);
	cmap *m = calloc(1, sizeof *m);
	if (!m)
		return NULL;
	m->keys = keys;
	pthread_mutex_init(&m->wlock, NULL);
	unsigned mode = (keys == GB_STR ? CK_HT_MODE_BYTESTRING : CK_HT_MODE_DIRECT) |
	                CK_HT_WORKLOAD_DELETE;
	if (!ck_ht_init(&m->ht, mode, NULL, &allocator, 1, 0x9E3779B97F4A7C15ull)) {
		pthread_mutex_destroy(&m->wlock);
		free(m);
		return NULL;
	}
	return m;
}

static void c_destroy(void *p, const void *ctx)
{
	(void)ctx;
	cmap *m = p;
	if (m->keys == GB_STR) {
		ck_ht_iterator_t it = CK_HT_ITERATOR_INITIALIZER;
		ck_ht_entry_t *e;
		while (ck_ht_next(&m->ht, &it, &e))
			ck_free(ck_ht_entry_key(e), ck_ht_entry_key_length(e), false);
	}
	ck_ht_destroy(&m->ht);
	/* Deferred frees of this map's old tables run before the next run. */
	if (rec)
		ck_epoch_barrier(rec);
	pthread_mutex_destroy(&m->wlock);
	free(m);
}

static void c_hash(cmap *m, const void *key, ck_ht_hash_t *h, const char **s, uint16_t *len)
{
	if (m->keys == GB_STR) {
		*s = *(const char *const *)key;
		*len = (uint16_t)strlen(*s);
		ck_ht_hash(h, &m->ht, *s, *len);
	} else {
		ck_ht_hash_direct(h, &m->ht, (uintptr_t)*(const uint64_t *)key);
	}
}

static int c_load(void *p, const void *key, void *val)
{
	cmap *m = p;
	ck_ht_hash_t h;
	ck_ht_entry_t e;
	const char *s = NULL;
	uint16_t len = 0;
	if (m->keys == GB_U64) {
		int side = side_of(*(const uint64_t *)key);
		if (side >= 0) {
			if (!atomic_load_explicit(&m->side_present[side], memory_order_acquire))
				return 0;
			*(uint64_t *)val = atomic_load_explicit(&m->side_val[side], memory_order_relaxed);
			return 1;
		}
	}
	c_hash(m, key, &h, &s, &len);
	if (m->keys == GB_STR)
		ck_ht_entry_key_set(&e, s, len);
	else
		ck_ht_entry_key_set_direct(&e, (uintptr_t)*(const uint64_t *)key);
	ck_epoch_section_t sec;
	ck_epoch_begin(rec, &sec);
	bool found = ck_ht_get_spmc(&m->ht, h, &e);
	ck_epoch_end(rec, &sec);
	if (!found)
		return 0;
	*(uint64_t *)val = m->keys == GB_STR ? (uint64_t)(uintptr_t)ck_ht_entry_value(&e)
	                                     : (uint64_t)ck_ht_entry_value_direct(&e);
	return 1;
}

/* Upsert of @v; the caller holds wlock. */
static int store_locked(cmap *m, const void *key, uint64_t v)
{
	ck_ht_hash_t h;
	ck_ht_entry_t e;
	const char *s = NULL;
	uint16_t len = 0;
	int rc = 0;
	if (m->keys == GB_U64) {
		uint64_t k = *(const uint64_t *)key;
		int side = side_of(k);
		if (side >= 0) {
			atomic_store_explicit(&m->side_val[side], v, memory_order_relaxed);
			/* Pairs with the acquire load in c_load. */
			atomic_store_explicit(&m->side_present[side], 1, memory_order_release);
		} else {
			c_hash(m, key, &h, &s, &len);
			ck_ht_entry_set_direct(&e, h, (uintptr_t)k, (uintptr_t)v);
			if (!ck_ht_set_spmc(&m->ht, h, &e))
				rc = -12;
		}
		return rc;
	}
	c_hash(m, key, &h, &s, &len);
	/* The writer is alone: find the stored key and reuse its copy. */
	ck_ht_entry_key_set(&e, s, len);
	if (ck_ht_get_spmc(&m->ht, h, &e)) {
		void *kept = ck_ht_entry_key(&e);
		ck_ht_entry_set(&e, h, kept, len, (const void *)(uintptr_t)v);
		if (!ck_ht_set_spmc(&m->ht, h, &e))
			rc = -12;
	} else {
		char *copy = ck_alloc((size_t)len + 1);
		if (!copy) {
			rc = -12;
		} else {
			memcpy(copy, s, (size_t)len + 1);
			ck_ht_entry_set(&e, h, copy, len, (const void *)(uintptr_t)v);
			if (ck_ht_put_spmc(&m->ht, h, &e)) {
				rc = 1;
			} else {
				ck_free(copy, (size_t)len + 1, false);
				rc = -12;
			}
		}
	}
	return rc;
}

static int c_store(void *p, const void *key, const void *val)
{
	cmap *m = p;
	pthread_mutex_lock(&m->wlock);
	int rc = store_locked(m, key, *(const uint64_t *)val);
	pthread_mutex_unlock(&m->wlock);
	return rc;
}

static int c_inc(void *p, const void *key)
{
	cmap *m = p;
	uint64_t v = 0;
	pthread_mutex_lock(&m->wlock);
	int had = c_load(p, key, &v);
	int rc = store_locked(m, key, v + 1);
	pthread_mutex_unlock(&m->wlock);
	return rc < 0 ? rc : !had;
}

static int c_del(void *p, const void *key)
{
	cmap *m = p;
	ck_ht_hash_t h;
	ck_ht_entry_t e;
	const char *s = NULL;
	uint16_t len = 0;
	int rc = 0;
	pthread_mutex_lock(&m->wlock);
	if (m->keys == GB_U64) {
		uint64_t k = *(const uint64_t *)key;
		int side = side_of(k);
		if (side >= 0) {
			rc = atomic_exchange_explicit(&m->side_present[side], 0, memory_order_relaxed);
		} else {
			c_hash(m, key, &h, &s, &len);
			ck_ht_entry_key_set_direct(&e, (uintptr_t)k);
			rc = ck_ht_remove_spmc(&m->ht, h, &e);
		}
	} else {
		c_hash(m, key, &h, &s, &len);
		ck_ht_entry_key_set(&e, s, len);
		if (ck_ht_remove_spmc(&m->ht, h, &e)) {
			/* Readers may still be comparing against this copy. */
			ck_free(ck_ht_entry_key(&e), (size_t)len + 1, true);
			rc = 1;
		}
	}
	pthread_mutex_unlock(&m->wlock);
	return rc;
}

static uint64_t c_iter(void *p, const void *ctx)
{
	(void)ctx;
	cmap *m = p;
	uint64_t sum = 0;
	/* ck_ht_next needs the table free of writers. */
	pthread_mutex_lock(&m->wlock);
	ck_ht_iterator_t it = CK_HT_ITERATOR_INITIALIZER;
	ck_ht_entry_t *e;
	while (ck_ht_next(&m->ht, &it, &e)) {
		if (m->keys == GB_STR)
			sum += (unsigned char)*(const char *)ck_ht_entry_key(e) +
			       (uint64_t)(uintptr_t)ck_ht_entry_value(e);
		else
			sum += (uint64_t)ck_ht_entry_key_direct(e) ^
			       (uint64_t)ck_ht_entry_value_direct(e);
	}
	for (int i = 0; i < 2 && m->keys == GB_U64; i++)
		if (atomic_load(&m->side_present[i]))
			sum += atomic_load(&m->side_val[i]);
	pthread_mutex_unlock(&m->wlock);
	return sum;
}

static uint64_t c_sum(void *p, const void *ctx)
{
	(void)ctx;
	cmap *m = p;
	uint64_t sum = 0;
	pthread_mutex_lock(&m->wlock);
	ck_ht_iterator_t it = CK_HT_ITERATOR_INITIALIZER;
	ck_ht_entry_t *e;
	while (ck_ht_next(&m->ht, &it, &e))
		sum += m->keys == GB_STR ? (uint64_t)(uintptr_t)ck_ht_entry_value(e)
		                         : (uint64_t)ck_ht_entry_value_direct(e);
	for (int i = 0; i < 2 && m->keys == GB_U64; i++)
		if (atomic_load(&m->side_present[i]))
			sum += atomic_load(&m->side_val[i]);
	pthread_mutex_unlock(&m->wlock);
	return sum;
}

static void c_enter(void)
{
	pthread_once(&epoch_once, epoch_init);
	rec = ck_epoch_recycle(&epoch, NULL);
	if (!rec) {
		rec = malloc(sizeof *rec);
		if (!rec)
			abort();
		ck_epoch_register(&epoch, rec, NULL);
	}
}

static void c_leave(void)
{
	/* Dispatch what this thread deferred, then hand the record back. */
	ck_epoch_barrier(rec);
	ck_epoch_unregister(rec);
	rec = NULL;
}

const gb_impl *gb_impl_ck_ht(void);
const gb_impl *gb_impl_ck_ht(void)
{
	static const gb_impl impl = {
		.name = "ck-ht",
		.group = "peer",
		.desc = "Concurrency Kit ck_ht (SPMC; writers behind a mutex; ck_epoch)",
		.flags = GB_F_CONCURRENT,
		.version = "ck " GB_CK_VERSION,
		.create = c_create,
		.destroy = c_destroy,
		.ops = {
			{ c_load, c_store, c_del, c_iter, c_inc, c_sum },
			{ c_load, c_store, c_del, c_iter, c_inc, c_sum },
		},
		.thread_enter = c_enter,
		.thread_leave = c_leave,
	};
	return &impl;
}
