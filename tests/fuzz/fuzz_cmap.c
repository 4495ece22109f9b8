/*
 * tests/fuzz/fuzz_cmap.c - coverage-guided fuzzer of the safe maps through
 * gomap/cmap.h: every variant of gomap_cmap_list(), picked by the input,
 * each answer checked against a reference model.
 *
 * Header: variant, key kind, value kind, flags (key/value destructors,
 * allocator hook, zeroed allocations, custom value equal, hash mode of the
 * custom kinds), size hint and shard count, chan shutdown at the end. Then
 * operations until the input ends: load, store, load_or_store,
 * load_and_delete, delete, swap, compare_and_swap, compare_and_delete
 * (with *_out given or NULL), range with writes from the callback, len,
 * clear, bulk store/delete, allocation failures on demand, bad arguments,
 * full verification, store through the key pointer range hands out, and
 * per variant: an atomic section (mutex, rwmutex, shard) or transaction
 * (chan) that re-enters the map, chan's asynchronous batches, sync's
 * barrier. The work per input is bounded (MAXWORK).
 *
 * Every return value and every output is checked, on hit and on miss (a
 * miss leaves the output untouched). Destructors: a value the map adopted
 * is destroyed exactly once after the map dropped it, a value moved out to
 * the caller (load_and_delete's, swap's output) never; for sync, whose
 * drops are deferred, the counts are compared after gomap_sync_barrier.
 *
 * range, by the variant's documented contract: mutex iterates the plain
 * map under its lock (writes from the callback follow the plain map's
 * iteration rules); rwmutex refuses writes from the callback (GOMAP_EBUSY)
 * and sees one snapshot; chan visits a snapshot taken at the start; shard
 * and sync (and any variant not known here) only promise that a key is
 * produced at most once, with a value it had during the call, and that a
 * key present and untouched for the whole call is produced.
 */
#include <gomap/chan.h>
#include <gomap/cmap.h>
#include <gomap/mutex.h>
#include <gomap/rwmutex.h>
#include <gomap/shard.h>
#include <gomap/sync.h>

#define FZ_TARGET "fuzz_cmap"
#include "fuzz_replay.h"

#define MAXNAN 2048u
#define MAXWORK 8000ul /* operations per input, bulk elements included */
#define MAXLOG 4096u

enum vname { VN_MUTEX, VN_RWMUTEX, VN_SHARD, VN_SYNC, VN_CHAN, VN_OTHER };
enum { RM_PLAIN, RM_SNAP, RM_WEAK };
enum { IS_ABSENT, IS_REQ, IS_NEW, IS_PROD, IS_GONE, IS_PGONE };

typedef struct nan_ent {
	unsigned v;
	uint32_t serial;
} nan_ent;

typedef struct logent {
	uint16_t id;
	unsigned char var, v;
	uint32_t serial;
} logent;

/* What a running range must produce and may produce. */
typedef struct rstate {
	int mode;
	bool growing; /* mutex: the plain map was growing at the start */
	unsigned char st[FZ_NK];
	unsigned char p0[FZ_NK], var0[FZ_NK], v0[FZ_NK], touched[FZ_NK];
	uint32_t s0[FZ_NK];
	logent log[MAXLOG];
	unsigned nlog;
	bool log_full;
	uint64_t nan_lo, nan_hi; /* NaN uids present at the start */
	uint64_t nan_min;        /* no NaN below this existed during the call */
	bool nan_cleared;
	unsigned char nan_seen[MAXNAN];
	size_t produced;
} rstate;

static struct run {
	fz_in in;
	const gomap_cmap_ops *V;
	int vn;
	int kind, vk;
	bool kdtor, vdtor, hook, custom_veq;
	size_t vsize;
	gomap_type kt, vt;
	gomap_allocator alloc;
	void *m;
	bool stop;
	/* model */
	unsigned char present[FZ_NK], var[FZ_NK], v[FZ_NK];
	uint32_t serial[FZ_NK];
	size_t count;
	nan_ent nan[MAXNAN];
	uint64_t nan_base, nan_next;
	unsigned id_hi; /* ids used so far: [0, id_hi) */
	unsigned long work; /* operations run, bulk elements included */
	rstate *rs; /* the running range, or NULL */
	unsigned range_writes;
} R;

static size_t model_len(void)
{
	return R.count + (size_t)(R.nan_next - R.nan_base);
}

/* ---- values and destructors ---------------------------------------------- */

static uint32_t new_serial(void)
{
	if (!fz_val_has_serial(R.vk))
		return 0;
	if (fz_serial_next >= FZ_MAXSERIAL - 1) {
		R.stop = true;
		return 0;
	}
	return fz_serial_next++;
}

static void val_adopted(uint32_t s)
{
	if (R.vdtor && s)
		fz_vs_set(s, VS_MAP);
}

static void val_drop(uint32_t s)
{
	if (R.vdtor && s) {
		FZ_CHECK(fz_vs_get(s) == VS_MAP, "model: drop of serial %u", s);
		fz_vs_set(s, VS_DROP);
		fz_v_expected++;
	}
}

static void val_undrop(uint32_t s)
{
	if (R.vdtor && s) {
		FZ_CHECK(fz_vs_get(s) == VS_DROP,
		         "value %u destroyed by a call that failed", s);
		fz_vs_set(s, VS_MAP);
		fz_v_expected--;
	}
}

/* The caller now owns the value (moved out): it must never be destroyed. */
static void val_moved_out(uint32_t s)
{
	if (R.vdtor && s) {
		FZ_CHECK(fz_vs_get(s) == VS_DROP, "model: move of serial %u", s);
		fz_vs_set(s, VS_OUT);
		fz_v_expected--;
	}
}

static void check_val(const void *got, unsigned v, uint32_t s, const char *what)
{
	if (!R.vsize)
		return;
	fz_val want;
	fz_val_build(R.vk, v, s, &want);
	FZ_CHECK(memcmp(got, &want, R.vsize) == 0,
	         "%s: value differs (want v=%u serial=%u)", what, v, s);
}

static bool val_is(const void *got, unsigned v, uint32_t s)
{
	fz_val want;
	fz_val_build(R.vk, v, s, &want);
	return !R.vsize || memcmp(got, &want, R.vsize) == 0;
}

/* Synchronous variants have destroyed what they dropped when a call
 * returns; sync destroys after a grace period (checked after barrier). */
static void settle(void)
{
	if (R.vn == VN_SYNC) {
		long vd = __atomic_load_n(&fz_v_destroyed, __ATOMIC_ACQUIRE);
		FZ_CHECK(vd <= fz_v_expected, "destroyed %ld, dropped %ld", vd,
		         fz_v_expected);
		return;
	}
	fz_dtor_settled();
}

/* ---- the model (a running range follows it) ------------------------------ */

static void range_note_set(unsigned id)
{
	rstate *r = R.rs;
	if (!r)
		return;
	r->touched[id] = 1;
	if (r->nlog < MAXLOG)
		r->log[r->nlog++] = (logent){(uint16_t)id, R.var[id], R.v[id],
		                             R.serial[id]};
	else
		r->log_full = true;
}

