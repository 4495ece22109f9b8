/*
 * tests/map/keykinds.h - key spaces for the randomized and the iteration
 * tests: every key kind the plain map supports, each as a bijection between
 * small integer ids [0, n) and key objects, so a reference model can be a
 * plain array indexed by id and a key produced by iteration can be mapped
 * back to its id.
 *
 * Ids map to keys like this:
 *   U64      id * odd constant (decoded with its inverse mod 2^64)
 *   U32      id * odd constant mod 2^32
 *   STR      "<id>:" + a run of letters, 1..80 bytes; copied or borrowed
 *   BYTES    empty for id 0, else the id as 4 LE bytes + (id % 9) NULs
 *   F64      id 0 -> +0.0, id 1 -> -0.0 (the same key), else
 *            (odd id ? -1 : 1) * id / 4; NaN is outside the id space
 *   RAW24    struct {u64 id; u32 ~id; u32 id*7; u64 id^c}, 24 bytes
 *   BIG200   200 bytes of 0x5a ending in the id: stored indirectly, and
 *            keys differ only in their last bytes
 *   CUSTOM   16-byte RAW key with hash/equal callbacks; the hash collides
 *            for every 4 consecutive ids
 *   SET      u64 keys with 0-byte values
 * Values are u64 except for BIG200 (a 144-byte struct, stored indirectly)
 * and SET (none).
 */
#ifndef GOMAP_KEYKINDS_H
#define GOMAP_KEYKINDS_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gomap/map.h>

enum kk_kind {
	KK_U64,
	KK_U32,
	KK_STR,
	KK_STR_BORROWED,
	KK_BYTES,
	KK_BYTES_BORROWED,
	KK_F64,
	KK_RAW24,
	KK_BIG200,
	KK_CUSTOM,
	KK_SET,
	KK_COUNT
};

__attribute__((unused)) static const char *const kk_names[KK_COUNT] = {
    "u64",   "u32",   "str",    "str_borrowed", "bytes", "bytes_borrowed",
    "f64",   "raw24", "big200", "custom",       "set"};

#define KK_C64 0x9e3779b97f4a7c15ull
#define KK_C32 2654435761u
#define KK_OBJ_MAX 200

struct kk_raw24 {
	uint64_t a;
	uint32_t b, c;
	uint64_t d;
};

struct kk_bigval {
	uint64_t v;
	unsigned char pad[128];
	uint64_t v2;
};

typedef union kk_obj {
	uint64_t u64;
	uint32_t u32;
	double f64;
	const char *str;
	gomap_bytes bytes;
	struct kk_raw24 raw24;
	unsigned char big[KK_OBJ_MAX];
	uint64_t align_;
} kk_obj;

typedef union kk_val {
	uint64_t u64;
	struct kk_bigval big;
} kk_val;

/* A key space: kind, number of ids, and the storage string/byte keys need
 * (per id for borrowed kinds, which must stay alive while stored). */
typedef struct kk_space {
	enum kk_kind kind;
	size_t n;
	char **store;      /* borrowed kinds: one persistent key per id */
	char scratch[4][96]; /* copied kinds: rotating build buffers */
	unsigned next_scratch;
} kk_space;

static inline uint64_t kk_inv64(uint64_t a)
{
	uint64_t x = a; /* Newton: each step doubles the correct low bits */
	for (int i = 0; i < 6; i++)
		x *= 2 - a * x;
	return x;
}

static inline size_t kk_str_build(char *buf, uint64_t id)
{
	int w = snprintf(buf, 32, "%llu:", (unsigned long long)id);
	size_t run = (size_t)((id * 7) % 60);
	memset(buf + w, 'a' + (int)(id % 26), run);
	buf[(size_t)w + run] = '\0';
	return (size_t)w + run;
}

static inline size_t kk_bytes_build(char *buf, uint64_t id)
{
	if (id == 0)
		return 0;
	uint32_t x = (uint32_t)id;
	buf[0] = (char)(x & 0xff);
	buf[1] = (char)((x >> 8) & 0xff);
	buf[2] = (char)((x >> 16) & 0xff);
	buf[3] = (char)(x >> 24);
	size_t extra = (size_t)(id % 9);
	memset(buf + 4, 0, extra);
	return 4 + extra;
}

static inline uint64_t kk_custom_hash(const void *obj, uint64_t seed)
{
	uint64_t id;
	memcpy(&id, obj, sizeof id);
	uint64_t h = ((id / 4) ^ seed) * 0xff51afd7ed558ccdull;
	return h ^ (h >> 29);
}

static inline bool kk_custom_equal(const void *a, const void *b)
{
	return memcmp(a, b, 16) == 0;
}

