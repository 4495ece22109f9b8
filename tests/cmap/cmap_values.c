/*
 * tests/cmap/cmap_values.c - values that own memory in every safe map:
 * copied strings and byte strings (gomap_type_str, gomap_type_bytes) and
 * values with a destroy callback.
 *
 * The contract under test (cmap.h): the map stores its own copy of an
 * owned value, and every output that receives a value from the map (a call
 * returning 1: load, load_or_store that loaded, load_and_delete, swap that
 * replaced; range's and update's value buffers) holds the caller's own
 * malloc'd copy, which outlives the map's overwrite, delete and free.
 * Destructors run exactly once per value the map drops; values moved out
 * (load_and_delete, swap) are not destroyed.
 */
#include <pthread.h>
#include <stdatomic.h>

#include "cmap_opts.h"

static bool is_rwmutex(void)
{
	return strcmp(V->name, "rwmutex") == 0;
}

static void *new_map(const gomap_type *kt, const gomap_type *vt)
{
	void *m = NULL;
	assert_int_equal(V->create(&m, kt, vt), 0);
	assert_non_null(m);
	return m;
}

/* A string the test owns, whose bytes it can change after a store. */
static char *own(const char *s)
{
	char *p = strdup(s);
	assert_non_null(p);
	return p;
}

static char *const SENTINEL = (char *)"untouched";

/* ---- strings: every operation, hit and miss ---------------------------- */

static void test_values_str_load_store(void **st)
{
	(void)st;
	void *m = new_map(&gomap_type_u64, &gomap_type_str);
	uint64_t k = 1, k2 = 2;
	char *in = own("alpha");
	const char *out = SENTINEL;

	assert_int_equal(V->load(m, &k, &out), 0); /* miss */
	assert_ptr_equal(out, SENTINEL);
	assert_int_equal(V->store(m, &k, &in), 0);
	in[0] = 'X'; /* the map holds its own copy */
	free(in);
	assert_int_equal(V->load(m, &k, &out), 1); /* hit */
	assert_string_equal(out, "alpha");
	const char *out2 = NULL;
	assert_int_equal(V->load(m, &k, &out2), 1);
	assert_ptr_not_equal(out, out2); /* each call its own copy */
	assert_string_equal(out2, "alpha");
	gomap_value_free(&gomap_type_str, &out2);
	assert_null(out2);
	assert_int_equal(V->load(m, &k, NULL), 1);

	/* the copy survives the map's overwrite, delete and free */
	const char *b = "beta";
	assert_int_equal(V->store(m, &k, &b), 0);
	assert_string_equal(out, "alpha");
	assert_int_equal(V->load(m, &k, &out2), 1);
	assert_string_equal(out2, "beta");
	assert_ptr_not_equal(out2, b);
	assert_int_equal(V->del(m, &k), 1);
	assert_int_equal(V->del(m, &k), 0);
	assert_string_equal(out2, "beta");
	assert_int_equal(V->store(m, &k2, &b), 0);
	assert_int_equal(V->len(m), 1);
	V->destroy(m);
	assert_string_equal(out, "alpha");
	assert_string_equal(out2, "beta");
	free((void *)out);
	gomap_value_free(&gomap_type_str, &out2);
	gomap_value_free(&gomap_type_u64, NULL); /* no-op */
}

static void test_values_str_bad_input(void **st)
{
	(void)st;
	void *m = new_map(&gomap_type_u64, &gomap_type_str);
	uint64_t k = 1;
	const char *nul = NULL, *a = "a", *out = SENTINEL;
	assert_int_equal(V->store(m, &k, &nul), GOMAP_EINVAL);
	assert_int_equal(V->len(m), 0);
	assert_int_equal(V->load_or_store(m, &k, &nul, &out), GOMAP_EINVAL);
	assert_ptr_equal(out, SENTINEL);
	assert_int_equal(V->swap(m, &k, &nul, &out), GOMAP_EINVAL);
	assert_ptr_equal(out, SENTINEL);
	assert_int_equal(V->store(m, &k, &a), 0);
	assert_int_equal(V->compare_and_swap(m, &k, &a, &nul), GOMAP_EINVAL);
	assert_int_equal(V->load(m, &k, &out), 1);
	assert_string_equal(out, "a");
	free((void *)out);
	/* a NULL old value compares unequal to every stored string */
	assert_int_equal(V->compare_and_delete(m, &k, &nul), 0);
	assert_int_equal(V->len(m), 1);
	V->destroy(m);
}

