/*
 * src/shard.c - the shard map: 2^k plain maps, each behind its own mutex.
 *
 * Design: a key's shard is bits 40..55 of a seeded hash of the key. The
 * plain map uses the low bits of its hash for the group index and the top
 * 7 bits for the control byte, so these middle bits stay independent of
 * where the key lands inside its shard: the plain maps are created with
 * the shard map's seed, fixed (gomap__map_new_seeded), so a keyed
 * operation hashes once and passes the hash down (gomap__cm_exec_h).
 *
 * Each shard is padded to whole cache lines (one lock per line: an
 * adaptive pthread mutex, see gomap_shard_new), holds a
 * mirror of its entry count for len(), and an owner id for re-entry from
 * atomic sections (as in src/mutex.c).
 *
 * Deadlock freedom: a thread holds either one shard lock (a keyed
 * operation, a range step, gomap_shard_atomic, gomap_shard_update) and then
 * takes no other, or
 * all of them, taken in index order (clear, gomap_shard_atomic_all). Calls
 * from inside an atomic section that would need a further lock return
 * GOMAP_EBUSY instead; a per-thread table (sh_held) counts the shards of
 * each map this thread holds, so those calls are recognised. An update
 * callback must not call the map at all: update records its shard as held
 * too, and the held branches check the thread's update frames
 * (src/internal/util.h) first, turning such a call into a fatal error.
 *
 * Ordering: owner and the per-thread table as in src/mutex.c (relaxed,
 * only compared with the caller's own id). Each shard's count is stored
 * (relaxed) under that shard's lock after a write; len() sums the counts
 * without locking.
 *
 * Invariants: every key in shard i's map has shard index i; count[i] ==
 * gomap_map_len(shard i) outside shard i's critical sections; the
 * per-thread count for a map is the number of its shards whose owner is
 * this thread. Asserted (debug.h): owner and count when a shard is locked,
 * the per-thread count never going below zero, and (level 2) that the
 * shard map's hash is the one its plain maps use.
 */
#include <pthread.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <string.h>

#include <gomap/shard.h>

#include "internal/probes.h"
#include "internal/cmap_impl.h"
#include "internal/debug.h"
#include "internal/lock.h"
#include "internal/util.h"

#define SHARD_MAX 65536u
#define SHARD_SHIFT 40

struct shard {
	alignas(GOMAP__CACHE_LINE) pthread_mutex_t mu;
	_Atomic uint32_t owner; /* holder running user code, else 0 */
	_Atomic size_t count;   /* mirror of gomap_map_len(map) */
	gomap_map_t *map;
};

struct gomap_shard {
	struct shard *shards; /* aligned; nshards of them */
	void *shards_raw;     /* what was allocated */
	size_t shards_bytes;
	gomap_map_t **maps;   /* maps[i] == shards[i].map (atomic_all) */
	size_t nshards;
	uint64_t mask;
	uint64_t seed;
	const gomap_type *kt; /* the maps' own copy */
	size_t vsize;
	bool vowned; /* copied STR/BYTES values: no fast load/store */
	bool has_alloc;
	gomap_allocator alloc;
};

/* ---- per-thread holds ------------------------------------------------ */

#define SH_MAX 16

static _Thread_local struct sh_hold {
	const gomap_shard_t *m;
	size_t n; /* shards of m this thread holds */
} sh_held[SH_MAX];
static _Thread_local unsigned sh_n;

static size_t held_count(const gomap_shard_t *m)
{
	for (unsigned i = 0; i < sh_n; i++)
		if (sh_held[i].m == m)
			return sh_held[i].n;
	return 0;
}

static void held_add(const gomap_shard_t *m, size_t n)
{
	for (unsigned i = 0; i < sh_n; i++)
		if (sh_held[i].m == m) {
			sh_held[i].n += n;
			return;
		}
	if (sh_n == SH_MAX)
		gomap__fatal("gomap: too many shard maps locked by one thread",
		             m, 0);
	sh_held[sh_n].m = m;
	sh_held[sh_n].n = n;
	sh_n++;
}