static void model_insert(unsigned id, unsigned var, unsigned v, uint32_t s)
{
	R.present[id] = 1;
	R.var[id] = (unsigned char)var;
	R.v[id] = (unsigned char)v;
	R.serial[id] = s;
	R.count++;
	val_adopted(s);
	range_note_set(id);
	if (R.rs && R.rs->mode == RM_PLAIN &&
	    (R.rs->st[id] == IS_ABSENT || R.rs->st[id] == IS_GONE ||
	     R.rs->st[id] == IS_PGONE))
		R.rs->st[id] = IS_NEW;
}

/* An existing key gets a new value (and, by Go's rule, the new key bytes
 * where equal keys can differ in bytes). */
static void model_replace(unsigned id, unsigned var, unsigned v, uint32_t s)
{
	R.v[id] = (unsigned char)v;
	R.serial[id] = s;
	if (fz_kind_key_update(R.kind))
		R.var[id] = (unsigned char)var;
	val_adopted(s);
	range_note_set(id);
}

static void model_remove(unsigned id)
{
	R.present[id] = 0;
	R.count--;
	if (R.rs) {
		R.rs->touched[id] = 1;
		if (R.rs->mode == RM_PLAIN) {
			unsigned char *st = &R.rs->st[id];
			if (*st == IS_REQ || *st == IS_NEW)
				*st = IS_GONE;
			else if (*st == IS_PROD)
				*st = IS_PGONE;
		}
	}
}

static void drop_all(void)
{
	for (unsigned id = 0; id < FZ_NK; id++)
		if (R.present[id]) {
			val_drop(R.serial[id]);
			if (R.kdtor)
				fz_key_dropped(id);
		}
	for (uint64_t u = R.nan_base; u < R.nan_next; u++)
		val_drop(R.nan[u].serial);
}

static void undrop_all(void)
{
	for (unsigned id = 0; id < FZ_NK; id++)
		if (R.present[id]) {
			val_undrop(R.serial[id]);
			if (R.kdtor)
				fz_key_undropped(id);
		}
	for (uint64_t u = R.nan_base; u < R.nan_next; u++)
		val_undrop(R.nan[u].serial);
}

static void model_clear(void)
{
	for (unsigned id = 0; id < FZ_NK; id++)
		if (R.present[id])
			model_remove(id);
	R.nan_base = R.nan_next;
	if (R.rs)
		R.rs->nan_cleared = true;
}

/* ---- keys from the input ------------------------------------------------- */

typedef struct karg {
	bool nan;
	unsigned id, var;
} karg;

/* Ids at or above the high-water mark were never used: lookups stop there. */
static void id_used(unsigned id)
{
	if (id >= R.id_hi)
		R.id_hi = id + 1;
}

static karg read_key(void)
{
	karg k = {false, 0, 0};
	uint8_t b = fz_u8(&R.in);
	if (R.kind == FK_F64 && b >= 0xf8) {
		k.nan = true;
		k.var = b & 1;
		return k;
	}
	if (b < 0xc0)
		k.id = b;
	else
		k.id = 0xc0u + ((((unsigned)b - 0xc0u) << 8 | fz_u8(&R.in)) %
		                (FZ_NK - 0xc0u));
	id_used(k.id);
	if (fz_kind_has_variant(R.kind)) {
		uint8_t v = fz_u8(&R.in);
		k.var = R.kind == FK_CUSTOM16 || R.kind == FK_BIGC200 ? v
		        : (R.kind == FK_F64 && k.id != 0)             ? 0
		                                                      : (v & 1u);
	}
	return k;
}

/* The key object for @k; a NaN key gets a fresh uid (when it is stored,
 * that uid names the new entry). */
static void key_of(karg k, fz_key *key)
{
	if (k.nan)
		fz_key_nan(R.nan_next, k.var, key);
	else
		fz_key_build(R.kind, k.id, k.var, key);
}

static bool nan_room(void)
{
	if (R.nan_next >= MAXNAN - 1) {
		R.stop = true;
		return false;
	}
	return true;
}

static void nan_insert(unsigned v, uint32_t s)
{
	R.nan[R.nan_next].v = v;
	R.nan[R.nan_next].serial = s;
	R.nan_next++;
	val_adopted(s);
}

static void check_key_var(unsigned id, unsigned var, unsigned want,
                          const char *what)
{
	FZ_CHECK(var == want,
	         "%s: key id %u stored as variant %u, want %u (the %s key)",
	         what, id, var, want,
	         fz_kind_borrowed(R.kind) ? "first" : "latest");
}

/* ---- the operations ------------------------------------------------------ */

/* A write from inside rwmutex's range callback: refused, nothing changes. */
static bool refused_in_range(void)
{
	return R.rs && R.vn == VN_RWMUTEX;
}

static void after(void)
{
	fz_clobber();
	settle();
}

static bool enomem_ok(int rc)
{
	return rc == GOMAP_ENOMEM && fz_failed();
}

static void op_store_kv(karg k, unsigned v)
{
	fz_key key;
	fz_val val;
	uint32_t s = new_serial();
	if (R.stop || (k.nan && !nan_room()))
		return;
	fz_val_build(R.vk, v, s, &val);
	key_of(k, &key);
	bool had = !k.nan && R.present[k.id];
	if (refused_in_range()) {
		int rc = R.V->store(R.m, &key, &val);
		FZ_CHECK(rc == GOMAP_EBUSY, "store inside rwmutex range: rc %d", rc);
		return after();
	}
	if (had)
		val_drop(R.serial[k.id]);
	fz_mark();
	int rc = R.V->store(R.m, &key, &val);
	if (enomem_ok(rc)) {
		if (had)
			val_undrop(R.serial[k.id]);
		return after();
	}
	FZ_CHECK(rc == 0, "store: rc %d", rc);
	if (k.nan)
		nan_insert(v, s);
	else if (had)
		model_replace(k.id, k.var, v, s);
	else
		model_insert(k.id, k.var, v, s);
	after();
}

static void op_store(void)
{
	karg k = read_key();
	op_store_kv(k, fz_u8(&R.in) & 7u);
}

static void op_load(void)
{
	karg k = read_key();
	bool use_out = !(fz_u8(&R.in) & 0x80);
	fz_key key;
	fz_val out, untouched;
	memset(&out, 0xee, sizeof out);
	memset(&untouched, 0xee, sizeof untouched);
	key_of(k, &key);
	int rc = R.V->load(R.m, &key, use_out ? &out : NULL);
	if (!k.nan && R.present[k.id]) {
		FZ_CHECK(rc == 1, "load of key %u: rc %d, want 1", k.id, rc);
		if (use_out)
			check_val(&out, R.v[k.id], R.serial[k.id], "load");
	} else {
		FZ_CHECK(rc == 0, "load of an absent key: rc %d, want 0", rc);
	}
	size_t keep = rc == 1 && use_out ? R.vsize : 0;
	FZ_CHECK(memcmp((char *)&out + keep, (char *)&untouched + keep,
	                sizeof out - keep) == 0,
	         "load wrote its output on a miss (or past the value)");
	after();
}

