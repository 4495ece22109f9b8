/*
 * tests/cmap/cmap_update.c - gomap_V_update (cmap.h's update), one test
 * body for every safe map variant:
 *  - every decision (keep, set, delete, and one outside the enum) on a hit
 *    and on a miss, with every output checked: the return value, what the
 *    callback saw (presence, value bytes, key), and the map afterwards;
 *    bad input (the callback is not called);
 *  - value shapes that take different paths in sync: u64 keys with u64
 *    values (pair mode), string keys with u64 values (entry mode, values
 *    in place), 16-byte values (a new entry per set), 208-byte values (a
 *    heap buffer in the locked maps), sets, values with a destructor
 *    (set takes the old value over, delete destroys it once);
 *  - update from a range callback, and a callback that updates another map;
 *  - a callback that calls the map it updates dies with the fatal error
 *    (forked child), for each kind of call;
 *  - lost updates: threads increment shared counters with update while a
 *    reader, a range loop and growth (inserts and deletes of other keys)
 *    run: the final counts are exact and every value read is whole; then
 *    the same with clear running too, checked through the histogram of the
 *    values the increments wrote (below).
 */
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gomap/chan.h>
#include <gomap/mutex.h>
#include <gomap/rwmutex.h>
#include <gomap/shard.h>
#include <gomap/sync.h>

#include "cmap_test.h"

/* ---- value shapes -------------------------------------------------------- */

enum { VK_U64, VK_V16, VK_BIG };

/* A counter with a check word: a torn or mixed value shows. */
struct v16 {
	uint64_t n, chk;
};

struct vbig {
	uint64_t n;
	unsigned char pad[192];
	uint64_t chk;
};

#define VMAX sizeof(struct vbig)

static uint64_t chk_of(uint64_t n)
{
	return n * 0x9E3779B97F4A7C15ull + 0x5bd1e995;
}

static const gomap_type *vtype(int vk)
{
	static const gomap_type t16 = GOMAP_TYPE_RAW(struct v16);
	static const gomap_type tbig = GOMAP_TYPE_RAW(struct vbig);
	return vk == VK_U64 ? &gomap_type_u64 : vk == VK_V16 ? &t16 : &tbig;
}

static size_t vsize(int vk)
{
	return vtype(vk)->size;
}

static void vmake(int vk, uint64_t n, void *out)
{
	if (vk == VK_U64) {
		memcpy(out, &n, 8);
	} else if (vk == VK_V16) {
		struct v16 v = {n, chk_of(n)};
		memcpy(out, &v, sizeof v);
	} else {
		struct vbig v;
		v.n = n;
		memset(v.pad, (int)(n & 0xff), sizeof v.pad);
		v.chk = chk_of(n);
		memcpy(out, &v, sizeof v);
	}
}

/* The counter in a value; false when its bytes do not belong together. */
static bool vread(int vk, const void *in, uint64_t *n)
{
	if (vk == VK_U64) {
		memcpy(n, in, 8);
		return true;
	}
	if (vk == VK_V16) {
		struct v16 v;
		memcpy(&v, in, sizeof v);
		*n = v.n;
		return v.chk == chk_of(v.n);
	}
	struct vbig v;
	memcpy(&v, in, sizeof v);
	*n = v.n;
	if (v.chk != chk_of(v.n))
		return false;
	for (size_t i = 0; i < sizeof v.pad; i++)
		if (v.pad[i] != (unsigned char)(v.n & 0xff))
			return false;
	return true;
}

static uint64_t vn(int vk, const void *in)
{
	uint64_t n = 0;
	assert_true(vread(vk, in, &n));
	return n;
}

static void *new_map(int kk, int vk)
{
	void *m = NULL;
	assert_int_equal(V->create(&m, ct_key_type(kk), vtype(vk)), 0);
	assert_non_null(m);
	return m;
}

/* ---- a scripted callback ------------------------------------------------- */

struct uctx {
	int vk;
	int decision; /* returned as is, even outside the enum */
	bool write;   /* write set_to into the buffer first */
	uint64_t set_to;
	/* what the callback saw */
	int calls;
	bool present, val_null;
	const void *key;
	unsigned char seen[VMAX];
};

static void uctx_init(struct uctx *c, int vk, int decision, bool write, uint64_t set_to)
{
	memset(c, 0, sizeof *c);
	c->vk = vk;
	c->decision = decision;
	c->write = write;
	c->set_to = set_to;
	memset(c->seen, 0xee, sizeof c->seen);
}

static gomap_update_decision scripted(const void *key, void *val, bool present, void *ctx)
{
	struct uctx *c = ctx;
	c->calls++;
	c->present = present;
	c->key = key;
	c->val_null = val == NULL;
	if (val) {
		memcpy(c->seen, val, vsize(c->vk));
		if (c->write)
			vmake(c->vk, c->set_to, val);
	}
	return (gomap_update_decision)c->decision;
}

/* Run one update and check what the callback saw. */
static int upd(void *m, const void *key, struct uctx *c, int want_rc, bool want_present, uint64_t want_seen)
{
	int rc = V->update(m, key, scripted, c);
	assert_int_equal(rc, want_rc);
	assert_int_equal(c->calls, 1);
	assert_int_equal(c->present, want_present);
	assert_ptr_equal(c->key, key); /* the caller's key, as passed */
	assert_false(c->val_null);
	if (want_present) {
		assert_int_equal(vn(c->vk, c->seen), want_seen);
	} else {
		unsigned char zero[VMAX] = {0};
		assert_memory_equal(c->seen, zero, vsize(c->vk)); /* all zero */
	}
	return rc;
}

