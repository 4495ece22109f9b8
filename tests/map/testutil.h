/*
 * tests/map/testutil.h - helpers shared by the plain map's tests: a seeded
 * PRNG, a counting allocator that can fail on demand and checks sized frees,
 * counting destructors, and the scale factor for sanitizer builds.
 *
 * Header-only (static functions) so each test binary stays one source file
 * plus this header; unused helpers are marked unused to keep -Wall quiet.
 */
#ifndef GOMAP_TESTUTIL_H
#define GOMAP_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include <gomap/map.h>

#include "gomap_test.h"

#define TU_UNUSED GT_UNUSED

/* Sanitizer builds run the same tests on less data (gomap_test.h); TSan
 * (~10x slower than ASan) gets an extra cut. */
#if GOMAP_TEST_TSAN
#define TU_SCALE_DIV 20
#elif GOMAP_TEST_SANITIZED
#define TU_SCALE_DIV 8
#else
#define TU_SCALE_DIV 1
#endif

/* n scaled down for sanitizer builds, never below lo. */
static TU_UNUSED size_t tu_scaled(size_t n, size_t lo)
{
	size_t s = n / TU_SCALE_DIV;
	return s < lo ? lo : s;
}

/* ---- PRNG: splitmix64 (seeding) feeding xoshiro256** -------------------- */

typedef struct tu_rng {
	uint64_t s[4];
} tu_rng;

static TU_UNUSED uint64_t tu_splitmix(uint64_t *x)
{
	return gt_splitmix64(x);
}

static TU_UNUSED void tu_rng_seed(tu_rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = tu_splitmix(&seed);
}

static inline uint64_t tu_rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static TU_UNUSED uint64_t tu_next(tu_rng *r)
{
	uint64_t *s = r->s;
	uint64_t res = tu_rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = tu_rotl(s[3], 45);
	return res;
}

/* Uniform-enough value in [0, n), n > 0. */
static TU_UNUSED uint64_t tu_below(tu_rng *r, uint64_t n)
{
	return (uint64_t)(((unsigned __int128)tu_next(r) * n) >> 64);
}

/*
 * tu_seed - the seed of a randomized test: argv[1] if given, else
 * $GOMAP_TEST_SEED, else a fresh one from the clock and pid. Printed, so a
 * failing run can be replayed with the same seed.
 */
#include <time.h>
#include <unistd.h>
static TU_UNUSED uint64_t tu_seed(int argc, char **argv, const char *name)
{
	const char *s = argc > 1 ? argv[1] : getenv("GOMAP_TEST_SEED");
	uint64_t seed;
	if (s && *s) {
		seed = strtoull(s, NULL, 0);
	} else {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		uint64_t x = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^
		             ((uint64_t)getpid() << 40);
		seed = tu_splitmix(&x);
	}
	printf("%s: seed %llu (replay: %s %llu or GOMAP_TEST_SEED=%llu)\n",
	       name, (unsigned long long)seed, name, (unsigned long long)seed,
	       (unsigned long long)seed);
	fflush(stdout);
	return seed;
}

/* ---- counting, failing allocator ------------------------------------------ */

/*
 * Every block carries a 16-byte header with its size and a magic word, so
 * free can verify the size the map passes (sized free) and catch frees of
 * foreign pointers. fail_at = n fails the n-th allocation (1-based, counted
 * over alloc and alloc_zeroed together); 0 never fails; fail_from = true
 * fails that one and every later one.
 */
typedef struct tu_tally {
	size_t live_bytes, live_blocks;
	size_t allocs;       /* allocation calls so far, failed ones included */
	size_t fail_at;      /* 1-based index of the call to fail; 0: none */
	bool fail_from;      /* fail every call from fail_at on */
	size_t failed;       /* allocations refused so far */
	size_t bad_frees;    /* frees with a wrong size or foreign pointer */
	size_t peak_bytes;
} tu_tally;

#define TU_MAGIC 0x6f6d61704d41474bull
#define TU_HDR 16

