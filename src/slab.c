/*
 * src/slab.c - the entry slab of the sync map: fixed-size slots on 2 MiB
 * chunks, kept apart from the table and its reclamation (src/sync.c) the way
 * liburcu keeps its hash table's memory layer in rculfhash-mm-*.c. The fast
 * paths are inline in src/internal/slab.h.
 *
 * Why. With the default allocator, the sync map takes fixed-size entries
 * (every key kind but owned strings, and owned strings short enough for one
 * 64-byte slot) from a per-map slab instead of malloc. A lookup's second
 * cache miss is the entry, and with entries scattered over 4 KiB heap pages
 * it is also a TLB miss; a slab keeps them dense on 2 MiB-aligned chunks,
 * and once a slab has two chunks every chunk asks for transparent huge
 * pages (MADV_HUGEPAGE), which halved read time at 16 threads in our runs.
 * Slots carry no malloc header (a u64/u64 entry takes 24 bytes, not 32).
 *
 * Layout. A chunk is 2 MiB, 2 MiB-aligned (so a slot finds its chunk by
 * masking its address), cut into 32 pages of 64 KiB; the chunk's header
 * (links, a bitmask of owned pages, the 32 page descriptors) sits at the
 * start of page 0, whose slots begin after it. A page is cut into slots of
 * the slab's size: [page_first, bump) were handed out at least once (live
 * or on the page's free list), [bump, end) never were.
 *
 * Ownership and locks. A page belongs to the stripe that took it until it
 * is empty. Allocation takes a slot from the stripe's current page under
 * the stripe's lock (one cache line per stripe, picked by the caller's
 * hint: the sync map passes its thread number). A free, from any thread,
 * finds the page from the slot address and takes its owner stripe's lock.
 * An empty page goes back to its chunk, and an empty chunk is unmapped, so
 * memory returns after mass deletes. Chunk and page bookkeeping is under
 * the slab's lock, taken inside a stripe lock, never the other way round.
 *
 * Sanitizers run the slab too, so the default allocation path of the sync
 * map is the one under test. ASan: a chunk starts poisoned past its header;
 * an allocation unpoisons exactly the bytes asked for; a free poisons the
 * whole slot (its free-list link included, unpoisoned only while the stripe
 * lock holder reads it); a chunk is unpoisoned before munmap. A use after
 * free into a slot is then ASan's "use-after-poison". TSan: a slot passes
 * from its freer to its next owner under the stripe lock (C11 atomics,
 * which TSan sees). Only MemorySanitizer keeps users on malloc
 * (GOMAP__SLAB_NONE).
 *
 * Invariants (GOMAP_ASSERT at level >= 1, tests/sync/test_slab.c):
 *  S1 a page on a stripe's list is owned by that stripe (page.stripe) and
 *     marked used in its chunk; a used page is on exactly one stripe list;
 *  S2 live counts the page's slots handed out and not freed, at most the
 *     page's slot count; a page whose live drops to 0 leaves its stripe
 *     and its chunk at once;
 *  S3 bump never passes end; a slot handed out or freed lies in its page,
 *     at a multiple of the slot size from the page's first slot, below
 *     bump;
 *  S4 a chunk is on the slab's list while it has a used page, and
 *     nchunks counts that list; a stripe's npages counts its list. Every
 *     walk of these lists is bounded by its count: past it the slab is
 *     corrupt (memory overwritten by the program, a map used after free)
 *     and the walk stops with a fatal "corrupted map" error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <gomap/common.h>

#include "internal/map_internal.h"
#include "internal/slab.h"

_Noreturn __attribute__((cold, noinline)) void gomap__slab_corrupted(const struct gomap__slab *sl,
                                                                     const char *what)
{
	char msg[160];
	snprintf(msg, sizeof msg, "corrupted map (sync: %s)", what);
	gomap__fatal(msg, sl->owner, 0);
}

int gomap__slab_init(struct gomap__slab *sl, size_t size, unsigned nstripes, const void *owner)
{
	memset(sl, 0, sizeof *sl);
	sl->owner = owner;
	if (size == 0)
		return 0; /* never allocated from */
	GOMAP_ASSERT_MAP(size >= sizeof(void *) && size <= GOMAP__SLAB_MAX_SLOT && size % 8 == 0, owner);
	GOMAP_ASSERT_MAP(nstripes > 0 && nstripes <= GOMAP__SLAB_MAX_STRIPES && !(nstripes & (nstripes - 1)), owner);
	struct gomap__slab_stripe *st = aligned_alloc(64, sizeof *st * nstripes);
	if (!st)
		return GOMAP_ENOMEM;
	memset(st, 0, sizeof *st * nstripes);
	sl->st = st;
	sl->size = (uint32_t)size;
	sl->nstripes = nstripes;
	return 0;
}

