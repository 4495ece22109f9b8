/*
 * gomap/common.h - what every gomap map shares: error codes, the type
 * descriptor that tells a map how to hash, compare and drop keys and values,
 * the allocator hook, and the fatal-error hook of misuse detection.
 *
 * Conventions (all headers):
 *  - Fallible calls return int: 0 (or a documented positive answer) on
 *    success, a negative GOMAP_E* code on failure. The codes mirror errno
 *    values, negated, so -ENOMEM == GOMAP_ENOMEM on Linux.
 *  - A failed call leaves the map exactly as it was.
 *  - Keys and values are always passed by address: a u64 key is passed as
 *    `const uint64_t *`, a string key as `const char *const *`, a byte-string
 *    key as `const gomap_bytes *`. Values are copied in and out.
 */
#ifndef GOMAP_COMMON_H
#define GOMAP_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32) || defined(__CYGWIN__)
#define GOMAP_API
#elif defined(__GNUC__)
#define GOMAP_API __attribute__((visibility("default")))
#else
#define GOMAP_API
#endif

#define GOMAP_VERSION_MAJOR 0
#define GOMAP_VERSION_MINOR 1
#define GOMAP_VERSION_PATCH 0

/* Error codes: negated errno values. */
enum {
	GOMAP_OK = 0,
	GOMAP_EPERM = -1,      /* reserved: no call returns it (a write to a
	                          frozen map is a fatal error, diag.h) */
	GOMAP_ENOENT = -2,     /* no such key, where absence is an error */
	GOMAP_ENOMEM = -12,    /* allocation failed; nothing was changed */
	GOMAP_EBUSY = -16,     /* operation not allowed now (e.g. re-entry) */
	GOMAP_EINVAL = -22,    /* NULL handle or key, bad descriptor/option */
	GOMAP_ERANGE = -34,    /* size hint or key/value size out of range */
	GOMAP_ENOTSUP = -95,   /* descriptor or operation not supported */
	GOMAP_ESHUTDOWN = -108 /* chan map: request after shutdown */
};

/* gomap_strerror - a static, human-readable text for a GOMAP_E* code. */
GOMAP_API const char *gomap_strerror(int err);

/* ---- type descriptors ------------------------------------------------- */

typedef enum gomap_kind {
	GOMAP_KIND_RAW = 0, /* fixed-size bytes; hash/equal callbacks optional */
	GOMAP_KIND_U32,     /* uint32_t, fast path */
	GOMAP_KIND_U64,     /* uint64_t, fast path */
	GOMAP_KIND_PTR,     /* void *, compared by address */
	GOMAP_KIND_F64,     /* double with Go's rules: NaN != NaN, -0 == +0 */
	GOMAP_KIND_STR,     /* const char *, NUL-terminated, fast path */
	GOMAP_KIND_BYTES    /* gomap_bytes {ptr, len}, fast path */
} gomap_kind;

/* A length-counted byte string: the key form of GOMAP_KIND_BYTES. */
typedef struct gomap_bytes {
	const void *ptr;
	size_t len;
} gomap_bytes;

/* Descriptor flags. */
#define GOMAP_TYPE_BORROWED 0x1u /* STR/BYTES: store the caller's pointer
                                    instead of a map-owned copy; the caller
                                    keeps the bytes alive and unchanged */

/*
 * gomap_type - how a map treats one key or value type.
 * @size:    bytes the caller passes by address (sizeof the C type). For STR
 *           this is sizeof(char *), for BYTES sizeof(gomap_bytes).
 * @kind:    a built-in kind, or GOMAP_KIND_RAW.
 * @flags:   GOMAP_TYPE_* bits.
 * @hash:    RAW keys only, optional: seeded hash of one object. NULL hashes
 *           the raw bytes with XXH3.
 * @equal:   RAW only, optional: NULL compares bytewise. Values use it in
 *           compare_and_swap/compare_and_delete.
 * @destroy: optional; called with the object's address when the map drops
 *           an object it holds (delete, overwrite, clear, free).
 * @ctx:     passed to @destroy.
 */
typedef struct gomap_type {
	size_t size;
	gomap_kind kind;
	uint32_t flags;
	uint64_t (*hash)(const void *obj, uint64_t seed);
	bool (*equal)(const void *a, const void *b);
	void (*destroy)(void *obj, void *ctx);
	void *ctx;
} gomap_type;

/* Built-in descriptors. */
GOMAP_API extern const gomap_type gomap_type_u32;
GOMAP_API extern const gomap_type gomap_type_u64;
GOMAP_API extern const gomap_type gomap_type_ptr;
GOMAP_API extern const gomap_type gomap_type_f64;
GOMAP_API extern const gomap_type gomap_type_str;            /* copied */
GOMAP_API extern const gomap_type gomap_type_str_borrowed;   /* borrowed */
GOMAP_API extern const gomap_type gomap_type_bytes;          /* copied */
GOMAP_API extern const gomap_type gomap_type_bytes_borrowed; /* borrowed */

/* A raw descriptor for any C type T: bytewise hash and equality. Mind the
 * padding: structs with padding bytes must be zeroed before use as keys. */
#define GOMAP_TYPE_RAW(T) \
	{ sizeof(T), GOMAP_KIND_RAW, 0u, NULL, NULL, NULL, NULL }

/* ---- update callbacks -------------------------------------------------- */

