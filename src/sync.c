/*
 * src/sync.c - the sync map (gomap_sync_t): Go's sync.Map for C, as a
 * resizable hash table of cache-line buckets whose entries are immutable and
 * reclaimed with RCU (liburcu, bulletproof flavour).
 *
 * Why this design and not Go 1.24's HashTrieMap. A 16-way hash trie costs
 * one dependent cache miss per level, about five at a million keys. Here a
 * lookup costs two: the bucket line, then the entry it points to; and one in
 * pair mode (below), where 8-byte keys and values sit in the bucket. Writers
 * lock one bucket (a bit in the bucket's first word), so writes to different
 * keys run in parallel, and the table resizes incrementally: a resize
 * allocates the new table and every later write migrates its own bucket and
 * one more, like Go's classic map, so no write ever copies the whole map and
 * no write waits for all the others.
 *
 * Layout.
 *  - bucket (64 bytes, one cache line): meta word, 6 entry pointers, and a
 *    pointer to an overflow bucket (same layout) when 6 slots are not enough.
 *    meta byte 0: LOCK (bit 0), MIGRATED (bit 1); bytes 1..6: the tag (top 8
 *    hash bits) of each slot, a filter that avoids touching entries whose
 *    tag differs. Only
 *    the main bucket's LOCK and MIGRATED bits are used: the main bucket's
 *    lock protects its whole chain.
 *  - entry: {u, key, value, owned string bytes}, allocated once and never
 *    changed while reachable (except 8-byte values, see O9): store and swap
 *    publish a new entry. u holds the
 *    hash (bit 0 clear); an unlinked entry that finds no retire batch to join
 *    (no memory for one) is chained through u instead (pointer | 1 | flags).
 *    Lookups never read u (range reads it atomically and recomputes the hash
 *    when bit 0 is set).
 *  - pair mode (m->pairs: u64/u32 keys without destructor, 8-byte values
 *    without destructor, the maps most programs share): the same bucket
 *    holds 3 {key, value} pairs instead of 6 entry pointers. meta bytes
 *    1..3: the pairs' tags (tag | 1; 0 = free), bytes 4..7: a version that
 *    every insert bumps. A delete clears the tag and leaves the bytes; an
 *    insert reuses a free pair. Nothing is allocated per key and nothing is
 *    retired: RCU only protects tables. Entry-mode statements below about
 *    entries do not apply to pair mode; P1 and P2 replace O1, O2 and O7.
 *  - table: 2^k buckets; hash h selects bucket (h >> 1) & mask. During a
 *    resize, table->next is the new table. Migration moves "units": for a
 *    grow by r, old bucket u feeds new buckets u + i*old_nb; for a shrink by
 *    r, old buckets u + i*new_nb feed new bucket u. Migrating a unit locks
 *    its old buckets (ascending), links their entries into the new buckets
 *    (the same entry objects: nothing is copied), then sets MIGRATED on the
 *    old buckets in the unlock store. Old buckets keep their (now frozen)
 *    slots, so a reader that looked there just before still finds a valid
 *    state. When every unit is done, m->cur moves to the new table and the
 *    old one is freed after a grace period.
 *  - entry memory: with the default allocator, fixed-size entries come from
 *    the entry slab (src/slab.c: 2 MiB chunks cut into 64 KiB pages, each
 *    owned by one stripe), the others from the allocator.
 *
 * Invariants (gomap_sync_check verifies them at rest):
 *  I1 every live entry is in exactly one authoritative slot: in the bucket
 *     (h >> 1) & mask of a table whose bucket is not MIGRATED, reachable
 *     from m->cur (via ->next only while that bucket is MIGRATED);
 *  I2 a key has at most one live entry (NaN keys excepted: each is its own);
 *  I3 the buckets of a new table that a unit feeds are untouched until that
 *     unit is MIGRATED: writers migrate the unit of their key first, or, if
 *     that fails for lack of memory, write in the old table;
 *  I4 an entry is retired (queued for freeing) only by the thread that
 *     removed it from its authoritative slot, under that bucket's lock, so
 *     at most once; an unpublished entry is freed at once;
 *  I5 resizes are sequential: a table gets ->next only while it is m->cur
 *     and has none, and m->cur moves only by completing that resize (CAS
 *     cur: old -> new) or by clear (exchange);
 *  I6 a resize target's seq is its source's + 1, and no chain of a table
 *     holds more overflow buckets than the table's novf counts: every walk
 *     over tables and chains is bounded by these, and a walk past its bound
 *     is a fatal "corrupted map" error, never an endless loop.
 *
 * Ordering (which release pairs with which acquire; all C11 atomics, so
 * ThreadSanitizer sees them):
 *  O1 Entry publication: a writer initialises the entry with plain stores,
 *     then stores its pointer into the slot with release; readers load the
 *     slot with acquire (the rcu_dereference of this file), so they see the
 *     key and value bytes. Entries are immutable afterwards.
 *  O2 Tags: the lock holder stores the tag (relaxed) before the release
 *     store of the slot. A reader that loaded the old tag skips the slot: it
 *     started before the insert completed, so missing it is linearizable.
 *     Tags are hints only; a slot is trusted only after its key compares.
 *  O3 Bucket lock: acquire CAS on meta to lock, release store of meta to
 *     unlock; everything a holder wrote is visible to the next holder.
 *  O4 Resize: the starter stores table->next with release before any unit
 *     migrates; a migrator fills the new buckets (relaxed stores) and then
 *     release-stores MIGRATED into each old bucket's meta. A reader or
 *     writer that acquire-loads meta and sees MIGRATED therefore sees
 *     table->next and the filled new buckets. Completion CASes m->cur
 *     (release) and readers acquire-load m->cur.
 *  O5 Overflow buckets are filled before the release store of the link to
 *     them; readers acquire-load ->next.
 *  O6 Reclamation: nothing unlinked is freed before an RCU grace period.
 *     Every operation runs inside rcu_read_lock/unlock; unlinked entries go
 *     to a per-thread-group retire list and in batches to call_rcu; old
 *     tables go to call_rcu when m->cur moved past them (completion, clear).
 *     A grace period starting after the unlink waits for every reader that
 *     could still hold the pointer; a reader that starts later sees the
 *     unlink (RCU orders it after every store made before call_rcu), so it
 *     cannot reach the object through an authoritative slot. See O7 for
 *     frozen slots.
 *  O7 A frozen (MIGRATED) old bucket may still point at an entry that was
 *     later replaced or deleted in the new table and retired. A reader only
 *     scans a frozen bucket if its acquire load of that bucket's meta did
 *     not yet see MIGRATED, i.e. it was inside its read section before the
 *     migration, hence before the retirement: the entry's grace period
 *     waits for it. A reader that starts after the retirement sees MIGRATED
 *     (or no longer reaches the old table at all) and goes to the new one.
 *     Old tables themselves are freed one grace period after m->cur left
 *     them, and only their buckets are freed then, never the entries.
 *  O8 liburcu's own synchronisation is invisible to ThreadSanitizer, so in
 *     TSan builds every read section ends with __tsan_release on the map and
 *     every RCU callback begins with __tsan_acquire on it: exactly the
 *     happens-before that the grace period provides. A freed entry's slab
 *     slot then passes to its next owner under its slab stripe's lock
 *     (src/slab.c), so TSan
 *     sees every reader of the old entry ordered before the new owner's
 *     writes. liburcu's own calls
 *     (call_rcu, rcu_barrier, synchronize_rcu) run with TSan's access
 *     tracking off: what liburcu allocates in one thread and frees in its
 *     worker is ordered by futexes TSan cannot see.
 *  P1 Pair reads (seqlock-like, but readers never wait): load meta
 *     (acquire), compare the key of a pair whose tag matches, load its value
 *     (acquire), acquire fence, load meta again. If meta changed (the LOCK
 *     bit aside) the pair may have been reused meanwhile: look again. Retries
 *     happen only when a writer completed a change to that bucket, so reads
 *     stay lock-free. A miss needs no second look: a key present throughout
 *     the scan keeps its pair (pairs move only by delete and insert), and its
 *     key word is one atomic load.
 *  P2 Pair writes, under the main bucket's lock: an insert issues a release
 *     fence, writes the key (relaxed) and value (release) of a free pair,
 *     then stores meta with the tag and version + 1 (the main bucket's
 *     unlock store, or the overflow bucket's own release store). A reader
 *     whose loads of the pair saw those writes sees, through the fences, at
 *     least the meta that freed the pair (tag 0) and so retries; the version
 *     makes meta never return to an earlier value (until 2^32 inserts into
 *     one bucket happen inside one read). A delete only changes meta. Value
 *     updates are one release store (O9). Migration copies pairs into the new
 *     buckets before MIGRATED is published (O4); old pairs stay frozen.
 *  O9 In-place values: when the value is 8 bytes without a destructor (and
 *     an overwrite keeps the stored key: not key_update), an update of an existing key (store, swap,
 *     compare_and_swap, update) does not publish a new entry but stores the new
 *     value into the entry with one release store, under the bucket lock;
 *     every read of such a value is one acquire load. A reader sees either
 *     value whole, the store is the update's linearization point, and there
 *     is nothing to allocate or retire. Everything else in an entry stays
 *     immutable.
 *  V1 Owned values (copied STR/BYTES, vown): the entry holds the map's own
 *     copy of the bytes at its tail, after the key's, and a pointer to them
 *     in its value slot, both set before the entry is published and never
 *     changed (no O9, no pair mode); a short value and a u64 key share one
 *     64-byte slab slot, so a lookup costs no extra cache line. Every
 *     value handed out (load, load_or_store, swap, load_and_delete, range,
 *     update's buffer) is a fresh malloc'd copy made while the entry is
 *     reachable to the copier (inside its read-side section or under the
 *     bucket lock); the map's copy is freed only with its entry, after the
 *     grace period (O6), so no copier ever reads freed bytes, and exactly
 *     once. update's set allocates its entry under the bucket lock, since
 *     the value's size is known only then.
 *
 * Linearizability. Writes to a key serialise on its bucket lock; the
 * linearization point of a write is its release store of the slot (or of
 * MIGRATED, for nothing: migration changes no mapping). A read returns the
 * entry of a slot it loaded, which was the key's mapping at that instant, or
 * reports absence after scanning every slot of the chain; a key that stays
 * present during the whole scan sits in one slot all along (a key moves to
 * another slot of the chain only by being deleted and inserted again), so it
 * is found. Reading a bucket that became frozen meanwhile returns its state
 * at migration time, when the read had already started. compare_and_swap
 * and compare_and_delete decide under the bucket lock (a lock-free pre-check
 * may only answer "no": linearized at its load).
 *
 *  U1 update runs its callback under the key's main bucket lock, inside a
 *     read section, and applies the decision (in place, a new entry, an
 *     insert or a delete, each as the operations above do it) before the
 *     unlock: the read of the current value and the write serialise with
 *     every other write to the key. The calling thread's update frames
 *     (src/internal/util.h) name the map while the callback runs, and every
 *     entry point checks them first (upd_guard), so a callback that calls
 *     the map stops with a fatal error instead of spinning on the lock it
 *     holds.
 *
 * Reads never write shared memory. load, a hit of load_or_store and range
 * only load (acquire) m->cur, metas, slots and ->next. Their only stores are
 * to the calling thread's own urcu-bp reader state (rcu_read_lock/unlock
 * write the thread's counter, registered on its first use), and with TSan
 * the annotations. Compiled with GOMAP_SYNC_COUNT_WRITES, every shared store
 * here bumps a thread-local counter so tests can check this.
 *
 * clear exchanges m->cur for a new empty table and retires the old chain
 * through call_rcu, except on a map that is already empty: with every
 * bucket of the current table locked (ascending, as migrations lock) and
 * no resize running, no entry can be in, so clear returns there without
 * allocating or queueing anything (Go's TestMapClearNoAllocations).
 *
 * Debug levels (src/internal/debug.h): level 1 asserts the invariants of
 * slab accounting, retiring, resize steps and migration units where they
 * change; level 2 also checks the written chain after every write (under
 * its lock) and runs gomap_sync_check after writes while no other write is
 * in flight (see dbg_write_end).
 *
 * len and resize triggers: each thread group (threads hash to 8..64 stripes)
 * has an insert and a delete counter in the table generation (shared by a
 * table and its resize targets; clear starts a new one). An insert is
 * counted after its entry is in, a delete before its entry leaves, and len
 * reads all insert counters before all delete counters: it never exceeds
 * the entries present at one moment of the call (gen_count). Every 64th
 * step of a stripe counter, and at every (nb/64)-th new overflow bucket
 * of a table (every one in tables under 128 buckets), the writer sums the
 * counters and starts a grow (average above m->gavg entries per bucket: 4
 * of 6 slots, 2 of 3 pairs) or a shrink (average below gavg / 8).
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* liburcu's read-side fast path inlined (GOMAP_SYNC_INLINE_RCU, CMake
 * option of the same name): rcu_read_lock/unlock become a few loads and one
 * store to the thread's reader word instead of two calls into liburcu-bp and
 * three __tls_get_addr calls. That length
 * mattered: a load is bound by memory latency, and a short read path lets the
 * CPU start the next lookup's cache misses before this one's return
 * (docs/sync.md, "Read-side cost"). liburcu's README allows _LGPL_SOURCE for
 * code under an LGPL- or GPL-compatible licence; turn the option off for any
 * other. */
#if defined(GOMAP_SYNC_INLINE_RCU) && GOMAP_SYNC_INLINE_RCU
#define _LGPL_SOURCE
#endif
#include <urcu-bp.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include <gomap/sync.h>

#include "internal/cmap_impl.h"
#include "internal/debug.h"
#include "internal/probes.h"
#include "internal/slab.h"
#include "internal/sync_internal.h"
#include "internal/util.h"

/* ---- tuning ---------------------------------------------------------------- */

#define SLOTS 6
#define PSLOTS 3             /* pair mode: inline {key, value} pairs */
#define MIN_NB 8u            /* smallest table: 8 buckets */
/* Load factors come from m->gavg: grow above gavg entries per bucket on
 * average (4 of 6 slots, 2 of 3 pairs), shrink below gavg/8, and a resize
 * aims at gavg/2 (a grow: a little more, see maybe_resize). */
#define MAX_RATIO 8u         /* one resize changes the size 8x at most */
#define INLINE_UNITS 64u     /* resizes this small migrate at once */
#define HELP_UNITS 4u        /* units a write claims (one FADD) besides its own */
#define HASH_MEMO 32u        /* pair hashes a migration keeps between passes */
#define RETIRE_BATCH 64u     /* entries per call_rcu */
#define CHECK_EVERY 64u      /* stripe steps between load checks */
#define MAX_STRIPES 64u

/* ---- sanitizer annotations and debug write counting ------------------------ */

#if defined(__SANITIZE_THREAD__)
#define SYNC_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define SYNC_TSAN 1
#endif
#endif

#ifdef SYNC_TSAN
void __tsan_acquire(void *addr);
void __tsan_release(void *addr);
void __tsan_ignore_thread_begin(void);
void __tsan_ignore_thread_end(void);
#define TSAN_ACQUIRE(p) __tsan_acquire((void *)(p))
#define TSAN_RELEASE(p) __tsan_release((void *)(p))
#define TSAN_IGNORE_BEGIN() __tsan_ignore_thread_begin()
#define TSAN_IGNORE_END() __tsan_ignore_thread_end()
#else
#define TSAN_ACQUIRE(p) ((void)0)
#define TSAN_RELEASE(p) ((void)0)
#define TSAN_IGNORE_BEGIN() ((void)0)
#define TSAN_IGNORE_END() ((void)0)
#endif

/*
 * liburcu entry points. liburcu is not instrumented: what it allocates in
 * one thread and frees in another (rcu_barrier's completion, call_rcu's
 * worker data) is synchronised by its own futexes and atomics, which TSan
 * cannot see. Its calls run with TSan's access tracking off (TSan builds
 * only); our own accesses stay checked and are ordered by O8.
 */
