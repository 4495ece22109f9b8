/*
 * tests/fuzz/fuzz_map.c - coverage-guided fuzzer of the plain map
 * (gomap/map.h, gomap/diag.h), checking every answer against a reference
 * model.
 *
 * The input is a program. Header: key kind, value kind, flags (key/value
 * destructors, allocator hook, zeroed allocations, custom value equal,
 * hash mode of the custom kinds), size hint. Then operations, one byte each
 * plus their arguments, until the input ends: put, get, get_ptr, delete,
 * len/stats/check, clear, clone (verified, and then used instead of the
 * original), shrink, freeze (reads on the frozen map, then unfreeze),
 * iterators held across writes (up to 4 at once, stopped or abandoned),
 * range with writes from the callback, bulk put/delete (growth), put of a
 * value that lives in the map, put and delete through the key pointers that
 * iteration and range hand out (Go's `m[k] = v` and `delete(m, k)` inside a
 * range loop), allocation failures on demand, bad arguments, full
 * verification. The work per input is bounded (MAXWORK).
 *
 * The model: per key id, present / stored variant / value / value serial,
 * plus the list of NaN entries (f64). Iterators are checked by Go's rules:
 * no key twice (a key deleted and inserted again is a new entry), a deleted
 * key not reached is not produced, values and keys are current, and a key
 * present from start to end (never deleted) is produced. Destructors are
 * counted per object; with the allocator hook every block is freed with its
 * size and nothing is left after free.
 */
#include <gomap/diag.h>
#include <gomap/map.h>

#define FZ_TARGET "fuzz_map"
#include "fuzz_replay.h"

#define NSLOTS 4      /* iterators held across operations */
#define RSLOT NSLOTS  /* the range's own tracking slot */
#define MAXNAN 2048u
#define MAXWORK 8000ul /* operations per input, bulk elements included */

enum { IS_ABSENT, IS_REQ, IS_NEW, IS_PROD, IS_GONE, IS_PGONE };

typedef struct it_slot {
	bool live;
	gomap_iter it;
	unsigned char st[FZ_NK];
	uint64_t nan_lo, nan_hi; /* NaN uids that must be produced */
	unsigned char nan_seen[MAXNAN];
	bool growing; /* the map was growing at the start */
} it_slot;

typedef struct nan_ent {
	unsigned v;
	uint32_t serial;
} nan_ent;

static struct run {
	fz_in in;
	int kind, vk;
	bool kdtor, vdtor, hook, custom_veq;
	size_t vsize;
	gomap_type kt, vt;
	gomap_allocator alloc;
	gomap_map_t *m;
	bool frozen;
	bool stop; /* out of serials or NaN uids: end the program */
	/* model */
	unsigned char present[FZ_NK], var[FZ_NK], v[FZ_NK];
	uint32_t serial[FZ_NK];
	size_t count;
	nan_ent nan[MAXNAN];
	uint64_t nan_base, nan_next; /* live NaN uids: [nan_base, nan_next) */
	unsigned id_hi; /* ids used so far: [0, id_hi) */
	unsigned long work; /* operations run, bulk elements included */
	it_slot slot[NSLOTS + 1];
	int range_depth;
	unsigned range_writes;
} R;

static size_t model_len(void)
{
	return R.count + (size_t)(R.nan_next - R.nan_base);
}

/* ---- values -------------------------------------------------------------- */

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

static void check_val(const void *got, unsigned v, uint32_t s, const char *what)
{
	if (!R.vsize)
		return;
	fz_val want;
	fz_val_build(R.vk, v, s, &want);
	FZ_CHECK(memcmp(got, &want, R.vsize) == 0,
	         "%s: value differs (want v=%u serial=%u)", what, v, s);
}

/* ---- model updates (every live iterator follows them) -------------------- */

static void model_insert(unsigned id, unsigned var, unsigned v, uint32_t s)
{
	R.present[id] = 1;
	R.var[id] = (unsigned char)var;
	R.v[id] = (unsigned char)v;
	R.serial[id] = s;
	R.count++;
	val_adopted(s);
	for (int i = 0; i <= NSLOTS; i++) {
		it_slot *t = &R.slot[i];
		if (t->live && (t->st[id] == IS_ABSENT || t->st[id] == IS_GONE ||
		                t->st[id] == IS_PGONE))
			t->st[id] = IS_NEW;
	}
}

