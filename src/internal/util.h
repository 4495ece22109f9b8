/*
 * src/internal/util.h - shared internals of src/util.c (never installed).
 */
#ifndef GOMAP_UTIL_H
#define GOMAP_UTIL_H

#include "map_internal.h"

/* A fast per-thread random stream (splitmix64 seeded from getrandom). */
uint64_t gomap__random_u64(void);

/* GOMAP_DEBUG settings: mapchecks (default 1) and racewindow (default 0). */
extern int gomap__mapchecks;
extern int gomap__racewindow;

/* Spin/yield gomap__racewindow times inside a write (GOMAP_DEBUG). */
void gomap__race_window(void);

#define GOMAP_LIKELY(x) __builtin_expect(!!(x), 1)
#define GOMAP_UNLIKELY(x) __builtin_expect(!!(x), 0)

#endif
