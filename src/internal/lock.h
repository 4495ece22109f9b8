/*
 * src/internal/lock.h - small synchronisation helpers for the safe maps:
 * futex wait/wake on a 32-bit atomic word, a spin-loop hint, the cache-line
 * size used for padding, and the number of online CPUs.
 *
 * The futex calls carry no memory ordering of their own: every protocol
 * built on them orders its data with C11 atomics on the futex word (or next
 * to it) and uses the futex only to sleep. That also keeps ThreadSanitizer,
 * which does not model futexes, informed of every happens-before edge.
 */
#ifndef GOMAP_LOCK_H
#define GOMAP_LOCK_H

#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <linux/futex.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define GOMAP__CACHE_LINE 64

/* Sleep while *@word == @expect (or until woken / spuriously). */
static inline void gomap__futex_wait(_Atomic uint32_t *word, uint32_t expect)
{
	(void)syscall(SYS_futex, (uint32_t *)word, FUTEX_WAIT_PRIVATE, expect,
	              NULL, NULL, 0);
}

/* Wake up to @n sleepers on @word (INT_MAX: all). */
static inline void gomap__futex_wake(_Atomic uint32_t *word, int n)
{
	(void)syscall(SYS_futex, (uint32_t *)word, FUTEX_WAKE_PRIVATE, n, NULL,
	              NULL, 0);
}

static inline void gomap__cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#else
	atomic_signal_fence(memory_order_seq_cst);
#endif
}

/*
 * GOMAP__LOCK_PATIENTLY(trylock_ok, lock) - for a lock found contended:
 * yield and retry a few times, then block with @lock. With more threads
 * than CPUs the holder is often preempted, and a yield that lets it finish
 * is cheaper than a futex sleep and wake-up. Trying keeps the lock's own
 * policy (a waiting writer makes every rwlock tryrdlock fail).
 */
#define GOMAP__PATIENT_YIELDS 16
#define GOMAP__LOCK_PATIENTLY(trylock_ok, lock)                                \
	do {                                                                   \
		int gomap_got_ = 0;                                            \
		for (int gomap_i_ = 0; gomap_i_ < GOMAP__PATIENT_YIELDS && !gomap_got_; \
		     gomap_i_++) {                                             \
			sched_yield();                                         \
			gomap_got_ = (trylock_ok);                             \
		}                                                              \
		if (!gomap_got_)                                               \
			lock;                                                  \
	} while (0)

/* Online CPUs, at least 1. */
static inline unsigned gomap__ncpu(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1u : (n > 65536 ? 65536u : (unsigned)n);
}

#endif /* GOMAP_LOCK_H */
