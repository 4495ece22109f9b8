/*
 * src/rwmutex.c - the rwmutex map: a writer-preferring reader-writer lock
 * around a plain map.
 *
 * Design: load runs under the shared lock (the plain map allows any number
 * of concurrent readers); every other operation under the exclusive lock.
 *
 * The lock (rw_rdlock, rw_wrlock below) is per-CPU reader counts in front
 * of a pthread rwlock. Why: a single lock word is written by every reader,
 * so with readers on several CPUs its cache line moves on every read (Go's
 * RWMutex has the same problem). A reader instead increments the count
 * of the CPU it runs on (its own cache line) and then checks @writers; a
 * writer announces itself in @writers, takes the pthread rwlock exclusively
 * and waits for every count to drain. A reader that sees a writer backs out
 * of its count and takes the pthread rwlock shared, where it waits.
 * Ordering: the reader's increment and its load of @writers, and the
 * writer's increment of @writers and its loads of the counts, are seq_cst:
 * in their single total order, either the writer sees the count (and
 * waits) or the reader sees the writer (and backs out). The decrement (a
 * release) pairs with the writer's load of the count that reads it, and the
 * writer's final decrement of @writers with the next reader's load.
 *
 * Fairness: @writers is raised before a writer waits for anything, so a
 * waiting writer stops new readers (Go's RWMutex rule), and the pthread
 * rwlock is created with PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP for
 * the same rule among readers that went the slow way. The price of that
 * rule is that a thread which takes the shared lock twice deadlocks if a
 * writer arrived in between; re-entry therefore never locks twice:
 *  - exclusive holder running user code: @owner == its thread id (as in
 *    src/mutex.c); its calls run directly;
 *  - shared holders: a per-thread table (rd_held) lists the maps this
 *    thread holds shared, with a depth; reading calls run directly,
 *    writing calls return GOMAP_EBUSY.
 *  - update callbacks (gomap_rwmutex_update) must not call the map at all:
 *    the thread's update frames (src/internal/util.h) name the map, and a
 *    call from the callback, which finds a writer about, checks them on
 *    its way to the lock (rw_rdlock's slow path, rw_wrlock) and stops with
 *    a fatal error instead of waiting for itself.
 *
 * Ordering: @owner as in src/mutex.c (only ever compared with the caller's
 * own id: relaxed). rd_held is thread-local. @len mirrors the plain map's
 * count, stored (relaxed) under the exclusive lock after each write; len()
 * reads it without locking.
 *
 * Invariants: owner != 0 implies the lock is held exclusively by `owner`;
 * while a writer holds the lock, every per-CPU count is 0 (readers that
 * raise one see @writers and lower it again without reading the map);
 * a map is in this thread's rd_held iff this thread holds it shared;
 * outside a write section, len == gomap_map_len(map). Asserted (debug.h):
 * owner and len when the lock is taken exclusively, reader counts and
 * @writers never going below zero, hold depths.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include <gomap/rwmutex.h>

#include "internal/lock.h"
#include "internal/util.h"
#include "internal/probes.h"
#include "internal/cmap_impl.h"
#include "internal/debug.h"

/* One per-CPU reader count, alone on its cache lines. */
struct rslot {
	_Atomic uint32_t n;
} __attribute__((aligned(128)));

#define RW_SLOTS_MAX 64u

struct gomap_rwmutex {
	/* read by every operation; written at creation (owner: only by hand) */
	gomap_map_t *map;
	struct rslot *slots;
	uint32_t slot_mask;     /* slots: a power of two */
	_Atomic uint32_t owner; /* exclusive holder running user code, else 0 */
	const gomap_type *kt;   /* the map's own copy */
	size_t vsize;
	bool vowned; /* copied STR/BYTES values: no fast load/store */
	/* written by writers: 64 bytes away (the block is only malloc-aligned),
	 * so that a write does not take the line above from every reader */
	char pad_[64];
	_Atomic uint32_t writers; /* writers waiting or holding */
	_Atomic size_t len;     /* mirror of gomap_map_len(map) */
	pthread_rwlock_t rw;    /* writers, and readers that met a writer */
	void *slots_raw;
	size_t slots_raw_size;
	bool has_alloc;
	gomap_allocator alloc;
};

/* ---- per-thread shared holds ----------------------------------------- */

