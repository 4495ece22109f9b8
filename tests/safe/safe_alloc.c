/*
 * tests/safe/safe_alloc.c - allocation failure, through the allocator hook
 * of each variant's options: creation fails cleanly at every allocation
 * (GOMAP_ENOMEM, nothing leaked), and operations under random failures
 * either succeed as the model says or return GOMAP_ENOMEM with the map
 * exactly as it was. The hook also checks sized frees (the size given back
 * is the size asked for) and counts live blocks: zero after free.
 */
#include <pthread.h>
#include <stdatomic.h>

#include <gomap/chan.h>
#include <gomap/cmap.h>
#include <gomap/mutex.h>
#include <gomap/rwmutex.h>
#include <gomap/shard.h>

#include "safe_test.h"

/* ---- a failing, counting allocator (thread-safe: chan's owner uses it) -- */

typedef struct failer {
	atomic_bool armed;
	atomic_long countdown;  /* >= 0: fail when it reaches 0 */
	atomic_uint percent;    /* random failures while armed */
	atomic_ullong rng;
	atomic_long live;       /* blocks */
	atomic_long bad_frees;  /* size mismatch */
	atomic_long failures;
} failer;

#define HDR 16 /* keeps malloc alignment */

static bool should_fail(failer *f)
{
	if (!atomic_load(&f->armed))
		return false;
	if (atomic_load(&f->countdown) >= 0)
		return atomic_fetch_sub(&f->countdown, 1) <= 0;
	unsigned pct = atomic_load(&f->percent);
	uint64_t x = atomic_fetch_add(&f->rng, 0x9E3779B97F4A7C15ull);
	x = (x ^ (x >> 31)) * 0xBF58476D1CE4E5B9ull;
	return (x >> 33) % 100 < pct;
}

static void *fa_alloc(void *ctx, size_t size)
{
	failer *f = ctx;
	if (should_fail(f)) {
		atomic_fetch_add(&f->failures, 1);
		return NULL;
	}
	unsigned char *p = malloc(size + HDR);
	if (!p)
		return NULL;
	memcpy(p, &size, sizeof size);
	atomic_fetch_add(&f->live, 1);
	return p + HDR;
}

static void *fa_alloc_zeroed(void *ctx, size_t size)
{
	void *p = fa_alloc(ctx, size);
	if (p)
		memset(p, 0, size);
	return p;
}

static void fa_free(void *ctx, void *ptr, size_t size)
{
	failer *f = ctx;
	unsigned char *p = (unsigned char *)ptr - HDR;
	size_t was;
	memcpy(&was, p, sizeof was);
	if (was != size)
		atomic_fetch_add(&f->bad_frees, 1);
	atomic_fetch_sub(&f->live, 1);
	free(p);
}

static void failer_init(failer *f, gomap_allocator *a, bool zeroed)
{
	atomic_init(&f->armed, false);
	atomic_init(&f->countdown, -1);
	atomic_init(&f->percent, 0);
	atomic_init(&f->rng, 12345);
	atomic_init(&f->live, 0);
	atomic_init(&f->bad_frees, 0);
	atomic_init(&f->failures, 0);
	*a = (gomap_allocator){fa_alloc, zeroed ? fa_alloc_zeroed : NULL,
	                       fa_free, f};
}

/* ---- the variants, created with the hook ---------------------------------- */

typedef struct variant {
	const char *name;
	int (*create)(void **out, const gomap_type *kt, const gomap_type *vt,
	              const gomap_allocator *a);
} variant;

static int mx_create(void **out, const gomap_type *kt, const gomap_type *vt,
                     const gomap_allocator *a)
{
	gomap_mutex_options o = {.alloc = a, .hint = 8};
	gomap_mutex_t *m = NULL;
	int rc = gomap_mutex_new(&m, kt, vt, &o);
	*out = m;
	return rc;
}