static inline void kk_space_init(kk_space *s, enum kk_kind kind, size_t n)
{
	memset(s, 0, sizeof *s);
	s->kind = kind;
	s->n = n;
	if (kind == KK_STR_BORROWED || kind == KK_BYTES_BORROWED) {
		s->store = calloc(n, sizeof *s->store);
		for (size_t i = 0; i < n; i++) {
			s->store[i] = malloc(96);
			if (kind == KK_STR_BORROWED)
				kk_str_build(s->store[i], i);
			else
				kk_bytes_build(s->store[i], i);
		}
	}
}

static inline void kk_space_fini(kk_space *s)
{
	if (s->store) {
		for (size_t i = 0; i < s->n; i++)
			free(s->store[i]);
		free(s->store);
	}
	s->store = NULL;
}

/* Descriptors for a kind (without destructors). */
static inline gomap_type kk_key_type(enum kk_kind kind)
{
	gomap_type raw = {0, GOMAP_KIND_RAW, 0u, NULL, NULL, NULL, NULL};
	switch (kind) {
	case KK_U64:
	case KK_SET:
		return gomap_type_u64;
	case KK_U32:
		return gomap_type_u32;
	case KK_STR:
		return gomap_type_str;
	case KK_STR_BORROWED:
		return gomap_type_str_borrowed;
	case KK_BYTES:
		return gomap_type_bytes;
	case KK_BYTES_BORROWED:
		return gomap_type_bytes_borrowed;
	case KK_F64:
		return gomap_type_f64;
	case KK_RAW24:
		raw.size = sizeof(struct kk_raw24);
		return raw;
	case KK_BIG200:
		raw.size = 200;
		return raw;
	case KK_CUSTOM:
		raw.size = 16;
		raw.hash = kk_custom_hash;
		raw.equal = kk_custom_equal;
		return raw;
	default:
		return raw;
	}
}

static inline size_t kk_val_size(enum kk_kind kind)
{
	return kind == KK_SET ? 0
	       : kind == KK_BIG200 ? sizeof(struct kk_bigval)
	                           : sizeof(uint64_t);
}

static inline gomap_type kk_val_type(enum kk_kind kind)
{
	gomap_type t = {kk_val_size(kind), GOMAP_KIND_RAW, 0u, NULL, NULL, NULL,
	                NULL};
	return t;
}

/* Whether a key destructor has an unambiguous meaning for the kind (copied
 * strings/bytes are owned by the map; f64 keys get updated in place). */
static inline bool kk_key_dtor_ok(enum kk_kind kind)
{
	return kind != KK_STR && kind != KK_BYTES && kind != KK_F64;
}

/* The id a key is stored under in the model: both zeros are id 0. */
static inline uint64_t kk_canon(const kk_space *s, uint64_t id)
{
	return (s->kind == KK_F64 && id == 1) ? 0 : id;
}

/* Build the key object for @id into @o. For copied string/byte kinds the
 * bytes live in a rotating scratch buffer, valid for the next 3 builds. */
static inline void kk_make(kk_space *s, uint64_t id, kk_obj *o)
{
	memset(o, 0, sizeof *o);
	switch (s->kind) {
	case KK_U64:
	case KK_SET:
		o->u64 = id * KK_C64;
		break;
	case KK_U32:
		o->u32 = (uint32_t)id * KK_C32;
		break;
	case KK_STR: {
		char *b = s->scratch[s->next_scratch++ & 3];
		kk_str_build(b, id);
		o->str = b;
		break;
	}
	case KK_STR_BORROWED:
		o->str = s->store[id];
		break;
	case KK_BYTES: {
		char *b = s->scratch[s->next_scratch++ & 3];
		o->bytes.len = kk_bytes_build(b, id);
		o->bytes.ptr = b;
		break;
	}
	case KK_BYTES_BORROWED: {
		char tmp[96];
		o->bytes.len = kk_bytes_build(tmp, id);
		o->bytes.ptr = s->store[id];
		break;
	}
	case KK_F64:
		if (id == 0)
			o->f64 = 0.0;
		else if (id == 1)
			o->f64 = -0.0;
		else
			o->f64 = (id & 1 ? -1.0 : 1.0) * (double)id / 4.0;
		break;
	case KK_RAW24:
		o->raw24.a = id;
		o->raw24.b = ~(uint32_t)id;
		o->raw24.c = (uint32_t)id * 7;
		o->raw24.d = id ^ 0x0123456789abcdefull;
		break;
	case KK_BIG200:
		memset(o->big, 0x5a, 200);
		memcpy(o->big + 192, &id, 8);
		break;
	case KK_CUSTOM:
		memcpy(o->big, &id, 8);
		memset(o->big + 8, 0x33, 8);
		break;
	default:
		break;
	}
}