#define RD_MAX 16

static _Thread_local struct rd_hold {
	const gomap_rwmutex_t *m;
	unsigned depth;
	int slot; /* what rw_rdlock returned */
} rd_held[RD_MAX];
static _Thread_local unsigned rd_n;

static struct rd_hold *rd_find(const gomap_rwmutex_t *m)
{
	for (unsigned i = 0; i < rd_n; i++)
		if (rd_held[i].m == m)
			return &rd_held[i];
	return NULL;
}

/* Record a shared hold; @slot: what rw_rdlock returned, for a first hold. */
static void rd_push(const gomap_rwmutex_t *m, int slot)
{
	struct rd_hold *h = rd_find(m);
	if (h) {
		h->depth++;
		return;
	}
	if (rd_n == RD_MAX)
		gomap__fatal("gomap: too many rwmutex maps read-locked by one "
		             "thread",
		             m, 0);
	/* a first hold records what rw_rdlock returned: a count or -1 */
	GOMAP_ASSERT_MAP(slot >= -1 && slot <= (int)m->slot_mask, m);
	rd_held[rd_n].m = m;
	rd_held[rd_n].depth = 1;
	rd_held[rd_n].slot = slot;
	rd_n++;
}

/* Returns true when the last hold was dropped (the lock must be released,
 * with *slot). */
static bool rd_pop(const gomap_rwmutex_t *m, int *slot)
{
	struct rd_hold *h = rd_find(m);
	if (!h)
		gomap__fatal("gomap: runlock of an rwmutex map not read-locked "
		             "by this thread",
		             m, 0);
	GOMAP_ASSERT_MAP(h->depth > 0, m);
	if (--h->depth)
		return false;
	*slot = h->slot;
	*h = rd_held[--rd_n];
	return true;
}

static bool rd_held_by_me(const gomap_rwmutex_t *m)
{
	return rd_n && rd_find(m);
}

/* Relaxed loads for assertions (functions: a failed one prints readable
 * text). */
static inline uint32_t owner_now(const gomap_rwmutex_t *m)
{
	return atomic_load_explicit(&m->owner, memory_order_relaxed);
}

static inline size_t len_mirror(const gomap_rwmutex_t *m)
{
	return atomic_load_explicit(&m->len, memory_order_relaxed);
}

static bool wr_held_by_me(const gomap_rwmutex_t *m)
{
	return atomic_load_explicit(&m->owner, memory_order_relaxed) ==
	       gomap__tid();
}

static void sync_len(gomap_rwmutex_t *m)
{
	atomic_store_explicit(&m->len, gomap_map_len(m->map),
	                      memory_order_relaxed);
}

/* ---- the lock (see the top of the file) ------------------------------- */

/* Lower a reader count; wake the writer draining it when it reaches 0. */
static inline void rd_leave(gomap_rwmutex_t *m, struct rslot *s)
{
	uint32_t was = atomic_fetch_sub_explicit(&s->n, 1, memory_order_seq_cst);
	GOMAP_ASSERT_MAP(was != 0, m); /* every leave follows its enter */
	if (was == 1 && atomic_load_explicit(&m->writers, memory_order_seq_cst) != 0)
		gomap__futex_wake(&s->n, INT_MAX);
}

/* Take the lock shared. Returns the count taken, or -1: the pthread rwlock
 * is held shared (a writer was about). The alternatives were all slower
 * read-mostly with more threads than CPUs: spinning on @writers before the
 * pthread rwlock, yielding until @writers cleared, and blocking in the
 * pthread rwlock at once. */
static inline int rw_rdlock(gomap_rwmutex_t *m)
{
	if (GOMAP_LIKELY(atomic_load_explicit(&m->writers, memory_order_relaxed) == 0)) {
		int c = sched_getcpu() & (int)m->slot_mask; /* -1 (no CPU number) is fine too */
		struct rslot *s = &m->slots[c];
		atomic_fetch_add_explicit(&s->n, 1, memory_order_seq_cst);
		if (GOMAP_LIKELY(atomic_load_explicit(&m->writers, memory_order_seq_cst) == 0))
			return c;
		rd_leave(m, s);
	}
	/* A writer is about: possibly this thread, inside an update callback
	 * of m, which would wait here for itself. */
	if (GOMAP_UNLIKELY(gomap__upd_top != NULL))
		gomap__upd_check(m);
	GOMAP_PROBE_TIMED_LOCK(m->map, "rwmutex.run.read",
	                       pthread_rwlock_tryrdlock(&m->rw) == 0,
	                       GOMAP__LOCK_PATIENTLY(pthread_rwlock_tryrdlock(&m->rw) == 0,
	                                             pthread_rwlock_rdlock(&m->rw)));
	return -1;
}