/* Mark what removing id drops (before the call). */
static void drop_entry(unsigned id, bool take_val)
{
	if (!take_val)
		val_drop(R.serial[id]);
	if (R.kdtor)
		fz_key_dropped(id);
}

static void model_remove(unsigned id)
{
	R.present[id] = 0;
	R.count--;
	for (int i = 0; i <= NSLOTS; i++) {
		it_slot *t = &R.slot[i];
		if (!t->live)
			continue;
		if (t->st[id] == IS_REQ || t->st[id] == IS_NEW)
			t->st[id] = IS_GONE;
		else if (t->st[id] == IS_PROD)
			t->st[id] = IS_PGONE;
	}
}

static void model_clear_drops(void)
{
	for (unsigned id = 0; id < FZ_NK; id++)
		if (R.present[id])
			drop_entry(id, false);
	for (uint64_t u = R.nan_base; u < R.nan_next; u++)
		val_drop(R.nan[u].serial);
}

static void model_clear(void)
{
	for (unsigned id = 0; id < FZ_NK; id++)
		if (R.present[id])
			model_remove(id);
	R.nan_base = R.nan_next;
	for (int i = 0; i <= NSLOTS; i++)
		R.slot[i].nan_lo = R.slot[i].nan_hi = 0;
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

/* ---- checks of what an iteration produces -------------------------------- */

static void check_key_var(unsigned id, unsigned var, const char *what)
{
	FZ_CHECK(var == R.var[id],
	         "%s: key id %u stored as variant %u, want %u (the %s key)",
	         what, id, var, R.var[id],
	         fz_kind_borrowed(R.kind) ? "first" : "latest");
}

static void slot_start(it_slot *t)
{
	t->live = true;
	for (unsigned id = 0; id < FZ_NK; id++)
		t->st[id] = R.present[id] ? IS_REQ : IS_ABSENT;
	t->nan_lo = R.nan_base;
	t->nan_hi = R.nan_next;
	memset(t->nan_seen, 0, sizeof t->nan_seen);
	gomap_map_stats st;
	FZ_CHECK(gomap_map_stats_get(R.m, &st) == 0, "stats_get");
	t->growing = st.growing;
}

static void slot_produce(it_slot *t, const void *k, const void *v)
{
	unsigned id, var;
	uint64_t uid;
	FZ_CHECK(k != NULL, "iteration produced a NULL key");
	FZ_CHECK(v != NULL || !R.vsize, "iteration produced a NULL value");
	int d = fz_key_decode(R.kind, k, &id, &var, &uid);
	FZ_CHECK(d != FZ_DEC_BAD, "iteration produced a corrupt key");
	if (d == FZ_DEC_NAN) {
		FZ_CHECK(uid >= R.nan_base && uid < R.nan_next,
		         "iteration produced NaN %llu, not in the map",
		         (unsigned long long)uid);
		FZ_CHECK(!t->nan_seen[uid] || t->growing,
		         "NaN %llu produced twice", (unsigned long long)uid);
		t->nan_seen[uid] = 1;
		check_val(v, R.nan[uid].v, R.nan[uid].serial, "iteration (NaN)");
		return;
	}
	FZ_CHECK(R.present[id], "iteration produced key %u, not in the map",
	         id);
	FZ_CHECK(t->st[id] == IS_REQ || t->st[id] == IS_NEW,
	         "iteration produced key %u twice (state %d)", id, t->st[id]);
	t->st[id] = IS_PROD;
	check_key_var(id, var, "iteration");
	check_val(v, R.v[id], R.serial[id], "iteration");
}

static void slot_end(it_slot *t)
{
	for (unsigned id = 0; id < FZ_NK; id++)
		FZ_CHECK(t->st[id] != IS_REQ,
		         "key %u present throughout was not produced", id);
	for (uint64_t u = t->nan_lo; u < t->nan_hi; u++)
		if (u >= R.nan_base)
			FZ_CHECK(t->nan_seen[u], "NaN %llu was not produced",
			         (unsigned long long)u);
	t->live = false;
}

/* ---- operations ---------------------------------------------------------- */

static void after_write(void)
{
	fz_clobber();
	if (!R.frozen)
		fz_dtor_settled();
}

static void op_put_kv(karg k, unsigned v)
{
	fz_key key;
	fz_val val;
	uint32_t s = new_serial();
	if (R.stop)
		return;
	fz_val_build(R.vk, v, s, &val);
	if (k.nan) {
		if (R.nan_next >= MAXNAN) {
			R.stop = true;
			return;
		}
		fz_key_nan(R.nan_next, k.var, &key);
		fz_mark();
		int rc = gomap_map_put(R.m, &key, &val);
		if (rc == GOMAP_ENOMEM && fz_failed())
			return after_write();
		FZ_CHECK(rc == 1, "put NaN: rc %d, want 1 (a new entry)", rc);
		R.nan[R.nan_next].v = v;
		R.nan[R.nan_next].serial = s;
		R.nan_next++;
		val_adopted(s);
		return after_write();
	}
	fz_key_build(R.kind, k.id, k.var, &key);
	if (R.present[k.id]) {
		val_drop(R.serial[k.id]);
		int rc = gomap_map_put(R.m, &key, &val);
		FZ_CHECK(rc == 0, "put over key %u: rc %d, want 0", k.id, rc);
		R.v[k.id] = (unsigned char)v;
		R.serial[k.id] = s;
		val_adopted(s);
		if (fz_kind_key_update(R.kind))
			R.var[k.id] = (unsigned char)k.var;
	} else {
		fz_mark();
		int rc = gomap_map_put(R.m, &key, &val);
		if (rc == GOMAP_ENOMEM && fz_failed())
			return after_write();
		FZ_CHECK(rc == 1, "put of new key %u: rc %d, want 1", k.id, rc);
		model_insert(k.id, k.var, v, s);
	}
	after_write();
}

static void op_put(void)
{
	karg k = read_key();
	op_put_kv(k, fz_u8(&R.in) & 7u);
}

static void op_get(void)
{
	karg k = read_key();
	bool use_out = !(fz_u8(&R.in) & 0x80);
	fz_key key;
	fz_val out, untouched;
	memset(&out, 0xee, sizeof out);
	memset(&untouched, 0xee, sizeof untouched);
	if (k.nan)
		fz_key_nan(R.nan_next + 1000, k.var, &key);
	else
		fz_key_build(R.kind, k.id, k.var, &key);
	int rc = gomap_map_get(R.m, &key, use_out ? &out : NULL);
	if (!k.nan && R.present[k.id]) {
		FZ_CHECK(rc == 1, "get of key %u: rc %d, want 1", k.id, rc);
		if (use_out)
			check_val(&out, R.v[k.id], R.serial[k.id], "get");
	} else {
		FZ_CHECK(rc == 0, "get of absent key: rc %d, want 0", rc);
	}
	if (rc != 1 || !use_out)
		FZ_CHECK(memcmp(&out, &untouched, sizeof out) == 0,
		         "get wrote its output on a miss");
	else
		FZ_CHECK(memcmp((char *)&out + R.vsize, (char *)&untouched + R.vsize,
		                sizeof out - R.vsize) == 0,
		         "get wrote past the value size");
	fz_clobber();
}

static void op_get_ptr(void)
{
	karg k = read_key();
	fz_key key;
	if (k.nan)
		fz_key_nan(R.nan_next + 1000, k.var, &key);
	else
		fz_key_build(R.kind, k.id, k.var, &key);
	void *p = gomap_map_get_ptr(R.m, &key);
	if (!k.nan && R.present[k.id]) {
		FZ_CHECK(p != NULL, "get_ptr of key %u: NULL", k.id);
		check_val(p, R.v[k.id], R.serial[k.id], "get_ptr");
	} else {
		FZ_CHECK(p == NULL, "get_ptr of an absent key: not NULL");
	}
	fz_clobber();
}

static void op_delete_k(karg k)
{
	fz_key key;
	if (k.nan) {
		fz_key_nan(R.nan_base, k.var, &key); /* a NaN never matches */
		int rc = gomap_map_delete(R.m, &key);
		FZ_CHECK(rc == 0, "delete of NaN: rc %d, want 0", rc);
		return after_write();
	}
	fz_key_build(R.kind, k.id, k.var, &key);
	bool had = R.present[k.id];
	if (had)
		drop_entry(k.id, false);
	int rc = gomap_map_delete(R.m, &key);
	FZ_CHECK(rc == (had ? 1 : 0), "delete of key %u: rc %d, want %d",
	         k.id, rc, had);
	if (had)
		model_remove(k.id);
	after_write();
}

static void op_delete(void)
{
	op_delete_k(read_key());
}

static void check_structure(void)
{
	FZ_CHECK(gomap_map_len(R.m) == model_len(), "len %zu, model %zu",
	         gomap_map_len(R.m), model_len());
	gomap_map_stats st;
	FZ_CHECK(gomap_map_stats_get(R.m, &st) == 0, "stats_get failed");
	FZ_CHECK(st.count == model_len(), "stats count %zu, model %zu",
	         st.count, model_len());
	FZ_CHECK(st.capacity == st.groups * 8, "capacity %zu, groups %zu",
	         st.capacity, st.groups);
	FZ_CHECK(st.count <= st.capacity + st.old_capacity,
	         "count %zu over capacity %zu+%zu", st.count, st.capacity,
	         st.old_capacity);
	FZ_CHECK(st.tombstones <= st.capacity, "tombstones %zu, capacity %zu",
	         st.tombstones, st.capacity);
	FZ_CHECK(!st.growing || st.evacuated <= st.old_groups,
	         "evacuated %zu of %zu", st.evacuated, st.old_groups);
	FZ_CHECK(st.same_size_grows <= st.grows, "grows");
	FZ_CHECK(gomap_map_check(R.m) == 0, "gomap_map_check failed");
	char buf[24];
	int n = gomap_map_stats_dump(R.m, buf, sizeof buf);
	FZ_CHECK(n > 0, "stats_dump returned %d", n);
	FZ_CHECK(strlen(buf) == ((size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1),
	         "stats_dump truncation");
}

static void op_clear(void)
{
	model_clear_drops();
	int rc = gomap_map_clear(R.m);
	FZ_CHECK(rc == 0, "clear: rc %d", rc);
	model_clear();
	FZ_CHECK(gomap_map_len(R.m) == 0, "len after clear");
	after_write();
}

/* Iterate @m once, whole, with no writes: exactly the model. */
static void verify_map(const gomap_map_t *m)
{
	it_slot *t = malloc(sizeof *t);
	gomap_iter it;
	const void *k;
	void *v;
	size_t n = 0;
	t->live = true;
	for (unsigned id = 0; id < FZ_NK; id++)
		t->st[id] = R.present[id] ? IS_REQ : IS_ABSENT;
	t->nan_lo = R.nan_base;
	t->nan_hi = R.nan_next;
	memset(t->nan_seen, 0, sizeof t->nan_seen);
	gomap_map_stats st;
	FZ_CHECK(gomap_map_stats_get(m, &st) == 0, "stats_get");
	t->growing = st.growing;
	gomap_map_iter_init(m, &it);
	while (gomap_map_iter_next(&it, &k, &v)) {
		slot_produce(t, k, v);
		n++;
		FZ_CHECK(n <= model_len() + (t->growing ? model_len() : 0),
		         "iteration produced more entries than the map has");
	}
	slot_end(t);
	FZ_CHECK(n == model_len() || t->growing, "iteration: %zu of %zu", n,
	         model_len());
	FZ_CHECK(gomap_map_len(m) == model_len(), "len %zu, model %zu",
	         gomap_map_len(m), model_len());
	free(t);
}

static void verify_lookups(void)
{
	for (unsigned id = 0; id < R.id_hi; id++) {
		fz_key key;
		fz_val out;
		fz_key_build(R.kind, id, R.var[id], &key);
		int rc = gomap_map_get(R.m, &key, &out);
		FZ_CHECK(rc == R.present[id], "lookup of key %u: %d, want %d",
		         id, rc, R.present[id]);
		if (rc == 1)
			check_val(&out, R.v[id], R.serial[id], "lookup");
	}
	fz_clobber();
}

static void stop_all_slots(bool stop)
{
	for (int i = 0; i < NSLOTS; i++) {
		if (R.slot[i].live && stop)
			gomap_map_iter_stop(&R.slot[i].it);
		R.slot[i].live = false;
	}
}

static void op_clone(bool may_adopt)
{
	gomap_map_t *c = (gomap_map_t *)&R; /* must not be kept on failure */
	fz_mark();
	int rc = gomap_map_clone(R.m, &c);
	if (R.kt.destroy || R.vt.destroy) {
		FZ_CHECK(rc == GOMAP_ENOTSUP, "clone with destructors: rc %d",
		         rc);
		return;
	}
	if (rc == GOMAP_ENOMEM && fz_failed()) {
		FZ_CHECK(c == (gomap_map_t *)&R || c == NULL,
		         "failed clone wrote a map");
		return;
	}
	FZ_CHECK(rc == 0, "clone: rc %d", rc);
	FZ_CHECK(c != NULL && c != R.m, "clone: no new map");
	verify_map(c);
	FZ_CHECK(gomap_map_check(c) == 0, "clone: check");
	FZ_CHECK(!gomap_map_frozen(c), "a clone of a frozen map is frozen");
	if (may_adopt && (fz_u8(&R.in) & 1)) {
		/* go on with the clone: the original and its iterators go */
		stop_all_slots(fz_u8(&R.in) & 1);
		gomap_map_free(R.m);
		R.m = c;
	} else {
		gomap_map_free(c);
	}
}

static void op_shrink(void)
{
	fz_mark();
	int rc = gomap_map_shrink(R.m);
	FZ_CHECK(rc == 0 || (rc == GOMAP_ENOMEM && fz_failed()),
	         "shrink: rc %d", rc);
	after_write();
	if (rc == 0) {
		gomap_map_stats st;
		FZ_CHECK(gomap_map_stats_get(R.m, &st) == 0, "stats_get");
		FZ_CHECK(!st.growing, "growing right after shrink");
		FZ_CHECK(model_len() > 0 || st.capacity == 0,
		         "shrink of an empty map kept %zu slots", st.capacity);
	}
}

static void slot_next(it_slot *t, unsigned steps)
{
	const void *k;
	void *v;
	for (unsigned i = 0; i < steps && t->live; i++) {
		if (!gomap_map_iter_next(&t->it, &k, &v))
			slot_end(t);
		else
			slot_produce(t, k, v);
	}
}

static void op_iter_start(void)
{
	uint8_t b = fz_u8(&R.in);
	it_slot *t = &R.slot[b % NSLOTS];
	if (t->live && (b & 0x80))
		gomap_map_iter_stop(&t->it); /* else abandoned: allowed */
	slot_start(t);
	gomap_map_iter_init(R.m, &t->it);
}

static void op_iter_next(void)
{
	uint8_t b = fz_u8(&R.in);
	it_slot *t = &R.slot[b % NSLOTS];
	slot_next(t, 1u + (b >> 2));
}

static void op_iter_stop(void)
{
	it_slot *t = &R.slot[fz_u8(&R.in) % NSLOTS];
	if (t->live)
		gomap_map_iter_stop(&t->it);
	t->live = false;
}

/* The iterator hands out a key pointer that delete may take. */
static void op_delete_from_iter(void)
{
	it_slot *t = &R.slot[fz_u8(&R.in) % NSLOTS];
	const void *k;
	void *v;
	if (!t->live)
		return;
	if (!gomap_map_iter_next(&t->it, &k, &v)) {
		slot_end(t);
		return;
	}
	slot_produce(t, k, v);
	unsigned id, var;
	uint64_t uid;
	int d = fz_key_decode(R.kind, k, &id, &var, &uid);
	if (d == FZ_DEC_NAN) {
		FZ_CHECK(gomap_map_delete(R.m, k) == 0, "delete of a NaN");
		return after_write();
	}
	drop_entry(id, false);
	int rc = gomap_map_delete(R.m, k);
	FZ_CHECK(rc == 1, "delete through the iterator's key: rc %d", rc);
	model_remove(id);
	after_write();
}

static void op_bulk(bool put)
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
		if (put)
			op_put_kv(ki, (v + i) & 7u);
		else
			op_delete_k(ki);
	}
}

