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
 *
 * Invariants (GOMAP_ASSERT, src/internal/debug.h): a descriptor that
 * reaches hash or equal passed gomap__type_check when its map was made, so
 * its kind is a known one; a STR key reaching hash is not NULL, a BYTES key
 * of non-zero length has bytes (the callers turn both into GOMAP_EINVAL
 * first; equal also compares values, which may be NULL); an allocator hook in use has its alloc and free functions (the
 * maps check them at creation).
 */
#include <errno.h>
#include <execinfo.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
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
	case GOMAP_EPERM: return "operation not permitted (reserved: no call returns it)";
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

/* A kind gomap__type_check accepts: anything else is a corrupted map. */
static inline bool kind_known(const gomap_type *t)
{
	return (unsigned)t->kind <= (unsigned)GOMAP_KIND_BYTES;
}

bool gomap__type_equal(const gomap_type *t, const void *a, const void *b)
{
	GOMAP_ASSERT(t && kind_known(t));
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
	GOMAP_ASSERT(t && kind_known(t));
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
		GOMAP_ASSERT(s != NULL);
		return XXH3_64bits_withSeed(s, strlen(s), seed);
	}
	case GOMAP_KIND_BYTES: {
		const gomap_bytes *b = key;
		GOMAP_ASSERT(b->ptr || !b->len);
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
	GOMAP_ASSERT(gomap__tid_cache != 0); /* 0 means "no thread" to the detectors */
	return gomap__tid_cache;
}

/* ---- allocation ------------------------------------------------------------ */

void *gomap__alloc(const gomap_allocator *a, size_t size)
{
	if (size == 0)
		size = 1;
	if (!a)
		return malloc(size);
	GOMAP_ASSERT(a->alloc != NULL);
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
	GOMAP_ASSERT(a->alloc != NULL);
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
	if (!a) {
		free(p);
	} else {
		GOMAP_ASSERT(a->free != NULL);
		a->free(a->ctx, p, size);
	}
}

/* ---- GOMAP_DEBUG ----------------------------------------------------------
 * Like GODEBUG: comma-separated name=value items, read at load and by
 * gomap_debug_reload. Blanks around names and values are ignored, the last
 * item for a name wins, and an item that is not understood (unknown name,
 * no '=', a value out of range) prints one warning line to stderr and
 * changes nothing, so a typo never turns a check off silently. */

int gomap__mapchecks = 1;
int gomap__racewindow = 0;

#define RACEWINDOW_MAX 100000000

typedef struct span {
	const char *p;
	size_t n;
} span;

static span span_trim(const char *p, size_t n)
{
	while (n && (*p == ' ' || *p == '\t'))
		p++, n--;
	while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	return (span){p, n};
}

static bool span_is(span s, const char *word)
{
	size_t n = strlen(word);
	return s.n == n && strncasecmp(s.p, word, n) == 0;
}

/* 1, 0, or -1 when @v is none of the spellings. */
static int parse_bool(span v)
{
	static const char *const yes[] = {"1", "on", "true", "yes"};
	static const char *const no[] = {"0", "off", "false", "no"};
	for (size_t i = 0; i < sizeof yes / sizeof *yes; i++) {
		if (span_is(v, yes[i]))
			return 1;
		if (span_is(v, no[i]))
			return 0;
	}
	return -1;
}

/* A decimal whole number in [0, max], or -1. */
static long parse_count(span v, long max)
{
	if (v.n == 0)
		return -1;
	long x = 0;
	for (size_t i = 0; i < v.n; i++) {
		if (v.p[i] < '0' || v.p[i] > '9')
			return -1;
		x = x * 10 + (v.p[i] - '0');
		if (x > max)
			return -1;
	}
	return x;
}

/* One line on stderr, written at once (no stdio: this runs at load). */
static void debug_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void debug_warn(const char *fmt, ...)
{
	char line[256];
	int n = snprintf(line, sizeof line, "gomap: GOMAP_DEBUG: ");
	va_list ap;
	va_start(ap, fmt);
	int m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
	va_end(ap);
	size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
	if (len > sizeof line - 2)
		len = sizeof line - 2;
	line[len++] = '\n';
	(void)!write(STDERR_FILENO, line, len);
}

/* At most this much of a bad item is quoted back. */
#define QUOTE(s) (int)((s).n > 64 ? 64 : (s).n), (s).p, (s).n > 64 ? "..." : ""

GOMAP_API void gomap_debug_reload(void)
{
	int checks = 1, window = 0;
	const char *env = getenv("GOMAP_DEBUG");
	for (const char *p = env; p && *p;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		span item = span_trim(p, len);
		p += len + (end != NULL);
		if (item.n == 0)
			continue; /* "a=1,,b=2": nothing between the commas */
		const char *eq = memchr(item.p, '=', item.n);
		if (!eq) {
			debug_warn("\"%.*s%s\" has no value (want name=value); ignored", QUOTE(item));
			continue;
		}
		span name = span_trim(item.p, (size_t)(eq - item.p));
		span val = span_trim(eq + 1, item.n - (size_t)(eq + 1 - item.p));
		if (span_is(name, "mapchecks")) {
			int b = parse_bool(val);
			if (b < 0)
				debug_warn("mapchecks=\"%.*s%s\": want 1/0, on/off, true/false or yes/no; "
				           "keeping mapchecks=%d",
				           QUOTE(val), checks);
			else
				checks = b;
		} else if (span_is(name, "racewindow")) {
			long w = parse_count(val, RACEWINDOW_MAX);
			if (w < 0)
				debug_warn("racewindow=\"%.*s%s\": want a whole number from 0 to %d; keeping "
				           "racewindow=%d",
				           QUOTE(val), RACEWINDOW_MAX, window);
			else
				window = (int)w;
		} else {
			debug_warn("unknown setting \"%.*s%s\" (known: mapchecks, racewindow); ignored",
			           QUOTE(name));
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
