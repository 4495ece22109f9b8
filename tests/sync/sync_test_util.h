/*
 * tests/sync/sync_test_util.h - helpers shared by the sync map tests: a
 * thread-safe counting allocator that can be told to fail, a key mixer, a
 * check macro usable from worker threads (cmocka's asserts are not), and a
 * way to run a scenario that must die in a child process.
 */
#ifndef SYNC_TEST_UTIL_H
#define SYNC_TEST_UTIL_H

#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gomap/sync.h>

#include "childproc.h"
#include "gomap_test.h"

#if GOMAP_TEST_TSAN
#define SCALE_DIV 16
#elif GOMAP_TEST_SANITIZED
#define SCALE_DIV 4
#else
#define SCALE_DIV 1
#endif

/* A counting allocator. fail_after >= 0: that many more allocations
 * succeed, then every one fails; fail_every > 0: every n-th fails. */
typedef struct counting_alloc {
	gomap_allocator a;
	atomic_long live_blocks;
	atomic_long live_bytes;
	atomic_long total_allocs;
	atomic_long fail_after; /* -1: off */
	atomic_long fail_every; /* 0: off */
	atomic_long bad_free;   /* frees with a size that was not asked for */
} counting_alloc;

/* Each block carries a 16-byte header with its size, so frees are checked. */
static void *ca_alloc_impl(counting_alloc *c, size_t size, int zero)
{
	long n = atomic_fetch_add(&c->total_allocs, 1) + 1;
	long fa = atomic_load(&c->fail_after);
	if (fa >= 0) {
		if (fa == 0)
			return NULL;
		atomic_fetch_sub(&c->fail_after, 1);
	}
	long fe = atomic_load(&c->fail_every);
	if (fe > 0 && n % fe == 0)
		return NULL;
	unsigned char *p = zero ? calloc(1, size + 16) : malloc(size + 16);
	if (!p)
		return NULL;
	memcpy(p, &size, sizeof size);
	atomic_fetch_add(&c->live_blocks, 1);
	atomic_fetch_add(&c->live_bytes, (long)size);
	return p + 16;
}

static void *ca_alloc(void *ctx, size_t size) { return ca_alloc_impl(ctx, size, 0); }
static void *ca_alloc_zeroed(void *ctx, size_t size) { return ca_alloc_impl(ctx, size, 1); }

static void ca_free(void *ctx, void *ptr, size_t size)
{
	counting_alloc *c = ctx;
	unsigned char *p = (unsigned char *)ptr - 16;
	size_t asked;
	memcpy(&asked, p, sizeof asked);
	if (asked != size)
		atomic_fetch_add(&c->bad_free, 1);
	atomic_fetch_sub(&c->live_blocks, 1);
	atomic_fetch_sub(&c->live_bytes, (long)asked);
	free(p);
}

static inline void ca_init(counting_alloc *c)
{
	memset(c, 0, sizeof *c);
	c->a.alloc = ca_alloc;
	c->a.alloc_zeroed = ca_alloc_zeroed;
	c->a.free = ca_free;
	c->a.ctx = c;
	atomic_store(&c->fail_after, -1);
}

/* Distinct keys from indices (splitmix64 is a bijection). */
static inline uint64_t mix64(uint64_t i)
{
	return gt_splitmix64(&i);
}

/* The tests' seeded random stream. */
static inline uint64_t rng_next(uint64_t *s)
{
	return gt_splitmix64(s);
}

/* Worker-thread check: record the first failure, keep going. */
static atomic_int tcheck_failed __attribute__((unused));
static char tcheck_where[256] __attribute__((unused));
#define TCHECK(c)                                                                               \
	do {                                                                                    \
		if (!(c) && !atomic_exchange(&tcheck_failed, 1))                                \
			snprintf(tcheck_where, sizeof tcheck_where, "%s:%d: %s", __FILE__, __LINE__, \
			         #c);                                                           \
	} while (0)

/*
 * Run this test program again as a child, "child --child @mode" (main
 * dispatches it), with its stderr captured into @err (NUL-terminated,
 * truncated to @cap bytes). A fresh process, not a bare fork: the child
 * starts without the parent's threads and liburcu state. A child that may
 * hang arms alarm() itself: a hang then ends as SIGALRM, not as a stuck
 * test. Returns the wait status, or -1 when the child could not be run.
 */
static inline int run_child(const char *mode, char *err, size_t cap)
{
	if (cap == 0)
		return -1;
	cp_result *r = malloc(sizeof *r);
	if (!r)
		return -1;
	char *argv[] = {(char *)"child", (char *)"--child", (char *)mode, NULL};
	int st = cp_run_self(argv, r) == 0 ? r->status : -1;
	size_t n = r->len < cap - 1 ? r->len : cap - 1;
	memcpy(err, r->out, n);
	err[n] = '\0';
	free(r);
	return st;
}

#endif