static void held_sub(const gomap_shard_t *m, size_t n)
{
	for (unsigned i = 0; i < sh_n; i++)
		if (sh_held[i].m == m) {
			GOMAP_ASSERT_MAP(sh_held[i].n >= n, m);
			sh_held[i].n -= n;
			if (sh_held[i].n == 0)
				sh_held[i] = sh_held[--sh_n];
			return;
		}
	GOMAP_ASSERT_MAP(!"held_sub: shards released that were not held", m);
}

static bool owned_by_me(const struct shard *s)
{
	return atomic_load_explicit(&s->owner, memory_order_relaxed) ==
	       gomap__tid();
}

static void sync_count(struct shard *s)
{
	atomic_store_explicit(&s->count, gomap_map_len(s->map),
	                      memory_order_relaxed);
}

static size_t shard_of(const gomap_shard_t *m, const void *key)
{
	uint64_t h = gomap__type_hash(m->kt, key, m->seed);
	return (size_t)((h >> SHARD_SHIFT) & m->mask);
}

/* ---- life cycle -------------------------------------------------------- */

/* At least 64 shards even on small machines: with more threads than CPUs,
 * a thread preempted while it holds a shard's lock stalls every thread that
 * wants that shard, and more shards make that rarer. */
static size_t default_shards(void)
{
	size_t n = 4u * (size_t)gomap__ncpu();
	return n < 64 ? 64 : n;
}

static size_t pow2_at_least(size_t n)
{
	size_t p = 1;
	while (p < n)
		p <<= 1;
	return p;
}

GOMAP_API void gomap_shard_free(gomap_shard_t *m)
{
	if (!m)
		return;
	const gomap_allocator *a = m->has_alloc ? &m->alloc : NULL;
	for (size_t i = 0; m->shards && i < m->nshards; i++) {
		if (!m->shards[i].map)
			break; /* creation failed here */
		gomap_map_free(m->shards[i].map);
		pthread_mutex_destroy(&m->shards[i].mu);
	}
	if (m->shards_raw)
		gomap__free(a, m->shards_raw, m->shards_bytes);
	if (m->maps)
		gomap__free(a, m->maps, m->nshards * sizeof(*m->maps));
	gomap_allocator copy = m->alloc;
	gomap__free(m->has_alloc ? &copy : NULL, m, sizeof(*m));
}

/*
 * The size hint follows the plain map's rule (map.h) for the whole map: a
 * hint whose one table would be over Go's allocation limit is ignored; a
 * sane one is split over the shards, and failing to allocate it is
 * GOMAP_ENOMEM. Split first, each shard's part could pass the limit that
 * the whole fails (64 shards: 64 times the limit). The limit depends on the
 * plain map's slot layout, so the plain map is asked: hint_ignored creates
 * one with the whole hint and an allocator that grants its header and
 * nothing else. It is created only if it asked for no table (the hint was
 * ignored); a wanted table fails with GOMAP_ENOMEM.
 */
struct hint_probe {
	const gomap_allocator *real;
	unsigned calls;
};

static void *probe_alloc(void *ctx, size_t size)
{
	struct hint_probe *p = ctx;
	return p->calls++ == 0 ? gomap__alloc(p->real, size) : NULL;
}

static void probe_free(void *ctx, void *ptr, size_t size)
{
	gomap__free(((struct hint_probe *)ctx)->real, ptr, size);
}

static bool hint_ignored(const gomap_type *kt, const gomap_type *vt,
                         size_t hint, const gomap_allocator *real)
{
	struct hint_probe p = {real, 0};
	gomap_allocator pa = {probe_alloc, NULL, probe_free, &p};
	gomap_map_options mo = {.hint = hint, .alloc = &pa};
	gomap_map_t *pm = NULL;
	if (gomap_map_new_opts(&pm, kt, vt, &mo) != 0)
		return false; /* a table was wanted (or not even the header
		                 could be had: creation will fail the same) */
	GOMAP_ASSERT(p.calls == 1);
	gomap_map_free(pm);
	return true;
}