static TU_UNUSED void *tu_alloc_impl(tu_tally *t, size_t size, bool zero)
{
	t->allocs++;
	if (t->fail_at && (t->allocs == t->fail_at ||
	                   (t->fail_from && t->allocs > t->fail_at))) {
		t->failed++;
		return NULL;
	}
	if (size > SIZE_MAX - TU_HDR)
		return NULL;
	unsigned char *p = zero ? calloc(1, size + TU_HDR) : malloc(size + TU_HDR);
	if (!p)
		return NULL;
	uint64_t hdr[2] = {(uint64_t)size, TU_MAGIC};
	memcpy(p, hdr, sizeof hdr);
	if (!zero) /* poison, so code relying on zeroed memory from alloc shows
	              (the first MiB: huge lazily-touched blocks stay lazy) */
		memset(p + TU_HDR, 0xa5, size < ((size_t)1 << 20) ? size : (size_t)1 << 20);
	t->live_bytes += size;
	t->live_blocks++;
	if (t->live_bytes > t->peak_bytes)
		t->peak_bytes = t->live_bytes;
	return p + TU_HDR;
}

static TU_UNUSED void *tu_alloc(void *ctx, size_t size)
{
	return tu_alloc_impl(ctx, size, false);
}

static TU_UNUSED void *tu_alloc_zeroed(void *ctx, size_t size)
{
	return tu_alloc_impl(ctx, size, true);
}

static TU_UNUSED void tu_free(void *ctx, void *ptr, size_t size)
{
	tu_tally *t = ctx;
	if (!ptr)
		return;
	unsigned char *p = (unsigned char *)ptr - TU_HDR;
	uint64_t hdr[2];
	memcpy(hdr, p, sizeof hdr);
	if (hdr[1] != TU_MAGIC || hdr[0] != (uint64_t)size) {
		t->bad_frees++;
		fprintf(stderr, "tu_free: %p freed with size %zu, allocated %llu%s\n",
		        ptr, size, (unsigned long long)hdr[0],
		        hdr[1] != TU_MAGIC ? " (bad magic)" : "");
		if (hdr[1] != TU_MAGIC)
			return; /* not ours: do not touch the heap */
		size = (size_t)hdr[0];
	}
	hdr[1] = 0;
	memcpy(p, hdr, sizeof hdr);
	/* poison: a read of freed map memory shows even without ASan */
	memset(p + TU_HDR, 0xdd, size < ((size_t)1 << 20) ? size : (size_t)1 << 20);
	t->live_bytes -= size;
	t->live_blocks--;
	free(p);
}

/* An allocator hook over a tally; with_zeroed picks whether alloc_zeroed is
 * provided (the map must then do alloc + memset itself). */
static TU_UNUSED gomap_allocator tu_allocator(tu_tally *t, bool with_zeroed)
{
	gomap_allocator a = {tu_alloc, with_zeroed ? tu_alloc_zeroed : NULL,
	                     tu_free, t};
	return a;
}

/* ---- counting destructors --------------------------------------------------- */

typedef struct tu_dtor_count {
	size_t calls;
	uint64_t sum; /* of the u64 objects destroyed (for u64 descriptors) */
} tu_dtor_count;

static TU_UNUSED void tu_count_dtor(void *obj, void *ctx)
{
	tu_dtor_count *c = ctx;
	(void)obj;
	c->calls++;
}

static TU_UNUSED void tu_count_u64_dtor(void *obj, void *ctx)
{
	tu_dtor_count *c = ctx;
	uint64_t v;
	memcpy(&v, obj, sizeof v);
	c->calls++;
	c->sum += v;
}

/* A descriptor copy of @base with a destructor counting into @c. */
static TU_UNUSED gomap_type tu_with_dtor(gomap_type base,
                                         void (*fn)(void *, void *),
                                         tu_dtor_count *c)
{
	base.destroy = fn;
	base.ctx = c;
	return base;
}

/* A u64 value descriptor (RAW of 8 bytes would also do). */
static TU_UNUSED gomap_type tu_raw(size_t size)
{
	gomap_type t = {size, GOMAP_KIND_RAW, 0u, NULL, NULL, NULL, NULL};
	return t;
}

#endif /* GOMAP_TESTUTIL_H */