struct gomap_sync;
static inline void count_pending(struct gomap_sync *m);

static inline void sync_call_rcu(struct gomap_sync *m, struct rcu_head *head, void (*fn)(struct rcu_head *))
{
	count_pending(m);
	TSAN_RELEASE(head); /* the handoff of the object itself */
	TSAN_IGNORE_BEGIN();
	call_rcu(head, fn);
	TSAN_IGNORE_END();
}

static inline void sync_rcu_barrier(void)
{
	TSAN_IGNORE_BEGIN();
	rcu_barrier();
	TSAN_IGNORE_END();
}

static inline void sync_synchronize_rcu(void)
{
	TSAN_IGNORE_BEGIN();
	synchronize_rcu();
	TSAN_IGNORE_END();
}

/* Test builds only (tests/sync/test_sync_torn): readers yield inside the
 * window that the bucket's meta check guards, to make writers hit it. */
#ifdef GOMAP_SYNC_READ_DELAY
#define READ_DELAY() sched_yield()
#else
#define READ_DELAY() ((void)0)
#endif

#ifdef GOMAP_SYNC_COUNT_WRITES
_Thread_local unsigned long gomap__sync_writes;
#define CW() (gomap__sync_writes++)
#else
#define CW() ((void)0)
#endif

/* Shared-memory stores and RMWs go through these so they can be counted. */
#define ST(p, v, o) (CW(), atomic_store_explicit((p), (v), memory_order_##o))
#define LD(p, o) atomic_load_explicit((p), memory_order_##o)
#define FADD(p, v, o) (CW(), atomic_fetch_add_explicit((p), (v), memory_order_##o))

/* ---- corrupted maps -----------------------------------------------------------
 *
 * Every loop over map memory is bounded: table chains by the tables'
 * sequence numbers, overflow chains by their table's count of overflow
 * buckets, retire chains and slab lists by their own counts. Past the
 * bound the structure is corrupt (memory overwritten by the program, a
 * map used after free): stop with a fatal error naming the map instead of
 * spinning forever. These checks stay on in release builds; they cost a
 * compare per step of chains that are rarely walked.
 */
static _Noreturn __attribute__((cold, noinline)) void corrupted(const void *m, const char *what)
{
	char msg[160];
	snprintf(msg, sizeof msg, "corrupted map (sync: %s)", what);
	gomap__fatal(msg, m, 0);
}

/* ---- structures ------------------------------------------------------------ */

#define M_LOCK 0x1ull
#define M_MIGRATED 0x2ull
#define LSB 0x0101010101010101ull
#define MSB 0x8080808080808080ull
#define TAG_BITS 0x0080808080808000ull /* the high bit of tag bytes 1..6 */

#define R_RETIRED 0x1ull  /* u: the entry is on a retire list */
#define R_SKIP_KEY 0x2ull /* the key moved to a newer entry: don't destroy */
#define R_SKIP_VAL 0x4ull /* the value moved to the caller: don't destroy */
#define R_FLAGS 0x7ull

struct entry {
	_Atomic uint64_t u;   /* live: hash & ~1; retired: next | flags */
	unsigned char data[]; /* key at 0, value at m->voff, then owned bytes */
};

struct bucket {
	_Atomic uint64_t meta;
	union {
		_Atomic(struct entry *) slot[SLOTS]; /* entry mode */
		_Atomic uint64_t kv[2 * PSLOTS];     /* pair mode: key 2i, value 2i+1 */
	};
	_Atomic(struct bucket *) next;
} __attribute__((aligned(64)));

_Static_assert(sizeof(struct bucket) == 64, "a bucket is one cache line");

/* Per-stripe insert and delete counters of a generation (see len). */
struct cstripe {
	_Atomic unsigned long ins; /* inserts, counted after the entry is in */
	_Atomic unsigned long del; /* deletes, counted before it goes */
} __attribute__((aligned(64)));

struct gen {
	void *raw;
	size_t raw_size;
	struct cstripe *s; /* m->nstripes of them */
};

struct table {
	/* read by every operation */
	size_t nb, mask;
	struct bucket *b;
	_Atomic(struct table *) next;
	struct gen *gen;
	gomap_sync_t *m;
	void *raw;
	size_t raw_size;
	uint64_t seq; /* a resize target's is its source's + 1 (see next_table) */
	/* written by writers (resizes, overflow allocation) */
	_Atomic size_t cursor __attribute__((aligned(64)));
	_Atomic size_t migrated;
	_Atomic size_t novf;
	_Atomic int resizing;
	struct rcu_head rcu;
} __attribute__((aligned(64)));

/* Per-stripe retire state, under its own lock: the batch being filled and
 * the entries retired without one (linked through u). */
struct rstripe {
	_Atomic uint32_t lock;
	uint32_t n;            /* entries on the chain below */
	struct carrier *car;   /* the batch being filled, or NULL */
	struct entry *head;    /* entries retired when no carrier could be had */
} __attribute__((aligned(64)));

/* A batch of retired entries on its way through call_rcu: an array (the
 * callback walks it without chasing pointers from entry to entry), plus the
 * chain of entries retired while no carrier could be allocated. */
struct carrier {
	struct rcu_head rcu;
	gomap_sync_t *m;
	struct entry *list; /* linked through u (R_RETIRED | flags) */
	uint64_t t0; /* when queued, for the grace-period probe (0: nobody listens) */
	uint32_t n;
	uint32_t nlist; /* entries on list */
	uintptr_t e[RETIRE_BATCH]; /* entry | R_SKIP_* flags */
};

enum { IK_U64, IK_U32, IK_BYTES, IK_GENERIC };

struct gomap_sync {
	/* read-mostly */
	_Atomic(struct table *) cur;
	uint64_t seed;
	uint8_t ik;
	uint8_t owned;  /* STR/BYTES keys: the map owns a copy */
	uint8_t is_str; /* owned copies get a NUL */
	uint8_t is_f64;
	uint8_t key_update; /* an overwrite stores the caller's key bytes */
	uint8_t inplace; /* 8-byte values without destructor: updated in place */
	uint8_t vown;    /* copied STR/BYTES values: the entry holds the
	                    bytes, freed with it (after its grace period);
	                    readers hand out copies of them (V1) */
	uint8_t pairs;   /* pair mode: u64/u32 keys, in-place values, inline */
	uint8_t gavg;    /* grow above this many entries per bucket */
	uint32_t ksz;  /* stored key size (STR/BYTES: sizeof gomap_bytes) */
	uint32_t voff; /* value offset in data[] */
	uint32_t vsz;  /* value size */
	uint32_t soff; /* owned bytes offset in data[] */
	uint32_t nstripes;
	gomap_type kt, vt;
	const gomap_allocator *alloc;
	gomap_allocator alloc_copy;
	struct rstripe *rs;
	void *rs_raw;
	size_t rs_raw_size;
	uint32_t slab; /* entry size when entries come from the slab, else 0 */
	struct gomap__slab sl; /* the entry slab (src/slab.c); empty when slab is 0 */
	/* rarely written; kept off the read-mostly line above */
	char pad_[64];
	_Atomic size_t grows;
	_Atomic size_t shrinks;
	_Atomic size_t clears;
	/* callbacks queued with call_rcu and not finished: free and barrier
	 * wait for a grace period only when there are some (see done_pending) */
	_Atomic size_t pending;
	/* TSan sync objects (addresses only) */
	char tsan_gp, tsan_cb;
#if GOMAP_DEBUG_LEVEL >= 2
	/* Whole-map checks after writes (see dbg_write_end): every write holds
	 * this shared; a check runs only when it can take it exclusively, i.e.
	 * while no write is in flight. */
	pthread_rwlock_t dbg_lock;
	_Atomic size_t dbg_writes;
#endif
};

/* ---- callbacks in flight -------------------------------------------------------
 *
 * rcu_barrier, which free and barrier need while this map's callbacks are
 * queued, takes milliseconds (liburcu's call_rcu worker sleeps between
 * batches): a map that never retired anything, or whose callbacks have all
 * run, is freed without it. A callback's last access to the map is its
 * release decrement; free's acquire load that reads 0 comes after it.
 */
static inline void count_pending(struct gomap_sync *m)
{
	FADD(&m->pending, 1, relaxed); /* the queueing thread, before call_rcu */
}

static inline void done_pending(struct gomap_sync *m)
{
	FADD(&m->pending, (size_t)-1, release);
}

static inline bool any_pending(struct gomap_sync *m) { return LD(&m->pending, acquire) != 0; }

/* ---- small helpers ----------------------------------------------------------- */

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

/* Spin politely, then yield: with more threads than cores a lock holder may
 * be preempted, and spinning on would only burn its time slice. */
static inline void backoff(unsigned *spins)
{
	if (++*spins < 64) {
		cpu_relax();
	} else {
		*spins = 0;
		sched_yield();
	}
}

static _Atomic unsigned next_thread_id;
static _Thread_local unsigned tls_thread_id __attribute__((tls_model("initial-exec")));

/* A small per-thread number, assigned on first use: picks the stripe. */
static inline unsigned thread_no(void)
{
	unsigned id = tls_thread_id;
	if (GOMAP_UNLIKELY(id == 0)) {
		id = atomic_fetch_add_explicit(&next_thread_id, 1, memory_order_relaxed) + 1;
		tls_thread_id = id;
	}
	return id;
}

static inline size_t pow2_ceil(size_t x)
{
	size_t p = 1;
	while (p < x && p < ((size_t)1 << 62))
		p <<= 1;
	return p;
}

static inline unsigned char *ekey(struct entry *e) { return e->data; }
static inline unsigned char *eval(const gomap_sync_t *m, struct entry *e) { return e->data + m->voff; }

static inline size_t bidx(const struct table *t, uint64_t h) { return (size_t)(h >> 1) & t->mask; }
static inline uint8_t htag(uint64_t h) { return (uint8_t)(h >> 56); }

/* Bit set (byte k*8+7) for every slot whose tag may equal @tag. */
static inline uint64_t tag_match(uint64_t w, uint8_t tag)
{
	uint64_t x = w ^ (LSB * tag);
	return (x - LSB) & ~x & TAG_BITS;
}

static inline unsigned match_slot(uint64_t z) { return ((unsigned)__builtin_ctzll(z) >> 3) - 1; }

static inline uint64_t meta_set_tag(uint64_t w, unsigned i, uint8_t tag)
{
	unsigned sh = 8 * (i + 1);
	return (w & ~(0xffull << sh)) | ((uint64_t)tag << sh);
}

/* ---- pair mode: {key, value} inline in the bucket ------------------------------
 *
 * Meta: byte 0 as in entry mode, bytes 1..3 the pairs' tags (tag | 1, so a
 * free pair has tag 0 and an occupied one never has), bytes 4..7 a version
 * that every insert bumps. Keys are stored as u64 (u32 keys zero-extended).
 */
#define P_TAG_BITS 0x0000000080808000ull
#define P_VER 0x100000000ull

static inline uint8_t ptag(uint64_t h) { return htag(h) | 1; }
static inline uint8_t ptag_of(uint64_t w, unsigned i) { return (uint8_t)(w >> (8 * (i + 1))); }

/* Pairs whose tag may equal @tag (hints: confirm with ptag_of). */
static inline uint64_t ptag_match(uint64_t w, uint8_t tag)
{
	uint64_t x = w ^ (LSB * tag);
	return (x - LSB) & ~x & P_TAG_BITS;
}

static inline uint64_t pkey_in(const void *key, int ik)
{
	if (ik == IK_U64) {
		uint64_t k;
		memcpy(&k, key, 8);
		return k;
	}
	uint32_t k;
	memcpy(&k, key, 4);
	return k;
}

static inline void rd_lock(void) { rcu_read_lock(); }

static inline void rd_unlock(const gomap_sync_t *m)
{
	TSAN_RELEASE(&m->tsan_gp);
	(void)m;
	rcu_read_unlock();
}

/* Stop with a fatal error when this thread runs an update callback of @m
 * (U1): one thread-local load on every call from anywhere else. */
static inline void upd_guard(const gomap_sync_t *m)
{
	if (GOMAP_UNLIKELY(gomap__upd_top != NULL))
		gomap__upd_check(m);
}

/* Over-allocate by 64 bytes and align to a cache line; *raw, *raw_size
 * receive what to free. Zeroed. Large blocks from the default allocator are
 * offered transparent huge pages (fewer TLB misses on the bucket array). */
static void *alloc_aligned(gomap_sync_t *m, size_t size, void **raw, size_t *raw_size)
{
	if (size > SIZE_MAX - 64)
		return NULL;
	size_t rs = size + 64;
	void *r = gomap__alloc_zeroed(m->alloc, rs);
	if (!r)
		return NULL;
	*raw = r;
	*raw_size = rs;
	uintptr_t a = ((uintptr_t)r + 63) & ~(uintptr_t)63;
	gomap__advise_huge(m->alloc, (void *)a, size);
	return (void *)a;
}

/* ---- keys and hashing ---------------------------------------------------------- */

/* Turn the caller's key into the stored form: STR becomes {ptr, strlen}. */
static inline int probe_key(const gomap_sync_t *m, const void *key, gomap_bytes *q, const void **out)
{
	return key ? gomap__probe_key(m->kt.kind, key, q, out) : GOMAP_EINVAL;
}

/* Hash of a key in stored form; bit 0 is always clear (see struct entry). */
static inline __attribute__((always_inline)) uint64_t hash_ik(const gomap_sync_t *m, const void *qk, int ik)
{
	uint64_t h;
	switch (ik) {
	case IK_U64:
		h = XXH3_64bits_withSeed(qk, 8, m->seed);
		break;
	case IK_U32:
		h = XXH3_64bits_withSeed(qk, 4, m->seed);
		break;
	case IK_BYTES: {
		const gomap_bytes *b = qk;
		h = XXH3_64bits_withSeed(b->ptr, b->len, m->seed);
		break;
	}
	default:
		h = gomap__type_hash(&m->kt, qk, m->seed);
		break;
	}
	return h & ~(uint64_t)1;
}

static uint64_t hash_any(const gomap_sync_t *m, const void *qk)
{
	switch (m->ik) {
	case IK_U64: return hash_ik(m, qk, IK_U64);
	case IK_U32: return hash_ik(m, qk, IK_U32);
	case IK_BYTES: return hash_ik(m, qk, IK_BYTES);
	default: return hash_ik(m, qk, IK_GENERIC);
	}
}

/* Hash of a pair-mode key as stored (u32 keys hash their 4 bytes). */
static inline uint64_t phash(const gomap_sync_t *m, uint64_t k)
{
	if (m->ik == IK_U64)
		return hash_ik(m, &k, IK_U64);
	uint32_t k32 = (uint32_t)k;
	return hash_ik(m, &k32, IK_U32);
}

static inline __attribute__((always_inline)) bool key_eq(const gomap_sync_t *m, struct entry *e, const void *qk,
                                                         int ik)
{
	switch (ik) {
	case IK_U64: {
		uint64_t a, b;
		memcpy(&a, e->data, 8);
		memcpy(&b, qk, 8);
		return a == b;
	}
	case IK_U32: {
		uint32_t a, b;
		memcpy(&a, e->data, 4);
		memcpy(&b, qk, 4);
		return a == b;
	}
	case IK_BYTES: {
		const gomap_bytes *a = (const gomap_bytes *)(const void *)e->data, *b = qk;
		/* An owned copy sits at a fixed offset in the entry: computing
		 * its address instead of loading a->ptr lets the CPU fetch the
		 * entry's second line (a malloc'd entry often spans two) at
		 * the same time as the first, not after it. */
		const void *ab = m->owned ? (const void *)(e->data + m->soff) : a->ptr;
		return a->len == b->len && (a->len == 0 || memcmp(ab, b->ptr, a->len) == 0);
	}
	default:
		return gomap__type_equal(&m->kt, e->data, qk);
	}
}

