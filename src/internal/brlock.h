/*
 * src/internal/brlock.h - the reader-writer lock of the rwmutex map: a
 * writer-preferring pthread rwlock with a biased read side (per-CPU reader
 * counts) that switches itself off while writes are frequent.
 *
 * Two ways in for a reader:
 *  - biased (fast): while @rbias is set, a reader raises the count of the
 *    CPU it runs on (its own cache line, so readers on different CPUs never
 *    share a written line) and checks @rbias again;
 *  - central: the pthread rwlock, shared. Every writer comes this way too.
 * A writer takes the rwlock exclusively (so no central reader is in and new
 * ones wait: PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP gives Go's
 * RWMutex rule, a waiting writer stops new readers), then, if @rbias is
 * set, clears it ("revokes" the bias) and waits for every count to drain.
 * Revoking costs a load of every count's line, and a wait for the readers
 * inside; with frequent writes it would be paid on every write. So a
 * revoking writer times it and keeps the bias off for BRLOCK_INHIBIT times
 * that long (@inhibit_until); a central reader that finds the bias off and
 * that time passed turns it back on. Read-mostly traffic thus runs biased,
 * write-heavy traffic central (one lock word, no drain); the share of time
 * spent revoking stays below about 1/BRLOCK_INHIBIT. The scheme is Dice and
 * Kogan's BRAVO (USENIX ATC 2019), with per-CPU counts instead of a hashed
 * table of reader slots.
 *
 * Ordering: a biased reader's increment and its second load of @rbias, and
 * a revoking writer's store of 0 to @rbias and its loads of the counts, are
 * seq_cst: in their single total order either the writer sees the count
 * (and waits for it) or the reader sees the bias gone (and backs out). The
 * reader's decrement (release) pairs with the writer's load that reads it.
 * @rbias is stored only under the rwlock (1 shared, 0 exclusive), so the
 * rwlock orders those stores against each other; the store of 1 is a
 * release that the biased reader's second load (seq_cst, so acquire)
 * pairs with: it orders that reader after the writer the storing central
 * reader came after. @inhibit_until is written
 * exclusive and read shared: ordered by the rwlock.
 *
 * Waiting for a count: the writer yields a few times (readers hold a count
 * for one operation), then sets BRLOCK_SLEEPER in the count and sleeps on
 * it; the reader whose decrement leaves only that bit wakes it. Without a
 * sleeper, a reader's exit is one atomic decrement and no system call.
 *
 * Invariants (asserted where debug.h allows):
 *  I1 while a writer holds the lock, @rbias == 0 and no reader is inside:
 *     a count is raised only by a reader that then sees @rbias == 0 and
 *     lowers it again without entering; BRLOCK_SLEEPER is set only by the
 *     draining writer, and clear again when it stops draining;
 *  I2 @rbias goes 0 -> 1 only under the rwlock held shared, 1 -> 0 only
 *     under it held exclusively;
 *  I3 a biased reader's count is raised for exactly its read section (its
 *     token names the slot; token -1: it holds the rwlock shared);
 *  I4 @wheld == 1 exactly while a writer holds the lock (for assertions).
 *
 * The lock knows nothing of maps or threads' holds: re-entry rules (a
 * thread that holds it must not take it again, since a waiting writer in
 * between would deadlock it) are the caller's (src/rwmutex.c).
 */
#ifndef GOMAP_BRLOCK_H
#define GOMAP_BRLOCK_H

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <gomap/map.h>

#include "debug.h"
#include "lock.h"
#include "util.h"

/* One per-CPU reader count, alone on its cache lines (128: the adjacent-
 * line prefetcher pairs 64-byte lines). */
struct gomap__brslot {
	_Atomic uint32_t n;
} __attribute__((aligned(128)));

#define GOMAP__BRLOCK_SLOTS_MAX 64u
#define GOMAP__BRLOCK_SLEEPER 0x80000000u /* a writer sleeps on this count */

