/*
 * src/map.c - the plain map: Go's map semantics on a Swiss-style table that
 * grows incrementally, with Go's concurrent-misuse detection.
 *
 * Layout. A table has cap = 8 * 2^k slots in groups of 8. Control bytes live
 * in their own dense array (one byte per slot, 8 per group, read as one
 * 64-bit word), apart from the slots, so a miss usually touches one cache
 * line of metadata and no key (what st-miss rewards). A slot holds the key
 * then the value; keys or values over 128 bytes are stored indirectly (a
 * pointer to their own allocation), as Go does. String and byte-string keys
 * are stored as {ptr, len}, so a probe compares lengths before bytes; the
 * map's own copies of short ones live in the slot (IK_SKEY, below).
 *
 * Control bytes: EMPTY = 0x00 (so a calloc'd array is an empty table: no
 * memset on growth), DELETED = 0x01 (tombstone), FULL = 0x80 | h2 where
 * h2 is the top 7 bits of the 64-bit hash. The low hash bits pick the home
 * group; probing is triangular over groups (g, g+1, g+3, g+6 ...), which
 * visits every group of a power-of-two table within ngroups steps. A probe
 * stops at the first group holding an EMPTY byte; every probe loop stops
 * after ngroups steps with "fatal error: corrupted map" (only an undetected
 * race can get it there), as do the walks of the retired list. Matching 8
 * control bytes at once uses SWAR (Go 1.24's formulas, adapted to
 * EMPTY = 0).
 *
 * Growth is incremental, as in Go's classic map: when the current table runs
 * out of room, a new table (double, or the same size when tombstones are the
 * cause: Go's same-size grow) becomes current and the old one is kept; every
 * later write migrates MIGRATE_GROUPS old groups, in index order, so no
 * single insert copies the whole table. Reads consult the new table, then
 * the old one. Migration does not clear the old slots: an old slot in a
 * group below migrate_pos is a stale copy (its entry lives in the new
 * table), which lookups ignore and iterators use (see below).
 *
 * Tombstones. An insert takes a tombstone of the first group on its probe
 * that has a free byte, else an EMPTY byte. When the current table has no
 * room left, before growing: tombstones no probe needs become EMPTY in
 * place (prune_tombstones, Go's pruneTombstones), else a table of up to
 * PRUNE_MAX_CAP slots that no iterator pins and no growth involves is
 * rehashed in place (rehash_in_place); only then does it grow. So churn at
 * a constant size allocates nothing, and every pause stays bounded.
 *
 * Key update (Go): an overwrite stores the key it is given where equality
 * is not bytewise (f64, RAW with an equal callback): see update_key.
 *
 * Invariants (checked by gomap_map_check):
 *  I1 cur->full + cur->tombs + (EMPTY bytes of cur) == cur->cap, and every
 *     table has at least one EMPTY byte (so every probe terminates);
 *  I2 count == FULL bytes of cur + FULL bytes of old in groups >= migrate_pos;
 *  I3 a key is live in at most one place, and every live key is found by a
 *     probe from its hash (NaN keys excepted: their hash is random);
 *  I4 while growing, cur->seed == old->seed == m->seed, and old is only
 *     changed by deletes (FULL -> DELETED/EMPTY) and by purges of stale
 *     copies of deleted map-owned keys;
 *  I5 cur has room: cur->full + cur->tombs <= cap*7/8, except after a
 *     growth that could not allocate, where inserts continue while at least
 *     two EMPTY bytes remain;
 *  I6 no live key's probe passes a group holding an EMPTY byte before it
 *     reaches the key's group (which is why a delete in a group that has an
 *     EMPTY byte may leave EMPTY, and why pruning spares some tombstones).
 *
 * Iteration (Go's contract: no key twice, deleted-unreached keys not
 * produced, new keys may or may not be produced, values current). An
 * iterator walks table A (the old table if growing at its start, else the
 * current one) from a random group and slot offset, then, if it started
 * during a growth, table B (the new table at its start). A FULL slot that is
 * live is produced as is; a stale one is looked up again in the live map
 * and produced from there if still present. In table B a key is skipped if
 * table A still holds it (live or stale): it was produced in the first walk.
 * An iterator pins the (at most two) tables it walks: a write that
 * retires a pinned table keeps it on a retired list, and a later write
 * frees it once unpinned; clear voids every pin (it ends iterations). NaN
 * keys cannot be looked up again, so their control byte records whether a
 * migration placed them (CTRL_NAN_MOVED): the second walk skips those. Since a
 * stale copy of a map-owned key (string copy, indirect key) shares the
 * key's memory, deleting such a key also purges its stale copies first.
 *
 * Misuse detection (Go's hashWriting flag): a relaxed C11 atomic byte,
 * toggled by writers after hashing and checked again on exit; reads,
 * iteration steps and clone check it. Relaxed atomics compile to plain
 * loads and stores, yet keep the detector itself free of data races.
 * gomap_map_free leaves the flag set and the magic word MAP_FREED, beyond
 * the bytes malloc reuses, so a use after free lands in the detector,
 * which then says "use of freed map".
 *
 * Internal checks (src/internal/debug.h): GOMAP_ASSERT at growth, migration
 * cursors, counts and inserts; at GOMAP_DEBUG_LEVEL 2, gomap_map_check after
 * writes (validate_after_write).
 */
#include <endian.h>
#include <unistd.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "internal/debug.h"
#include "internal/freeze.h"
#include "internal/probes.h"
#include "internal/util.h"

#define GROUP 8u
#define CTRL_EMPTY 0x00u
#define CTRL_DELETED 0x01u
/* NaN keys cannot be looked up, so their control byte is free to say where
 * they came from: put directly, or placed by a migration (see iteration). */
#define CTRL_NAN_DIRECT 0xFFu
#define CTRL_NAN_MOVED 0xFEu
#define MAX_INLINE 128u
#define MIGRATE_GROUPS 4u
#define LSB 0x0101010101010101ull
#define MSB 0x8080808080808080ull

enum { T_CURRENT, T_OLD, T_RETIRED };

/* Internal key kinds: the fast paths. */
enum { IK_U64, IK_U32, IK_BYTES, IK_SKEY, IK_GENERIC };

/*
 * Owned string keys (IK_SKEY: STR and BYTES keys that the map copies) take
 * SK_SIZE bytes of the slot: {ptr, len, tail[SK_INLINE]}, the first 16 a
 * gomap_bytes as callers see it. A key of up to sk_max bytes (SK_INLINE,
 * less STR's NUL) lives in tail, and ptr points there, into the slot itself:
 * comparing it touches no memory beyond the slot. Every copy of a slot
 * (migration, rehash, rebuild, freeze) repoints it (sk_fix). A longer key
 * has its own block, and tail keeps its first 8 bytes, so that a probe's
 * mismatch is decided by length and prefix, beside the pointer.
 */
#define SK_INLINE 24u
#define SK_SIZE (16u + SK_INLINE)

typedef struct table {
	uint8_t *ctrl;        /* cap bytes */
	unsigned char *slots; /* cap * slot_size bytes */
	size_t cap;           /* slots: 8 * 2^k */
	size_t mask;          /* groups - 1 */
	size_t full;          /* FULL bytes (current table) */
	size_t tombs;         /* DELETED bytes (current table) */
	size_t migrate_pos;   /* old table: groups below are migrated */
	uint64_t seed;
	int state;
	uint8_t mapped;     /* arrays are freeze's page-aligned mappings */
	struct table *next; /* retired list */
	_Atomic size_t pins; /* iterators walking this table */
	size_t dying_slots, dying_ctrl; /* bytes left while being reclaimed */
	/* Cold tail: the hot counters above never share a cache line with
	 * the next heap block (another shard's table, say). */
	char pad_[64];
} table;

/* m->magic: a live map, and one that gomap_map_free gave back. */
#define MAP_LIVE 0x6d617021u
#define MAP_FREED 0xf4eed0a1u

struct gomap_map {
	/* The first 32 bytes are where malloc keeps its free-list links once
	 * the map is freed; the fields that diagnose a use after free
	 * (writing, checks, magic) come after them and survive the free. */
	table *cur, *old;
	uint64_t seed;
	size_t count;
	_Atomic uint8_t writing; /* Go's hashWriting */
	uint8_t ikind;
	uint8_t checks;
	uint8_t frozen;
	uint8_t key_indirect, val_indirect, key_owned, fixed_seed;
	uint8_t has_drops; /* destructors, owned or indirect storage */
	uint8_t key_update; /* equal keys can differ in their bytes (see put) */
	uint8_t sk_max;     /* IK_SKEY: longest key stored in the slot */
	uint32_t magic;     /* MAP_LIVE, or MAP_FREED once freed */
	uint32_t slot_size, voff, ksz, vsz;
	size_t ukey, uval; /* the caller's key and value sizes */
	table *retired;
	size_t nretired; /* tables on the retired list */
	table *dying; /* being given back piecewise (reclaim_step) */
	uint64_t writes;  /* writes so far: paces the level-2 validation */
	uint8_t reshaped; /* a write changed the table layout (level 2) */
	_Atomic uint32_t writer_tid;
	uint64_t clear_seq;
	gomap_type kt, vt;
	const gomap_allocator *alloc;
	gomap_allocator alloc_copy;
	size_t bytes;
	size_t grows, same_size_grows;
	/* Cold tail, as in table: the shard map keeps many maps side by side. */
	char pad_[64];
};

/* ---- small helpers ------------------------------------------------------- */

static inline uint64_t load_group(const uint8_t *ctrl, size_t g)
{
	uint64_t c;
	memcpy(&c, ctrl + g * GROUP, 8);
	return le64toh(c);
}

/* Bytes equal to h2 (rare false positives next to a true match: harmless,
 * the key is compared). */
static inline uint64_t match_h2(uint64_t c, uint64_t h2)
{
	uint64_t x = c ^ (LSB * h2);
	return (x - LSB) & ~x & MSB;
}

/* Any EMPTY byte? Exact as a boolean; its lowest set bit is a true EMPTY. */
static inline uint64_t match_empty(uint64_t c) { return (c - LSB) & ~c & MSB; }
static inline uint64_t match_free(uint64_t c) { return ~c & MSB; } /* EMPTY or DELETED */
static inline uint64_t match_full(uint64_t c) { return c & MSB; }
static inline size_t lowest(uint64_t bits) { return (size_t)__builtin_ctzll(bits) >> 3; }

static inline uint8_t h2_of(uint64_t h) { return (uint8_t)(0x80u | (h >> 57)); }

static bool key_self_equal(const gomap_map_t *m, const unsigned char *s);

/* The control byte for the key in slot s with hash h. */
static inline uint8_t ctrl_for(const gomap_map_t *m, const unsigned char *s, uint64_t h, bool moved)
{
	if (GOMAP_UNLIKELY(m->kt.kind == GOMAP_KIND_F64) && !key_self_equal(m, s))
		return moved ? CTRL_NAN_MOVED : CTRL_NAN_DIRECT;
	return h2_of(h);
}

static inline unsigned char *slot_at(const gomap_map_t *m, const table *t, size_t i)
{
	return t->slots + i * m->slot_size;
}

/* The key as the caller sees it (for indirect keys, the pointee). */
static inline const void *slot_key(const gomap_map_t *m, const unsigned char *s)
{
	return m->key_indirect ? *(void *const *)s : (const void *)s;
}

static inline void *slot_val(const gomap_map_t *m, unsigned char *s)
{
	return m->val_indirect ? *(void **)(s + m->voff) : (void *)(s + m->voff);
}

/* An owned string key kept in its slot (IK_SKEY)? */
static inline bool sk_inline(const gomap_map_t *m, const unsigned char *s)
{
	size_t len;
	memcpy(&len, s + 8, sizeof len);
	return len <= m->sk_max;
}

/* Slot s was copied from elsewhere: an in-slot key's pointer must point
 * into s again. */