GOMAP_API int gomap_shard_new(gomap_shard_t **out, const gomap_type *kt,
                              const gomap_type *vt,
                              const gomap_shard_options *opt)
{
	if (!out)
		return GOMAP_EINVAL;
	*out = NULL;
	int rc = gomap__cm_check_types(kt, vt);
	if (rc < 0)
		return rc;
	size_t want = opt && opt->shards ? opt->shards : default_shards();
	if (want > SHARD_MAX)
		return GOMAP_ERANGE;
	size_t n = pow2_at_least(want);

	const gomap_allocator *a = opt ? opt->alloc : NULL;
	if (gomap__cm_check_alloc(a) < 0)
		return GOMAP_EINVAL;
	gomap_shard_t *m = gomap__alloc(a, sizeof(*m));
	if (!m)
		return GOMAP_ENOMEM;
	memset(m, 0, sizeof(*m));
	if (a) {
		m->alloc = *a;
		m->has_alloc = true;
		a = &m->alloc;
	}
	GOMAP_ASSERT(n >= want && n <= SHARD_MAX && (n & (n - 1)) == 0);
	m->nshards = n;
	m->mask = n - 1;
	m->vsize = vt->size;
	m->vowned = gomap__cm_user_owned(vt);
	m->seed = gomap__random_seed();

	m->maps = gomap__alloc(a, n * sizeof(*m->maps));
	/* The allocator only promises malloc alignment: align by hand. */
	m->shards_bytes = n * sizeof(struct shard) + GOMAP__CACHE_LINE;
	m->shards_raw = gomap__alloc_zeroed(a, m->shards_bytes);
	if (!m->maps || !m->shards_raw) {
		if (!m->shards_raw)
			m->shards_bytes = 0;
		gomap_shard_free(m);
		return GOMAP_ENOMEM;
	}
	uintptr_t p = ((uintptr_t)m->shards_raw + GOMAP__CACHE_LINE - 1) &
	              ~(uintptr_t)(GOMAP__CACHE_LINE - 1);
	m->shards = (struct shard *)p;

	size_t hint = opt ? opt->hint : 0;
	if (hint && hint_ignored(kt, vt, hint, a))
		hint = 0;
	gomap_map_options mo = {.hint = hint / n + (hint % n != 0), .alloc = a};
	for (size_t i = 0; i < n; i++) {
		struct shard *s = &m->shards[i];
		/* Adaptive: a contended lock spins briefly before it sleeps.
		 * A shard is held for one plain-map operation (a few hundred
		 * ns), and on a many-core machine a thread that sleeps at once
		 * leaves its core idle and costs an interrupt and an idle exit
		 * to wake. With fewer cores than threads it is no worse. */
		pthread_mutexattr_t ma;
		pthread_mutexattr_init(&ma);
		pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_ADAPTIVE_NP);
		int mrc = pthread_mutex_init(&s->mu, &ma);
		pthread_mutexattr_destroy(&ma);
		if (mrc != 0) {
			rc = GOMAP_ENOMEM;
			goto fail;
		}
		gomap_type ivt;
		rc = gomap__map_new_seeded(&s->map, kt,
		                           gomap__cm_inner_vt(vt, &ivt, a), &mo,
		                           m->seed);
		if (rc < 0) {
			s->map = NULL;
			pthread_mutex_destroy(&s->mu);
			goto fail;
		}
		atomic_init(&s->owner, 0);
		atomic_init(&s->count, 0);
		m->maps[i] = s->map;
	}
	m->kt = gomap__map_key_type(m->shards[0].map);
	*out = m;
	return 0;
fail:
	gomap_shard_free(m);
	return rc;
}

/* ---- keyed operations ---------------------------------------------------- */

/* Just acquired shard @s: nobody's user code runs under its lock (owner
 * is cleared before every unlock), and its count mirror is exact. */
static inline uint32_t owner_now(const struct shard *s)
{
	return atomic_load_explicit(&s->owner, memory_order_relaxed);
}

static inline size_t count_mirror(const struct shard *s)
{
	return atomic_load_explicit(&s->count, memory_order_relaxed);
}

static inline void assert_acquired(const struct shard *s)
{
	GOMAP_ASSERT_MAP(owner_now(s) == 0, s->map);
	GOMAP_ASSERT_MAP(count_mirror(s) == gomap_map_len(s->map), s->map);
}

/* Lock a shard for one operation of this file: no user code runs under it. */
static inline void op_lock(struct shard *s)
{
	GOMAP_PROBE_TIMED_LOCK(s->map, "shard.run", pthread_mutex_trylock(&s->mu) == 0,
	                       pthread_mutex_lock(&s->mu));
	assert_acquired(s);
}