typedef struct gomap__brlock {
	/* read by every reader; written when the bias changes */
	_Atomic uint32_t rbias; /* biased readers allowed */
	uint32_t slot_mask;     /* slots: a power of two */
	struct gomap__brslot *slots;
	/* written by writers and central readers: a line of their own, so
	 * that the line above stays shared in every reader's cache (the block
	 * may be only malloc-aligned: 64 bytes of padding) */
	char pad_[64];
	_Atomic uint64_t inhibit_until; /* ns, CLOCK_MONOTONIC: no re-bias before */
	_Atomic uint32_t wheld;         /* I4 */
	pthread_rwlock_t rw;
	const void *trace_map; /* names the lock in probes (src/internal/probes.h) */
	const char *rd_site, *wr_site;
	void *slots_raw;
	size_t slots_raw_size;
} gomap__brlock;

/*
 * gomap__brlock_init - set up @l: one count per online CPU (a power of
 * two, at most GOMAP__BRLOCK_SLOTS_MAX), allocated from @a (NULL: malloc).
 * @trace_map, @rd_site and @wr_site name contended waits in the lock_wait
 * probe (may be set later, before the lock is shared). The bias starts on.
 * Returns 0 or GOMAP_ENOMEM (nothing to destroy then).
 */
int gomap__brlock_init(gomap__brlock *l, const gomap_allocator *a);
void gomap__brlock_destroy(gomap__brlock *l, const gomap_allocator *a);

/* Slow paths (src/brlock.c). */
int gomap__brlock_rdlock_central(gomap__brlock *l);
void gomap__brlock_wake(gomap__brlock *l, struct gomap__brslot *s);

/*
 * gomap__brlock_rdlock - take @l shared. Returns the token that
 * gomap__brlock_rdunlock needs: a count index (biased) or -1 (central).
 * A thread must not take @l again while it holds it (see the top).
 */
static inline int gomap__brlock_rdlock(gomap__brlock *l)
{
	if (GOMAP_LIKELY(atomic_load_explicit(&l->rbias, memory_order_relaxed))) {
		/* -1 from sched_getcpu (no CPU number) is a valid index too */
		int c = sched_getcpu() & (int)l->slot_mask;
		struct gomap__brslot *s = &l->slots[c];
		atomic_fetch_add_explicit(&s->n, 1, memory_order_seq_cst);
		if (GOMAP_LIKELY(atomic_load_explicit(&l->rbias, memory_order_seq_cst)))
			return c;
		/* revoked meanwhile: back out (the writer may be waiting on it) */
		uint32_t was = atomic_fetch_sub_explicit(&s->n, 1, memory_order_release);
		if (was == (GOMAP__BRLOCK_SLEEPER | 1u))
			gomap__brlock_wake(l, s);
	}
	return gomap__brlock_rdlock_central(l);
}

static inline void gomap__brlock_rdunlock(gomap__brlock *l, int token)
{
	GOMAP_ASSERT(token >= -1 && token <= (int)l->slot_mask);
	if (GOMAP_LIKELY(token >= 0)) {
		struct gomap__brslot *s = &l->slots[token];
		uint32_t was = atomic_fetch_sub_explicit(&s->n, 1, memory_order_release);
		GOMAP_ASSERT((was & ~GOMAP__BRLOCK_SLEEPER) != 0); /* I3 */
		if (GOMAP_UNLIKELY(was == (GOMAP__BRLOCK_SLEEPER | 1u)))
			gomap__brlock_wake(l, s);
	} else {
		pthread_rwlock_unlock(&l->rw);
	}
}

/* Take @l exclusively / release it. */
void gomap__brlock_wrlock(gomap__brlock *l);
void gomap__brlock_wrunlock(gomap__brlock *l);

/* True while some writer holds @l (for assertions: I4). */
static inline bool gomap__brlock_wr_held(const gomap__brlock *l)
{
	return atomic_load_explicit(&l->wheld, memory_order_relaxed) != 0;
}

/* True for a token gomap__brlock_rdlock can return. */
static inline bool gomap__brlock_token_ok(const gomap__brlock *l, int token)
{
	return token >= -1 && token <= (int)l->slot_mask;
}

#endif /* GOMAP_BRLOCK_H */
