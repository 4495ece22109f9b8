/*
 * tests/fuzz/fuzz_model.h - what the fuzz targets and the safe maps'
 * differential test (tests/cmap) share: the input reader,
 * the key and value universes (every key kind, built from a small id and a
 * "variant" that gives equal keys different bytes), destructor accounting,
 * a counting allocator that can fail on demand, and the check macro.
 * fuzz_replay.h adds the replay driver.
 *
 * Keys: an id in [0, FZ_NK) names one equality class; the variant picks its
 * representation where a kind has several (f64 +0/-0, the tag bytes a
 * custom equal ignores, which of two buffers a borrowed string points to).
 * Every key object a map hands back decodes to exactly one (id, variant),
 * or the check fails: a key that no id builds is a corrupted key. NaN f64
 * keys are outside the id space; their payload carries a unique number so
 * that each NaN entry can be told apart.
 *
 * Values carry a small logical value v (0..7, so that compare-and-swap hits
 * often) and, for the kinds that can, a serial unique to each value object
 * ever built: destruction is accounted per serial (destroyed exactly once,
 * only after the map dropped it, never when it was moved out to the caller).
 *
 * Every check failure prints what failed and aborts, which libFuzzer
 * records as a crash and CTest as a failed test.
 */
#ifndef GOMAP_FUZZ_MODEL_H
#define GOMAP_FUZZ_MODEL_H

#include <stdarg.h>
#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gomap/common.h>

/* Each includer uses a part of what follows. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wunused-variable"

/* ---- checks -------------------------------------------------------------- */

#ifndef FZ_TARGET
#define FZ_TARGET "fuzz"
#endif
static const char *fz_target = FZ_TARGET;
static bool fz_trace; /* FZ_TRACE=1 in the environment: print each op */
static const char *fz_opname = "setup";
static unsigned long fz_opno;

__attribute__((noreturn, format(printf, 4, 5))) static void
fz_fail(const char *file, int line, const char *cond, const char *fmt, ...)
{
	char msg[512] = "";
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s: CHECK FAILED at %s:%d (op #%lu %s): %s: %s\n",
	        fz_target, file, line, fz_opno, fz_opname, cond, msg);
	fflush(stderr);
	abort();
}

