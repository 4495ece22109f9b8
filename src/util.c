/*
 * src/util.c - what every map shares: error texts, type descriptors and
 * their hash/equality, allocation through the allocator hook, seeds,
 * thread ids, GOMAP_DEBUG parsing and the fatal-error report of misuse
 * detection.
 *
 * The fatal report imitates Go's runtime.fatal: the exact message first
 * ("fatal error: concurrent map writes"), then what Go cannot tell you in
 * C's world (the map's address and the thread ids involved), then a
 * backtrace of the detecting thread; then the user hook, then abort().
 * Only one thread reports: a second detector waits for the abort, so the
 * output is never interleaved.
 */
#include <errno.h>
#include <execinfo.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "internal/probes.h"
#include "internal/debug.h"
#include "internal/util.h"

/* ---- errors ------------------------------------------------------------ */

GOMAP_API const char *gomap_strerror(int err)
{
	switch (err) {
	case GOMAP_OK: return "success";
	case GOMAP_EPERM: return "map is frozen (read-only)";
	case GOMAP_ENOENT: return "no such key";
	case GOMAP_ENOMEM: return "out of memory (map unchanged)";
	case GOMAP_EBUSY: return "operation not allowed now";
	case GOMAP_EINVAL: return "invalid argument (NULL handle or key, or bad descriptor)";
	case GOMAP_ERANGE: return "size out of range";
	case GOMAP_ENOTSUP: return "operation or descriptor not supported";
	case GOMAP_ESHUTDOWN: return "map is shut down";
	default: return err > 0 ? "not an error code" : "unknown error";
	}
}

/* ---- type descriptors ---------------------------------------------------- */

GOMAP_API const gomap_type gomap_type_u32 = {sizeof(uint32_t), GOMAP_KIND_U32, 0, NULL, NULL, NULL, NULL};
GOMAP_API const gomap_type gomap_type_u64 = {sizeof(uint64_t), GOMAP_KIND_U64, 0, NULL, NULL, NULL, NULL};
GOMAP_API const gomap_type gomap_type_ptr = {sizeof(void *), GOMAP_KIND_PTR, 0, NULL, NULL, NULL, NULL};
GOMAP_API const gomap_type gomap_type_f64 = {sizeof(double), GOMAP_KIND_F64, 0, NULL, NULL, NULL, NULL};
GOMAP_API const gomap_type gomap_type_str = {sizeof(char *), GOMAP_KIND_STR, 0, NULL, NULL, NULL, NULL};
GOMAP_API const gomap_type gomap_type_str_borrowed = {sizeof(char *), GOMAP_KIND_STR, GOMAP_TYPE_BORROWED, NULL, NULL, NULL, NULL};
GOMAP_API const gomap_type gomap_type_bytes = {sizeof(gomap_bytes), GOMAP_KIND_BYTES, 0, NULL, NULL, NULL, NULL};
GOMAP_API const gomap_type gomap_type_bytes_borrowed = {sizeof(gomap_bytes), GOMAP_KIND_BYTES, GOMAP_TYPE_BORROWED, NULL, NULL, NULL, NULL};

int gomap__type_check(const gomap_type *t, bool is_key)
{
	if (!t)
		return GOMAP_EINVAL;
	if (t->flags & ~GOMAP_TYPE_BORROWED)
		return GOMAP_EINVAL;
	switch (t->kind) {
	case GOMAP_KIND_RAW:
		if (is_key && t->size == 0)
			return GOMAP_EINVAL;
		if (t->size > ((size_t)1 << 30))
			return GOMAP_ERANGE;
		return 0;
	case GOMAP_KIND_U32: return t->size == 4 ? 0 : GOMAP_EINVAL;
	case GOMAP_KIND_U64: return t->size == 8 ? 0 : GOMAP_EINVAL;
	case GOMAP_KIND_PTR: return t->size == sizeof(void *) ? 0 : GOMAP_EINVAL;
	case GOMAP_KIND_F64: return t->size == sizeof(double) ? 0 : GOMAP_EINVAL;
	case GOMAP_KIND_STR: return t->size == sizeof(char *) ? 0 : GOMAP_EINVAL;
	case GOMAP_KIND_BYTES: return t->size == sizeof(gomap_bytes) ? 0 : GOMAP_EINVAL;
	default: return GOMAP_ENOTSUP;
	}
}

