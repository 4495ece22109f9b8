/*
 * tests/sync/test_slab.c - the entry slab on its own (src/slab.c,
 * src/internal/slab.h), through its internal API, without a map:
 *  - slots: aligned, inside their page, disjoint, their bytes kept; freed
 *    slots are reused, a page that empties goes back to its chunk and is
 *    handed to the next stripe that needs one, an empty chunk is unmapped;
 *  - accounting: after every step of a seeded alloc/free sequence over
 *    several stripes and chunks, a walk of every chunk checks the slab's
 *    invariants (S1-S4 of src/slab.c) against the test's own count;
 *  - ASan (asan config): a slot is addressable for exactly the bytes asked
 *    for, and a freed slot, never-used page space and unowned pages are
 *    poisoned (__asan_address_is_poisoned);
 *  - threads: allocations on every stripe while other threads free into the
 *    same stripes (the tsan config checks the stripe lock handoff);
 *  - a looping page list ends in the fatal "corrupted map" error (a child).
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "internal/slab.h"
#include "sync_test_util.h"

static const char owner[] = "test slab"; /* named in fatal errors */

static int cmp_ptr(const void *a, const void *b)
{
	uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;
	return x < y ? -1 : x > y;
}

static unsigned page_of(const void *slot)
{
	return (unsigned)(((uintptr_t)slot - (uintptr_t)gomap__slab_chunk_of(slot)) / GOMAP__SLAB_PAGE);
}

/* Walk every chunk and stripe, check S1-S4, and return the live slots. */
static size_t check_slab(struct gomap__slab *sl)
{
	size_t live = 0, nchunks = 0, used_pages = 0, listed = 0;
	for (struct gomap__slab_chunk *c = sl->chunks; c; c = c->next) {
		assert_true(++nchunks <= sl->nchunks);
		assert_int_equal((uintptr_t)c % GOMAP__SLAB_CHUNK, 0);
		assert_true(c->next == NULL || c->next->prev == c);
		assert_int_not_equal(c->used, 0); /* S4: an empty chunk is gone */
		for (unsigned i = 0; i < GOMAP__SLAB_PAGES; i++) {
			if (!(c->used & (1u << i)))
				continue;
			struct gomap__slab_page *p = &c->page[i];
			used_pages++;
			assert_true(p->stripe < sl->nstripes);
			assert_true(p->live > 0 && p->live <= GOMAP__SLAB_PAGE / sl->size); /* S2 */
			assert_true(p->bump >= gomap__slab_page_first(i) && p->bump <= p->end); /* S3 */
			assert_int_equal(p->end, (i + 1) * GOMAP__SLAB_PAGE);
			assert_int_equal((p->bump - gomap__slab_page_first(i)) % sl->size, 0);
			/* handed out = live + free list */
			size_t nfree = 0;
			for (void *f = p->free; f;) {
				assert_true(gomap__slab_slot_ok(sl, c, i, f));
				assert_true(++nfree <= GOMAP__SLAB_PAGE / sl->size);
				GOMAP__SLAB_UNPOISON(f, sizeof(void *)); /* the link, as the slab reads it */
				void *next = *(void **)f;
				GOMAP__SLAB_POISON(f, sizeof(void *));
				f = next;
			}
			assert_int_equal((p->bump - gomap__slab_page_first(i)) / sl->size, p->live + nfree);
			live += p->live;
		}
	}
	assert_int_equal(nchunks, sl->nchunks);
	for (unsigned si = 0; si < sl->nstripes; si++) {
		struct gomap__slab_stripe *s = &sl->st[si];
		uint32_t n = 0;
		for (struct gomap__slab_page *p = s->pages; p; p = p->next) {
			assert_true(++n <= s->npages);
			assert_int_equal(p->stripe, si); /* S1 */
			struct gomap__slab_chunk *c = gomap__slab_chunk_of(p);
			assert_true(c->used & (1u << (unsigned)(p - c->page)));
			assert_true(p->next == NULL || p->next->prev == p);
		}
		assert_int_equal(n, s->npages);
		listed += n;
		if (s->cur) {
			bool found = false;
			for (struct gomap__slab_page *p = s->pages; p; p = p->next)
				found |= p == s->cur;
			assert_true(found);
		}
	}
	assert_int_equal(listed, used_pages); /* S1: each used page on one list */
	assert_int_equal(gomap__slab_live(sl), live);
	assert_int_equal(gomap__slab_bytes(sl), sl->nchunks * GOMAP__SLAB_CHUNK);
	return live;
}

