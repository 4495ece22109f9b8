/*
 * src/brlock.c - the slow paths of the biased reader-writer lock: central
 * readers, writers, revocation of the bias. The protocol, its ordering and
 * its invariants are at the top of src/internal/brlock.h.
 */
#include <limits.h>
#include <string.h>
#include <time.h>

#include "internal/brlock.h"
#include "internal/map_internal.h"
#include "internal/probes.h"

/* Keep the bias off for this many times the last revocation's cost. */
#define BRLOCK_INHIBIT 9u

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int gomap__brlock_init(gomap__brlock *l, const gomap_allocator *a)
{
	memset(l, 0, sizeof(*l));
	uint32_t n = 1;
	while (n < gomap__ncpu() && n < GOMAP__BRLOCK_SLOTS_MAX)
		n <<= 1;
	l->slot_mask = n - 1;
	/* one extra slot: room to align the block to the slot size */
	l->slots_raw_size = (size_t)(n + 1) * sizeof(struct gomap__brslot);
	l->slots_raw = gomap__alloc_zeroed(a, l->slots_raw_size);
	if (!l->slots_raw)
		return GOMAP_ENOMEM;
	uintptr_t align = sizeof(struct gomap__brslot);
	l->slots = (struct gomap__brslot *)(((uintptr_t)l->slots_raw + align - 1) & ~(align - 1));

	pthread_rwlockattr_t attr;
	int rc = pthread_rwlockattr_init(&attr);
	if (rc == 0) {
		pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
		rc = pthread_rwlock_init(&l->rw, &attr);
		pthread_rwlockattr_destroy(&attr);
	}
	if (rc != 0) {
		gomap__free(a, l->slots_raw, l->slots_raw_size);
		l->slots_raw = NULL;
		return GOMAP_ENOMEM;
	}
	atomic_init(&l->rbias, 1);
	atomic_init(&l->inhibit_until, 0);
	atomic_init(&l->wheld, 0);
	return 0;
}

void gomap__brlock_destroy(gomap__brlock *l, const gomap_allocator *a)
{
	pthread_rwlock_destroy(&l->rw);
	gomap__free(a, l->slots_raw, l->slots_raw_size);
	l->slots_raw = NULL;
	l->slots = NULL;
}

void gomap__brlock_wake(gomap__brlock *l, struct gomap__brslot *s)
{
	(void)l;
	gomap__futex_wake(&s->n, INT_MAX);
}

int gomap__brlock_rdlock_central(gomap__brlock *l)
{
	GOMAP_PROBE_TIMED_LOCK(l->trace_map, l->rd_site, pthread_rwlock_tryrdlock(&l->rw) == 0,
	                       GOMAP__LOCK_PATIENTLY(pthread_rwlock_tryrdlock(&l->rw) == 0,
	                                             pthread_rwlock_rdlock(&l->rw)));
	GOMAP_ASSERT(!gomap__brlock_wr_held(l)); /* I1 */
	/* I2: shared now, so no writer can be revoking; writes have been rare
	 * enough since the last revocation: let readers in the fast way. */
	if (!atomic_load_explicit(&l->rbias, memory_order_relaxed) &&
	    now_ns() >= atomic_load_explicit(&l->inhibit_until, memory_order_relaxed))
		/* release: a biased reader that reads this 1 (its seq_cst
		 * load) is ordered after the last writer, as this thread is */
		atomic_store_explicit(&l->rbias, 1, memory_order_release);
	return -1;
}

/* Wait until no biased reader holds count @s (the bias is off). */
static void drain(struct gomap__brslot *s)
{
	for (int spins = 0;;) {
		uint32_t v = atomic_load_explicit(&s->n, memory_order_seq_cst);
		if ((v & ~GOMAP__BRLOCK_SLEEPER) == 0)
			break;
		if (spins++ < GOMAP__PATIENT_YIELDS) {
			sched_yield(); /* readers hold it for one operation */
			continue;
		}
		/* or a long read section: sleep until its reader leaves */
		v = atomic_fetch_or_explicit(&s->n, GOMAP__BRLOCK_SLEEPER, memory_order_seq_cst);
		if ((v & ~GOMAP__BRLOCK_SLEEPER) != 0)
			gomap__futex_wait(&s->n, v | GOMAP__BRLOCK_SLEEPER);
	}
	atomic_fetch_and_explicit(&s->n, ~GOMAP__BRLOCK_SLEEPER, memory_order_relaxed);
}

void gomap__brlock_wrlock(gomap__brlock *l)
{
	GOMAP_PROBE_TIMED_LOCK(l->trace_map, l->wr_site, pthread_rwlock_trywrlock(&l->rw) == 0,
	                       GOMAP__LOCK_PATIENTLY(pthread_rwlock_trywrlock(&l->rw) == 0,
	                                             pthread_rwlock_wrlock(&l->rw)));
	GOMAP_ASSERT(!gomap__brlock_wr_held(l));
	if (atomic_load_explicit(&l->rbias, memory_order_relaxed)) {
		/* revoke: new readers back out; wait for those inside */
		atomic_store_explicit(&l->rbias, 0, memory_order_seq_cst);
		uint64_t t0 = now_ns();
		for (uint32_t i = 0; i <= l->slot_mask; i++)
			drain(&l->slots[i]);
		uint64_t t1 = now_ns();
		atomic_store_explicit(&l->inhibit_until, t1 + (t1 - t0) * BRLOCK_INHIBIT,
		                      memory_order_relaxed);
	}
	atomic_store_explicit(&l->wheld, 1, memory_order_relaxed);
}

void gomap__brlock_wrunlock(gomap__brlock *l)
{
	GOMAP_ASSERT(gomap__brlock_wr_held(l));
	GOMAP_ASSERT(!atomic_load_explicit(&l->rbias, memory_order_relaxed)); /* I1 */
	atomic_store_explicit(&l->wheld, 0, memory_order_relaxed);
	pthread_rwlock_unlock(&l->rw);
}