static void check_value(void *m, const void *key, int vk, bool present, uint64_t n)
{
	unsigned char out[VMAX];
	memset(out, 0xcc, sizeof out);
	assert_int_equal(V->load(m, key, out), present);
	if (present)
		assert_int_equal(vn(vk, out), n);
}

/* ---- every decision, hit and miss ----------------------------------------- */

static void decisions(int kk, int vk)
{
	ct_keys *K = malloc(sizeof *K);
	ct_keys_init(K, kk, 4);
	void *m = new_map(kk, vk);
	const void *k0 = ct_key(K, 0), *k1 = ct_key(K, 1);
	struct uctx c;

	/* miss + keep, the buffer written anyway: nothing stored */
	uctx_init(&c, vk, GOMAP_UPDATE_KEEP, true, 5);
	upd(m, k0, &c, 0, false, 0);
	check_value(m, k0, vk, false, 0);
	assert_int_equal(V->len(m), 0);

	/* miss + delete: nothing */
	uctx_init(&c, vk, GOMAP_UPDATE_DELETE, true, 5);
	upd(m, k0, &c, 0, false, 0);
	check_value(m, k0, vk, false, 0);
	assert_int_equal(V->len(m), 0);

	/* miss + set: inserted with the buffer's value */
	uctx_init(&c, vk, GOMAP_UPDATE_SET, true, 7);
	upd(m, k0, &c, 0, false, 0);
	check_value(m, k0, vk, true, 7);
	assert_int_equal(V->len(m), 1);

	/* miss + set of an untouched buffer: inserted as zero */
	uctx_init(&c, vk, GOMAP_UPDATE_SET, false, 0);
	upd(m, k1, &c, 0, false, 0);
	unsigned char out[VMAX], zero[VMAX] = {0};
	assert_int_equal(V->load(m, k1, out), 1);
	assert_memory_equal(out, zero, vsize(vk));
	assert_int_equal(V->len(m), 2);
	assert_int_equal(V->del(m, k1), 1);

	/* hit + keep with the buffer changed: the value stays */
	uctx_init(&c, vk, GOMAP_UPDATE_KEEP, true, 99);
	upd(m, k0, &c, 1, true, 7);
	check_value(m, k0, vk, true, 7);

	/* hit + set */
	uctx_init(&c, vk, GOMAP_UPDATE_SET, true, 8);
	upd(m, k0, &c, 1, true, 7);
	check_value(m, k0, vk, true, 8);
	assert_int_equal(V->len(m), 1);

	/* hit + set of the untouched buffer: the same value */
	uctx_init(&c, vk, GOMAP_UPDATE_SET, false, 0);
	upd(m, k0, &c, 1, true, 8);
	check_value(m, k0, vk, true, 8);

	/* another key, then a delete of the first */
	uctx_init(&c, vk, GOMAP_UPDATE_SET, true, 100);
	upd(m, k1, &c, 0, false, 0);
	uctx_init(&c, vk, GOMAP_UPDATE_DELETE, true, 1);
	upd(m, k0, &c, 1, true, 8);
	check_value(m, k0, vk, false, 0);
	check_value(m, k1, vk, true, 100);
	assert_int_equal(V->len(m), 1);

	/* a decision outside the enum: GOMAP_EINVAL, nothing applied */
	uctx_init(&c, vk, 7, true, 55);
	upd(m, k1, &c, GOMAP_EINVAL, true, 100);
	check_value(m, k1, vk, true, 100);
	uctx_init(&c, vk, -1, true, 55);
	upd(m, k0, &c, GOMAP_EINVAL, false, 0);
	check_value(m, k0, vk, false, 0);
	assert_int_equal(V->len(m), 1);

	/* what update wrote, the other operations see */
	unsigned char a[VMAX], prev[VMAX];
	vmake(vk, 200, a);
	assert_int_equal(V->swap(m, k1, a, prev), 1);
	assert_int_equal(vn(vk, prev), 100);
	uctx_init(&c, vk, GOMAP_UPDATE_SET, true, 201);
	upd(m, k1, &c, 1, true, 200);
	assert_int_equal(V->load_or_store(m, k1, a, prev), 1);
	assert_int_equal(vn(vk, prev), 201);

	/* bad input: GOMAP_EINVAL and the callback is not called */
	uctx_init(&c, vk, GOMAP_UPDATE_SET, true, 1);
	assert_int_equal(V->update(NULL, k0, scripted, &c), GOMAP_EINVAL);
	assert_int_equal(V->update(m, NULL, scripted, &c), GOMAP_EINVAL);
	assert_int_equal(V->update(m, k0, NULL, &c), GOMAP_EINVAL);
	if (kk == CT_STR) {
		const char *nul = NULL;
		assert_int_equal(V->update(m, &nul, scripted, &c), GOMAP_EINVAL);
	}
	assert_int_equal(c.calls, 0);
	assert_int_equal(V->len(m), 1);
	check_value(m, k1, vk, true, 201);

	V->destroy(m);
	free(K);
}

static void test_update_decisions_u64_u64(void **s) { (void)s; decisions(CT_U64, VK_U64); }
static void test_update_decisions_str_u64(void **s) { (void)s; decisions(CT_STR, VK_U64); }
static void test_update_decisions_u64_v16(void **s) { (void)s; decisions(CT_U64, VK_V16); }
static void test_update_decisions_str_v16(void **s) { (void)s; decisions(CT_STR, VK_V16); }
static void test_update_decisions_u64_big(void **s) { (void)s; decisions(CT_U64, VK_BIG); }

