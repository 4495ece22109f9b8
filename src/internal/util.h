/*
 * src/internal/util.h - shared internals of src/util.c (never installed).
 */
#ifndef GOMAP_UTIL_H
#define GOMAP_UTIL_H

#include <string.h>

#include "debug.h"
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

/* Turn a caller's key of type @kind into the probe form: STR becomes
 * {ptr, strlen} in *q. GOMAP_EINVAL for a NULL string or a NULL byte
 * string of non-zero length. Shared by the plain and the sync map. */
static inline int gomap__probe_key(int kind, const void *key, gomap_bytes *q, const void **out)
{
	if (kind == GOMAP_KIND_STR) {
		const char *s = *(const char *const *)key;
		if (!s)
			return GOMAP_EINVAL;
		q->ptr = s;
		q->len = strlen(s);
		*out = q;
	} else if (kind == GOMAP_KIND_BYTES) {
		const gomap_bytes *b = key;
		if (!b->ptr && b->len)
			return GOMAP_EINVAL;
		*out = b;
	} else {
		*out = key;
	}
	return 0;
}

/*
 * Update callbacks running on this thread (gomap_V_update), innermost
 * first: a chain of frames on the callers' stacks. Each safe map checks
 * it (gomap__upd_check) where a call from inside a callback would arrive:
 * its re-entry branches (the lock already held by this thread, the owner
 * thread) or its lock's contended path, so that a callback calling the
 * map it updates stops the program with a clear message instead of
 * deadlocking, at no cost to calls from outside callbacks.
 */
struct gomap__upd_frame {
	const void *map;
	struct gomap__upd_frame *up;
};
extern _Thread_local struct gomap__upd_frame *gomap__upd_top
    __attribute__((tls_model("initial-exec"), visibility("hidden")));

_Noreturn void gomap__upd_reentered(const void *map);

static inline void gomap__upd_enter(struct gomap__upd_frame *f, const void *map)
{
	f->map = map;
	f->up = gomap__upd_top;
	gomap__upd_top = f;
}

static inline void gomap__upd_leave(struct gomap__upd_frame *f)
{
	GOMAP_ASSERT_MAP(gomap__upd_top == f, f->map); /* frames nest */
	gomap__upd_top = f->up;
}

/* Fatal error when this thread is inside an update callback of @map. */
static inline void gomap__upd_check(const void *map)
{
	for (const struct gomap__upd_frame *f = gomap__upd_top; f; f = f->up)
		if (__builtin_expect(f->map == map, 0))
			gomap__upd_reentered(map);
}

#define GOMAP_LIKELY(x) __builtin_expect(!!(x), 1)
#define GOMAP_UNLIKELY(x) __builtin_expect(!!(x), 0)

#endif