static void op_load_or_store(void)
{
	karg k = read_key();
	unsigned v = fz_u8(&R.in);
	bool use_out = !(v & 0x80);
	v &= 7u;
	uint32_t s = new_serial();
	if (R.stop || (k.nan && !nan_room()))
		return;
	fz_key key;
	fz_val val, out, untouched;
	fz_val_build(R.vk, v, s, &val);
	memset(&out, 0xee, sizeof out);
	memset(&untouched, 0xee, sizeof untouched);
	key_of(k, &key);
	bool had = !k.nan && R.present[k.id];
	fz_mark();
	int rc = R.V->load_or_store(R.m, &key, &val, use_out ? &out : NULL);
	if (refused_in_range() && rc == GOMAP_EBUSY)
		return after(); /* refused: a write op, even when it would load */
	if (had) {
		FZ_CHECK(rc == 1, "load_or_store of key %u: rc %d, want 1",
		         k.id, rc);
		if (use_out)
			check_val(&out, R.v[k.id], R.serial[k.id],
			          "load_or_store (loaded)");
		return after();
	}
	if (refused_in_range()) {
		FZ_CHECK(rc == GOMAP_EBUSY, "load_or_store inside rwmutex "
		                            "range: rc %d", rc);
		return after();
	}
	if (enomem_ok(rc))
		return after();
	FZ_CHECK(rc == 0, "load_or_store of an absent key: rc %d, want 0", rc);
	if (use_out)
		check_val(&out, v, s, "load_or_store (stored): actual_out");
	if (k.nan)
		nan_insert(v, s);
	else
		model_insert(k.id, k.var, v, s);
	after();
}

static void op_load_and_delete(void)
{
	karg k = read_key();
	bool use_out = !(fz_u8(&R.in) & 0x80);
	fz_key key;
	fz_val out, untouched;
	memset(&out, 0xee, sizeof out);
	memset(&untouched, 0xee, sizeof untouched);
	key_of(k, &key);
	bool had = !k.nan && R.present[k.id];
	if (refused_in_range()) {
		int rc = R.V->load_and_delete(R.m, &key, use_out ? &out : NULL);
		FZ_CHECK(rc == GOMAP_EBUSY || (!had && rc == 0),
		         "load_and_delete in rwmutex range: rc %d", rc);
		FZ_CHECK(memcmp(&out, &untouched, sizeof out) == 0,
		         "refused load_and_delete wrote its output");
		return after();
	}
	if (had) {
		val_drop(R.serial[k.id]);
		if (R.kdtor)
			fz_key_dropped(k.id);
		if (use_out)
			val_moved_out(R.serial[k.id]);
	}
	fz_mark();
	int rc = R.V->load_and_delete(R.m, &key, use_out ? &out : NULL);
	FZ_CHECK(rc == (had ? 1 : 0), "load_and_delete of key %u: rc %d, "
	                              "want %d", k.id, rc, had);
	if (had) {
		if (use_out)
			check_val(&out, R.v[k.id], R.serial[k.id],
			          "load_and_delete");
		model_remove(k.id);
	}
	size_t keep = rc == 1 && use_out ? R.vsize : 0;
	FZ_CHECK(memcmp((char *)&out + keep, (char *)&untouched + keep,
	                sizeof out - keep) == 0,
	         "load_and_delete wrote its output on a miss");
	after();
}

static void op_delete_k(karg k)
{
	fz_key key;
	key_of(k, &key);
	bool had = !k.nan && R.present[k.id];
	if (refused_in_range()) {
		int rc = R.V->del(R.m, &key);
		FZ_CHECK(rc == GOMAP_EBUSY || (!had && rc == 0),
		         "delete inside rwmutex range: rc %d", rc);
		return after();
	}
	if (had) {
		val_drop(R.serial[k.id]);
		if (R.kdtor)
			fz_key_dropped(k.id);
	}
	int rc = R.V->del(R.m, &key);
	FZ_CHECK(rc == (had ? 1 : 0), "delete of key %u: rc %d, want %d", k.id,
	         rc, had);
	if (had)
		model_remove(k.id);
	after();
}

static void op_delete(void)
{
	op_delete_k(read_key());
}

static void op_swap(void)
{
	karg k = read_key();
	unsigned v = fz_u8(&R.in);
	bool use_out = !(v & 0x80);
	v &= 7u;
	uint32_t s = new_serial();
	if (R.stop || (k.nan && !nan_room()))
		return;
	fz_key key;
	fz_val val, out, untouched;
	fz_val_build(R.vk, v, s, &val);
	memset(&out, 0xee, sizeof out);
	memset(&untouched, 0xee, sizeof untouched);
	key_of(k, &key);
	bool had = !k.nan && R.present[k.id];
	if (refused_in_range()) {
		int rc = R.V->swap(R.m, &key, &val, use_out ? &out : NULL);
		FZ_CHECK(rc == GOMAP_EBUSY, "swap inside rwmutex range: rc %d",
		         rc);
		return after();
	}
	uint32_t old = had ? R.serial[k.id] : 0;
	unsigned oldv = had ? R.v[k.id] : 0;
	if (had) {
		val_drop(old);
		if (use_out)
			val_moved_out(old);
	}
	fz_mark();
	int rc = R.V->swap(R.m, &key, &val, use_out ? &out : NULL);
	if (enomem_ok(rc)) {
		if (had && use_out && R.vdtor && old) { /* undo the move */
			fz_vs_set(old, VS_DROP);
			fz_v_expected++;
		}
		if (had)
			val_undrop(old);
		return after();
	}
	FZ_CHECK(rc == (had ? 1 : 0), "swap of key %u: rc %d, want %d", k.id,
	         rc, had);
	if (had && use_out)
		check_val(&out, oldv, old, "swap: previous value");
	size_t keep = rc == 1 && use_out ? R.vsize : 0;
	FZ_CHECK(memcmp((char *)&out + keep, (char *)&untouched + keep,
	                sizeof out - keep) == 0,
	         "swap wrote its output when it inserted");
	if (k.nan)
		nan_insert(v, s);
	else if (had)
		model_replace(k.id, k.var, v, s);
	else
		model_insert(k.id, k.var, v, s);
	after();
}

/* The old value: the current one exactly, one equal only by v, or any. */
static void pick_old(karg k, unsigned *ov, uint32_t *os)
{
	uint8_t b = fz_u8(&R.in);
	if (!k.nan && R.present[k.id] && (b & 3) == 0) {
		*ov = R.v[k.id];
		*os = R.serial[k.id];
	} else if (!k.nan && R.present[k.id] && (b & 3) == 1) {
		*ov = R.v[k.id];
		*os = R.serial[k.id] + 1;
	} else {
		*ov = (b >> 2) & 7u;
		*os = (b >> 5) + 1;
	}
}

