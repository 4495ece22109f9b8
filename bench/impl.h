/*
 * bench/impl.h - the adapter interface every benchmarked map implements, so
 * that the driver times each one through the same calls.
 *
 * Design: one gb_impl per implementation (gomap's own maps, C and C++ peers,
 * and "child" implementations that run in another process: the Go program
 * and variant builds of gomap). The driver never calls a map library
 * directly; every operation is one indirect call through gb_ops, for every
 * implementation alike, so that call overhead is the same for all of them.
 *
 * Keys are passed by address, as gomap does: a u64 key as `const uint64_t *`,
 * a str key as `const char *const *` (a NUL-terminated string; every adapter
 * copies the bytes it keeps, like gomap's owned string keys). Values are
 * 8-byte unsigned integers, passed by address (`const uint64_t *` in,
 * `uint64_t *` out), so gomap's concurrent variants can use their
 * gomap_cmap_ops functions as gb_ops members without a wrapper.
 *
 * Threads: a thread calls thread_enter (if set) before its first operation on
 * any map of that implementation and thread_leave after its last one; the
 * pairs never nest. The thread that creates a map stays entered until after
 * it destroyed it (destroy may need a registered thread, as liburcu's does).
 *
 * Benchmarks never check semantics: adapters implement them (upsert, miss,
 * no-op delete) but the driver does not verify the answers. The one
 * exception is the counting workloads: after each run the driver sums the
 * counts (gb_ops.sum) and fails the cell unless they add up to the number
 * of increments made (a lost increment is a wrong answer, not a speed).
 */
#ifndef GOMAP_BENCH_IMPL_H
#define GOMAP_BENCH_IMPL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum gb_keys { GB_U64 = 0, GB_STR = 1 } gb_keys;

/* Operations on a map of one key kind. */
typedef struct gb_ops {
	/* 1 found (value copied to *val_out), 0 absent. */
	int (*load)(void *m, const void *key, void *val_out);
	/* Upsert: insert or overwrite. */
	int (*store)(void *m, const void *key, const void *val);
	/* Delete; absent keys are a no-op. */
	int (*del)(void *m, const void *key);
	/* Visit every entry once, reading its key and value; returns a
	 * checksum so the reads cannot be optimised away. */
	uint64_t (*iterate)(void *m, const void *ctx);
	/* The counting workloads' read-modify-write: add 1 to the key's
	 * count, or insert it with count 1 when absent, atomically with
	 * respect to every other inc (no lost increment), with the
	 * implementation's natural atomic update. 1 inserted, 0 incremented,
	 * negative on error. NULL: no atomic increment (counting cells are
	 * not run). */
	int (*inc)(void *m, const void *key);
	/* Sum of all values; only called while no other thread uses the map
	 * (the lost-increment check after a counting run). NULL with inc. */
	uint64_t (*sum)(void *m, const void *ctx);
} gb_ops;

/* Flags of an implementation. */
#define GB_F_CONCURRENT 0x1u /* safe for concurrent use by many threads */
#define GB_F_CHILD      0x2u /* runs in a child process (see child.c) */

typedef struct gb_child gb_child; /* bench.h (registry.c) */

typedef struct gb_impl {
	const char *name;      /* BENCH.md name, e.g. "tbb-chm" */
	const char *group;     /* "gomap", "peer", "go", "variant" */
	const char *desc;      /* one line for --list */
	unsigned flags;        /* GB_F_* */
	const char *version;   /* library and version for the CSV header, or NULL */
	const char *notes;     /* fixed text for the CSV notes column, or NULL */
	const void *ctx;       /* passed to create/destroy/iterate */
	/* A fresh map, no size hint; NULL if it cannot be made. */
	void *(*create)(gb_keys keys, const void *ctx);
	void (*destroy)(void *m, const void *ctx);
	gb_ops ops[2];         /* [GB_U64], [GB_STR]; load NULL: unsupported */
	void (*thread_enter)(void);
	void (*thread_leave)(void);
	const gb_child *child; /* GB_F_CHILD only */
} gb_impl;

/* Every implementation this binary knows (registry.c), NULL-terminated:
 * gomap's own, the peers compiled in, and the child implementations whose
 * program exists. Built on first use. */
const gb_impl *const *gb_impls(void);
const gb_impl *gb_impl_find(const char *name);

/* A cheap, well-mixed 64-bit hash of a u64 key for the peers that take a
 * caller-supplied hash (the finaliser of MurmurHash3). */
static inline uint64_t gb_mix64(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdull;
	k ^= k >> 33;
	k *= 0xc4ceb9fe1a85ec53ull;
	k ^= k >> 33;
	return k;
}

#ifdef __cplusplus
}
#endif
#endif /* GOMAP_BENCH_IMPL_H */