/* Store a value that lives in the map itself (the source slot may move). */
static void op_put_from_map(void)
{
	karg dst = read_key(), src = read_key();
	if (R.vdtor || !R.vsize || src.nan || dst.nan || !R.present[src.id])
		return;
	fz_key sk, dk;
	fz_key_build(R.kind, src.id, src.var, &sk);
	void *p = gomap_map_get_ptr(R.m, &sk);
	FZ_CHECK(p != NULL, "get_ptr of present key %u", src.id);
	fz_key_build(R.kind, dst.id, dst.var, &dk);
	unsigned v = R.v[src.id];
	uint32_t s = R.serial[src.id];
	bool had = R.present[dst.id];
	fz_mark();
	int rc = gomap_map_put(R.m, &dk, p);
	if (rc == GOMAP_ENOMEM && !had && fz_failed())
		return after_write();
	FZ_CHECK(rc == (had ? 0 : 1), "put from map: rc %d", rc);
	if (had) {
		R.v[dst.id] = (unsigned char)v;
		R.serial[dst.id] = s;
		if (fz_kind_key_update(R.kind))
			R.var[dst.id] = (unsigned char)dst.var;
	} else {
		model_insert(dst.id, dst.var, v, s);
	}
	after_write();
}

/* Overwrite through a key pointer the map handed out (iterator, range):
 * Go's `m[k] = v` inside a range loop. The key is its own stored bytes. */