static void op_cas(void)
{
	karg k = read_key();
	unsigned ov, nv;
	uint32_t os;
	pick_old(k, &ov, &os);
	nv = fz_u8(&R.in) & 7u;
	uint32_t ns = new_serial();
	if (R.stop)
		return;
	fz_key key;
	fz_val oldval, newval;
	fz_val_build(R.vk, ov, os, &oldval);
	fz_val_build(R.vk, nv, ns, &newval);
	key_of(k, &key);
	bool hit = !k.nan && R.present[k.id] &&
	           fz_val_match(R.vk, R.custom_veq, R.v[k.id], R.serial[k.id],
	                        ov, os);
	if (refused_in_range()) {
		int rc = R.V->compare_and_swap(R.m, &key, &oldval, &newval);
		FZ_CHECK(rc == GOMAP_EBUSY || (!hit && rc == 0),
		         "compare_and_swap inside rwmutex range: rc %d", rc);
		return after();
	}
	if (hit)
		val_drop(R.serial[k.id]);
	fz_mark();
	int rc = R.V->compare_and_swap(R.m, &key, &oldval, &newval);
	if (hit && enomem_ok(rc)) {
		val_undrop(R.serial[k.id]);
		return after();
	}
	FZ_CHECK(rc == (hit ? 1 : 0), "compare_and_swap of key %u: rc %d, "
	                              "want %d", k.id, rc, hit);
	if (hit)
		model_replace(k.id, k.var, nv, ns);
	after();
}

static void op_cad(void)
{
	karg k = read_key();
	unsigned ov;
	uint32_t os;
	pick_old(k, &ov, &os);
	fz_key key;
	fz_val oldval;
	fz_val_build(R.vk, ov, os, &oldval);
	key_of(k, &key);
	bool hit = !k.nan && R.present[k.id] &&
	           fz_val_match(R.vk, R.custom_veq, R.v[k.id], R.serial[k.id],
	                        ov, os);
	if (refused_in_range()) {
		int rc = R.V->compare_and_delete(R.m, &key, &oldval);
		FZ_CHECK(rc == GOMAP_EBUSY || (!hit && rc == 0),
		         "compare_and_delete inside rwmutex range: rc %d", rc);
		return after();
	}
	if (hit) {
		val_drop(R.serial[k.id]);
		if (R.kdtor)
			fz_key_dropped(k.id);
	}
	int rc = R.V->compare_and_delete(R.m, &key, &oldval);
	FZ_CHECK(rc == (hit ? 1 : 0), "compare_and_delete of key %u: rc %d, "
	                              "want %d", k.id, rc, hit);
	if (hit)
		model_remove(k.id);
	after();
}

static void op_clear(void)
{
	if (refused_in_range()) {
		int rc = R.V->clear(R.m);
		FZ_CHECK(rc == GOMAP_EBUSY || (rc == 0 && model_len() == 0),
		         "clear in rwmutex range: rc %d", rc);
		return after();
	}
	bool empty = model_len() == 0;
	long allocs = fz_alloc_count();
	drop_all();
	fz_mark();
	int rc = R.V->clear(R.m);
	if (enomem_ok(rc)) {
		undrop_all();
		return after();
	}
	FZ_CHECK(rc == 0, "clear: rc %d", rc);
	if (empty && R.hook)
		FZ_CHECK(fz_alloc_count() == allocs,
		         "clear of an empty map allocated %ld times",
		         fz_alloc_count() - allocs);
	model_clear();
	FZ_CHECK(R.V->len(R.m) == 0, "len after clear: %zu", R.V->len(R.m));
	after();
}

static void op_bulk(bool store)
{
	karg k = read_key();
	unsigned n = fz_u8(&R.in), v = fz_u8(&R.in) & 7u;
	R.work += n;
	for (unsigned i = 0; i < n && !R.stop; i++) {
		karg ki = k;
		ki.id = (k.id + i) % FZ_NK;
		id_used(ki.id);
		if (R.kind == FK_F64 && ki.id != 0)
			ki.var = 0;
		if (store)
			op_store_kv(ki, (v + i) & 7u);
		else
			op_delete_k(ki);
	}
}

/* ---- range --------------------------------------------------------------- */

static int range_mode(void)
{
	switch (R.vn) {
	case VN_MUTEX: return RM_PLAIN;
	case VN_RWMUTEX:
	case VN_CHAN: return RM_SNAP;
	default: return RM_WEAK;
	}
}

static bool mutex_growing(void)
{
	gomap_mutex_t *mm = R.m;
	gomap_map_stats st;
	gomap_mutex_lock(mm);
	int rc = gomap_map_stats_get(gomap_mutex_map(mm), &st);
	gomap_mutex_unlock(mm);
	FZ_CHECK(rc == 0, "stats of the mutex map");
	return st.growing;
}

static void range_begin(rstate *r, int mode)
{
	memset(r, 0, offsetof(rstate, log));
	r->mode = mode;
	for (unsigned id = 0; id < FZ_NK; id++) {
		r->p0[id] = R.present[id];
		r->var0[id] = R.var[id];
		r->v0[id] = R.v[id];
		r->s0[id] = R.serial[id];
		r->st[id] = R.present[id] ? IS_REQ : IS_ABSENT;
	}
	r->nlog = 0;
	r->log_full = false;
	r->nan_lo = r->nan_min = R.nan_base;
	r->nan_hi = R.nan_next;
	r->nan_cleared = false;
	memset(r->nan_seen, 0, sizeof r->nan_seen);
	r->produced = 0;
	r->growing = mode == RM_PLAIN && R.vn == VN_MUTEX && mutex_growing();
}

/* Did key id have (var, v, s) at some moment of the call? */
static bool range_had(const rstate *r, unsigned id, unsigned var,
                      const void *val)
{
	if (r->p0[id] && var == r->var0[id] &&
	    val_is(val, r->v0[id], r->s0[id]))
		return true;
	for (unsigned i = 0; i < r->nlog; i++) {
		const logent *e = &r->log[i];
		if (e->id == id && var == e->var &&
		    val_is(val, e->v, e->serial))
			return true;
	}
	return r->log_full;
}

static void range_produce(rstate *r, const void *k, const void *v)
{
	unsigned id, var;
	uint64_t uid;
	FZ_CHECK(k != NULL, "range produced a NULL key");
	FZ_CHECK(v != NULL || !R.vsize, "range produced a NULL value");
	int d = fz_key_decode(R.kind, k, &id, &var, &uid);
	FZ_CHECK(d != FZ_DEC_BAD, "range produced a corrupt key");
	r->produced++;
	if (d == FZ_DEC_NAN) {
		FZ_CHECK(uid >= r->nan_min && uid < R.nan_next,
		         "range produced NaN %llu, never in the map then",
		         (unsigned long long)uid);
		if (r->mode == RM_SNAP)
			FZ_CHECK(uid < r->nan_hi, "snapshot range produced a "
			                          "later NaN");
		FZ_CHECK(!r->nan_seen[uid] || r->growing,
		         "range produced NaN %llu twice", (unsigned long long)uid);
		r->nan_seen[uid] = 1;
		if (r->mode == RM_PLAIN)
			FZ_CHECK(uid >= R.nan_base, "range produced a cleared NaN");
		check_val(v, R.nan[uid].v, R.nan[uid].serial, "range (NaN)");
		return;
	}
	switch (r->mode) {
	case RM_PLAIN:
		FZ_CHECK(R.present[id], "range produced key %u, not in the map",
		         id);
		FZ_CHECK(r->st[id] == IS_REQ || r->st[id] == IS_NEW,
		         "range produced key %u twice (state %d)", id, r->st[id]);
		r->st[id] = IS_PROD;
		check_key_var(id, var, R.var[id], "range");
		check_val(v, R.v[id], R.serial[id], "range");
		break;
	case RM_SNAP:
		FZ_CHECK(r->p0[id], "snapshot range produced key %u, absent at "
		                    "the start", id);
		FZ_CHECK(r->st[id] == IS_REQ, "range produced key %u twice", id);
		r->st[id] = IS_PROD;
		check_key_var(id, var, r->var0[id], "range (snapshot)");
		check_val(v, r->v0[id], r->s0[id], "range (snapshot)");
		break;
	default:
		FZ_CHECK(r->st[id] != IS_PROD, "range produced key %u twice",
		         id);
		r->st[id] = IS_PROD;
		FZ_CHECK(range_had(r, id, var, v),
		         "range produced key %u (variant %u) with a value or key "
		         "it never had during the call", id, var);
		break;
	}
}

