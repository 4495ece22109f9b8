/*
 * src/internal/slab.h - the entry slab of the sync map (src/slab.c): a
 * fixed-size slot allocator on 2 MiB-aligned mmap'd chunks, cut into 64 KiB
 * pages that each belong to one stripe (thread group) of its user.
 *
 * The allocation and free fast paths are static inline here so that
 * src/sync.c's writers inline them as they did when the slab lived there;
 * what is rare (taking a page, giving one back, chunks) is in src/slab.c.
 * Why a slab, the ownership and lock rules, the sanitizer rules and the
 * invariants are at the top of src/slab.c.
 *
 * Use: gomap__slab_init(sl, slot size, stripes, owner), then
 * gomap__slab_alloc(sl, n, hint) / gomap__slab_free(sl, slot) from any
 * thread, gomap__slab_destroy(sl) when no slot is in use any more (it
 * unmaps every chunk, live slots included). @owner only names the user in
 * fatal errors and failed assertions.
 */
#ifndef GOMAP_SLAB_H
#define GOMAP_SLAB_H

#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "debug.h"
#include "lock.h"

/* ---- sanitizers ------------------------------------------------------------
 *
 * ASan: a slot is addressable only while allocated, and only for the bytes
 * asked for; free slots and never-used page space are poisoned. LeakSanitizer
 * scans the chunks as roots: slots hold the only copy of the pointers users
 * store in them. MemorySanitizer cannot see mmap'd memory initialised by a
 * previous owner of a slot: under it there is no slab (GOMAP__SLAB_NONE) and
 * users stay on malloc.
 */
#if defined(__SANITIZE_ADDRESS__)
#define GOMAP__SLAB_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define GOMAP__SLAB_ASAN 1
#endif
#endif

#if defined(__has_feature)
#if __has_feature(memory_sanitizer)
#define GOMAP__SLAB_NONE 1
#endif
#endif

#ifdef GOMAP__SLAB_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/lsan_interface.h>
#define GOMAP__SLAB_POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define GOMAP__SLAB_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#define GOMAP__SLAB_ROOT_ADD(p, n) __lsan_register_root_region((p), (n))
#define GOMAP__SLAB_ROOT_DEL(p, n) __lsan_unregister_root_region((p), (n))
#else
#define GOMAP__SLAB_POISON(p, n) ((void)(p), (void)(n))
#define GOMAP__SLAB_UNPOISON(p, n) ((void)(p), (void)(n))
#define GOMAP__SLAB_ROOT_ADD(p, n) ((void)(p), (void)(n))
#define GOMAP__SLAB_ROOT_DEL(p, n) ((void)(p), (void)(n))
#endif

/* ---- geometry -------------------------------------------------------------- */

#define GOMAP__SLAB_CHUNK ((size_t)2 << 20)
#define GOMAP__SLAB_PAGE ((size_t)64 << 10)
#define GOMAP__SLAB_PAGES ((unsigned)(GOMAP__SLAB_CHUNK / GOMAP__SLAB_PAGE))
/* The largest slot: at least 8 per page, so a page is worth owning. */
#define GOMAP__SLAB_MAX_SLOT (GOMAP__SLAB_PAGE / 8)
#define GOMAP__SLAB_MAX_STRIPES 1024u

struct gomap__slab_page {
	struct gomap__slab_page *next, *prev; /* the owner stripe's pages */
	void *free;                           /* freed slots, linked through their first word */
	uint32_t live;                        /* slots in use */
	uint32_t bump, end;                   /* never-used slots: [bump, end) in the chunk */
	uint32_t stripe;                      /* owner */
} __attribute__((aligned(64)));               /* owners of neighbouring pages differ */

struct gomap__slab_chunk {
	struct gomap__slab_chunk *next, *prev; /* the slab's chunks */
	uint32_t used;                         /* pages owned by stripes (bit i: page i) */
	struct gomap__slab_page page[GOMAP__SLAB_PAGES];
};

_Static_assert(GOMAP__SLAB_PAGES <= 32, "page mask is 32 bits");

/* Page 0's slots start after the chunk header. */
#define GOMAP__SLAB_CHUNK_HDR ((sizeof(struct gomap__slab_chunk) + 63) & ~(size_t)63)

/* A stripe's pages, under its own lock: one cache line per stripe. */
struct gomap__slab_stripe {
	_Atomic uint32_t lock;
	uint32_t npages;                /* on the pages list */
	struct gomap__slab_page *pages; /* owned pages */
	struct gomap__slab_page *cur;   /* the one allocated from */
} __attribute__((aligned(64)));

struct gomap__slab {
	/* read by every call */
	struct gomap__slab_stripe *st; /* nstripes of them (NULL: no slab) */
	uint32_t size;                 /* slot size, a multiple of 8 */
	uint32_t nstripes;             /* a power of two */
	const void *owner;             /* named in fatal errors */
	/* chunk and page bookkeeping, under lock */
	_Atomic uint32_t lock;
	struct gomap__slab_chunk *chunks;
	size_t nchunks;
};

/* ---- out of line (src/slab.c) ------------------------------------------------ */

/* Set up an empty slab of @size-byte slots (8 <= size <= MAX_SLOT, a
 * multiple of 8) for @nstripes stripes (a power of two up to MAX_STRIPES);
 * size 0 sets up a slab that is never allocated from. 0 or GOMAP_ENOMEM
 * (then @sl holds nothing; destroy is still allowed). */
int gomap__slab_init(struct gomap__slab *sl, size_t size, unsigned nstripes, const void *owner);
/* Unmap every chunk (live slots too) and free the stripes. Idempotent. */
void gomap__slab_destroy(struct gomap__slab *sl);
/* Bytes of mapped chunks. */
size_t gomap__slab_bytes(struct gomap__slab *sl);
/* Slots in use, counted page by page under the stripe locks. */
size_t gomap__slab_live(struct gomap__slab *sl);
/* Under stripe @si's lock: a page of that stripe with room, made current,
 * or NULL without memory. */