/* ---- slots -------------------------------------------------------------------- */

static void test_slab_slots(void **state)
{
	(void)state;
	struct gomap__slab sl;
	assert_int_equal(gomap__slab_init(&sl, 24, 8, owner), 0);
	assert_int_equal(sl.size, 24);
	assert_int_equal(sl.nstripes, 8);
	assert_int_equal(gomap__slab_bytes(&sl), 0); /* nothing mapped before the first slot */
	const size_t esz = 20;
	enum { N = 6000 }; /* 144,000 bytes: three pages */
	void **slot = calloc(N, sizeof *slot);
	uintptr_t *sorted = calloc(N, sizeof *sorted);
	assert_non_null(slot);
	assert_non_null(sorted);
	for (size_t i = 0; i < N; i++) {
		slot[i] = gomap__slab_alloc(&sl, esz, 3);
		assert_non_null(slot[i]);
		assert_int_equal((uintptr_t)slot[i] % 8, 0);
		struct gomap__slab_chunk *c = gomap__slab_chunk_of(slot[i]);
		unsigned pi = page_of(slot[i]);
		assert_true(c->used & (1u << pi));
		assert_int_equal(c->page[pi].stripe, 3);
		assert_true(gomap__slab_slot_ok(&sl, c, pi, slot[i]));
		memset(slot[i], (int)(i & 0xff), esz); /* the slot's bytes are ours */
		sorted[i] = (uintptr_t)slot[i];
	}
	qsort(sorted, N, sizeof *sorted, cmp_ptr);
	for (size_t i = 1; i < N; i++)
		assert_true(sorted[i] - sorted[i - 1] >= sl.size); /* no overlap */
	for (size_t i = 0; i < N; i++)
		assert_int_equal(*(unsigned char *)slot[i], (unsigned char)(i & 0xff));
	assert_int_equal(check_slab(&sl), N);
	assert_int_equal(sl.nchunks, 1);
	assert_int_equal(sl.st[3].npages, 3);
	assert_int_equal(gomap__slab_bytes(&sl), GOMAP__SLAB_CHUNK);
	for (size_t i = 0; i < N; i += 2)
		gomap__slab_free(&sl, slot[i]);
	assert_int_equal(check_slab(&sl), N / 2);
	/* freed slots are reused, after the current page's never-used space:
	 * no new page */
	struct gomap__slab_page *cur = sl.st[3].cur;
	assert_non_null(cur);
	size_t room = (cur->end - cur->bump) / sl.size, reused = 0;
	for (size_t i = 0; i < N; i += 2) {
		void *p = gomap__slab_alloc(&sl, esz, 3);
		assert_non_null(p);
		reused += bsearch(&p, sorted, N, sizeof *sorted, cmp_ptr) != NULL;
		slot[i] = p;
		memset(slot[i], 0xab, esz);
	}
	assert_int_equal(reused, N / 2 - room);
	assert_int_equal(check_slab(&sl), N);
	assert_int_equal(sl.nchunks, 1);
	assert_int_equal(sl.st[3].npages, 3);
	for (size_t i = 1; i < N; i += 2) /* untouched by the reuse */
		assert_int_equal(*(unsigned char *)slot[i], (unsigned char)(i & 0xff));
	for (size_t i = 0; i < N; i++)
		gomap__slab_free(&sl, slot[i]);
	/* every page back, the chunk unmapped */
	assert_int_equal(check_slab(&sl), 0);
	assert_int_equal(sl.nchunks, 0);
	assert_null(sl.chunks);
	for (unsigned i = 0; i < sl.nstripes; i++) {
		assert_null(sl.st[i].pages);
		assert_null(sl.st[i].cur);
		assert_int_equal(sl.st[i].npages, 0);
	}
	assert_int_equal(gomap__slab_bytes(&sl), 0);
	gomap__slab_destroy(&sl);
	assert_null(sl.st);
	assert_int_equal(sl.nchunks, 0);
	gomap__slab_destroy(&sl); /* idempotent */
	free(sorted);
	free(slot);
}