static void put_through(const void *k, unsigned v)
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
	val_drop(R.serial[id]);
	int rc = gomap_map_put(R.m, k, &val);
	FZ_CHECK(rc == 0, "put through the map's own key %u: rc %d", id, rc);
	R.v[id] = (unsigned char)v;
	R.serial[id] = s;
	val_adopted(s);
	after_write();
}

/* The iterator's key pointer, given back to put. */
static void op_put_from_iter(void)
{
	uint8_t b = fz_u8(&R.in);
	it_slot *t = &R.slot[b % NSLOTS];
	const void *k;
	void *v;
	if (!t->live)
		return;
	if (!gomap_map_iter_next(&t->it, &k, &v)) {
		slot_end(t);
		return;
	}
	slot_produce(t, k, v);
	put_through(k, b >> 5);
}

static bool range_cb(const void *k, void *v, void *ctx);

static void op_range(void)
{
	if (R.range_depth)
		return;
	it_slot *t = &R.slot[RSLOT];
	slot_start(t);
	R.range_depth++;
	R.range_writes = 0;
	int rc = gomap_map_range(R.m, range_cb, &R);
	R.range_depth--;
	FZ_CHECK(rc == 0, "range: rc %d", rc);
	if (t->live) /* not stopped by the callback */
		slot_end(t);
	t->live = false;
}