#define FZ_CHECK(cond, ...)                                                    \
	do {                                                                   \
		if (!(cond))                                                   \
			fz_fail(__FILE__, __LINE__, #cond, __VA_ARGS__);       \
	} while (0)

/* ---- input --------------------------------------------------------------- */

typedef struct fz_in {
	const uint8_t *p;
	size_t n, i;
} fz_in;

static inline uint8_t fz_u8(fz_in *in)
{
	return in->i < in->n ? in->p[in->i++] : 0;
}

static inline bool fz_more(const fz_in *in)
{
	return in->i < in->n;
}

/* ---- key universe -------------------------------------------------------- */

#define FZ_NK 1024u
#define FZ_STRMAX 1000u

enum fz_kind {
	FK_U64,
	FK_U32,
	FK_PTR,
	FK_F64,
	FK_STR,      /* copied by the map */
	FK_STR_B,    /* borrowed: two persistent buffers per id */
	FK_BYTES,    /* copied, may hold NULs */
	FK_BYTES_B,  /* borrowed */
	FK_RAW24,    /* bytewise */
	FK_CUSTOM16, /* custom hash/equal on the id; 8 tag bytes ignored */
	FK_BIG200,   /* bytewise, stored indirectly */
	FK_BIGC200,  /* stored indirectly, custom equal ignoring 8 tag bytes */
	FK_COUNT
};

static const char *const fz_kind_names[FK_COUNT] = {
    "u64",   "u32",      "ptr",    "f64",    "str",     "str_borrowed",
    "bytes", "bytes_b",  "raw24",  "custom16", "big200", "bigc200"};

typedef union fz_key {
	uint64_t u64;
	uint32_t u32;
	const void *ptr;
	double f64;
	const char *str;
	gomap_bytes bytes;
	unsigned char raw[200];
} fz_key;

struct fz_raw24 {
	uint64_t a;
	uint32_t b, c;
	uint64_t d;
};

#define FZ_C64 0x9e3779b97f4a7c15ull
#define FZ_C32 2654435761u

static char *fz_strbuf[2][FZ_NK];   /* STR: two copies of each id's text */
static char *fz_bytbuf[2][FZ_NK];   /* BYTES: the same with NULs */
static uint16_t fz_strlen_[FZ_NK];
static uint16_t fz_bytlen_[FZ_NK];
static char fz_anchor[FZ_NK];       /* PTR keys: &fz_anchor[id] */
static char *fz_scratch[4];         /* copied kinds: the caller's buffer */
static unsigned fz_scratch_next;
static bool fz_universe_ready;

static const uint16_t fz_lens[] = {0,   1,   2,   3,   4,   5,   7,   8,
                                   9,   12,  15,  16,  17,  24,  31,  32,
                                   33,  48,  63,  64,  65,  100, 127, 128,
                                   129, 200, 255, 256, 257, 511, 512, 999,
                                   1000};

/* Text of id: a filler shared by every id of that length, then the id in
 * decimal (so keys of one length differ only in their last bytes). The
 * filler never holds a digit; id 0 is the empty string. */
static size_t fz_text(char *buf, unsigned id, bool with_nuls)
{
	if (id == 0)
		return 0;
	char dig[8];
	int nd = snprintf(dig, sizeof dig, "%u", id);
	size_t len = fz_lens[(id * 7u) % (sizeof fz_lens / sizeof fz_lens[0])];
	if (len < (size_t)nd)
		len = (size_t)nd;
	size_t fill = len - (size_t)nd;
	for (size_t i = 0; i < fill; i++)
		buf[i] = (with_nuls && i % 4 == 0) ? '\0' : (char)('a' + i % 26);
	memcpy(buf + fill, dig, (size_t)nd);
	return len;
}

static void fz_universe_init(void)
{
	if (fz_universe_ready)
		return;
	fz_trace = getenv("FZ_TRACE") && *getenv("FZ_TRACE") == '1';
	char tmp[FZ_STRMAX + 1];
	for (unsigned id = 0; id < FZ_NK; id++) {
		size_t n = fz_text(tmp, id, false);
		fz_strlen_[id] = (uint16_t)n;
		for (int c = 0; c < 2; c++) {
			fz_strbuf[c][id] = malloc(n + 1);
			memcpy(fz_strbuf[c][id], tmp, n);
			fz_strbuf[c][id][n] = '\0';
		}
		n = fz_text(tmp, id, true);
		fz_bytlen_[id] = (uint16_t)n;
		for (int c = 0; c < 2; c++) {
			fz_bytbuf[c][id] = malloc(n + 1);
			memcpy(fz_bytbuf[c][id], tmp, n);
			fz_bytbuf[c][id][n] = '\0';
		}
	}
	for (int i = 0; i < 4; i++)
		fz_scratch[i] = malloc(FZ_STRMAX + 1);
	fz_universe_ready = true;
}

static inline bool fz_kind_has_variant(int kind)
{
	return kind == FK_F64 || kind == FK_STR_B || kind == FK_BYTES_B ||
	       kind == FK_CUSTOM16 || kind == FK_BIGC200;
}

/* Keys whose equal is not bytewise identity and that Go updates on
 * overwrite (the stored key becomes the new key's bytes). */
static inline bool fz_kind_key_update(int kind)
{
	return kind == FK_F64 || kind == FK_CUSTOM16 || kind == FK_BIGC200;
}

/* Borrowed kinds keep the first pointer on overwrite (docs/semantics.md). */
static inline bool fz_kind_borrowed(int kind)
{
	return kind == FK_STR_B || kind == FK_BYTES_B;
}

/* A key destructor has one meaning only where the key's bytes are the key
 * (copied strings are the map's own; updated keys change bytes). */
static inline bool fz_kind_key_dtor_ok(int kind)
{
	return kind == FK_U64 || kind == FK_U32 || kind == FK_PTR ||
	       kind == FK_RAW24 || kind == FK_BIG200;
}

/* The inverse of an odd number mod 2^64 (Newton: each step doubles the
 * correct low bits), to decode multiplied ids. */
static inline uint64_t fz_inv64(uint64_t a)
{
	uint64_t x = a;
	for (int i = 0; i < 6; i++)
		x *= 2 - a * x;
	return x;
}

static inline uint64_t fz_mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	return x ^ (x >> 33);
}

