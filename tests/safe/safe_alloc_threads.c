/*
 * tests/safe/safe_alloc_threads.c - allocation failure under concurrency,
 * for every safe variant (sync included): several threads run random
 * operations at once through the variant's allocator hook, which fails a
 * share of all allocations (any thread's, the chan owner's and liburcu's
 * call_rcu thread's alike), while a reader thread ranges over the map.
 *
 * Each writer owns its own keys, so it knows exactly which of its calls
 * succeeded: a call that returns GOMAP_ENOMEM must have changed nothing
 * (checked right away with a load, which never allocates), and the final
 * map, checked once the threads are joined, must hold exactly what the
 * successful calls left. Values carry a serial: after the map is freed,
 * every value the map adopted and did not hand back (swap's and
 * load_and_delete's output) was destroyed exactly once, and no other
 * value ever was. The hook also checks sized frees and counts live blocks:
 * zero after free.
 */
#include <pthread.h>
#include <stdatomic.h>

#include <gomap/chan.h>
#include <gomap/cmap.h>
#include <gomap/mutex.h>
#include <gomap/rwmutex.h>
#include <gomap/shard.h>
#include <gomap/sync.h>

#include "safe_test.h"

#define NWRITERS 4
#define KEYS_PER 24
#define NKEYS (NWRITERS * KEYS_PER)
#define MAXOPS 4000
#define NSERIALS (NWRITERS * (MAXOPS + 1))

/* ---- a failing, counting allocator (thread-safe) ------------------------- */

typedef struct failer {
	atomic_uint percent;
	atomic_ullong rng;
	atomic_long live, bad_frees, failures, allocs;
} failer;

#define HDR 16