/* Byte-string keys: the callback gets the caller's gomap_bytes. */
static void test_update_bytes_keys(void **state)
{
	(void)state;
	void *m = NULL;
	assert_int_equal(V->create(&m, &gomap_type_bytes, &gomap_type_u64), 0);
	char buf[8] = "abc";
	gomap_bytes k = {buf, 3}, empty = {NULL, 0}, bad = {NULL, 2};
	struct uctx c;
	uctx_init(&c, VK_U64, GOMAP_UPDATE_SET, true, 1);
	upd(m, &k, &c, 0, false, 0);
	memcpy(buf, "xyz", 3); /* the map owns a copy of "abc" */
	uctx_init(&c, VK_U64, GOMAP_UPDATE_SET, true, 2);
	upd(m, &k, &c, 0, false, 0);
	uctx_init(&c, VK_U64, GOMAP_UPDATE_SET, true, 3);
	upd(m, &empty, &c, 0, false, 0);
	gomap_bytes abc = {"abc", 3};
	uctx_init(&c, VK_U64, GOMAP_UPDATE_DELETE, false, 0);
	upd(m, &abc, &c, 1, true, 1);
	uctx_init(&c, VK_U64, GOMAP_UPDATE_KEEP, false, 0);
	assert_int_equal(V->update(m, &bad, scripted, &c), GOMAP_EINVAL);
	assert_int_equal(c.calls, 0);
	assert_int_equal(V->len(m), 2);
	V->destroy(m);
}

/* A set: the callback gets no buffer; set inserts, delete removes. */
static gomap_update_decision set_cb(const void *key, void *val, bool present, void *ctx)
{
	(void)key;
	int *c = ctx;
	c[0]++;
	c[1] = present;
	c[2] = val == NULL;
	return (gomap_update_decision)c[3];
}

static void test_update_set_type(void **state)
{
	(void)state;
	gomap_type none = {0, GOMAP_KIND_RAW, 0, NULL, NULL, NULL, NULL};
	void *m = NULL;
	assert_int_equal(V->create(&m, &gomap_type_u64, &none), 0);
	uint64_t k = 5;
	int c[4] = {0, -1, -1, GOMAP_UPDATE_KEEP};
	assert_int_equal(V->update(m, &k, set_cb, c), 0);
	assert_int_equal(c[0], 1);
	assert_int_equal(c[1], 0);
	assert_int_equal(c[2], 1);
	assert_int_equal(V->len(m), 0);
	c[3] = GOMAP_UPDATE_SET;
	assert_int_equal(V->update(m, &k, set_cb, c), 0);
	assert_int_equal(V->load(m, &k, NULL), 1);
	assert_int_equal(V->update(m, &k, set_cb, c), 1);
	assert_int_equal(c[1], 1);
	assert_int_equal(c[2], 1);
	assert_int_equal(V->len(m), 1);
	c[3] = GOMAP_UPDATE_DELETE;
	assert_int_equal(V->update(m, &k, set_cb, c), 1);
	assert_int_equal(V->load(m, &k, NULL), 0);
	assert_int_equal(V->len(m), 0);
	assert_int_equal(c[0], 4);
	V->destroy(m);
}

/* ---- values with a destructor ---------------------------------------------- */

#define NIDS 8
static atomic_int destroyed[NIDS];

static void count_destroy(void *obj, void *ctx)
{
	(void)ctx;
	uint64_t id;
	memcpy(&id, obj, 8);
	if (id < NIDS)
		atomic_fetch_add(&destroyed[id], 1);
}

static gomap_update_decision put_id(const void *key, void *val, bool present, void *ctx)
{
	(void)key;
	(void)present;
	const uint64_t *p = ctx; /* {decision, id to write} */
	memcpy(val, &p[1], 8);
	return (gomap_update_decision)p[0];
}

/*
 * set takes the old value over (the callback started from its bytes), so
 * the map destroys it neither then nor later; keep destroys nothing;
 * delete destroys the stored value once; free destroys what is left once.
 */
static void test_update_destroy_once(void **state)
{
	(void)state;
	for (int i = 0; i < NIDS; i++)
		atomic_store(&destroyed[i], 0);
	gomap_type vt = GOMAP_TYPE_RAW(uint64_t);
	vt.destroy = count_destroy;
	void *m = NULL;
	assert_int_equal(V->create(&m, &gomap_type_u64, &vt), 0);
	uint64_t k = 1, k2 = 2, out = 0;
	uint64_t a[2] = {GOMAP_UPDATE_SET, 1};
	assert_int_equal(V->update(m, &k, put_id, a), 0); /* miss: id 1 stored */
	uint64_t b[2] = {GOMAP_UPDATE_SET, 2};
	assert_int_equal(V->update(m, &k, put_id, b), 1); /* 1 taken over by 2 */
	uint64_t c[2] = {GOMAP_UPDATE_KEEP, 3};
	assert_int_equal(V->update(m, &k, put_id, c), 1); /* buffer 3 dropped */
	assert_int_equal(V->load(m, &k, &out), 1);
	assert_int_equal(out, 2);
	uint64_t d[2] = {GOMAP_UPDATE_DELETE, 5};
	assert_int_equal(V->update(m, &k, put_id, d), 1); /* 2 destroyed */
	assert_int_equal(V->load(m, &k, NULL), 0);
	uint64_t e[2] = {GOMAP_UPDATE_SET, 4};
	assert_int_equal(V->update(m, &k2, put_id, e), 0);
	V->destroy(m); /* 4 destroyed; sync: after every grace period */
	assert_int_equal(atomic_load(&destroyed[1]), 0);
	assert_int_equal(atomic_load(&destroyed[2]), 1);
	assert_int_equal(atomic_load(&destroyed[3]), 0);
	assert_int_equal(atomic_load(&destroyed[4]), 1);
	assert_int_equal(atomic_load(&destroyed[5]), 0);
}