/* Hash modes of the custom kinds: 0 good, 1 groups of 8 ids collide,
 * 2 every key collides, 3 ignores the seed. */
static unsigned fz_hash_mode;

static uint64_t fz_hash_id(uint64_t id, uint64_t seed)
{
	switch (fz_hash_mode & 3) {
	case 1: return fz_mix((id >> 3) ^ seed);
	case 2: return fz_mix(seed ^ 0x5555);
	case 3: return fz_mix(id + 17);
	default: return fz_mix(id ^ seed);
	}
}

static uint64_t fz_custom16_hash(const void *obj, uint64_t seed)
{
	uint64_t id;
	memcpy(&id, obj, 8);
	return fz_hash_id(id, seed);
}

static bool fz_custom16_equal(const void *a, const void *b)
{
	return memcmp(a, b, 8) == 0;
}

static uint64_t fz_bigc_hash(const void *obj, uint64_t seed)
{
	uint64_t id;
	memcpy(&id, (const unsigned char *)obj + 192, 8);
	return fz_hash_id(id, seed);
}

static bool fz_bigc_equal(const void *a, const void *b)
{
	return memcmp((const unsigned char *)a + 8, (const unsigned char *)b + 8,
	              192) == 0;
}

static double fz_f64_of(unsigned id, unsigned var)
{
	switch (id) {
	case 0: return var & 1 ? -0.0 : 0.0;
	case 1: return INFINITY;
	case 2: return -INFINITY;
	case 3: return 4.9406564584124654e-324;
	case 4: return -4.9406564584124654e-324;
	case 5: return DBL_MAX;
	case 6: return -DBL_MAX;
	case 7: return 1.0;
	default: return (id & 1 ? -0.25 : 0.25) * (double)id;
	}
}

static double fz_nan_of(uint64_t uid, unsigned sign)
{
	uint64_t bits = 0x7ff8000000000000ull | (uid & 0x7ffffffffffffull) |
	                ((uint64_t)(sign & 1) << 63);
	double d;
	memcpy(&d, &bits, 8);
	return d;
}

/* Build key (id, var) into *k. Copied strings go through a rotating
 * scratch buffer (the caller's memory), which fz_clobber later spoils so
 * that a map keeping the caller's pointer is caught. */
static void fz_key_build(int kind, unsigned id, unsigned var, fz_key *k)
{
	memset(k, 0, sizeof *k);
	switch (kind) {
	case FK_U64:
		k->u64 = (uint64_t)id * FZ_C64;
		break;
	case FK_U32:
		k->u32 = (uint32_t)id * FZ_C32;
		break;
	case FK_PTR:
		k->ptr = &fz_anchor[id];
		break;
	case FK_F64:
		k->f64 = fz_f64_of(id, var);
		break;
	case FK_STR: {
		char *b = fz_scratch[fz_scratch_next++ & 3];
		memcpy(b, fz_strbuf[0][id], fz_strlen_[id] + 1u);
		k->str = b;
		break;
	}
	case FK_STR_B:
		k->str = fz_strbuf[var & 1][id];
		break;
	case FK_BYTES: {
		char *b = fz_scratch[fz_scratch_next++ & 3];
		memcpy(b, fz_bytbuf[0][id], fz_bytlen_[id] + 1u);
		k->bytes.ptr = b;
		k->bytes.len = fz_bytlen_[id];
		break;
	}
	case FK_BYTES_B:
		k->bytes.len = fz_bytlen_[id];
		/* the empty key's second copy is {NULL, 0}: valid too */
		k->bytes.ptr = (id == 0 && (var & 1)) ? NULL
		                                      : fz_bytbuf[var & 1][id];
		break;
	case FK_RAW24: {
		struct fz_raw24 r = {id, ~(uint32_t)id, (uint32_t)id * 7u,
		                     id ^ 0x0123456789abcdefull};
		memcpy(k->raw, &r, sizeof r);
		break;
	}
	case FK_CUSTOM16: {
		uint64_t id64 = id, tag = (var & 0xff) * 0x0101010101010101ull;
		memcpy(k->raw, &id64, 8);
		memcpy(k->raw + 8, &tag, 8);
		break;
	}
	case FK_BIG200: {
		uint64_t id64 = id;
		memset(k->raw, 0x5a, 200);
		memcpy(k->raw + 192, &id64, 8);
		break;
	}
	case FK_BIGC200: {
		uint64_t id64 = id;
		memset(k->raw, 0xa5, 200);
		memset(k->raw, (int)(var & 0xff), 8);
		memcpy(k->raw + 192, &id64, 8);
		break;
	}
	}
}

