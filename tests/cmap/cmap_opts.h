/*
 * tests/cmap/cmap_opts.h - create the variant under test (V, see
 * cmap_test.h) with options: a size hint and an allocator hook. The ops
 * table's create uses default options, so the tests of the options
 * themselves (allocator hooks, size hints, allocation counts) go through
 * each variant's own gomap_V_new here, by V's name.
 *
 * A counting allocator (ct_counter) comes with it: thread-safe (chan's
 * owner thread and liburcu's call_rcu thread use it too), with an optional
 * budget of live bytes beyond which it fails.
 */
#ifndef GOMAP_CMAP_OPTS_H
#define GOMAP_CMAP_OPTS_H

#include <stdatomic.h>

#include <gomap/chan.h>
#include <gomap/mutex.h>
#include <gomap/rwmutex.h>
#include <gomap/shard.h>
#include <gomap/sync.h>

#include "cmap_test.h"

/* gomap_V_new(out, kt, vt, {hint, alloc}) for the variant V. */
static inline int ct_create_opts(void **out, const gomap_type *kt,
                                 const gomap_type *vt, size_t hint,
                                 const gomap_allocator *a)
{
	const char *n = V->name;
	int rc;
	if (strcmp(n, "mutex") == 0) {
		gomap_mutex_options o = {.hint = hint, .alloc = a};
		gomap_mutex_t *m = (gomap_mutex_t *)1;
		rc = gomap_mutex_new(&m, kt, vt, &o);
		*out = m;
	} else if (strcmp(n, "rwmutex") == 0) {
		gomap_rwmutex_options o = {.hint = hint, .alloc = a};
		gomap_rwmutex_t *m = (gomap_rwmutex_t *)1;
		rc = gomap_rwmutex_new(&m, kt, vt, &o);
		*out = m;
	} else if (strcmp(n, "shard") == 0) {
		gomap_shard_options o = {.hint = hint, .alloc = a};
		gomap_shard_t *m = (gomap_shard_t *)1;
		rc = gomap_shard_new(&m, kt, vt, &o);
		*out = m;
	} else if (strcmp(n, "sync") == 0) {
		gomap_sync_options o = {.hint = hint, .alloc = a};
		gomap_sync_t *m = (gomap_sync_t *)1;
		rc = gomap_sync_new(&m, kt, vt, &o);
		*out = m;
	} else if (strcmp(n, "chan") == 0) {
		gomap_chan_options o = {.hint = hint, .alloc = a};
		gomap_chan_t *m = (gomap_chan_t *)1;
		rc = gomap_chan_new(&m, kt, vt, &o);
		*out = m;
	} else {
		fail_msg("no options constructor for variant %s", n);
		rc = GOMAP_ENOTSUP;
	}
	return rc;
}

/* sync frees dropped entries after an RCU grace period: wait for them
 * before counting live blocks. No-op on the other variants. */
static inline void ct_quiesce(void *m)
{
	if (strcmp(V->name, "sync") == 0)
		assert_int_equal(gomap_sync_barrier(m), 0);
}

/* ---- a counting allocator with an optional budget ---------------------- */

typedef struct ct_counter {
	atomic_long calls;     /* alloc + alloc_zeroed calls, failed included */
	atomic_long live;      /* blocks */
	atomic_size_t bytes;   /* live bytes */
	atomic_size_t budget;  /* 0: unlimited; else live bytes allowed */
	atomic_long failures;
	atomic_long bad_frees; /* size given back != size asked for */
} ct_counter;

#define CT_HDR 16 /* keeps malloc's alignment */

static inline void *ct_counter_alloc(void *ctx, size_t size)
{
	ct_counter *c = ctx;
	atomic_fetch_add(&c->calls, 1);
	size_t budget = atomic_load(&c->budget);
	size_t was = atomic_fetch_add(&c->bytes, size);
	if ((budget && was + size > budget) || size > SIZE_MAX - CT_HDR) {
		atomic_fetch_sub(&c->bytes, size);
		atomic_fetch_add(&c->failures, 1);
		return NULL;
	}
	unsigned char *p = malloc(size + CT_HDR);
	if (!p) {
		atomic_fetch_sub(&c->bytes, size);
		atomic_fetch_add(&c->failures, 1);
		return NULL;
	}
	memcpy(p, &size, sizeof size);
	atomic_fetch_add(&c->live, 1);
	return p + CT_HDR;
}

static inline void ct_counter_free(void *ctx, void *ptr, size_t size)
{
	ct_counter *c = ctx;
	if (!ptr)
		return;
	unsigned char *p = (unsigned char *)ptr - CT_HDR;
	size_t was;
	memcpy(&was, p, sizeof was);
	if (was != size)
		atomic_fetch_add(&c->bad_frees, 1);
	atomic_fetch_sub(&c->bytes, was);
	atomic_fetch_sub(&c->live, 1);
	free(p);
}

static inline gomap_allocator ct_counter_init(ct_counter *c, size_t budget)
{
	atomic_init(&c->calls, 0);
	atomic_init(&c->live, 0);
	atomic_init(&c->bytes, 0);
	atomic_init(&c->budget, budget);
	atomic_init(&c->failures, 0);
	atomic_init(&c->bad_frees, 0);
	return (gomap_allocator){ct_counter_alloc, NULL, ct_counter_free, c};
}

#endif /* GOMAP_CMAP_OPTS_H */