/* ---- allocation failure ------------------------------------------------------ */

/* malloc, refusing every allocation while @fail is set (thread-safe: chan's
 * owner and sync's RCU thread allocate and free too). */
struct failing {
	atomic_bool fail;
	atomic_long refused;
};

static void *fa_alloc(void *ctx, size_t n)
{
	struct failing *f = ctx;
	if (atomic_load(&f->fail)) {
		atomic_fetch_add(&f->refused, 1);
		return NULL;
	}
	return malloc(n);
}

static void *fa_alloc_zeroed(void *ctx, size_t n)
{
	struct failing *f = ctx;
	if (atomic_load(&f->fail)) {
		atomic_fetch_add(&f->refused, 1);
		return NULL;
	}
	return calloc(1, n);
}

static void fa_free(void *ctx, void *p, size_t n)
{
	(void)ctx;
	(void)n;
	free(p);
}

/* The variant under test with an allocator (the ops table's create uses
 * the defaults). */
static void *new_with_alloc(const gomap_type *kt, const gomap_type *vt, const gomap_allocator *a)
{
	void *m = NULL;
	int rc = GOMAP_EINVAL;
	if (strcmp(V->name, "mutex") == 0) {
		gomap_mutex_options o = {.alloc = a};
		rc = gomap_mutex_new((gomap_mutex_t **)&m, kt, vt, &o);
	} else if (strcmp(V->name, "rwmutex") == 0) {
		gomap_rwmutex_options o = {.alloc = a};
		rc = gomap_rwmutex_new((gomap_rwmutex_t **)&m, kt, vt, &o);
	} else if (strcmp(V->name, "shard") == 0) {
		gomap_shard_options o = {.alloc = a};
		rc = gomap_shard_new((gomap_shard_t **)&m, kt, vt, &o);
	} else if (strcmp(V->name, "sync") == 0) {
		gomap_sync_options o = {.alloc = a};
		rc = gomap_sync_new((gomap_sync_t **)&m, kt, vt, &o);
	} else if (strcmp(V->name, "chan") == 0) {
		gomap_chan_options o = {.alloc = a};
		rc = gomap_chan_new((gomap_chan_t **)&m, kt, vt, &o);
	}
	assert_int_equal(rc, 0);
	return m;
}

/*
 * GOMAP_ENOMEM leaves the map unchanged: an insert whose key copy (or
 * entry) cannot be allocated, and, for values that need a buffer or a new
 * entry before the callback runs, any update (the callback is not called
 * then). Hits of 8-byte values need no memory at all.
 */
static void enomem(int vk)
{
	struct failing f = {false, 0};
	gomap_allocator a = {fa_alloc, fa_alloc_zeroed, fa_free, &f};
	void *m = new_with_alloc(&gomap_type_str, vtype(vk), &a);
	/* k1 is longer than the plain map keeps in a slot: inserting it
	 * needs an allocation in every variant */
	const char *k0 = "present", *k1 = "absent, and longer than a slot holds";
	struct uctx c;
	uctx_init(&c, vk, GOMAP_UPDATE_SET, true, 3);
	upd(m, &k0, &c, 0, false, 0);

	atomic_store(&f.fail, true);
	/* a miss that is set: the key copy or entry fails */
	uctx_init(&c, vk, GOMAP_UPDATE_SET, true, 4);
	assert_int_equal(V->update(m, &k1, scripted, &c), GOMAP_ENOMEM);
	assert_true(c.calls <= 1);
	check_value(m, &k1, vk, false, 0);
	assert_int_equal(V->len(m), 1);
	/* a hit that is set */
	uctx_init(&c, vk, GOMAP_UPDATE_SET, true, 5);
	int rc = V->update(m, &k0, scripted, &c);
	/* the locked maps' buffer is on the stack up to 64 bytes; sync
	 * allocates an entry for values it cannot change in place */
	bool needs_mem = vk == VK_BIG || (vk == VK_V16 && strcmp(V->name, "sync") == 0);
	if (needs_mem) {
		assert_int_equal(rc, GOMAP_ENOMEM);
		assert_int_equal(c.calls, 0);
		check_value(m, &k0, vk, true, 3);
	} else {
		assert_int_equal(rc, 1);
		assert_int_equal(c.calls, 1);
		check_value(m, &k0, vk, true, 5);
	}
	assert_int_equal(V->len(m), 1);
	assert_true(atomic_load(&f.refused) >= 1);

	atomic_store(&f.fail, false);
	uctx_init(&c, vk, GOMAP_UPDATE_SET, true, 6);
	upd(m, &k1, &c, 0, false, 0);
	check_value(m, &k1, vk, true, 6);
	assert_int_equal(V->len(m), 2);
	V->destroy(m);
}

static void test_update_enomem_u64(void **s) { (void)s; enomem(VK_U64); }
static void test_update_enomem_v16(void **s) { (void)s; enomem(VK_V16); }
static void test_update_enomem_big(void **s) { (void)s; enomem(VK_BIG); }

/* ---- nesting --------------------------------------------------------------- */