bool gomap__type_equal(const gomap_type *t, const void *a, const void *b)
{
	switch (t->kind) {
	case GOMAP_KIND_F64: {
		double x, y;
		memcpy(&x, a, 8);
		memcpy(&y, b, 8);
		return x == y;
	}
	case GOMAP_KIND_STR: {
		const char *x = *(const char *const *)a, *y = *(const char *const *)b;
		if (x == y)
			return true;
		return x && y && strcmp(x, y) == 0;
	}
	case GOMAP_KIND_BYTES: {
		const gomap_bytes *x = a, *y = b;
		return x->len == y->len && (x->len == 0 || memcmp(x->ptr, y->ptr, x->len) == 0);
	}
	case GOMAP_KIND_RAW:
		if (t->equal)
			return t->equal(a, b);
		return t->size == 0 || memcmp(a, b, t->size) == 0;
	default:
		return memcmp(a, b, t->size) == 0;
	}
}

uint64_t gomap__type_hash(const gomap_type *t, const void *key, uint64_t seed)
{
	switch (t->kind) {
	case GOMAP_KIND_F64: {
		double d;
		memcpy(&d, key, 8);
		if (d != d)
			return gomap__random_u64(); /* Go: NaN hashes randomly */
		if (d == 0)
			d = 0; /* -0 and +0 hash alike */
		return XXH3_64bits_withSeed(&d, 8, seed);
	}
	case GOMAP_KIND_STR: {
		const char *s = *(const char *const *)key;
		return XXH3_64bits_withSeed(s, strlen(s), seed);
	}
	case GOMAP_KIND_BYTES: {
		const gomap_bytes *b = key;
		return XXH3_64bits_withSeed(b->ptr, b->len, seed);
	}
	case GOMAP_KIND_RAW:
		if (t->hash)
			return t->hash(key, seed);
		return XXH3_64bits_withSeed(key, t->size, seed);
	default:
		return XXH3_64bits_withSeed(key, t->size, seed);
	}
}

/* ---- randomness and thread ids ------------------------------------------- */

static _Thread_local uint64_t rng_state __attribute__((tls_model("initial-exec")));
_Thread_local uint32_t gomap__tid_cache __attribute__((tls_model("initial-exec")));

/* A per-thread splitmix64 stream seeded once from getrandom(): seeds are
 * needed on every clear and every time a map becomes empty, too often for
 * a system call each. */
uint64_t gomap__random_u64(void)
{
	if (__builtin_expect(rng_state == 0, 0)) {
		uint64_t s = 0;
		if (getrandom(&s, sizeof s, GRND_NONBLOCK) != sizeof s) {
			struct timespec ts;
			clock_gettime(CLOCK_MONOTONIC, &ts);
			s = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 32) ^ (uint64_t)(uintptr_t)&s;
		}
		rng_state = s | 1;
	}
	uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

uint64_t gomap__random_seed(void) { return gomap__random_u64(); }

uint32_t gomap__tid(void)
{
	if (__builtin_expect(gomap__tid_cache == 0, 0))
		gomap__tid_cache = (uint32_t)syscall(SYS_gettid);
	return gomap__tid_cache;
}

/* ---- allocation ------------------------------------------------------------ */

void *gomap__alloc(const gomap_allocator *a, size_t size)
{
	if (size == 0)
		size = 1;
	if (!a)
		return malloc(size);
	return a->alloc(a->ctx, size);
}

void *gomap__alloc_zeroed(const gomap_allocator *a, size_t size)
{
	if (size == 0)
		size = 1;
	if (!a)
		return calloc(1, size);
	if (a->alloc_zeroed)
		return a->alloc_zeroed(a->ctx, size);
	void *p = a->alloc(a->ctx, size);
	if (p)
		memset(p, 0, size);
	return p;
}

/* A table is read at random: over 4 KiB pages, a lookup in a table of a few
 * MiB misses the TLB as well as the cache, and under a hypervisor the page
 * walk itself is two-dimensional. Where THP is "madvise" (Debian's
 * default), a table gets huge pages only if it asks: the whole 2 MiB-aligned
 * part of it does. Memory the user's allocator gave is left alone. */
void gomap__advise_huge(const gomap_allocator *a, void *p, size_t size)
{
#ifdef MADV_HUGEPAGE
	const uintptr_t huge = (uintptr_t)1 << 21;
	if (a || !p || size < ((size_t)4 << 20))
		return;
	uintptr_t lo = ((uintptr_t)p + huge - 1) & ~(huge - 1);
	uintptr_t hi = ((uintptr_t)p + size) & ~(huge - 1);
	if (hi > lo)
		(void)madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
#else
	(void)a;
	(void)p;
	(void)size;
#endif
}