/*
 * kk_decode - the canonical id of a key object produced by the map, or -1
 * for NaN, or -2 for a key that no id builds (a corrupted key). @neg_zero
 * (may be NULL) reports the sign of an f64 zero key.
 */
static inline int64_t kk_decode(const kk_space *s, const void *key, bool *neg_zero)
{
	uint64_t id;
	kk_obj want;
	kk_space tmp;
	switch (s->kind) {
	case KK_U64:
	case KK_SET: {
		uint64_t k;
		memcpy(&k, key, 8);
		id = k * kk_inv64(KK_C64);
		break;
	}
	case KK_U32: {
		uint32_t k;
		memcpy(&k, key, 4);
		id = (uint32_t)(k * (uint32_t)kk_inv64(KK_C32));
		break;
	}
	case KK_STR:
	case KK_STR_BORROWED: {
		const char *k = *(const char *const *)key;
		if (!k)
			return -2;
		char *end;
		id = strtoull(k, &end, 10);
		if (*end != ':')
			return -2;
		break;
	}
	case KK_BYTES:
	case KK_BYTES_BORROWED: {
		const gomap_bytes *b = key;
		if (b->len == 0) {
			id = 0;
			break;
		}
		if (b->len < 4)
			return -2;
		const unsigned char *p = b->ptr;
		id = (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 |
		     (uint64_t)p[3] << 24;
		break;
	}
	case KK_F64: {
		double d;
		memcpy(&d, key, 8);
		if (isnan(d))
			return -1;
		if (d == 0.0) {
			if (neg_zero)
				*neg_zero = signbit(d) != 0;
			return 0;
		}
		id = (uint64_t)llround(fabs(d) * 4.0);
		break;
	}
	case KK_RAW24:
		memcpy(&id, key, 8);
		break;
	case KK_BIG200:
		memcpy(&id, (const unsigned char *)key + 192, 8);
		break;
	case KK_CUSTOM:
		memcpy(&id, key, 8);
		break;
	default:
		return -2;
	}
	if (id >= s->n)
		return -2;
	/* the whole object must be exactly the key the id builds */
	tmp.kind = s->kind;
	tmp.n = s->n;
	tmp.store = s->store;
	tmp.next_scratch = 0;
	kk_make(&tmp, id, &want);
	switch (s->kind) {
	case KK_STR:
	case KK_STR_BORROWED:
		if (strcmp(*(const char *const *)key, want.str) != 0)
			return -2;
		if (s->kind == KK_STR_BORROWED &&
		    *(const char *const *)key != s->store[id])
			return -2; /* borrowed: the very pointer we gave */
		break;
	case KK_BYTES:
	case KK_BYTES_BORROWED: {
		const gomap_bytes *b = key;
		if (b->len != want.bytes.len ||
		    (b->len && memcmp(b->ptr, want.bytes.ptr, b->len) != 0))
			return -2;
		if (s->kind == KK_BYTES_BORROWED && b->ptr != s->store[id])
			return -2;
		break;
	}
	case KK_F64: {
		double d;
		memcpy(&d, key, 8);
		if (d != want.f64)
			return -2;
		break;
	}
	default: {
		gomap_type kt = kk_key_type(s->kind);
		if (memcmp(key, &want, kt.size) != 0)
			return -2;
		break;
	}
	}
	return (int64_t)id;
}

/* Value objects: a u64 (or a big struct derived from it). */
static inline void kk_make_val(enum kk_kind kind, uint64_t v, kk_val *o)
{
	if (kind == KK_BIG200) {
		o->big.v = v;
		memset(o->big.pad, (int)(v & 0xff), sizeof o->big.pad);
		o->big.v2 = ~v;
	} else {
		o->u64 = v;
	}
}

/* The u64 a stored value encodes; false if the object is inconsistent. */
static inline bool kk_read_val(enum kk_kind kind, const void *p, uint64_t *v)
{
	if (kind == KK_SET) {
		*v = 0;
		return true;
	}
	if (kind == KK_BIG200) {
		struct kk_bigval b;
		memcpy(&b, p, sizeof b);
		*v = b.v;
		if (b.v2 != ~b.v)
			return false;
		for (size_t i = 0; i < sizeof b.pad; i++)
			if (b.pad[i] != (unsigned char)(b.v & 0xff))
				return false;
		return true;
	}
	memcpy(v, p, 8);
	return true;
}

#endif /* GOMAP_KEYKINDS_H */