static void range_end(rstate *r)
{
	for (unsigned id = 0; id < FZ_NK; id++) {
		bool must = r->mode == RM_PLAIN ? r->st[id] == IS_REQ
		          : r->mode == RM_SNAP  ? r->p0[id]
		                                : r->p0[id] && !r->touched[id];
		FZ_CHECK(!must || r->st[id] == IS_PROD,
		         "range did not produce key %u (present %s)", id,
		         r->mode == RM_SNAP ? "at the start" : "throughout");
	}
	if (r->mode == RM_SNAP || !r->nan_cleared)
		for (uint64_t u = r->nan_lo; u < r->nan_hi; u++)
			FZ_CHECK(r->nan_seen[u], "range did not produce NaN %llu",
			         (unsigned long long)u);
}

static bool range_cb(const void *k, void *v, void *ctx);

static void op_range(void)
{
	if (R.rs)
		return;
	rstate *r = malloc(sizeof *r);
	range_begin(r, range_mode());
	R.rs = r;
	R.range_writes = 0;
	bool stopped = false;
	void *ctx[2] = {r, &stopped};
	fz_mark();
	int rc = R.V->range(R.m, range_cb, ctx);
	R.rs = NULL;
	if (!enomem_ok(rc)) {
		FZ_CHECK(rc == 0, "range: rc %d", rc);
		if (!stopped)
			range_end(r);
	}
	free(r);
	after();
}

/* Store through the key pointer range handed out (into the map itself for
 * mutex, rwmutex and sync; into a private copy for shard and chan). */
static void store_through(const void *k, unsigned v)
{
	unsigned id, var;
	uint64_t uid;
	if (fz_key_decode(R.kind, k, &id, &var, &uid) != FZ_DEC_OK)
		return; /* a NaN would add an entry with the same uid */
	uint32_t s = new_serial();
	if (R.stop)
		return;
	fz_val val;
	fz_val_build(R.vk, v, s, &val);
	if (refused_in_range()) {
		int rc = R.V->store(R.m, k, &val);
		FZ_CHECK(rc == GOMAP_EBUSY, "store inside rwmutex range: rc %d", rc);
		return;
	}
	bool had = R.present[id];
	if (had)
		val_drop(R.serial[id]);
	fz_mark();
	int rc = R.V->store(R.m, k, &val);
	if (enomem_ok(rc)) {
		if (had)
			val_undrop(R.serial[id]);
		return;
	}
	FZ_CHECK(rc == 0, "store through the range's key %u: rc %d", id, rc);
	if (had)
		model_replace(id, var, v, s);
	else
		model_insert(id, var, v, s);
	settle();
}

static bool range_cb(const void *k, void *v, void *ctx)
{
	void **c = ctx;
	rstate *r = c[0];
	bool *stopped = c[1];
	FZ_CHECK(r == R.rs && !*stopped, "range callback after the stop");
	range_produce(r, k, v);
	/* values are private copies everywhere but in mutex and rwmutex: a
	 * change must change nothing */
	if (R.vsize && R.vn != VN_MUTEX && R.vn != VN_RWMUTEX && R.vn != VN_OTHER)
		memset(v, 0xdd, R.vsize);
	uint8_t b = fz_u8(&R.in);
	if (R.range_writes > 64 && (b & 15) >= 8 && (b & 15) != 14)
		return true;
	switch (b & 15) {
	case 8:
	case 9: R.range_writes++; op_store(); break;
	case 10: R.range_writes++; op_delete(); break;
	case 11: R.range_writes++; op_swap(); break;
	case 12:
		R.range_writes++;
		if (b >> 4 == 0)
			op_clear();
		else if (b & 0x10)
			store_through(k, fz_u8(&R.in) & 7u); /* m[k] = v' */
		else
			op_cas();
		break;
	case 13: R.range_writes++; op_load_or_store(); break;
	case 14:
		*stopped = true;
		return false;
	case 15:
		op_load();
		if (R.vn == VN_SYNC)
			FZ_CHECK(gomap_sync_barrier(R.m) == GOMAP_EBUSY,
			         "barrier inside range");
		break;
	default:
		break;
	}
	return true;
}

/* ---- verification -------------------------------------------------------- */

static bool verify_cb(const void *k, void *v, void *ctx)
{
	range_produce(ctx, k, v);
	return true;
}

/* chan: every id's load in batches of asynchronous requests (one owner
 * wake-up per batch, not one per key). */
static void verify_chan_loads(void)
{
	enum { B = 64 };
	gomap_chan_req *rq = calloc(B, sizeof *rq);
	fz_key *keys = calloc(B, sizeof *keys);
	fz_val *outs = calloc(B, sizeof *outs);
	for (unsigned base = 0; base < R.id_hi; base += B) {
		unsigned n = R.id_hi - base < B ? R.id_hi - base : B;
		for (unsigned i = 0; i < n; i++) {
			unsigned id = base + i;
			memset(&rq[i], 0, sizeof rq[i]);
			memset(&keys[i], 0, sizeof keys[i]);
			if (R.kind == FK_STR)
				keys[i].str = fz_strbuf[0][id];
			else if (R.kind == FK_BYTES)
				keys[i].bytes = (gomap_bytes){fz_bytbuf[0][id],
				                              fz_bytlen_[id]};
			else
				fz_key_build(R.kind, id, R.var[id], &keys[i]);
			rq[i].op = GOMAP_CHAN_LOAD;
			rq[i].key = &keys[i];
			rq[i].out = &outs[i];
		}
		FZ_CHECK(gomap_chan_submit_batch(R.m, rq, n) == 0, "batch");
		for (unsigned i = 0; i < n; i++) {
			unsigned id = base + i;
			int rc = gomap_chan_wait(&rq[i]);
			FZ_CHECK(rc == R.present[id], "load of key %u: %d, want %d",
			         id, rc, R.present[id]);
			if (rc == 1)
				check_val(&outs[i], R.v[id], R.serial[id],
				          "load (verify)");
		}
	}
	free(rq);
	free(keys);
	free(outs);
}

/* With no writes running, every variant's range produces exactly the
 * model, and every key answers its lookup. Allocation failures are off
 * meanwhile. */