static void test_values_str_load_or_store(void **st)
{
	(void)st;
	void *m = new_map(&gomap_type_u64, &gomap_type_str);
	uint64_t k = 5;
	char *in = own("first");
	const char *out = SENTINEL;
	/* stored: the output is the caller's own value, not a copy */
	assert_int_equal(V->load_or_store(m, &k, &in, &out), 0);
	assert_ptr_equal(out, in);
	in[0] = 'F';
	assert_int_equal(V->load_or_store(m, &k, &in, NULL), 1);
	/* loaded: a copy of the stored value, the caller's to free */
	out = SENTINEL;
	assert_int_equal(V->load_or_store(m, &k, &in, &out), 1);
	assert_string_equal(out, "first");
	assert_ptr_not_equal(out, in);
	/* one buffer for both */
	const char *both = "other";
	assert_int_equal(V->load_or_store(m, &k, &both, &both), 1);
	assert_string_equal(both, "first");
	assert_ptr_not_equal(both, out);
	assert_int_equal(V->del(m, &k), 1);
	assert_string_equal(out, "first");
	assert_string_equal(both, "first");
	free((void *)both);
	const char *lit = "lit";
	both = lit;
	assert_int_equal(V->load_or_store(m, &k, &both, &both), 0);
	assert_ptr_equal(both, lit);
	V->destroy(m);
	assert_string_equal(out, "first");
	free((void *)out);
	free(in);
}

static void test_values_str_load_and_delete_swap(void **st)
{
	(void)st;
	void *m = new_map(&gomap_type_u64, &gomap_type_str);
	uint64_t k = 9;
	const char *a = "one", *b = "two", *out = SENTINEL;

	assert_int_equal(V->load_and_delete(m, &k, &out), 0); /* miss */
	assert_ptr_equal(out, SENTINEL);
	assert_int_equal(V->swap(m, &k, &a, &out), 0); /* inserted */
	assert_ptr_equal(out, SENTINEL);
	assert_int_equal(V->swap(m, &k, &b, &out), 1); /* replaced */
	assert_string_equal(out, "one");
	assert_ptr_not_equal(out, a);
	const char *prev = out;
	out = SENTINEL;
	assert_int_equal(V->swap(m, &k, &a, NULL), 1);
	assert_int_equal(V->load_and_delete(m, &k, &out), 1);
	assert_string_equal(out, "one");
	assert_ptr_not_equal(out, a);
	assert_int_equal(V->len(m), 0);
	assert_int_equal(V->store(m, &k, &b), 0);
	assert_int_equal(V->load_and_delete(m, &k, NULL), 1);
	assert_int_equal(V->len(m), 0);
	V->destroy(m);
	assert_string_equal(prev, "one");
	assert_string_equal(out, "one");
	free((void *)prev);
	free((void *)out);
}

static void test_values_str_compare(void **st)
{
	(void)st;
	void *m = new_map(&gomap_type_u64, &gomap_type_str);
	uint64_t k = 3;
	const char *a = "same", *c = "new", *d = "diff";
	char *a2 = own("same"); /* equal content, other pointer */
	assert_int_equal(V->compare_and_swap(m, &k, &a, &c), 0); /* absent */
	assert_int_equal(V->compare_and_delete(m, &k, &a), 0);
	assert_int_equal(V->len(m), 0);
	assert_int_equal(V->store(m, &k, &a), 0);
	assert_int_equal(V->compare_and_swap(m, &k, &d, &c), 0); /* differs */
	assert_int_equal(V->compare_and_delete(m, &k, &d), 0);
	assert_int_equal(V->compare_and_swap(m, &k, &a2, &c), 1); /* content */
	const char *out = NULL;
	assert_int_equal(V->load(m, &k, &out), 1);
	assert_string_equal(out, "new");
	assert_ptr_not_equal(out, c);
	free((void *)out);
	strcpy(a2, "new");
	assert_int_equal(V->compare_and_delete(m, &k, &a2), 1);
	assert_int_equal(V->len(m), 0);
	V->destroy(m);
	free(a2);
}

struct rng_ctx {
	void *m;
	int visits, deleted;
	const char *seen;
};

static bool str_range_fn(const void *key, void *val, void *ctx)
{
	struct rng_ctx *r = ctx;
	const char *s = *(const char **)val;
	char want[32];
	snprintf(want, sizeof want, "v%llu", (unsigned long long)*(const uint64_t *)key);
	assert_string_equal(s, want);
	r->seen = s;
	int rc = V->del(r->m, key);
	if (rc == 1)
		r->deleted++;
	else
		assert_int_equal(rc, GOMAP_EBUSY); /* rwmutex: shared lock */
	assert_string_equal(s, want); /* private copy: still valid */
	r->visits++;
	return true;
}