/* The last freed slot of a page is the next one handed out (LIFO), and a
 * page that empties goes to the next stripe that needs a page. */
static void test_slab_page_reuse(void **state)
{
	(void)state;
	struct gomap__slab sl;
	const size_t sz = 1024; /* 64 per page (fewer in page 0, after the header) */
	assert_int_equal(gomap__slab_init(&sl, sz, 4, owner), 0);
	void *keep = gomap__slab_alloc(&sl, sz, 1); /* keeps the chunk mapped */
	assert_non_null(keep);
	unsigned keep_page = page_of(keep);
	assert_int_equal(keep_page, 0);
	struct gomap__slab_chunk *c = gomap__slab_chunk_of(keep);
	/* stripe 0 fills one page and starts a second */
	size_t per = GOMAP__SLAB_PAGE / sz;
	void **s0 = calloc(per + 1, sizeof *s0);
	assert_non_null(s0);
	for (size_t i = 0; i <= per; i++) {
		s0[i] = gomap__slab_alloc(&sl, sz, 0);
		assert_non_null(s0[i]);
		assert_ptr_equal(gomap__slab_chunk_of(s0[i]), c);
	}
	assert_int_equal(page_of(s0[0]), 1);
	assert_int_equal(page_of(s0[per - 1]), 1);
	assert_int_equal(page_of(s0[per]), 2); /* the first page was full */
	assert_int_equal(sl.st[0].npages, 2);
	assert_int_equal(c->used, 0x7u);
	check_slab(&sl);
	/* the current page's free list comes before its never-used space,
	 * last freed first */
	assert_ptr_equal(sl.st[0].cur, &c->page[2]);
	void *t1 = gomap__slab_alloc(&sl, sz, 0);
	assert_ptr_equal(t1, (char *)s0[per] + sz); /* bump */
	void *t2 = gomap__slab_alloc(&sl, sz, 0);
	gomap__slab_free(&sl, t1);
	gomap__slab_free(&sl, t2);
	assert_int_equal(c->page[2].live, 1);
	assert_ptr_equal(gomap__slab_alloc(&sl, sz, 0), t2);
	assert_ptr_equal(gomap__slab_alloc(&sl, sz, 0), t1);
	gomap__slab_free(&sl, t1);
	gomap__slab_free(&sl, t2);
	/* a full page's free slot is used once the current page is full */
	gomap__slab_free(&sl, s0[5]);
	assert_int_equal(c->page[1].live, per - 1);
	size_t room = (c->page[2].end - c->page[2].bump) / sz + 2; /* and t1, t2 */
	void **fill = calloc(room + 1, sizeof *fill);
	assert_non_null(fill);
	for (size_t i = 0; i < room + 1; i++)
		fill[i] = gomap__slab_alloc(&sl, sz, 0);
	assert_ptr_equal(fill[room], s0[5]);
	assert_ptr_equal(sl.st[0].cur, &c->page[1]);
	for (size_t i = 0; i < room; i++)
		gomap__slab_free(&sl, fill[i]);
	free(fill);
	/* empty page 1: it leaves stripe 0 and its chunk, the chunk stays */
	for (size_t i = 0; i < per; i++)
		gomap__slab_free(&sl, s0[i]);
	assert_int_equal(c->used, 0x5u);
	assert_int_equal(sl.st[0].npages, 1);
	assert_int_equal(sl.nchunks, 1);
	assert_int_equal(check_slab(&sl), 2);
	/* stripe 2 needs a page: it gets page 1, from its first slot */
	void *s2 = gomap__slab_alloc(&sl, sz, 2);
	assert_non_null(s2);
	assert_int_equal(page_of(s2), 1);
	assert_ptr_equal(s2, s0[0]);
	assert_int_equal(c->page[1].stripe, 2);
	assert_int_equal(c->page[1].live, 1);
	assert_null(c->page[1].free); /* the old free list went with the page */
	assert_int_equal(check_slab(&sl), 3);
	/* hints wrap: hint 6 is stripe 2 */
	void *s6 = gomap__slab_alloc(&sl, sz, 6);
	assert_int_equal(page_of(s6), 1);
	assert_int_equal(sl.st[2].npages, 1);
	gomap__slab_free(&sl, s6);
	gomap__slab_free(&sl, s2);
	gomap__slab_free(&sl, s0[per]);
	assert_int_equal(sl.nchunks, 1);
	gomap__slab_free(&sl, keep);
	assert_int_equal(check_slab(&sl), 0);
	assert_int_equal(sl.nchunks, 0);
	gomap__slab_destroy(&sl);
	free(s0);
}

