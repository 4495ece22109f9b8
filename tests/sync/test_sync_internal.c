/*
 * tests/sync/test_sync_internal.c - white-box tests of src/sync.c, which this
 * file includes (the statics are the subject):
 *  - entries in the entry slab (src/slab.c; the slab alone is
 *    tests/sync/test_slab.c's): an entry is a slab slot, its chunk goes back
 *    when the last entry's grace period ends; under ASan, entries are
 *    addressable for exactly their own bytes, and a use after free into a
 *    freed entry is reported (a child process that must die with ASan's
 *    report);
 *  - corrupted maps: a looping overflow chain or table chain ends in the
 *    fatal error "corrupted map" naming the map, never in a hang (children
 *    that arm an alarm, so that a hang fails the test instead of stalling it);
 *  - clear of an empty map queues nothing for RCU and keeps its table;
 *  - internal assertions fire (debug levels 1 and 2).
 */
#include "sync.c"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "sync_test_util.h"

static gomap_sync_t *new_entry_map(void)
{
	gomap_sync_t *m = NULL;
	/* u64 -> u32: fixed-size entries, in the slab (u64 -> u64 is pair mode) */
	assert_int_equal(gomap_sync_new(&m, &gomap_type_u64, &gomap_type_u32, NULL), 0);
	assert_non_null(m);
	assert_false(m->pairs);
	return m;
}

static size_t slab_live(gomap_sync_t *m) { return gomap__slab_live(&m->sl); }

/* ---- entries in the slab ---------------------------------------------------- */

/* Entries of a map go through the slab, and each has its own bytes only. */
static bool grab_key(const void *key, void *val, void *ctx)
{
	(void)val;
	*(const void **)ctx = key;
	return false;
}

static void test_slab_entries(void **state)
{
	(void)state;
	gomap_sync_t *m = new_entry_map();
	/* the default path in every build, sanitizers included: 20-byte
	 * entries (u, key, value) in 24-byte slots */
	assert_int_equal(m->slab, 24);
	assert_int_equal(m->sl.size, 24);
	assert_int_equal(m->sl.nstripes, m->nstripes);
	assert_int_equal(m->sl.nchunks, 0);
	uint64_t k = 42, keep = 43;
	uint32_t v = 7, out = 0;
	assert_int_equal(gomap_sync_store(m, &k, &v), 0);
	const void *kp = NULL;
	assert_int_equal(gomap_sync_range(m, grab_key, &kp), 0);
	assert_non_null(kp);
	assert_int_equal(m->sl.nchunks, 1);
	assert_ptr_equal(gomap__slab_chunk_of(kp), m->sl.chunks); /* the entry is a slab slot */
	struct entry *e = (struct entry *)((uintptr_t)kp - offsetof(struct entry, data));
	assert_int_equal(entry_size(m, e), 20);
#ifdef GOMAP__SLAB_ASAN
	assert_null(__asan_region_is_poisoned(e, 20));
	assert_true(__asan_address_is_poisoned((char *)e + 20));
#endif
	assert_int_equal(gomap_sync_load(m, &k, &out), 1);
	assert_int_equal(out, 7);
	assert_int_equal(gomap_sync_store(m, &keep, &v), 0); /* keeps the page */
	assert_int_equal(gomap_sync_delete(m, &k), 1);
	assert_int_equal(gomap_sync_barrier(m), 0); /* the entry's grace period */
	assert_int_equal(slab_live(m), 1);
	assert_int_equal(m->sl.nchunks, 1);
#ifdef GOMAP__SLAB_ASAN
	assert_true(__asan_address_is_poisoned(e)); /* a free slot */
	assert_true(__asan_address_is_poisoned(kp));
#endif
	assert_int_equal(gomap_sync_load(m, &k, &out), 0);
	assert_int_equal(gomap_sync_delete(m, &keep), 1);
	assert_int_equal(gomap_sync_barrier(m), 0);
	assert_int_equal(slab_live(m), 0);
	assert_int_equal(m->sl.nchunks, 0); /* the empty chunk went back */
	gomap_sync_free(m);
}