static void test_values_str_range_clear(void **st)
{
	(void)st;
	void *m = new_map(&gomap_type_u64, &gomap_type_str);
	for (uint64_t k = 0; k < 50; k++) {
		char buf[32];
		snprintf(buf, sizeof buf, "v%llu", (unsigned long long)k);
		const char *p = buf;
		assert_int_equal(V->store(m, &k, &p), 0);
	}
	struct rng_ctx r = {m, 0, 0, NULL};
	assert_int_equal(V->range(m, str_range_fn, &r), 0);
	assert_int_equal(r.visits, 50);
	assert_int_equal(r.deleted, is_rwmutex() ? 0 : 50);
	assert_int_equal(V->len(m), is_rwmutex() ? 50u : 0u);
	for (uint64_t k = 0; k < 50; k++) {
		const char *p = "again";
		assert_int_equal(V->store(m, &k, &p), 0);
	}
	assert_int_equal(V->clear(m), 0);
	assert_int_equal(V->len(m), 0);
	const char *out = SENTINEL;
	uint64_t k0 = 0;
	assert_int_equal(V->load(m, &k0, &out), 0);
	assert_ptr_equal(out, SENTINEL);
	const char *p = "after";
	assert_int_equal(V->store(m, &k0, &p), 0);
	V->destroy(m);
}

static const char *upd_lit = "from-callback";

struct upd_ctx {
	int mode; /* 0: replace pointer, 1: edit in place, 2: keep, 3: delete,
	             4: set NULL */
	bool present;
	char seen[32];
};

static gomap_update_decision str_upd(const void *key, void *val, bool present,
                                     void *ctx)
{
	(void)key;
	struct upd_ctx *u = ctx;
	char **s = val;
	u->present = present;
	if (present) {
		assert_non_null(*s);
		snprintf(u->seen, sizeof u->seen, "%s", *s);
	} else {
		assert_null(*s);
		u->seen[0] = '\0';
	}
	switch (u->mode) {
	case 0:
		*s = (char *)upd_lit; /* stays the callback's */
		return GOMAP_UPDATE_SET;
	case 1:
		(*s)[0] = 'Z'; /* the private copy may be changed */
		return GOMAP_UPDATE_SET;
	case 2:
		return GOMAP_UPDATE_KEEP;
	case 3:
		return GOMAP_UPDATE_DELETE;
	default:
		*s = NULL;
		return GOMAP_UPDATE_SET;
	}
}

static void test_values_str_update(void **st)
{
	(void)st;
	void *m = new_map(&gomap_type_u64, &gomap_type_str);
	uint64_t k = 4;
	const char *out = NULL;
	struct upd_ctx u = {0};

	u.mode = 0; /* absent: *val is NULL; set inserts a copy */
	assert_int_equal(V->update(m, &k, str_upd, &u), 0);
	assert_false(u.present);
	assert_int_equal(V->load(m, &k, &out), 1);
	assert_string_equal(out, "from-callback");
	assert_ptr_not_equal(out, upd_lit);
	free((void *)out);

	u.mode = 1; /* present: a private copy, edited and set */
	assert_int_equal(V->update(m, &k, str_upd, &u), 1);
	assert_true(u.present);
	assert_string_equal(u.seen, "from-callback");
	assert_string_equal(upd_lit, "from-callback");
	assert_int_equal(V->load(m, &k, &out), 1);
	assert_string_equal(out, "Zrom-callback");
	free((void *)out);

	u.mode = 2;
	assert_int_equal(V->update(m, &k, str_upd, &u), 1);
	assert_string_equal(u.seen, "Zrom-callback");
	u.mode = 4; /* a NULL string is bad input: not applied */
	assert_int_equal(V->update(m, &k, str_upd, &u), GOMAP_EINVAL);
	assert_int_equal(V->load(m, &k, &out), 1);
	assert_string_equal(out, "Zrom-callback");
	free((void *)out);
	u.mode = 0; /* present, pointer replaced */
	assert_int_equal(V->update(m, &k, str_upd, &u), 1);
	assert_int_equal(V->load(m, &k, &out), 1);
	assert_string_equal(out, "from-callback");
	free((void *)out);
	u.mode = 3;
	assert_int_equal(V->update(m, &k, str_upd, &u), 1);
	assert_int_equal(V->len(m), 0);
	assert_int_equal(V->update(m, &k, str_upd, &u), 0);
	u.mode = 2;
	assert_int_equal(V->update(m, &k, str_upd, &u), 0);
	assert_int_equal(V->len(m), 0);
	V->destroy(m);
}

/* ---- byte strings ------------------------------------------------------- */