static bool key_eq_any(const gomap_sync_t *m, struct entry *e, const void *qk)
{
	switch (m->ik) {
	case IK_U64: return key_eq(m, e, qk, IK_U64);
	case IK_U32: return key_eq(m, e, qk, IK_U32);
	case IK_BYTES: return key_eq(m, e, qk, IK_BYTES);
	default: return key_eq(m, e, qk, IK_GENERIC);
	}
}

static bool val_eq(const gomap_sync_t *m, const void *stored, const void *v)
{
	if (m->vsz == 0)
		return true;
	return gomap__type_equal(&m->vt, stored, v);
}

/* Copy an entry's value out. In-place values change under readers: one
 * atomic load (O9). */
static inline void val_out(const gomap_sync_t *m, void *dst, struct entry *e)
{
	if (m->inplace) {
		uint64_t v = __atomic_load_n((uint64_t *)(void *)(e->data + m->voff), __ATOMIC_ACQUIRE);
		memcpy(dst, &v, 8);
	} else if (m->vsz) {
		memcpy(dst, e->data + m->voff, m->vsz);
	}
}

/* Copy an entry's value out for the caller: an owned value as a fresh
 * malloc'd copy (V1), inside the caller's read section or bucket lock.
 * 0 or GOMAP_ENOMEM (nothing written). */
static inline int val_give(const gomap_sync_t *m, void *dst, struct entry *e)
{
	if (GOMAP_UNLIKELY(m->vown))
		return gomap__cm_val_dup(&m->vt, dst, eval(m, e), NULL);
	val_out(m, dst, e);
	return 0;
}

static bool val_eq_e(const gomap_sync_t *m, struct entry *e, const void *v)
{
	if (m->inplace) {
		uint64_t x;
		val_out(m, &x, e);
		return val_eq(m, &x, v);
	}
	return val_eq(m, e->data + m->voff, v);
}

/* ---- entries ------------------------------------------------------------------- */

/* The length of an owned key's copy (0 when keys are not owned). */
static inline size_t owned_len(const gomap_sync_t *m, const struct entry *e)
{
	return m->owned ? ((const gomap_bytes *)(const void *)e->data)->len : 0;
}

/* The bytes of an owned value (V1) kept at the entry's tail: the string
 * and its NUL, or the byte string. */
static inline size_t vbytes_len(const gomap_sync_t *m, const void *v)
{
	if (m->vt.kind == GOMAP_KIND_STR)
		return strlen(*(const char *const *)v) + 1;
	return ((const gomap_bytes *)v)->len;
}

static inline size_t entry_size(const gomap_sync_t *m, struct entry *e)
{
	size_t n = sizeof(struct entry) + m->soff;
	if (m->owned)
		n += owned_len(m, e) + m->is_str;
	if (m->vown)
		n += vbytes_len(m, e->data + m->voff);
	return n;
}

/* Does an entry of @n bytes live in the slab? Fixed-size entries always
 * do (when there is a slab); entries with owned key or value bytes when
 * they fit one slot. */
static inline bool in_slab(const gomap_sync_t *m, size_t n)
{
	return m->slab && n <= m->slab;
}

static inline void entry_free_mem(gomap_sync_t *m, struct entry *e)
{
	size_t n = entry_size(m, e);
	if (in_slab(m, n))
		gomap__slab_free(&m->sl, e);
	else
		gomap__free(m->alloc, e, n);
}

/* A new, unpublished entry for stored-form key @qk and value @val (NULL:
 * zero bytes; never for owned values, whose bytes are copied into the
 * entry's tail, V1). */
static struct entry *entry_new(gomap_sync_t *m, const void *qk, uint64_t h, const void *val)
{
	size_t n = sizeof(struct entry) + m->soff;
	const gomap_bytes *kb = qk;
	if (m->owned) {
		if (kb->len > SIZE_MAX - n - 1)
			return NULL;
		n += kb->len + m->is_str;
	}
	size_t vlen = 0;
	if (m->vown) {
		GOMAP_ASSERT_MAP(val != NULL, m);
		vlen = vbytes_len(m, val);
		if (vlen > SIZE_MAX - n)
			return NULL;
		n += vlen;
	}
	struct entry *e = in_slab(m, n) ? gomap__slab_alloc(&m->sl, n, thread_no()) : gomap__alloc(m->alloc, n);
	if (!e)
		return NULL;
	CW();
	atomic_init(&e->u, h);
	memcpy(e->data, qk, m->ksz);
	if (m->owned) {
		char *p = (char *)e->data + m->soff;
		if (kb->len)
			memcpy(p, kb->ptr, kb->len);
		if (m->is_str)
			p[kb->len] = '\0';
		gomap_bytes own = {p, kb->len};
		memcpy(e->data, &own, sizeof own);
	}
	if (m->vown) {
		/* after the key's bytes: the value's own, then its pointer */
		char *p = (char *)e + n - vlen;
		if (m->vt.kind == GOMAP_KIND_STR) {
			memcpy(p, *(const char *const *)val, vlen);
			memcpy(eval(m, e), &p, sizeof p);
		} else {
			gomap_bytes b;
			memcpy(&b, val, sizeof b);
			if (vlen)
				memcpy(p, b.ptr, vlen);
			b.ptr = p;
			memcpy(eval(m, e), &b, sizeof b);
		}
	} else if (m->vsz) {
		if (val)
			memcpy(eval(m, e), val, m->vsz);
		else
			memset(eval(m, e), 0, m->vsz);
	}
	return e;
}

/* Free an entry nobody else ever saw; the caller keeps its key and value
 * (an owned value's copy is in the entry: freed with it). */
static void entry_discard(gomap_sync_t *m, struct entry *e)
{
	if (e)
		entry_free_mem(m, e);
}

/* Destroy what the entry still owns and free it (after its grace period). */
static void entry_drop(gomap_sync_t *m, struct entry *e, uint64_t flags)
{
	if (!(flags & R_SKIP_KEY) && m->kt.destroy)
		m->kt.destroy(ekey(e), m->kt.ctx);
	if (!(flags & R_SKIP_VAL) && m->vt.destroy && m->vsz)
		m->vt.destroy(eval(m, e), m->vt.ctx);
	entry_free_mem(m, e); /* an owned value's bytes with it (V1) */
}

/* Drop a retire chain of @n entries (linked through u). */
static void drop_list(gomap_sync_t *m, struct entry *e, uint32_t n)
{
	for (; e; n--) {
		if (n == 0)
			corrupted(m, "retire chain longer than counted");
		uint64_t u = LD(&e->u, relaxed);
		GOMAP_ASSERT_MAP(u & R_RETIRED, m);
		struct entry *next = (struct entry *)(uintptr_t)(u & ~R_FLAGS);
		entry_drop(m, e, u);
		e = next;
	}
	GOMAP_ASSERT_MAP(n == 0, m);
}

/* ---- retiring entries ---------------------------------------------------------- */

static inline void stripe_lock(struct rstripe *s)
{
	unsigned spins = 0;
	for (;;) {
		if (!LD(&s->lock, relaxed)) {
			uint32_t z = 0;
			CW();
			if (atomic_compare_exchange_weak_explicit(&s->lock, &z, 1, memory_order_acquire,
			                                          memory_order_relaxed))
				return;
		}
		backoff(&spins);
	}
}

static inline void stripe_unlock(struct rstripe *s) { ST(&s->lock, 0, release); }

static void carrier_drop(gomap_sync_t *m, struct carrier *c)
{
	GOMAP_ASSERT_MAP(c->n <= RETIRE_BATCH && c->m == m, m);
	for (uint32_t i = 0; i < c->n; i++) {
		if (i + 8 < c->n)
			__builtin_prefetch((void *)(c->e[i + 8] & ~R_FLAGS), 1);
		entry_drop(m, (struct entry *)(c->e[i] & ~R_FLAGS), c->e[i] & R_FLAGS);
	}
	drop_list(m, c->list, c->nlist);
	gomap__free(m->alloc, c, sizeof *c);
}

static void retire_cb(struct rcu_head *head)
{
	TSAN_ACQUIRE(head);
	struct carrier *c = caa_container_of(head, struct carrier, rcu);
	gomap_sync_t *m = c->m;
	TSAN_ACQUIRE(&m->tsan_gp);
	if (c->t0)
		GOMAP_PROBE_GRACE_PERIOD(m, gomap__probe_now() - c->t0);
	carrier_drop(m, c);
	TSAN_RELEASE(&m->tsan_cb);
	done_pending(m); /* the last access to m */
}

static void dispatch(gomap_sync_t *m, struct carrier *c)
{
	(void)m;
	TSAN_RELEASE(&m->tsan_gp);
	c->t0 = GOMAP_PROBE_CLOCK();
	sync_call_rcu(m, &c->rcu, retire_cb);
}

/* Queue an entry that was just unlinked from its authoritative slot. Never
 * fails and never blocks on a grace period: without memory for a carrier
 * the entry waits on the stripe's chain (linked through u) and leaves with
 * the next carrier, or with gomap_sync_barrier / gomap_sync_free. */
static void retire(gomap_sync_t *m, struct entry *e, uint64_t flags)
{
	struct rstripe *s = &m->rs[thread_no() & (m->nstripes - 1)];
	struct carrier *full = NULL;
	/* Unlinked just now, never before: not on a chain, no stray flags. */
	GOMAP_ASSERT_MAP(!(LD(&e->u, relaxed) & R_RETIRED) && !(flags & ~(R_SKIP_KEY | R_SKIP_VAL)), m);
	stripe_lock(s);
	struct carrier *c = s->car;
	if (!c) {
		c = gomap__alloc(m->alloc, sizeof *c);
		if (c) {
			c->m = m;
			c->list = NULL;
			c->n = 0;
			c->nlist = 0;
			s->car = c;
		}
	}
	if (c) {
		GOMAP_ASSERT_MAP(c->n < RETIRE_BATCH, m);
		c->e[c->n++] = (uintptr_t)e | flags;
		if (c->n == RETIRE_BATCH) {
			c->list = s->head; /* take the chain along */
			c->nlist = s->n;
			s->head = NULL;
			s->n = 0;
			s->car = NULL;
			full = c;
		}
	} else {
		ST(&e->u, (uint64_t)(uintptr_t)s->head | R_RETIRED | flags, relaxed);
		s->head = e;
		s->n++;
	}
	stripe_unlock(s);
	if (full)
		dispatch(m, full);
}

/* ---- tables -------------------------------------------------------------------- */

static struct gen *gen_new(gomap_sync_t *m)
{
	struct gen *g = gomap__alloc(m->alloc, sizeof *g);
	if (!g)
		return NULL;
	g->s = alloc_aligned(m, sizeof(struct cstripe) * m->nstripes, &g->raw, &g->raw_size);
	if (!g->s) {
		gomap__free(m->alloc, g, sizeof *g);
		return NULL;
	}
	return g;
}

static void gen_free(gomap_sync_t *m, struct gen *g)
{
	gomap__free(m->alloc, g->raw, g->raw_size);
	gomap__free(m->alloc, g, sizeof *g);
}

/*
 * Entries of a generation: all insert counters first, then all delete
 * counters. An insert is counted only after its entry is in the table and a
 * delete before its entry leaves, so the counted difference never exceeds
 * the entries present; reading inserts before deletes keeps it so across
 * the reads: the result is at most the number of entries present when the
 * insert counters were read, at least 0, and exact when no write runs.
 */
static long gen_count(const gomap_sync_t *m, struct gen *g)
{
	unsigned long ins = 0, del = 0;
	for (unsigned i = 0; i < m->nstripes; i++)
		ins += LD(&g->s[i].ins, seq_cst);
	for (unsigned i = 0; i < m->nstripes; i++)
		del += LD(&g->s[i].del, seq_cst);
	return (long)(ins - del);
}

static struct table *table_new(gomap_sync_t *m, size_t nb, struct gen *g)
{
	if (nb > (SIZE_MAX - sizeof(struct table)) / sizeof(struct bucket))
		return NULL;
	void *raw;
	size_t raw_size;
	struct table *t = alloc_aligned(m, sizeof(struct table) + nb * sizeof(struct bucket), &raw, &raw_size);
	if (!t)
		return NULL;
	t->nb = nb;
	t->mask = nb - 1;
	t->b = (struct bucket *)(void *)(t + 1);
	t->gen = g;
	t->m = m;
	t->raw = raw;
	t->raw_size = raw_size;
	/* the rest is zero: seq 0, no next, not resizing, empty buckets */
	return t;
}

/*
 * Bounds of the walks over tables and chains (see "corrupted maps").
 *
 * Table chains: a resize target's seq is its source's + 1, so a chain of
 * ->next links strictly counts up and cannot loop. next_table follows a
 * link that must exist (a MIGRATED bucket's table); next_table_or_null one
 * that may end.
 */
static inline struct table *next_table_or_null(const gomap_sync_t *m, const struct table *t)
{
	struct table *nt = LD(&((struct table *)t)->next, acquire); /* O4 */
	if (GOMAP_UNLIKELY(nt && nt->seq != t->seq + 1))
		corrupted(m, "table chain out of sequence");
	return nt;
}

static inline struct table *next_table(const gomap_sync_t *m, const struct table *t)
{
	struct table *nt = next_table_or_null(m, t);
	if (GOMAP_UNLIKELY(!nt))
		corrupted(m, "migrated bucket without a next table");
	return nt;
}

/*
 * Overflow chains: a chain of table t never holds more overflow buckets
 * than t->novf counts. Under the chain's lock every one is counted (the
 * linker counts it before unlocking, a migration before publishing
 * MIGRATED). A lock-free walker that reached a chain's k-th overflow
 * bucket through acquire loads sees the counts of the k - 1 before it, so
 * k <= novf + 1. A walker takes OVF_FREE steps unchecked, then calls
 * ovf_bound each time it passes its bound: past novf + 1 the chain loops.
 */
#define OVF_FREE 8u

static __attribute__((cold, noinline)) size_t ovf_bound(const gomap_sync_t *m, struct table *t, size_t k)
{
	size_t lim = LD(&t->novf, relaxed) + 1;
	if (k > lim)
		corrupted(m, "overflow chain longer than its table's overflow buckets");
	return lim;
}

/* One step of a bounded walk: k counts the overflow buckets reached. */
#define OVF_STEP(m, t, k, lim)                                                                        \
	do {                                                                                          \
		if (GOMAP_UNLIKELY(++(k) > (lim)))                                                    \
			(lim) = ovf_bound((m), (t), (k));                                             \
	} while (0)

/* Migration units of the resize t -> nt (see "table" at the top). */
static inline size_t units_of(const struct table *t, const struct table *nt)
{
	return nt->nb > t->nb ? t->nb : nt->nb;
}

/* 64 spare bytes: any allocator alignment leaves room for a 64-aligned
 * bucket; its offset (< 64) is kept in the byte right after it, which is
 * still inside the block. */
#define OVF_RAW (2 * sizeof(struct bucket))

static struct bucket *ovf_new(gomap_sync_t *m)
{
	unsigned char *r = gomap__alloc_zeroed(m->alloc, OVF_RAW);
	if (!r)
		return NULL;
	uintptr_t a = ((uintptr_t)r + 63) & ~(uintptr_t)63;
	struct bucket *b = (struct bucket *)a;
	*(unsigned char *)(b + 1) = (unsigned char)(a - (uintptr_t)r);
	return b;
}

static void ovf_free(gomap_sync_t *m, struct bucket *b)
{
	gomap__free(m->alloc, (unsigned char *)b - *(unsigned char *)(b + 1), OVF_RAW);
}

/* Free a table, its overflow buckets and (with @entries) the entries of its
 * authoritative buckets. Only once nobody can reach it. */