static inline void rw_rdunlock(gomap_rwmutex_t *m, int c)
{
	if (GOMAP_LIKELY(c >= 0))
		rd_leave(m, &m->slots[c]);
	else
		pthread_rwlock_unlock(&m->rw);
}

/* Wait until no reader holds count @s (a writer, with @writers raised). */
static void drain(struct rslot *s)
{
	for (int spins = 0;;) {
		uint32_t v = atomic_load_explicit(&s->n, memory_order_seq_cst);
		if (v == 0)
			return;
		if (spins++ < GOMAP__PATIENT_YIELDS)
			sched_yield(); /* readers hold it for one operation */
		else
			gomap__futex_wait(&s->n, v); /* or a long read section */
	}
}

static inline void rw_wrlock(gomap_rwmutex_t *m)
{
	atomic_fetch_add_explicit(&m->writers, 1, memory_order_seq_cst);
	if (GOMAP_UNLIKELY(gomap__upd_top != NULL)) /* as in rw_rdlock */
		gomap__upd_check(m);
	GOMAP_PROBE_TIMED_LOCK(m->map, "rwmutex.run.write", pthread_rwlock_trywrlock(&m->rw) == 0,
	                       GOMAP__LOCK_PATIENTLY(pthread_rwlock_trywrlock(&m->rw) == 0,
	                                             pthread_rwlock_wrlock(&m->rw)));
	for (uint32_t i = 0; i <= m->slot_mask; i++)
		drain(&m->slots[i]);
	/* Exclusive now: no user code of another holder runs, and the last
	 * writer left the mirror exact. */
	GOMAP_ASSERT_MAP(owner_now(m) == 0, m);
	GOMAP_ASSERT_MAP(len_mirror(m) == gomap_map_len(m->map), m);
}

static inline void rw_wrunlock(gomap_rwmutex_t *m)
{
	pthread_rwlock_unlock(&m->rw);
	uint32_t was = atomic_fetch_sub_explicit(&m->writers, 1, memory_order_seq_cst);
	GOMAP_ASSERT_MAP(was != 0, m); /* this writer was counted */
}

static void rdlock(gomap_rwmutex_t *m) GOMAP_NO_THREAD_SAFETY_ANALYSIS
{
	rd_push(m, rw_rdlock(m));
}

static void rdunlock(gomap_rwmutex_t *m) GOMAP_NO_THREAD_SAFETY_ANALYSIS
{
	int c;
	if (rd_pop(m, &c))
		rw_rdunlock(m, c);
}

static void wrlock_owned(gomap_rwmutex_t *m) GOMAP_NO_THREAD_SAFETY_ANALYSIS
{
	rw_wrlock(m);
	atomic_store_explicit(&m->owner, gomap__tid(), memory_order_relaxed);
}

static void wrunlock_owned(gomap_rwmutex_t *m) GOMAP_NO_THREAD_SAFETY_ANALYSIS
{
	GOMAP_ASSERT_MAP(wr_held_by_me(m), m);
	sync_len(m);
	atomic_store_explicit(&m->owner, 0, memory_order_relaxed);
	rw_wrunlock(m);
}

/* ---- life cycle -------------------------------------------------------- */