static int run(gomap_shard_t *m, int op, const void *key, const void *val,
               const void *val2, void *out)
{
	if (!m)
		return GOMAP_EINVAL;
	int rc = gomap__cm_check_args(op, m->kt, m->vsize, key, val, val2);
	if (rc < 0)
		return rc;
	uint64_t h = gomap__type_hash(m->kt, key, m->seed);
	struct shard *s = &m->shards[(size_t)((h >> SHARD_SHIFT) & m->mask)];
	if (sh_n && held_count(m)) { /* inside an atomic section of m */
		gomap__upd_check(m);
		if (!owned_by_me(s))
			return GOMAP_EBUSY;
		rc = gomap__cm_exec_h(s->map, op, key, h, val, val2, out);
		sync_count(s);
		return rc;
	}
	op_lock(s);
	rc = gomap__cm_exec_h(s->map, op, key, h, val, val2, out);
	if (!gomap__cm_op_reads_only(op))
		sync_count(s);
	pthread_mutex_unlock(&s->mu);
	return rc;
}

/* The shard of a usable key, outside atomic sections (NULL: take the
 * general path). load, store and delete then go straight to the plain
 * map's own entry points: see fast_ok in src/mutex.c for why. */
static inline struct shard *fast_shard(gomap_shard_t *m, const void *key, uint64_t *h)
{
	if (GOMAP_UNLIKELY(!m || sh_n || gomap__cm_check_key(m->kt, key) != 0))
		return NULL;
	*h = gomap__type_hash(m->kt, key, m->seed);
	struct shard *s = &m->shards[(size_t)((*h >> SHARD_SHIFT) & m->mask)];
	/* One hash serves both: the plain maps keep the shard map's seed. */
	GOMAP_ASSERT_EXPENSIVE(gomap__cm_key_is_nan(m->kt, key) || *h == gomap__map_hash(s->map, key), m);
	return s;
}

GOMAP_API int gomap_shard_load(gomap_shard_t *m, const void *key,
                               void *val_out)
{
	uint64_t h;
	struct shard *s = m && !m->vowned ? fast_shard(m, key, &h) : NULL;
	if (s) {
		op_lock(s);
		int rc = gomap__map_get_h(s->map, key, h, val_out);
		pthread_mutex_unlock(&s->mu);
		return rc;
	}
	return run(m, GOMAP__OP_LOAD, key, NULL, NULL, val_out);
}

GOMAP_API int gomap_shard_store(gomap_shard_t *m, const void *key,
                                const void *val)
{
	uint64_t h;
	struct shard *s = (val || (m && !m->vsize)) && m && !m->vowned
	                          ? fast_shard(m, key, &h) : NULL;
	if (s) {
		op_lock(s);
		int rc = gomap__map_put_h(s->map, key, h, val);
		sync_count(s);
		pthread_mutex_unlock(&s->mu);
		return rc < 0 ? rc : 0;
	}
	return run(m, GOMAP__OP_STORE, key, val, NULL, NULL);
}

GOMAP_API int gomap_shard_load_or_store(gomap_shard_t *m, const void *key,
                                        const void *val, void *actual_out)
{
	return run(m, GOMAP__OP_LOAD_OR_STORE, key, val, NULL, actual_out);
}

GOMAP_API int gomap_shard_load_and_delete(gomap_shard_t *m, const void *key,
                                          void *val_out)
{
	return run(m, GOMAP__OP_LOAD_AND_DELETE, key, NULL, NULL, val_out);
}

GOMAP_API int gomap_shard_delete(gomap_shard_t *m, const void *key)
{
	uint64_t h;
	struct shard *s = fast_shard(m, key, &h);
	if (s) {
		op_lock(s);
		int rc = gomap__map_delete_h(s->map, key, h);
		sync_count(s);
		pthread_mutex_unlock(&s->mu);
		return rc;
	}
	return run(m, GOMAP__OP_DELETE, key, NULL, NULL, NULL);
}

GOMAP_API int gomap_shard_swap(gomap_shard_t *m, const void *key,
                               const void *val, void *prev_out)
{
	return run(m, GOMAP__OP_SWAP, key, val, NULL, prev_out);
}