static void test_values_bytes_ops(void **st)
{
	(void)st;
	void *m = new_map(&gomap_type_str, &gomap_type_bytes);
	const char *k = "key", *k2 = "empty";
	unsigned char raw[4] = {1, 0, 2, 3};
	gomap_bytes in = {raw, 4}, out = {SENTINEL, 99}, e = {NULL, 0};
	gomap_bytes bad = {NULL, 3};

	assert_int_equal(V->load(m, &k, &out), 0);
	assert_ptr_equal(out.ptr, SENTINEL);
	assert_int_equal(V->store(m, &k, &bad), GOMAP_EINVAL);
	assert_int_equal(V->len(m), 0);
	assert_int_equal(V->store(m, &k, &in), 0);
	raw[0] = 9;
	assert_int_equal(V->load(m, &k, &out), 1);
	assert_int_equal(out.len, 4);
	assert_ptr_not_equal(out.ptr, raw);
	assert_memory_equal(out.ptr, "\1\0\2\3", 4);
	/* the empty value: its copy is not NULL, its length 0 */
	assert_int_equal(V->store(m, &k2, &e), 0);
	gomap_bytes eo = {SENTINEL, 7};
	assert_int_equal(V->load(m, &k2, &eo), 1);
	assert_int_equal(eo.len, 0);
	assert_ptr_not_equal(eo.ptr, SENTINEL);
	gomap_value_free(&gomap_type_bytes, &eo);
	assert_null(eo.ptr);
	assert_int_equal(eo.len, 0);
	/* compare by content */
	unsigned char same[4] = {1, 0, 2, 3};
	gomap_bytes s = {same, 4}, n = {"xy", 2};
	assert_int_equal(V->compare_and_swap(m, &k, &in, &n), 0); /* raw[0]=9 */
	assert_int_equal(V->compare_and_swap(m, &k, &s, &n), 1);
	gomap_bytes prev = {SENTINEL, 0};
	assert_int_equal(V->swap(m, &k, &s, &prev), 1);
	assert_int_equal(prev.len, 2);
	assert_memory_equal(prev.ptr, "xy", 2);
	gomap_bytes taken = {SENTINEL, 0};
	assert_int_equal(V->load_and_delete(m, &k, &taken), 1);
	assert_int_equal(taken.len, 4);
	assert_memory_equal(taken.ptr, same, 4);
	gomap_bytes lo = {SENTINEL, 0};
	assert_int_equal(V->load_or_store(m, &k, &n, &lo), 0);
	assert_ptr_equal(lo.ptr, n.ptr);
	assert_int_equal(V->load_or_store(m, &k, &s, &lo), 1);
	assert_int_equal(lo.len, 2);
	assert_ptr_not_equal(lo.ptr, n.ptr);
	assert_int_equal(V->compare_and_delete(m, &k, &s), 0);
	assert_int_equal(V->compare_and_delete(m, &k, &n), 1);
	assert_int_equal(V->len(m), 1);
	V->destroy(m);
	/* every copy outlives the map */
	assert_memory_equal(out.ptr, "\1\0\2\3", 4);
	assert_memory_equal(prev.ptr, "xy", 2);
	assert_memory_equal(lo.ptr, "xy", 2);
	gomap_value_free(&gomap_type_bytes, &out);
	gomap_value_free(&gomap_type_bytes, &prev);
	gomap_value_free(&gomap_type_bytes, &taken);
	free((void *)lo.ptr);
}


/* update with byte strings: absent is {NULL, 0}; a set copies what the
 * buffer holds ({NULL, 0} is the empty value; NULL with a length is bad). */
static gomap_update_decision bytes_upd(const void *key, void *val, bool present,
                                       void *ctx)
{
	(void)key;
	gomap_bytes *b = val, *want = ctx;
	if (!present) {
		assert_null(b->ptr);
		assert_int_equal(b->len, 0);
	} else {
		assert_non_null(b->ptr);
	}
	*b = *want;
	return GOMAP_UPDATE_SET;
}

static void test_values_bytes_update(void **st)
{
	(void)st;
	void *m = new_map(&gomap_type_u64, &gomap_type_bytes);
	uint64_t k = 8;
	gomap_bytes w = {"ab", 2}, out = {SENTINEL, 99};
	assert_int_equal(V->update(m, &k, bytes_upd, &w), 0);
	assert_int_equal(V->load(m, &k, &out), 1);
	assert_int_equal(out.len, 2);
	assert_ptr_not_equal(out.ptr, w.ptr);
	assert_memory_equal(out.ptr, "ab", 2);
	gomap_value_free(&gomap_type_bytes, &out);
	w = (gomap_bytes){NULL, 3};
	assert_int_equal(V->update(m, &k, bytes_upd, &w), GOMAP_EINVAL);
	out = (gomap_bytes){SENTINEL, 99};
	assert_int_equal(V->load(m, &k, &out), 1);
	assert_memory_equal(out.ptr, "ab", 2);
	gomap_value_free(&gomap_type_bytes, &out);
	w = (gomap_bytes){NULL, 0};
	assert_int_equal(V->update(m, &k, bytes_upd, &w), 1);
	out = (gomap_bytes){SENTINEL, 99};
	assert_int_equal(V->load(m, &k, &out), 1);
	assert_int_equal(out.len, 0);
	assert_non_null(out.ptr);
	assert_ptr_not_equal(out.ptr, SENTINEL);
	gomap_value_free(&gomap_type_bytes, &out);
	assert_int_equal(V->len(m), 1);
	V->destroy(m);
}