static inline void sk_fix(const gomap_map_t *m, unsigned char *s)
{
	if (m->ikind == IK_SKEY && sk_inline(m, s)) {
		unsigned char *p = s + 16;
		memcpy(s, &p, sizeof p);
	}
}

static inline size_t growth_left(const table *t)
{
	size_t limit = t->cap - t->cap / 8;
	size_t used = t->full + t->tombs;
	return used >= limit ? 0 : limit - used;
}

/* Copy a whole slot; the common sizes without a call to memcpy. */
static inline void copy_slot(const gomap_map_t *m, unsigned char *d, const unsigned char *s)
{
	switch (m->slot_size) {
	case 16: memcpy(d, s, 16); break;
	case 24: memcpy(d, s, 24); break;
	case 48: memcpy(d, s, 48); break;
	default: memcpy(d, s, m->slot_size); break;
	}
}

/* Copy a value out; 8-byte values (the common case) without a call. */
static inline void copy_val(const gomap_map_t *m, void *dst, const void *src)
{
	if (GOMAP_LIKELY(m->uval == 8))
		memcpy(dst, src, 8);
	else if (m->uval)
		memcpy(dst, src, m->uval);
}

/* ---- misuse detection --------------------------------------------------- */

/* The detector fired: a race, or a map used after gomap_map_free (which
 * leaves the writing flag set and the magic word poisoned, so that every
 * later access lands here). */
static _Noreturn __attribute__((noinline, cold)) void misuse(const gomap_map_t *m, const char *msg)
{
	if (m->magic == MAP_FREED)
		gomap__fatal("use of freed map", m, 0);
	gomap__fatal(msg, m,
	             atomic_load_explicit(&((gomap_map_t *)m)->writer_tid, memory_order_relaxed));
}

/* A probe, migration or walk ran past its bound: the table is corrupt,
 * which in practice means writes raced while detection was off. */
static _Noreturn __attribute__((noinline, cold)) void corrupt(const gomap_map_t *m)
{
	if (m->magic == MAP_FREED)
		gomap__fatal("use of freed map", m, 0);
	gomap__fatal("corrupted map (concurrent map writes?)", m, 0);
}

static inline void write_begin(gomap_map_t *m)
{
#if GOMAP_MAPCHECKS
	if (GOMAP_LIKELY(m->checks)) {
		uint8_t w = atomic_load_explicit(&m->writing, memory_order_relaxed);
		if (GOMAP_UNLIKELY(w))
			misuse(m, "concurrent map writes");
		atomic_store_explicit(&m->writing, (uint8_t)(w ^ 1), memory_order_relaxed);
		atomic_store_explicit(&m->writer_tid, gomap__tid_fast(), memory_order_relaxed);
		if (GOMAP_UNLIKELY(gomap__racewindow))
			gomap__race_window();
	}
#endif
	if (GOMAP_UNLIKELY(m->frozen))
		gomap__fatal("write to frozen map", m, 0);
}

static inline void write_end(gomap_map_t *m)
{
#if GOMAP_MAPCHECKS
	if (GOMAP_LIKELY(m->checks)) {
		uint8_t w = atomic_load_explicit(&m->writing, memory_order_relaxed);
		if (GOMAP_UNLIKELY(!w))
			misuse(m, "concurrent map writes");
		atomic_store_explicit(&m->writing, (uint8_t)(w ^ 1), memory_order_relaxed);
	}
#else
	(void)m;
#endif
}

static inline void read_check(const gomap_map_t *m, const char *what)
{
#if GOMAP_MAPCHECKS
	if (GOMAP_UNLIKELY(atomic_load_explicit(&((gomap_map_t *)m)->writing, memory_order_relaxed)) &&
	    m->checks)
		misuse(m, what);
#else
	(void)m;
	(void)what;
#endif
}

/* ---- hashing and key comparison ------------------------------------------ */

/* Turn the caller's key into the probe form: STR becomes {ptr, strlen}. */
static inline int probe_key(const gomap_map_t *m, const void *key, gomap_bytes *q, const void **out)
{
	return gomap__probe_key(m->kt.kind, key, q, out);
}

static inline __attribute__((always_inline)) uint64_t hash_probe(const gomap_map_t *m, const void *qk,
                                                                 uint64_t seed, int ik)
{
	switch (ik) {
	case IK_U64: return XXH3_64bits_withSeed(qk, 8, seed);
	case IK_U32: return XXH3_64bits_withSeed(qk, 4, seed);
	case IK_BYTES:
	case IK_SKEY: {
		const gomap_bytes *b = qk;
		return XXH3_64bits_withSeed(b->ptr, b->len, seed);
	}
	default: return gomap__type_hash(&m->kt, qk, seed);
	}
}

static uint64_t hash_probe_any(const gomap_map_t *m, const void *qk, uint64_t seed)
{
	switch (m->ikind) {
	case IK_U64: return hash_probe(m, qk, seed, IK_U64);
	case IK_U32: return hash_probe(m, qk, seed, IK_U32);
	case IK_BYTES: return hash_probe(m, qk, seed, IK_BYTES);
	case IK_SKEY: return hash_probe(m, qk, seed, IK_SKEY);
	default: return hash_probe(m, qk, seed, IK_GENERIC);
	}
}

/* Hash of a stored key (the slot's form is the probe form). */
static uint64_t hash_slot(const gomap_map_t *m, const unsigned char *s, uint64_t seed)
{
	return hash_probe_any(m, slot_key(m, s), seed);
}

static inline __attribute__((always_inline)) bool key_eq(const gomap_map_t *m, const unsigned char *s,
                                                         const void *qk, int ik)
{
	switch (ik) {
	case IK_U64: {
		uint64_t a, b;
		memcpy(&a, s, 8);
		memcpy(&b, qk, 8);
		return a == b;
	}
	case IK_U32: {
		uint32_t a, b;
		memcpy(&a, s, 4);
		memcpy(&b, qk, 4);
		return a == b;
	}
	case IK_BYTES: {
		const gomap_bytes *a = (const gomap_bytes *)(const void *)s, *b = qk;
		return a->len == b->len &&
		       (a->len == 0 || a->ptr == b->ptr || memcmp(a->ptr, b->ptr, a->len) == 0);
	}
	case IK_SKEY: {
		const gomap_bytes *b = qk;
		size_t len;
		memcpy(&len, s + 8, sizeof len);
		if (len != b->len)
			return false;
		if (len <= m->sk_max)
			return len == 0 || memcmp(s + 16, b->ptr, len) == 0;
		const unsigned char *p;
		memcpy(&p, s, sizeof p);
		return memcmp(s + 16, b->ptr, 8) == 0 &&
		       memcmp(p + 8, (const unsigned char *)b->ptr + 8, len - 8) == 0;
	}
	default: return gomap__type_equal(&m->kt, slot_key(m, s), qk);
	}
}

static bool key_eq_any(const gomap_map_t *m, const unsigned char *s, const void *qk)
{
	switch (m->ikind) {
	case IK_U64: return key_eq(m, s, qk, IK_U64);
	case IK_U32: return key_eq(m, s, qk, IK_U32);
	case IK_BYTES: return key_eq(m, s, qk, IK_BYTES);
	case IK_SKEY: return key_eq(m, s, qk, IK_SKEY);
	default: return key_eq(m, s, qk, IK_GENERIC);
	}
}

static bool key_self_equal(const gomap_map_t *m, const unsigned char *s)
{
	if (m->kt.kind != GOMAP_KIND_F64)
		return true;
	double d;
	memcpy(&d, s, 8);
	return d == d;
}

/* ---- probing ----------------------------------------------------------- */

/* Find the slot index holding qk in t, or SIZE_MAX. In an old table
 * (is_old), matches in groups below migrate_pos are stale copies and are
 * ignored. Kept short: fewer instructions per lookup let the CPU overlap
 * the cache misses of successive lookups. */
static inline __attribute__((always_inline)) size_t tfind(const gomap_map_t *m, const table *t,
                                                          const void *qk, uint64_t h, int ik,
                                                          bool is_old)
{
	size_t mask = t->mask, g = (size_t)h & mask, step = 0;
	uint64_t h2 = h2_of(h);
	for (;;) {
		uint64_t c = load_group(t->ctrl, g);
		for (uint64_t mt = match_h2(c, h2); mt; mt &= mt - 1) {
			size_t i = g * GROUP + lowest(mt);
			if (key_eq(m, slot_at(m, t, i), qk, ik) && (!is_old || g >= t->migrate_pos))
				return i;
		}
		if (GOMAP_LIKELY(match_empty(c)))
			return SIZE_MAX;
		/* Every group was visited within mask + 1 steps, and every
		 * table has an EMPTY byte (I1): past that, it is corrupt. */
		if (GOMAP_UNLIKELY(step == mask))
			corrupt(m);
		g = (g + ++step) & mask;
	}
}

/* Bytes equal to CTRL_DELETED; the lowest set bit is exact. */
static inline uint64_t match_deleted(uint64_t c)
{
	uint64_t x = c ^ (LSB * CTRL_DELETED);
	return (x - LSB) & ~x & MSB;
}

/* The slot an insert of hash h takes: in the first group on h's probe
 * sequence that has a free byte, a tombstone if it has one (reusing it
 * costs no room), else its first EMPTY byte. */
static size_t find_insert_pos(const gomap_map_t *m, const table *t, uint64_t h)
{
	size_t mask = t->mask, g = (size_t)h & mask, step = 0;
	for (;;) {
		uint64_t c = load_group(t->ctrl, g);
		uint64_t f = match_free(c);
		if (f) {
			uint64_t d = match_deleted(c);
			return g * GROUP + lowest(d ? d : f);
		}
		if (GOMAP_UNLIKELY(step == mask))
			corrupt(m); /* no free byte at all: I1 is broken */
		g = (g + ++step) & mask;
	}
}

/* tfind for a write to the current table: also sets *ins to the slot
 * find_insert_pos would pick (the first group on the probe with a free
 * byte is passed before the EMPTY byte that ends the probe), so an insert
 * of a new key probes once. */
static inline __attribute__((always_inline)) size_t tfind_put(const gomap_map_t *m, const table *t,
                                                              const void *qk, uint64_t h, int ik,
                                                              size_t *ins)
{
	size_t mask = t->mask, g = (size_t)h & mask, step = 0, ip = SIZE_MAX;
	uint64_t h2 = h2_of(h);
	for (;;) {
		uint64_t c = load_group(t->ctrl, g);
		for (uint64_t mt = match_h2(c, h2); mt; mt &= mt - 1) {
			size_t i = g * GROUP + lowest(mt);
			if (key_eq(m, slot_at(m, t, i), qk, ik))
				return i;
		}
		uint64_t f = match_free(c);
		if (f && ip == SIZE_MAX) {
			uint64_t d = match_deleted(c);
			ip = g * GROUP + lowest(d ? d : f);
		}
		if (GOMAP_LIKELY(match_empty(c))) {
			*ins = ip;
			return SIZE_MAX;
		}
		if (GOMAP_UNLIKELY(step == mask))
			corrupt(m);
		g = (g + ++step) & mask;
	}
}

/* Start loading the home group's slots while the control bytes load: the
 * two cache misses of a hit then overlap instead of following each other. */
static inline void prefetch_home(const gomap_map_t *m, const table *t, uint64_t h)
{
	const unsigned char *home = t->slots + ((size_t)h & t->mask) * GROUP * m->slot_size;
	__builtin_prefetch(home);
	__builtin_prefetch(home + 64);
}

/* Live lookup over cur then old. Returns the slot pointer or NULL. */
static inline __attribute__((always_inline)) unsigned char *lookup(const gomap_map_t *m, const void *qk,
                                                                   uint64_t h, int ik, table **where,
                                                                   size_t *idx)
{
	table *t = m->cur;
	if (GOMAP_UNLIKELY(!t))
		return NULL;
	prefetch_home(m, t, h);
	size_t i = tfind(m, t, qk, h, ik, false);
	if (GOMAP_LIKELY(i != SIZE_MAX)) {
		if (where) {
			*where = t;
			*idx = i;
		}
		return slot_at(m, t, i);
	}
	t = m->old;
	if (GOMAP_LIKELY(!t))
		return NULL;
	i = tfind(m, t, qk, h, ik, true);
	if (i == SIZE_MAX)
		return NULL;
	if (where) {
		*where = t;
		*idx = i;
	}
	return slot_at(m, t, i);
}