static void slab_lock(struct gomap__slab *sl)
{
	unsigned spins = 0;
	for (;;) {
		uint32_t z = 0;
		if (atomic_compare_exchange_weak_explicit(&sl->lock, &z, 1, memory_order_acquire,
		                                          memory_order_relaxed))
			return;
		if (++spins < 64) {
			gomap__cpu_relax();
		} else {
			spins = 0;
			sched_yield();
		}
	}
}

static void slab_unlock(struct gomap__slab *sl) { atomic_store_explicit(&sl->lock, 0, memory_order_release); }

/* Give a chunk's memory back. */
static void chunk_unmap(struct gomap__slab_chunk *c)
{
	GOMAP__SLAB_ROOT_DEL(c, GOMAP__SLAB_CHUNK);
	GOMAP__SLAB_UNPOISON(c, GOMAP__SLAB_CHUNK); /* whoever maps this range next starts clean */
	munmap(c, GOMAP__SLAB_CHUNK);
}

/* A fresh, 2 MiB-aligned, zeroed chunk on the list, or NULL. Under the
 * slab lock. */
static struct gomap__slab_chunk *chunk_new(struct gomap__slab *sl)
{
	size_t len = 2 * GOMAP__SLAB_CHUNK;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	uintptr_t a = ((uintptr_t)p + GOMAP__SLAB_CHUNK - 1) & ~(uintptr_t)(GOMAP__SLAB_CHUNK - 1);
	if (a > (uintptr_t)p)
		munmap(p, a - (uintptr_t)p);
	if ((uintptr_t)p + len > a + GOMAP__SLAB_CHUNK)
		munmap((void *)(a + GOMAP__SLAB_CHUNK), (uintptr_t)p + len - (a + GOMAP__SLAB_CHUNK));
	struct gomap__slab_chunk *c = (struct gomap__slab_chunk *)a;
	/* no slot handed out yet */
	GOMAP__SLAB_POISON((char *)c + GOMAP__SLAB_CHUNK_HDR, GOMAP__SLAB_CHUNK - GOMAP__SLAB_CHUNK_HDR);
	GOMAP__SLAB_ROOT_ADD(c, GOMAP__SLAB_CHUNK);
#ifdef MADV_HUGEPAGE
	/* A slab past one chunk is big: huge pages for all its chunks. */
	if (sl->nchunks >= 1) {
		(void)madvise(c, GOMAP__SLAB_CHUNK, MADV_HUGEPAGE);
		if (sl->nchunks == 1)
			(void)madvise(sl->chunks, GOMAP__SLAB_CHUNK, MADV_HUGEPAGE);
	}
#endif
	c->next = sl->chunks;
	if (sl->chunks)
		sl->chunks->prev = c;
	sl->chunks = c;
	sl->nchunks++;
	return c;
}