/* ---- descriptors --------------------------------------------------------- */

static void nop_destroy(void *obj, void *ctx)
{
	(void)obj;
	(void)ctx;
}

static void test_values_descriptors(void **st)
{
	(void)st;
	void *x = NULL;
	gomap_type sd = gomap_type_str;
	sd.destroy = nop_destroy; /* the map frees its copy itself */
	assert_int_equal(V->create(&x, &gomap_type_u64, &sd), GOMAP_ENOTSUP);
	assert_null(x);
	gomap_type bd = gomap_type_bytes;
	bd.destroy = nop_destroy;
	assert_int_equal(V->create(&x, &gomap_type_u64, &bd), GOMAP_ENOTSUP);
	assert_null(x);
	/* borrowed values stay the caller's pointers */
	assert_int_equal(V->create(&x, &gomap_type_u64, &gomap_type_str_borrowed), 0);
	const char *val = "borrowed", *got = NULL;
	uint64_t k = 3;
	assert_int_equal(V->store(x, &k, &val), 0);
	assert_int_equal(V->load(x, &k, &got), 1);
	assert_ptr_equal(got, val);
	V->destroy(x);
}

/* ---- destroy exactly once under concurrent overwrite and delete --------- */

#define DQ_IDS 200000
#define DQ_KEYS 64

static _Atomic int dq_count[DQ_IDS];
static _Atomic uint64_t dq_next;

static void dq_destroy(void *obj, void *ctx)
{
	(void)ctx;
	uint64_t id;
	memcpy(&id, obj, 8);
	assert_true(id < DQ_IDS);
	atomic_fetch_add(&dq_count[id], 1);
}

static uint64_t dq_fresh(void)
{
	uint64_t id = atomic_fetch_add(&dq_next, 1);
	assert_true(id < DQ_IDS);
	return id;
}

/* The caller's side of a value the map did not keep, or handed back. */
static void dq_mine(uint64_t id)
{
	atomic_fetch_add(&dq_count[id], 1);
}

static gomap_update_decision dq_upd(const void *key, void *val, bool present,
                                    void *ctx)
{
	(void)key;
	uint64_t *w = ctx;
	if ((*w & 3) == 0)
		return GOMAP_UPDATE_DELETE;
	if ((*w & 3) == 1)
		return GOMAP_UPDATE_KEEP;
	/* set: the old value is taken over by the buffer, not destroyed */
	if (present) {
		uint64_t old;
		memcpy(&old, val, 8);
		dq_mine(old);
	}
	uint64_t id = dq_fresh();
	memcpy(val, &id, 8);
	return GOMAP_UPDATE_SET;
}

struct dq_arg {
	void *m;
	unsigned seed;
	long ops;
};

static void *dq_worker(void *p)
{
	struct dq_arg *a = p;
	ct_rng r = {a->seed};
	for (long i = 0; i < a->ops; i++) {
		uint64_t k = ct_below(&r, DQ_KEYS), v, out;
		switch (ct_below(&r, 8)) {
		case 0:
			v = dq_fresh();
			assert_int_equal(V->store(a->m, &k, &v), 0);
			break;
		case 1:
			v = dq_fresh();
			if (V->load_or_store(a->m, &k, &v, &out) == 1)
				dq_mine(v); /* not stored: still ours */
			break;
		case 2:
			if (V->load_and_delete(a->m, &k, &out) == 1)
				dq_mine(out); /* moved out: not destroyed */
			break;
		case 3:
			V->del(a->m, &k);
			break;
		case 4:
			v = dq_fresh();
			if (V->swap(a->m, &k, &v, &out) == 1)
				dq_mine(out);
			break;
		case 5:
			if (V->load(a->m, &k, &out) == 1) {
				v = dq_fresh();
				if (V->compare_and_swap(a->m, &k, &out, &v) != 1)
					dq_mine(v);
			}
			break;
		case 6:
			if (V->load(a->m, &k, &out) == 1)
				V->compare_and_delete(a->m, &k, &out);
			break;
		default: {
			uint64_t w = ct_next(&r);
			assert_true(V->update(a->m, &k, dq_upd, &w) >= 0);
			break;
		}
		}
	}
	return NULL;
}