static void table_destroy(gomap_sync_t *m, struct table *t, bool entries)
{
	for (size_t i = 0; i < t->nb; i++) {
		struct bucket *b = &t->b[i];
		bool live = entries && !m->pairs && !(LD(&b->meta, relaxed) & M_MIGRATED);
		size_t ovf = 0, lim = OVF_FREE;
		for (struct bucket *x = b; x;) {
			struct bucket *nx = LD(&x->next, relaxed);
			if (nx)
				OVF_STEP(m, t, ovf, lim);
			if (live) {
				for (unsigned k = 0; k < SLOTS; k++) {
					struct entry *e = LD(&x->slot[k], relaxed);
					if (e)
						entry_drop(m, e, 0);
				}
			}
			if (x != b)
				ovf_free(m, x);
			x = nx;
		}
	}
	gomap__free(m->alloc, t->raw, t->raw_size);
}

static void table_retired_cb(struct rcu_head *head)
{
	TSAN_ACQUIRE(head);
	struct table *t = caa_container_of(head, struct table, rcu);
	gomap_sync_t *m = t->m;
	TSAN_ACQUIRE(&m->tsan_gp);
	/* m->cur left t for good (I5) before it was retired; t->next may be
	 * freed already (its own resize completed), so it is not read. */
	GOMAP_ASSERT_MAP(LD(&m->cur, relaxed) != t && LD(&t->next, relaxed) != NULL, m);
	table_destroy(m, t, false);
	TSAN_RELEASE(&m->tsan_cb);
	done_pending(m); /* the last access to m */
}

/* Free a whole chain cur -> next... with every live entry (clear, free). */
static void chain_destroy(gomap_sync_t *m, struct table *t)
{
	struct gen *g = t->gen;
	while (t) {
		struct table *nt = next_table_or_null(m, t);
		GOMAP_ASSERT_MAP(!nt || nt->gen == g, m);
		table_destroy(m, t, true);
		t = nt;
	}
	gen_free(m, g);
}

static void chain_cleared_cb(struct rcu_head *head)
{
	TSAN_ACQUIRE(head);
	struct table *t = caa_container_of(head, struct table, rcu);
	gomap_sync_t *m = t->m;
	TSAN_ACQUIRE(&m->tsan_gp);
	GOMAP_ASSERT_MAP(LD(&m->cur, relaxed) != t, m); /* clear moved m->cur away first */
	chain_destroy(m, t);
	TSAN_RELEASE(&m->tsan_cb);
	done_pending(m); /* the last access to m */
}

/* ---- bucket locks ----------------------------------------------------------------- */

static inline uint64_t bucket_lock(struct bucket *b)
{
	unsigned spins = 0;
	uint64_t w = LD(&b->meta, relaxed);
	for (;;) {
		if (!(w & M_LOCK)) {
			CW();
			if (atomic_compare_exchange_weak_explicit(&b->meta, &w, w | M_LOCK, memory_order_acquire,
			                                          memory_order_relaxed))
				return w | M_LOCK;
			continue;
		}
		backoff(&spins);
		w = LD(&b->meta, relaxed);
	}
}

static inline void bucket_unlock(struct bucket *b, uint64_t w) { ST(&b->meta, w & ~M_LOCK, release); }

/* ---- resizing --------------------------------------------------------------------- */

static void maybe_resize(gomap_sync_t *m);

/* The last unit is done: make the new table current. */
static void complete_resize(gomap_sync_t *m, struct table *t, struct table *nt)
{
	GOMAP_ASSERT_MAP(LD(&t->next, relaxed) == nt && nt->seq == t->seq + 1 && LD(&t->migrated, relaxed) == units_of(t, nt),
	                 m);
	struct table *exp = t;
	CW();
	if (!atomic_compare_exchange_strong_explicit(&m->cur, &exp, nt, memory_order_release, memory_order_relaxed))
		return; /* cleared meanwhile: clear frees both */
	FADD(nt->nb > t->nb ? &m->grows : &m->shrinks, 1, relaxed);
	TSAN_RELEASE(&m->tsan_gp);
	sync_call_rcu(m, &t->rcu, table_retired_cb);
}

/* @n more units of the resize t -> nt are migrated: count them, and the
 * caller that completes the count makes nt current. Writers count their
 * units once per help (not once per unit): t->migrated is one line that
 * every writer of a resize hits. */
static void units_done(gomap_sync_t *m, struct table *t, struct table *nt, size_t n)
{
	size_t units = units_of(t, nt);
	if (!n)
		return;
	size_t done = FADD(&t->migrated, n, acq_rel) + n;
	GOMAP_ASSERT_MAP(done <= units, m); /* each unit is counted once */
	if (done == units)
		complete_resize(m, t, nt);
}

/*
 * Migrate unit @u of the resize t -> nt. Returns 1 when this call migrated
 * it (the caller counts it with units_done), 0 when it already was, and 0
 * too when it could not (no memory for overflow buckets): the unit then
 * stays in t, where writers keep using it, and a later write retries.
 */
static size_t migrate_unit(gomap_sync_t *m, struct table *t, struct table *nt, size_t u)
{
	bool grow = nt->nb > t->nb;
	size_t r = grow ? nt->nb / t->nb : t->nb / nt->nb;
	size_t step = grow ? t->nb : nt->nb;
	size_t nsrc = grow ? 1 : r, ndst = grow ? r : 1;
	GOMAP_ASSERT_MAP(u < units_of(t, nt) && r >= 2 && r <= MAX_RATIO && nt->seq == t->seq + 1, m);
	struct bucket *src[MAX_RATIO];
	uint64_t w[MAX_RATIO];
	src[0] = &t->b[u];
	w[0] = bucket_lock(src[0]);
	for (size_t i = 1; i < nsrc; i++) {
		src[i] = &t->b[u + i * step];
		w[i] = bucket_lock(src[i]);
		/* a unit's buckets become MIGRATED together */
		GOMAP_ASSERT_MAP((w[i] & M_MIGRATED) == (w[0] & M_MIGRATED), m);
	}
	if (w[0] & M_MIGRATED) {
		for (size_t i = 0; i < nsrc; i++)
			bucket_unlock(src[i], w[i]);
		return 0;
	}
	/* Count the entries of each destination, to allocate first. A pair's
	 * hash is computed again from its key (there is no room to keep it in
	 * the bucket): the first HASH_MEMO are kept for the second pass. */
	const unsigned ns = m->pairs ? PSLOTS : SLOTS;
	size_t cnt[MAX_RATIO] = {0};
	uint64_t memo[HASH_MEMO];
	size_t nmemo = 0, nsrcd = 0;
	for (size_t i = 0; i < nsrc; i++) {
		size_t ovf = 0, lim = OVF_FREE;
		for (struct bucket *x = src[i]; x; x = LD(&x->next, relaxed)) {
			if (x != src[i])
				OVF_STEP(m, t, ovf, lim);
			uint64_t xw = LD(&x->meta, relaxed);
			for (unsigned k = 0; k < ns; k++) {
				uint64_t h;
				if (m->pairs) {
					if (!ptag_of(xw, k))
						continue;
					h = phash(m, LD(&x->kv[2 * k], relaxed));
					if (nmemo < HASH_MEMO)
						memo[nmemo++] = h;
				} else {
					struct entry *e = LD(&x->slot[k], relaxed);
					if (!e)
						continue;
					h = LD(&e->u, relaxed);
				}
				GOMAP_ASSERT_MAP(bidx(t, h) == u + i * step, m); /* I1 */
				cnt[grow ? bidx(nt, h) / step : 0]++;
				nsrcd++;
			}
		}
	}
	struct bucket *spare = NULL; /* overflow buckets, linked through next */
	for (size_t d = 0; d < ndst; d++) {
		for (size_t need = cnt[d] > ns ? (cnt[d] - 1) / ns : 0; need; need--) {
			struct bucket *ob = ovf_new(m);
			if (!ob) {
				while (spare) {
					struct bucket *nx = LD(&spare->next, relaxed);
					ovf_free(m, spare);
					spare = nx;
				}
				for (size_t i = 0; i < nsrc; i++)
					bucket_unlock(src[i], w[i]);
				return 0;
			}
			atomic_init(&ob->next, spare);
			spare = ob;
		}
	}
	/* Fill: nobody reads or writes the destinations before MIGRATED (I3). */
	struct bucket *tail[MAX_RATIO];
	unsigned fill[MAX_RATIO];
	uint64_t dw[MAX_RATIO];
	size_t novf = 0, npair = 0, placed = 0;
	for (size_t d = 0; d < ndst; d++) {
		tail[d] = &nt->b[u + d * step];
		fill[d] = 0;
		dw[d] = LD(&tail[d]->meta, relaxed);
		GOMAP_ASSERT_MAP(dw[d] == 0 && !LD(&tail[d]->next, relaxed), m); /* I3: untouched */
	}
	/* The same chains as the first pass (bounded there), still locked. */
	for (size_t i = 0; i < nsrc; i++)
		for (struct bucket *x = src[i]; x; x = LD(&x->next, relaxed)) {
			uint64_t xw = LD(&x->meta, relaxed);
			for (unsigned k = 0; k < ns; k++) {
				struct entry *e = NULL;
				uint64_t h, pk = 0, pv = 0;
				if (m->pairs) {
					if (!ptag_of(xw, k))
						continue;
					pk = LD(&x->kv[2 * k], relaxed);
					pv = LD(&x->kv[2 * k + 1], relaxed);
					h = npair < nmemo ? memo[npair] : phash(m, pk);
					npair++;
				} else {
					e = LD(&x->slot[k], relaxed);
					if (!e)
						continue;
					h = LD(&e->u, relaxed);
				}
				size_t d = grow ? bidx(nt, h) / step : 0;
				if (fill[d] == ns) {
					ST(&tail[d]->meta, dw[d], relaxed);
					struct bucket *ob = spare;
					spare = LD(&ob->next, relaxed);
					ST(&ob->next, NULL, relaxed);
					ST(&tail[d]->next, ob, relaxed);
					tail[d] = ob;
					fill[d] = 0;
					dw[d] = LD(&ob->meta, relaxed);
					novf++;
				}
				if (m->pairs) {
					dw[d] = meta_set_tag(dw[d], fill[d], ptag(h));
					ST(&tail[d]->kv[2 * fill[d]], pk, relaxed);
					ST(&tail[d]->kv[2 * fill[d] + 1], pv, relaxed);
				} else {
					dw[d] = meta_set_tag(dw[d], fill[d], htag(h));
					ST(&tail[d]->slot[fill[d]], e, relaxed);
				}
				fill[d]++;
				placed++;
			}
		}
	for (size_t d = 0; d < ndst; d++)
		ST(&tail[d]->meta, dw[d], relaxed);
	/* every entry placed, every spare bucket used */
	GOMAP_ASSERT_MAP(!spare && placed == nsrcd, m);
	if (novf)
		FADD(&nt->novf, novf, relaxed);
	/* Publish (O4): MIGRATED goes out with the unlock's release store. */
	for (size_t i = 0; i < nsrc; i++)
		bucket_unlock(src[i], w[i] | M_MIGRATED);
	return 1;
}

static inline bool unit_migrated(struct table *t, size_t u)
{
	return LD(&t->b[u].meta, acquire) & M_MIGRATED;
}

/* A write during a resize: migrate the unit of hash @h, and one more. */
static void help_resize(gomap_sync_t *m, struct table *t, struct table *nt, uint64_t h)
{
	size_t units = units_of(t, nt);
	GOMAP_ASSERT_MAP((units & (units - 1)) == 0 && LD(&t->migrated, relaxed) <= units, m);
	size_t u = bidx(t, h) & (units - 1), n = 0;
	if (!unit_migrated(t, u))
		n += migrate_unit(m, t, nt, u);
	/* One claim of HELP_UNITS neighbouring units: one FADD on the shared
	 * cursor instead of one per unit, and adjacent lines. */
	if (LD(&t->migrated, relaxed) < units) {
		size_t v0 = FADD(&t->cursor, HELP_UNITS, relaxed);
		for (unsigned k = 0; k < HELP_UNITS; k++) {
			size_t v = (v0 + k) & (units - 1);
			if (!unit_migrated(t, v))
				n += migrate_unit(m, t, nt, v);
		}
	}
	units_done(m, t, nt, n);
}

/* Start resizing @t (which the caller read from m->cur) to @nb buckets. */
static void start_resize(gomap_sync_t *m, struct table *t, size_t nb)
{
	int z = 0;
	CW();
	if (!atomic_compare_exchange_strong_explicit(&t->resizing, &z, 1, memory_order_acq_rel, memory_order_relaxed))
		return;
	if (LD(&m->cur, acquire) != t)
		return; /* retired or cleared: leave it marked */
	/* a power of two, at least MIN_NB, another size, at most MAX_RATIO away */
	GOMAP_ASSERT_MAP((nb & (nb - 1)) == 0 && nb >= MIN_NB && nb != t->nb &&
	                     (nb > t->nb ? nb / t->nb : t->nb / nb) <= MAX_RATIO && !LD(&t->next, relaxed),
	                 m);
	struct table *nt = table_new(m, nb, t->gen);
	if (!nt) {
		ST(&t->resizing, 0, release); /* try again later */
		return;
	}
	nt->seq = t->seq + 1;
	ST(&t->next, nt, release); /* O4 */
	size_t units = units_of(t, nt);
	if (units <= INLINE_UNITS) {
		size_t n = 0;
		for (size_t u = 0; u < units; u++)
			if (!unit_migrated(t, u))
				n += migrate_unit(m, t, nt, u);
		units_done(m, t, nt, n);
	}
}

static void maybe_resize(gomap_sync_t *m)
{
	struct table *t = LD(&m->cur, acquire);
	if (LD(&t->next, acquire) || LD(&t->resizing, relaxed))
		return;
	long c = gen_count(m, t->gen);
	size_t n = c < 0 ? 0 : (size_t)c;
	size_t nb = t->nb;
	size_t g = m->gavg;
	if (n > nb * g) {
		/* Double, or more if inserts outran a resize (to (g + 1) / 2
		 * per bucket): a denser table keeps more of itself in cache,
		 * and at 4 per 6 slots only ~5% of keys sit in overflow
		 * buckets. */
		size_t want = pow2_ceil(n / (g + 1) * 2);
		if (want > nb * MAX_RATIO)
			want = nb * MAX_RATIO;
		if (want <= nb)
			want = nb * 2;
		start_resize(m, t, want);
	} else if (nb > MIN_NB && n < nb * g / 8) {
		size_t want = pow2_ceil(n / (g / 2) + 1);
		if (want < MIN_NB)
			want = MIN_NB;
		if (want < nb / MAX_RATIO)
			want = nb / MAX_RATIO;
		if (want < nb)
			start_resize(m, t, want);
	}
}

/* ---- the read path ---------------------------------------------------------------- */

/* A reader's authoritative main bucket for hash @h (following ->next past
 * MIGRATED buckets, O4), with its meta in *wp and its table in *tp. Only
 * loads. */
static inline __attribute__((always_inline)) struct bucket *read_home(gomap_sync_t *m, uint64_t h, uint64_t *wp,
                                                                      struct table **tp)
{
	struct table *t = LD(&m->cur, acquire);
	for (;;) {
		struct bucket *b = &t->b[bidx(t, h)];
		uint64_t w = LD(&b->meta, acquire);
		if (GOMAP_LIKELY(!(w & M_MIGRATED))) {
			*wp = w;
			*tp = t;
			return b;
		}
		t = next_table(m, t); /* O4 */
	}
}

/* Find the live entry of a key. Only loads (this is what "reads never write"
 * means); the caller holds the RCU read lock. */