static void verify(void)
{
	long cd = __atomic_load_n(&fz_as.countdown, __ATOMIC_ACQUIRE);
	unsigned pct = __atomic_load_n(&fz_as.pct, __ATOMIC_ACQUIRE);
	fz_fail_disarm();
	rstate *r = malloc(sizeof *r);
	range_begin(r, RM_SNAP);
	int rc = R.V->range(R.m, verify_cb, r);
	FZ_CHECK(rc == 0, "range (verify): rc %d", rc);
	range_end(r);
	FZ_CHECK(r->produced == model_len(), "range produced %zu, model %zu",
	         r->produced, model_len());
	free(r);
	FZ_CHECK(R.V->len(R.m) == model_len(), "len %zu, model %zu",
	         R.V->len(R.m), model_len());
	if (R.vn == VN_CHAN) {
		verify_chan_loads();
	} else {
		for (unsigned id = 0; id < R.id_hi; id++) {
			fz_key key;
			fz_val out;
			fz_key_build(R.kind, id, R.var[id], &key);
			rc = R.V->load(R.m, &key, &out);
			FZ_CHECK(rc == R.present[id], "load of key %u: %d, want %d",
			         id, rc, R.present[id]);
			if (rc == 1)
				check_val(&out, R.v[id], R.serial[id],
				          "load (verify)");
			fz_clobber();
		}
	}
	if (R.vn == VN_SYNC) {
		FZ_CHECK(gomap_sync_check(R.m) == 0, "gomap_sync_check");
		gomap_sync_stats st;
		FZ_CHECK(gomap_sync_stats_get(R.m, &st) == 0, "sync stats");
		FZ_CHECK(st.count == model_len(), "sync stats count %zu", st.count);
	}
	__atomic_store_n(&fz_as.countdown, cd, __ATOMIC_RELEASE);
	__atomic_store_n(&fz_as.pct, pct, __ATOMIC_RELEASE);
}

/* sync: wait for the deferred drops; then the counts must match. */
static void op_barrier(void)
{
	if (R.vn != VN_SYNC) {
		fz_dtor_settled();
		return;
	}
	FZ_CHECK(gomap_sync_barrier(R.m) == 0, "barrier");
	fz_dtor_settled();
	gomap_sync_stats st;
	FZ_CHECK(gomap_sync_stats_get(R.m, &st) == 0, "sync stats");
	FZ_CHECK(st.pending_free == 0, "%zu drops pending after barrier",
	         st.pending_free);
}

/* ---- atomic sections and transactions: re-entry -------------------------- */

typedef struct sect {
	fz_key key;
	fz_val val;
	karg k;
	int put_rc, load_rc;
	fz_val loaded;
} sect;

/* Inside the section: a plain-map put, then the variant's own load of the
 * same key, served without locking again (or inline on chan's owner). */
static int sect_fn(gomap_map_t *pm, void *ctx)
{
	sect *s = ctx;
	s->put_rc = gomap_map_put(pm, &s->key, &s->val);
	s->load_rc = R.V->load(R.m, &s->key, &s->loaded);
	return 77;
}

static void op_section(void)
{
	karg k = read_key();
	unsigned v = fz_u8(&R.in) & 7u;
	if (k.nan || R.vn == VN_SYNC || R.vn == VN_OTHER)
		return;
	uint32_t s = new_serial();
	if (R.stop)
		return;
	sect *x = calloc(1, sizeof *x);
	x->k = k;
	fz_key_build(R.kind, k.id, k.var, &x->key);
	fz_val_build(R.vk, v, s, &x->val);
	bool had = R.present[k.id];
	if (had)
		val_drop(R.serial[k.id]);
	int rc;
	fz_mark();
	switch (R.vn) {
	case VN_MUTEX: rc = gomap_mutex_atomic(R.m, sect_fn, x); break;
	case VN_RWMUTEX: rc = gomap_rwmutex_atomic(R.m, sect_fn, x); break;
	case VN_SHARD: rc = gomap_shard_atomic(R.m, &x->key, sect_fn, x); break;
	default: rc = gomap_chan_txn(R.m, sect_fn, x); break;
	}
	FZ_CHECK(rc == 77, "atomic section: rc %d", rc);
	if (x->put_rc == GOMAP_ENOMEM && !had && fz_failed()) {
		FZ_CHECK(x->load_rc == 0, "section: load after a failed put");
	} else {
		FZ_CHECK(x->put_rc == (had ? 0 : 1), "section: put rc %d",
		         x->put_rc);
		FZ_CHECK(x->load_rc == 1, "section: re-entrant load rc %d",
		         x->load_rc);
		check_val(&x->loaded, v, s, "section: re-entrant load");
		if (had)
			model_replace(k.id, k.var, v, s);
		else
			model_insert(k.id, k.var, v, s);
	}
	free(x);
	after();
}

/* ---- chan: asynchronous batches ------------------------------------------ */

#define NBATCH 8

/* Submit up to NBATCH loads, stores and deletes at once, then wait for
 * each: the owner runs them in queue order, so the model applies them in
 * that order before they run (allocation failures are off meanwhile). */
static void op_chan_batch(void)
{
	unsigned n = 1u + fz_u8(&R.in) % NBATCH;
	if (R.vn != VN_CHAN)
		return;
	gomap_chan_req rq[NBATCH];
	fz_key keys[NBATCH];
	fz_val vals[NBATCH], outs[NBATCH], untouched;
	int want[NBATCH];
	unsigned wv[NBATCH];
	uint32_t ws[NBATCH];
	memset(rq, 0, sizeof rq);
	memset(&untouched, 0xee, sizeof untouched);
	for (unsigned i = 0; i < n && !R.stop; i++) {
		karg k = read_key();
		int kind = fz_u8(&R.in) % 3;
		unsigned v = fz_u8(&R.in) & 7u;
		uint32_t s = kind == 1 ? new_serial() : 0;
		if (R.stop)
			return;
		unsigned id = k.id;
		/* stable key memory: requests outlive the scratch ring */
		if (k.nan) {
			/* a stored NaN is named by the uid it gets */
			fz_key_nan(kind == 1 ? R.nan_next : R.nan_next + 1000,
			           k.var, &keys[i]);
		} else if (R.kind == FK_STR) {
			memset(&keys[i], 0, sizeof keys[i]);
			keys[i].str = fz_strbuf[0][id];
		} else if (R.kind == FK_BYTES) {
			memset(&keys[i], 0, sizeof keys[i]);
			keys[i].bytes.ptr = fz_bytbuf[0][id];
			keys[i].bytes.len = fz_bytlen_[id];
		} else {
			fz_key_build(R.kind, id, k.var, &keys[i]);
		}
		fz_val_build(R.vk, v, s, &vals[i]);
		memset(&outs[i], 0xee, sizeof outs[i]);
		rq[i].op = kind == 0 ? GOMAP_CHAN_LOAD
		         : kind == 1 ? GOMAP_CHAN_STORE : GOMAP_CHAN_DELETE;
		rq[i].key = &keys[i];
		rq[i].val = kind == 1 ? &vals[i] : NULL;
		rq[i].out = kind == 0 ? &outs[i] : NULL;
		bool had = !k.nan && R.present[id];
		want[i] = kind == 1 ? 0 : had;
		if (kind == 0 && had) {
			wv[i] = R.v[id];
			ws[i] = R.serial[id];
		} else if (kind == 1) {
			if (k.nan) {
				if (!nan_room())
					return;
				nan_insert(v, s);
			} else if (had) {
				val_drop(R.serial[id]);
				model_replace(id, k.var, v, s);
			} else {
				model_insert(id, k.var, v, s);
			}
		} else if (kind == 2 && had) {
			val_drop(R.serial[id]);
			if (R.kdtor)
				fz_key_dropped(id);
			model_remove(id);
		}
	}
	if (R.stop)
		return;
	long cd = __atomic_load_n(&fz_as.countdown, __ATOMIC_ACQUIRE);
	unsigned pct = __atomic_load_n(&fz_as.pct, __ATOMIC_ACQUIRE);
	fz_fail_disarm();
	int rc = gomap_chan_submit_batch(R.m, rq, n);
	FZ_CHECK(rc == 0, "submit_batch: rc %d", rc);
	for (unsigned i = 0; i < n; i++) {
		int r = gomap_chan_wait(&rq[i]);
		FZ_CHECK(r == rq[i].result, "wait: %d, result %d", r,
		         rq[i].result);
		FZ_CHECK(gomap_chan_done(&rq[i]), "not done after wait");
		FZ_CHECK(r == want[i], "batch request %u (op %d): %d, want %d",
		         i, rq[i].op, r, want[i]);
		if (rq[i].op == GOMAP_CHAN_LOAD && r == 1)
			check_val(&outs[i], wv[i], ws[i], "batch load");
		else
			FZ_CHECK(memcmp(&outs[i], &untouched, sizeof outs[i]) == 0,
			         "batch request %u wrote its output", i);
	}
	__atomic_store_n(&fz_as.countdown, cd, __ATOMIC_RELEASE);
	__atomic_store_n(&fz_as.pct, pct, __ATOMIC_RELEASE);
	after();
}