/* Spoil the caller's buffers of copied keys: the map must not keep them. */
static void fz_clobber(void)
{
	for (int i = 0; i < 4; i++) {
		memset(fz_scratch[i], '#', FZ_STRMAX);
		fz_scratch[i][FZ_STRMAX] = '\0';
	}
}

static void fz_key_nan(uint64_t uid, unsigned sign, fz_key *k)
{
	memset(k, 0, sizeof *k);
	k->f64 = fz_nan_of(uid, sign);
}

enum { FZ_DEC_OK, FZ_DEC_NAN, FZ_DEC_BAD };

/* Decode a key object handed back by a map: FZ_DEC_OK with *id and *var,
 * FZ_DEC_NAN with *uid, or FZ_DEC_BAD (no (id, var) builds these bytes). */
static int fz_key_decode(int kind, const void *key, unsigned *id,
                         unsigned *var, uint64_t *uid)
{
	uint64_t x = 0;
	*var = 0;
	switch (kind) {
	case FK_U64:
		memcpy(&x, key, 8);
		x *= fz_inv64(FZ_C64);
		break;
	case FK_U32: {
		uint32_t k;
		memcpy(&k, key, 4);
		x = (uint32_t)(k * (uint32_t)fz_inv64(FZ_C32));
		break;
	}
	case FK_PTR: {
		const char *p;
		memcpy(&p, key, sizeof p);
		if (p < fz_anchor || p >= fz_anchor + FZ_NK)
			return FZ_DEC_BAD;
		x = (uint64_t)(p - fz_anchor);
		break;
	}
	case FK_F64: {
		double d;
		memcpy(&d, key, 8);
		if (isnan(d)) {
			uint64_t bits;
			memcpy(&bits, &d, 8);
			*uid = bits & 0x7ffffffffffffull;
			if ((bits & 0x7ff8000000000000ull) != 0x7ff8000000000000ull)
				return FZ_DEC_BAD;
			return FZ_DEC_NAN;
		}
		if (d == 0.0) {
			*id = 0;
			*var = signbit(d) ? 1 : 0;
			return FZ_DEC_OK;
		}
		for (unsigned s = 1; s < 8; s++)
			if (memcmp(&d, &(double){fz_f64_of(s, 0)}, 8) == 0) {
				*id = s;
				return FZ_DEC_OK;
			}
		double a = fabs(d) * 4.0;
		if (a >= FZ_NK)
			return FZ_DEC_BAD;
		x = (uint64_t)llround(a);
		break;
	}
	case FK_STR:
	case FK_STR_B:
	case FK_BYTES:
	case FK_BYTES_B: {
		bool str = kind == FK_STR || kind == FK_STR_B;
		const char *p;
		size_t len;
		if (str) {
			memcpy(&p, key, sizeof p);
			if (!p)
				return FZ_DEC_BAD;
			len = strlen(p);
		} else {
			gomap_bytes b;
			memcpy(&b, key, sizeof b);
			p = b.ptr;
			len = b.len;
			if (len && !p)
				return FZ_DEC_BAD;
		}
		if (len == 0) {
			x = 0;
		} else {
			size_t e = len;
			while (e > 0 && p[e - 1] >= '0' && p[e - 1] <= '9')
				e--;
			if (e == len || len - e > 4)
				return FZ_DEC_BAD;
			for (size_t i = e; i < len; i++)
				x = x * 10 + (uint64_t)(p[i] - '0');
			if (x == 0 || x >= FZ_NK)
				return FZ_DEC_BAD;
			size_t want = str ? fz_strlen_[x] : fz_bytlen_[x];
			const char *ref = str ? fz_strbuf[0][x] : fz_bytbuf[0][x];
			if (len != want || memcmp(p, ref, len) != 0)
				return FZ_DEC_BAD;
		}
		if (kind == FK_STR_B) {
			if (p == fz_strbuf[0][x])
				*var = 0;
			else if (p == fz_strbuf[1][x])
				*var = 1;
			else
				return FZ_DEC_BAD; /* not the caller's pointer */
		} else if (kind == FK_BYTES_B) {
			if (p == fz_bytbuf[0][x])
				*var = 0;
			else if (p == fz_bytbuf[1][x] || (x == 0 && !p))
				*var = 1;
			else
				return FZ_DEC_BAD;
		} else if (len) {
			/* copied: the map's own memory, never the caller's */
			for (int i = 0; i < 4; i++)
				if (p == fz_scratch[i])
					return FZ_DEC_BAD;
		}
		*id = (unsigned)x;
		return FZ_DEC_OK;
	}
	case FK_RAW24:
		memcpy(&x, key, 8);
		break;
	case FK_CUSTOM16: {
		memcpy(&x, key, 8);
		*var = ((const unsigned char *)key)[8];
		break;
	}
	case FK_BIG200:
		memcpy(&x, (const unsigned char *)key + 192, 8);
		break;
	case FK_BIGC200:
		memcpy(&x, (const unsigned char *)key + 192, 8);
		*var = ((const unsigned char *)key)[0];
		break;
	default:
		return FZ_DEC_BAD;
	}
	if (x >= FZ_NK)
		return FZ_DEC_BAD;
	fz_key want;
	fz_key_build(kind, (unsigned)x, *var, &want);
	size_t sz = kind == FK_U32 ? 4 : kind == FK_RAW24 ? 24
	          : kind == FK_CUSTOM16 ? 16 : kind >= FK_BIG200 ? 200 : 8;
	if (memcmp(key, &want, sz) != 0)
		return FZ_DEC_BAD;
	*id = (unsigned)x;
	return FZ_DEC_OK;
}