static inline __attribute__((always_inline)) struct entry *find_ik(gomap_sync_t *m, uint64_t h, const void *qk,
                                                                   int ik)
{
	uint8_t tag = htag(h);
	uint64_t w;
	struct table *t;
	size_t ovf = 0, lim = OVF_FREE;
	for (struct bucket *b = read_home(m, h, &w, &t);;) {
		for (uint64_t z = tag_match(w, tag); z; z &= z - 1) {
			struct entry *e = LD(&b->slot[match_slot(z)], acquire); /* O1 */
			if (e && key_eq(m, e, qk, ik)) {
				READ_DELAY();
				return e;
			}
		}
		b = LD(&b->next, acquire); /* O5 */
		if (!b)
			return NULL;
		OVF_STEP(m, t, ovf, lim);
		w = LD(&b->meta, acquire);
	}
}

static struct entry *find_any(gomap_sync_t *m, uint64_t h, const void *qk)
{
	switch (m->ik) {
	case IK_U64: return find_ik(m, h, qk, IK_U64);
	case IK_U32: return find_ik(m, h, qk, IK_U32);
	case IK_BYTES: return find_ik(m, h, qk, IK_BYTES);
	default: return find_ik(m, h, qk, IK_GENERIC);
	}
}

/*
 * Pair mode: the value of key @k, read whole (P1). Only loads. A pair is
 * trusted once its bucket's meta, read again after the pair, still has the
 * same tags and version: no insert reused a slot meanwhile. A key absent
 * from the tags or with another key in its slot is simply not there at that
 * moment, so misses need no second look.
 */
static inline __attribute__((always_inline)) bool pfind(gomap_sync_t *m, uint64_t h, uint64_t k, uint64_t *vout)
{
	uint8_t tag = ptag(h);
again:;
	uint64_t w;
	struct table *t;
	size_t n = 0, lim = OVF_FREE;
	for (struct bucket *b = read_home(m, h, &w, &t);;) {
		for (uint64_t z = ptag_match(w, tag); z; z &= z - 1) {
			unsigned i = match_slot(z);
			if (ptag_of(w, i) != tag || LD(&b->kv[2 * i], relaxed) != k)
				continue;
			READ_DELAY();
			uint64_t v = LD(&b->kv[2 * i + 1], acquire);
			atomic_thread_fence(memory_order_acquire);
			if (GOMAP_UNLIKELY((LD(&b->meta, relaxed) ^ w) & ~M_LOCK))
				goto again; /* the slot changed under us: look again */
			*vout = v;
			return true;
		}
		b = LD(&b->next, acquire); /* O5 */
		if (!b)
			return false;
		OVF_STEP(m, t, n, lim);
		w = LD(&b->meta, acquire);
	}
}

static inline __attribute__((always_inline)) int load_p(gomap_sync_t *m, const void *key, void *out, int ik)
{
	uint64_t h = hash_ik(m, key, ik), v;
	rd_lock();
	bool f = pfind(m, h, pkey_in(key, ik), &v);
	rd_unlock(m);
	if (f && out)
		memcpy(out, &v, 8);
	return f;
}

static inline __attribute__((always_inline)) int load_ik(gomap_sync_t *m, const void *qk, void *out, int ik)
{
	uint64_t h = hash_ik(m, qk, ik);
	rd_lock();
	struct entry *e = find_ik(m, h, qk, ik);
	int r = e != NULL;
	if (e && out) {
		if (m->inplace) /* the common case, without a call */
			val_out(m, out, e);
		else if (GOMAP_UNLIKELY(m->vown)) /* a copy, inside the read section */
			r = gomap__cm_val_dup(&m->vt, out, eval(m, e), NULL) < 0 ? GOMAP_ENOMEM : 1;
		else if (m->vsz == 8)
			memcpy(out, eval(m, e), 8);
		else if (m->vsz)
			memcpy(out, eval(m, e), m->vsz);
	}
	rd_unlock(m);
	return r;
}

GOMAP_API int gomap_sync_load(const gomap_sync_t *cm, const void *key, void *val_out_)
{
	GOMAP_PROBE_OP(cm, GOMAP_PROBE_OP_CMAP + GOMAP__OP_LOAD);
	gomap_sync_t *m = (gomap_sync_t *)cm;
	if (!m || !key)
		return GOMAP_EINVAL;
	upd_guard(m);
	switch (m->ik) {
	case IK_U64: return m->pairs ? load_p(m, key, val_out_, IK_U64) : load_ik(m, key, val_out_, IK_U64);
	case IK_U32: return m->pairs ? load_p(m, key, val_out_, IK_U32) : load_ik(m, key, val_out_, IK_U32);
	default: {
		gomap_bytes q;
		const void *qk;
		int r = probe_key(m, key, &q, &qk);
		if (r)
			return r;
		if (m->ik == IK_BYTES)
			return load_ik(m, qk, val_out_, IK_BYTES);
		return load_ik(m, qk, val_out_, IK_GENERIC);
	}
	}
}

/* ---- the write path ---------------------------------------------------------------- */

/* Lock the authoritative bucket of hash @h (migrating its unit first when a
 * resize runs). Returns it with *tp its table and *wp its locked meta. */
static struct bucket *lock_home(gomap_sync_t *m, uint64_t h, struct table **tp, uint64_t *wp)
{
	struct table *t = LD(&m->cur, acquire);
	for (;;) {
		struct table *nt = next_table_or_null(m, t);
		if (GOMAP_UNLIKELY(nt != NULL))
			help_resize(m, t, nt, h);
		struct bucket *b = &t->b[bidx(t, h)];
		uint64_t w = bucket_lock(b);
		if (GOMAP_LIKELY(!(w & M_MIGRATED))) {
			GOMAP_ASSERT_MAP(w & M_LOCK, m);
			*tp = t;
			*wp = w;
			return b;
		}
		bucket_unlock(b, w);
		t = next_table(m, t);
	}
}

/* Under the lock of @b (of table @t): the slot holding the key, or NULL. */
static _Atomic(struct entry *) *find_locked(gomap_sync_t *m, struct table *t, struct bucket *b, uint64_t w,
                                            uint64_t h, const void *qk, struct bucket **ob)
{
	uint8_t tag = htag(h);
	size_t n = 0, lim = OVF_FREE;
	for (struct bucket *x = b; x; x = LD(&x->next, relaxed)) {
		if (x != b)
			OVF_STEP(m, t, n, lim);
		uint64_t xw = x == b ? w : LD(&x->meta, relaxed);
		for (uint64_t z = tag_match(xw, tag); z; z &= z - 1) {
			unsigned i = match_slot(z);
			struct entry *e = LD(&x->slot[i], relaxed);
			if (e && key_eq_any(m, e, qk)) {
				*ob = x;
				return &x->slot[i];
			}
		}
	}
	return NULL;
}

/* Under the chain's lock: publish the filled overflow bucket @ob after
 * @x, the chain's last (O5). Sets *check when the caller should look at the
 * load factor: overflow buckets appearing mean the table may have filled
 * faster than the counters' periodic check saw (a small table, few
 * writers). Not at every one, though: summing the counters reads a line
 * per stripe, each last written by another thread, and a 2^20-key table
 * makes ~10^5 overflow buckets while it grows; every (nb/64)-th suffices. */
static void ovf_link(struct table *t, struct bucket *x, struct bucket *ob, bool *check)
{
	ST(&x->next, ob, release); /* O5 */
	size_t n = FADD(&t->novf, 1, relaxed) + 1;
	size_t every = t->nb / 64; /* nb is a power of two */
	*check = every <= 1 || (n & (every - 1)) == 0;
}

/* Under the lock of @b (locked meta @w): the first bucket of the chain with
 * a free slot (entry mode) or pair (pair mode), its index in *ip; or, when
 * the chain is full, its last bucket with *ip == UINT_MAX. */
static struct bucket *free_slot(const gomap_sync_t *m, struct table *t, struct bucket *b, uint64_t w,
                                unsigned *ip)
{
	size_t n = 0, lim = OVF_FREE;
	for (struct bucket *x = b;; x = LD(&x->next, relaxed)) {
		if (x != b)
			OVF_STEP(m, t, n, lim);
		uint64_t xw = x == b ? w : LD(&x->meta, relaxed);
		for (unsigned i = 0; i < (m->pairs ? PSLOTS : SLOTS); i++) {
			if (m->pairs ? !ptag_of(xw, i) : !LD(&x->slot[i], relaxed)) {
				*ip = i;
				return x;
			}
		}
		if (!LD(&x->next, relaxed)) {
			*ip = UINT_MAX;
			return x;
		}
	}
}

/* Under the lock of @b: put @e in the first free slot of the chain (tag
 * first, then the release store of the slot: O1, O2). */
static int insert_locked(gomap_sync_t *m, struct table *t, struct bucket *b, uint64_t *w, struct entry *e,
                         uint64_t h, bool *ovf_check)
{
	uint8_t tag = htag(h);
	unsigned i;
	struct bucket *x = free_slot(m, t, b, *w, &i);
	if (i != UINT_MAX) {
		if (x == b) {
			*w = meta_set_tag(*w, i, tag);
			ST(&b->meta, *w, relaxed);
		} else {
			ST(&x->meta, meta_set_tag(LD(&x->meta, relaxed), i, tag), relaxed);
		}
		ST(&x->slot[i], e, release);
		return 0;
	}
	struct bucket *ob = ovf_new(m);
	if (!ob)
		return GOMAP_ENOMEM;
	atomic_init(&ob->meta, meta_set_tag(LD(&ob->meta, relaxed), 0, tag));
	atomic_init(&ob->slot[0], e);
	ovf_link(t, x, ob, ovf_check);
	return 0;
}

/* Count an insert (after the entry is in) or a delete (before the entry
 * leaves), see gen_count. Returns true every CHECK_EVERY-th step of the
 * stripe's counter: time to look at the load factor. */
static inline bool count_step(gomap_sync_t *m, struct table *t, bool insert)
{
	struct cstripe *s = &t->gen->s[thread_no() & (m->nstripes - 1)];
	unsigned long c = FADD(insert ? &s->ins : &s->del, 1, seq_cst) + 1;
	return (c & (CHECK_EVERY - 1)) == 0;
}

/* modify()'s operations: short names for those of internal/ops.h. */
#define OP_STORE GOMAP__OP_STORE
#define OP_SWAP GOMAP__OP_SWAP
#define OP_LOS GOMAP__OP_LOAD_OR_STORE
#define OP_CAS GOMAP__OP_CAS
#define OP_LAD GOMAP__OP_LOAD_AND_DELETE
#define OP_DEL GOMAP__OP_DELETE
#define OP_CAD GOMAP__OP_CAD

/* ---- level-2 checks after writes ------------------------------------------------------
 *
 * chain_ok runs under the bucket lock after every write, so it holds with
 * any number of concurrent writers: the written chain is well formed. The
 * whole-map gomap_sync_check needs a map at rest: every write holds
 * m->dbg_lock shared, and dbg_write_end runs the check only when it can
 * take that lock exclusively (no write in flight; readers do not matter),
 * at each of the map's first 1024 writes, then at its 2^k-th: a check
 * walks at most as many entries as writes preceded it, so all checks
 * together cost O(1) per write.
 */

/* Under the lock of @b (locked meta @w) of table @t, after a write of the
 * key @qk (stored form; pair mode: the u64 key word) with hash @h: every
 * occupied slot of the chain holds a live key of this bucket under its
 * tag, and the written key is there at most once. O(chain). */
static bool chain_ok(gomap_sync_t *m, struct table *t, struct bucket *b, uint64_t w, uint64_t h, const void *qk)
{
	size_t idx = (size_t)(b - t->b), n = 0, same = 0;
	if (!(w & M_LOCK) || (w & M_MIGRATED))
		return false;
	for (struct bucket *x = b; x; x = LD(&x->next, relaxed)) {
		uint64_t xw = x == b ? w : LD(&x->meta, relaxed);
		if (x != b && (++n > LD(&t->novf, relaxed) || (xw & (M_LOCK | M_MIGRATED))))
			return false;
		for (unsigned k = 0; k < (m->pairs ? PSLOTS : SLOTS); k++) {
			uint64_t eh;
			if (m->pairs) {
				uint8_t tg = ptag_of(xw, k);
				if (!tg)
					continue;
				uint64_t key = LD(&x->kv[2 * k], relaxed);
				eh = phash(m, key);
				if (tg != ptag(eh))
					return false;
				same += key == *(const uint64_t *)qk;
			} else {
				struct entry *e = LD(&x->slot[k], relaxed);
				if (!e)
					continue;
				eh = LD(&e->u, relaxed);
				if ((eh & R_RETIRED) || htag(eh) != (uint8_t)(xw >> (8 * (k + 1))))
					return false;
				bool nan = m->is_f64 && !gomap__type_equal(&m->kt, e->data, e->data);
				if (!nan && hash_any(m, e->data) != eh)
					return false;
				same += !nan && eh == h && key_eq_any(m, e, qk);
			}
			if (bidx(t, eh) != idx)
				return false;
		}
	}
	return same <= 1;
}

#if GOMAP_DEBUG_LEVEL >= 2
static void dbg_write_begin(gomap_sync_t *m) { pthread_rwlock_rdlock(&m->dbg_lock); }

/* 0, or what the whole-map check answered. */
static int dbg_write_end(gomap_sync_t *m)
{
	pthread_rwlock_unlock(&m->dbg_lock);
	size_t n = atomic_fetch_add_explicit(&m->dbg_writes, 1, memory_order_relaxed) + 1;
	if (n > 1024 && (n & (n - 1)) != 0)
		return 0;
	if (pthread_rwlock_trywrlock(&m->dbg_lock) != 0)
		return 0; /* writes in flight: the map is not at rest */
	int r = gomap_sync_check(m);
	pthread_rwlock_unlock(&m->dbg_lock);
	return r;
}
#else
static inline void dbg_write_begin(gomap_sync_t *m) { (void)m; }
static inline int dbg_write_end(gomap_sync_t *m)
{
	(void)m;
	return 0;
}
#endif

/* Pair mode, under the lock of @b (of table @t): the pair index of key @k
 * in *xp, or -1. */
static int pfind_locked(const gomap_sync_t *m, struct table *t, struct bucket *b, uint64_t w, uint64_t h, uint64_t k,
                        struct bucket **xp)
{
	uint8_t tag = ptag(h);
	size_t n = 0, lim = OVF_FREE;
	for (struct bucket *x = b; x; x = LD(&x->next, relaxed)) {
		if (x != b)
			OVF_STEP(m, t, n, lim);
		uint64_t xw = x == b ? w : LD(&x->meta, relaxed);
		for (uint64_t z = ptag_match(xw, tag); z; z &= z - 1) {
			unsigned i = match_slot(z);
			if (ptag_of(xw, i) == tag && LD(&x->kv[2 * i], relaxed) == k) {
				*xp = x;
				return (int)i;
			}
		}
	}
	return -1;
}

/* Pair mode, under the lock of @b: put {k, v} in the first free pair of the
 * chain (P2: release fence, the pair, then its tag with a new version; in
 * the main bucket the unlock store publishes the tag). */
static int pinsert_locked(gomap_sync_t *m, struct table *t, struct bucket *b, uint64_t *w, uint64_t k, uint64_t v,
                          uint64_t h, bool *ovf_check)
{
	uint8_t tag = ptag(h);
	unsigned i;
	struct bucket *x = free_slot(m, t, b, *w, &i);
	if (i != UINT_MAX) {
		uint64_t xw = x == b ? *w : LD(&x->meta, relaxed);
		atomic_thread_fence(memory_order_release);
		ST(&x->kv[2 * i], k, relaxed);
		ST(&x->kv[2 * i + 1], v, release);
		xw = meta_set_tag(xw, i, tag) + P_VER;
		if (x == b)
			*w = xw;
		else
			ST(&x->meta, xw, release);
		return 0;
	}
	struct bucket *ob = ovf_new(m);
	if (!ob)
		return GOMAP_ENOMEM;
	atomic_init(&ob->kv[0], k);
	atomic_init(&ob->kv[1], v);
	atomic_init(&ob->meta, meta_set_tag(0, 0, tag));
	ovf_link(t, x, ob, ovf_check);
	return 0;
}