/* lookup for put_impl: *ins is where a new key goes in the current table
 * (SIZE_MAX when there is no current table). */
static inline __attribute__((always_inline)) unsigned char *lookup_put(const gomap_map_t *m, const void *qk,
                                                                       uint64_t h, int ik, size_t *ins)
{
	table *t = m->cur;
	*ins = SIZE_MAX;
	if (GOMAP_UNLIKELY(!t))
		return NULL;
	prefetch_home(m, t, h);
	size_t i = tfind_put(m, t, qk, h, ik, ins);
	if (GOMAP_LIKELY(i != SIZE_MAX))
		return slot_at(m, t, i);
	t = m->old;
	if (GOMAP_LIKELY(!t))
		return NULL;
	i = tfind(m, t, qk, h, ik, true);
	return i == SIZE_MAX ? NULL : slot_at(m, t, i);
}

static unsigned char *lookup_any(const gomap_map_t *m, const void *qk, uint64_t h, table **where, size_t *idx)
{
	switch (m->ikind) {
	case IK_U64: return lookup(m, qk, h, IK_U64, where, idx);
	case IK_U32: return lookup(m, qk, h, IK_U32, where, idx);
	case IK_BYTES: return lookup(m, qk, h, IK_BYTES, where, idx);
	case IK_SKEY: return lookup(m, qk, h, IK_SKEY, where, idx);
	default: return lookup(m, qk, h, IK_GENERIC, where, idx);
	}
}

/* ---- tables ---------------------------------------------------------------- */

static table *table_new(gomap_map_t *m, size_t cap, uint64_t seed)
{
	if (cap > SIZE_MAX / 2 / m->slot_size)
		return NULL;
	table *t = gomap__alloc(m->alloc, sizeof *t);
	if (!t)
		return NULL;
	t->ctrl = gomap__alloc_zeroed(m->alloc, cap);
	t->slots = t->ctrl ? gomap__alloc(m->alloc, cap * m->slot_size) : NULL;
	if (!t->slots) {
		gomap__free(m->alloc, t->ctrl, cap);
		gomap__free(m->alloc, t, sizeof *t);
		return NULL;
	}
	gomap__advise_huge(m->alloc, t->ctrl, cap);
	gomap__advise_huge(m->alloc, t->slots, cap * m->slot_size);
	t->cap = cap;
	t->mask = cap / GROUP - 1;
	t->full = t->tombs = t->migrate_pos = 0;
	t->seed = seed;
	t->state = T_CURRENT;
	t->mapped = 0;
	t->next = NULL;
	atomic_init(&t->pins, 0);
	t->dying_slots = t->dying_ctrl = 0;
	m->bytes += sizeof *t + cap + cap * m->slot_size;
	return t;
}

/* Freeze (end of file, memory side in freeze.c): unmap a table's mapped
 * arrays (and NULL them); make a frozen map writable again. */
static void table_unmap(gomap_map_t *m, table *t);
static void freeze_off(gomap_map_t *m);

static void table_free(gomap_map_t *m, table *t)
{
	if (!t)
		return;
	m->bytes -= sizeof *t + t->cap + t->cap * m->slot_size;
	if (GOMAP_UNLIKELY(t->mapped))
		table_unmap(m, t);
	gomap__free(m->alloc, t->slots, t->cap * m->slot_size);
	gomap__free(m->alloc, t->ctrl, t->cap);
	gomap__free(m->alloc, t, sizeof *t);
}

/*
 * Freeing a big table at once costs milliseconds (unmapping is paid per
 * page), which would undo incremental growth. A table
 * from the default allocator that is big enough is instead given back in
 * RECLAIM_STEP pieces, one per later write, by shrinking it with realloc
 * (an in-place mremap for glibc's mmapped blocks).
 */
#define RECLAIM_STEP ((size_t)2 << 20)

static void reclaim_step(gomap_map_t *m)
{
	table *t = m->dying;
	size_t *sizes[2] = {&t->dying_slots, &t->dying_ctrl};
	void **ptrs[2] = {(void **)&t->slots, (void **)&t->ctrl};
	for (int k = 0; k < 2; k++) {
		size_t n = *sizes[k];
		if (n <= RECLAIM_STEP)
			continue;
		void *p = realloc(*ptrs[k], n - RECLAIM_STEP);
		if (p) {
			*ptrs[k] = p;
			*sizes[k] = n - RECLAIM_STEP;
			m->bytes -= RECLAIM_STEP;
		}
		return;
	}
	m->dying = NULL;
	m->bytes -= sizeof *t + t->dying_slots + t->dying_ctrl;
	free(t->slots);
	free(t->ctrl);
	free(t);
}

static void reclaim_all(gomap_map_t *m)
{
	while (m->dying)
		reclaim_step(m);
}

static void table_free_gradual(gomap_map_t *m, table *t)
{
	size_t slot_bytes = t->cap * m->slot_size;
	if (m->alloc || t->mapped || slot_bytes < 4 * RECLAIM_STEP) {
		table_free(m, t);
		return;
	}
	reclaim_all(m);
	t->dying_slots = slot_bytes;
	t->dying_ctrl = t->cap;
	m->dying = t;
}

static void free_retired(gomap_map_t *m)
{
	for (size_t n = 0; m->retired; n++) {
		if (GOMAP_UNLIKELY(n == m->nretired))
			corrupt(m); /* a cycle, or a count that lies */
		table *t = m->retired;
		m->retired = t->next;
		table_free(m, t);
	}
	m->nretired = 0;
}

/* Give back the retired tables that no iterator pins. Called at the start
 * of a write, never in its middle: the write's own key or value argument
 * may point into a table that the write retires (put(m, k2, get_ptr(k1))). */
static void release_retired(gomap_map_t *m)
{
	table **pp = &m->retired;
	size_t left = m->nretired;
	while (*pp) {
		if (GOMAP_UNLIKELY(left-- == 0))
			corrupt(m);
		table *t = *pp;
		if (atomic_load_explicit(&t->pins, memory_order_relaxed) == 0) {
			*pp = t->next;
			m->nretired--;
			table_free_gradual(m, t);
		} else {
			pp = &t->next;
		}
	}
}

/* A table leaves service; release_retired frees it once no iterator pins
 * it (an abandoned iterator pins at most its two tables). */
static void retire(gomap_map_t *m, table *t)
{
	if (!t)
		return;
	GOMAP_ASSERT_MAP(t != m->cur && t != m->old && t->state != T_RETIRED, m);
	t->state = T_RETIRED;
	t->next = m->retired;
	m->retired = t;
	m->nretired++;
}

static size_t cap_for(size_t n)
{
	size_t cap = GROUP;
	while (cap - cap / 8 < n) {
		if (cap > SIZE_MAX / 4)
			return 0;
		cap *= 2;
	}
	return cap;
}

/* ---- dropping keys and values ------------------------------------------------ */

static void drop_key(gomap_map_t *m, unsigned char *s, bool destroy)
{
	if (destroy && m->kt.destroy)
		m->kt.destroy((void *)slot_key(m, s), m->kt.ctx);
	if (m->key_owned) {
		if (sk_inline(m, s))
			return; /* nothing beyond the slot */
		gomap_bytes *b = (gomap_bytes *)(void *)s;
		size_t n = b->len + (m->kt.kind == GOMAP_KIND_STR);
		gomap__free(m->alloc, (void *)b->ptr, n);
		m->bytes -= n ? n : 1;
	} else if (m->key_indirect) {
		gomap__free(m->alloc, *(void **)s, m->ukey);
		m->bytes -= m->ukey;
	}
}

static void drop_val(gomap_map_t *m, unsigned char *s, bool destroy)
{
	if (destroy && m->vt.destroy)
		m->vt.destroy(slot_val(m, s), m->vt.ctx);
	if (m->val_indirect) {
		gomap__free(m->alloc, *(void **)(s + m->voff), m->uval);
		m->bytes -= m->uval;
	}
}

/* Remove stale copies of the map-owned key in slot s from old and retired
 * tables, before its memory is freed (see the file comment). */
static void purge_stale(gomap_map_t *m, const unsigned char *s, table *home)
{
	const void *p = *(void *const *)s; /* owned pointer: identity */
	table *lists[2] = {m->old, m->retired};
	for (int l = 0; l < 2; l++) {
		size_t left = l == 0 ? 1 : m->nretired;
		for (table *t = lists[l]; t; t = (l == 0) ? NULL : t->next) {
			if (GOMAP_UNLIKELY(left-- == 0))
				corrupt(m);
			if (t == home)
				continue;
			uint64_t h = hash_slot(m, s, t->seed);
			size_t mask = t->mask, g = (size_t)h & mask, step = 0;
			for (;;) {
				uint64_t c = load_group(t->ctrl, g);
				bool done = false;
				for (uint64_t mt = match_h2(c, h2_of(h)); mt; mt &= mt - 1) {
					size_t i = g * GROUP + lowest(mt);
					if (*(void *const *)slot_at(m, t, i) == p) {
						t->ctrl[i] = match_empty(c) ? CTRL_EMPTY : CTRL_DELETED;
						done = true;
						break;
					}
				}
				if (done || match_empty(c) || step > mask)
					break;
				g = (g + ++step) & mask;
			}
		}
	}
}

/* ---- growth ------------------------------------------------------------------- */

/* Move the entries of old groups [o->migrate_pos, end) into t. The hash
 * and the slot copy are specialised for the common key kinds (ik). */
static inline __attribute__((always_inline)) void migrate_groups(gomap_map_t *m, table *o, table *t,
                                                                 size_t end, int ik)
{
	for (size_t g = o->migrate_pos; g < end; g++) {
		uint64_t c = load_group(o->ctrl, g);
		for (uint64_t f = match_full(c); f; f &= f - 1) {
			size_t i = g * GROUP + lowest(f);
			const unsigned char *s = slot_at(m, o, i);
			uint64_t h = ik == IK_U64 || ik == IK_SKEY ? hash_probe(m, s, t->seed, ik)
			                                           : hash_slot(m, s, t->seed);
			size_t j = find_insert_pos(m, t, h);
			if (t->ctrl[j] == CTRL_DELETED)
				t->tombs--;
			unsigned char *d = slot_at(m, t, j);
			if (ik == IK_U64) {
				t->ctrl[j] = h2_of(h);
				if (m->slot_size == 16)
					memcpy(d, s, 16);
				else
					copy_slot(m, d, s);
			} else {
				t->ctrl[j] = ctrl_for(m, s, h, true);
				copy_slot(m, d, s);
				sk_fix(m, d);
			}
			t->full++;
		}
	}
}

static void migrate(gomap_map_t *m, size_t ngroups)
{
	table *o = m->old, *t = m->cur;
	GOMAP_ASSERT_MAP(o && t && o->state == T_OLD && t->state == T_CURRENT, m);
	size_t groups = o->mask + 1;
	GOMAP_ASSERT_MAP(ngroups > 0 && o->migrate_pos < groups && o->seed == t->seed, m);
	size_t end = o->migrate_pos + ngroups;
	if (end > groups)
		end = groups;
	switch (m->ikind) {
	case IK_U64: migrate_groups(m, o, t, end, IK_U64); break;
	case IK_SKEY: migrate_groups(m, o, t, end, IK_SKEY); break;
	default: migrate_groups(m, o, t, end, IK_GENERIC); break;
	}
	/* I1: the new table keeps an EMPTY byte (it was sized for every
	 * entry with room to spare). */
	GOMAP_ASSERT_MAP(t->full + t->tombs < t->cap && t->full <= t->cap - t->cap / 8, m);
	o->migrate_pos = end;
	GOMAP_PROBE_EVACUATE(m, end, groups);
	if (end == groups) {
		m->old = NULL;
		retire(m, o);
		m->reshaped = 1;
		GOMAP_PROBE_GROW_END(m, t->cap);
	}
}