/* Child: read a key through the pointer range gave, after the entry was
 * deleted and its grace period passed (another key keeps the page mapped).
 * ASan must stop the read. */
static int child_uaf(void)
{
	gomap_sync_t *m = new_entry_map();
	uint64_t k = 42, keep = 43;
	uint32_t v = 7;
	if (gomap_sync_store(m, &k, &v) != 0)
		return 2;
	const void *kp = NULL;
	gomap_sync_range(m, grab_key, &kp);
	if (!kp || m->sl.nchunks != 1 || gomap__slab_chunk_of(kp) != m->sl.chunks)
		return 3; /* not a slab entry */
	if (gomap_sync_store(m, &keep, &v) != 0 || gomap_sync_delete(m, &k) != 1 || gomap_sync_barrier(m) != 0)
		return 4;
	fprintf(stderr, "slot freed\n");
	volatile uint64_t x = *(const volatile uint64_t *)kp;
	fprintf(stderr, "read %llu: not reported\n", (unsigned long long)x);
	return 0;
}

static void test_slab_use_after_free(void **state)
{
	(void)state;
#ifndef GOMAP__SLAB_ASAN
	skip(); /* the asan config's test */
#else
	static char err[1 << 16];
	int st = run_child("uaf", err, sizeof err);
	assert_true(st != -1);
	if (!strstr(err, "use-after-poison"))
		fprintf(stderr, "child's stderr:\n%s\n", err);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) != 0);
	assert_non_null(strstr(err, "slot freed"));
	assert_non_null(strstr(err, "ERROR: AddressSanitizer: use-after-poison"));
	assert_null(strstr(err, "not reported"));
#endif
}

/* ---- corrupted maps --------------------------------------------------------------- */

static bool count_keys(const void *key, void *val, void *ctx)
{
	(void)key;
	(void)val;
	(*(size_t *)ctx)++;
	return true;
}

/* Child: make the chain of key 2's bucket loop (an overflow bucket whose
 * next is itself), then run @mode on key 2 (absent, so a walk goes on
 * forever without the bound). */
static int child_cycle(const char *mode)
{
	alarm(30);
	bool pairs = strstr(mode, "pairs") != NULL;
	gomap_sync_t *m = NULL;
	if (gomap_sync_new(&m, &gomap_type_u64, pairs ? &gomap_type_u64 : &gomap_type_u32, NULL) || m->pairs != pairs)
		return 2;
	uint64_t k1 = 1, k2 = 2, v64 = 10;
	uint32_t v32 = 10;
	const void *val = pairs ? (const void *)&v64 : (const void *)&v32;
	if (gomap_sync_store(m, &k1, val) != 0)
		return 3;
	struct table *t = LD(&m->cur, relaxed);
	if (strstr(mode, "table")) {
		/* every bucket migrated, and the next table is the same one */
		for (size_t i = 0; i < t->nb; i++)
			atomic_fetch_or(&t->b[i].meta, M_MIGRATED);
		atomic_store(&t->next, t);
	} else {
		struct bucket *b = &t->b[bidx(t, hash_any(m, &k2))];
		struct bucket *ob = ovf_new(m);
		if (!ob)
			return 4;
		atomic_store(&ob->next, ob);
		atomic_store(&b->next, ob);
		atomic_store(&t->novf, 1);
	}
	fprintf(stderr, "the map: map=%p\n", (void *)m);
	uint64_t out = 0;
	int r = 0;
	if (strstr(mode, "load"))
		r = gomap_sync_load(m, &k2, &out);
	else if (strstr(mode, "store"))
		r = gomap_sync_store(m, &k2, val);
	else if (strstr(mode, "range"))
		r = gomap_sync_range(m, count_keys, &(size_t){0});
	fprintf(stderr, "returned %d\n", r);
	return 0;
}

