/*
 * src/internal/util.h - shared internals of src/util.c (never installed).
 */
#ifndef GOMAP_UTIL_H
#define GOMAP_UTIL_H

#include "map_internal.h"

/* A fast per-thread random stream (splitmix64 seeded from getrandom). */
uint64_t gomap__random_u64(void);

/* GOMAP_DEBUG settings: mapchecks (default 1) and racewindow (default 0).
 * Hidden: read on every write, so no GOT indirection. */
extern int gomap__mapchecks __attribute__((visibility("hidden")));
extern int gomap__racewindow __attribute__((visibility("hidden")));

/* This thread's id, cached; inline because every write records it. */
extern _Thread_local uint32_t gomap__tid_cache
    __attribute__((tls_model("initial-exec"), visibility("hidden")));
static inline uint32_t gomap__tid_fast(void)
{
	uint32_t t = gomap__tid_cache;
	return __builtin_expect(t != 0, 1) ? t : gomap__tid();
}

/* Spin/yield gomap__racewindow times inside a write (GOMAP_DEBUG). */
void gomap__race_window(void);

#define GOMAP_LIKELY(x) __builtin_expect(!!(x), 1)
#define GOMAP_UNLIKELY(x) __builtin_expect(!!(x), 0)

#endif