static void finish_migration(gomap_map_t *m)
{
	if (m->old)
		migrate(m, m->old->mask + 1);
}

/*
 * Tombstone pruning (Go's pruneTombstones, internal/runtime/maps). A
 * tombstone is needed only in a group that some live key's probe passes
 * through before reaching the key's own group (I6): an EMPTY byte there
 * would end that probe early. Every other tombstone can become EMPTY again,
 * in place: no entry moves, so iterators, pinned tables and pointers from
 * get_ptr are unaffected. Only worth its O(cap) walk when it wins back a
 * tenth of the table, and only for tables up to PRUNE_MAX_CAP slots (a
 * bounded pause, like one step of migration); bigger tables rehash away
 * tombstones with an incremental same-size growth instead. Without it, a
 * small map under delete/insert churn regrows at the same size over and
 * over (TestTombstoneGrow). Returns true when tombstones were pruned.
 */
#define PRUNE_MAX_CAP 1024u

static bool prune_tombstones(gomap_map_t *m, table *t)
{
	if (t->cap > PRUNE_MAX_CAP || t->tombs * 10 < t->cap)
		return false;
	uint64_t needed[PRUNE_MAX_CAP / GROUP / 64] = {0};
	size_t mask = t->mask;
	for (size_t g = 0; g <= mask; g++) {
		for (uint64_t f = match_full(load_group(t->ctrl, g)); f; f &= f - 1) {
			const unsigned char *s = slot_at(m, t, g * GROUP + lowest(f));
			if (!key_self_equal(m, s))
				continue; /* NaN: never probed for */
			uint64_t h = hash_slot(m, s, t->seed);
			size_t p = (size_t)h & mask, step = 0;
			while (p != g) {
				needed[p / 64] |= 1ull << (p % 64);
				if (GOMAP_UNLIKELY(step == mask))
					corrupt(m); /* the key is not on its own probe */
				p = (p + ++step) & mask;
			}
		}
	}
	size_t prunable = 0;
	for (size_t g = 0; g <= mask; g++)
		if (!(needed[g / 64] >> (g % 64) & 1))
			for (size_t i = g * GROUP; i < (g + 1) * GROUP; i++)
				prunable += t->ctrl[i] == CTRL_DELETED;
	if (prunable * 10 < t->cap)
		return false; /* not worth it: grow instead */
	m->reshaped = 1;
	for (size_t g = 0; g <= mask; g++)
		if (!(needed[g / 64] >> (g % 64) & 1))
			for (size_t i = g * GROUP; i < (g + 1) * GROUP; i++)
				if (t->ctrl[i] == CTRL_DELETED)
					t->ctrl[i] = CTRL_EMPTY;
	GOMAP_ASSERT_MAP(prunable <= t->tombs, m);
	t->tombs -= prunable;
	return true;
}

/*
 * Rehash a small table in place, without allocating (Abseil's
 * drop-deletes-without-resize), when pruning could not win room back. It
 * moves entries, so only for a current table that no iterator pins, with
 * no growth in progress (no stale copies elsewhere to keep consistent):
 * tombstones become EMPTY, every entry is marked "to place" (DELETED),
 * then each one goes to the first free slot of its probe sequence: it
 * stays if that is in its own group, moves to an EMPTY slot, or swaps
 * with another entry still to place, which is then placed in turn. A
 * placed entry never moves again and only groups that had a free byte
 * when it was placed can get EMPTY bytes later, so I6 holds at the end.
 * *val, if it points into the slots (put(m, k, get_ptr(m, k2))), is
 * copied to @vbuf first (its entry may move).
 */
static void rehash_in_place(gomap_map_t *m, table *t, const void **val, unsigned char *vbuf)
{
	const unsigned char *lo = t->slots, *hi = t->slots + t->cap * m->slot_size;
	if (*val && (const unsigned char *)*val >= lo && (const unsigned char *)*val < hi) {
		memcpy(vbuf, *val, m->uval);
		*val = vbuf;
	}
	uint64_t moved[PRUNE_MAX_CAP / 64] = {0}; /* NaN keys placed by a migration */
	uint8_t *ctrl = t->ctrl;
	for (size_t i = 0; i < t->cap; i++) {
		if (ctrl[i] == CTRL_NAN_MOVED)
			moved[i / 64] |= 1ull << (i % 64);
		ctrl[i] = (ctrl[i] & 0x80) ? CTRL_DELETED : CTRL_EMPTY;
	}
	unsigned char tmp[2 * MAX_INLINE + 64];
	size_t mask = t->mask, budget = 2 * t->cap;
	for (size_t i = 0; i < t->cap; i++) {
		if (ctrl[i] != CTRL_DELETED)
			continue;
		if (GOMAP_UNLIKELY(budget-- == 0))
			corrupt(m);
		unsigned char *s = slot_at(m, t, i);
		bool mv = moved[i / 64] >> (i % 64) & 1;
		uint64_t h = hash_slot(m, s, t->seed);
		size_t g = (size_t)h & mask, step = 0;
		uint64_t c;
		while (!match_free(c = load_group(ctrl, g))) {
			if (GOMAP_UNLIKELY(step == mask))
				corrupt(m);
			g = (g + ++step) & mask;
		}
		if (g == i / GROUP) {
			ctrl[i] = ctrl_for(m, s, h, mv);
			continue;
		}
		uint64_t e = match_empty(c);
		size_t j = g * GROUP + lowest(e ? e : match_free(c));
		unsigned char *d = slot_at(m, t, j);
		bool dmv = moved[j / 64] >> (j % 64) & 1;
		moved[j / 64] = (moved[j / 64] & ~(1ull << (j % 64))) | ((uint64_t)mv << (j % 64));
		if (ctrl[j] == CTRL_EMPTY) {
			memcpy(d, s, m->slot_size);
			sk_fix(m, d);
			ctrl[i] = CTRL_EMPTY;
			if (GOMAP_DEBUG_LEVEL >= 1) /* a stale pointer reads junk */
				memset(s, 0xdb, m->slot_size);
		} else { /* another entry to place: swap, then place that one */
			memcpy(tmp, d, m->slot_size);
			memcpy(d, s, m->slot_size);
			memcpy(s, tmp, m->slot_size);
			sk_fix(m, d);
			sk_fix(m, s);
			moved[i / 64] = (moved[i / 64] & ~(1ull << (i % 64))) | ((uint64_t)dmv << (i % 64));
			i--;
		}
		ctrl[j] = ctrl_for(m, d, h, mv);
	}
	t->tombs = 0;
}

/* Win room back in the current table @t without allocating: prune, or
 * rehash in place where that is allowed. Returns true when there is room. */
static bool make_room(gomap_map_t *m, table *t, const void **val, unsigned char *vbuf)
{
	if (prune_tombstones(m, t))
		return true;
	if (t->cap > PRUNE_MAX_CAP || m->old || t->tombs == 0 ||
	    atomic_load_explicit(&t->pins, memory_order_relaxed) != 0 ||
	    m->count * 16 >= t->cap * 7)
		return false; /* a growth it is */
	rehash_in_place(m, t, val, vbuf);
	m->reshaped = 1;
	GOMAP_ASSERT_MAP(t->tombs == 0 && growth_left(t) > 0, m);
	return true;
}

/* Start a growth. Returns 0, or GOMAP_ENOMEM (nothing changed). */
static int grow(gomap_map_t *m)
{
	finish_migration(m);
	table *t = m->cur;
	size_t cap;
	bool same = false;
	if (!t)
		cap = GROUP;
	else if (m->count * 16 >= t->cap * 7)
		cap = t->cap * 2;
	else {
		cap = t->cap; /* mostly tombstones: rehash at the same size */
		same = true;
	}
	if (cap < GROUP)
		return GOMAP_ENOMEM;
	/* The new table holds every entry with room to spare (I5), so the
	 * migration can never fill it. */
	GOMAP_ASSERT_MAP(!m->old && (cap & (cap - 1)) == 0 && cap - cap / 8 > m->count, m);
	table *nt = table_new(m, cap, m->seed);
	if (!nt)
		return GOMAP_ENOMEM;
	m->cur = nt;
	m->reshaped = 1;
	GOMAP_PROBE_GROW_START(m, t ? t->cap : 0, cap, same);
	if (t) {
		t->state = T_OLD;
		t->migrate_pos = 0;
		m->old = t;
		m->grows++;
		m->same_size_grows += same;
	}
	return 0;
}

/* ---- creation ---------------------------------------------------------------- */

static uint32_t align_of_size(size_t n)
{
	uint32_t a = 1;
	while (a < 16 && n % (a * 2) == 0)
		a *= 2;
	return a;
}

GOMAP_API int gomap_map_new_opts(gomap_map_t **out, const gomap_type *kt, const gomap_type *vt,
                                 const gomap_map_options *opt)
{
	if (!out)
		return GOMAP_EINVAL;
	*out = NULL;
	int r = gomap__type_check(kt, true);
	if (r)
		return r;
	if (!vt)
		return GOMAP_EINVAL;
	r = gomap__type_check(vt, false);
	if (r)
		return r;
	const gomap_allocator *a = opt ? opt->alloc : NULL;
	if (a && (!a->alloc || !a->free))
		return GOMAP_EINVAL;
	gomap_map_t *m = gomap__alloc(a, sizeof *m);
	if (!m)
		return GOMAP_ENOMEM;
	memset(m, 0, sizeof *m);
	m->magic = MAP_LIVE;
	if (a) {
		m->alloc_copy = *a;
		m->alloc = &m->alloc_copy;
	}
	m->kt = *kt;
	m->vt = *vt;
	m->ukey = kt->size;
	m->uval = vt->size;
	switch (kt->kind) {
	case GOMAP_KIND_U64:
		m->ikind = IK_U64;
		break;
	case GOMAP_KIND_PTR:
		m->ikind = sizeof(void *) == 8 ? IK_U64 : IK_U32;
		break;
	case GOMAP_KIND_U32:
		m->ikind = IK_U32;
		break;
	case GOMAP_KIND_STR:
	case GOMAP_KIND_BYTES:
		m->key_owned = !(kt->flags & GOMAP_TYPE_BORROWED);
		m->ikind = m->key_owned ? IK_SKEY : IK_BYTES;
		m->sk_max = (uint8_t)(SK_INLINE - (kt->kind == GOMAP_KIND_STR));
		break;
	case GOMAP_KIND_F64:
		m->ikind = IK_GENERIC;
		m->key_update = !kt->destroy; /* -0 == +0 */
		break;
	default:
		m->ikind = IK_GENERIC;
		m->key_update = kt->equal != NULL && !kt->destroy;
		/* RAW keys with a custom equality but no hash would break the
		 * rule that equal keys hash alike unless equality is bytewise. */
		if (kt->kind == GOMAP_KIND_RAW && kt->equal && !kt->hash) {
			gomap__free(a, m, sizeof *m);
			return GOMAP_EINVAL;
		}
		break;
	}
	size_t ks = m->ikind == IK_SKEY ? SK_SIZE : kt->kind == GOMAP_KIND_STR ? sizeof(gomap_bytes) : kt->size;
	m->key_indirect = ks > MAX_INLINE;
	m->val_indirect = vt->size > MAX_INLINE;
	m->ksz = m->key_indirect ? sizeof(void *) : (uint32_t)ks;
	m->vsz = m->val_indirect ? sizeof(void *) : (uint32_t)vt->size;
	uint32_t ka = m->key_indirect ? (uint32_t)sizeof(void *) : align_of_size(m->ksz);
	uint32_t va = m->vsz ? (m->val_indirect ? (uint32_t)sizeof(void *) : align_of_size(m->vsz)) : 1;
	if (kt->kind == GOMAP_KIND_STR || kt->kind == GOMAP_KIND_BYTES)
		ka = sizeof(void *);
	m->voff = (m->ksz + va - 1) / va * va;
	uint32_t sa = ka > va ? ka : va;
	m->slot_size = (m->voff + m->vsz + sa - 1) / sa * sa;
	m->has_drops = kt->destroy || vt->destroy || m->key_owned || m->key_indirect || m->val_indirect;
#if GOMAP_MAPCHECKS
	m->checks = gomap__mapchecks != 0;
#endif
	m->seed = gomap__random_seed();
	m->bytes = sizeof *m;
	size_t hint = opt ? opt->hint : 0;
	if (hint > 0) {
		size_t cap = cap_for(hint);
		/* A bogus hint (a table over Go's 2^48-byte allocation limit) is
		 * ignored, as in Go; a sane one that cannot be had is an error. */
		if (cap && cap <= ((uint64_t)1 << 48) / (m->slot_size + 1)) {
			m->cur = table_new(m, cap, m->seed);
			if (!m->cur) {
				gomap__free(a, m, sizeof *m);
				return GOMAP_ENOMEM;
			}
		}
	}
	*out = m;
	return 0;
}

