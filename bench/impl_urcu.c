/*
 * bench/impl_urcu.c - peer `urcu-lfht`: liburcu's lock-free resizable hash
 * table (rculfhash) with the urcu-memb flavour.
 *
 * Use as liburcu documents it: every thread that touches a table registers
 * (thread_enter/leave); lookups, insertions and removals run inside a
 * read-side critical section; a removed node is freed with call_rcu after a
 * grace period. The table auto-resizes (CDS_LFHT_AUTO_RESIZE with
 * ACCOUNTING), starting at one bucket: no size hint.
 *
 * Store is an upsert: look up; if present, update the value in place with
 * an atomic store (readers load it atomically, so they see the old or the
 * new value, never a torn one); if absent, cds_lfht_add_unique, and if
 * another thread inserted the key first, update that node instead. Nodes
 * carry their key inline (a copy of the string for str keys).
 *
 * Counting takes the same path with an atomic add of 1 to the node's value
 * (uatomic_add) instead of a store, and a new node carrying 1. An increment
 * racing with the removal of its node would be lost with the node; the
 * counting workloads delete nothing.
 *
 * _LGPL_SOURCE inlines the read-side fast paths, as liburcu's own
 * benchmarks do.
 */
#define _LGPL_SOURCE
#define _GNU_SOURCE
#include "impl.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <urcu/urcu-memb.h>
#include <urcu/rculfhash.h>
#include <xxhash.h>

typedef struct lnode {
	struct cds_lfht_node node;
	struct rcu_head rcu;
	uint64_t val;  /* read and written with uatomic */
	uint64_t ukey;
	char skey[];   /* str keys: the bytes and a NUL */
} lnode;

typedef struct lmap {
	struct cds_lfht *ht;
	gb_keys keys;
} lmap;

static int match_u64(struct cds_lfht_node *n, const void *key)
{
	return caa_container_of(n, lnode, node)->ukey == *(const uint64_t *)key;
}

static int match_str(struct cds_lfht_node *n, const void *key)
{
	return strcmp(caa_container_of(n, lnode, node)->skey, (const char *)key) == 0;
}

static void free_node(struct rcu_head *h)
{
	free(caa_container_of(h, lnode, rcu));
}

static void *lf_create(gb_keys keys, const void *ctx)
{
	(void)ctx;
	lmap *m = malloc(sizeof *m);
	if (!m)
		return NULL;
	m->keys = keys;
	m->ht = cds_lfht_new_flavor(1, 1, 0, CDS_LFHT_AUTO_RESIZE | CDS_LFHT_ACCOUNTING,
	                            &urcu_memb_flavor, NULL);
	if (!m->ht) {
		free(m);
		return NULL;
	}
	return m;
}

static void lf_destroy(void *p, const void *ctx)
{
	(void)ctx;
	lmap *m = p;
	struct cds_lfht_iter it;
	lnode *n;
	size_t cap = 1024, len = 0;
	lnode **dead = malloc(cap * sizeof *dead);
	/* Unlink everything, wait for a grace period, free: the same rules as
	 * for any removal, batched. */
	urcu_memb_read_lock();
	cds_lfht_for_each_entry(m->ht, &it, n, node) {
		if (cds_lfht_del(m->ht, &n->node) != 0)
			continue;
		if (dead && len == cap) {
			lnode **nd = realloc(dead, cap * 2 * sizeof *dead);
			if (nd) {
				dead = nd;
				cap *= 2;
			}
		}
		if (dead && len < cap)
			dead[len++] = n;
		else
			urcu_memb_call_rcu(&n->rcu, free_node);
	}
	urcu_memb_read_unlock();
	urcu_memb_synchronize_rcu();
	for (size_t i = 0; i < len; i++)
		free(dead[i]);
	free(dead);
	cds_lfht_destroy(m->ht, NULL);
	/* Pending call_rcu frees (from timed deletes) finish before the next
	 * run starts, so no run pays for the previous one. */
	urcu_memb_barrier();
	free(m);
}

static inline unsigned long hash_of(const lmap *m, const void *key, const void **match_key)
{
	if (m->keys == GB_STR) {
		const char *s = *(const char *const *)key;
		*match_key = s;
		return (unsigned long)XXH3_64bits(s, strlen(s));
	}
	*match_key = key;
	return (unsigned long)gb_mix64(*(const uint64_t *)key);
}

static int lf_load(void *p, const void *key, void *val)
{
	lmap *m = p;
	const void *mk;
	unsigned long h = hash_of(m, key, &mk);
	struct cds_lfht_iter it;
	int found = 0;
	urcu_memb_read_lock();
	cds_lfht_lookup(m->ht, h, m->keys == GB_STR ? match_str : match_u64, mk, &it);
	struct cds_lfht_node *n = cds_lfht_iter_get_node(&it);
	if (n) {
		*(uint64_t *)val = uatomic_read(&caa_container_of(n, lnode, node)->val);
		found = 1;
	}
	urcu_memb_read_unlock();
	return found;
}