static gomap_update_decision add_one(const void *key, void *val, bool present, void *ctx)
{
	(void)key;
	(void)ctx;
	uint64_t v = 0;
	if (present)
		memcpy(&v, val, 8);
	v++;
	memcpy(val, &v, 8);
	return GOMAP_UPDATE_SET;
}

struct range_upd {
	void *m;
	int rcs[3];
	int n;
};

static bool range_updates(const void *key, void *val, void *ctx)
{
	(void)val;
	struct range_upd *r = ctx;
	r->rcs[r->n++] = V->update(r->m, key, add_one, NULL);
	return true;
}

/* update from a range callback of the same map: served, except where
 * range holds the lock shared (rwmutex: GOMAP_EBUSY, no upgrade). */
static void test_update_from_range(void **state)
{
	(void)state;
	void *m = new_map(CT_U64, VK_U64);
	uint64_t keys[3] = {10, 20, 30};
	for (int i = 0; i < 3; i++)
		assert_int_equal(V->update(m, &keys[i], add_one, NULL), 0);
	struct range_upd r = {m, {0}, 0};
	assert_int_equal(V->range(m, range_updates, &r), 0);
	assert_int_equal(r.n, 3);
	bool busy = strcmp(V->name, "rwmutex") == 0;
	for (int i = 0; i < 3; i++) {
		assert_int_equal(r.rcs[i], busy ? GOMAP_EBUSY : 1);
		uint64_t v = 0;
		assert_int_equal(V->load(m, &keys[i], &v), 1);
		assert_int_equal(v, busy ? 1 : 2);
	}
	V->destroy(m);
}

struct other {
	void *other;
	const void *key;
	int rc_load, rc_upd;
};

static gomap_update_decision touch_other(const void *key, void *val, bool present, void *ctx)
{
	struct other *o = ctx;
	uint64_t v = 0;
	o->rc_load = V->load(o->other, o->key, &v);
	o->rc_upd = V->update(o->other, o->key, add_one, NULL);
	return add_one(key, val, present, NULL);
}

/* A callback may use other maps, of the same variant too. */
static void test_update_calls_other_map(void **state)
{
	(void)state;
	void *a = new_map(CT_U64, VK_U64), *b = new_map(CT_U64, VK_U64);
	uint64_t k = 77, v = 0;
	struct other o = {b, &k, -9, -9};
	assert_int_equal(V->update(a, &k, touch_other, &o), 0);
	assert_int_equal(o.rc_load, 0);
	assert_int_equal(o.rc_upd, 0);
	assert_int_equal(V->update(a, &k, touch_other, &o), 1);
	assert_int_equal(o.rc_load, 1);
	assert_int_equal(o.rc_upd, 1);
	assert_int_equal(V->load(a, &k, &v), 1);
	assert_int_equal(v, 2);
	assert_int_equal(V->load(b, &k, &v), 1);
	assert_int_equal(v, 2);
	V->destroy(a);
	V->destroy(b);
}

/* ---- re-entry: a fatal error, not a deadlock (forked child) --------------- */

enum { RE_LOAD, RE_STORE, RE_DELETE, RE_LOS, RE_SWAP, RE_CAS, RE_UPDATE, RE_RANGE, RE_CLEAR, RE_N };
static const char *const re_names[RE_N] = {"load", "store", "delete", "load_or_store", "swap",
                                           "compare_and_swap", "update", "range", "clear"};

struct reentry {
	void *m;
	const void *key;
	int op;
};

static bool range_nop(const void *key, void *val, void *ctx)
{
	(void)key;
	(void)val;
	(void)ctx;
	return true;
}

static gomap_update_decision call_self(const void *key, void *val, bool present, void *ctx)
{
	(void)val;
	(void)present;
	struct reentry *r = ctx;
	uint64_t v = 1, o = 0;
	switch (r->op) {
	case RE_LOAD: V->load(r->m, key, &o); break;
	case RE_STORE: V->store(r->m, key, &v); break;
	case RE_DELETE: V->del(r->m, key); break;
	case RE_LOS: V->load_or_store(r->m, key, &v, &o); break;
	case RE_SWAP: V->swap(r->m, key, &v, &o); break;
	case RE_CAS: V->compare_and_swap(r->m, key, &o, &v); break;
	case RE_UPDATE: V->update(r->m, key, add_one, NULL); break;
	case RE_RANGE: V->range(r->m, range_nop, NULL); break;
	case RE_CLEAR: V->clear(r->m); break;
	}
	return GOMAP_UPDATE_KEEP;
}

static int fatal_fd = -1;

static void fatal_hook(const char *msg, const void *map, void *ctx)
{
	(void)map;
	(void)ctx;
	if (fatal_fd >= 0)
		(void)!write(fatal_fd, msg, strlen(msg));
}

/* In the child: a map with one key, then an update whose callback calls
 * the map. Exit codes tell a setup failure or a call that came back. */
static void reentry_child(int kk, int op, bool hit)
{
	ct_keys *K = malloc(sizeof *K);
	ct_keys_init(K, kk, 2);
	void *m = NULL;
	if (V->create(&m, ct_key_type(kk), &gomap_type_u64) != 0)
		_exit(3);
	uint64_t v = 1;
	if (V->store(m, ct_key(K, 0), &v) != 0)
		_exit(4);
	struct reentry r = {m, ct_key(K, hit ? 0 : 1), op};
	V->update(m, r.key, call_self, &r);
	_exit(5);
}