int gomap__map_new_seeded(gomap_map_t **out, const gomap_type *kt, const gomap_type *vt,
                          const gomap_map_options *opt, uint64_t seed)
{
	int r = gomap_map_new_opts(out, kt, vt, opt);
	if (r)
		return r;
	gomap_map_t *m = *out;
	m->seed = seed;
	m->fixed_seed = 1;
	if (m->cur)
		m->cur->seed = seed;
	return 0;
}

GOMAP_API int gomap_map_new(gomap_map_t **out, const gomap_type *kt, const gomap_type *vt, size_t hint)
{
	gomap_map_options o = {hint, NULL};
	return gomap_map_new_opts(out, kt, vt, &o);
}

/* Drop every live key and value (cur, and old groups not yet migrated). */
static void drop_all(gomap_map_t *m)
{
	if (!m->has_drops)
		return;
	table *ts[2] = {m->cur, m->old};
	for (int k = 0; k < 2; k++) {
		table *t = ts[k];
		if (!t)
			continue;
		for (size_t g = t->migrate_pos; g <= t->mask; g++) {
			for (uint64_t f = match_full(load_group(t->ctrl, g)); f; f &= f - 1) {
				unsigned char *s = slot_at(m, t, g * GROUP + lowest(f));
				drop_key(m, s, true);
				drop_val(m, s, true);
			}
		}
	}
}

GOMAP_API void gomap_map_free(gomap_map_t *m)
{
	if (!m)
		return;
	if (GOMAP_UNLIKELY(m->magic != MAP_LIVE))
		gomap__fatal(m->magic == MAP_FREED ? "use of freed map (double free)"
		                                   : "free of a map that is not live",
		             m, 0);
	if (GOMAP_UNLIKELY(m->frozen))
		freeze_off(m); /* freeing a frozen map is allowed */
	write_begin(m);
	drop_all(m);
	table_free(m, m->cur);
	table_free(m, m->old);
	free_retired(m);
	reclaim_all(m);
	write_end(m);
	const gomap_allocator *a = m->alloc ? &m->alloc_copy : NULL;
	gomap_allocator copy;
	if (a) {
		copy = *a;
		a = &copy;
	}
	/* Poison the header: a later access through a stale pointer finds
	 * the writing flag set and the magic word dead, and says so (best
	 * effort: until the allocator reuses the block). */
	m->magic = MAP_FREED;
	m->checks = 1;
	m->frozen = 0;
	m->cur = m->old = NULL;
	m->count = 0;
	atomic_store_explicit(&m->writing, 1, memory_order_relaxed);
	gomap__free(a, m, sizeof *m);
}

/* ---- reads ------------------------------------------------------------------------ */

static inline __attribute__((always_inline)) int get_impl(const gomap_map_t *m, const void *qk, uint64_t h,
                                                          void *out, int ik)
{
	unsigned char *s = lookup(m, qk, h, ik, NULL, NULL);
	if (!s)
		return 0;
	if (out)
		copy_val(m, out, slot_val(m, s));
	return 1;
}

static __attribute__((noinline)) int get_slow(const gomap_map_t *m, const void *key, void *val_out)
{
	switch (m->ikind) {
	case IK_U64:
		return get_impl(m, key, hash_probe(m, key, m->seed, IK_U64), val_out, IK_U64);
	case IK_U32:
		return get_impl(m, key, hash_probe(m, key, m->seed, IK_U32), val_out, IK_U32);
	case IK_BYTES: {
		gomap_bytes q;
		const void *qk;
		if (probe_key(m, key, &q, &qk))
			return GOMAP_EINVAL;
		return get_impl(m, qk, hash_probe(m, qk, m->seed, IK_BYTES), val_out, IK_BYTES);
	}
	case IK_SKEY: {
		gomap_bytes q;
		const void *qk;
		if (probe_key(m, key, &q, &qk))
			return GOMAP_EINVAL;
		return get_impl(m, qk, hash_probe(m, qk, m->seed, IK_SKEY), val_out, IK_SKEY);
	}
	default:
		return get_impl(m, key, hash_probe(m, key, m->seed, IK_GENERIC), val_out, IK_GENERIC);
	}
}

/* The u64 fast path of a lookup in table @t (the only one: no growth in
 * progress), hash and compare inlined. The home group's slots are
 * prefetched so that their cache miss overlaps the control-byte load
 * instead of following it. */
static inline __attribute__((always_inline)) int get_u64(const gomap_map_t *m, const table *t,
                                                         const void *key, uint64_t h, void *val_out)
{
	prefetch_home(m, t, h);
	size_t i = tfind(m, t, key, h, IK_U64, false);
	if (i == SIZE_MAX)
		return 0;
	if (val_out)
		copy_val(m, val_out, slot_val(m, slot_at(m, t, i)));
	return 1;
}

/* Start loading what a lookup of @key in the current table will touch (its
 * control group and home slots). A hint for callers that know their next
 * keys (chan's owner, ahead in a batch): no effect on the map, no checks.
 * Integer keys only; other kinds cost more to hash than it saves. */
void gomap__map_prefetch(const gomap_map_t *m, const void *key)
{
	const table *t = m->cur;
	if (!t || !key)
		return;
	uint64_t h;
	if (m->ikind == IK_U64)
		h = hash_probe(m, key, t->seed, IK_U64);
	else if (m->ikind == IK_U32)
		h = hash_probe(m, key, t->seed, IK_U32);
	else
		return;
	__builtin_prefetch(t->ctrl + ((size_t)h & t->mask) * GROUP);
	prefetch_home(m, t, h);
}

GOMAP_API int gomap_map_get(const gomap_map_t *m, const void *key, void *val_out)
{
	if (GOMAP_UNLIKELY(!m || !key))
		return GOMAP_EINVAL;
	GOMAP_PROBE_OP(m, GOMAP_PROBE_OP_GET);
	read_check(m, "concurrent map read and map write");
	const table *t = m->cur;
	if (GOMAP_LIKELY(m->ikind == IK_U64 && t && !m->old))
		return get_u64(m, t, key, hash_probe(m, key, t->seed, IK_U64), val_out);
	return get_slow(m, key, val_out);
}

GOMAP_API void *gomap_map_get_ptr(const gomap_map_t *m, const void *key)
{
	if (!m || !key)
		return NULL;
	read_check(m, "concurrent map read and map write");
	gomap_bytes q;
	const void *qk;
	if (probe_key(m, key, &q, &qk))
		return NULL;
	unsigned char *s = lookup_any(m, qk, hash_probe_any(m, qk, m->seed), NULL, NULL);
	return s ? slot_val(m, s) : NULL;
}

GOMAP_API size_t gomap_map_len(const gomap_map_t *m) { return m ? m->count : 0; }

/* ---- writes ------------------------------------------------------------------------- */

/* Prepare the stored form of a new key in buf (slot form): copy strings,
 * allocate indirect storage. Returns 0 or GOMAP_ENOMEM (nothing allocated). */
static int make_key(gomap_map_t *m, const void *qk, unsigned char *buf)
{
	if (m->ikind == IK_SKEY) {
		gomap_bytes b = *(const gomap_bytes *)qk;
		memset(buf, 0, SK_SIZE);
		memcpy(buf + 8, &b.len, sizeof b.len);
		if (b.len <= m->sk_max) {
			if (b.len)
				memcpy(buf + 16, b.ptr, b.len); /* NUL: from the memset */
			return 0; /* ptr: set by sk_fix once in its slot */
		}
		size_t n = b.len + (m->kt.kind == GOMAP_KIND_STR);
		char *p = gomap__alloc(m->alloc, n);
		if (!p)
			return GOMAP_ENOMEM;
		memcpy(p, b.ptr, b.len);
		if (m->kt.kind == GOMAP_KIND_STR)
			p[b.len] = '\0';
		memcpy(buf, &p, sizeof p);
		memcpy(buf + 16, b.ptr, 8); /* the prefix probes compare */
		m->bytes += n;
		return 0;
	}
	if (m->ikind == IK_BYTES) {
		gomap_bytes b = *(const gomap_bytes *)qk;
		if (m->key_owned) {
			size_t n = b.len + (m->kt.kind == GOMAP_KIND_STR);
			char *p = gomap__alloc(m->alloc, n);
			if (!p)
				return GOMAP_ENOMEM;
			if (b.len)
				memcpy(p, b.ptr, b.len);
			if (m->kt.kind == GOMAP_KIND_STR)
				p[b.len] = '\0';
			b.ptr = p;
			m->bytes += n ? n : 1;
		}
		memcpy(buf, &b, sizeof b);
		return 0;
	}
	if (m->key_indirect) {
		void *p = gomap__alloc(m->alloc, m->ukey);
		if (!p)
			return GOMAP_ENOMEM;
		memcpy(p, qk, m->ukey);
		memcpy(buf, &p, sizeof p);
		m->bytes += m->ukey;
		return 0;
	}
	memcpy(buf, qk, m->ksz);
	return 0;
}

static void unmake_key(gomap_map_t *m, unsigned char *buf)
{
	drop_key(m, buf, false); /* only our copy: the caller owns its key */
}

/* Write a value into slot s (new slot: indirect storage is in vbuf). */
static void store_val(gomap_map_t *m, unsigned char *s, const void *val)
{
	if (!m->uval)
		return;
	void *dst = slot_val(m, s);
	if (GOMAP_LIKELY(val && m->uval == 8 && !m->val_indirect)) {
		uint64_t v; /* val may point into the map: load, then store */
		memcpy(&v, val, 8);
		memcpy(dst, &v, 8);
	} else if (val)
		memmove(dst, val, m->uval); /* val may point into the map */
	else
		memset(dst, 0, m->uval);
}

/* Level 2 of GOMAP_DEBUG_LEVEL: validate the whole map (gomap_map_check)
 * at the end of a write, paced so that the test suites stay fast: after
 * every write to a small table, after every write that changed the table
 * layout (growth start and end, pruning, rehash in place, clear, shrink),
 * and otherwise at write counts that are powers of two. */
static void validate_after_write(gomap_map_t *m)
{
#if GOMAP_DEBUG_LEVEL >= 2
	uint64_t w = ++m->writes;
	if (m->reshaped || !m->cur || m->cur->cap <= 64 || (w & (w - 1)) == 0)
		GOMAP_ASSERT_EXPENSIVE(gomap_map_check(m) == 0, m);
	m->reshaped = 0;
#else
	(void)m;
#endif
}

/*
 * Go's key update: an overwrite stores the key it was given, so -0 replaces
 * +0 and a RAW key equal by its callback replaces the stored bytes. Only
 * for key kinds whose equality is not bytewise and whose keys the map does
 * not own (m->key_update): string kinds keep their stored copy, and keys
 * with a destructor keep the key the map holds (replacing it would destroy
 * an object that an equal key passed again may share, e.g. a copy of the
 * same struct with other padding bytes); docs/semantics.md.
 */