static void test_values_destroy_once_concurrent(void **st)
{
	(void)st;
	for (size_t i = 0; i < DQ_IDS; i++)
		atomic_store(&dq_count[i], 0);
	atomic_store(&dq_next, 0);
	gomap_type vt = GOMAP_TYPE_RAW(uint64_t);
	vt.destroy = dq_destroy;
	void *m = new_map(&gomap_type_u64, &vt);
	enum { T = 4 };
	pthread_t th[T];
	struct dq_arg args[T];
	long ops = ct_scale(20000);
	for (int t = 0; t < T; t++) {
		args[t] = (struct dq_arg){m, 1234u + (unsigned)t, ops};
		assert_int_equal(pthread_create(&th[t], NULL, dq_worker, &args[t]), 0);
	}
	for (int t = 0; t < T; t++)
		assert_int_equal(pthread_join(th[t], NULL), 0);
	/* clear drops half the story, free the rest */
	uint64_t k = 0, v = dq_fresh();
	assert_int_equal(V->clear(m), 0);
	assert_int_equal(V->store(m, &k, &v), 0);
	V->destroy(m);
	uint64_t n = atomic_load(&dq_next);
	assert_true(n > (uint64_t)ops);
	for (uint64_t i = 0; i < n; i++)
		if (atomic_load(&dq_count[i]) != 1)
			fail_msg("value %llu dropped %d times", (unsigned long long)i,
			         atomic_load(&dq_count[i]));
}

/* ---- strings under concurrent readers, writers and growth -------------- */

#define SC_KEYS 2048

struct sc_arg {
	void *m;
	unsigned seed;
	long ops;
	bool writer;
	_Atomic int *stop;
};

/* Values are "<key>:<n>": a reader checks that what it got belongs to the
 * key it asked for (a freed or reused string would not). */
static void sc_check(uint64_t k, const char *s)
{
	char want[24];
	int n = snprintf(want, sizeof want, "%llu:", (unsigned long long)k);
	if (strncmp(s, want, (size_t)n) != 0)
		fail_msg("key %llu got value '%s'", (unsigned long long)k, s);
}

static gomap_update_decision sc_upd(const void *key, void *val, bool present,
                                    void *ctx)
{
	char **s = val;
	uint64_t k;
	memcpy(&k, key, 8);
	if (present)
		sc_check(k, *s);
	else
		assert_null(*s);
	snprintf(ctx, 32, "%llu:u", (unsigned long long)k);
	*s = ctx;
	return GOMAP_UPDATE_SET;
}

static bool sc_range(const void *key, void *val, void *ctx)
{
	(void)ctx;
	uint64_t k;
	memcpy(&k, key, 8);
	sc_check(k, *(const char **)val);
	return true;
}

static void *sc_worker(void *p)
{
	struct sc_arg *a = p;
	ct_rng r = {a->seed};
	char buf[32], ubuf[32];
	for (long i = 0; i < a->ops || (!a->writer && !atomic_load(a->stop)); i++) {
		/* writers spread over a growing key range: the table grows */
		uint64_t k = ct_below(&r, a->writer ? (uint64_t)(i % SC_KEYS) + 1 : SC_KEYS);
		const char *out = NULL, *v = buf;
		snprintf(buf, sizeof buf, "%llu:%ld", (unsigned long long)k, i);
		if (!a->writer) {
			if (i % 1024 == 1023)
				assert_int_equal(V->range(a->m, sc_range, NULL), 0);
			else if (V->load(a->m, &k, &out) == 1) {
				sc_check(k, out);
				free((void *)out);
			}
			continue;
		}
		switch (ct_below(&r, 6)) {
		case 0:
		case 1:
			assert_int_equal(V->store(a->m, &k, &v), 0);
			break;
		case 2:
			if (V->swap(a->m, &k, &v, &out) == 1) {
				sc_check(k, out);
				free((void *)out);
			}
			break;
		case 3:
			if (V->load_and_delete(a->m, &k, &out) == 1) {
				sc_check(k, out);
				free((void *)out);
			}
			break;
		case 4:
			if (V->load_or_store(a->m, &k, &v, &out) == 1) {
				sc_check(k, out);
				free((void *)out);
			}
			break;
		default:
			assert_true(V->update(a->m, &k, sc_upd, ubuf) >= 0);
			break;
		}
	}
	return NULL;
}

static void test_values_str_concurrent_growth(void **st)
{
	(void)st;
	/* The map's copies come from a counting allocator: each freed exactly
	 * once (no block left, none freed with another size). */
	ct_counter c;
	gomap_allocator a = ct_counter_init(&c, 0);
	void *m = NULL;
	assert_int_equal(ct_create_opts(&m, &gomap_type_u64, &gomap_type_str, 0, &a), 0);
	enum { W = 2, R = 2 };
	pthread_t th[W + R];
	struct sc_arg args[W + R];
	_Atomic int stop = 0;
	long ops = ct_scale(40000);
	for (int t = 0; t < W + R; t++) {
		args[t] = (struct sc_arg){m, 77u + (unsigned)t, ops, t < W, &stop};
		assert_int_equal(pthread_create(&th[t], NULL, sc_worker, &args[t]), 0);
	}
	for (int t = 0; t < W; t++)
		assert_int_equal(pthread_join(th[t], NULL), 0);
	atomic_store(&stop, 1);
	for (int t = W; t < W + R; t++)
		assert_int_equal(pthread_join(th[t], NULL), 0);
	assert_true(V->len(m) > 0);
	assert_int_equal(V->range(m, sc_range, NULL), 0);
	assert_true(atomic_load(&c.live) > (long)V->len(m));
	V->destroy(m); /* every remaining copy freed */
	assert_int_equal(atomic_load(&c.live), 0);
	assert_int_equal(atomic_load(&c.bad_frees), 0);
}