static bool range_cb(const void *k, void *v, void *ctx)
{
	FZ_CHECK(ctx == &R, "range: ctx not passed through");
	it_slot *t = &R.slot[RSLOT];
	FZ_CHECK(t->live, "range called the callback after it stopped");
	slot_produce(t, k, v);
	uint8_t c = fz_u8(&R.in);
	if (R.range_writes > 64 && (c & 15) >= 8 && (c & 15) != 14)
		return true;
	switch (c & 15) {
	case 8:
	case 9:
		R.range_writes++;
		op_put();
		break;
	case 10:
		R.range_writes++;
		op_delete();
		break;
	case 11: { /* delete the key being visited, through its pointer */
		unsigned id, var;
		uint64_t uid;
		R.range_writes++;
		if (fz_key_decode(R.kind, k, &id, &var, &uid) == FZ_DEC_NAN) {
			FZ_CHECK(gomap_map_delete(R.m, k) == 0, "delete NaN");
			break;
		}
		drop_entry(id, false);
		int rc = gomap_map_delete(R.m, k);
		FZ_CHECK(rc == 1, "range: delete of visited key: rc %d", rc);
		model_remove(id);
		after_write();
		break;
	}
	case 12:
		R.range_writes++;
		if (c >> 4 == 0)
			op_clear();
		else
			put_through(k, fz_u8(&R.in) & 7u); /* m[k] = v' */
		break;
	case 13:
		R.range_writes++;
		op_bulk(true);
		break;
	case 14:
		t->live = false;
		return false;
	case 15:
		op_get();
		break;
	default:
		break;
	}
	return true;
}