static void update_key(gomap_map_t *m, unsigned char *s, const void *qk)
{
	void *stored = (void *)slot_key(m, s);
	if (stored != qk)
		memmove(stored, qk, m->ukey); /* indirect keys: their own block */
}

/* Work every write does first: give back what earlier writes retired,
 * then advance the growth by MIGRATE_GROUPS old groups. */
static inline void write_prologue(gomap_map_t *m)
{
	if (GOMAP_UNLIKELY(m->retired != NULL))
		release_retired(m);
	if (GOMAP_UNLIKELY(m->old != NULL))
		migrate(m, MIGRATE_GROUPS);
	else if (GOMAP_UNLIKELY(m->dying != NULL))
		reclaim_step(m);
}

/* PUT_PTR is Go's mapassign: find or insert (value zeroed), and hand the
 * value's address out through @prev (a void **) instead of storing. */
enum { PUT_STORE, PUT_SWAP, PUT_PTR };

static inline __attribute__((always_inline)) int put_impl(gomap_map_t *m, const void *qk, uint64_t h,
                                                          const void *val, void *prev, int mode, int ik)
{
	write_begin(m);
	write_prologue(m);
	size_t pos;
	unsigned char *s = lookup_put(m, qk, h, ik, &pos);
	if (s) {
		if (GOMAP_UNLIKELY(m->key_update))
			update_key(m, s, qk);
		if (mode == PUT_PTR) {
			*(void **)prev = slot_val(m, s);
			write_end(m);
			return 0;
		}
		if (mode == PUT_SWAP && prev) {
			if (m->uval)
				memcpy(prev, slot_val(m, s), m->uval);
		} else if (m->vt.destroy) {
			m->vt.destroy(slot_val(m, s), m->vt.ctx);
		}
		store_val(m, s, val);
		validate_after_write(m);
		write_end(m);
		return 0;
	}
	/* A new key: allocate everything first, so failure changes nothing.
	 * Integer keys need no stored form: they are copied in place below. */
	unsigned char kbuf[MAX_INLINE + 16], vbuf[MAX_INLINE];
	if (ik != IK_U64 && ik != IK_U32) {
		int r = make_key(m, qk, kbuf);
		if (r) {
			write_end(m);
			return r;
		}
	}
	void *vind = NULL;
	if (m->val_indirect) {
		vind = gomap__alloc(m->alloc, m->uval);
		if (!vind) {
			unmake_key(m, kbuf);
			write_end(m);
			return GOMAP_ENOMEM;
		}
		m->bytes += m->uval;
	}
	table *t = m->cur;
	GOMAP_ASSERT_MAP(!t || pos == find_insert_pos(m, t, h), m);
	if (t) {
		if (t->ctrl[pos] != CTRL_DELETED && growth_left(t) == 0) {
			pos = SIZE_MAX;
			if (make_room(m, t, &val, vbuf))
				pos = find_insert_pos(m, t, h);
		}
	}
	if (pos == SIZE_MAX) {
		if (grow(m) == 0) {
			t = m->cur;
			if (m->old)
				migrate(m, MIGRATE_GROUPS);
			pos = find_insert_pos(m, t, h);
		} else if (t && t->cap - t->full - t->tombs >= 2) {
			/* Growth failed: keep working at the old size while an
			 * EMPTY byte remains besides the one probes need. */
			pos = find_insert_pos(m, t, h);
		} else {
			if (vind) {
				gomap__free(m->alloc, vind, m->uval);
				m->bytes -= m->uval;
			}
			unmake_key(m, kbuf);
			write_end(m);
			return GOMAP_ENOMEM;
		}
	}
	GOMAP_ASSERT_MAP(t == m->cur && !(t->ctrl[pos] & 0x80), m);
	if (t->ctrl[pos] == CTRL_DELETED)
		t->tombs--;
	t->full++;
	/* I1: an EMPTY byte remains for probes to stop at. */
	GOMAP_ASSERT_MAP(t->full + t->tombs < t->cap, m);
	s = slot_at(m, t, pos);
	if (ik == IK_U64)
		memcpy(s, qk, 8);
	else if (ik == IK_U32)
		memcpy(s, qk, 4);
	else
		memcpy(s, kbuf, m->ksz);
	sk_fix(m, s);
	t->ctrl[pos] = ctrl_for(m, s, h, false);
	if (vind)
		memcpy(s + m->voff, &vind, sizeof vind);
	store_val(m, s, val);
	if (mode == PUT_PTR)
		*(void **)prev = slot_val(m, s);
	m->count++;
	validate_after_write(m);
	write_end(m);
	return 1;
}

static int put_dispatch(gomap_map_t *m, const void *qk, uint64_t h, const void *val, void *prev, int mode)
{
	switch (m->ikind) {
	case IK_U64: return put_impl(m, qk, h, val, prev, mode, IK_U64);
	case IK_U32: return put_impl(m, qk, h, val, prev, mode, IK_U32);
	case IK_BYTES: return put_impl(m, qk, h, val, prev, mode, IK_BYTES);
	case IK_SKEY: return put_impl(m, qk, h, val, prev, mode, IK_SKEY);
	default: return put_impl(m, qk, h, val, prev, mode, IK_GENERIC);
	}
}

GOMAP_API int gomap_map_put(gomap_map_t *m, const void *key, const void *val)
{
	if (GOMAP_UNLIKELY(!m || !key || (!val && m->uval)))
		return GOMAP_EINVAL;
	GOMAP_PROBE_OP(m, GOMAP_PROBE_OP_PUT);
	switch (m->ikind) {
	case IK_U64:
		return put_impl(m, key, hash_probe(m, key, m->seed, IK_U64), val, NULL, PUT_STORE, IK_U64);
	case IK_BYTES: {
		gomap_bytes q;
		const void *qk;
		if (probe_key(m, key, &q, &qk))
			return GOMAP_EINVAL;
		return put_impl(m, qk, hash_probe(m, qk, m->seed, IK_BYTES), val, NULL, PUT_STORE, IK_BYTES);
	}
	case IK_SKEY: {
		gomap_bytes q;
		const void *qk;
		if (probe_key(m, key, &q, &qk))
			return GOMAP_EINVAL;
		return put_impl(m, qk, hash_probe(m, qk, m->seed, IK_SKEY), val, NULL, PUT_STORE, IK_SKEY);
	}
	default:
		return put_dispatch(m, key, hash_probe_any(m, key, m->seed), val, NULL, PUT_STORE);
	}
}

GOMAP_API int gomap_map_put_ptr(gomap_map_t *m, const void *key, void **val_out)
{
	if (GOMAP_UNLIKELY(!val_out))
		return GOMAP_EINVAL;
	*val_out = NULL;
	if (GOMAP_UNLIKELY(!m || !key))
		return GOMAP_EINVAL;
	GOMAP_PROBE_OP(m, GOMAP_PROBE_OP_PUT);
	switch (m->ikind) {
	case IK_U64:
		return put_impl(m, key, hash_probe(m, key, m->seed, IK_U64), NULL, val_out, PUT_PTR, IK_U64);
	case IK_BYTES: {
		gomap_bytes q;
		const void *qk;
		if (probe_key(m, key, &q, &qk))
			return GOMAP_EINVAL;
		return put_impl(m, qk, hash_probe(m, qk, m->seed, IK_BYTES), NULL, val_out, PUT_PTR, IK_BYTES);
	}
	case IK_SKEY: {
		gomap_bytes q;
		const void *qk;
		if (probe_key(m, key, &q, &qk))
			return GOMAP_EINVAL;
		return put_impl(m, qk, hash_probe(m, qk, m->seed, IK_SKEY), NULL, val_out, PUT_PTR, IK_SKEY);
	}
	default:
		return put_dispatch(m, key, hash_probe_any(m, key, m->seed), NULL, val_out, PUT_PTR);
	}
}

/* The map became empty: renew the seed (Go, issue 25237). Nothing live is
 * left, so the old table can go and the current one can be rehashed for
 * free. */
static void reseed(gomap_map_t *m)
{
	if (m->fixed_seed)
		return;
	if (m->old) {
		table *o = m->old;
		m->old = NULL;
		retire(m, o);
	}
	m->seed = gomap__random_seed();
	if (m->cur)
		m->cur->seed = m->seed;
}

static inline void remove_slot(gomap_map_t *m, table *t, size_t i)
{
	GOMAP_ASSERT_MAP((t->ctrl[i] & 0x80) && (t != m->cur || t->full > 0), m);
	/* A group that still has an EMPTY byte is passed by no probe (I6):
	 * the slot can become EMPTY again. Branch-free: the outcome is a coin
	 * flip the predictor cannot learn. */
	bool empty = match_empty(load_group(t->ctrl, i / GROUP)) != 0;
	bool cur = t == m->cur;
	t->ctrl[i] = empty ? CTRL_EMPTY : CTRL_DELETED;
	t->tombs += (size_t)(cur & !empty);
	t->full -= (size_t)cur;
}

static inline __attribute__((always_inline)) int delete_impl(gomap_map_t *m, const void *qk, uint64_t h,
                                                             void *val_out, bool take, int ik)
{
	write_begin(m);
	write_prologue(m);
	table *t = NULL;
	size_t i = 0;
	unsigned char *s = lookup(m, qk, h, ik, &t, &i);
	if (!s) {
		write_end(m);
		return 0;
	}
	if (take && val_out && m->uval)
		memcpy(val_out, slot_val(m, s), m->uval);
	if (GOMAP_UNLIKELY(m->has_drops)) {
		/* An in-slot key shares no memory with its stale copies. */
		if ((m->key_owned || m->key_indirect) && (m->old || m->retired) &&
		    !(ik == IK_SKEY && sk_inline(m, s)))
			purge_stale(m, s, t);
		drop_key(m, s, true);
		drop_val(m, s, !(take && val_out));
	}
	remove_slot(m, t, i);
	GOMAP_ASSERT_MAP(m->count > 0, m);
	if (--m->count == 0)
		reseed(m);
	validate_after_write(m);
	write_end(m);
	return 1;
}

static int delete_dispatch(gomap_map_t *m, const void *qk, uint64_t h, void *val_out, bool take)
{
	switch (m->ikind) {
	case IK_U64: return delete_impl(m, qk, h, val_out, take, IK_U64);
	case IK_U32: return delete_impl(m, qk, h, val_out, take, IK_U32);
	case IK_BYTES: return delete_impl(m, qk, h, val_out, take, IK_BYTES);
	case IK_SKEY: return delete_impl(m, qk, h, val_out, take, IK_SKEY);
	default: return delete_impl(m, qk, h, val_out, take, IK_GENERIC);
	}
}

GOMAP_API int gomap_map_delete(gomap_map_t *m, const void *key)
{
	if (GOMAP_UNLIKELY(!m || !key))
		return GOMAP_EINVAL;
	GOMAP_PROBE_OP(m, GOMAP_PROBE_OP_DELETE);
	if (m->ikind == IK_U64)
		return delete_impl(m, key, hash_probe(m, key, m->seed, IK_U64), NULL, false, IK_U64);
	gomap_bytes q;
	const void *qk;
	if (probe_key(m, key, &q, &qk))
		return GOMAP_EINVAL;
	return delete_dispatch(m, qk, hash_probe_any(m, qk, m->seed), NULL, false);
}

GOMAP_API int gomap_map_clear(gomap_map_t *m)
{
	if (!m)
		return GOMAP_EINVAL;
	write_begin(m);
	drop_all(m);
	if (m->old) {
		table *o = m->old;
		m->old = NULL;
		retire(m, o);
	}
	/* Live iterations end here (clear_seq), so their pins no longer
	 * count: an iterator that sees a new clear_seq touches no table. */
	size_t left = m->nretired;
	for (table *r = m->retired; r; r = r->next) {
		if (GOMAP_UNLIKELY(left-- == 0))
			corrupt(m);
		atomic_store_explicit(&r->pins, 0, memory_order_relaxed);
	}
	release_retired(m);
	table *t = m->cur;
	if (t)
		atomic_store_explicit(&t->pins, 0, memory_order_relaxed);
	if (t) {
		/* Go reuses the array; live iterators end through clear_seq. */
		memset(t->ctrl, 0, t->cap);
		t->full = t->tombs = 0;
	}
	m->count = 0;
	m->clear_seq++;
	if (!m->fixed_seed) {
		m->seed = gomap__random_seed();
		if (t)
			t->seed = m->seed;
	}
	GOMAP_ASSERT_MAP(!m->old && (!t || (t->full == 0 && t->tombs == 0)), m);
	m->reshaped = 1;
	validate_after_write(m);
	write_end(m);
	return 0;
}

