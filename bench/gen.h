/*
 * bench/gen.h - the key and operation generators of BENCH.md.
 *
 * Everything here is deterministic in (seed, thread, K): the Go program
 * (bench/go/main.go) implements the same functions so both sides time the
 * same operation streams. Any change here must be made there too.
 *
 *  - key64(i): the splitmix64 finaliser of i * 0x9E3779B97F4A7C15 + seed;
 *    a bijection on 64-bit integers, so indices 0..K-1 give K distinct keys.
 *  - str keys: the 16 lowercase hex digits of key64(i), NUL-terminated.
 *  - streams: thread t draws from splitmix64 seeded with seed*1000003 + t;
 *    per operation, draw 1 picks the operation (draw % 100 against the
 *    cumulative load/store/delete percentages), draw 2 picks the key index:
 *    uniform as mulhi(draw, K) (the high 64 bits of draw * K), or Zipfian.
 *    Counting streams make the same two draws; every operation is an
 *    increment.
 *  - Zipf: YCSB's ZipfianGenerator over ranks [0, K) with theta 0.99
 *    (zeta(K) summed from 1 up), u = (draw >> 11) * 2^-53. The rank is the
 *    key index, so the key is key64(rank): the rank is scrambled through
 *    key64 and hot keys spread over the whole table.
 *  - shuffles (st-hit, st-delete): Fisher-Yates from the top, j =
 *    mulhi(draw, i + 1), with the stream of thread 0.
 */
#ifndef GOMAP_BENCH_GEN_H
#define GOMAP_BENCH_GEN_H

#include <stddef.h>
#include <stdint.h>

#include "impl.h"

#define GB_STR_KEY_LEN 16 /* hex digits; the table keeps a NUL after each */

static inline uint64_t gb_key64(uint64_t i, uint64_t seed)
{
	uint64_t z = i * 0x9E3779B97F4A7C15ull + seed;
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

typedef struct gb_rng {
	uint64_t s;
} gb_rng;

static inline void gb_rng_seed(gb_rng *r, uint64_t seed, unsigned thread)
{
	r->s = seed * 1000003u + thread;
}

/* splitmix64 */
static inline uint64_t gb_rng_next(gb_rng *r)
{
	uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

/* A draw scaled to [0, n) without division. */
static inline uint64_t gb_mulhi(uint64_t draw, uint64_t n)
{
	return (uint64_t)(((unsigned __int128)draw * n) >> 64);
}

typedef struct gb_zipf {
	uint64_t n;
	double theta, alpha, zetan, eta, thresh1;
} gb_zipf;

void gb_zipf_init(gb_zipf *z, uint64_t n, double theta);
uint64_t gb_zipf_rank(const gb_zipf *z, uint64_t draw);

/* One resolved key in a stream: the u64 key itself, or the address of the
 * string in the key table. Both members sit at offset 0, so &key is what
 * the adapters take for either kind. */
typedef union gb_key {
	uint64_t u;
	const char *s;
} gb_key;

/* The key table of one cell: str keys for indices [0, n) in one block. */
typedef struct gb_keytab {
	gb_keys kind;
	uint64_t n, seed;
	char *str; /* n * (GB_STR_KEY_LEN + 1) bytes; NULL for u64 */
} gb_keytab;

int gb_keytab_init(gb_keytab *t, gb_keys kind, uint64_t n, uint64_t seed);
void gb_keytab_free(gb_keytab *t);

static inline gb_key gb_keytab_get(const gb_keytab *t, uint64_t i)
{
	gb_key k;
	if (t->kind == GB_STR)
		k.s = t->str + i * (GB_STR_KEY_LEN + 1);
	else
		k.u = gb_key64(i, t->seed);
	return k;
}

enum { GB_OP_LOAD = 0, GB_OP_STORE = 1, GB_OP_DELETE = 2, GB_OP_INC = 3 };

/* One thread's operation stream, generated before the clock starts. */
typedef struct gb_stream {
	size_t n;
	uint8_t *op;
	gb_key *key;
} gb_stream;

int gb_stream_alloc(gb_stream *s, size_t n);
void gb_stream_free(gb_stream *s);

/*
 * gb_stream_mix - thread @thread's stream of @n operations: @mix holds the
 * load/store/delete percentages; key indices are Zipfian over [0, K) when
 * @zipf is not NULL, else uniform over [0, K). @t must cover [0, K).
 */
int gb_stream_mix(gb_stream *s, const gb_keytab *t, uint64_t K, size_t n,
                  const int mix[3], const gb_zipf *zipf, uint64_t seed,
                  unsigned thread);

/*
 * gb_stream_count - the counting workloads' stream: every operation is
 * GB_OP_INC. The draws are those of gb_stream_mix (draw 1 would pick the
 * operation and is spent unused, draw 2 picks the key), so the keys are
 * the ones a mixed workload with the same K and distribution draws.
 */
int gb_stream_count(gb_stream *s, const gb_keytab *t, uint64_t K, size_t n,
                    const gb_zipf *zipf, uint64_t seed, unsigned thread);

/* Indices first..first+n-1 in order (shuffled: Fisher-Yates, thread 0's
 * stream), all with operation @op. */
int gb_stream_seq(gb_stream *s, const gb_keytab *t, uint64_t first, size_t n,
                  int op, int shuffled, uint64_t seed);

#endif /* GOMAP_BENCH_GEN_H */