/* ---- destructors ------------------------------------------------------------
 * Values: state per serial. The model marks a value DROP before the call
 * that drops it (undone if the call fails); the destructor, on whatever
 * thread it runs (sync's call_rcu thread), must find DROP and makes it
 * DEAD. Keys (kinds where bytes are identity): per id, destroys never
 * exceed the drops the model counted. Totals are compared when the map must
 * have settled (after each call; for sync after gomap_sync_barrier).
 */
#define FZ_MAXSERIAL 65536u
enum { VS_NONE, VS_MAP, VS_DROP, VS_DEAD, VS_OUT };
static unsigned char fz_vstate[FZ_MAXSERIAL];
static uint32_t fz_serial_next = 1; /* 0: a value kind without serials */
static long fz_v_expected, fz_v_destroyed;
static long fz_kexp[FZ_NK], fz_kdone[FZ_NK];
static long fz_k_expected, fz_k_destroyed;

static void fz_dtor_reset(void)
{
	memset(fz_vstate, 0, fz_serial_next);
	fz_serial_next = 1;
	fz_v_expected = fz_v_destroyed = 0;
	memset(fz_kexp, 0, sizeof fz_kexp);
	memset(fz_kdone, 0, sizeof fz_kdone);
	fz_k_expected = fz_k_destroyed = 0;
}

static inline unsigned char fz_vs_get(uint32_t s)
{
	return __atomic_load_n(&fz_vstate[s], __ATOMIC_ACQUIRE);
}

static inline void fz_vs_set(uint32_t s, unsigned char v)
{
	__atomic_store_n(&fz_vstate[s], v, __ATOMIC_RELEASE);
}

/* ---- values -------------------------------------------------------------- */

enum fz_vkind { FV_16, FV_8, FV_SET, FV_BIG, FV_F64, FV_COUNT };
static const char *const fz_vkind_names[FV_COUNT] = {"v16", "v8", "set",
                                                     "big200", "f64"};

typedef union fz_val {
	struct {
		uint64_t v, serial;
	} s;
	uint64_t u64;
	double f64;
	unsigned char raw[200];
} fz_val;

static const double fz_f64_vals[8] = {0.0, -0.0, 1.0, -1.0,
                                      NAN, 2.5, INFINITY, 1e300};