/* Pair mode: modify()'s work with the pair in the bucket. Nothing is
 * allocated (but overflow buckets) and nothing is retired. */
static int modify_p(gomap_sync_t *m, const void *qk, uint64_t h, int op, const void *val, const void *old, void *out)
{
	uint64_t k = pkey_in(qk, m->ik), nv = 0, cur = 0;
	if (val)
		memcpy(&nv, val, 8);
	/* Lock-free pre-check: answers that need no write take no lock. */
	if (op != OP_STORE && op != OP_SWAP) {
		rd_lock();
		bool f = pfind(m, h, k, &cur);
		rd_unlock(m);
		if (!f) {
			if (op != OP_LOS)
				return 0;
		} else if (op == OP_LOS) {
			if (out)
				memcpy(out, &cur, 8);
			return 1;
		} else if ((op == OP_CAS || op == OP_CAD) && !val_eq(m, &cur, old)) {
			return 0;
		}
	}
	bool ovf_check = false, check = false, inserted = false;
	int ret = 0, r;
	struct table *t;
	uint64_t w;
	dbg_write_begin(m);
	rd_lock();
	struct bucket *b = lock_home(m, h, &t, &w), *x = NULL;
	int i = pfind_locked(m, t, b, w, h, k, &x);
	if (i >= 0)
		cur = LD(&x->kv[2 * i + 1], relaxed);
	switch (op) {
	case OP_STORE:
	case OP_SWAP:
	case OP_CAS:
		if (i < 0) {
			if (op == OP_CAS)
				break; /* absent: no swap, even for a zero old */
			r = pinsert_locked(m, t, b, &w, k, nv, h, &ovf_check);
			if (r)
				ret = r;
			else
				inserted = true;
			break;
		}
		if (op == OP_CAS && !val_eq(m, &cur, old))
			break;
		if (op == OP_SWAP && out)
			memcpy(out, &cur, 8);
		ST(&x->kv[2 * i + 1], nv, release); /* in place (O9) */
		ret = op == OP_STORE ? 0 : 1;
		break;
	case OP_LOS:
		if (i >= 0) {
			if (out)
				memcpy(out, &cur, 8);
			ret = 1;
			break;
		}
		r = pinsert_locked(m, t, b, &w, k, nv, h, &ovf_check);
		if (r) {
			ret = r;
			break;
		}
		if (out)
			memcpy(out, &nv, 8);
		inserted = true;
		break;
	case OP_LAD:
	case OP_DEL:
	case OP_CAD:
		if (i < 0 || (op == OP_CAD && !val_eq(m, &cur, old)))
			break;
		if (op == OP_LAD && out)
			memcpy(out, &cur, 8);
		check = count_step(m, t, false); /* before the pair leaves */
		/* Clear the tag; the pair's bytes stay until an insert reuses them. */
		if (x == b)
			w = meta_set_tag(w, (unsigned)i, 0);
		else
			ST(&x->meta, meta_set_tag(LD(&x->meta, relaxed), (unsigned)i, 0), release);
		ret = 1;
		break;
	}
	GOMAP_ASSERT_EXPENSIVE(chain_ok(m, t, b, w, h, &k), m);
	bucket_unlock(b, w);
	if (inserted)
		check = count_step(m, t, true); /* after the pair is in */
	if (check || ovf_check)
		maybe_resize(m);
	rd_unlock(m);
	r = dbg_write_end(m);
	GOMAP_ASSERT_EXPENSIVE(r == 0, m);
	return ret;
}

static int modify(gomap_sync_t *m, const void *key, int op, const void *val, const void *old, void *out)
{
	if (!m)
		return GOMAP_EINVAL;
	upd_guard(m);
	gomap_bytes q;
	const void *qk;
	int r = probe_key(m, key, &q, &qk);
	if (r)
		return r;
	/* NULL values are bad input (as for every cmap variant), except for an
	 * empty value type (a set). */
	if (m->vsz && (((op == OP_CAS || op == OP_CAD) && !old) ||
	               ((op == OP_STORE || op == OP_SWAP || op == OP_LOS || op == OP_CAS) && !val)))
		return GOMAP_EINVAL;
	if (m->vown && (op == OP_STORE || op == OP_SWAP || op == OP_LOS || op == OP_CAS) &&
	    gomap__cm_check_val(&m->vt, val) < 0)
		return GOMAP_EINVAL; /* a NULL string */
	uint64_t h = hash_any(m, qk);
	if (m->pairs)
		return modify_p(m, qk, h, op, val, old, out);

	/* Lock-free pre-check: answers that need no write take no lock, and
	 * an in-place update needs no new entry. */
	bool present = false;
	if ((op != OP_STORE && op != OP_SWAP) || m->inplace) {
		int done = -1;
		rd_lock();
		struct entry *e = find_any(m, h, qk);
		present = e != NULL;
		if (op == OP_STORE || op == OP_SWAP) {
			/* only looking */
		} else if (!e) {
			if (op != OP_LOS)
				done = 0;
		} else if (op == OP_LOS) {
			done = out && val_give(m, out, e) < 0 ? GOMAP_ENOMEM : 1;
		} else if ((op == OP_CAS || op == OP_CAD) && !val_eq_e(m, e, old)) {
			done = 0;
		}
		rd_unlock(m);
		if (done != -1) /* an answer, or the copy out failed */
			return done;
	}

	struct entry *ne = NULL;
	bool in_place = m->inplace && present && op != OP_LOS;
	if ((op == OP_STORE || op == OP_SWAP || op == OP_LOS || op == OP_CAS) && !in_place) {
	alloc:
		ne = entry_new(m, qk, h, val);
		if (!ne)
			return GOMAP_ENOMEM;
	}

	struct entry *dead = NULL;
	uint64_t dflags = 0;
	long delta = 0; /* 1: inserted */
	bool ovf_check = false, check = false;
	int ret = 0;
	struct table *t;
	uint64_t w;
	dbg_write_begin(m);
	rd_lock();
	struct bucket *b = lock_home(m, h, &t, &w);
	struct bucket *eb = NULL;
	_Atomic(struct entry *) *slot = find_locked(m, t, b, w, h, qk, &eb);
	struct entry *e = slot ? LD(slot, relaxed) : NULL;
	switch (op) {
	case OP_STORE:
	case OP_SWAP:
	case OP_CAS:
		if (!e) {
			if (op == OP_CAS)
				break; /* absent: no swap, even for a zero old */
			if (!ne) {
				/* deleted since the pre-check: insert after all */
				bucket_unlock(b, w);
				rd_unlock(m);
				r = dbg_write_end(m);
				GOMAP_ASSERT_EXPENSIVE(r == 0, m);
				in_place = false;
				goto alloc;
			}
			r = insert_locked(m, t, b, &w, ne, h, &ovf_check);
			if (r) {
				ret = r;
				break;
			}
			ne = NULL;
			delta = 1;
			break;
		}
		if (op == OP_CAS && !val_eq_e(m, e, old))
			break;
		if (m->inplace) {
			/* In place (O9): one atomic store is the whole update. */
			uint64_t nv;
			memcpy(&nv, val, 8);
			if (op == OP_SWAP && out)
				val_out(m, out, e);
			CW();
			__atomic_store_n((uint64_t *)(void *)eval(m, e), nv, __ATOMIC_RELEASE);
			ret = op == OP_STORE ? 0 : 1;
			break;
		}
		/* Replace: the key stays, except where equal keys may differ in
		 * their bytes (key_update): there the caller's key replaces it,
		 * as Go's map assignment does (-0 replaces +0). */
		if (m->key_update) {
			dflags = 0;
		} else {
			if (!m->owned)
				memcpy(ne->data, e->data, m->ksz);
			dflags = R_SKIP_KEY;
		}
		if (op == OP_SWAP && out) {
			/* An owned value is copied, not moved: readers may
			 * still be copying the map's (V1). */
			if (val_give(m, out, e) < 0) {
				ret = GOMAP_ENOMEM;
				break;
			}
			if (!m->vown)
				dflags |= R_SKIP_VAL;
		}
		ST(slot, ne, release); /* O1 */
		ne = NULL;
		dead = e;
		ret = op == OP_STORE ? 0 : 1;
		break;
	case OP_LOS:
		if (e) {
			ret = out && val_give(m, out, e) < 0 ? GOMAP_ENOMEM : 1;
			break;
		}
		r = insert_locked(m, t, b, &w, ne, h, &ovf_check);
		if (r) {
			ret = r;
			break;
		}
		if (out && m->vown) /* the caller's own value, not the map's copy */
			memmove(out, val, m->vsz);
		else if (out)
			val_out(m, out, ne);
		ne = NULL;
		delta = 1;
		break;
	case OP_LAD:
	case OP_DEL:
	case OP_CAD:
		if (!e || (op == OP_CAD && !val_eq_e(m, e, old)))
			break;
		if (op == OP_LAD && out) {
			if (val_give(m, out, e) < 0) { /* copied for owned values (V1) */
				ret = GOMAP_ENOMEM;
				break;
			}
			if (!m->vown)
				dflags = R_SKIP_VAL;
		}
		check = count_step(m, t, false); /* before the entry leaves */
		ST(slot, NULL, release);
		dead = e;
		ret = 1;
		break;
	}
	GOMAP_ASSERT_EXPENSIVE(chain_ok(m, t, b, w, h, qk), m);
	bucket_unlock(b, w);
	if (delta)
		check = count_step(m, t, true); /* after the entry is in */
	if (check || ovf_check)
		maybe_resize(m);
	rd_unlock(m);
	entry_discard(m, ne);
	if (dead)
		retire(m, dead, dflags);
	r = dbg_write_end(m);
	GOMAP_ASSERT_EXPENSIVE(r == 0, m);
	return ret;
}

GOMAP_API int gomap_sync_store(gomap_sync_t *m, const void *key, const void *val)
{
	GOMAP_PROBE_OP(m, GOMAP_PROBE_OP_CMAP + GOMAP__OP_STORE);
	return modify(m, key, OP_STORE, val, NULL, NULL);
}

GOMAP_API int gomap_sync_load_or_store(gomap_sync_t *m, const void *key, const void *val, void *actual_out)
{
	GOMAP_PROBE_OP(m, GOMAP_PROBE_OP_CMAP + GOMAP__OP_LOAD_OR_STORE);
	return modify(m, key, OP_LOS, val, NULL, actual_out);
}

GOMAP_API int gomap_sync_load_and_delete(gomap_sync_t *m, const void *key, void *val_out)
{
	GOMAP_PROBE_OP(m, GOMAP_PROBE_OP_CMAP + GOMAP__OP_LOAD_AND_DELETE);
	return modify(m, key, OP_LAD, NULL, NULL, val_out);
}

GOMAP_API int gomap_sync_delete(gomap_sync_t *m, const void *key)
{
	GOMAP_PROBE_OP(m, GOMAP_PROBE_OP_CMAP + GOMAP__OP_DELETE);
	return modify(m, key, OP_DEL, NULL, NULL, NULL);
}

GOMAP_API int gomap_sync_swap(gomap_sync_t *m, const void *key, const void *val, void *prev_out)
{
	GOMAP_PROBE_OP(m, GOMAP_PROBE_OP_CMAP + GOMAP__OP_SWAP);
	return modify(m, key, OP_SWAP, val, NULL, prev_out);
}

GOMAP_API int gomap_sync_compare_and_swap(gomap_sync_t *m, const void *key, const void *old, const void *new_)
{
	GOMAP_PROBE_OP(m, GOMAP_PROBE_OP_CMAP + GOMAP__OP_CAS);
	return modify(m, key, OP_CAS, new_, old, NULL);
}

GOMAP_API int gomap_sync_compare_and_delete(gomap_sync_t *m, const void *key, const void *old)
{
	GOMAP_PROBE_OP(m, GOMAP_PROBE_OP_CMAP + GOMAP__OP_CAD);
	return modify(m, key, OP_CAD, NULL, old, NULL);
}

/* ---- update ---------------------------------------------------------------------
 *
 * The callback runs once, under the key's bucket lock (inside the read
 * section), on a private copy of the value; its decision is applied before
 * the unlock, so the whole step is one write in the sense of the
 * linearizability paragraph above (U1).
 */

/* Pair mode: the value is read and written in the bucket (P2, O9); nothing
 * is allocated but an overflow bucket for an insert into a full chain. */
static int update_p(gomap_sync_t *m, const void *key, const void *qk, uint64_t h, gomap_update_fn fn,
                    void *ctx)
{
	uint64_t k = pkey_in(qk, m->ik), v = 0;
	bool ovf_check = false, check = false, inserted = false;
	struct gomap__upd_frame f;
	struct table *t;
	uint64_t w;
	rd_lock();
	struct bucket *b = lock_home(m, h, &t, &w), *x = NULL;
	int i = pfind_locked(m, t, b, w, h, k, &x);
	bool present = i >= 0;
	if (present)
		v = LD(&x->kv[2 * i + 1], relaxed);
	gomap__upd_enter(&f, m);
	int d = fn(key, &v, present, ctx);
	gomap__upd_leave(&f);
	GOMAP_ASSERT_MAP(LD(&b->meta, relaxed) & M_LOCK, m);
	GOMAP_ASSERT_MAP(!present || ptag_of(x == b ? w : LD(&x->meta, relaxed), (unsigned)i) == ptag(h), m);
	int ret = present, r;
	switch (d) {
	case GOMAP_UPDATE_KEEP:
		break;
	case GOMAP_UPDATE_SET:
		if (present) {
			ST(&x->kv[2 * i + 1], v, release); /* in place (O9) */
			break;
		}
		r = pinsert_locked(m, t, b, &w, k, v, h, &ovf_check);
		if (r)
			ret = r;
		else
			inserted = true;
		break;
	case GOMAP_UPDATE_DELETE:
		if (!present)
			break;
		check = count_step(m, t, false); /* before the pair leaves */
		if (x == b)
			w = meta_set_tag(w, (unsigned)i, 0);
		else
			ST(&x->meta, meta_set_tag(LD(&x->meta, relaxed), (unsigned)i, 0), release);
		break;
	default:
		ret = GOMAP_EINVAL;
		break;
	}
	bucket_unlock(b, w);
	if (inserted)
		check = count_step(m, t, true); /* after the pair is in */
	if (check || ovf_check)
		maybe_resize(m);
	rd_unlock(m);
	return ret;
}

/*
 * Entry mode. In-place values (O9) and empty ones need no new entry for a
 * hit: the callback gets a copy on the stack and a set is one release
 * store; a miss that is set allocates its entry under the lock (the one
 * allocation). Other values are set by publishing a new entry, allocated
 * before the lock and used as the callback's buffer: one allocation,
 * discarded when the decision is keep or delete.
 */