GOMAP_API int gomap_shard_compare_and_swap(gomap_shard_t *m, const void *key,
                                           const void *old, const void *new_)
{
	return run(m, GOMAP__OP_CAS, key, old, new_, NULL);
}

GOMAP_API int gomap_shard_compare_and_delete(gomap_shard_t *m,
                                             const void *key,
                                             const void *old)
{
	return run(m, GOMAP__OP_CAD, key, old, NULL, NULL);
}

/* ---- whole-map operations ----------------------------------------------- */

GOMAP_API size_t gomap_shard_len(gomap_shard_t *m)
{
	if (!m)
		return 0;
	size_t n = 0;
	for (size_t i = 0; i < m->nshards; i++)
		n += atomic_load_explicit(&m->shards[i].count,
		                          memory_order_relaxed);
	return n;
}

GOMAP_API size_t gomap_shard_count(const gomap_shard_t *m)
{
	return m ? m->nshards : 0;
}

GOMAP_API size_t gomap_shard_index(const gomap_shard_t *m, const void *key)
{
	return m && gomap__cm_check_key(m->kt, key) == 0 ? shard_of(m, key)
	                                                 : 0;
}

static void lock_all(gomap_shard_t *m)
{
	uint32_t me = gomap__tid();
	for (size_t i = 0; i < m->nshards; i++) {
		pthread_mutex_lock(&m->shards[i].mu);
		assert_acquired(&m->shards[i]);
		atomic_store_explicit(&m->shards[i].owner, me,
		                      memory_order_relaxed);
	}
	held_add(m, m->nshards);
}

static void unlock_all(gomap_shard_t *m)
{
	held_sub(m, m->nshards);
	for (size_t i = m->nshards; i-- > 0;) {
		struct shard *s = &m->shards[i];
		GOMAP_ASSERT_MAP(owned_by_me(s), m);
		sync_count(s);
		atomic_store_explicit(&s->owner, 0, memory_order_relaxed);
		pthread_mutex_unlock(&s->mu);
	}
}

static void clear_held(gomap_shard_t *m)
{
	for (size_t i = 0; i < m->nshards; i++) {
		gomap_map_clear(m->shards[i].map);
		sync_count(&m->shards[i]);
	}
}

GOMAP_API int gomap_shard_clear(gomap_shard_t *m)
{
	if (!m)
		return GOMAP_EINVAL;
	size_t held = sh_n ? held_count(m) : 0;
	if (held)
		gomap__upd_check(m);
	if (held == m->nshards) {
		clear_held(m);
		return 0;
	}
	if (held)
		return GOMAP_EBUSY;
	lock_all(m);
	clear_held(m);
	unlock_all(m);
	return 0;
}

/* Carries "fn stopped" from one shard's plain range to the next. */
struct range_stop {
	gomap_range_fn fn;
	void *ctx;
	bool stopped;
};

static bool range_tramp(const void *key, void *val, void *ctx)
{
	struct range_stop *rs = ctx;
	if (!rs->fn(key, val, rs->ctx)) {
		rs->stopped = true;
		return false;
	}
	return true;
}

GOMAP_API int gomap_shard_range(gomap_shard_t *m, gomap_range_fn fn,
                                void *ctx)
{
	if (!m || !fn)
		return GOMAP_EINVAL;
	size_t held = sh_n ? held_count(m) : 0;
	if (held)
		gomap__upd_check(m);
	if (held == m->nshards) {
		/* Inside atomic_all: everything is ours already; iterate in
		 * place (writes from fn follow the plain map's rules). */
		struct range_stop rs = {fn, ctx, false};
		for (size_t i = 0; i < m->nshards && !rs.stopped; i++) {
			int rc = gomap__cm_range(m->shards[i].map, range_tramp,
			                         &rs);
			if (rc < 0)
				return rc;
		}
		return 0;
	}
	if (held)
		return GOMAP_EBUSY;
	const gomap_allocator *a = m->has_alloc ? &m->alloc : NULL;
	for (size_t i = 0; i < m->nshards; i++) {
		struct shard *s = &m->shards[i];
		gomap__snap snap;
		pthread_mutex_lock(&s->mu);
		assert_acquired(s);
		int rc = gomap__snap_take(&snap, s->map, a);
		pthread_mutex_unlock(&s->mu);
		if (rc < 0)
			return rc;
		bool more = gomap__snap_visit(&snap, fn, ctx);
		gomap__snap_free(&snap);
		if (!more)
			break;
	}
	return 0;
}