static inline size_t fz_val_size(int vk)
{
	return vk == FV_16 ? 16 : vk == FV_8 || vk == FV_F64 ? 8
	     : vk == FV_BIG ? 200 : 0;
}

static inline bool fz_val_has_serial(int vk)
{
	return vk == FV_16 || vk == FV_BIG;
}

static void fz_val_build(int vk, unsigned v, uint32_t serial, fz_val *o)
{
	memset(o, 0, sizeof *o);
	switch (vk) {
	case FV_16:
		o->s.v = v;
		o->s.serial = serial;
		break;
	case FV_8:
		o->u64 = v * 0x0001000100010001ull;
		break;
	case FV_F64:
		o->f64 = fz_f64_vals[v & 7];
		break;
	case FV_BIG:
		o->s.v = v;
		o->s.serial = serial;
		for (int i = 16; i < 200; i++)
			o->raw[i] = (unsigned char)(v * 31u + serial * 7u + (unsigned)i);
		break;
	default:
		break;
	}
}

/* Custom value equal (flag of the run): compares v only. */
static bool fz_val_equal_v(const void *a, const void *b)
{
	return memcmp(a, b, 8) == 0;
}

/* Would the map's value equal call @cur and @old equal? */
static inline bool fz_val_match(int vk, bool custom, unsigned cv, uint32_t cs,
                         unsigned ov, uint32_t os)
{
	switch (vk) {
	case FV_16:
	case FV_BIG:
		return custom ? cv == ov : (cv == ov && cs == os);
	case FV_8:
		return cv == ov;
	case FV_F64:
		return fz_f64_vals[cv & 7] == fz_f64_vals[ov & 7];
	default:
		return true; /* a set: every value equals every other */
	}
}

static void fz_vdestroy(void *obj, void *ctx)
{
	(void)ctx;
	fz_val v;
	memcpy(&v, obj, 16);
	FZ_CHECK(v.s.serial > 0 && v.s.serial < FZ_MAXSERIAL,
	         "destroyed value has serial %llu",
	         (unsigned long long)v.s.serial);
	uint32_t s = (uint32_t)v.s.serial;
	unsigned char st = fz_vs_get(s);
	FZ_CHECK(st == VS_DROP,
	         "value serial %u destroyed in state %d (1 in map, 3 "
	         "destroyed, 4 moved out)",
	         s, st);
	fz_vs_set(s, VS_DEAD);
	__atomic_add_fetch(&fz_v_destroyed, 1, __ATOMIC_ACQ_REL);
}

static void fz_vdestroy_big(void *obj, void *ctx)
{
	fz_val want, got;
	memcpy(&got, obj, 200);
	fz_val_build(FV_BIG, (unsigned)got.s.v, (uint32_t)got.s.serial, &want);
	FZ_CHECK(memcmp(&want, &got, 200) == 0, "destroyed big value corrupt");
	fz_vdestroy(obj, ctx);
}

static int fz_dtor_kind; /* the key kind whose keys fz_kdestroy decodes */

static void fz_kdestroy(void *obj, void *ctx)
{
	(void)ctx;
	unsigned id, var;
	uint64_t uid;
	int d = fz_key_decode(fz_dtor_kind, obj, &id, &var, &uid);
	FZ_CHECK(d == FZ_DEC_OK, "destroyed key does not decode");
	long done = __atomic_load_n(&fz_kdone[id], __ATOMIC_ACQUIRE);
	long exp = __atomic_load_n(&fz_kexp[id], __ATOMIC_ACQUIRE);
	FZ_CHECK(done < exp, "key id %u destroyed %ld times, dropped %ld", id,
	         done + 1, exp);
	__atomic_add_fetch(&fz_kdone[id], 1, __ATOMIC_ACQ_REL);
	__atomic_add_fetch(&fz_k_destroyed, 1, __ATOMIC_ACQ_REL);
}

static void fz_key_dropped(unsigned id)
{
	__atomic_add_fetch(&fz_kexp[id], 1, __ATOMIC_ACQ_REL);
	fz_k_expected++;
}

static inline void fz_key_undropped(unsigned id)
{
	__atomic_sub_fetch(&fz_kexp[id], 1, __ATOMIC_ACQ_REL);
	fz_k_expected--;
}