static int update_e(gomap_sync_t *m, const void *key, const void *qk, uint64_t h, gomap_update_fn fn,
                    void *ctx)
{
	struct entry *ne = NULL;
	if (!m->inplace && m->vsz && !m->vown) {
		ne = entry_new(m, qk, h, NULL);
		if (!ne)
			return GOMAP_ENOMEM;
	}
	uint64_t v8 = 0;
	struct entry *dead = NULL;
	uint64_t dflags = 0;
	bool ovf_check = false, check = false, inserted = false;
	struct gomap__upd_frame f;
	struct table *t;
	uint64_t w;
	rd_lock();
	struct bucket *b = lock_home(m, h, &t, &w), *eb = NULL;
	_Atomic(struct entry *) *slot = find_locked(m, t, b, w, h, qk, &eb);
	struct entry *e = slot ? LD(slot, relaxed) : NULL;
	bool present = e != NULL;
	GOMAP_ASSERT_MAP(!e || LD(&e->u, relaxed) == h, m); /* live: u is its hash */
	void *buf = NULL;
	/* owned values: the callback's copy, and its buffer (V1) */
	gomap_bytes given = {0}, ubuf = {0};
	int err = 0;
	if (m->vown) {
		buf = &ubuf;
		if (e)
			err = gomap__cm_val_dup(&m->vt, &given, eval(m, e), NULL);
		if (e && !err)
			memcpy(buf, &given, m->vsz);
	} else if (ne) {
		buf = eval(m, ne);
		if (e)
			memcpy(buf, eval(m, e), m->vsz);
	} else if (m->vsz) {
		buf = &v8;
		if (e)
			val_out(m, &v8, e);
	}
	int d = GOMAP_UPDATE_KEEP;
	if (!err) {
		gomap__upd_enter(&f, m);
		d = fn(key, buf, present, ctx);
		gomap__upd_leave(&f);
	}
	if (m->vown) {
		/* A set copies what the callback left in the buffer into a new
		 * entry, sized for it, allocated here under the lock (as store
		 * copies); the callback's copy is freed. */
		if (d == GOMAP_UPDATE_SET) {
			err = gomap__cm_check_val(&m->vt, &ubuf);
			if (!err && !(ne = entry_new(m, qk, h, &ubuf)))
				err = GOMAP_ENOMEM;
			if (err)
				d = GOMAP_UPDATE_KEEP;
		}
		if (e)
			gomap__cm_val_release(&m->vt, &given, NULL);
	}
	GOMAP_ASSERT_MAP(LD(&b->meta, relaxed) & M_LOCK, m);
	GOMAP_ASSERT_MAP(!slot || LD(slot, relaxed) == e, m);
	int ret = present, r;
	switch (d) {
	case GOMAP_UPDATE_KEEP:
		break;
	case GOMAP_UPDATE_SET:
		if (e && !ne) {
			if (m->vsz) { /* in place (O9) */
				CW();
				__atomic_store_n((uint64_t *)(void *)eval(m, e), v8, __ATOMIC_RELEASE);
			}
			break;
		}
		if (e) {
			/* The new entry takes over: the stored key stays (as in
			 * the locked maps, f64 included), and the old value,
			 * whose bytes the callback started from, is not
			 * destroyed (see gomap_update_fn). */
			if (!m->owned)
				memcpy(ne->data, e->data, m->ksz);
			/* An owned value was copied for the callback: the
			 * old copy goes with its entry. */
			dflags = R_SKIP_KEY | (m->vown ? 0 : R_SKIP_VAL);
			ST(slot, ne, release); /* O1 */
			ne = NULL;
			dead = e;
			break;
		}
		if (!ne) {
			ne = entry_new(m, qk, h, m->vsz ? &v8 : NULL);
			if (!ne) {
				ret = GOMAP_ENOMEM;
				break;
			}
		}
		r = insert_locked(m, t, b, &w, ne, h, &ovf_check);
		if (r) {
			ret = r;
			break;
		}
		ne = NULL;
		inserted = true;
		break;
	case GOMAP_UPDATE_DELETE:
		if (!e)
			break;
		check = count_step(m, t, false); /* before the entry leaves */
		ST(slot, NULL, release);
		dead = e;
		break;
	default:
		ret = GOMAP_EINVAL;
		break;
	}
	if (err)
		ret = err;
	bucket_unlock(b, w);
	if (inserted)
		check = count_step(m, t, true); /* after the entry is in */
	if (check || ovf_check)
		maybe_resize(m);
	rd_unlock(m);
	entry_discard(m, ne);
	if (dead)
		retire(m, dead, dflags);
	return ret;
}

GOMAP_API int gomap_sync_update(gomap_sync_t *m, const void *key, gomap_update_fn fn, void *ctx)
{
	if (!m || !fn)
		return GOMAP_EINVAL;
	upd_guard(m);
	gomap_bytes q;
	const void *qk;
	int r = probe_key(m, key, &q, &qk);
	if (r)
		return r;
	uint64_t h = hash_any(m, qk);
	dbg_write_begin(m);
	r = m->pairs ? update_p(m, key, qk, h, fn, ctx) : update_e(m, key, qk, h, fn, ctx);
	int rc = dbg_write_end(m);
	GOMAP_ASSERT_EXPENSIVE(rc == 0, m);
	(void)rc;
	return r;
}

/* ---- range ---------------------------------------------------------------------- */

struct range_state {
	gomap_sync_t *m;
	gomap_range_fn fn;
	void *ctx;
	unsigned char *vbuf;
	struct entry **ents; /* the entries of one bucket chain */
	size_t cap;
	bool stop;
	int err;
	uint64_t *pv; /* pair mode: the pairs of one bucket chain */
	size_t pcap;  /* pairs room in pv */
};

/* Room for one more item in a growing array that starts on the stack. */
static bool range_room(struct range_state *rs, void **arr, size_t *cap, size_t n, size_t isz)
{
	if (n < *cap)
		return true;
	void *na = gomap__alloc(rs->m->alloc, *cap * 2 * isz);
	if (!na) {
		rs->err = GOMAP_ENOMEM;
		rs->stop = true;
		return false;
	}
	memcpy(na, *arr, n * isz);
	if (*cap > 64)
		gomap__free(rs->m->alloc, *arr, *cap * isz);
	*arr = na;
	*cap *= 2;
	return true;
}

static void visit_virtual(struct range_state *rs, struct table *t, size_t fmask, size_t fval);

/* Collect the entries of a chain, drop a key seen twice (deleted and
 * inserted again into a later slot while we scanned: keep the later), then
 * produce them. Filtered to (h >> 1) & fmask == fval when fmask is set. */
static void visit_chain(struct range_state *rs, struct table *t, struct bucket *b, size_t fmask, size_t fval)
{
	gomap_sync_t *m = rs->m;
	size_t n = 0, ovf = 0, lim = OVF_FREE;
	for (struct bucket *x = b; x; x = LD(&x->next, acquire)) {
		if (x != b)
			OVF_STEP(m, t, ovf, lim);
		for (unsigned k = 0; k < SLOTS; k++) {
			struct entry *e = LD(&x->slot[k], acquire); /* O1 */
			if (!e)
				continue;
			if (fmask) {
				uint64_t h = LD(&e->u, relaxed);
				if (h & R_RETIRED) /* on a retire chain; NaN keys are never retired alone */
					h = hash_any(m, e->data);
				if (((size_t)(h >> 1) & fmask) != fval)
					continue;
			}
			if (!range_room(rs, (void **)&rs->ents, &rs->cap, n, sizeof *rs->ents))
				return;
			rs->ents[n++] = e;
		}
	}
	for (size_t i = 0; i < n && !rs->stop; i++) {
		struct entry *e = rs->ents[i];
		bool later = false;
		for (size_t j = i + 1; j < n && !later; j++)
			later = rs->ents[j] != e && key_eq_any(m, rs->ents[j], e->data);
		if (later)
			continue;
		if (val_give(m, rs->vbuf, e) < 0) {
			rs->err = GOMAP_ENOMEM;
			rs->stop = true;
			break;
		}
		gomap_bytes given; /* an owned value's copy, whatever fn does */
		if (m->vown)
			memcpy(&given, rs->vbuf, m->vsz);
		if (!rs->fn(e->data, rs->vbuf, rs->ctx))
			rs->stop = true;
		if (m->vown) /* the callback's private copy */
			gomap__cm_val_release(&m->vt, &given, NULL);
	}
}

/* Pair mode: visit_chain with copies of the pairs, each bucket's taken
 * whole (its meta unchanged across the copy, as in pfind). */
static void visit_chain_p(struct range_state *rs, struct table *t, struct bucket *b, size_t fmask, size_t fval)
{
	gomap_sync_t *m = rs->m;
	size_t n = 0, ovf = 0, lim = OVF_FREE;
	for (struct bucket *x = b; x; x = LD(&x->next, acquire)) {
		if (x != b)
			OVF_STEP(m, t, ovf, lim);
		uint64_t kv[2 * PSLOTS];
		unsigned got;
		for (;;) {
			uint64_t w = LD(&x->meta, acquire);
			got = 0;
			for (unsigned k = 0; k < PSLOTS; k++) {
				if (!ptag_of(w, k))
					continue;
				kv[2 * got] = LD(&x->kv[2 * k], relaxed);
				kv[2 * got + 1] = LD(&x->kv[2 * k + 1], acquire);
				got++;
			}
			READ_DELAY();
			atomic_thread_fence(memory_order_acquire);
			if (!((LD(&x->meta, relaxed) ^ w) & ~M_LOCK))
				break;
		}
		for (unsigned j = 0; j < got; j++) {
			if (fmask && ((size_t)(phash(m, kv[2 * j]) >> 1) & fmask) != fval)
				continue;
			if (!range_room(rs, (void **)&rs->pv, &rs->pcap, n, 2 * sizeof(uint64_t)))
				return;
			rs->pv[2 * n] = kv[2 * j];
			rs->pv[2 * n + 1] = kv[2 * j + 1];
			n++;
		}
	}
	for (size_t i = 0; i < n && !rs->stop; i++) {
		bool later = false;
		for (size_t j = i + 1; j < n && !later; j++)
			later = rs->pv[2 * j] == rs->pv[2 * i];
		if (later)
			continue;
		uint64_t k64 = rs->pv[2 * i];
		uint32_t k32 = (uint32_t)k64;
		memcpy(rs->vbuf, &rs->pv[2 * i + 1], 8);
		if (!rs->fn(m->ik == IK_U64 ? (const void *)&k64 : (const void *)&k32, rs->vbuf, rs->ctx))
			rs->stop = true;
	}
}

static void visit_bucket(struct range_state *rs, struct table *t, size_t idx, size_t fmask, size_t fval)
{
	struct bucket *b = &t->b[idx];
	uint64_t w = LD(&b->meta, acquire);
	if (w & M_MIGRATED) {
		struct table *nt = next_table(rs->m, t); /* O4 */
		if (fmask > t->mask)
			visit_virtual(rs, nt, fmask, fval);
		else
			visit_virtual(rs, nt, t->mask, idx);
		return;
	}
	if (fmask <= t->mask)
		fmask = fval = 0;
	if (rs->m->pairs)
		visit_chain_p(rs, t, b, fmask, fval);
	else
		visit_chain(rs, t, b, fmask, fval);
}

/* Produce the keys with (h >> 1) & fmask == fval that live in table t. */
static void visit_virtual(struct range_state *rs, struct table *t, size_t fmask, size_t fval)
{
	if (t->mask >= fmask) {
		for (size_t i = fval; i <= t->mask && !rs->stop; i += fmask + 1)
			visit_bucket(rs, t, i, 0, 0);
	} else {
		visit_bucket(rs, t, fval & t->mask, fmask, fval);
	}
}

/*
 * Range walks the "virtual buckets" of the table current at its start: for
 * each index v, every key with (h >> 1) & mask0 == v, wherever it lives now
 * (the table may have grown, shrunk or been cleared since). One RCU read
 * section per virtual bucket, so a long range does not hold back every
 * grace period, and each key belongs to exactly one virtual bucket.
 */
GOMAP_API int gomap_sync_range(const gomap_sync_t *cm, gomap_range_fn fn, void *ctx)
{
	gomap_sync_t *m = (gomap_sync_t *)cm;
	if (!m || !fn)
		return GOMAP_EINVAL;
	upd_guard(m);
	_Alignas(16) unsigned char vstack[256];
	struct entry *estack[64];
	uint64_t pstack[2 * 64];
	struct range_state rs = {m, fn, ctx, vstack, estack, 64, false, 0, pstack, 64};
	if (m->vsz > sizeof vstack) {
		rs.vbuf = gomap__alloc(m->alloc, m->vsz);
		if (!rs.vbuf)
			return GOMAP_ENOMEM;
	}
	rd_lock();
	size_t mask0 = LD(&m->cur, acquire)->mask;
	rd_unlock(m);
	size_t start = (size_t)gomap__random_u64() & mask0;
	for (size_t k = 0; k <= mask0 && !rs.stop; k++) {
		rd_lock();
		visit_virtual(&rs, LD(&m->cur, acquire), mask0, (start + k) & mask0);
		rd_unlock(m);
	}
	if (rs.vbuf != vstack)
		gomap__free(m->alloc, rs.vbuf, m->vsz);
	if (rs.ents != estack)
		gomap__free(m->alloc, rs.ents, rs.cap * sizeof *rs.ents);
	if (rs.pv != pstack)
		gomap__free(m->alloc, rs.pv, rs.pcap * 2 * sizeof *rs.pv);
	return rs.err;
}

/* ---- len, clear, barrier ---------------------------------------------------------- */

GOMAP_API size_t gomap_sync_len(const gomap_sync_t *cm)
{
	gomap_sync_t *m = (gomap_sync_t *)cm;
	if (!m)
		return 0;
	rd_lock();
	long n = gen_count(m, LD(&m->cur, acquire)->gen);
	rd_unlock(m);
	return n < 0 ? 0 : (size_t)n;
}

/* Is the chain of @b (of table @t) empty? Under its lock. */
static bool chain_empty(const gomap_sync_t *m, struct table *t, struct bucket *b, uint64_t w)
{
	size_t ovf = 0, lim = OVF_FREE;
	for (struct bucket *x = b; x; x = LD(&x->next, relaxed)) {
		if (x != b)
			OVF_STEP(m, t, ovf, lim);
		uint64_t xw = x == b ? w : LD(&x->meta, relaxed);
		for (unsigned k = 0; k < (m->pairs ? PSLOTS : SLOTS); k++)
			if (m->pairs ? ptag_of(xw, k) != 0 : LD(&x->slot[k], relaxed) != NULL)
				return false;
	}
	return true;
}

/*
 * Clear of a map that is already empty: nothing to do, so nothing is
 * allocated and nothing waits for a grace period (Go's
 * TestMapClearNoAllocations). Emptiness is decided with every bucket of
 * the current table locked, in ascending order as migrations lock theirs:
 * while all are held no entry can be in, so the clear linearizes there. A
 * resize in progress, or any entry, sends the caller down the general
 * path. The counters are a cheap first look: they never exceed the
 * entries present (gen_count), so a non-zero count means "not empty".
 */
static bool clear_if_empty(gomap_sync_t *m)
{
	rd_lock();
	struct table *t = LD(&m->cur, acquire);
	bool empty = !LD(&t->next, acquire) && gen_count(m, t->gen) == 0;
	size_t locked = 0;
	for (; empty && locked < t->nb; locked++) {
		struct bucket *b = &t->b[locked];
		uint64_t w = bucket_lock(b);
		empty = !(w & M_MIGRATED) && chain_empty(m, t, b, w);
	}
	/* All locked: no resize can have started a unit, and m->cur is t
	 * unless a concurrent clear replaced it (then it is another map's
	 * emptiness we saw: take the general path). */
	empty = empty && LD(&m->cur, acquire) == t && !LD(&t->next, acquire);
	for (size_t i = 0; i < locked; i++)
		bucket_unlock(&t->b[i], LD(&t->b[i].meta, relaxed));
	rd_unlock(m);
	return empty;
}

GOMAP_API int gomap_sync_clear(gomap_sync_t *m)
{
	if (!m)
		return GOMAP_EINVAL;
	upd_guard(m);
	dbg_write_begin(m);
	int r = 0;
	if (clear_if_empty(m)) {
		FADD(&m->clears, 1, relaxed);
		goto out;
	}
	struct gen *g = gen_new(m);
	struct table *nt = g ? table_new(m, MIN_NB, g) : NULL;
	if (!nt) {
		if (g)
			gen_free(m, g);
		r = GOMAP_ENOMEM;
		goto out;
	}
	CW();
	struct table *old = atomic_exchange_explicit(&m->cur, nt, memory_order_acq_rel);
	GOMAP_ASSERT_MAP(old != nt && old->gen != g, m);
	FADD(&m->clears, 1, relaxed);
	/* Writers still in old tables finish before the grace period ends; the
	 * callback then frees the chain old -> next with all its entries. */
	TSAN_RELEASE(&m->tsan_gp);
	sync_call_rcu(m, &old->rcu, chain_cleared_cb);
out:;
	int rc = dbg_write_end(m);
	GOMAP_ASSERT_EXPENSIVE(rc == 0, m);
	return r;
}

