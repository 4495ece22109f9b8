/*
 * tests/typed/typed_bad.c - code the typed wrappers must refuse at compile
 * time, one case per TYPED_CASE (see CMakeLists.txt for the diagnostic each
 * must produce). TYPED_CASE 0 is the control: the same file compiles.
 */
#include <stdint.h>

#include <gomap/chan.h>
#include <gomap/mutex.h>
#include <gomap/rwmutex.h>
#include <gomap/shard.h>
#include <gomap/sync.h>

struct pair {
	int32_t a, b;
};

#if TYPED_CASE == 1 /* issue 12's example: a 4-byte key, an 8-byte kind */
GOMAP_MAP_DEFINE(ids, int, int, gomap_type_u64, GOMAP_T_RAW(int));
#elif TYPED_CASE == 2 /* the value's size */
GOMAP_MAP_DEFINE(ids, uint64_t, int, gomap_type_u64, gomap_type_u64);
#elif TYPED_CASE == 3 /* same size, wrong kind: a u64 is not a string */
GOMAP_MAP_DEFINE(ids, uint64_t, int, gomap_type_str, GOMAP_T_RAW(int));
#elif TYPED_CASE == 4 /* same size, wrong kind: a double is not a u64 */
GOMAP_MAP_DEFINE(ids, double, int, gomap_type_u64, GOMAP_T_RAW(int));
#elif TYPED_CASE == 5 /* RAW(T) is for T only */
GOMAP_MAP_DEFINE(ids, int, unsigned, gomap_type_u32, GOMAP_T_RAW(int));
#elif TYPED_CASE == 6 /* the safe maps check the same */
GOMAP_SYNC_DEFINE(ids, int, uint64_t, gomap_type_u64, gomap_type_u64);
#elif TYPED_CASE == 7
GOMAP_MUTEX_DEFINE(ids, uint64_t, float, gomap_type_u64, gomap_type_f64);
#elif TYPED_CASE == 8
GOMAP_SHARD_DEFINE(ids, struct pair, int, GOMAP_T_RAW(int64_t), GOMAP_T_RAW(int));
#elif TYPED_CASE == 9
GOMAP_RWMUTEX_DEFINE(ids, uint64_t, uint64_t, gomap_type_u64, gomap_type_bytes);
#elif TYPED_CASE == 10
GOMAP_CHAN_DEFINE(ids, uint32_t, uint64_t, gomap_type_u64, gomap_type_u64);
#elif TYPED_CASE == 11 /* a descriptor object of one's own needs GOMAP_T_DESC */
static const gomap_type mine = GOMAP_TYPE_RAW(int);
GOMAP_MAP_DEFINE(ids, int, int, gomap_type_u32, mine);
#elif TYPED_CASE == 12 /* a wrong key type at a call */
GOMAP_SYNC_DEFINE(ids, uint64_t, uint64_t, gomap_type_u64, gomap_type_u64);
int use(ids_t *m);
int use(ids_t *m) { return ids_store(m, "seven", 7); }
#elif TYPED_CASE == 13 /* a wrong output type at a call */
GOMAP_SYNC_DEFINE(ids, uint64_t, uint64_t, gomap_type_u64, gomap_type_u64);
int use(ids_t *m);
int use(ids_t *m)
{
	uint32_t small;
	return ids_load(m, 7, &small);
}
#elif TYPED_CASE == 14 /* two typed maps are two types */
GOMAP_MAP_DEFINE(ids, uint64_t, uint64_t, gomap_type_u64, gomap_type_u64);
GOMAP_MAP_DEFINE(names, const char *, uint64_t, gomap_type_str, gomap_type_u64);
int use(names_t *m);
int use(names_t *m) { return ids_put(m, 1, 2); }
#else /* the control: all of the above, written correctly */
GOMAP_MAP_DEFINE(ids, uint64_t, uint64_t, gomap_type_u64, gomap_type_u64);
GOMAP_MAP_DEFINE(names, const char *, int, gomap_type_str, GOMAP_T_RAW(int));
GOMAP_MAP_DEFINE(fl, double, unsigned, gomap_type_f64, gomap_type_u32);
GOMAP_SYNC_DEFINE(sids, uint64_t, uint64_t, gomap_type_u64, gomap_type_u64);
GOMAP_MUTEX_DEFINE(mx, uint64_t, double, gomap_type_u64, gomap_type_f64);
GOMAP_SHARD_DEFINE(sh, struct pair, int, GOMAP_T_RAW(struct pair), GOMAP_T_RAW(int));
GOMAP_RWMUTEX_DEFINE(rw, uint64_t, gomap_bytes, gomap_type_u64, gomap_type_bytes_borrowed);
GOMAP_CHAN_DEFINE(ch, uint32_t, void *, gomap_type_u32, gomap_type_ptr);
static const gomap_type mine = GOMAP_TYPE_RAW(int);
GOMAP_MAP_DEFINE(own, int, int, GOMAP_T_DESC(int, mine), GOMAP_T_RAW(int));
int use(sids_t *m, names_t *n);
int use(sids_t *m, names_t *n)
{
	uint64_t out;
	return sids_store(m, 7, 7) + sids_load(m, 7, &out) + names_put(n, "seven", 7);
}
#endif