/* Freeze, read, unfreeze: every read works on the frozen map. */
static void op_freeze(void)
{
	int rc = gomap_map_freeze(R.m);
	if (rc == GOMAP_ENOMEM) {
		FZ_CHECK(!gomap_map_frozen(R.m), "failed freeze left it frozen");
		return;
	}
	FZ_CHECK(rc == 0, "freeze: rc %d", rc);
	FZ_CHECK(gomap_map_frozen(R.m), "not frozen after freeze");
	FZ_CHECK(gomap_map_freeze(R.m) == 0, "freeze of a frozen map");
	R.frozen = true;
	unsigned n = fz_u8(&R.in) & 7u;
	for (unsigned i = 0; i < n; i++) {
		switch (fz_u8(&R.in) % 6) {
		case 0: op_get(); break;
		case 1: op_get_ptr(); break;
		case 2:
			FZ_CHECK(gomap_map_len(R.m) == model_len(), "len");
			FZ_CHECK(gomap_map_check(R.m) == 0, "check (frozen)");
			break;
		case 3: op_iter_next(); break;
		case 4: verify_map(R.m); break;
		default: op_clone(false); break;
		}
	}
	R.frozen = false;
	FZ_CHECK(gomap_map_unfreeze(R.m) == 0, "unfreeze");
	FZ_CHECK(!gomap_map_frozen(R.m), "frozen after unfreeze");
}