static int rw_create(void **out, const gomap_type *kt, const gomap_type *vt,
                     const gomap_allocator *a)
{
	gomap_rwmutex_options o = {.alloc = a};
	gomap_rwmutex_t *m = NULL;
	int rc = gomap_rwmutex_new(&m, kt, vt, &o);
	*out = m;
	return rc;
}

static int sh_create(void **out, const gomap_type *kt, const gomap_type *vt,
                     const gomap_allocator *a)
{
	gomap_shard_options o = {.alloc = a, .shards = 4, .hint = 32};
	gomap_shard_t *m = NULL;
	int rc = gomap_shard_new(&m, kt, vt, &o);
	*out = m;
	return rc;
}

static int ch_create(void **out, const gomap_type *kt, const gomap_type *vt,
                     const gomap_allocator *a)
{
	gomap_chan_options o = {.alloc = a};
	gomap_chan_t *m = NULL;
	int rc = gomap_chan_new(&m, kt, vt, &o);
	*out = m;
	return rc;
}

static const variant variants[] = {
	{"mutex", mx_create},
	{"rwmutex", rw_create},
	{"shard", sh_create},
	{"chan", ch_create},
};
#define NVARIANTS (sizeof variants / sizeof variants[0])

/* Creation fails cleanly at each of its allocations in turn. */
static void test_creation_failures(void **st)
{
	(void)st;
	for (size_t v = 0; v < NVARIANTS; v++) {
		const gomap_cmap_ops *ops = gomap_cmap_find(variants[v].name);
		assert_non_null(ops);
		for (int zeroed = 0; zeroed < 2; zeroed++) {
			failer f;
			gomap_allocator a;
			failer_init(&f, &a, zeroed);
			long n;
			void *m = NULL;
			for (n = 0; n < 1000; n++) {
				atomic_store(&f.countdown, n);
				atomic_store(&f.armed, true);
				int rc = variants[v].create(&m, &gomap_type_str,
				                            &gomap_type_u64, &a);
				atomic_store(&f.armed, false);
				if (rc == 0)
					break;
				assert_int_equal(rc, GOMAP_ENOMEM);
				assert_null(m);
				if (atomic_load(&f.live) != 0)
					fail_msg("%s: %ld blocks leaked when "
					         "allocation %ld failed",
					         variants[v].name,
					         atomic_load(&f.live), n);
			}
			assert_true(n > 0 && n < 1000);
			assert_non_null(m);
			ops->destroy(m);
			assert_int_equal(atomic_load(&f.live), 0);
			assert_int_equal(atomic_load(&f.bad_frees), 0);
		}
	}
}

/* ---- operations under random failures ------------------------------------ */

#define NKEYS 48

typedef struct model {
	bool present[NKEYS];
	uint64_t val[NKEYS];
	size_t len;
} model;

static const char *key_names[NKEYS];
static char key_buf[NKEYS][16];

static void check_intact(const gomap_cmap_ops *ops, void *m, failer *f,
                         const model *M)
{
	bool was = atomic_exchange(&f->armed, false);
	assert_int_equal(ops->len(m), M->len);
	for (size_t i = 0; i < NKEYS; i++) {
		uint64_t out;
		int rc = ops->load(m, &key_names[i], &out);
		assert_int_equal(rc, M->present[i]);
		if (rc == 1)
			assert_int_equal(out, M->val[i]);
	}
	atomic_store(&f->armed, was);
}

static bool count_range(const void *k, void *v, void *ctx)
{
	(void)k;
	(void)v;
	(*(size_t *)ctx)++;
	return true;
}

