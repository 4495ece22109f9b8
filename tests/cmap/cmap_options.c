/*
 * tests/cmap/cmap_options.c - the creation options, one rule for every
 * variant, the plain map's (map.h):
 *  - an allocator hook must have @alloc and @free: one without them is
 *    refused with GOMAP_EINVAL before anything is allocated;
 *  - a bogus size hint (its table would be over 2^48 bytes, Go's
 *    allocation limit) is ignored, as Go's make(map, n) ignores it;
 *  - a sane hint is honoured: its memory is allocated at creation, and when
 *    it cannot be, creation fails with GOMAP_ENOMEM, leaking nothing.
 * Each rule is first checked on the plain map, so that a change of the
 * plain map's rule shows here as a failure of the baseline, not as a
 * mystery in a variant.
 */
#include "cmap_opts.h"

/* ---- allocator hooks without functions ---------------------------------- */

static void test_allocator_without_functions(void **st)
{
	(void)st;
	ct_counter c;
	gomap_allocator good = ct_counter_init(&c, 0);
	gomap_allocator bad[3] = {good, good, good};
	bad[0].alloc = NULL;
	bad[1].free = NULL;
	bad[2].alloc = NULL;
	bad[2].free = NULL;
	bad[2].alloc_zeroed = ct_counter_alloc; /* not enough on its own */
	for (int i = 0; i < 3; i++) {
		gomap_map_options mo = {.alloc = &bad[i]};
		gomap_map_t *pm = (gomap_map_t *)1;
		assert_int_equal(gomap_map_new_opts(&pm, &gomap_type_u64,
		                                    &gomap_type_u64, &mo),
		                 GOMAP_EINVAL); /* the baseline */
		assert_null(pm);
		for (size_t hint = 0; hint <= 100; hint += 100) {
			void *m = (void *)1;
			int rc = ct_create_opts(&m, &gomap_type_u64,
			                        &gomap_type_u64, hint, &bad[i]);
			if (rc != GOMAP_EINVAL)
				fail_msg("%s: allocator hook %d without "
				         "functions: %d, want GOMAP_EINVAL",
				         V->name, i, rc);
			assert_null(m);
		}
	}
	assert_int_equal(atomic_load(&c.calls), 0); /* nothing allocated */

	/* the complete hook works, and every block comes back */
	void *m = NULL;
	assert_int_equal(ct_create_opts(&m, &gomap_type_u64, &gomap_type_u64, 0,
	                                &good),
	                 0);
	for (uint64_t k = 0; k < 100; k++)
		assert_int_equal(V->store(m, &k, &k), 0);
	assert_int_equal(V->len(m), 100);
	assert_true(atomic_load(&c.calls) > 0);
	V->destroy(m);
	assert_int_equal(atomic_load(&c.live), 0);
	assert_int_equal(atomic_load(&c.bad_frees), 0);
}

/* ---- size hints ---------------------------------------------------------- */

/* A map made with @hint and the budget allocator works like any other. */
static void works(void *m)
{
	for (uint64_t k = 0; k < 200; k++) {
		uint64_t v = k * 7;
		assert_int_equal(V->store(m, &k, &v), 0);
	}
	for (uint64_t k = 0; k < 200; k++) {
		uint64_t v = 0;
		assert_int_equal(V->load(m, &k, &v), 1);
		assert_int_equal(v, k * 7);
	}
	assert_int_equal(V->len(m), 200);
}

#define BUDGET_BIG ((size_t)256 << 20) /* plenty for 200 entries */

static void test_hint_bogus_ignored(void **st)
{
	(void)st;
	/* For u64 -> u64 (16-byte slots), 2^44 entries need a 2^45-slot
	 * table: 2^49 bytes, over the limit, while 1/64 of it (what each of
	 * 64 shards would take) is not. */
	const size_t hints[] = {SIZE_MAX, SIZE_MAX / 2, (size_t)1 << 62,
	                        (size_t)1 << 48, (size_t)1 << 44};
	for (size_t i = 0; i < sizeof hints / sizeof hints[0]; i++) {
		ct_counter c;
		gomap_allocator a = ct_counter_init(&c, BUDGET_BIG);
		gomap_map_options mo = {.hint = hints[i], .alloc = &a};
		gomap_map_t *pm = NULL;
		assert_int_equal(gomap_map_new_opts(&pm, &gomap_type_u64,
		                                    &gomap_type_u64, &mo),
		                 0); /* the baseline: ignored */
		gomap_map_free(pm);

		void *m = NULL;
		int rc = ct_create_opts(&m, &gomap_type_u64, &gomap_type_u64,
		                        hints[i], &a);
		if (rc != 0)
			fail_msg("%s: bogus hint %zu: %d (%s), want it ignored",
			         V->name, hints[i], rc, gomap_strerror(rc));
		works(m);
		V->destroy(m);
		assert_int_equal(atomic_load(&c.live), 0);
		assert_int_equal(atomic_load(&c.bad_frees), 0);
	}
}

static void test_hint_sane_enomem(void **st)
{
	(void)st;
	/* 2^20 entries need ~32 MiB of table; the budget is 1 MiB. */
	const size_t hint = (size_t)1 << 20, budget = (size_t)1 << 20;
	ct_counter c;
	gomap_allocator a = ct_counter_init(&c, budget);
	gomap_map_options mo = {.hint = hint, .alloc = &a};
	gomap_map_t *pm = (gomap_map_t *)1;
	assert_int_equal(gomap_map_new_opts(&pm, &gomap_type_u64,
	                                    &gomap_type_u64, &mo),
	                 GOMAP_ENOMEM); /* the baseline */
	assert_null(pm);
	assert_int_equal(atomic_load(&c.live), 0);

	void *m = (void *)1;
	int rc = ct_create_opts(&m, &gomap_type_u64, &gomap_type_u64, hint, &a);
	if (rc == 0)
		V->destroy(m);
	if (rc != GOMAP_ENOMEM)
		fail_msg("%s: hint %zu that cannot be allocated: %d, want "
		         "GOMAP_ENOMEM",
		         V->name, hint, rc);
	assert_null(m);
	assert_int_equal(atomic_load(&c.live), 0);
	assert_int_equal(atomic_load(&c.bad_frees), 0);
}

static void test_hint_sane_allocated(void **st)
{
	(void)st;
	/* The memory for a sane hint is there right after creation. */
	const size_t hint = 4096;
	ct_counter c;
	gomap_allocator a = ct_counter_init(&c, 0);
	void *m = NULL;
	assert_int_equal(ct_create_opts(&m, &gomap_type_u64, &gomap_type_u64,
	                                hint, &a),
	                 0);
	size_t bytes = atomic_load(&c.bytes);
	if (bytes < hint * 2 * sizeof(uint64_t))
		fail_msg("%s: %zu bytes after creation with hint %zu: the "
		         "hint was not used",
		         V->name, bytes, hint);
	works(m);
	V->destroy(m);
	assert_int_equal(atomic_load(&c.live), 0);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_allocator_without_functions),
	cmocka_unit_test(test_hint_bogus_ignored),
	cmocka_unit_test(test_hint_sane_enomem),
	cmocka_unit_test(test_hint_sane_allocated),
};

CT_MAIN("cmap_options", tests)
