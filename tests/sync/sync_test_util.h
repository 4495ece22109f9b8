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

#ifdef GOMAP_TEST_TSAN
#define SCALE_DIV 16
#elif defined(GOMAP_TEST_SANITIZED)
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

/* splitmix64: distinct keys from indices. */
static inline uint64_t mix64(uint64_t i)
{
	uint64_t z = i * 0x9E3779B97F4A7C15ull + 1;
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

/* splitmix64: the tests' seeded random stream. */
static inline uint64_t rng_next(uint64_t *s)
{
	*s += 0x9E3779B97F4A7C15ull;
	uint64_t z = *s;
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
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
	int fd[2];
	if (cap == 0 || pipe(fd))
		return -1;
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(fd[1], STDERR_FILENO);
		close(fd[0]);
		close(fd[1]);
		char *argv[] = {(char *)"child", (char *)"--child", (char *)mode, NULL};
		execv("/proc/self/exe", argv);
		_exit(127);
	}
	close(fd[1]);
	size_t n = 0;
	for (;;) {
		char buf[4096];
		ssize_t r = read(fd[0], buf, sizeof buf);
		if (r <= 0)
			break;
		size_t k = (size_t)r, room = cap - 1 - n;
		memcpy(err + n, buf, k < room ? k : room);
		n += k < room ? k : room;
	}
	err[n] = '\0';
	close(fd[0]);
	int st;
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return st;
}

#endif