/* ---- bad arguments ------------------------------------------------------- */

static void op_bad_input(void)
{
	fz_key key;
	fz_val val, out, untouched;
	fz_key_build(R.kind, 1, 0, &key);
	fz_val_build(R.vk, 1, 0, &val);
	memset(&out, 0xee, sizeof out);
	memset(&untouched, 0xee, sizeof untouched);
	const gomap_cmap_ops *V = R.V;
	FZ_CHECK(V->load(R.m, NULL, &out) == GOMAP_EINVAL, "load NULL key");
	FZ_CHECK(V->store(R.m, NULL, &val) == GOMAP_EINVAL, "store NULL key");
	FZ_CHECK(V->load_or_store(R.m, NULL, &val, &out) == GOMAP_EINVAL,
	         "load_or_store NULL key");
	FZ_CHECK(V->load_and_delete(R.m, NULL, &out) == GOMAP_EINVAL,
	         "load_and_delete NULL key");
	FZ_CHECK(V->del(R.m, NULL) == GOMAP_EINVAL, "delete NULL key");
	FZ_CHECK(V->swap(R.m, NULL, &val, &out) == GOMAP_EINVAL, "swap NULL key");
	FZ_CHECK(V->compare_and_swap(R.m, NULL, &val, &val) == GOMAP_EINVAL,
	         "compare_and_swap NULL key");
	FZ_CHECK(V->compare_and_delete(R.m, NULL, &val) == GOMAP_EINVAL,
	         "compare_and_delete NULL key");
	if (R.vsize) {
		FZ_CHECK(V->store(R.m, &key, NULL) == GOMAP_EINVAL,
		         "store NULL value");
		FZ_CHECK(V->load_or_store(R.m, &key, NULL, &out) == GOMAP_EINVAL,
		         "load_or_store NULL value");
		FZ_CHECK(V->swap(R.m, &key, NULL, &out) == GOMAP_EINVAL,
		         "swap NULL value");
		FZ_CHECK(V->compare_and_swap(R.m, &key, NULL, &val) ==
		             GOMAP_EINVAL, "compare_and_swap NULL old");
		FZ_CHECK(V->compare_and_swap(R.m, &key, &val, NULL) ==
		             GOMAP_EINVAL, "compare_and_swap NULL new");
		FZ_CHECK(V->compare_and_delete(R.m, &key, NULL) == GOMAP_EINVAL,
		         "compare_and_delete NULL old");
	}
	if (R.kind == FK_STR || R.kind == FK_STR_B) {
		const char *nul = NULL;
		FZ_CHECK(V->store(R.m, &nul, &val) == GOMAP_EINVAL,
		         "store NULL string");
		FZ_CHECK(V->load(R.m, &nul, &out) == GOMAP_EINVAL,
		         "load NULL string");
		FZ_CHECK(V->del(R.m, &nul) == GOMAP_EINVAL, "delete NULL string");
	}
	if (R.kind == FK_BYTES || R.kind == FK_BYTES_B) {
		gomap_bytes b = {NULL, 3};
		FZ_CHECK(V->store(R.m, &b, &val) == GOMAP_EINVAL,
		         "store NULL bytes");
		FZ_CHECK(V->load(R.m, &b, &out) == GOMAP_EINVAL, "load NULL bytes");
	}
	FZ_CHECK(V->range(R.m, NULL, NULL) == GOMAP_EINVAL, "range NULL fn");
	FZ_CHECK(V->load(NULL, &key, &out) == GOMAP_EINVAL, "load NULL map");
	FZ_CHECK(V->store(NULL, &key, &val) == GOMAP_EINVAL, "store NULL map");
	FZ_CHECK(V->len(NULL) == 0, "len NULL map");
	FZ_CHECK(V->clear(NULL) == GOMAP_EINVAL, "clear NULL map");
	FZ_CHECK(memcmp(&out, &untouched, sizeof out) == 0,
	         "a refused call wrote its output");
	FZ_CHECK(V->len(R.m) == model_len(), "bad input changed len");
	fz_clobber();
}

/* ---- one program --------------------------------------------------------- */

static int vname_of(const char *n)
{
	static const char *const names[] = {"mutex", "rwmutex", "shard",
	                                    "sync", "chan"};
	for (int i = 0; i < 5; i++)
		if (strcmp(n, names[i]) == 0)
			return i;
	return VN_OTHER;
}

static const size_t hints[4] = {0, 1, 9, 1000};
static const size_t nshards[4] = {0, 1, 2, 16};