/* Hand a free page to stripe @si (S1). */
static struct gomap__slab_page *page_get(struct gomap__slab *sl, unsigned si)
{
	slab_lock(sl);
	struct gomap__slab_chunk *c = sl->chunks;
	for (size_t n = 0; c && c->used == (uint32_t)((1ull << GOMAP__SLAB_PAGES) - 1); c = c->next)
		if (++n > sl->nchunks)
			gomap__slab_corrupted(sl, "slab chunk list");
	if (!c && !(c = chunk_new(sl))) {
		slab_unlock(sl);
		return NULL;
	}
	unsigned i = (unsigned)__builtin_ctz(~c->used);
	GOMAP_ASSERT_MAP(i < GOMAP__SLAB_PAGES, sl->owner);
	c->used |= 1u << i;
	struct gomap__slab_page *p = &c->page[i];
	memset(p, 0, sizeof *p);
	p->bump = (uint32_t)gomap__slab_page_first(i);
	p->end = (uint32_t)((i + 1) * GOMAP__SLAB_PAGE);
	p->stripe = si;
	slab_unlock(sl);
	return p;
}

/* Give an empty page back; unmap its chunk when that was its last (S2, S4). */
static void page_put(struct gomap__slab *sl, struct gomap__slab_chunk *c, unsigned i)
{
	slab_lock(sl);
	GOMAP_ASSERT_MAP((c->used & (1u << i)) && c->page[i].live == 0 && sl->nchunks > 0, sl->owner);
	c->used &= ~(1u << i);
	bool unmap = c->used == 0;
	if (unmap) {
		if (c->prev)
			c->prev->next = c->next;
		else
			sl->chunks = c->next;
		if (c->next)
			c->next->prev = c->prev;
		sl->nchunks--;
	}
	slab_unlock(sl);
	if (unmap)
		chunk_unmap(c);
}

struct gomap__slab_page *gomap__slab_refill(struct gomap__slab *sl, unsigned si)
{
	struct gomap__slab_stripe *s = &sl->st[si];
	struct gomap__slab_page *p;
	uint32_t k = 0;
	for (p = s->pages; p && !gomap__slab_page_room(sl, p); p = p->next)
		if (++k > s->npages)
			gomap__slab_corrupted(sl, "slab page list");
	if (!p) {
		p = page_get(sl, si);
		if (!p)
			return NULL;
		p->next = s->pages;
		if (s->pages)
			s->pages->prev = p;
		s->pages = p;
		s->npages++;
	}
	s->cur = p;
	return p;
}

void gomap__slab_page_empty(struct gomap__slab *sl, struct gomap__slab_chunk *c, unsigned i)
{
	struct gomap__slab_page *p = &c->page[i];
	struct gomap__slab_stripe *s = &sl->st[p->stripe];
	GOMAP_ASSERT_MAP(s->npages > 0 && p->live == 0, sl->owner);
	if (p->prev)
		p->prev->next = p->next;
	else
		s->pages = p->next;
	if (p->next)
		p->next->prev = p->prev;
	s->npages--;
	if (s->cur == p)
		s->cur = NULL;
	gomap__slab_stripe_unlock(s);
	page_put(sl, c, i);
}

size_t gomap__slab_bytes(struct gomap__slab *sl)
{
	slab_lock(sl);
	size_t n = sl->nchunks * GOMAP__SLAB_CHUNK;
	slab_unlock(sl);
	return n;
}

size_t gomap__slab_live(struct gomap__slab *sl)
{
	size_t live = 0;
	for (unsigned i = 0; i < sl->nstripes; i++) {
		struct gomap__slab_stripe *s = &sl->st[i];
		gomap__slab_stripe_lock(s);
		uint32_t k = 0;
		for (struct gomap__slab_page *p = s->pages; p; p = p->next) {
			if (++k > s->npages)
				gomap__slab_corrupted(sl, "slab page list");
			GOMAP_ASSERT_MAP(p->stripe == i && p->live > 0, sl->owner);
			live += p->live;
		}
		GOMAP_ASSERT_MAP(k == s->npages, sl->owner);
		gomap__slab_stripe_unlock(s);
	}
	return live;
}

void gomap__slab_destroy(struct gomap__slab *sl)
{
	for (size_t n = 0; sl->chunks; n++) {
		if (n == sl->nchunks)
			gomap__slab_corrupted(sl, "slab chunk list");
		struct gomap__slab_chunk *c = sl->chunks;
		sl->chunks = c->next;
		chunk_unmap(c);
	}
	sl->nchunks = 0;
	free(sl->st);
	sl->st = NULL;
	sl->nstripes = 0;
}