GOMAP_API int gomap_rwmutex_new(gomap_rwmutex_t **out, const gomap_type *kt,
                                const gomap_type *vt,
                                const gomap_rwmutex_options *opt)
{
	if (!out)
		return GOMAP_EINVAL;
	*out = NULL;
	int rc = gomap__cm_check_types(kt, vt);
	if (rc < 0)
		return rc;
	const gomap_allocator *a = opt ? opt->alloc : NULL;
	if (gomap__cm_check_alloc(a) < 0)
		return GOMAP_EINVAL;
	gomap_rwmutex_t *m = gomap__alloc(a, sizeof(*m));
	if (!m)
		return GOMAP_ENOMEM;
	memset(m, 0, sizeof(*m));
	if (a) {
		m->alloc = *a;
		m->has_alloc = true;
	}
	m->vsize = vt->size;
	m->vowned = gomap__cm_user_owned(vt);

	/* One reader count per CPU (a power of two, at most RW_SLOTS_MAX). */
	uint32_t n = 1;
	while (n < gomap__ncpu() && n < RW_SLOTS_MAX)
		n <<= 1;
	m->slot_mask = n - 1;
	m->slots_raw_size = (size_t)(n + 1) * sizeof(struct rslot);
	m->slots_raw = gomap__alloc_zeroed(m->has_alloc ? &m->alloc : NULL, m->slots_raw_size);
	if (!m->slots_raw)
		goto fail_free;
	m->slots = (struct rslot *)(((uintptr_t)m->slots_raw + sizeof(struct rslot) - 1) &
	                            ~(uintptr_t)(sizeof(struct rslot) - 1));
	atomic_init(&m->writers, 0);

	pthread_rwlockattr_t attr;
	if (pthread_rwlockattr_init(&attr) != 0)
		goto fail_free;
	pthread_rwlockattr_setkind_np(
		&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	rc = pthread_rwlock_init(&m->rw, &attr);
	pthread_rwlockattr_destroy(&attr);
	if (rc != 0)
		goto fail_free;

	gomap_map_options mo = {.hint = opt ? opt->hint : 0,
	                        .alloc = m->has_alloc ? &m->alloc : NULL};
	gomap_type ivt;
	rc = gomap_map_new_opts(&m->map, kt, gomap__cm_inner_vt(vt, &ivt, mo.alloc), &mo);
	if (rc < 0) {
		pthread_rwlock_destroy(&m->rw);
		gomap__free(a, m->slots_raw, m->slots_raw_size);
		gomap__free(a, m, sizeof(*m));
		return rc;
	}
	m->kt = gomap__map_key_type(m->map);
	atomic_init(&m->owner, 0);
	atomic_init(&m->len, 0);
	*out = m;
	return 0;

fail_free:
	if (m->slots_raw)
		gomap__free(a, m->slots_raw, m->slots_raw_size);
	gomap__free(a, m, sizeof(*m));
	return GOMAP_ENOMEM;
}

GOMAP_API void gomap_rwmutex_free(gomap_rwmutex_t *m)
{
	if (!m)
		return;
	gomap_map_free(m->map);
	pthread_rwlock_destroy(&m->rw);
	gomap_allocator a = m->alloc;
	gomap__free(m->has_alloc ? &a : NULL, m->slots_raw, m->slots_raw_size);
	gomap__free(m->has_alloc ? &a : NULL, m, sizeof(*m));
}

/* ---- operations -------------------------------------------------------- */

static int run(gomap_rwmutex_t *m, int op, const void *key, const void *val,
               const void *val2, void *out)
{
	if (!m)
		return GOMAP_EINVAL;
	int rc = gomap__cm_check_args(op, m->kt, m->vsize, key, val, val2);
	if (rc < 0)
		return rc;
	bool ro = gomap__cm_op_reads_only(op);
	if (wr_held_by_me(m)) {
		gomap__upd_check(m);
		rc = gomap__cm_exec(m->map, op, key, val, val2, out);
		sync_len(m);
		return rc;
	}
	if (rd_held_by_me(m)) {
		if (!ro)
			return GOMAP_EBUSY;
		return gomap__cm_exec(m->map, op, key, val, val2, out);
	}
	if (ro) {
		int c = rw_rdlock(m);
		rc = gomap__cm_exec(m->map, op, key, val, val2, out);
		rw_rdunlock(m, c);
		return rc;
	}
	rw_wrlock(m);
	rc = gomap__cm_exec(m->map, op, key, val, val2, out);
	sync_len(m);
	rw_wrunlock(m);
	return rc;
}

/* load, store and delete take a short path when this thread holds no lock
 * of the map: see gomap_mutex_load (src/mutex.c) for why. */
static inline bool fast_ok(const gomap_rwmutex_t *m, const void *key)
{
	return GOMAP_LIKELY(m && key && !wr_held_by_me(m) && !rd_held_by_me(m));
}

GOMAP_API int gomap_rwmutex_load(gomap_rwmutex_t *m, const void *key,
                                 void *val_out)
{
	if (fast_ok(m, key) && !m->vowned) {
		int c = rw_rdlock(m);
		int rc = gomap_map_get(m->map, key, val_out);
		rw_rdunlock(m, c);
		return rc;
	}
	return run(m, GOMAP__OP_LOAD, key, NULL, NULL, val_out);
}

GOMAP_API int gomap_rwmutex_store(gomap_rwmutex_t *m, const void *key,
                                  const void *val)
{
	if (fast_ok(m, key) && (val || !m->vsize) && !m->vowned) {
		rw_wrlock(m);
		int rc = gomap_map_put(m->map, key, val);
		sync_len(m);
		rw_wrunlock(m);
		return rc < 0 ? rc : 0;
	}
	return run(m, GOMAP__OP_STORE, key, val, NULL, NULL);
}

GOMAP_API int gomap_rwmutex_load_or_store(gomap_rwmutex_t *m,
                                          const void *key, const void *val,
                                          void *actual_out)
{
	return run(m, GOMAP__OP_LOAD_OR_STORE, key, val, NULL, actual_out);
}

GOMAP_API int gomap_rwmutex_load_and_delete(gomap_rwmutex_t *m,
                                            const void *key, void *val_out)
{
	return run(m, GOMAP__OP_LOAD_AND_DELETE, key, NULL, NULL, val_out);
}

GOMAP_API int gomap_rwmutex_delete(gomap_rwmutex_t *m, const void *key)
{
	if (fast_ok(m, key)) {
		rw_wrlock(m);
		int rc = gomap_map_delete(m->map, key);
		sync_len(m);
		rw_wrunlock(m);
		return rc;
	}
	return run(m, GOMAP__OP_DELETE, key, NULL, NULL, NULL);
}

GOMAP_API int gomap_rwmutex_swap(gomap_rwmutex_t *m, const void *key,
                                 const void *val, void *prev_out)
{
	return run(m, GOMAP__OP_SWAP, key, val, NULL, prev_out);
}

GOMAP_API int gomap_rwmutex_compare_and_swap(gomap_rwmutex_t *m,
                                             const void *key, const void *old,
                                             const void *new_)
{
	return run(m, GOMAP__OP_CAS, key, old, new_, NULL);
}

GOMAP_API int gomap_rwmutex_compare_and_delete(gomap_rwmutex_t *m,
                                               const void *key,
                                               const void *old)
{
	return run(m, GOMAP__OP_CAD, key, old, NULL, NULL);
}

GOMAP_API int gomap_rwmutex_clear(gomap_rwmutex_t *m)
{
	return run(m, GOMAP__OP_CLEAR, NULL, NULL, NULL, NULL);
}

GOMAP_API size_t gomap_rwmutex_len(gomap_rwmutex_t *m)
{
	return m ? atomic_load_explicit(&m->len, memory_order_relaxed) : 0;
}

GOMAP_API int gomap_rwmutex_range(gomap_rwmutex_t *m, gomap_range_fn fn,
                                  void *ctx)
{
	if (!m || !fn)
		return GOMAP_EINVAL;
	if (wr_held_by_me(m) || rd_held_by_me(m)) {
		gomap__upd_check(m);
		return gomap__cm_range(m->map, fn, ctx);
	}
	rdlock(m);
	int rc = gomap__cm_range(m->map, fn, ctx);
	rdunlock(m);
	return rc;
}

GOMAP_API int gomap_rwmutex_atomic(gomap_rwmutex_t *m, gomap_atomic_fn fn,
                                   void *ctx)
{
	if (!m || !fn)
		return GOMAP_EINVAL;
	/* owned values: the plain map holds the map's own copies (cmap.h) */
	if (m->vowned)
		return GOMAP_ENOTSUP;
	if (wr_held_by_me(m)) {
		gomap__upd_check(m);
		int rc = fn(m->map, ctx);
		sync_len(m);
		return rc;
	}
	if (rd_held_by_me(m))
		return GOMAP_EBUSY;
	wrlock_owned(m);
	int rc = fn(m->map, ctx);
	wrunlock_owned(m);
	return rc;
}

/*
 * update: the write lock, without @owner (it shares a line with what
 * every reader reads, and only hand-locked sections write it). A call
 * from the callback finds the lock taken by a writer and checks this
 * thread's update frames before it would wait (rw_rdlock, rw_wrlock);
 * inside an atomic section (@owner set) the re-entry branches check them.
 */
GOMAP_API int gomap_rwmutex_update(gomap_rwmutex_t *m, const void *key,
                                   gomap_update_fn fn, void *ctx)
{
	if (!m || !fn || gomap__cm_check_key(m->kt, key) < 0)
		return GOMAP_EINVAL;
	const gomap_allocator *a = m->has_alloc ? &m->alloc : NULL;
	struct gomap__upd_frame f;
	int rc;
	if (GOMAP_UNLIKELY(wr_held_by_me(m))) {
		gomap__upd_check(m);
		gomap__upd_enter(&f, m);
		rc = gomap__cm_update_h(m->map, key, gomap__map_hash(m->map, key),
		                        fn, ctx, a);
		gomap__upd_leave(&f);
		sync_len(m);
		return rc;
	}
	if (GOMAP_UNLIKELY(rd_held_by_me(m)))
		return GOMAP_EBUSY; /* no upgrade of a shared hold (see top) */
	rw_wrlock(m);
	GOMAP_ASSERT_MAP(atomic_load_explicit(&m->writers, memory_order_relaxed) > 0, m);
	gomap__upd_enter(&f, m);
	rc = gomap__cm_update_h(m->map, key, gomap__map_hash(m->map, key), fn,
	                        ctx, a);
	gomap__upd_leave(&f);
	sync_len(m);
	rw_wrunlock(m);
	return rc;
}

GOMAP_API int gomap_rwmutex_atomic_read(gomap_rwmutex_t *m,
                                        gomap_atomic_read_fn fn, void *ctx)
{
	if (!m || !fn)
		return GOMAP_EINVAL;
	if (wr_held_by_me(m) || rd_held_by_me(m)) {
		gomap__upd_check(m);
		return fn(m->map, ctx);
	}
	rdlock(m);
	int rc = fn(m->map, ctx);
	rdunlock(m);
	return rc;
}

/* ---- locking by hand ------------------------------------------------- */

GOMAP_API void gomap_rwmutex_lock(gomap_rwmutex_t *m)
	GOMAP_NO_THREAD_SAFETY_ANALYSIS
{
	if (!m)
		return;
	if (wr_held_by_me(m) || rd_held_by_me(m)) {
		gomap__upd_check(m);
		gomap__fatal("gomap: recursive lock of an rwmutex map", m, 0);
	}
	wrlock_owned(m);
}

GOMAP_API void gomap_rwmutex_unlock(gomap_rwmutex_t *m)
	GOMAP_NO_THREAD_SAFETY_ANALYSIS
{
	if (!m)
		return;
	gomap__upd_check(m);
	if (!wr_held_by_me(m))
		gomap__fatal("gomap: unlock of an rwmutex map not locked by "
		             "this thread",
		             m, 0);
	wrunlock_owned(m);
}

GOMAP_API void gomap_rwmutex_rlock(gomap_rwmutex_t *m)
	GOMAP_NO_THREAD_SAFETY_ANALYSIS
{
	if (!m)
		return;
	if (wr_held_by_me(m)) {
		gomap__upd_check(m);
		gomap__fatal("gomap: rlock of an rwmutex map this thread has "
		             "locked",
		             m, 0);
	}
	if (rd_held_by_me(m)) {
		rd_push(m, -1); /* recursive: never lock twice (see top) */
		return;
	}
	rdlock(m);
}

GOMAP_API void gomap_rwmutex_runlock(gomap_rwmutex_t *m)
	GOMAP_NO_THREAD_SAFETY_ANALYSIS
{
	if (!m)
		return;
	rdunlock(m);
}

GOMAP_API gomap_map_t *gomap_rwmutex_map(gomap_rwmutex_t *m)
	GOMAP_NO_THREAD_SAFETY_ANALYSIS
{
	return m ? m->map : NULL;
}

GOMAP_API const gomap_map_t *gomap_rwmutex_map_read(gomap_rwmutex_t *m)
	GOMAP_NO_THREAD_SAFETY_ANALYSIS
{
	return m ? m->map : NULL;
}

/* ---- cmap ops table -------------------------------------------------- */

GOMAP__DEFINE_CMAP_OPS(rwmutex);