GOMAP_API int gomap_sync_barrier(gomap_sync_t *m)
{
	if (!m)
		return GOMAP_EINVAL;
	upd_guard(m);
	if (rcu_read_ongoing())
		return GOMAP_EBUSY;
	for (unsigned i = 0; i < m->nstripes; i++) {
		struct rstripe *s = &m->rs[i];
		stripe_lock(s);
		struct carrier *c = s->car;
		struct entry *list = s->head;
		uint32_t nlist = s->n;
		s->car = NULL;
		s->head = NULL;
		s->n = 0;
		stripe_unlock(s);
		if (!c && list) {
			c = gomap__alloc(m->alloc, sizeof *c);
			if (c) {
				c->m = m;
				c->n = 0;
			}
		}
		if (c) {
			c->list = list;
			c->nlist = nlist;
			dispatch(m, c);
		} else if (list) {
			/* No memory for a carrier: wait here instead. */
			TSAN_RELEASE(&m->tsan_gp);
			sync_synchronize_rcu();
			TSAN_ACQUIRE(&m->tsan_gp);
			drop_list(m, list, nlist);
		}
	}
	while (any_pending(m)) /* the load that reads 0 orders every callback before us */
		sync_rcu_barrier();
	TSAN_ACQUIRE(&m->tsan_cb);
	return 0;
}

/* ---- creation and destruction ---------------------------------------------------- */

GOMAP_API int gomap_sync_new(gomap_sync_t **out, const gomap_type *kt, const gomap_type *vt,
                             const gomap_sync_options *opt)
{
	if (!out)
		return GOMAP_EINVAL;
	*out = NULL;
	/* Descriptor checks shared by the cmap variants (owned STR/BYTES
	 * values with a destructor are refused: the map frees its copy). */
	int r = gomap__cm_check_types(kt, vt);
	if (r)
		return r;
	if (kt->kind == GOMAP_KIND_RAW && kt->equal && !kt->hash)
		return GOMAP_EINVAL; /* equal keys must hash alike */
	if (vt->size > ((size_t)1 << 30))
		return GOMAP_ERANGE;
	const gomap_allocator *a = opt ? opt->alloc : NULL;
	if (a && (!a->alloc || !a->free))
		return GOMAP_EINVAL;
	gomap_sync_t *m = gomap__alloc(a, sizeof *m + 63);
	if (!m)
		return GOMAP_ENOMEM;
	memset(m, 0, sizeof *m);
	if (a) {
		m->alloc_copy = *a;
		m->alloc = &m->alloc_copy;
	}
	m->kt = *kt;
	m->vt = *vt;
	m->seed = gomap__random_seed();
	switch (kt->kind) {
	case GOMAP_KIND_U64: m->ik = IK_U64; break;
	case GOMAP_KIND_U32: m->ik = IK_U32; break;
	case GOMAP_KIND_PTR: m->ik = sizeof(void *) == 8 ? IK_U64 : IK_U32; break;
	case GOMAP_KIND_STR:
	case GOMAP_KIND_BYTES:
		m->ik = IK_BYTES;
		m->owned = !(kt->flags & GOMAP_TYPE_BORROWED);
		m->is_str = kt->kind == GOMAP_KIND_STR;
		break;
	default: m->ik = IK_GENERIC; break;
	}
	m->is_f64 = kt->kind == GOMAP_KIND_F64;
	/* Keys whose equality is not bytewise identity (f64's -0 == +0, RAW
	 * with a custom equal) are replaced by the caller's on an overwrite,
	 * as Go does (the plain map's rule: not when the key has a destructor,
	 * whose caller may share what the stored key points to). Such maps
	 * publish a new entry per overwrite, so their values are not in place. */
	m->key_update = !kt->destroy && (m->is_f64 || (kt->kind == GOMAP_KIND_RAW && kt->equal));
	m->vown = gomap__cm_user_owned(vt);
	/* Owned values never change in place: readers copy their bytes. */
	m->inplace = vt->size == 8 && !vt->destroy && !m->key_update && !m->vown;
	/* Pair mode: 8-byte or 4-byte integer keys that own nothing, with
	 * in-place values. Each lookup then costs one cache miss, not two. */
	m->pairs = m->inplace && (m->ik == IK_U64 || m->ik == IK_U32) && !kt->destroy && kt->size == (m->ik == IK_U64 ? 8u : 4u);
	m->gavg = m->pairs ? 2 : 4;
	size_t ksz = (kt->kind == GOMAP_KIND_STR || kt->kind == GOMAP_KIND_BYTES) ? sizeof(gomap_bytes) : kt->size;
	/* data[] starts 8 bytes into a malloc-aligned entry: values of 16 bytes
	 * or more start 16-aligned, smaller ones at their size's alignment. */
	size_t valign = vt->size >= 16 ? 16 : vt->size >= 8 ? 8 : vt->size >= 4 ? 4 : vt->size >= 2 ? 2 : 1;
	size_t voff = ksz;
	while ((voff + sizeof(struct entry)) % valign)
		voff++;
	m->ksz = (uint32_t)ksz;
	m->voff = (uint32_t)voff;
	m->vsz = (uint32_t)vt->size;
	m->soff = (uint32_t)(voff + vt->size);
#ifndef GOMAP__SLAB_NONE
	if (!a && !m->owned && !m->vown && !m->pairs) {
		size_t es = sizeof(struct entry) + m->soff, al = valign < 8 ? 8 : valign;
		es = (es + al - 1) / al * al;
		if (es <= GOMAP__SLAB_MAX_SLOT)
			m->slab = (uint32_t)es; /* bigger entries stay on malloc */
	} else if (!a && (m->owned || m->vown) && sizeof(struct entry) + m->soff + m->is_str < 64) {
		/* Owned strings (keys or values): an entry whose bytes fit one
		 * 64-byte slot (16-character keys with 8-byte values do; u64
		 * keys with strings up to 39 characters) is one aligned line in the
		 * slab, on huge pages; a malloc'd one often spans two lines of
		 * a 4 KiB page. Longer ones stay on malloc. */
		m->slab = 64;
	}
#endif
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	size_t ns = pow2_ceil(ncpu > 0 ? (size_t)ncpu * 2 : 8);
	m->nstripes = (uint32_t)(ns < 8 ? 8 : ns > MAX_STRIPES ? MAX_STRIPES : ns);
	m->rs = alloc_aligned(m, sizeof(struct rstripe) * m->nstripes, &m->rs_raw, &m->rs_raw_size);
	struct gen *g = m->rs && !gomap__slab_init(&m->sl, m->slab, m->nstripes, m) ? gen_new(m) : NULL;
	size_t hint = opt ? opt->hint : 0;
	/* The plain map's rule (cmap.h): a hint whose table would be over
	 * Go's 2^48-byte limit is ignored; a sane one is allocated or the
	 * creation fails with GOMAP_ENOMEM. */
	size_t nb = MIN_NB;
	const size_t max_nb = ((size_t)1 << 48) / sizeof(struct bucket);
	if (hint && hint / (m->gavg / 2) < max_nb)
		nb = pow2_ceil(hint / (m->gavg / 2) + 1);
	if (nb < MIN_NB || nb > max_nb)
		nb = MIN_NB;
	struct table *t = g ? table_new(m, nb, g) : NULL;
	if (!t) {
		if (g)
			gen_free(m, g);
		gomap__slab_destroy(&m->sl);
		if (m->rs)
			gomap__free(m->alloc, m->rs_raw, m->rs_raw_size);
		gomap__free(a, m, sizeof *m + 63);
		return GOMAP_ENOMEM;
	}
	atomic_init(&m->cur, t);
#if GOMAP_DEBUG_LEVEL >= 2
	pthread_rwlock_init(&m->dbg_lock, NULL);
#endif
	*out = m;
	return 0;
}

GOMAP_API void gomap_sync_free(gomap_sync_t *m)
{
	if (!m)
		return;
	if (rcu_read_ongoing())
		gomap__fatal("gomap_sync_free called inside an RCU read-side critical section", m, 0);
	/* No call runs any more (the contract), so nothing reaches the current
	 * chain or the queued entries: free them now. Callbacks queued earlier
	 * still use m: wait for them. */
	TSAN_ACQUIRE(&m->tsan_gp);
	for (unsigned i = 0; i < m->nstripes; i++) {
		if (m->rs[i].car)
			carrier_drop(m, m->rs[i].car);
		m->rs[i].car = NULL;
		drop_list(m, m->rs[i].head, m->rs[i].n);
		m->rs[i].head = NULL;
	}
	while (any_pending(m)) /* the load that reads 0 orders every callback before us */
		sync_rcu_barrier();
	TSAN_ACQUIRE(&m->tsan_cb);
	/* Entries with nothing to destroy in slab memory go with their chunks
	 * below, without visiting each. */
	struct table *t = LD(&m->cur, relaxed);
	if (m->slab && !m->owned && !m->vown && !m->kt.destroy && !m->vt.destroy) {
		struct gen *g = t->gen;
		while (t) {
			struct table *nt = next_table_or_null(m, t);
			table_destroy(m, t, false);
			t = nt;
		}
		gen_free(m, g);
	} else {
		chain_destroy(m, t);
	}
	/* The remaining slab chunks (live entries of a map without
	 * destructors, see above). */
	gomap__slab_destroy(&m->sl);
#if GOMAP_DEBUG_LEVEL >= 2
	pthread_rwlock_destroy(&m->dbg_lock);
#endif
	const gomap_allocator *a = m->alloc ? &m->alloc_copy : NULL;
	gomap_allocator acopy;
	if (a) {
		acopy = *a;
		a = &acopy;
	}
	gomap__free(a, m->rs_raw, m->rs_raw_size);
	gomap__free(a, m, sizeof *m + 63);
}

/* ---- statistics and checks --------------------------------------------------------- */

GOMAP_API int gomap_sync_stats_get(const gomap_sync_t *cm, gomap_sync_stats *out)
{
	gomap_sync_t *m = (gomap_sync_t *)cm;
	if (!m || !out)
		return GOMAP_EINVAL;
	memset(out, 0, sizeof *out);
	rd_lock();
	struct table *t = LD(&m->cur, acquire);
	long c = gen_count(m, t->gen);
	out->count = c < 0 ? 0 : (size_t)c;
	out->buckets = t->nb;
	out->overflow_buckets = LD(&t->novf, relaxed);
	out->table_bytes = t->raw_size + out->overflow_buckets * OVF_RAW;
	struct table *nt = LD(&t->next, acquire);
	if (nt) {
		out->resizing = true;
		out->next_buckets = nt->nb;
		out->units = nt->nb > t->nb ? t->nb : nt->nb;
		out->units_migrated = LD(&t->migrated, relaxed);
		out->table_bytes += nt->raw_size + LD(&nt->novf, relaxed) * OVF_RAW;
	}
	rd_unlock(m);
	for (unsigned i = 0; i < m->nstripes; i++) {
		stripe_lock(&m->rs[i]);
		out->pending_free += m->rs[i].n + (m->rs[i].car ? m->rs[i].car->n : 0);
		stripe_unlock(&m->rs[i]);
	}
	out->slab_bytes = gomap__slab_bytes(&m->sl);
	out->grows = LD(&m->grows, relaxed);
	out->shrinks = LD(&m->shrinks, relaxed);
	out->clears = LD(&m->clears, relaxed);
	return 0;
}

static int check_table(gomap_sync_t *m, struct table *t, size_t *live)
{
	/* First the chains' lengths, so that the walks below end (and a loop
	 * is answered GOMAP_EINVAL, not a fatal error from a lookup). */
	size_t novf = 0, tnovf = LD(&t->novf, relaxed);
	for (size_t i = 0; i < t->nb; i++)
		for (struct bucket *x = LD(&t->b[i].next, relaxed); x; x = LD(&x->next, relaxed))
			if (++novf > tnovf)
				return GOMAP_EINVAL;
	novf = 0;
	for (size_t i = 0; i < t->nb; i++) {
		struct bucket *b = &t->b[i];
		uint64_t w = LD(&b->meta, relaxed);
		if (w & M_LOCK)
			return GOMAP_EINVAL;
		bool migrated = w & M_MIGRATED;
		for (struct bucket *x = b; x; x = LD(&x->next, relaxed)) {
			uint64_t xw = x == b ? w : LD(&x->meta, relaxed);
			if (x != b) {
				novf++;
				if (xw & (M_LOCK | M_MIGRATED))
					return GOMAP_EINVAL;
			}
			if (migrated)
				continue;
			for (unsigned k = 0; m->pairs && k < PSLOTS; k++) {
				uint8_t tg = ptag_of(xw, k);
				if (!tg)
					continue;
				uint64_t key = LD(&x->kv[2 * k], relaxed), h = phash(m, key);
				if (bidx(t, h) != i || tg != ptag(h))
					return GOMAP_EINVAL; /* I1 */
				struct bucket *fx = NULL;
				if (pfind_locked(m, t, b, w, h, key, &fx) != (int)k || fx != x)
					return GOMAP_EINVAL; /* I2 */
				(*live)++;
			}
			for (unsigned k = 0; !m->pairs && k < SLOTS; k++) {
				struct entry *e = LD(&x->slot[k], relaxed);
				if (!e)
					continue;
				uint64_t h = LD(&e->u, relaxed);
				if (h & R_RETIRED)
					return GOMAP_EINVAL; /* I4 */
				if (bidx(t, h) != i || (uint8_t)(xw >> (8 * (k + 1))) != htag(h))
					return GOMAP_EINVAL; /* I1 */
				if (!(m->is_f64 && !gomap__type_equal(&m->kt, e->data, e->data))) {
					if (hash_any(m, e->data) != h)
						return GOMAP_EINVAL;
					if (find_any(m, h, e->data) != e)
						return GOMAP_EINVAL; /* I2 */
				}
				(*live)++;
			}
		}
	}
	if (novf != LD(&t->novf, relaxed))
		return GOMAP_EINVAL;
	return 0;
}

GOMAP_API int gomap_sync_check(const gomap_sync_t *cm)
{
	gomap_sync_t *m = (gomap_sync_t *)cm;
	if (!m)
		return GOMAP_EINVAL;
	int r = 0;
	size_t live = 0;
	rd_lock();
	struct table *t = LD(&m->cur, acquire);
	struct table *nt = LD(&t->next, acquire);
	r = check_table(m, t, &live);
	if (!r && nt) {
		if (LD(&nt->next, acquire) || nt->gen != t->gen || nt->seq != t->seq + 1)
			r = GOMAP_EINVAL; /* I5 */
		size_t units = nt->nb > t->nb ? t->nb : nt->nb, done = 0;
		for (size_t u = 0; u < units; u++)
			done += unit_migrated(t, u);
		if (done != LD(&t->migrated, relaxed))
			r = GOMAP_EINVAL;
		if (!r)
			r = check_table(m, nt, &live);
	} else if (!r) {
		for (size_t i = 0; i < t->nb; i++)
			if (LD(&t->b[i].meta, relaxed) & M_MIGRATED)
				r = GOMAP_EINVAL;
	}
	long c = gen_count(m, t->gen);
	rd_unlock(m);
	if (!r && (c < 0 || (size_t)c != live))
		r = GOMAP_EINVAL;
	return r;
}

/* ---- the cmap operation table ------------------------------------------------------- */

/* gomap__sync_cmap_ops, listed by src/cmap.c's registry. */
GOMAP__DEFINE_CMAP_OPS(sync);