static void expect_corrupted(const char *mode)
{
	static char err[1 << 16];
	int st = run_child(mode, err, sizeof err);
	assert_true(st != -1);
	if (!strstr(err, "fatal error: corrupted map"))
		fprintf(stderr, "child %s, status %#x, stderr:\n%s\n", mode, st, err);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGABRT); /* gomap__fatal, not the alarm */
	assert_non_null(strstr(err, "fatal error: corrupted map (sync: "));
	assert_null(strstr(err, "returned"));
	/* the report names the map */
	const char *line = strstr(err, "the map: map=");
	assert_non_null(line);
	char addr[64];
	assert_int_equal(sscanf(line, "the map: %63s", addr), 1);
	const char *rep = strstr(err, "fatal error: corrupted map");
	assert_non_null(strstr(rep, addr));
}

static void test_corrupt_overflow_load(void **state)
{
	(void)state;
	expect_corrupted("cycle-load");
}

static void test_corrupt_overflow_store(void **state)
{
	(void)state;
	expect_corrupted("cycle-store");
}

static void test_corrupt_overflow_range(void **state)
{
	(void)state;
	expect_corrupted("cycle-range");
}

static void test_corrupt_overflow_pairs(void **state)
{
	(void)state;
	expect_corrupted("cycle-pairs-load");
	expect_corrupted("cycle-pairs-store");
}

static void test_corrupt_table_chain(void **state)
{
	(void)state;
	expect_corrupted("table-load");
	expect_corrupted("table-store");
	expect_corrupted("table-range");
}

/* check answers GOMAP_EINVAL for a looping chain (no fatal error, no hang) */
static void test_check_loop(void **state)
{
	(void)state;
	gomap_sync_t *m = new_entry_map();
	uint64_t k = 1;
	uint32_t v = 1;
	assert_int_equal(gomap_sync_store(m, &k, &v), 0);
	assert_int_equal(gomap_sync_check(m), 0);
	struct table *t = LD(&m->cur, relaxed);
	struct bucket *ob = ovf_new(m);
	assert_non_null(ob);
	atomic_store(&ob->next, ob);
	atomic_store(&t->b[3].next, ob);
	atomic_store(&t->novf, 1);
	assert_int_equal(gomap_sync_check(m), GOMAP_EINVAL);
	atomic_store(&t->b[3].next, NULL); /* repaired: free must not see it */
	atomic_store(&t->novf, 0);
	ovf_free(m, ob);
	assert_int_equal(gomap_sync_check(m), 0);
	gomap_sync_free(m);
}

/* ---- clear of an empty map ------------------------------------------------------ */

static void test_clear_empty_keeps_table(void **state)
{
	(void)state;
	for (int pairs = 0; pairs < 2; pairs++) {
		gomap_sync_t *m = NULL;
		assert_int_equal(gomap_sync_new(&m, &gomap_type_u64, pairs ? &gomap_type_u64 : &gomap_type_u32, NULL), 0);
		struct table *t = LD(&m->cur, relaxed);
		for (int i = 0; i < 10; i++)
			assert_int_equal(gomap_sync_clear(m), 0);
		assert_ptr_equal(LD(&m->cur, relaxed), t);      /* no new table */
		assert_int_equal(LD(&m->pending, relaxed), 0); /* nothing for RCU */
		assert_int_equal(LD(&m->clears, relaxed), 10);
		/* emptied by deletes, overflow buckets left behind included */
		uint64_t n = 200, v = 1;
		for (uint64_t k = 0; k < n; k++)
			assert_int_equal(gomap_sync_store(m, &k, &v), 0);
		for (uint64_t k = 0; k < n; k++)
			assert_int_equal(gomap_sync_delete(m, &k), 1);
		assert_int_equal(gomap_sync_barrier(m), 0);
		t = LD(&m->cur, relaxed);
		assert_int_equal(gomap_sync_clear(m), 0);
		assert_ptr_equal(LD(&m->cur, relaxed), t);
		assert_int_equal(LD(&m->pending, relaxed), 0);
		for (size_t i = 0; i < t->nb; i++) /* every bucket unlocked again */
			assert_false(LD(&t->b[i].meta, relaxed) & M_LOCK);
		/* not empty: a new table, the old one to RCU */
		assert_int_equal(gomap_sync_store(m, &n, &v), 0);
		assert_int_equal(gomap_sync_clear(m), 0);
		assert_ptr_not_equal(LD(&m->cur, relaxed), t);
		assert_int_equal(gomap_sync_load(m, &n, NULL), 0);
		assert_int_equal(gomap_sync_check(m), 0);
		gomap_sync_free(m);
	}
}