static void fz_dtor_settled(void)
{
	long vd = __atomic_load_n(&fz_v_destroyed, __ATOMIC_ACQUIRE);
	long kd = __atomic_load_n(&fz_k_destroyed, __ATOMIC_ACQUIRE);
	FZ_CHECK(vd == fz_v_expected, "values destroyed %ld, dropped %ld", vd,
	         fz_v_expected);
	FZ_CHECK(kd == fz_k_expected, "keys destroyed %ld, dropped %ld", kd,
	         fz_k_expected);
}

/* Descriptors of a run. */
static gomap_type fz_key_type(int kind, bool dtor)
{
	gomap_type t = {0, GOMAP_KIND_RAW, 0u, NULL, NULL, NULL, NULL};
	switch (kind) {
	case FK_U64: t = gomap_type_u64; break;
	case FK_U32: t = gomap_type_u32; break;
	case FK_PTR: t = gomap_type_ptr; break;
	case FK_F64: t = gomap_type_f64; break;
	case FK_STR: t = gomap_type_str; break;
	case FK_STR_B: t = gomap_type_str_borrowed; break;
	case FK_BYTES: t = gomap_type_bytes; break;
	case FK_BYTES_B: t = gomap_type_bytes_borrowed; break;
	case FK_RAW24: t.size = 24; break;
	case FK_CUSTOM16:
		t.size = 16;
		t.hash = fz_custom16_hash;
		t.equal = fz_custom16_equal;
		break;
	case FK_BIG200: t.size = 200; break;
	case FK_BIGC200:
		t.size = 200;
		t.hash = fz_bigc_hash;
		t.equal = fz_bigc_equal;
		break;
	}
	if (dtor && fz_kind_key_dtor_ok(kind)) {
		t.destroy = fz_kdestroy;
		fz_dtor_kind = kind;
	}
	return t;
}

static gomap_type fz_val_type(int vk, bool dtor, bool custom_eq)
{
	gomap_type t = {fz_val_size(vk), GOMAP_KIND_RAW, 0u, NULL, NULL, NULL,
	                NULL};
	if (vk == FV_F64)
		t = gomap_type_f64;
	if (custom_eq && (vk == FV_16 || vk == FV_BIG))
		t.equal = fz_val_equal_v;
	if (dtor && fz_val_has_serial(vk))
		t.destroy = vk == FV_BIG ? fz_vdestroy_big : fz_vdestroy;
	return t;
}

/* ---- a counting allocator that fails on demand (thread-safe) ------------- */

typedef struct fz_alloc_state {
	long live, bytes, allocs;
	long countdown;   /* >= 0: the allocation that many calls on fails */
	unsigned pct;     /* else: fail this percentage while armed */
	uint64_t rng;
	long failures;
} fz_alloc_state;

static fz_alloc_state fz_as;
#define FZ_HDR 16u
#define FZ_MAGIC 0x6f6d61705f66757aull
#define FZ_DEADMAGIC 0x6465616462656566ull

static inline bool fz_fail_armed(void)
{
	return __atomic_load_n(&fz_as.countdown, __ATOMIC_ACQUIRE) >= 0 ||
	       __atomic_load_n(&fz_as.pct, __ATOMIC_ACQUIRE) > 0;
}

static void fz_fail_disarm(void)
{
	__atomic_store_n(&fz_as.countdown, -1, __ATOMIC_RELEASE);
	__atomic_store_n(&fz_as.pct, 0, __ATOMIC_RELEASE);
}

static bool fz_should_fail(void)
{
	if (__atomic_load_n(&fz_as.countdown, __ATOMIC_ACQUIRE) >= 0) {
		long c = __atomic_fetch_sub(&fz_as.countdown, 1, __ATOMIC_ACQ_REL);
		if (c == 0)
			return true;
		if (c < 0) /* raced past zero: disarmed */
			__atomic_store_n(&fz_as.countdown, -1, __ATOMIC_RELEASE);
		return false;
	}
	unsigned pct = __atomic_load_n(&fz_as.pct, __ATOMIC_ACQUIRE);
	if (!pct)
		return false;
	uint64_t x = fz_mix(__atomic_add_fetch(&fz_as.rng, FZ_C64,
	                                       __ATOMIC_ACQ_REL));
	return x % 100 < pct;
}

