/*
 * tests/common/gomap_test.h - what every test program shares: the build
 * configuration it runs in, and the splitmix64 step the tests' seeded
 * random streams and key mixers are built on.
 *
 * The configuration macros come from gomap_test_program() in
 * tests/CMakeLists.txt, the one place they are derived; each is 0 or 1
 * (GOMAP_TEST_DEBUG_LEVEL 0..2) and always defined there, so test in
 * sources with #if, not #ifdef. The defaults below serve a test compiled
 * by hand.
 *
 *   GOMAP_TEST_SANITIZED   any sanitizer (GOMAP_SANITIZE non-empty)
 *   GOMAP_TEST_TSAN        ThreadSanitizer (implies GOMAP_TEST_SANITIZED)
 *   GOMAP_TEST_MAPCHECKS   misuse detection compiled in (GOMAP_MAPCHECKS)
 *   GOMAP_TEST_DEBUG_LEVEL the library's GOMAP_DEBUG_LEVEL
 *
 * Each folder scales its workloads by its own divisors (its tests were
 * sized separately); they all key off these two macros.
 */
#ifndef GOMAP_TEST_COMMON_H
#define GOMAP_TEST_COMMON_H

#include <stdint.h>

#ifndef GOMAP_TEST_SANITIZED
#define GOMAP_TEST_SANITIZED 0
#endif
#ifndef GOMAP_TEST_TSAN
#define GOMAP_TEST_TSAN 0
#endif

#define GT_UNUSED __attribute__((unused))

/* gt_scale_div - n / (tsan_div under TSan, asan_div under any other
 * sanitizer, 1 otherwise), never below lo. */
static GT_UNUSED inline long gt_scale_div(long n, long asan_div, long tsan_div,
                                          long lo)
{
	long d = GOMAP_TEST_TSAN ? tsan_div : (GOMAP_TEST_SANITIZED ? asan_div : 1);
	long r = n / d;
	return r < lo ? lo : r;
}

/* gt_splitmix64 - advance *state by the golden-ratio increment and return
 * the mixed value (Steele, Lea, Flood: SplitMix64). Distinct states give
 * distinct outputs: a key mixer as well as a random stream. */
static GT_UNUSED inline uint64_t gt_splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

#endif /* GOMAP_TEST_COMMON_H */