/* ---- allocation failure on the value copy --------------------------------
 * The map's copies come from its allocator: failing the n-th allocation of
 * each write, for n = 0, 1, ... until it succeeds, reaches the value copy
 * (and every other allocation of that write). Each failure must be
 * GOMAP_ENOMEM with the map and the outputs exactly as they were. */

typedef struct nth_alloc {
	atomic_long countdown; /* < 0: never fail; else fail when it hits 0 */
	atomic_long live, failures, bad_frees;
} nth_alloc;

static void *nth_alloc_fn(void *ctx, size_t size)
{
	nth_alloc *f = ctx;
	if (atomic_load(&f->countdown) >= 0 &&
	    atomic_fetch_sub(&f->countdown, 1) == 0) {
		atomic_fetch_add(&f->failures, 1);
		return NULL;
	}
	unsigned char *p = malloc(size + CT_HDR);
	assert_non_null(p);
	memcpy(p, &size, sizeof size);
	atomic_fetch_add(&f->live, 1);
	return p + CT_HDR;
}

static void nth_free_fn(void *ctx, void *ptr, size_t size)
{
	nth_alloc *f = ctx;
	unsigned char *p = (unsigned char *)ptr - CT_HDR;
	size_t was;
	memcpy(&was, p, sizeof was);
	if (was != size)
		atomic_fetch_add(&f->bad_frees, 1);
	atomic_fetch_sub(&f->live, 1);
	free(p);
}

#define AF_KEYS 8

/* The model: model[k] is key k's value, NULL when absent. */
static void af_check(void *m, char *model[AF_KEYS])
{
	size_t n = 0;
	for (uint64_t k = 0; k < AF_KEYS; k++) {
		const char *out = SENTINEL;
		int rc = V->load(m, &k, &out);
		if (!model[k]) {
			assert_int_equal(rc, 0);
			assert_ptr_equal(out, SENTINEL);
			continue;
		}
		assert_int_equal(rc, 1);
		assert_string_equal(out, model[k]);
		free((void *)out);
		n++;
	}
	assert_int_equal(V->len(m), n);
}

static gomap_update_decision af_upd(const void *key, void *val, bool present,
                                    void *ctx)
{
	(void)key;
	(void)present;
	*(const char **)val = ctx;
	return GOMAP_UPDATE_SET;
}

enum { AF_STORE, AF_LOS, AF_SWAP, AF_CAS, AF_UPDATE, AF_NOPS };

static void test_values_alloc_failure(void **st)
{
	(void)st;
	nth_alloc f;
	atomic_init(&f.countdown, -1);
	atomic_init(&f.live, 0);
	atomic_init(&f.failures, 0);
	atomic_init(&f.bad_frees, 0);
	gomap_allocator a = {nth_alloc_fn, NULL, nth_free_fn, &f};
	void *m = NULL;
	assert_int_equal(ct_create_opts(&m, &gomap_type_u64, &gomap_type_str, 64, &a), 0);
	char *model[AF_KEYS] = {0};
	for (uint64_t k = 0; k < AF_KEYS; k += 2) {
		char buf[32];
		snprintf(buf, sizeof buf, "init-%llu", (unsigned long long)k);
		const char *p = buf;
		assert_int_equal(V->store(m, &k, &p), 0);
		model[k] = strdup(buf);
	}
	af_check(m, model);
	for (int round = 0; round < 2 * AF_NOPS; round++) {
		int op = round % AF_NOPS;
		/* even keys are present, odd ones absent in round 0 */
		uint64_t k = (uint64_t)(round * 3) % AF_KEYS;
		if (op == AF_CAS && !model[k])
			k = (k + 1) % AF_KEYS;
		char val[48];
		snprintf(val, sizeof val, "round-%d-with-a-longer-value", round);
		const char *v = val;
		long fails = 0;
		for (long n = 0;; n++) {
			const char *out = SENTINEL;
			const char *old = model[k];
			atomic_store(&f.countdown, n);
			int rc;
			switch (op) {
			case AF_STORE:
				rc = V->store(m, &k, &v);
				break;
			case AF_LOS:
				rc = V->load_or_store(m, &k, &v, &out);
				break;
			case AF_SWAP:
				rc = V->swap(m, &k, &v, &out);
				break;
			case AF_CAS:
				rc = V->compare_and_swap(m, &k, &old, &v);
				break;
			default:
				rc = V->update(m, &k, af_upd, val);
				break;
			}
			atomic_store(&f.countdown, -1);
			if (rc == GOMAP_ENOMEM) {
				fails++;
				assert_ptr_equal(out, SENTINEL);
				af_check(m, model);
				assert_true(n < 64);
				continue;
			}
			/* success: the outputs, then the model */
			switch (op) {
			case AF_STORE:
				assert_int_equal(rc, 0);
				break;
			case AF_LOS:
				assert_int_equal(rc, model[k] ? 1 : 0);
				if (model[k]) {
					assert_string_equal(out, model[k]);
					free((void *)out);
				} else {
					assert_ptr_equal(out, v);
				}
				break;
			case AF_SWAP:
				assert_int_equal(rc, model[k] ? 1 : 0);
				if (model[k]) {
					assert_string_equal(out, model[k]);
					free((void *)out);
				} else {
					assert_ptr_equal(out, SENTINEL);
				}
				break;
			case AF_CAS:
				assert_non_null(model[k]);
				assert_int_equal(rc, 1);
				break;
			default:
				assert_int_equal(rc, model[k] ? 1 : 0);
				break;
			}
			if (op != AF_LOS || !model[k]) {
				free(model[k]);
				model[k] = strdup(val);
			}
			break;
		}
		/* a write that stores a new copy can fail at that copy */
		if (op != AF_LOS || fails)
			assert_true(fails >= 1);
		af_check(m, model);
	}
	ct_quiesce(m);
	V->destroy(m);
	assert_int_equal(atomic_load(&f.live), 0);
	assert_int_equal(atomic_load(&f.bad_frees), 0);
	assert_true(atomic_load(&f.failures) >= AF_NOPS);
	for (int k = 0; k < AF_KEYS; k++)
		free(model[k]);
}