/* A seeded random sequence over stripes and chunks; the slab's books are
 * checked after every step batch against the test's own. */
static void test_slab_accounting(void **state)
{
	(void)state;
	struct gomap__slab sl;
	const size_t sz = 4096; /* 16 per page, 511 per chunk: chunks come and go */
	assert_int_equal(gomap__slab_init(&sl, sz, 16, owner), 0);
	enum { CAP = 3000, STEPS = 40000 };
	void **live = calloc(CAP, sizeof *live);
	uint32_t *tag = calloc(CAP, sizeof *tag);
	assert_non_null(live);
	assert_non_null(tag);
	size_t n = 0, max_chunks = 0;
	uint64_t rs = 12345;
	for (uint32_t step = 1; step <= STEPS; step++) {
		uint64_t r = rng_next(&rs);
		/* phases that grow to CAP and drain to nothing */
		bool grow = (step / 5000) % 2 == 0;
		if (n < CAP && (n == 0 || (r % 100) < (grow ? 70u : 30u))) {
			size_t ask = 8 + (size_t)(r >> 32) % (sz - 7);
			void *p = gomap__slab_alloc(&sl, ask, (unsigned)(r >> 8));
			assert_non_null(p);
			memcpy(p, &step, sizeof step);
			live[n] = p;
			tag[n] = step;
			n++;
		} else {
			size_t i = (size_t)(r >> 16) % n;
			uint32_t t;
			memcpy(&t, live[i], sizeof t);
			assert_int_equal(t, tag[i]); /* nobody else wrote our slot */
			gomap__slab_free(&sl, live[i]);
			live[i] = live[n - 1];
			tag[i] = tag[n - 1];
			n--;
		}
		if (sl.nchunks > max_chunks)
			max_chunks = sl.nchunks;
		if (step % 500 == 0 || n == 0)
			assert_int_equal(check_slab(&sl), n);
	}
	assert_true(max_chunks >= 4); /* the sequence did span chunks */
	while (n > 0)
		gomap__slab_free(&sl, live[--n]);
	assert_int_equal(check_slab(&sl), 0);
	assert_int_equal(sl.nchunks, 0);
	assert_int_equal(gomap__slab_bytes(&sl), 0);
	gomap__slab_destroy(&sl);
	free(tag);
	free(live);
}