static void *fz_alloc(void *ctx, size_t size)
{
	(void)ctx;
	if (fz_should_fail()) {
		__atomic_add_fetch(&fz_as.failures, 1, __ATOMIC_ACQ_REL);
		return NULL;
	}
	if (size > ((size_t)1 << 40))
		return NULL;
	unsigned char *p = malloc(size + FZ_HDR);
	if (!p)
		return NULL;
	uint64_t hdr[2] = {size, FZ_MAGIC};
	memcpy(p, hdr, sizeof hdr);
	__atomic_add_fetch(&fz_as.live, 1, __ATOMIC_ACQ_REL);
	__atomic_add_fetch(&fz_as.bytes, (long)size, __ATOMIC_ACQ_REL);
	__atomic_add_fetch(&fz_as.allocs, 1, __ATOMIC_ACQ_REL);
	return p + FZ_HDR;
}

static void *fz_alloc_zeroed(void *ctx, size_t size)
{
	void *p = fz_alloc(ctx, size);
	if (p)
		memset(p, 0, size);
	return p;
}

static void fz_free(void *ctx, void *ptr, size_t size)
{
	(void)ctx;
	FZ_CHECK(ptr != NULL, "free(NULL) through the allocator hook");
	unsigned char *p = (unsigned char *)ptr - FZ_HDR;
	uint64_t hdr[2];
	memcpy(hdr, p, sizeof hdr);
	FZ_CHECK(hdr[1] == FZ_MAGIC, "free of a block not from this hook "
	                             "(or freed twice)");
	FZ_CHECK(hdr[0] == size, "sized free: asked %llu, freed with %zu",
	         (unsigned long long)hdr[0], size);
	hdr[1] = FZ_DEADMAGIC;
	memcpy(p, hdr, sizeof hdr);
	__atomic_sub_fetch(&fz_as.live, 1, __ATOMIC_ACQ_REL);
	__atomic_sub_fetch(&fz_as.bytes, (long)size, __ATOMIC_ACQ_REL);
	free(p);
}

static void fz_alloc_reset(void)
{
	memset(&fz_as, 0, sizeof fz_as);
	fz_as.countdown = -1;
	fz_as.rng = 0x243f6a8885a308d3ull;
}

/* ENOMEM is a right answer only from a call during which an allocation
 * failed: fz_mark() before the call, fz_failed() after it. */
static long fz_fmark;

static inline long fz_failures(void)
{
	return __atomic_load_n(&fz_as.failures, __ATOMIC_ACQUIRE);
}

static inline void fz_mark(void)
{
	fz_fmark = fz_failures();
}

static inline bool fz_failed(void)
{
	return fz_failures() > fz_fmark;
}

static inline long fz_live_blocks(void)
{
	return __atomic_load_n(&fz_as.live, __ATOMIC_ACQUIRE);
}

static inline long fz_live_bytes(void)
{
	return __atomic_load_n(&fz_as.bytes, __ATOMIC_ACQUIRE);
}

static inline long fz_alloc_count(void)
{
	return __atomic_load_n(&fz_as.allocs, __ATOMIC_ACQUIRE) +
	       __atomic_load_n(&fz_as.failures, __ATOMIC_ACQUIRE);
}

/* An allocator hook op: arm a countdown, a percentage, or disarm. */
static void fz_fail_control(fz_in *in)
{
	uint8_t c = fz_u8(in);
	switch (c & 3) {
	case 0:
		fz_fail_disarm();
		break;
	case 1:
	case 2:
		__atomic_store_n(&fz_as.pct, 0, __ATOMIC_RELEASE);
		__atomic_store_n(&fz_as.countdown, (long)(c >> 2),
		                 __ATOMIC_RELEASE);
		break;
	default:
		__atomic_store_n(&fz_as.countdown, -1, __ATOMIC_RELEASE);
		__atomic_store_n(&fz_as.pct, 1u + (c >> 2) % 60u,
		                 __ATOMIC_RELEASE);
		break;
	}
}

#pragma GCC diagnostic pop

#endif /* GOMAP_FUZZ_MODEL_H */