static void expect_reentry_fatal(int kk, int op, bool hit)
{
	int p[2];
	assert_int_equal(pipe(p), 0);
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		fatal_fd = p[1];
		gomap_set_fatal_hook(fatal_hook, NULL);
		int devnull = open("/dev/null", O_WRONLY);
		if (devnull >= 0)
			dup2(devnull, 2); /* the expected report stays out of the log */
		alarm(60);            /* a deadlock dies by SIGALRM */
		reentry_child(kk, op, hit);
	}
	close(p[1]);
	char buf[512] = {0};
	size_t got = 0;
	ssize_t n;
	while (got < sizeof buf - 1 && (n = read(p[0], buf + got, sizeof buf - 1 - got)) > 0)
		got += (size_t)n;
	close(p[0]);
	int st = 0;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGABRT)
		fail_msg("%s, %s key, %s from the callback: child did not abort (status %#x), message '%s'",
		         V->name, kk == CT_U64 ? "u64" : "str", re_names[op], st, buf);
	if (!strstr(buf, "gomap: update callback called the map it updates"))
		fail_msg("%s, %s from the callback: fatal message '%s'", V->name, re_names[op], buf);
}

static void test_update_reentry_fatal(void **state)
{
	(void)state;
	for (int op = 0; op < RE_N; op++)
		expect_reentry_fatal(CT_U64, op, op % 2 == 0);
	/* string keys: sync's entry mode; a hit and a miss */
	expect_reentry_fatal(CT_STR, RE_LOAD, true);
	expect_reentry_fatal(CT_STR, RE_UPDATE, false);
	expect_reentry_fatal(CT_STR, RE_STORE, true);
}

/* ---- lost updates under concurrency ----------------------------------------- */

#define MAXT 4
#define HOT 16

static int nthreads(void)
{
	return GOMAP_TEST_TSAN ? 3 : MAXT;
}

struct stress;

struct worker {
	struct stress *s;
	int t;
	uint64_t cnt[HOT]; /* this thread's successful increments */
	uint64_t gseq;     /* growth keys inserted: 0 .. gseq-1 */
	uint64_t gdel;     /* even growth keys 0, 2 .. 2*(gdel-1) deleted */
	long errors;
};

struct stress {
	void *m;
	int kk, vk, nt;
	long iters;
	bool with_clear;
	ct_keys *K;
	atomic_int running; /* updaters still running */
	atomic_long ranges, clears, loads;
	atomic_long errors; /* torn values, impossible answers */
	atomic_long zeros[HOT]; /* increments that found the key absent */
	_Atomic uint32_t *hist; /* [HOT][maxv + 2]: values written (clear phase) */
	size_t maxv;
	struct worker w[MAXT];
};

/* Growth keys: u64 keys with bit 62 set, or "g<t>-<seq>" strings. */
struct gkey {
	uint64_t u;
	char buf[48];
	const char *s;
};

static const void *gkey_make(const struct stress *s, int t, uint64_t seq, struct gkey *g)
{
	if (s->kk == CT_U64) {
		g->u = (1ull << 62) | ((uint64_t)t << 32) | seq;
		return &g->u;
	}
	snprintf(g->buf, sizeof g->buf, "g%d-%llu", t, (unsigned long long)seq);
	g->s = g->buf;
	return &g->s;
}

/* A growth key's thread and sequence number; false for other keys. */
static bool gkey_parse(const struct stress *s, const void *key, int *t, uint64_t *seq)
{
	if (s->kk == CT_U64) {
		uint64_t u;
		memcpy(&u, key, 8);
		if (!(u >> 62))
			return false;
		*t = (int)((u >> 32) & 0x3fffffff);
		*seq = u & 0xffffffffu;
		return true;
	}
	const char *str = *(const char *const *)key;
	unsigned long long q;
	return sscanf(str, "g%d-%llu", t, &q) == 2 && (*seq = q, true);
}

static uint64_t gmark(uint64_t seq)
{
	return 1000000007ull + seq;
}

struct inc {
	struct stress *s;
	int j;          /* hot key index */
	bool bad;       /* the value read was not whole */
	uint64_t wrote; /* the counter written */
};

static gomap_update_decision increment(const void *key, void *val, bool present, void *ctx)
{
	(void)key;
	struct inc *c = ctx;
	uint64_t n = 0;
	if (present && !vread(c->s->vk, val, &n))
		c->bad = true;
	vmake(c->s->vk, n + 1, val);
	c->wrote = n + 1;
	return GOMAP_UPDATE_SET;
}

struct gset {
	int vk;
	uint64_t n;
	bool present;
	uint64_t seen;
	bool bad;
};

static gomap_update_decision gset_or_delete(const void *key, void *val, bool present, void *ctx)
{
	(void)key;
	struct gset *g = ctx;
	g->present = present;
	if (present && !vread(g->vk, val, &g->seen))
		g->bad = true;
	if (g->n == 0)
		return GOMAP_UPDATE_DELETE;
	vmake(g->vk, g->n, val);
	return GOMAP_UPDATE_SET;
}

/* Wait (yielding) until *c reaches want, or nobody else runs any more. */
static void wait_for(atomic_long *c, long want, struct stress *s)
{
	while (atomic_load(c) < want && atomic_load(&s->running) > 0)
		sched_yield();
}