static void ops_under_failure(size_t v)
{
	const gomap_cmap_ops *ops = gomap_cmap_find(variants[v].name);
	failer f;
	gomap_allocator a;
	failer_init(&f, &a, v % 2);
	void *m = NULL;
	assert_int_equal(variants[v].create(&m, &gomap_type_str, &gomap_type_u64,
	                                    &a),
	                 0);
	model M;
	memset(&M, 0, sizeof M);
	atomic_store(&f.percent, 30);
	atomic_store(&f.armed, true);
	uint64_t s = 88172645463325252ull + v;
	long enomem = 0, nops = st_scale(6000);
	for (long step = 0; step < nops; step++) {
		s ^= s << 13;
		s ^= s >> 7;
		s ^= s << 17;
		size_t i = s % NKEYS;
		const void *k = &key_names[i];
		uint64_t val = (s >> 8) % 5, val2 = (s >> 16) % 5, out = 0;
		bool had = M.present[i];
		uint64_t cur = M.val[i];
		int rc;
		switch ((s >> 24) % 10) {
		case 0:
		case 1:
			rc = ops->store(m, k, &val);
			if (rc == 0) {
				M.len += !had;
				M.present[i] = true;
				M.val[i] = val;
			}
			break;
		case 2:
			rc = ops->load_or_store(m, k, &val, &out);
			if (rc == 1)
				assert_true(had && out == cur);
			if (rc == 0) {
				assert_false(had);
				M.present[i] = true;
				M.val[i] = val;
				M.len++;
			}
			break;
		case 3:
			rc = ops->swap(m, k, &val, &out);
			if (rc >= 0) {
				assert_int_equal(rc, had);
				if (had)
					assert_int_equal(out, cur);
				M.len += !had;
				M.present[i] = true;
				M.val[i] = val;
			}
			break;
		case 4:
			rc = ops->compare_and_swap(m, k, &val, &val2);
			if (rc >= 0) {
				assert_int_equal(rc, had && cur == val);
				if (rc)
					M.val[i] = val2;
			}
			break;
		case 5:
			rc = ops->compare_and_delete(m, k, &val);
			if (rc >= 0) {
				assert_int_equal(rc, had && cur == val);
				if (rc) {
					M.present[i] = false;
					M.len--;
				}
			}
			break;
		case 6:
			rc = ops->load_and_delete(m, k, &out);
			if (rc >= 0) {
				assert_int_equal(rc, had);
				M.len -= had;
				M.present[i] = false;
			}
			break;
		case 7:
			rc = ops->del(m, k);
			if (rc >= 0) {
				assert_int_equal(rc, had);
				M.len -= had;
				M.present[i] = false;
			}
			break;
		case 8: {
			size_t n = 0;
			rc = ops->range(m, count_range, &n);
			if (rc == 0)
				assert_int_equal(n, M.len);
			break;
		}
		default:
			if ((s >> 40) % 20 == 0) {
				rc = ops->clear(m);
				if (rc == 0)
					memset(&M, 0, sizeof M);
			} else {
				rc = ops->load(m, k, &out);
				assert_int_equal(rc, had);
			}
			break;
		}
		if (rc < 0) {
			assert_int_equal(rc, GOMAP_ENOMEM);
			enomem++;
		}
		/* after every failure: nothing changed; else now and then */
		if (rc < 0 || step % 64 == 0)
			check_intact(ops, m, &f, &M);
	}
	atomic_store(&f.armed, false);
	assert_true(enomem > 0); /* failures did reach the operations */
	ops->destroy(m);
	assert_int_equal(atomic_load(&f.live), 0);
	assert_int_equal(atomic_load(&f.bad_frees), 0);
}

static void test_ops_mutex(void **st)
{
	(void)st;
	ops_under_failure(0);
}

static void test_ops_rwmutex(void **st)
{
	(void)st;
	ops_under_failure(1);
}

static void test_ops_shard(void **st)
{
	(void)st;
	ops_under_failure(2);
}

static void test_ops_chan(void **st)
{
	(void)st;
	ops_under_failure(3);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_creation_failures),
	cmocka_unit_test(test_ops_mutex),
	cmocka_unit_test(test_ops_rwmutex),
	cmocka_unit_test(test_ops_shard),
	cmocka_unit_test(test_ops_chan),
};

int main(void)
{
	for (size_t i = 0; i < NKEYS; i++) {
		snprintf(key_buf[i], sizeof key_buf[i], "k%zu", i);
		key_names[i] = key_buf[i];
	}
	return cmocka_run_group_tests_name("safe_alloc", tests, NULL, NULL);
}