/* Rebuild all live entries into a table of capacity cap (0: none). */
static int rebuild(gomap_map_t *m, size_t cap)
{
	table *nt = NULL;
	if (cap) {
		nt = table_new(m, cap, m->seed);
		if (!nt)
			return GOMAP_ENOMEM;
	}
	table *ts[2] = {m->cur, m->old};
	for (int k = 0; k < 2; k++) {
		table *t = ts[k];
		if (!t)
			continue;
		for (size_t g = t->migrate_pos; g <= t->mask; g++) {
			for (uint64_t f = match_full(load_group(t->ctrl, g)); f; f &= f - 1) {
				const unsigned char *s = slot_at(m, t, g * GROUP + lowest(f));
				uint64_t h = hash_slot(m, s, nt->seed);
				size_t j = find_insert_pos(m, nt, h);
				nt->ctrl[j] = ctrl_for(m, s, h, true);
				memcpy(slot_at(m, nt, j), s, m->slot_size);
				sk_fix(m, slot_at(m, nt, j));
				nt->full++;
			}
		}
	}
	table *oc = m->cur, *oo = m->old;
	m->cur = nt;
	m->old = NULL;
	if (oo)
		retire(m, oo);
	if (oc)
		retire(m, oc);
	return 0;
}

GOMAP_API int gomap_map_shrink(gomap_map_t *m)
{
	if (!m)
		return GOMAP_EINVAL;
	write_begin(m);
	release_retired(m);
	size_t cap = m->count ? cap_for(m->count) : 0;
	int r = 0;
	if (!m->old && m->cur && m->cur->cap == cap && m->cur->tombs == 0)
		r = 0;
	else if (!m->old && !m->cur)
		r = 0;
	else
		r = rebuild(m, cap);
	release_retired(m); /* shrink promises the memory back now */
	reclaim_all(m);
	m->reshaped = 1;
	validate_after_write(m);
	write_end(m);
	return r;
}

/* ---- clone ------------------------------------------------------------------------------ */

static int copy_entry(gomap_map_t *dst, const gomap_map_t *src, const unsigned char *s)
{
	const void *qk = slot_key(src, s);
	uint64_t h = hash_probe_any(dst, qk, dst->seed);
	unsigned char kbuf[MAX_INLINE + 16];
	int r = make_key(dst, qk, kbuf);
	if (r)
		return r;
	void *vind = NULL;
	if (dst->val_indirect) {
		vind = gomap__alloc(dst->alloc, dst->uval);
		if (!vind) {
			unmake_key(dst, kbuf);
			return GOMAP_ENOMEM;
		}
		dst->bytes += dst->uval;
	}
	table *t = dst->cur;
	size_t pos = find_insert_pos(dst, t, h);
	t->full++;
	unsigned char *d = slot_at(dst, t, pos);
	memcpy(d, kbuf, dst->ksz);
	sk_fix(dst, d);
	t->ctrl[pos] = ctrl_for(dst, d, h, false);
	if (vind)
		memcpy(d + dst->voff, &vind, sizeof vind);
	store_val(dst, d, slot_val(src, (unsigned char *)s));
	dst->count++;
	return 0;
}

GOMAP_API int gomap_map_clone(const gomap_map_t *m, gomap_map_t **out)
{
	if (!m || !out)
		return GOMAP_EINVAL;
	*out = NULL;
	/* Values and keys are copied bytewise; with a destructor both maps
	 * would drop the same object. */
	if (m->kt.destroy || m->vt.destroy)
		return GOMAP_ENOTSUP;
	read_check(m, "concurrent map clone and map write");
	gomap_map_options o = {0, m->alloc ? &m->alloc_copy : NULL};
	gomap_map_t *c;
	int r = gomap_map_new_opts(&c, &m->kt, &m->vt, &o);
	if (r)
		return r;
	c->checks = m->checks;
	if (m->count) {
		c->cur = table_new(c, cap_for(m->count), c->seed);
		if (!c->cur) {
			gomap_map_free(c);
			return GOMAP_ENOMEM;
		}
		const table *ts[2] = {m->cur, m->old};
		for (int k = 0; k < 2; k++) {
			const table *t = ts[k];
			if (!t)
				continue;
			for (size_t g = t->migrate_pos; g <= t->mask; g++) {
				for (uint64_t f = match_full(load_group(t->ctrl, g)); f; f &= f - 1) {
					read_check(m, "concurrent map clone and map write");
					r = copy_entry(c, m, slot_at(m, t, g * GROUP + lowest(f)));
					if (r) {
						gomap_map_free(c);
						return r;
					}
				}
			}
		}
	}
	read_check(m, "concurrent map clone and map write");
	*out = c;
	return 0;
}

/* ---- iteration ----------------------------------------------------------------------- */

/* Iterator fields inside gomap_iter. */
#define IT_MAP(it) ((it)->priv_p[0])
#define IT_TA(it) ((it)->priv_p[1])
#define IT_TB(it) ((it)->priv_p[2])
#define IT_WALK(it) ((it)->priv_p[3])
#define IT_POS(it) ((it)->priv_u[0])
#define IT_RAND(it) ((it)->priv_u[1])
#define IT_CLEARSEQ(it) ((it)->priv_u[2])
#define IT_STATE(it) ((it)->priv_u[3]) /* 0 idle/done, 1 running */

GOMAP_API void gomap_map_iter_init(const gomap_map_t *m, gomap_iter *it)
{
	if (!it)
		return;
	memset(it, 0, sizeof *it);
	if (!m)
		return;
	read_check(m, "concurrent map iteration and map write");
	if (!m->cur || m->count == 0)
		return;
	gomap_map_t *mm = (gomap_map_t *)m;
	IT_MAP(it) = mm;
	IT_TA(it) = m->old ? m->old : m->cur;
	IT_TB(it) = m->old ? m->cur : NULL;
	/* Pin the walked tables: writes retire them but do not free them. */
	atomic_fetch_add_explicit(&((table *)IT_TA(it))->pins, 1, memory_order_relaxed);
	if (IT_TB(it))
		atomic_fetch_add_explicit(&((table *)IT_TB(it))->pins, 1, memory_order_relaxed);
	IT_WALK(it) = IT_TA(it);
	IT_RAND(it) = gomap__random_u64();
	IT_CLEARSEQ(it) = m->clear_seq;
	IT_STATE(it) = 1;
}

GOMAP_API void gomap_map_iter_stop(gomap_iter *it)
{
	if (!it || IT_STATE(it) != 1)
		return;
	gomap_map_t *m = IT_MAP(it);
	if (GOMAP_UNLIKELY(m->magic != MAP_LIVE))
		misuse(m, "iteration of a map that is not live");
	IT_STATE(it) = 0;
	if (m->clear_seq != IT_CLEARSEQ(it))
		return; /* clear voided the pins and may have freed the tables */
	atomic_fetch_sub_explicit(&((table *)IT_TA(it))->pins, 1, memory_order_relaxed);
	if (IT_TB(it))
		atomic_fetch_sub_explicit(&((table *)IT_TB(it))->pins, 1, memory_order_relaxed);
}

/* Does table a hold qk in a FULL slot, live or stale? */
static bool table_holds(const gomap_map_t *m, const table *a, const unsigned char *s)
{
	if (!key_self_equal(m, s))
		return false;
	const void *qk = slot_key(m, s);
	uint64_t h = hash_probe_any(m, qk, a->seed);
	size_t mask = a->mask, g = (size_t)h & mask, step = 0;
	for (;;) {
		uint64_t c = load_group(a->ctrl, g);
		for (uint64_t mt = match_h2(c, h2_of(h)); mt; mt &= mt - 1) {
			size_t i = g * GROUP + lowest(mt);
			if (key_eq_any(m, slot_at(m, a, i), qk))
				return true;
		}
		if (match_empty(c) || step > mask)
			return false;
		g = (g + ++step) & mask;
	}
}

static bool iter_next_slow(gomap_iter *it, gomap_map_t *m, const void **key, void **val);

GOMAP_API bool gomap_map_iter_next(gomap_iter *it, const void **key, void **val)
{
	if (!it || IT_STATE(it) != 1)
		return false;
	gomap_map_t *m = IT_MAP(it);
	read_check(m, "concurrent map iteration and map write");
	if (m->clear_seq != IT_CLEARSEQ(it)) {
		IT_STATE(it) = 0; /* clear ended this iteration (and its pins) */
		return false;
	}
	/* The common case in few registers: one table, still the current one
	 * (every FULL slot is live). The walk is iter_next_slow's. */
	const table *t = IT_WALK(it);
	if (GOMAP_UNLIKELY(IT_TB(it) || t->state != T_CURRENT))
		return iter_next_slow(it, m, key, val);
	uint64_t r = IT_RAND(it);
	size_t mask = t->mask, g0 = (size_t)r & mask;
	unsigned off8 = (unsigned)(r >> 61) * 8;
	for (size_t pos = IT_POS(it); pos < t->cap; pos = (pos | (GROUP - 1)) + 1) {
		size_t g = (g0 + pos / GROUP) & mask;
		uint64_t f = match_full(load_group(t->ctrl, g));
		if (off8)
			f = (f >> off8) | (f << (64 - off8));
		f &= ~0ull << (8 * (pos % GROUP));
		if (f) {
			size_t k = lowest(f);
			IT_POS(it) = (pos & ~(size_t)(GROUP - 1)) + k + 1;
			unsigned char *s = slot_at(m, t, g * GROUP + ((k + off8 / 8) & (GROUP - 1)));
			if (key)
				*key = slot_key(m, s);
			if (val)
				*val = slot_val(m, s);
			return true;
		}
	}
	IT_POS(it) = t->cap;
	gomap_map_iter_stop(it);
	return false;
}

static bool iter_next_slow(gomap_iter *it, gomap_map_t *m, const void **key, void **val)
{
	for (;;) {
		table *t = IT_WALK(it);
		size_t groups = t->mask + 1;
		uint64_t r = IT_RAND(it);
		size_t g0 = (size_t)r & t->mask, off = (size_t)(r >> 61);
		GOMAP_ASSERT_MAP(t == IT_TA(it) || t == IT_TB(it), m);
		/* Position p is slot (p + off) % 8 of group g0 + p / 8: a group's
		 * FULL bytes, rotated by off, are its positions in walk order, so
		 * the walk reads each group's control word once and jumps
		 * straight to the next FULL slot. */
		size_t pos = IT_POS(it);
		while (pos < t->cap) {
			size_t g = (g0 + pos / GROUP) & (groups - 1);
			uint64_t f = match_full(load_group(t->ctrl, g));
			if (off)
				f = (f >> (8 * off)) | (f << (64 - 8 * off));
			f &= ~0ull << (8 * (pos % GROUP));
			if (!f) {
				pos = (pos | (GROUP - 1)) + 1;
				IT_POS(it) = pos;
				continue;
			}
			size_t k = lowest(f);
			pos = (pos & ~(size_t)(GROUP - 1)) + k + 1;
			IT_POS(it) = pos;
			size_t i = g * GROUP + ((k + off) & (GROUP - 1));
			unsigned char *s = slot_at(m, t, i);
			if (t == IT_TB(it)) {
				/* Skip what the walk of table A covered: keys it
				 * holds, and NaNs migrated from it. */
				if (key_self_equal(m, s) ? table_holds(m, IT_TA(it), s)
				                         : t->ctrl[i] == CTRL_NAN_MOVED)
					continue;
			}
			bool live = t->state == T_CURRENT || (t->state == T_OLD && g >= t->migrate_pos);
			if (!live && key_self_equal(m, s)) {
				s = lookup_any(m, slot_key(m, s), hash_slot(m, s, m->seed), NULL, NULL);
				if (!s)
					continue;
			}
			if (key)
				*key = slot_key(m, s);
			if (val)
				*val = slot_val(m, s);
			return true;
		}
		if (t == IT_TA(it) && IT_TB(it)) {
			IT_WALK(it) = IT_TB(it);
			IT_POS(it) = 0;
			continue;
		}
		gomap_map_iter_stop(it);
		return false;
	}
}