/* size 0: an empty slab that maps nothing; destroy of live slots unmaps. */
static void test_slab_init_destroy(void **state)
{
	(void)state;
	struct gomap__slab sl;
	assert_int_equal(gomap__slab_init(&sl, 0, 8, owner), 0);
	assert_null(sl.st);
	assert_int_equal(sl.size, 0);
	assert_int_equal(gomap__slab_bytes(&sl), 0);
	gomap__slab_destroy(&sl);
	assert_int_equal(gomap__slab_init(&sl, 64, 1, owner), 0);
	assert_non_null(sl.st);
	assert_int_equal((uintptr_t)sl.st % 64, 0);
	for (int i = 0; i < 2000; i++) /* two pages, slots left live */
		assert_non_null(gomap__slab_alloc(&sl, 64, (unsigned)i));
	assert_int_equal(sl.st[0].npages, 2);
	assert_int_equal(check_slab(&sl), 2000);
	gomap__slab_destroy(&sl); /* unmaps with slots live */
	assert_null(sl.st);
	assert_null(sl.chunks);
	assert_int_equal(sl.nchunks, 0);
}

/* ---- ASan ------------------------------------------------------------------------ */

static void test_slab_asan_poison(void **state)
{
	(void)state;
#ifndef GOMAP__SLAB_ASAN
	skip(); /* the asan config's test */
#else
	struct gomap__slab sl;
	assert_int_equal(gomap__slab_init(&sl, 48, 2, owner), 0);
	char *a = gomap__slab_alloc(&sl, 40, 0);
	char *b = gomap__slab_alloc(&sl, 48, 0);
	assert_non_null(a);
	assert_non_null(b);
	struct gomap__slab_chunk *c = gomap__slab_chunk_of(a);
	assert_false(__asan_address_is_poisoned(c));                        /* the header */
	assert_false(__asan_address_is_poisoned((char *)c + GOMAP__SLAB_CHUNK_HDR - 1));
	assert_null(__asan_region_is_poisoned(a, 40));                      /* asked for */
	assert_true(__asan_address_is_poisoned(a + 40));                    /* slot padding */
	assert_null(__asan_region_is_poisoned(b, 48));
	struct gomap__slab_page *p = &c->page[page_of(a)];
	assert_true(__asan_address_is_poisoned((char *)c + p->bump));        /* never used */
	assert_true(__asan_address_is_poisoned((char *)c + GOMAP__SLAB_CHUNK - 1)); /* unowned */
	gomap__slab_free(&sl, a);
	assert_true(__asan_address_is_poisoned(a)); /* freed: its link too */
	assert_true(__asan_address_is_poisoned(a + 39));
	assert_null(__asan_region_is_poisoned(b, 48)); /* the neighbour stays */
	char *a2 = gomap__slab_alloc(&sl, 16, 0);
	assert_ptr_equal(a2, a); /* reused, for 16 bytes only */
	assert_null(__asan_region_is_poisoned(a2, 16));
	assert_true(__asan_address_is_poisoned(a2 + 16));
	gomap__slab_free(&sl, a2);
	gomap__slab_free(&sl, b);
	assert_int_equal(sl.nchunks, 0);
	gomap__slab_destroy(&sl);
#endif
}

/* ---- threads ----------------------------------------------------------------------- */

enum { NT = 4, PER = 2000 / SCALE_DIV + 64, ROUNDS = 12 };

struct tstate {
	struct gomap__slab *sl;
	pthread_barrier_t *bar;
	void *(*slots)[NT][PER]; /* [2][NT][PER]: this round's and the last */
	unsigned id;
};

/* Each round a thread allocates PER slots on its stripe and frees, one by
 * one in between, the slots its neighbour allocated the round before (so
 * frees into a stripe race with that stripe's own allocations). */