static void *updater(void *arg)
{
	struct worker *w = arg;
	struct stress *s = w->s;
	ct_rng r = {0x1234567ull * (uint64_t)(w->t + 1)};
	for (long i = 0; i < s->iters; i++) {
		/* pace with the range / clear loops, so that they overlap
		 * this run whatever the scheduler does (not a timing) */
		if (i % 512 == 0) {
			wait_for(&s->ranges, i / 2048, s);
			if (s->with_clear)
				wait_for(&s->clears, i / 512, s);
		}
		int j = (int)ct_below(&r, HOT);
		struct inc c = {s, j, false, 0};
		int rc = V->update(s->m, ct_key(s->K, (size_t)j), increment, &c);
		if (rc < 0 || c.bad) {
			w->errors++;
			continue;
		}
		w->cnt[j]++;
		if (rc == 0)
			atomic_fetch_add(&s->zeros[j], 1);
		if (s->hist) {
			if (c.wrote > s->maxv)
				w->errors++;
			else
				atomic_fetch_add(&s->hist[(size_t)j * (s->maxv + 2) + c.wrote], 1);
		}
		if (s->with_clear)
			continue;
		/* growth: a new key every 4th step, a delete every 16th */
		if (i % 4 == 0) {
			struct gkey g;
			struct gset gs = {s->vk, gmark(w->gseq), false, 0, false};
			rc = V->update(s->m, gkey_make(s, w->t, w->gseq, &g), gset_or_delete, &gs);
			if (rc != 0 || gs.present)
				w->errors++;
			w->gseq++;
		}
		if (i % 16 == 0 && 2 * w->gdel < w->gseq) {
			struct gkey g;
			uint64_t seq = 2 * w->gdel;
			struct gset gs = {s->vk, 0, false, 0, false};
			rc = V->update(s->m, gkey_make(s, w->t, seq, &g), gset_or_delete, &gs);
			if (rc != 1 || !gs.present || gs.bad || gs.seen != gmark(seq))
				w->errors++;
			w->gdel++;
		}
	}
	atomic_fetch_sub(&s->running, 1);
	return NULL;
}

static bool range_check(const void *key, void *val, void *ctx)
{
	struct stress *s = ctx;
	uint64_t n;
	if (!vread(s->vk, val, &n)) {
		atomic_fetch_add(&s->errors, 1);
		return true;
	}
	long j = ct_key_index(s->K, key);
	int t;
	uint64_t seq;
	if (j >= 0) {
		if (n < 1 || n > (uint64_t)s->nt * (uint64_t)s->iters)
			atomic_fetch_add(&s->errors, 1);
	} else if (gkey_parse(s, key, &t, &seq)) {
		if (n != gmark(seq))
			atomic_fetch_add(&s->errors, 1);
	} else {
		atomic_fetch_add(&s->errors, 1);
	}
	return true;
}

static void *ranger(void *arg)
{
	struct stress *s = arg;
	while (atomic_load(&s->running) > 0) {
		if (V->range(s->m, range_check, s) != 0)
			atomic_fetch_add(&s->errors, 1);
		atomic_fetch_add(&s->ranges, 1);
	}
	return NULL;
}

static void *clearer(void *arg)
{
	struct stress *s = arg;
	while (atomic_load(&s->running) > 0) {
		if (V->clear(s->m) != 0)
			atomic_fetch_add(&s->errors, 1);
		atomic_fetch_add(&s->clears, 1);
		sched_yield();
	}
	return NULL;
}

/* Without clear or deletes of the hot keys, a linearizable map never shows
 * one reader a counter going down. */
static void *reader(void *arg)
{
	struct stress *s = arg;
	uint64_t last[HOT] = {0};
	unsigned char out[VMAX];
	while (atomic_load(&s->running) > 0) {
		for (int j = 0; j < HOT; j++) {
			uint64_t n;
			int rc = V->load(s->m, ct_key(s->K, (size_t)j), out);
			if (rc < 0 || (rc == 1 && !vread(s->vk, out, &n))) {
				atomic_fetch_add(&s->errors, 1);
				continue;
			}
			if (rc == 0)
				n = 0;
			if (n < last[j])
				atomic_fetch_add(&s->errors, 1);
			last[j] = n;
		}
		atomic_fetch_add(&s->loads, 1);
	}
	return NULL;
}

