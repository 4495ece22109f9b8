/*
 * bench/gen.c - key tables, Zipf and the operation streams (see gen.h for
 * the definitions, which bench/go/main.go mirrors).
 */
#include "gen.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void gb_zipf_init(gb_zipf *z, uint64_t n, double theta)
{
	double zetan = 0.0;
	/* Summed from the largest term down to the smallest would be more
	 * accurate, but YCSB sums upward and so does the Go side. */
	for (uint64_t i = 1; i <= n; i++)
		zetan += 1.0 / pow((double)i, theta);
	double zeta2 = 1.0 + 1.0 / pow(2.0, theta);
	z->n = n;
	z->theta = theta;
	z->alpha = 1.0 / (1.0 - theta);
	z->zetan = zetan;
	z->eta = (1.0 - pow(2.0 / (double)n, 1.0 - theta)) / (1.0 - zeta2 / zetan);
	z->thresh1 = 1.0 + pow(0.5, theta);
}

uint64_t gb_zipf_rank(const gb_zipf *z, uint64_t draw)
{
	double u = (double)(draw >> 11) * 0x1.0p-53;
	double uz = u * z->zetan;
	if (uz < 1.0)
		return 0;
	if (uz < z->thresh1)
		return z->n > 1 ? 1 : 0;
	uint64_t r = (uint64_t)((double)z->n * pow(z->eta * u - z->eta + 1.0, z->alpha));
	return r < z->n ? r : z->n - 1;
}

int gb_keytab_init(gb_keytab *t, gb_keys kind, uint64_t n, uint64_t seed)
{
	t->kind = kind;
	t->n = n;
	t->seed = seed;
	t->str = NULL;
	if (kind != GB_STR)
		return 0;
	t->str = malloc(n * (GB_STR_KEY_LEN + 1));
	if (!t->str)
		return -1;
	static const char hex[] = "0123456789abcdef";
	for (uint64_t i = 0; i < n; i++) {
		char *p = t->str + i * (GB_STR_KEY_LEN + 1);
		uint64_t k = gb_key64(i, seed);
		for (int d = GB_STR_KEY_LEN - 1; d >= 0; d--, k >>= 4)
			p[d] = hex[k & 15];
		p[GB_STR_KEY_LEN] = '\0';
	}
	return 0;
}

void gb_keytab_free(gb_keytab *t)
{
	free(t->str);
	t->str = NULL;
}

int gb_stream_alloc(gb_stream *s, size_t n)
{
	s->n = n;
	s->op = malloc(n ? n : 1);
	s->key = malloc((n ? n : 1) * sizeof *s->key);
	if (!s->op || !s->key) {
		gb_stream_free(s);
		return -1;
	}
	return 0;
}

void gb_stream_free(gb_stream *s)
{
	free(s->op);
	free(s->key);
	s->op = NULL;
	s->key = NULL;
	s->n = 0;
}

/* Both stream kinds: @mix picks each operation, or every one is @only_op
 * when @mix is NULL (its draw is still made). */
static int stream_draw(gb_stream *s, const gb_keytab *t, uint64_t K, size_t n,
                       const int mix[3], int only_op, const gb_zipf *zipf,
                       uint64_t seed, unsigned thread)
{
	if (gb_stream_alloc(s, n) != 0)
		return -1;
	gb_rng r;
	gb_rng_seed(&r, seed, thread);
	const unsigned load_below = mix ? (unsigned)mix[0] : 0;
	const unsigned store_below = mix ? (unsigned)(mix[0] + mix[1]) : 0;
	for (size_t i = 0; i < n; i++) {
		unsigned pick = (unsigned)(gb_rng_next(&r) % 100);
		s->op[i] = !mix ? (uint8_t)only_op
		         : pick < load_below ? GB_OP_LOAD
		         : pick < store_below ? GB_OP_STORE : GB_OP_DELETE;
		uint64_t d = gb_rng_next(&r);
		uint64_t idx = zipf ? gb_zipf_rank(zipf, d) : gb_mulhi(d, K);
		s->key[i] = gb_keytab_get(t, idx);
	}
	return 0;
}

int gb_stream_mix(gb_stream *s, const gb_keytab *t, uint64_t K, size_t n,
                  const int mix[3], const gb_zipf *zipf, uint64_t seed,
                  unsigned thread)
{
	return stream_draw(s, t, K, n, mix, 0, zipf, seed, thread);
}

int gb_stream_count(gb_stream *s, const gb_keytab *t, uint64_t K, size_t n,
                    const gb_zipf *zipf, uint64_t seed, unsigned thread)
{
	return stream_draw(s, t, K, n, NULL, GB_OP_INC, zipf, seed, thread);
}

int gb_stream_seq(gb_stream *s, const gb_keytab *t, uint64_t first, size_t n,
                  int op, int shuffled, uint64_t seed)
{
	if (gb_stream_alloc(s, n) != 0)
		return -1;
	memset(s->op, op, n);
	for (size_t i = 0; i < n; i++)
		s->key[i] = gb_keytab_get(t, first + i);
	if (shuffled && n > 1) {
		gb_rng r;
		gb_rng_seed(&r, seed, 0);
		for (size_t i = n - 1; i > 0; i--) {
			size_t j = (size_t)gb_mulhi(gb_rng_next(&r), i + 1);
			gb_key tmp = s->key[i];
			s->key[i] = s->key[j];
			s->key[j] = tmp;
		}
	}
	return 0;
}