/* Store of @v (@add false) or atomic add of @v (@add true); a new node
 * gets @v either way. 1 inserted, 0 updated, -12 out of memory. */
static int upsert(lmap *m, const void *key, uint64_t v, bool add)
{
	const void *mk;
	unsigned long h = hash_of(m, key, &mk);
	cds_lfht_match_fct match = m->keys == GB_STR ? match_str : match_u64;
	struct cds_lfht_iter it;
	int rc = 0;
	urcu_memb_read_lock();
	cds_lfht_lookup(m->ht, h, match, mk, &it);
	struct cds_lfht_node *n = cds_lfht_iter_get_node(&it);
	if (!n) {
		size_t extra = m->keys == GB_STR ? strlen(mk) + 1 : 0;
		lnode *nn = malloc(sizeof *nn + extra);
		if (!nn) {
			rc = -12;
			goto out;
		}
		cds_lfht_node_init(&nn->node);
		nn->val = v;
		if (m->keys == GB_STR)
			memcpy(nn->skey, mk, extra);
		else
			nn->ukey = *(const uint64_t *)key;
		n = cds_lfht_add_unique(m->ht, h, match, mk, &nn->node);
		if (n == &nn->node) {
			rc = 1;
			goto out;
		}
		/* Lost the race: nobody else has seen nn. */
		free(nn);
	}
	if (add)
		uatomic_add(&caa_container_of(n, lnode, node)->val, v);
	else
		uatomic_set(&caa_container_of(n, lnode, node)->val, v);
out:
	urcu_memb_read_unlock();
	return rc;
}

static int lf_store(void *p, const void *key, const void *val)
{
	return upsert(p, key, *(const uint64_t *)val, false);
}

static int lf_inc(void *p, const void *key)
{
	return upsert(p, key, 1, true);
}

static int lf_del(void *p, const void *key)
{
	lmap *m = p;
	const void *mk;
	unsigned long h = hash_of(m, key, &mk);
	struct cds_lfht_iter it;
	int rc = 0;
	urcu_memb_read_lock();
	cds_lfht_lookup(m->ht, h, m->keys == GB_STR ? match_str : match_u64, mk, &it);
	struct cds_lfht_node *n = cds_lfht_iter_get_node(&it);
	if (n && cds_lfht_del(m->ht, n) == 0) {
		urcu_memb_call_rcu(&caa_container_of(n, lnode, node)->rcu, free_node);
		rc = 1;
	}
	urcu_memb_read_unlock();
	return rc;
}

static uint64_t lf_iter(void *p, const void *ctx)
{
	(void)ctx;
	lmap *m = p;
	struct cds_lfht_iter it;
	lnode *n;
	uint64_t s = 0;
	urcu_memb_read_lock();
	cds_lfht_for_each_entry(m->ht, &it, n, node) {
		uint64_t v = uatomic_read(&n->val);
		s += m->keys == GB_STR ? (unsigned char)n->skey[0] + v : n->ukey ^ v;
	}
	urcu_memb_read_unlock();
	return s;
}

static uint64_t lf_sum(void *p, const void *ctx)
{
	(void)ctx;
	lmap *m = p;
	struct cds_lfht_iter it;
	lnode *n;
	uint64_t s = 0;
	urcu_memb_read_lock();
	cds_lfht_for_each_entry(m->ht, &it, n, node)
		s += uatomic_read(&n->val);
	urcu_memb_read_unlock();
	return s;
}

static void lf_enter(void)
{
	urcu_memb_register_thread();
}

static void lf_leave(void)
{
	urcu_memb_unregister_thread();
}

const gb_impl *gb_impl_urcu_lfht(void);
const gb_impl *gb_impl_urcu_lfht(void)
{
	static const gb_impl impl = {
		.name = "urcu-lfht",
		.group = "peer",
		.desc = "liburcu rculfhash (urcu-memb flavour, call_rcu frees)",
		.flags = GB_F_CONCURRENT,
		.version = "liburcu " GB_URCU_VERSION,
		.create = lf_create,
		.destroy = lf_destroy,
		.ops = {
			{ lf_load, lf_store, lf_del, lf_iter, lf_inc, lf_sum },
			{ lf_load, lf_store, lf_del, lf_iter, lf_inc, lf_sum },
		},
		.thread_enter = lf_enter,
		.thread_leave = lf_leave,
	};
	return &impl;
}