void gomap__free(const gomap_allocator *a, void *p, size_t size)
{
	if (!p)
		return;
	if (size == 0)
		size = 1;
	if (!a)
		free(p);
	else
		a->free(a->ctx, p, size);
}

/* ---- GOMAP_DEBUG ---------------------------------------------------------- */

int gomap__mapchecks = 1;
int gomap__racewindow = 0;

GOMAP_API void gomap_debug_reload(void)
{
	int checks = 1, window = 0;
	const char *env = getenv("GOMAP_DEBUG");
	if (env) {
		char buf[256];
		snprintf(buf, sizeof buf, "%s", env);
		char *save = NULL;
		for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			char *eq = strchr(tok, '=');
			if (!eq)
				continue;
			*eq = '\0';
			long v = strtol(eq + 1, NULL, 10);
			if (strcmp(tok, "mapchecks") == 0)
				checks = v != 0;
			else if (strcmp(tok, "racewindow") == 0)
				window = v < 0 ? 0 : v > 100000000 ? 100000000 : (int)v;
		}
	}
	gomap__mapchecks = checks;
	gomap__racewindow = window;
}

/* A forked child's only thread has a new id: forget the parent's. */
static void tid_reset_in_child(void) { gomap__tid_cache = 0; }

__attribute__((constructor)) static void debug_init(void)
{
	gomap_debug_reload();
	pthread_atfork(NULL, NULL, tid_reset_in_child);
}

GOMAP_API bool gomap_checks_compiled(void) { return GOMAP_MAPCHECKS != 0; }

void gomap__race_window(void)
{
	/* Spin with yields so that another thread gets the CPU inside the
	 * write, even on a machine with fewer cores than threads. */
	for (int i = 0; i < gomap__racewindow; i++) {
		if ((i & 63) == 0)
			sched_yield();
		atomic_signal_fence(memory_order_seq_cst);
	}
}

/* ---- fatal errors --------------------------------------------------------- */

static gomap_fatal_hook fatal_hook;
static void *fatal_hook_ctx;
static atomic_int fatal_once;

GOMAP_API void gomap_set_fatal_hook(gomap_fatal_hook hook, void *ctx)
{
	fatal_hook_ctx = ctx;
	fatal_hook = hook;
}

_Noreturn void gomap__fatal(const char *msg, const void *map, uint32_t other_tid)
{
	if (atomic_exchange(&fatal_once, 1)) {
		/* Another thread is reporting; it will abort the process. */
		for (;;)
			pause();
	}
	char buf[512];
	int n;
	if (other_tid && other_tid != gomap__tid())
		n = snprintf(buf, sizeof buf,
		             "fatal error: %s\n\nmap=%p detected by thread %u; "
		             "conflicting writer thread %u\nthread %u backtrace:\n",
		             msg, map, gomap__tid(), other_tid, gomap__tid());
	else
		n = snprintf(buf, sizeof buf,
		             "fatal error: %s\n\nmap=%p detected by thread %u "
		             "(the other thread ids are unknown)\nthread %u backtrace:\n",
		             msg, map, gomap__tid(), gomap__tid());
	if (n > 0)
		(void)!write(STDERR_FILENO, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
	void *frames[64];
	int depth = backtrace(frames, 64);
	backtrace_symbols_fd(frames, depth, STDERR_FILENO);
	GOMAP_PROBE_MISUSE(map, msg); /* USDT; writes a running trace out */
	if (fatal_hook)
		fatal_hook(msg, map, fatal_hook_ctx);
	abort();
}

_Noreturn void gomap__assert_fail(const char *cond, const char *file, int line,
                                  const void *map)
{
	char msg[320];
	snprintf(msg, sizeof msg, "gomap: internal error: assertion `%s' failed at %s:%d",
	         cond, file, line);
	gomap__fatal(msg, map, 0);
}

/* ---- update callbacks in progress ------------------------------------------- */

_Thread_local struct gomap__upd_frame *gomap__upd_top __attribute__((tls_model("initial-exec")));

_Noreturn void gomap__upd_reentered(const void *map)
{
	gomap__fatal("gomap: update callback called the map it updates", map, 0);
}