struct gomap__slab_page *gomap__slab_refill(struct gomap__slab *sl, unsigned si);
/* Under the lock of the stripe that owns page @i of @c, which has just
 * become empty: unlink it, release the lock, give the page back. */
void gomap__slab_page_empty(struct gomap__slab *sl, struct gomap__slab_chunk *c, unsigned i);
_Noreturn void gomap__slab_corrupted(const struct gomap__slab *sl, const char *what);

/* ---- inline: the paths every allocation and free take ------------------------- */

static inline void gomap__slab_stripe_lock(struct gomap__slab_stripe *s)
{
	unsigned spins = 0;
	for (;;) {
		if (!atomic_load_explicit(&s->lock, memory_order_relaxed)) {
			uint32_t z = 0;
			if (atomic_compare_exchange_weak_explicit(&s->lock, &z, 1, memory_order_acquire,
			                                          memory_order_relaxed))
				return;
		}
		/* Spin politely, then yield: with more threads than cores the
		 * holder may be preempted. */
		if (++spins < 64) {
			gomap__cpu_relax();
		} else {
			spins = 0;
			sched_yield();
		}
	}
}

static inline void gomap__slab_stripe_unlock(struct gomap__slab_stripe *s)
{
	atomic_store_explicit(&s->lock, 0, memory_order_release);
}

static inline struct gomap__slab_chunk *gomap__slab_chunk_of(const void *slot)
{
	return (struct gomap__slab_chunk *)((uintptr_t)slot & ~(uintptr_t)(GOMAP__SLAB_CHUNK - 1));
}

/* Offset in its chunk of page @i's first slot. */
static inline size_t gomap__slab_page_first(unsigned i)
{
	return i == 0 ? GOMAP__SLAB_CHUNK_HDR : i * GOMAP__SLAB_PAGE;
}

/* Is @slot a slot of page @i of chunk @c, below its never-used space? */
static inline bool gomap__slab_slot_ok(const struct gomap__slab *sl, const struct gomap__slab_chunk *c,
                                       unsigned i, const void *slot)
{
	size_t off = (size_t)((uintptr_t)slot - (uintptr_t)c), first = gomap__slab_page_first(i);
	return off >= first && off + sl->size <= c->page[i].bump && (off - first) % sl->size == 0;
}

static inline bool gomap__slab_page_room(const struct gomap__slab *sl, const struct gomap__slab_page *p)
{
	return p->free || p->bump + sl->size <= p->end;
}

/* A slot for @n bytes (n <= size), from stripe @hint & (nstripes - 1), or
 * NULL. The slot's first @n bytes are addressable (ASan), their contents
 * undefined. */
static inline void *gomap__slab_alloc(struct gomap__slab *sl, size_t n, unsigned hint)
{
	unsigned si = hint & (sl->nstripes - 1);
	struct gomap__slab_stripe *s = &sl->st[si];
	GOMAP_ASSERT_MAP(n <= sl->size, sl->owner);
	gomap__slab_stripe_lock(s);
	struct gomap__slab_page *p = s->cur;
	if (__builtin_expect(!p || !gomap__slab_page_room(sl, p), 0)) {
		p = gomap__slab_refill(sl, si);
		if (!p) {
			gomap__slab_stripe_unlock(s);
			return NULL;
		}
	}
	struct gomap__slab_chunk *c = gomap__slab_chunk_of(p);
	unsigned pi = (unsigned)(p - c->page);
	GOMAP_ASSERT_MAP(p->stripe == si && (c->used & (1u << pi)), sl->owner);
	void *slot;
	if (p->free) {
		slot = p->free;
		GOMAP__SLAB_UNPOISON(slot, sizeof(void *)); /* the free-list link */
		p->free = *(void **)slot;
	} else {
		slot = (char *)c + p->bump;
		p->bump += sl->size;
		GOMAP_ASSERT_MAP(p->bump <= p->end, sl->owner);
	}
	GOMAP_ASSERT_MAP(gomap__slab_slot_ok(sl, c, pi, slot) && p->live < GOMAP__SLAB_PAGE / sl->size, sl->owner);
	p->live++;
	GOMAP__SLAB_UNPOISON(slot, n);
	gomap__slab_stripe_unlock(s);
	return slot;
}

/* Give back a slot that gomap__slab_alloc of @sl returned. Any thread; the
 * slot passes to its next owner under the page's stripe lock. */
static inline void gomap__slab_free(struct gomap__slab *sl, void *slot)
{
	struct gomap__slab_chunk *c = gomap__slab_chunk_of(slot);
	unsigned i = (unsigned)(((uintptr_t)slot - (uintptr_t)c) / GOMAP__SLAB_PAGE);
	struct gomap__slab_page *p = &c->page[i];
	GOMAP_ASSERT_MAP(p->stripe < sl->nstripes, sl->owner);
	struct gomap__slab_stripe *s = &sl->st[p->stripe]; /* fixed while the page has live slots */
	gomap__slab_stripe_lock(s);
	GOMAP_ASSERT_MAP((c->used & (1u << i)) && p->live > 0 && gomap__slab_slot_ok(sl, c, i, slot), sl->owner);
	*(void **)slot = p->free;
	p->free = slot;
	GOMAP__SLAB_POISON(slot, sl->size);
	if (__builtin_expect(--p->live == 0, 0)) {
		gomap__slab_page_empty(sl, c, i); /* unlocks */
		return;
	}
	gomap__slab_stripe_unlock(s);
}

#endif /* GOMAP_SLAB_H */