/* ---- atomic sections --------------------------------------------------------
 * They hand out the plain map itself, whose values are the map's copies:
 * refused (GOMAP_ENOTSUP, the callback never runs) on owned-value maps;
 * rwmutex's read-only section works. sync has none. */

static int never_fn(gomap_map_t *map, void *ctx)
{
	(void)map;
	(*(int *)ctx)++;
	return 0;
}

static int never_all(gomap_map_t *const *maps, size_t n, void *ctx)
{
	(void)maps;
	(void)n;
	(*(int *)ctx)++;
	return 0;
}

static int read_fn(const gomap_map_t *map, void *ctx)
{
	uint64_t k = 1;
	const char *const *v = gomap_map_get_ptr(map, &k);
	assert_non_null(v);
	assert_string_equal(*v, "kept");
	(*(int *)ctx)++;
	return 7;
}

static void test_values_atomic_sections(void **st)
{
	(void)st;
	void *m = new_map(&gomap_type_u64, &gomap_type_str);
	uint64_t k = 1;
	const char *v = "kept";
	assert_int_equal(V->store(m, &k, &v), 0);
	int calls = 0;
	const char *n = V->name;
	if (strcmp(n, "mutex") == 0) {
		assert_int_equal(gomap_mutex_atomic(m, never_fn, &calls), GOMAP_ENOTSUP);
	} else if (strcmp(n, "rwmutex") == 0) {
		assert_int_equal(gomap_rwmutex_atomic(m, never_fn, &calls), GOMAP_ENOTSUP);
		assert_int_equal(gomap_rwmutex_atomic_read(m, read_fn, &calls), 7);
		assert_int_equal(calls, 1);
		calls = 0;
	} else if (strcmp(n, "shard") == 0) {
		assert_int_equal(gomap_shard_atomic(m, &k, never_fn, &calls), GOMAP_ENOTSUP);
		assert_int_equal(gomap_shard_atomic_all(m, never_all, &calls), GOMAP_ENOTSUP);
	} else if (strcmp(n, "chan") == 0) {
		assert_int_equal(gomap_chan_txn(m, never_fn, &calls), GOMAP_ENOTSUP);
	}
	assert_int_equal(calls, 0);
	const char *out = NULL;
	assert_int_equal(V->load(m, &k, &out), 1);
	assert_string_equal(out, "kept");
	free((void *)out);
	assert_int_equal(V->len(m), 1);
	V->destroy(m);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_values_str_load_store),
	cmocka_unit_test(test_values_str_bad_input),
	cmocka_unit_test(test_values_str_load_or_store),
	cmocka_unit_test(test_values_str_load_and_delete_swap),
	cmocka_unit_test(test_values_str_compare),
	cmocka_unit_test(test_values_str_range_clear),
	cmocka_unit_test(test_values_str_update),
	cmocka_unit_test(test_values_bytes_ops),
	cmocka_unit_test(test_values_bytes_update),
	cmocka_unit_test(test_values_descriptors),
	cmocka_unit_test(test_values_destroy_once_concurrent),
	cmocka_unit_test(test_values_str_concurrent_growth),
	cmocka_unit_test(test_values_alloc_failure),
	cmocka_unit_test(test_values_atomic_sections),
};

CT_MAIN("cmap_values", tests)