static void *worker(void *arg)
{
	struct tstate *t = arg;
	unsigned nb = (t->id + 1) % NT;
	for (unsigned r = 0; r < ROUNDS; r++) {
		void **mine = t->slots[r % 2][t->id];
		void **theirs = t->slots[(r + 1) % 2][nb];
		for (unsigned i = 0; i < PER; i++) {
			uint64_t *p = gomap__slab_alloc(t->sl, 24, t->id);
			TCHECK(p != NULL);
			if (!p)
				break;
			p[0] = ((uint64_t)t->id << 32) | r;
			p[1] = i;
			p[2] = ~p[0];
			mine[i] = p;
			if (r > 0) {
				uint64_t *q = theirs[i];
				TCHECK(q[0] == (((uint64_t)nb << 32) | (r - 1)) && q[1] == i && q[2] == ~q[0]);
				gomap__slab_free(t->sl, q);
			}
		}
		pthread_barrier_wait(t->bar);
	}
	return NULL;
}

static void test_slab_threads(void **state)
{
	(void)state;
	static void *slots[2][NT][PER];
	struct gomap__slab sl;
	assert_int_equal(gomap__slab_init(&sl, 24, NT, owner), 0);
	pthread_barrier_t bar;
	pthread_barrier_init(&bar, NULL, NT);
	struct tstate ts[NT];
	pthread_t th[NT];
	atomic_store(&tcheck_failed, 0);
	for (unsigned i = 0; i < NT; i++) {
		ts[i] = (struct tstate){&sl, &bar, slots, i};
		assert_int_equal(pthread_create(&th[i], NULL, worker, &ts[i]), 0);
	}
	for (unsigned i = 0; i < NT; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	pthread_barrier_destroy(&bar);
	if (atomic_load(&tcheck_failed))
		fail_msg("%s", tcheck_where);
	/* the last round's slots are live, every other one is free */
	assert_int_equal(check_slab(&sl), (size_t)NT * PER);
	for (unsigned t = 0; t < NT; t++)
		for (unsigned i = 0; i < PER; i++) {
			uint64_t *p = slots[(ROUNDS - 1) % 2][t][i];
			assert_int_equal(p[0], ((uint64_t)t << 32) | (ROUNDS - 1));
			assert_int_equal(p[1], i);
			assert_int_equal(gomap__slab_chunk_of(p)->page[page_of(p)].stripe, t);
			gomap__slab_free(&sl, p);
		}
	assert_int_equal(check_slab(&sl), 0);
	assert_int_equal(sl.nchunks, 0);
	gomap__slab_destroy(&sl);
}

/* ---- corrupted lists ---------------------------------------------------------------- */

/* Child: stripe 0's full page made to point at itself; the next allocation
 * walks the list for a page with room. */
static int child_page_loop(void)
{
	alarm(30);
	struct gomap__slab sl;
	if (gomap__slab_init(&sl, 4096, 1, owner))
		return 2;
	for (int i = 0; i < 15; i++) /* page 0 (after the header): 15 slots */
		if (!gomap__slab_alloc(&sl, 8, 0))
			return 3;
	struct gomap__slab_page *p = sl.st[0].cur;
	if (!p || gomap__slab_page_room(&sl, p))
		return 4;
	p->next = p;
	sl.st[0].cur = NULL;
	gomap__slab_alloc(&sl, 8, 0);
	fprintf(stderr, "returned\n");
	return 0;
}

static void test_slab_corrupt_page_list(void **state)
{
	(void)state;
	static char err[1 << 16];
	int st = run_child("page-loop", err, sizeof err);
	assert_true(st != -1);
	if (!strstr(err, "corrupted map"))
		fprintf(stderr, "child's status %#x, stderr:\n%s\n", st, err);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGABRT);
	assert_non_null(strstr(err, "fatal error: corrupted map (sync: slab page list)"));
	assert_null(strstr(err, "returned"));
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--child") == 0) {
		if (strcmp(argv[2], "page-loop") == 0)
			return child_page_loop();
		return 2;
	}
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_slab_slots),
	    cmocka_unit_test(test_slab_page_reuse),
	    cmocka_unit_test(test_slab_accounting),
	    cmocka_unit_test(test_slab_init_destroy),
	    cmocka_unit_test(test_slab_asan_poison),
	    cmocka_unit_test(test_slab_threads),
	    cmocka_unit_test(test_slab_corrupt_page_list),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