static void op_bad_input(void)
{
	fz_key key;
	fz_val val, out, untouched;
	fz_key_build(R.kind, 1, 0, &key);
	fz_val_build(R.vk, 1, 0, &val);
	memset(&out, 0xee, sizeof out);
	memset(&untouched, 0xee, sizeof untouched);
	gomap_map_t *o = NULL;
	FZ_CHECK(gomap_map_put(R.m, NULL, &val) == GOMAP_EINVAL, "put NULL key");
	FZ_CHECK(gomap_map_get(R.m, NULL, &out) == GOMAP_EINVAL, "get NULL key");
	FZ_CHECK(gomap_map_get_ptr(R.m, NULL) == NULL, "get_ptr NULL key");
	FZ_CHECK(gomap_map_delete(R.m, NULL) == GOMAP_EINVAL, "delete NULL");
	if (R.vsize)
		FZ_CHECK(gomap_map_put(R.m, &key, NULL) == GOMAP_EINVAL,
		         "put NULL value");
	FZ_CHECK(gomap_map_put(NULL, &key, &val) == GOMAP_EINVAL, "put NULL map");
	FZ_CHECK(gomap_map_get(NULL, &key, &out) == GOMAP_EINVAL, "get NULL map");
	FZ_CHECK(gomap_map_delete(NULL, &key) == GOMAP_EINVAL, "delete NULL map");
	FZ_CHECK(gomap_map_len(NULL) == 0, "len NULL map");
	FZ_CHECK(gomap_map_clear(NULL) == GOMAP_EINVAL, "clear NULL map");
	FZ_CHECK(gomap_map_clone(NULL, &o) == GOMAP_EINVAL, "clone NULL map");
	FZ_CHECK(gomap_map_shrink(NULL) == GOMAP_EINVAL, "shrink NULL map");
	FZ_CHECK(gomap_map_range(R.m, NULL, NULL) == GOMAP_EINVAL, "range NULL");
	FZ_CHECK(gomap_map_range(NULL, range_cb, NULL) == GOMAP_EINVAL,
	         "range NULL map");
	FZ_CHECK(gomap_map_freeze(NULL) == GOMAP_EINVAL, "freeze NULL");
	FZ_CHECK(gomap_map_unfreeze(NULL) == GOMAP_EINVAL, "unfreeze NULL");
	FZ_CHECK(gomap_map_stats_get(NULL, NULL) == GOMAP_EINVAL, "stats NULL");
	if (R.kind == FK_STR || R.kind == FK_STR_B) {
		const char *nul = NULL;
		FZ_CHECK(gomap_map_put(R.m, &nul, &val) == GOMAP_EINVAL,
		         "put NULL string");
		FZ_CHECK(gomap_map_get(R.m, &nul, &out) == GOMAP_EINVAL,
		         "get NULL string");
		FZ_CHECK(gomap_map_delete(R.m, &nul) == GOMAP_EINVAL,
		         "delete NULL string");
	}
	if (R.kind == FK_BYTES || R.kind == FK_BYTES_B) {
		gomap_bytes b = {NULL, 3};
		FZ_CHECK(gomap_map_put(R.m, &b, &val) == GOMAP_EINVAL,
		         "put NULL bytes");
		FZ_CHECK(gomap_map_get(R.m, &b, &out) == GOMAP_EINVAL,
		         "get NULL bytes");
		FZ_CHECK(gomap_map_delete(R.m, &b) == GOMAP_EINVAL,
		         "delete NULL bytes");
	}
	FZ_CHECK(memcmp(&out, &untouched, sizeof out) == 0,
	         "a refused get wrote its output");
	FZ_CHECK(gomap_map_len(R.m) == model_len(), "bad input changed len");
	fz_clobber();
}