static void *fa_alloc(void *ctx, size_t size)
{
	failer *f = ctx;
	unsigned pct = atomic_load(&f->percent);
	if (pct) {
		uint64_t x = atomic_fetch_add(&f->rng, 0x9E3779B97F4A7C15ull);
		x = (x ^ (x >> 31)) * 0xBF58476D1CE4E5B9ull;
		x ^= x >> 29;
		if (x % 100 < pct) {
			atomic_fetch_add(&f->failures, 1);
			return NULL;
		}
	}
	unsigned char *p = malloc(size + HDR);
	if (!p)
		return NULL;
	memcpy(p, &size, sizeof size);
	atomic_fetch_add(&f->live, 1);
	atomic_fetch_add(&f->allocs, 1);
	return p + HDR;
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

/* ---- values: a serial each, destroyed at most once ----------------------- */

/* Over 128 bytes, so the plain maps store values out of line and every
 * new key allocates (else a grown table would not allocate again). */
typedef struct val {
	uint64_t v;
	uint64_t serial;
	unsigned char pad[144];
} val;

static atomic_uchar destroyed[NSERIALS];
static atomic_long bad_destroys;

static void val_destroy(void *obj, void *ctx)
{
	(void)ctx;
	val x;
	memcpy(&x, obj, 16);
	if (x.serial == 0 || x.serial >= NSERIALS ||
	    atomic_fetch_add(&destroyed[x.serial], 1) != 0)
		atomic_fetch_add(&bad_destroys, 1);
}

/* What a serial's fate must be once the map is gone. */
enum { FATE_NONE, FATE_MAP, FATE_OUT };
static unsigned char fate[NSERIALS]; /* written by the serial's owner */

/* ---- the variants, created with the hook --------------------------------- */

static int create(const char *name, void **out, const gomap_type *kt,
                  const gomap_type *vt, const gomap_allocator *a)
{
	if (strcmp(name, "mutex") == 0) {
		gomap_mutex_options o = {.alloc = a};
		return gomap_mutex_new((gomap_mutex_t **)out, kt, vt, &o);
	}
	if (strcmp(name, "rwmutex") == 0) {
		gomap_rwmutex_options o = {.alloc = a};
		return gomap_rwmutex_new((gomap_rwmutex_t **)out, kt, vt, &o);
	}
	if (strcmp(name, "shard") == 0) {
		gomap_shard_options o = {.alloc = a, .shards = 8};
		return gomap_shard_new((gomap_shard_t **)out, kt, vt, &o);
	}
	if (strcmp(name, "sync") == 0) {
		gomap_sync_options o = {.alloc = a};
		return gomap_sync_new((gomap_sync_t **)out, kt, vt, &o);
	}
	if (strcmp(name, "chan") == 0) {
		gomap_chan_options o = {.alloc = a};
		return gomap_chan_new((gomap_chan_t **)out, kt, vt, &o);
	}
	return GOMAP_ENOTSUP;
}

/* ---- the writers --------------------------------------------------------- */

typedef struct shared {
	const gomap_cmap_ops *ops;
	void *m;
	bool str_keys;
	uint64_t ukeys[NKEYS];
	char skeys[NKEYS][64];
	const char *skey_ptr[NKEYS];
	atomic_bool writers_done;
	atomic_long errors; /* checks that failed off the main thread */
	char first_error[256];
	atomic_flag error_once;
} shared;

typedef struct writer {
	shared *sh;
	int t;
	long nops;
	bool present[KEYS_PER];
	val cur[KEYS_PER];
	long ok, enomem;
} writer;

static void report(shared *sh, const char *fmt, ...)
{
	atomic_fetch_add(&sh->errors, 1);
	if (atomic_flag_test_and_set(&sh->error_once))
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(sh->first_error, sizeof sh->first_error, fmt, ap);
	va_end(ap);
}

#define W_CHECK(cond, ...)                                                     \
	do {                                                                   \
		if (!(cond))                                                   \
			report(w->sh, __VA_ARGS__);                            \
	} while (0)

static const void *key_of(shared *sh, size_t i)
{
	return sh->str_keys ? (const void *)&sh->skey_ptr[i]
	                    : (const void *)&sh->ukeys[i];
}

/* The key's state in the map must be exactly the model's. */
static void check_key(writer *w, size_t j)
{
	shared *sh = w->sh;
	size_t i = (size_t)w->t * KEYS_PER + j;
	val out = {0xeeeeeeee, 0xeeeeeeee, {0}};
	int rc = sh->ops->load(sh->m, key_of(sh, i), &out);
	W_CHECK(rc == (w->present[j] ? 1 : 0), "%s: key %zu: load %d, want %d",
	        sh->ops->name, i, rc, w->present[j]);
	if (rc == 1 && w->present[j])
		W_CHECK(out.v == w->cur[j].v && out.serial == w->cur[j].serial,
		        "%s: key %zu: value %llu/%llu, want %llu/%llu",
		        sh->ops->name, i, (unsigned long long)out.v,
		        (unsigned long long)out.serial,
		        (unsigned long long)w->cur[j].v,
		        (unsigned long long)w->cur[j].serial);
}

static void *writer_main(void *arg)
{
	writer *w = arg;
	shared *sh = w->sh;
	const gomap_cmap_ops *ops = sh->ops;
	uint64_t s = 0x2545F4914F6CDD1Dull * (uint64_t)(w->t + 1);
	uint64_t next_serial = (uint64_t)w->t * (MAXOPS + 1) + 1;
	for (long step = 0; step < w->nops; step++) {
		s ^= s << 13;
		s ^= s >> 7;
		s ^= s << 17;
		size_t j = s % KEYS_PER, i = (size_t)w->t * KEYS_PER + j;
		const void *k = key_of(sh, i);
		bool had = w->present[j];
		val nv = {(s >> 20) % 4, next_serial++, {0}};
		val old = {(s >> 24) % 4, had ? w->cur[j].serial : 0, {0}};
		val out = {0xeeeeeeee, 0xeeeeeeee, {0}};
		int rc;
		switch ((s >> 32) % 8) {
		case 0: /* store */
			rc = ops->store(sh->m, k, &nv);
			W_CHECK(rc == 0 || rc == GOMAP_ENOMEM, "store: %d", rc);
			if (rc == 0) {
				fate[nv.serial] = FATE_MAP;
				w->present[j] = true;
				w->cur[j] = nv;
			}
			break;
		case 1: /* load_or_store */
			rc = ops->load_or_store(sh->m, k, &nv, &out);
			W_CHECK(rc == (had ? 1 : 0) || (!had && rc == GOMAP_ENOMEM),
			        "load_or_store: %d", rc);
			if (rc == 1)
				W_CHECK(out.serial == w->cur[j].serial,
				        "load_or_store loaded the wrong value");
			if (rc == 0) {
				fate[nv.serial] = FATE_MAP;
				w->present[j] = true;
				w->cur[j] = nv;
			}
			break;
		case 2: /* swap: the previous value comes back to us */
			rc = ops->swap(sh->m, k, &nv, &out);
			W_CHECK(rc == (had ? 1 : 0) || rc == GOMAP_ENOMEM,
			        "swap: %d", rc);
			if (rc == 1) {
				W_CHECK(out.serial == w->cur[j].serial,
				        "swap returned the wrong value");
				fate[out.serial] = FATE_OUT;
			}
			if (rc >= 0) {
				fate[nv.serial] = FATE_MAP;
				w->present[j] = true;
				w->cur[j] = nv;
			}
			break;
		case 3: /* load_and_delete */
			rc = ops->load_and_delete(sh->m, k, &out);
			W_CHECK(rc == (had ? 1 : 0), "load_and_delete: %d", rc);
			if (rc == 1) {
				W_CHECK(out.serial == w->cur[j].serial,
				        "load_and_delete returned the wrong value");
				fate[out.serial] = FATE_OUT;
				w->present[j] = false;
			}
			break;
		case 4: /* delete */
			rc = ops->del(sh->m, k);
			W_CHECK(rc == (had ? 1 : 0), "delete: %d", rc);
			w->present[j] = false;
			break;
		case 5: { /* compare_and_swap: the old value exactly, or not */
			if (had && (s >> 40) % 2)
				old = w->cur[j];
			bool hit = had && old.v == w->cur[j].v &&
			           old.serial == w->cur[j].serial;
			rc = ops->compare_and_swap(sh->m, k, &old, &nv);
			W_CHECK(rc == (hit ? 1 : 0) || (hit && rc == GOMAP_ENOMEM),
			        "compare_and_swap: %d (hit %d)", rc, hit);
			if (rc == 1) {
				fate[nv.serial] = FATE_MAP;
				w->cur[j] = nv;
			}
			break;
		}
		case 6: { /* compare_and_delete */
			if (had && (s >> 40) % 2)
				old = w->cur[j];
			bool hit = had && old.v == w->cur[j].v &&
			           old.serial == w->cur[j].serial;
			rc = ops->compare_and_delete(sh->m, k, &old);
			W_CHECK(rc == (hit ? 1 : 0), "compare_and_delete: %d", rc);
			if (rc == 1)
				w->present[j] = false;
			break;
		}
		default:
			rc = ops->load(sh->m, k, &out);
			W_CHECK(rc == (had ? 1 : 0), "load: %d", rc);
			break;
		}
		if (rc == GOMAP_ENOMEM)
			w->enomem++;
		else
			w->ok++;
		/* a failed call changed nothing; every call: now and then */
		if (rc == GOMAP_ENOMEM || step % 16 == 0)
			check_key(w, j);
	}
	return NULL;
}

/* The reader: ranges and lens while the writers run. A key is produced at
 * most once per range, with a value some writer stored for it. */
typedef struct reader {
	shared *sh;
	long ranges;
} reader;

typedef struct seen {
	shared *sh;
	unsigned char n[NKEYS];
	bool bad;
} seen;

static long key_index(const shared *sh, const void *k)
{
	if (sh->str_keys) {
		const char *p = *(const char *const *)k;
		long i = strtol(p + 1, NULL, 10);
		return p[0] == 'k' && i >= 0 && i < NKEYS &&
		               strcmp(p, sh->skeys[i]) == 0 ? i : -1;
	}
	uint64_t u;
	memcpy(&u, k, 8);
	return u % 1000 == 7 && u / 1000 < NKEYS ? (long)(u / 1000) : -1;
}

static bool seen_cb(const void *k, void *v, void *ctx)
{
	seen *sn = ctx;
	long i = key_index(sn->sh, k);
	val x;
	memcpy(&x, v, 16);
	uint64_t lo = (uint64_t)(i / KEYS_PER) * (MAXOPS + 1);
	if (i < 0 || sn->n[i]++ || x.serial <= lo || x.serial > lo + MAXOPS ||
	    x.v > 3)
		sn->bad = true;
	return true;
}

static void *reader_main(void *arg)
{
	reader *r = arg;
	shared *sh = r->sh;
	seen *sn = malloc(sizeof *sn);
	do {
		memset(sn, 0, sizeof *sn);
		sn->sh = sh;
		int rc = sh->ops->range(sh->m, seen_cb, sn);
		if (rc != 0 && rc != GOMAP_ENOMEM)
			report(sh, "%s: range: %d", sh->ops->name, rc);
		if (sn->bad)
			report(sh, "%s: range produced a bad entry",
			       sh->ops->name);
		if (sh->ops->len(sh->m) > NKEYS)
			report(sh, "%s: len above the key count", sh->ops->name);
		r->ranges++;
	} while (!atomic_load(&sh->writers_done));
	free(sn);
	return NULL;
}

/* ---- one run ------------------------------------------------------------- */

static void run_variant(const char *name, bool str_keys, unsigned pct)
{
	const gomap_cmap_ops *ops = gomap_cmap_find(name);
	if (!ops)
		skip();
	failer f = {0};
	atomic_store(&f.rng, 0x243F6A8885A308D3ull);
	gomap_allocator a = {fa_alloc, NULL, fa_free, &f};
	gomap_type vt = {sizeof(val), GOMAP_KIND_RAW, 0u, NULL, NULL,
	                 val_destroy, NULL};
	const gomap_type *kt = str_keys ? &gomap_type_str : &gomap_type_u64;
	shared *sh = calloc(1, sizeof *sh);
	sh->ops = ops;
	sh->str_keys = str_keys;
	for (size_t i = 0; i < NKEYS; i++) {
		sh->ukeys[i] = i * 1000 + 7;
		snprintf(sh->skeys[i], sizeof sh->skeys[i], "k%zu-%s", i,
		         i % 3 ? "long-enough-to-leave-the-slab-line" : "s");
		sh->skey_ptr[i] = sh->skeys[i];
	}
	for (size_t i = 0; i < NSERIALS; i++)
		atomic_store(&destroyed[i], 0);
	memset(fate, 0, sizeof fate);
	atomic_store(&bad_destroys, 0);
	assert_int_equal(create(name, &sh->m, kt, &vt, &a), 0);

	atomic_store(&f.percent, pct);
	writer w[NWRITERS];
	reader rd = {sh, 0};
	pthread_t th[NWRITERS + 1];
	long nops = st_scale(MAXOPS);
	for (int t = 0; t < NWRITERS; t++) {
		memset(&w[t], 0, sizeof w[t]);
		w[t].sh = sh;
		w[t].t = t;
		w[t].nops = nops;
		assert_int_equal(pthread_create(&th[t], NULL, writer_main, &w[t]),
		                 0);
	}
	assert_int_equal(pthread_create(&th[NWRITERS], NULL, reader_main, &rd),
	                 0);
	for (int t = 0; t < NWRITERS; t++)
		pthread_join(th[t], NULL);
	atomic_store(&sh->writers_done, true);
	pthread_join(th[NWRITERS], NULL);
	atomic_store(&f.percent, 0);
	if (atomic_load(&sh->errors))
		fail_msg("%s (%s keys): %ld failed checks; first: %s", name,
		         str_keys ? "string" : "u64", atomic_load(&sh->errors),
		         sh->first_error);

	/* the failures reached the calls, and calls went through too */
	long ok = 0, enomem = 0;
	for (int t = 0; t < NWRITERS; t++) {
		ok += w[t].ok;
		enomem += w[t].enomem;
	}
	assert_true(enomem > 0);
	assert_true(ok > enomem);

	/* the final state is exactly what the successful calls left */
	size_t want = 0;
	for (int t = 0; t < NWRITERS; t++)
		for (size_t j = 0; j < KEYS_PER; j++) {
			check_key(&w[t], j);
			want += w[t].present[j];
		}
	assert_int_equal(atomic_load(&sh->errors), 0);
	assert_int_equal(ops->len(sh->m), want);
	seen *sn = calloc(1, sizeof *sn);
	sn->sh = sh;
	assert_int_equal(ops->range(sh->m, seen_cb, sn), 0);
	assert_false(sn->bad);
	for (int t = 0; t < NWRITERS; t++)
		for (size_t j = 0; j < KEYS_PER; j++)
			assert_int_equal(sn->n[t * KEYS_PER + j], w[t].present[j]);
	free(sn);

	ops->destroy(sh->m);
	assert_int_equal(atomic_load(&f.live), 0);
	assert_int_equal(atomic_load(&f.bad_frees), 0);
	assert_int_equal(atomic_load(&bad_destroys), 0);
	/* destroyed once: every value the map adopted and kept; never: the
	 * values handed back, and those of calls that failed or loaded */
	for (size_t i = 1; i < NSERIALS; i++) {
		unsigned d = atomic_load(&destroyed[i]);
		if (d != (fate[i] == FATE_MAP ? 1u : 0u))
			fail_msg("%s: value serial %zu destroyed %u times (fate "
			         "%d)", name, i, d, fate[i]);
	}
	free(sh);
}

#define VARIANT_TESTS(v)                                                       \
	static void test_alloc_threads_##v##_u64(void **st)                    \
	{                                                                      \
		(void)st;                                                      \
		run_variant(#v, false, 20);                                    \
	}                                                                      \
	static void test_alloc_threads_##v##_str(void **st)                    \
	{                                                                      \
		(void)st;                                                      \
		run_variant(#v, true, 20);                                     \
	}

VARIANT_TESTS(mutex)
VARIANT_TESTS(rwmutex)
VARIANT_TESTS(shard)
VARIANT_TESTS(sync)
VARIANT_TESTS(chan)

/* Every registered variant is covered here: a new one must be added. */
static void test_alloc_threads_registry(void **st)
{
	(void)st;
	static const char *const known[] = {"mutex", "rwmutex", "shard", "sync",
	                                    "chan"};
	const gomap_cmap_ops *const *list = gomap_cmap_list();
	for (size_t i = 0; list[i]; i++) {
		bool found = false;
		for (size_t k = 0; k < 5; k++)
			found |= strcmp(list[i]->name, known[k]) == 0;
		if (!found)
			fail_msg("variant %s has no concurrent allocation-failure "
			         "test", list[i]->name);
	}
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_alloc_threads_registry),
	cmocka_unit_test(test_alloc_threads_mutex_u64),
	cmocka_unit_test(test_alloc_threads_mutex_str),
	cmocka_unit_test(test_alloc_threads_rwmutex_u64),
	cmocka_unit_test(test_alloc_threads_rwmutex_str),
	cmocka_unit_test(test_alloc_threads_shard_u64),
	cmocka_unit_test(test_alloc_threads_shard_str),
	cmocka_unit_test(test_alloc_threads_sync_u64),
	cmocka_unit_test(test_alloc_threads_sync_str),
	cmocka_unit_test(test_alloc_threads_chan_u64),
	cmocka_unit_test(test_alloc_threads_chan_str),
};

int main(void)
{
	return cmocka_run_group_tests_name("safe_alloc_threads", tests, NULL,
	                                   NULL);
}
