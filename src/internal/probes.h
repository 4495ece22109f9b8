/*
 * src/internal/probes.h - instrumentation points of the maps: USDT probes
 * (provider "gomap", for bpftrace/perf/systemtap) and the hooks of the
 * built-in tracer (src/trace.c, Chrome Trace Event JSON).
 *
 * Cost model. Each point is
 *   1. a USDT probe (<sys/sdt.h>): one `nop` in the code plus an ELF note
 *      naming the probe and where its arguments live; nothing runs unless a
 *      tool attaches a uprobe there. Integer arguments given as constants
 *      cost nothing (the note records the constant);
 *   2. one predictable branch on the global flag gomap__trace_on (a relaxed
 *      atomic load: a plain load on x86 and ARM), taken only while the
 *      tracer runs.
 * With the CMake option GOMAP_TRACING=OFF (compile definition
 * GOMAP_TRACING=0) every macro expands to nothing and evaluates nothing.
 *
 * Probes and their arguments (arg0 is always the map):
 *   grow_start(map, old_cap, new_cap, same_size)  a growth began
 *   grow_end(map, cap)                            the old table is migrated
 *   evacuate(map, done, total)                    migration progress, groups
 *   op(map, op)                                   an operation (internal/ops.h)
 *   lock_wait(map, site, ns)                      a lock was waited for ns
 *   chan_batch(map, n)                            the chan owner served n requests
 *   grace_period(map, ns)                         an RCU grace period took ns
 *   misuse(map, msg)                              a fatal misuse report
 * String arguments (site, msg) must have static storage duration (string
 * literals, __func__): the tracer keeps the pointer, not a copy.
 *
 * Timing waits. lock_wait and grace_period carry a duration that the
 * caller measures only when someone listens, so an unobserved lock costs no
 * clock reads:
 *     uint64_t t0 = GOMAP_PROBE_CLOCK();       0 when nobody listens
 *     ... wait for the lock ...
 *     if (t0) GOMAP_PROBE_LOCK_WAIT(m, "mutex.run", gomap__probe_now() - t0);
 * or GOMAP_PROBE_TIMED_LOCK below, which does this around a trylock/lock
 * pair. The site names the place the lock is taken ("variant.function");
 * the map argument of every probe should be the plain map inside a safe
 * map where there is one, so that all events of one map share an address.
 * "Someone listens" is: the tracer runs, or a tool attached the probe (the
 * USDT semaphore of lock_wait / grace_period is non-zero; bpftrace, perf and
 * systemtap set it when they attach).
 */
#ifndef GOMAP_PROBES_H
#define GOMAP_PROBES_H

#include <stdint.h>

#include "ops.h"

#ifndef GOMAP_TRACING
#define GOMAP_TRACING 0
#endif

/* Codes of the op probe (arg1): the operations of internal/ops.h. The
 * plain map reports its get, put and delete as load, store and delete; a
 * safe map adds GOMAP__OP_PROBE_SAFE. */
#define GOMAP_PROBE_OP_GET GOMAP__OP_LOAD
#define GOMAP_PROBE_OP_PUT GOMAP__OP_STORE
#define GOMAP_PROBE_OP_DELETE GOMAP__OP_DELETE
#define GOMAP_PROBE_OP_CMAP GOMAP__OP_PROBE_SAFE

#if GOMAP_TRACING

#include <stdatomic.h>
#include <stddef.h>

/* Every probe of this library has a semaphore (sdt.h needs one per probe
 * once semaphores are on); they are defined in src/trace.c. Declared
 * hidden, as everything here: the library reaches them PC-relative, with
 * no GOT load on the hot path. */
#define _SDT_HAS_SEMAPHORES 1
#include <sys/sdt.h>

#define GOMAP__PROBE_HIDDEN __attribute__((visibility("hidden")))

extern GOMAP__PROBE_HIDDEN unsigned short gomap_grow_start_semaphore, gomap_grow_end_semaphore,
    gomap_evacuate_semaphore, gomap_op_semaphore, gomap_lock_wait_semaphore,
    gomap_chan_batch_semaphore, gomap_grace_period_semaphore, gomap_misuse_semaphore;

/* True while the tracer records (src/trace.c). */
extern GOMAP__PROBE_HIDDEN _Atomic int gomap__trace_on;

#define GOMAP__TRACING_NOW() \
	__builtin_expect(atomic_load_explicit(&gomap__trace_on, memory_order_relaxed), 0)

/* Tracer hooks: called only while tracing is on. */
GOMAP__PROBE_HIDDEN void gomap__trace_grow_start(const void *m, size_t old_cap, size_t new_cap, int same);
GOMAP__PROBE_HIDDEN void gomap__trace_grow_end(const void *m, size_t cap);
GOMAP__PROBE_HIDDEN void gomap__trace_evacuate(const void *m, size_t done, size_t total);
GOMAP__PROBE_HIDDEN void gomap__trace_op(const void *m, int op);
GOMAP__PROBE_HIDDEN void gomap__trace_lock_wait(const void *m, const char *site, uint64_t ns);
GOMAP__PROBE_HIDDEN void gomap__trace_chan_batch(const void *m, size_t n);
GOMAP__PROBE_HIDDEN void gomap__trace_grace_period(const void *m, uint64_t ns);
GOMAP__PROBE_HIDDEN void gomap__trace_misuse(const void *m, const char *msg);