/* ---- one program --------------------------------------------------------- */

static const size_t hints[8] = {0, 1, 8, 9, 100, 1000, (size_t)1 << 62,
                                SIZE_MAX};

static void run_ops(void)
{
	while (fz_more(&R.in) && !R.stop && R.work < MAXWORK) {
		uint8_t op = fz_u8(&R.in);
		fz_opno++;
		R.work++;
		switch (op % 22) {
		case 0:
		case 1: fz_opname = "put"; op_put(); break;
		case 2: fz_opname = "get"; op_get(); break;
		case 3: fz_opname = "get_ptr"; op_get_ptr(); break;
		case 4: fz_opname = "delete"; op_delete(); break;
		case 5: fz_opname = "stats"; check_structure(); break;
		case 6:
			fz_opname = "clear";
			if (op < 128)
				op_clear();
			break;
		case 7: fz_opname = "clone"; op_clone(true); break;
		case 8: fz_opname = "shrink"; op_shrink(); break;
		case 9: fz_opname = "freeze"; op_freeze(); break;
		case 10: fz_opname = "iter_start"; op_iter_start(); break;
		case 11:
		case 12: fz_opname = "iter_next"; op_iter_next(); break;
		case 13: fz_opname = "iter_stop"; op_iter_stop(); break;
		case 14: fz_opname = "range"; op_range(); break;
		case 15: fz_opname = "bulk_put"; op_bulk(true); break;
		case 16: fz_opname = "bulk_delete"; op_bulk(false); break;
		case 17: fz_opname = "put_from_map"; op_put_from_map(); break;
		case 18:
			fz_opname = "delete_from_iter";
			if (op < 128)
				op_delete_from_iter();
			else
				op_put_from_iter();
			break;
		case 19:
			fz_opname = "fail_control";
			if (R.hook)
				fz_fail_control(&R.in);
			break;
		case 20: fz_opname = "bad_input"; op_bad_input(); break;
		default:
			fz_opname = "verify";
			verify_map(R.m);
			verify_lookups();
			break;
		}
		if (fz_trace)
			fprintf(stderr, "op #%lu %s: len %zu\n", fz_opno,
			        fz_opname, model_len());
		FZ_CHECK(gomap_map_len(R.m) == model_len(), "len %zu, model %zu",
		         gomap_map_len(R.m), model_len());
		if (model_len() < 64 || fz_opno % 32 == 0)
			FZ_CHECK(gomap_map_check(R.m) == 0, "gomap_map_check");
	}
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
	gomap_map_options opt = {hints[hb & 7], R.hook ? &R.alloc : NULL};
	if (R.hook && (hb & 0x80))
		/* creation fails at that call */
		__atomic_store_n(&fz_as.countdown, (long)((hb >> 3) & 7),
		                 __ATOMIC_RELEASE);
	fz_mark();
	int rc = gomap_map_new_opts(&R.m, &R.kt, &R.vt, &opt);
	if (rc == GOMAP_ENOMEM && fz_failed()) {
		FZ_CHECK(fz_live_blocks() == 0, "failed creation leaked %ld blocks",
		         fz_live_blocks());
		return 0;
	}
	FZ_CHECK(rc == 0 && R.m, "gomap_map_new: rc %d (kind %s, hint %zu)",
	         rc, fz_kind_names[R.kind], opt.hint);
	fz_fail_disarm();
	if (fz_trace)
		fprintf(stderr, "keys %s, values %s, key dtor %d, value dtor %d, "
		        "hook %d, hash mode %u, hint %zu\n",
		        fz_kind_names[R.kind], fz_vkind_names[R.vk], R.kdtor,
		        R.vdtor, R.hook, fz_hash_mode, opt.hint);

	run_ops();

	fz_opname = "teardown";
	fz_fail_disarm();
	if (R.slot[RSLOT].live)
		R.slot[RSLOT].live = false;
	verify_map(R.m);
	verify_lookups();
	check_structure();
	stop_all_slots(true);
	model_clear_drops();
	gomap_map_free(R.m);
	fz_dtor_settled();
	if (R.hook) {
		FZ_CHECK(fz_live_blocks() == 0, "%ld blocks left after free",
		         fz_live_blocks());
		FZ_CHECK(fz_live_bytes() == 0, "%ld bytes left after free",
		         fz_live_bytes());
	}
	return 0;
}