/* ---- atomic sections ------------------------------------------------- */

GOMAP_API int gomap_shard_atomic(gomap_shard_t *m, const void *key,
                                 gomap_atomic_fn fn, void *ctx)
{
	if (!m || !fn || gomap__cm_check_key(m->kt, key) < 0)
		return GOMAP_EINVAL;
	/* owned values: the plain map holds the map's own copies (cmap.h) */
	if (m->vowned)
		return GOMAP_ENOTSUP;
	struct shard *s = &m->shards[shard_of(m, key)];
	if (sh_n && held_count(m)) {
		gomap__upd_check(m);
		if (!owned_by_me(s))
			return GOMAP_EBUSY;
		int rc = fn(s->map, ctx);
		sync_count(s);
		return rc;
	}
	pthread_mutex_lock(&s->mu);
	assert_acquired(s);
	atomic_store_explicit(&s->owner, gomap__tid(), memory_order_relaxed);
	held_add(m, 1);
	int rc = fn(s->map, ctx);
	held_sub(m, 1);
	sync_count(s);
	atomic_store_explicit(&s->owner, 0, memory_order_relaxed);
	pthread_mutex_unlock(&s->mu);
	return rc;
}

GOMAP_API int gomap_shard_atomic_all(gomap_shard_t *m, gomap_shard_all_fn fn,
                                     void *ctx)
{
	if (!m || !fn)
		return GOMAP_EINVAL;
	/* owned values: the plain map holds the map's own copies (cmap.h) */
	if (m->vowned)
		return GOMAP_ENOTSUP;
	size_t held = sh_n ? held_count(m) : 0;
	if (held)
		gomap__upd_check(m);
	if (held == m->nshards) {
		int rc = fn(m->maps, m->nshards, ctx);
		for (size_t i = 0; i < m->nshards; i++)
			sync_count(&m->shards[i]);
		return rc;
	}
	if (held)
		return GOMAP_EBUSY;
	lock_all(m);
	int rc = fn(m->maps, m->nshards, ctx);
	unlock_all(m);
	return rc;
}

/* ---- update ----------------------------------------------------------- */

/* With shard @s held by this thread: the update step, this map marked in
 * the thread's update frames (a call from @fn finds the map held, above,
 * and the check there reports it). */
static int update_held(gomap_shard_t *m, struct shard *s, const void *key,
                       uint64_t h, gomap_update_fn fn, void *ctx)
{
	GOMAP_ASSERT_MAP(owned_by_me(s), m);
	struct gomap__upd_frame f;
	gomap__upd_enter(&f, m);
	int rc = gomap__cm_update_h(s->map, key, h, fn, ctx,
	                            m->has_alloc ? &m->alloc : NULL);
	gomap__upd_leave(&f);
	sync_count(s);
	return rc;
}

/* Only the key's shard is locked, as for every keyed operation, and it is
 * recorded as held (owner, sh_held) like an atomic section, so calls from
 * @fn take the held branches. */
GOMAP_API int gomap_shard_update(gomap_shard_t *m, const void *key,
                                 gomap_update_fn fn, void *ctx)
{
	if (!m || !fn || gomap__cm_check_key(m->kt, key) < 0)
		return GOMAP_EINVAL;
	uint64_t h = gomap__type_hash(m->kt, key, m->seed);
	struct shard *s = &m->shards[(size_t)((h >> SHARD_SHIFT) & m->mask)];
	if (sh_n && held_count(m)) { /* inside an atomic section of m */
		gomap__upd_check(m);
		if (!owned_by_me(s))
			return GOMAP_EBUSY;
		return update_held(m, s, key, h, fn, ctx);
	}
	op_lock(s);
	atomic_store_explicit(&s->owner, gomap__tid(), memory_order_relaxed);
	held_add(m, 1);
	int rc = update_held(m, s, key, h, fn, ctx);
	held_sub(m, 1);
	atomic_store_explicit(&s->owner, 0, memory_order_relaxed);
	pthread_mutex_unlock(&s->mu);
	return rc;
}

/* ---- cmap ops table -------------------------------------------------- */

GOMAP__DEFINE_CMAP_OPS(shard);