/* What an update callback decides (see gomap_update_fn). */
typedef enum gomap_update_decision {
	GOMAP_UPDATE_KEEP = 0,  /* leave the map as it was */
	GOMAP_UPDATE_SET = 1,   /* the key maps to *val (inserted if absent) */
	GOMAP_UPDATE_DELETE = 2 /* remove the key (nothing if absent) */
} gomap_update_decision;

/*
 * gomap_update_fn - the read-modify-write step of the safe maps'
 * gomap_V_update (Java's compute, libcuckoo's upsert): called once, while
 * the key is held, with the key as the caller passed it, @present telling
 * whether the key is in the map, and @val a private buffer of the value
 * type's size that holds the current value (all zero bytes when absent;
 * NULL when the value type is empty, a set; for the safe maps' owned
 * str/bytes values a private copy that the map frees afterwards, and a set
 * stores a copy of what the buffer holds: see cmap.h). The callback may
 * read and write *val and returns what happens next:
 *  - GOMAP_UPDATE_KEEP: nothing; the buffer is discarded.
 *  - GOMAP_UPDATE_SET: the buffer's bytes become the key's value, in place:
 *    they take over the old value, which is not destroyed (so a value that
 *    owns memory can be changed without being dropped); an absent key is
 *    inserted (its key copied as by store).
 *  - GOMAP_UPDATE_DELETE: the key is removed as by delete (its value is
 *    destroyed); nothing happens when it is absent.
 * The callback runs under the key's lock (the owner thread, for chan), so
 * it should be short, and it must not call the map it updates: any
 * operation on that map but len, from the callback, stops the program with
 * "fatal error: gomap: update callback called the map it updates" instead
 * of deadlocking. It may use other maps; update callbacks that call each
 * other's maps in a cycle can deadlock.
 */
typedef gomap_update_decision (*gomap_update_fn)(const void *key, void *val,
                                                 bool present, void *ctx);

/* ---- allocator hook ---------------------------------------------------- */

/*
 * gomap_allocator - where a map gets its memory. @alloc returns NULL on
 * failure; @alloc_zeroed (optional, NULL: alloc + memset) returns zeroed
 * memory; @free receives the size that was asked for. All three get @ctx.
 * Memory must be aligned for any type (like malloc).
 */
typedef struct gomap_allocator {
	void *(*alloc)(void *ctx, size_t size);
	void *(*alloc_zeroed)(void *ctx, size_t size);
	void (*free)(void *ctx, void *ptr, size_t size);
	void *ctx;
} gomap_allocator;

/* ---- what every map's setup shares ------------------------------------ */

/* The plain map (map.h); the safe maps are built on it. */
typedef struct gomap_map gomap_map_t;

/* A multi-operation atomic section of a safe map (mutex.h, rwmutex.h,
 * shard.h, chan.h): gets the plain map with exclusive access; its return
 * value is passed back to the caller. */
typedef int (*gomap_atomic_fn)(gomap_map_t *map, void *ctx);
/* The read-only flavour (shared access). */
typedef int (*gomap_atomic_read_fn)(const gomap_map_t *map, void *ctx);

/*
 * Options. Every map's options struct (gomap_map_options,
 * gomap_mutex_options, ...) begins with the fields of GOMAP_OPTIONS_BASE,
 * in this order, then has its own:
 *   hint    expected entries (0: none), like make(map, n); each variant's
 *           header says how it treats bogus and huge hints;
 *   alloc   the allocator hook (NULL: malloc/free); for a safe map it must
 *           be thread-safe, with alloc and free set.
 *
 * The rule, for every options struct: zero-initialise it (`= {0}`, or
 * designated initialisers such as `{.hint = 1000}`, or memset) and then set
 * the fields you need. Zero is every field's default, and a NULL options
 * pointer means all defaults. Later versions add fields only at the end of
 * a struct, with zero as their default, so code that follows the rule
 * compiles and behaves the same against them (recompile: a struct's size
 * may change between versions, and the library's major version with it).
 * Positional initialisers (`{1000, NULL}`) name fields by their place:
 * they keep working, but -Wextra asks for the fields added later.
 */
#define GOMAP_OPTIONS_BASE                                                      \
	size_t hint;                  /* expected entries (0: none) */         \
	const gomap_allocator *alloc /* NULL: malloc/free */

/* The shared part alone: the layout every options struct starts with. */
typedef struct gomap_options {
	GOMAP_OPTIONS_BASE;
} gomap_options;

/* ---- misuse detection -------------------------------------------------- */

/*
 * A fatal hook runs when misuse is detected (e.g. "concurrent map writes"),
 * after the message is printed and before abort(); it cannot prevent the
 * abort. @msg is Go's text without the "fatal error: " prefix.
 */
typedef void (*gomap_fatal_hook)(const char *msg, const void *map, void *ctx);
GOMAP_API void gomap_set_fatal_hook(gomap_fatal_hook hook, void *ctx);

/*
 * gomap_debug_reload - re-read GOMAP_DEBUG (comma-separated key=value, like
 * GODEBUG): mapchecks=1|0 (also on/off, true/false, yes/no, any case)
 * turns detection on/off for maps created after; racewindow=N (0 to
 * 100000000) widens each write by N spin-yields so misuse is caught
 * reliably. An item that is not understood prints one warning line to
 * stderr and changes nothing. The variable is read once automatically,
 * when the library loads.
 */
GOMAP_API void gomap_debug_reload(void);

/* True when the library was built with misuse checks (GOMAP_MAPCHECKS). */
GOMAP_API bool gomap_checks_compiled(void);

#ifdef __cplusplus
}
#endif
#endif /* GOMAP_COMMON_H */