/* ---- internal assertions -------------------------------------------------------------- */

/* Child: hand the slab a pointer that is no slot of it (level >= 1). */
static int child_assert_slab(void)
{
	gomap_sync_t *m = new_entry_map();
	char *a = gomap__slab_alloc(&m->sl, 20, 0);
	if (!a || !gomap__slab_alloc(&m->sl, 20, 0))
		return 2;
	gomap__slab_free(&m->sl, a + 8);
	fprintf(stderr, "returned\n");
	return 0;
}

/* Child: an entry whose stored hash names another bucket; the next write
 * to its chain (another key's insert) checks the chain (level >= 2). */
static int child_assert_chain(void)
{
	gomap_sync_t *m = new_entry_map();
	uint64_t k = 1;
	uint32_t v = 1;
	if (gomap_sync_store(m, &k, &v))
		return 2;
	struct table *t = LD(&m->cur, relaxed);
	uint64_t h = hash_any(m, &k);
	struct bucket *b = &t->b[bidx(t, h)];
	struct entry *e = LD(&b->slot[0], relaxed);
	if (!e)
		return 3;
	atomic_store(&e->u, h ^ 2); /* (h >> 1) & mask changes */
	uint64_t k2 = 2; /* another key of that bucket */
	while (bidx(t, hash_any(m, &k2)) != bidx(t, h))
		k2++;
	gomap_sync_store(m, &k2, &v);
	fprintf(stderr, "returned\n");
	return 0;
}

static __attribute__((unused)) void expect_assertion(const char *mode, const char *cond)
{
	static char err[1 << 16];
	int st = run_child(mode, err, sizeof err);
	assert_true(st != -1);
	if (!strstr(err, cond))
		fprintf(stderr, "child %s, status %#x, stderr:\n%s\n", mode, st, err);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGABRT);
	assert_non_null(strstr(err, "fatal error: gomap: internal error: assertion `"));
	assert_non_null(strstr(err, cond));
	assert_null(strstr(err, "returned"));
}

static void test_assertions(void **state)
{
	(void)state;
#if GOMAP_DEBUG_LEVEL < 1
	skip(); /* compiled out */
#else
	expect_assertion("assert-slab", "gomap__slab_slot_ok(sl, c, i, slot)");
#if GOMAP_DEBUG_LEVEL >= 2
	expect_assertion("assert-chain", "chain_ok(m, t, b, w, h, qk)");
#endif
#endif
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--child") == 0) {
		const char *mode = argv[2];
		if (strcmp(mode, "uaf") == 0)
			return child_uaf();
		if (strcmp(mode, "assert-slab") == 0)
			return child_assert_slab();
		if (strcmp(mode, "assert-chain") == 0)
			return child_assert_chain();
		return child_cycle(mode);
	}
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_slab_entries),
	    cmocka_unit_test(test_slab_use_after_free),
	    cmocka_unit_test(test_corrupt_overflow_load),
	    cmocka_unit_test(test_corrupt_overflow_store),
	    cmocka_unit_test(test_corrupt_overflow_range),
	    cmocka_unit_test(test_corrupt_overflow_pairs),
	    cmocka_unit_test(test_corrupt_table_chain),
	    cmocka_unit_test(test_check_loop),
	    cmocka_unit_test(test_clear_empty_keeps_table),
	    cmocka_unit_test(test_assertions),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