static int create(uint8_t hb)
{
	const gomap_allocator *a = R.hook ? &R.alloc : NULL;
	size_t hint = hints[hb & 3];
	switch (R.vn) {
	case VN_MUTEX: {
		gomap_mutex_options o = {hint, a};
		return gomap_mutex_new((gomap_mutex_t **)&R.m, &R.kt, &R.vt, &o);
	}
	case VN_RWMUTEX: {
		gomap_rwmutex_options o = {hint, a};
		return gomap_rwmutex_new((gomap_rwmutex_t **)&R.m, &R.kt, &R.vt,
		                         &o);
	}
	case VN_SHARD: {
		gomap_shard_options o = {hint, a, nshards[(hb >> 2) & 3]};
		return gomap_shard_new((gomap_shard_t **)&R.m, &R.kt, &R.vt, &o);
	}
	case VN_SYNC: {
		gomap_sync_options o = {hint, a};
		return gomap_sync_new((gomap_sync_t **)&R.m, &R.kt, &R.vt, &o);
	}
	case VN_CHAN: {
		/* a short owner spin mostly: spinning owners starve the
		 * fuzzer's own thread on few cores */
		static const unsigned spins[4] = {1, 1, 64, 0};
		gomap_chan_options o = {hint, a, spins[(hb >> 2) & 3]};
		return gomap_chan_new((gomap_chan_t **)&R.m, &R.kt, &R.vt, &o);
	}
	default:
		return R.V->create(&R.m, &R.kt, &R.vt);
	}
}

static void run_ops(void)
{
	while (fz_more(&R.in) && !R.stop && R.work < MAXWORK) {
		uint8_t op = fz_u8(&R.in);
		fz_opno++;
		R.work++;
		switch (op % 20) {
		case 0:
		case 1: fz_opname = "store"; op_store(); break;
		case 2: fz_opname = "load"; op_load(); break;
		case 3: fz_opname = "load_or_store"; op_load_or_store(); break;
		case 4: fz_opname = "load_and_delete"; op_load_and_delete(); break;
		case 5: fz_opname = "delete"; op_delete(); break;
		case 6: fz_opname = "swap"; op_swap(); break;
		case 7: fz_opname = "compare_and_swap"; op_cas(); break;
		case 8: fz_opname = "compare_and_delete"; op_cad(); break;
		case 9: fz_opname = "range"; op_range(); break;
		case 10:
			fz_opname = "len";
				FZ_CHECK(R.V->len(R.m) == model_len(), "len %zu, model %zu",
			         R.V->len(R.m), model_len());
			break;
		case 11:
			fz_opname = "clear";
			if (op < 128)
				op_clear();
			break;
		case 12: fz_opname = "bulk_store"; op_bulk(true); break;
		case 13: fz_opname = "bulk_delete"; op_bulk(false); break;
		case 14:
			fz_opname = "fail_control";
			if (R.hook)
				fz_fail_control(&R.in);
			break;
		case 15: fz_opname = "bad_input"; op_bad_input(); break;
		case 16: fz_opname = "verify"; verify(); break;
		case 17: fz_opname = "barrier"; op_barrier(); break;
		case 18: fz_opname = "section"; op_section(); break;
		default: fz_opname = "chan_batch"; op_chan_batch(); break;
		}
		if (fz_trace)
			fprintf(stderr, "op #%lu %s: len %zu\n", fz_opno,
			        fz_opname, model_len());
		FZ_CHECK(R.V->len(R.m) == model_len(), "len %zu, model %zu",
		         R.V->len(R.m), model_len());
	}
}

static void fz_nop_destroy(void *obj, void *ctx)
{
	(void)obj;
	(void)ctx;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fz_universe_init();
	memset(&R, 0, sizeof R);
	fz_dtor_reset();
	fz_alloc_reset();
	fz_opno = 0;
	fz_opname = "new";
	R.in = (fz_in){data, size, 0};

	const gomap_cmap_ops *const *list = gomap_cmap_list();
	size_t nv = 0;
	while (list[nv])
		nv++;
	FZ_CHECK(nv > 0, "no variant registered");
	R.V = list[fz_u8(&R.in) % nv];
	R.vn = vname_of(R.V->name);
	R.kind = fz_u8(&R.in) % FK_COUNT;
	R.vk = fz_u8(&R.in) % FV_COUNT;
	uint8_t fl = fz_u8(&R.in), hb = fz_u8(&R.in);
	R.kdtor = (fl & 1) && fz_kind_key_dtor_ok(R.kind);
	R.vdtor = (fl & 2) && fz_val_has_serial(R.vk);
	R.hook = fl & 4;
	R.custom_veq = fl & 16;
	fz_hash_mode = (fl >> 5) & 3;
	R.vsize = fz_val_size(R.vk);
	R.kt = fz_key_type(R.kind, R.kdtor);
	R.vt = fz_val_type(R.vk, R.vdtor, R.custom_veq);
	R.alloc = (gomap_allocator){fz_alloc, (fl & 8) ? fz_alloc_zeroed : NULL,
	                            fz_free, NULL};

	/* copied string values with a destructor of their own are refused
	 * by every safe map (the map frees its copy itself) */
	void *x = NULL;
	gomap_type sdt = gomap_type_str;
	sdt.destroy = fz_nop_destroy;
	FZ_CHECK(R.V->create(&x, &gomap_type_u64, &sdt) == GOMAP_ENOTSUP,
	         "%s: copied string values with a destructor accepted",
	         R.V->name);
	FZ_CHECK(x == NULL, "a refused create wrote a map");

	if (R.hook && (hb & 0x80))
		/* creation fails at that call */
		__atomic_store_n(&fz_as.countdown, (long)((hb >> 4) & 7),
		                 __ATOMIC_RELEASE);
	fz_mark();
	int rc = create(hb);
	if (rc == GOMAP_ENOMEM && fz_failed()) {
		FZ_CHECK(fz_live_blocks() == 0,
		         "%s: failed creation leaked %ld blocks", R.V->name,
		         fz_live_blocks());
		return 0;
	}
	FZ_CHECK(rc == 0 && R.m, "%s: create: rc %d (kind %s)", R.V->name, rc,
	         fz_kind_names[R.kind]);
	if (fz_trace)
		fprintf(stderr, "%s: keys %s, values %s, key dtor %d, value "
		        "dtor %d, hook %d, custom value equal %d, hash mode %u\n",
		        R.V->name, fz_kind_names[R.kind], fz_vkind_names[R.vk],
		        R.kdtor, R.vdtor, R.hook, R.custom_veq, fz_hash_mode);
	fz_fail_disarm();

	run_ops();

	fz_opname = "teardown";
	fz_fail_disarm();
	verify();
	op_barrier();
	if (R.vn == VN_CHAN && (hb & 0x40)) {
		FZ_CHECK(gomap_chan_shutdown(R.m) == 0, "shutdown");
		FZ_CHECK(gomap_chan_shutdown(R.m) == 0, "second shutdown");
		fz_key key;
		fz_val val, out;
		fz_key_build(R.kind, 1, 0, &key);
		fz_val_build(R.vk, 1, 0, &val);
		FZ_CHECK(R.V->store(R.m, &key, &val) == GOMAP_ESHUTDOWN,
		         "store after shutdown");
		FZ_CHECK(R.V->load(R.m, &key, &out) == GOMAP_ESHUTDOWN,
		         "load after shutdown");
		FZ_CHECK(R.V->len(R.m) == model_len(), "len after shutdown");
		fz_clobber();
	}
	drop_all();
	R.V->destroy(R.m);
	fz_dtor_settled();
	if (R.hook) {
		FZ_CHECK(fz_live_blocks() == 0, "%ld blocks left after free",
		         fz_live_blocks());
		FZ_CHECK(fz_live_bytes() == 0, "%ld bytes left after free",
		         fz_live_bytes());
	}
	return 0;
}
