/*
 * src/internal/map_internal.h - library-internal entry points of the plain
 * map, for the safe variants and the diagnostics (never installed).
 */
#ifndef GOMAP_MAP_INTERNAL_H
#define GOMAP_MAP_INTERNAL_H

#include <gomap/map.h>

/* The seeded hash the map uses for @key (same function as its probes). */
uint64_t gomap__map_hash(const gomap_map_t *m, const void *key);

/* Prefetch the lines a lookup of @key would touch (a hint; integer keys). */
void gomap__map_prefetch(const gomap_map_t *m, const void *key);

/* Operations with a precomputed hash h == gomap__map_hash(m, key). */
int gomap__map_get_h(const gomap_map_t *m, const void *key, uint64_t h, void *val_out);
void *gomap__map_get_ptr_h(const gomap_map_t *m, const void *key, uint64_t h);
int gomap__map_put_h(gomap_map_t *m, const void *key, uint64_t h, const void *val);
int gomap__map_delete_h(gomap_map_t *m, const void *key, uint64_t h);

/*
 * gomap__map_take_h - delete and move the value out to @val_out without
 * running the value destructor (ownership passes to the caller). With
 * @val_out NULL it is gomap__map_delete_h. Returns 1 taken, 0 absent.
 */
int gomap__map_take_h(gomap_map_t *m, const void *key, uint64_t h, void *val_out);

/*
 * gomap__map_swap_h - store @val; if the key existed, move the previous value
 * to @prev_out without destroying it (destroyed if @prev_out is NULL).
 * Returns 1 replaced, 0 inserted, or a negative error (map unchanged).
 */
int gomap__map_swap_h(gomap_map_t *m, const void *key, uint64_t h, const void *val, void *prev_out);

/*
 * gomap__map_new_seeded - like gomap_map_new_opts, with a fixed hash seed
 * that is never renewed (not on clear, not when the map becomes empty), so
 * that a caller can hash once and use the *_h operations (the shard map).
 */
int gomap__map_new_seeded(gomap_map_t **out, const gomap_type *kt, const gomap_type *vt,
                          const gomap_map_options *opt, uint64_t seed);

/* White-box tests only: the current table's control bytes (*n of them),
 * or NULL when the map has no table. Writing them corrupts the map. */
uint8_t *gomap__map_ctrl(gomap_map_t *m, size_t *n);

/* The descriptors the map was created with (copies owned by the map). */
const gomap_type *gomap__map_key_type(const gomap_map_t *m);
const gomap_type *gomap__map_val_type(const gomap_map_t *m);

/* Descriptor helpers shared by every variant. */
int gomap__type_check(const gomap_type *t, bool is_key);
bool gomap__type_equal(const gomap_type *t, const void *a, const void *b);
uint64_t gomap__type_hash(const gomap_type *t, const void *key, uint64_t seed);

/* Fresh random 64-bit seed. */
uint64_t gomap__random_seed(void);

/* Allocation through an allocator hook (NULL: malloc). */
void *gomap__alloc(const gomap_allocator *a, size_t size);
void *gomap__alloc_zeroed(const gomap_allocator *a, size_t size);
void gomap__free(const gomap_allocator *a, void *p, size_t size);
/* Ask for transparent huge pages over [p, p + size) when it is big (4 MiB
 * or more) and came from malloc (@a NULL); see util.c. */
void gomap__advise_huge(const gomap_allocator *a, void *p, size_t size);

/* Misuse reporting: prints "fatal error: <msg>", the map, thread ids and a
 * backtrace, runs the fatal hook, aborts. */
_Noreturn void gomap__fatal(const char *msg, const void *map, uint32_t other_tid);

/* This thread's small numeric id (cached gettid()). */
uint32_t gomap__tid(void);

#endif