static void run_phase(struct stress *s)
{
	pthread_t th[MAXT + 3];
	int n = 0;
	atomic_store(&s->running, s->nt);
	atomic_store(&s->ranges, 0);
	atomic_store(&s->clears, 0);
	for (int j = 0; j < HOT; j++)
		atomic_store(&s->zeros[j], 0);
	for (int t = 0; t < s->nt; t++) {
		memset(&s->w[t], 0, sizeof s->w[t]);
		s->w[t].s = s;
		s->w[t].t = t;
		assert_int_equal(pthread_create(&th[n++], NULL, updater, &s->w[t]), 0);
	}
	assert_int_equal(pthread_create(&th[n++], NULL, ranger, s), 0);
	if (s->with_clear)
		assert_int_equal(pthread_create(&th[n++], NULL, clearer, s), 0);
	else
		assert_int_equal(pthread_create(&th[n++], NULL, reader, s), 0);
	for (int i = 0; i < n; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	long errs = atomic_load(&s->errors);
	for (int t = 0; t < s->nt; t++)
		errs += s->w[t].errors;
	assert_int_equal(errs, 0);
	assert_true(atomic_load(&s->ranges) >= 1);
}

static uint64_t total_of(const struct stress *s, int j)
{
	uint64_t sum = 0;
	for (int t = 0; t < s->nt; t++)
		sum += s->w[t].cnt[j];
	return sum;
}

/* Phase 1: counts are exact; growth keys are there or gone as their
 * threads left them; len agrees. */
static void check_exact(struct stress *s)
{
	unsigned char out[VMAX];
	size_t live = 0;
	for (int j = 0; j < HOT; j++) {
		uint64_t want = total_of(s, j);
		int rc = V->load(s->m, ct_key(s->K, (size_t)j), out);
		assert_int_equal(rc, want > 0);
		if (want) {
			assert_int_equal(vn(s->vk, out), want);
			assert_int_equal(atomic_load(&s->zeros[j]), 1); /* one insert */
			live++;
		}
	}
	for (int t = 0; t < s->nt; t++) {
		const struct worker *w = &s->w[t];
		assert_true(w->gseq > 0);
		for (uint64_t q = 0; q < w->gseq; q++) {
			struct gkey g;
			bool gone = q % 2 == 0 && q < 2 * w->gdel;
			int rc = V->load(s->m, gkey_make(s, t, q, &g), out);
			assert_int_equal(rc, !gone);
			if (!gone) {
				assert_int_equal(vn(s->vk, out), gmark(q));
				live++;
			}
		}
	}
	assert_int_equal(V->len(s->m), live);
}

/*
 * Phase 2, with clear: the increments of one key are serialised, so
 * between two clears they write 1, 2, ..., L (one run per clear reached);
 * a lost update would write some value twice in a run. So for each key:
 * hist[v] (how many increments wrote v) never grows with v, hist[1] equals
 * the increments that found the key absent, the writes sum to the
 * increments, and the final value F ends a run: hist[F] > hist[F + 1].
 */
static void check_runs(struct stress *s)
{
	unsigned char out[VMAX];
	for (int j = 0; j < HOT; j++) {
		const _Atomic uint32_t *h = &s->hist[(size_t)j * (s->maxv + 2)];
		uint64_t total = total_of(s, j), sum = 0;
		assert_int_equal(atomic_load(&h[0]), 0);
		for (size_t v = 1; v <= s->maxv; v++) {
			uint32_t a = atomic_load(&h[v]), b = atomic_load(&h[v + 1]);
			if (b > a)
				fail_msg("key %d: %u increments wrote %zu but only %u wrote %zu", j, b, v + 1, a,
				         v);
			sum += a;
		}
		assert_int_equal(sum, total);
		assert_int_equal(atomic_load(&h[1]), (uint32_t)atomic_load(&s->zeros[j]));
		int rc = V->load(s->m, ct_key(s->K, (size_t)j), out);
		assert_true(rc == 0 || rc == 1);
		if (rc == 1) {
			uint64_t f = vn(s->vk, out);
			assert_true(f >= 1 && f <= s->maxv);
			assert_true(atomic_load(&h[f]) > atomic_load(&h[f + 1]));
		}
	}
}

static void stress(int kk, int vk)
{
	struct stress *s = calloc(1, sizeof *s);
	assert_non_null(s);
	s->K = malloc(sizeof *s->K);
	ct_keys_init(s->K, kk, HOT);
	s->kk = kk;
	s->vk = vk;
	s->nt = nthreads();
	/* chan: every update is a round trip to the owner thread, which on a
	 * crowded machine waits for a time slice each time */
	s->iters = ct_scale(strcmp(V->name, "chan") == 0 ? 4000 : 16000);
	s->m = new_map(kk, vk);

	/* 1: updates, growth, range and a reader; no clear */
	run_phase(s);
	check_exact(s);
	assert_true(atomic_load(&s->loads) >= 1);

	/* 2: updates, range and clear */
	assert_int_equal(V->clear(s->m), 0);
	s->with_clear = true;
	s->maxv = (size_t)s->nt * (size_t)s->iters;
	s->hist = calloc((size_t)HOT * (s->maxv + 2), sizeof *s->hist);
	assert_non_null(s->hist);
	run_phase(s);
	check_runs(s);
	assert_true(atomic_load(&s->clears) >= s->iters / 512);

	V->destroy(s->m);
	free(s->hist);
	free(s->K);
	free(s);
}

/* u64 keys and values: sync's pair mode */
static void test_update_lost_updates_u64_u64(void **st) { (void)st; stress(CT_U64, VK_U64); }
/* string keys, u64 values: sync's entry mode with values in place */
static void test_update_lost_updates_str_u64(void **st) { (void)st; stress(CT_STR, VK_U64); }
/* 16-byte values: sync publishes a new entry per increment */
static void test_update_lost_updates_u64_v16(void **st) { (void)st; stress(CT_U64, VK_V16); }

static const struct CMUnitTest tests[] = {
	/* first: fork while no other thread of this process runs */
	cmocka_unit_test(test_update_reentry_fatal),
	cmocka_unit_test(test_update_decisions_u64_u64),
	cmocka_unit_test(test_update_decisions_str_u64),
	cmocka_unit_test(test_update_decisions_u64_v16),
	cmocka_unit_test(test_update_decisions_str_v16),
	cmocka_unit_test(test_update_decisions_u64_big),
	cmocka_unit_test(test_update_bytes_keys),
	cmocka_unit_test(test_update_set_type),
	cmocka_unit_test(test_update_destroy_once),
	cmocka_unit_test(test_update_enomem_u64),
	cmocka_unit_test(test_update_enomem_v16),
	cmocka_unit_test(test_update_enomem_big),
	cmocka_unit_test(test_update_from_range),
	cmocka_unit_test(test_update_calls_other_map),
	cmocka_unit_test(test_update_lost_updates_u64_u64),
	cmocka_unit_test(test_update_lost_updates_str_u64),
	cmocka_unit_test(test_update_lost_updates_u64_v16),
};

CT_MAIN("cmap_update", tests)
