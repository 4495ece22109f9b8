/*
 * tests/cmap/cmap_test.h - helpers shared by the table-driven tests of the
 * concurrency-safe maps: every test body runs against each variant listed
 * by gomap_cmap_list() (or the one named on the command line), through its
 * gomap_cmap_ops table. Adding a variant to the registry adds it to every
 * test here.
 *
 * Usage of a test program:  prog [variant]
 *   no argument: every registered variant, in turn;
 *   a name: only that variant; a failure when the registry does not have
 *   it (every variant is always built).
 */
#ifndef GOMAP_CMAP_TEST_H
#define GOMAP_CMAP_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <gomap/cmap.h>

#include "gomap_test.h"

/* Scale a workload: full size in plain builds, /2 under ASan, /4 under
 * TSan (several times slower, and few shared cores). */
static inline long ct_scale(long n)
{
	return gt_scale_div(n, 2, 4, 1);
}

/* The variant under test (set by ct_main before each group run). */
static const gomap_cmap_ops *V;

/* ---- deterministic randomness (splitmix64) ---------------------------- */

typedef struct ct_rng {
	uint64_t s;
} ct_rng;

static inline uint64_t ct_next(ct_rng *r)
{
	return gt_splitmix64(&r->s);
}

static inline uint64_t ct_below(ct_rng *r, uint64_t n)
{
	return ct_next(r) % n;
}

/* ---- key sets: the same test over u64 and string keys ----------------- */

enum { CT_U64 = 0, CT_STR = 1 };

#define CT_MAXKEYS 4096

typedef struct ct_keys {
	int kind;
	size_t n;
	uint64_t u[CT_MAXKEYS];
	char buf[CT_MAXKEYS][24];
	const char *s[CT_MAXKEYS];
} ct_keys;

static inline void ct_keys_init(ct_keys *k, int kind, size_t n)
{
	k->kind = kind;
	k->n = n;
	for (size_t i = 0; i < n; i++) {
		k->u[i] = i * 0x100000001ull + 7; /* spread, not 0..n */
		snprintf(k->buf[i], sizeof k->buf[i], "key-%zu", i);
		k->s[i] = k->buf[i];
	}
}

/* Address to pass as key i. */
static inline const void *ct_key(const ct_keys *k, size_t i)
{
	return k->kind == CT_U64 ? (const void *)&k->u[i]
	                         : (const void *)&k->s[i];
}

/* Index of a key the map handed back (range), or -1. */
static inline long ct_key_index(const ct_keys *k, const void *key)
{
	if (k->kind == CT_U64) {
		uint64_t v;
		memcpy(&v, key, 8);
		if (v < 7 || (v - 7) % 0x100000001ull)
			return -1;
		size_t i = (size_t)((v - 7) / 0x100000001ull);
		return i < k->n ? (long)i : -1;
	}
	const char *s = *(const char *const *)key;
	if (strncmp(s, "key-", 4) != 0)
		return -1;
	char *end;
	unsigned long i = strtoul(s + 4, &end, 10);
	return *end == '\0' && i < k->n ? (long)i : -1;
}

static inline const gomap_type *ct_key_type(int kind)
{
	return kind == CT_U64 ? &gomap_type_u64 : &gomap_type_str;
}

static inline void *ct_new(int kind)
{
	void *m = NULL;
	int rc = V->create(&m, ct_key_type(kind), &gomap_type_u64);
	assert_int_equal(rc, 0);
	assert_non_null(m);
	return m;
}

/* ---- running one group per variant ------------------------------------ */

/*
 * ct_main - run @tests (cmocka) once per selected variant. Returns the
 * number of failures; a variant that is not registered is one.
 */
static inline int ct_main(int argc, char **argv, const char *group,
                          const struct CMUnitTest *tests, size_t ntests)
{
	const gomap_cmap_ops *const *list = gomap_cmap_list();
	const char *only = argc > 1 ? argv[1] : NULL;
	int failures = 0, ran = 0;
	char name[128];
	for (size_t i = 0; list[i]; i++) {
		if (only && strcmp(only, list[i]->name) != 0)
			continue;
		V = list[i];
		snprintf(name, sizeof name, "%s/%s", group, V->name);
		failures += _cmocka_run_group_tests(name, tests, ntests, NULL,
		                                    NULL);
		ran++;
	}
	if (!ran) {
		fprintf(stderr, "variant %s is not registered\n",
		        only ? only : "(none)");
		return 1;
	}
	return failures;
}

#define CT_MAIN(group, tests)                                          \
	int main(int argc, char **argv)                                    \
	{                                                                  \
		return ct_main(argc, argv, group, tests,                   \
		               sizeof(tests) / sizeof((tests)[0]));        \
	}

#endif /* GOMAP_CMAP_TEST_H */