GOMAP_API int gomap_map_range(const gomap_map_t *m, gomap_range_fn fn, void *ctx)
{
	if (!m || !fn)
		return GOMAP_EINVAL;
	gomap_iter it;
	const void *k;
	void *v;
	gomap_map_iter_init(m, &it);
	while (gomap_map_iter_next(&it, &k, &v)) {
		if (!fn(k, v, ctx)) {
			gomap_map_iter_stop(&it);
			break;
		}
	}
	return 0;
}

/* ---- internal entry points ----------------------------------------------------------- */

uint64_t gomap__map_hash(const gomap_map_t *m, const void *key)
{
	gomap_bytes q;
	const void *qk;
	if (probe_key(m, key, &q, &qk))
		return 0;
	return hash_probe_any(m, qk, m->seed);
}

int gomap__map_get_h(const gomap_map_t *m, const void *key, uint64_t h, void *val_out)
{
	if (!m || !key)
		return GOMAP_EINVAL;
	read_check(m, "concurrent map read and map write");
	const table *t = m->cur;
	if (GOMAP_LIKELY(m->ikind == IK_U64 && t && !m->old))
		return get_u64(m, t, key, h, val_out); /* the safe maps' loads */
	gomap_bytes q;
	const void *qk;
	if (probe_key(m, key, &q, &qk))
		return GOMAP_EINVAL;
	unsigned char *s = lookup_any(m, qk, h, NULL, NULL);
	if (!s)
		return 0;
	if (val_out && m->uval)
		memcpy(val_out, slot_val(m, s), m->uval);
	return 1;
}

void *gomap__map_get_ptr_h(const gomap_map_t *m, const void *key, uint64_t h)
{
	if (!m || !key)
		return NULL;
	read_check(m, "concurrent map read and map write");
	gomap_bytes q;
	const void *qk;
	if (probe_key(m, key, &q, &qk))
		return NULL;
	unsigned char *s = lookup_any(m, qk, h, NULL, NULL);
	return s ? slot_val(m, s) : NULL;
}

int gomap__map_put_h(gomap_map_t *m, const void *key, uint64_t h, const void *val)
{
	if (!m || !key || (!val && m->uval))
		return GOMAP_EINVAL;
	gomap_bytes q;
	const void *qk;
	if (probe_key(m, key, &q, &qk))
		return GOMAP_EINVAL;
	return put_dispatch(m, qk, h, val, NULL, PUT_STORE);
}

int gomap__map_swap_h(gomap_map_t *m, const void *key, uint64_t h, const void *val, void *prev_out)
{
	if (!m || !key || (!val && m->uval))
		return GOMAP_EINVAL;
	gomap_bytes q;
	const void *qk;
	if (probe_key(m, key, &q, &qk))
		return GOMAP_EINVAL;
	int r = put_dispatch(m, qk, h, val, prev_out, PUT_SWAP);
	return r < 0 ? r : r == 0; /* 1 replaced, 0 inserted */
}

int gomap__map_delete_h(gomap_map_t *m, const void *key, uint64_t h)
{
	return gomap__map_take_h(m, key, h, NULL);
}

int gomap__map_take_h(gomap_map_t *m, const void *key, uint64_t h, void *val_out)
{
	if (!m || !key)
		return GOMAP_EINVAL;
	gomap_bytes q;
	const void *qk;
	if (probe_key(m, key, &q, &qk))
		return GOMAP_EINVAL;
	return delete_dispatch(m, qk, h, val_out, true);
}

const gomap_type *gomap__map_key_type(const gomap_map_t *m) { return &m->kt; }
const gomap_type *gomap__map_val_type(const gomap_map_t *m) { return &m->vt; }

uint8_t *gomap__map_ctrl(gomap_map_t *m, size_t *n)
{
	*n = m->cur ? m->cur->cap : 0;
	return m->cur ? m->cur->ctrl : NULL;
}

/* ---- statistics and checks ------------------------------------------------------------- */

static size_t max_probe(const gomap_map_t *m, const table *t)
{
	size_t worst = 0;
	for (size_t g = t->migrate_pos; g <= t->mask; g++) {
		for (uint64_t f = match_full(load_group(t->ctrl, g)); f; f &= f - 1) {
			const unsigned char *s = slot_at(m, t, g * GROUP + lowest(f));
			if (!key_self_equal(m, s))
				continue;
			uint64_t h = hash_slot(m, s, t->seed);
			size_t p = (size_t)h & t->mask, step = 0;
			while (p != g && step <= t->mask)
				p = (p + ++step) & t->mask;
			if (step + 1 > worst)
				worst = step + 1;
		}
	}
	return worst;
}

GOMAP_API int gomap_map_stats_get(const gomap_map_t *m, gomap_map_stats *out)
{
	if (!m || !out)
		return GOMAP_EINVAL;
	memset(out, 0, sizeof *out);
	out->count = m->count;
	if (m->cur) {
		out->capacity = m->cur->cap;
		out->groups = m->cur->mask + 1;
		out->tombstones = m->cur->tombs;
		out->load_factor = (double)m->count / (double)m->cur->cap;
		out->max_probe = max_probe(m, m->cur);
	}
	if (m->old) {
		out->growing = true;
		out->old_capacity = m->old->cap;
		out->old_groups = m->old->mask + 1;
		out->evacuated = m->old->migrate_pos;
	}
	out->bytes = m->bytes;
	out->grows = m->grows;
	out->same_size_grows = m->same_size_grows;
	return 0;
}

GOMAP_API int gomap_map_stats_dump(const gomap_map_t *m, char *buf, size_t size)
{
	gomap_map_stats s;
	if (gomap_map_stats_get(m, &s))
		return snprintf(buf, size, "gomap: no map\n");
	return snprintf(buf, size,
	                "gomap map %p: entries=%zu capacity=%zu groups=%zu load=%.3f "
	                "tombstones=%zu max_probe=%zu growing=%s old_capacity=%zu "
	                "evacuated=%zu/%zu bytes=%zu grows=%zu same_size_grows=%zu\n",
	                (const void *)m, s.count, s.capacity, s.groups, s.load_factor, s.tombstones,
	                s.max_probe, s.growing ? "yes" : "no", s.old_capacity, s.evacuated, s.old_groups,
	                s.bytes, s.grows, s.same_size_grows);
}

GOMAP_API int gomap_map_check(const gomap_map_t *m)
{
	if (!m)
		return GOMAP_EINVAL;
	size_t live = 0;
	const table *ts[2] = {m->cur, m->old};
	if (m->old && !m->cur)
		return GOMAP_EINVAL;
	for (int k = 0; k < 2; k++) {
		const table *t = ts[k];
		if (!t)
			continue;
		if (t->seed != m->seed || t->state != (k == 0 ? T_CURRENT : T_OLD))
			return GOMAP_EINVAL;
		if (k == 0 && t->migrate_pos != 0)
			return GOMAP_EINVAL;
		size_t full = 0, tombs = 0, empty = 0;
		for (size_t i = 0; i < t->cap; i++) {
			uint8_t c = t->ctrl[i];
			if (c == CTRL_EMPTY)
				empty++;
			else if (c == CTRL_DELETED)
				tombs++;
			else if (c & 0x80)
				full++;
			else
				return GOMAP_EINVAL; /* not a valid control byte */
		}
		if (empty == 0)
			return GOMAP_EINVAL; /* I1: probes must terminate */
		if (k == 0 && (full != t->full || tombs != t->tombs))
			return GOMAP_EINVAL;
		for (size_t g = t->migrate_pos; g <= t->mask; g++) {
			for (uint64_t f = match_full(load_group(t->ctrl, g)); f; f &= f - 1) {
				size_t i = g * GROUP + lowest(f);
				const unsigned char *s = slot_at(m, t, i);
				live++;
				if (m->ikind == IK_SKEY && sk_inline(m, s) &&
				    *(const unsigned char *const *)s != s + 16)
					return GOMAP_EINVAL; /* an in-slot key points elsewhere */
				if (!key_self_equal(m, s))
					continue;
				uint64_t h = hash_slot(m, s, t->seed);
				if (h2_of(h) != t->ctrl[i])
					return GOMAP_EINVAL;
				table *where = NULL;
				size_t idx = 0;
				/* I3: found by a probe, and at this very slot. */
				if (!lookup_any(m, slot_key(m, s), h, &where, &idx) || where != t || idx != i)
					return GOMAP_EINVAL;
			}
		}
	}
	if (live != m->count)
		return GOMAP_EINVAL; /* I2 */
	return 0;
}


/* ---- freeze ------------------------------------------------------------------------------
 * Owned by the diagnostics (include/gomap/diag.h, docs/debugging.md); the
 * mappings, protection and the SIGSEGV reporter are in freeze.c.
 *
 * gomap_map_freeze finishes a growth in progress, moves the current table's
 * two arrays into page-aligned mappings, makes them read-only and sets
 * m->frozen, which write_begin checks. The table keeps the mappings
 * (t->mapped) until table_free, which hands them to table_unmap; m->bytes
 * counts the page rounding on top.
 */

static void table_unmap(gomap_map_t *m, table *t)
{
	size_t cn = t->cap, sn = t->cap * m->slot_size;
	gomap__freeze_unmap(t->ctrl, cn, t->slots, sn);
	m->bytes -= gomap__page_round(cn) + gomap__page_round(sn) - cn - sn;
	t->ctrl = NULL;
	t->slots = NULL;
	t->mapped = 0;
}

GOMAP_API int gomap_map_freeze(gomap_map_t *m)
{
	if (!m)
		return GOMAP_EINVAL;
	if (m->frozen)
		return 0;
	write_begin(m);
	finish_migration(m);
	/* No write will come to give these back while frozen (freeze has no
	 * argument that could point into a retired table). */
	release_retired(m);
	reclaim_all(m);
	table *t = m->cur;
	int r = 0;
	if (t && !t->mapped) {
		size_t cn = t->cap, sn = t->cap * m->slot_size;
		r = gomap__freeze_map(m->alloc, (void **)&t->ctrl, cn, (void **)&t->slots, sn);
		if (!r) {
			t->mapped = 1;
			m->bytes += gomap__page_round(cn) + gomap__page_round(sn) - cn - sn;
			/* The slots moved: in-slot string keys follow. */
			for (size_t g = 0; m->ikind == IK_SKEY && g <= t->mask; g++)
				for (uint64_t f = match_full(load_group(t->ctrl, g)); f; f &= f - 1)
					sk_fix(m, slot_at(m, t, g * GROUP + lowest(f)));
		}
	}
	if (!r && t)
		r = gomap__freeze_protect(t->ctrl, t->cap, t->slots, t->cap * m->slot_size, m);
	if (!r)
		m->frozen = 1;
	write_end(m);
	return r;
}

static void freeze_off(gomap_map_t *m)
{
	table *t = m->cur;
	if (t && t->mapped)
		gomap__freeze_thaw(t->ctrl, t->cap, t->slots, t->cap * m->slot_size);
	m->frozen = 0;
}

GOMAP_API int gomap_map_unfreeze(gomap_map_t *m)
{
	if (!m)
		return GOMAP_EINVAL;
	if (m->frozen)
		freeze_off(m);
	return 0;
}

GOMAP_API bool gomap_map_frozen(const gomap_map_t *m) { return m && m->frozen; }