/* CLOCK_MONOTONIC in nanoseconds: the tracer's time base. */
GOMAP__PROBE_HIDDEN uint64_t gomap__probe_now(void);

/* Start of a timed wait: the time now if someone listens, else 0. */
static inline uint64_t gomap__probe_clock(void)
{
	if (GOMAP__TRACING_NOW() ||
	    __builtin_expect(*(volatile unsigned short *)&gomap_lock_wait_semaphore |
	                         *(volatile unsigned short *)&gomap_grace_period_semaphore,
	                     0))
		return gomap__probe_now();
	return 0;
}
#define GOMAP_PROBE_CLOCK() gomap__probe_clock()

/*
 * GOMAP_PROBE_TIMED_LOCK(m, site, trylock_ok, lock) - take a lock, reporting
 * the wait when it was contended and someone listens:
 *     GOMAP_PROBE_TIMED_LOCK(m->map, "mutex.run",
 *                            pthread_mutex_trylock(&m->mu) == 0,
 *                            pthread_mutex_lock(&m->mu));
 * Uncontended, it costs what the try costs (the same atomic operation as
 * the lock's fast path). Without tracing compiled in it is just `lock`.
 */
#define GOMAP_PROBE_TIMED_LOCK(m, site, trylock_ok, lock)                                       \
	do {                                                                                    \
		if (!(trylock_ok)) {                                                            \
			uint64_t gomap_probe_t0_ = gomap__probe_clock();                        \
			lock;                                                                   \
			if (gomap_probe_t0_)                                                    \
				GOMAP_PROBE_LOCK_WAIT((m), (site),                              \
				                      gomap__probe_now() - gomap_probe_t0_);   \
		}                                                                               \
	} while (0)

#define GOMAP_PROBE_GROW_START(m, old_cap, new_cap, same_size)                                  \
	do {                                                                                    \
		STAP_PROBE4(gomap, grow_start, (m), (old_cap), (new_cap), (same_size));          \
		if (GOMAP__TRACING_NOW())                                                       \
			gomap__trace_grow_start((m), (old_cap), (new_cap), (same_size));         \
	} while (0)

#define GOMAP_PROBE_GROW_END(m, cap)                                                            \
	do {                                                                                    \
		STAP_PROBE2(gomap, grow_end, (m), (cap));                                       \
		if (GOMAP__TRACING_NOW())                                                       \
			gomap__trace_grow_end((m), (cap));                                      \
	} while (0)

#define GOMAP_PROBE_EVACUATE(m, done, total)                                                    \
	do {                                                                                    \
		STAP_PROBE3(gomap, evacuate, (m), (done), (total));                             \
		if (GOMAP__TRACING_NOW())                                                       \
			gomap__trace_evacuate((m), (done), (total));                            \
	} while (0)

#define GOMAP_PROBE_OP(m, op_)                                                                  \
	do {                                                                                    \
		STAP_PROBE2(gomap, op, (m), (op_));                                             \
		if (GOMAP__TRACING_NOW())                                                       \
			gomap__trace_op((m), (op_));                                            \
	} while (0)

#define GOMAP_PROBE_LOCK_WAIT(m, site, ns)                                                      \
	do {                                                                                    \
		STAP_PROBE3(gomap, lock_wait, (m), (site), (ns));                               \
		if (GOMAP__TRACING_NOW())                                                       \
			gomap__trace_lock_wait((m), (site), (ns));                              \
	} while (0)

#define GOMAP_PROBE_CHAN_BATCH(m, n)                                                            \
	do {                                                                                    \
		STAP_PROBE2(gomap, chan_batch, (m), (n));                                       \
		if (GOMAP__TRACING_NOW())                                                       \
			gomap__trace_chan_batch((m), (n));                                      \
	} while (0)

#define GOMAP_PROBE_GRACE_PERIOD(m, ns)                                                         \
	do {                                                                                    \
		STAP_PROBE2(gomap, grace_period, (m), (ns));                                    \
		if (GOMAP__TRACING_NOW())                                                       \
			gomap__trace_grace_period((m), (ns));                                   \
	} while (0)

#define GOMAP_PROBE_MISUSE(m, msg)                                                              \
	do {                                                                                    \
		STAP_PROBE2(gomap, misuse, (m), (msg));                                         \
		if (GOMAP__TRACING_NOW())                                                       \
			gomap__trace_misuse((m), (msg));                                        \
	} while (0)

#else /* !GOMAP_TRACING */

static inline uint64_t gomap__probe_now(void) { return 0; }
#define GOMAP_PROBE_CLOCK() ((uint64_t)0)
#define GOMAP_PROBE_TIMED_LOCK(m, site, trylock_ok, lock) \
	do {                                              \
		lock;                                     \
	} while (0)
#define GOMAP_PROBE_GROW_START(m, old_cap, new_cap, same_size) ((void)0)
#define GOMAP_PROBE_GROW_END(m, cap) ((void)0)
#define GOMAP_PROBE_EVACUATE(m, done, total) ((void)0)
#define GOMAP_PROBE_OP(m, op) ((void)0)
#define GOMAP_PROBE_LOCK_WAIT(m, site, ns) ((void)0)
#define GOMAP_PROBE_CHAN_BATCH(m, n) ((void)0)
#define GOMAP_PROBE_GRACE_PERIOD(m, ns) ((void)0)
#define GOMAP_PROBE_MISUSE(m, msg) ((void)0)

#endif /* GOMAP_TRACING */
#endif /* GOMAP_PROBES_H */
