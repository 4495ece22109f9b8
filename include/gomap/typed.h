/*
 * gomap/typed.h - typed wrappers: declare a map for C types K and V once,
 * and get static inline functions that take and return K and V themselves,
 * so that a key or value of the wrong type is a compile-time error instead
 * of a read of the wrong number of bytes.
 *
 *   GOMAP_MAP_DEFINE(name, K, V, kdesc, vdesc)      the plain map (map.h)
 *   GOMAP_MUTEX_DEFINE(name, K, V, kdesc, vdesc)    mutex.h
 *   GOMAP_RWMUTEX_DEFINE(name, K, V, kdesc, vdesc)  rwmutex.h
 *   GOMAP_SHARD_DEFINE(name, K, V, kdesc, vdesc)    shard.h
 *   GOMAP_SYNC_DEFINE(name, K, V, kdesc, vdesc)     sync.h
 *   GOMAP_CHAN_DEFINE(name, K, V, kdesc, vdesc)     chan.h
 *
 * Use each at file scope, after including the variant's header, e.g.
 *   #include <gomap/sync.h>
 *   GOMAP_SYNC_DEFINE(ages, const char *, int, gomap_type_str, GOMAP_T_RAW(int));
 *   ages_t *m;
 *   ages_new(&m, NULL);
 *   ages_store(m, "bob", 42);
 *   int age;
 *   if (ages_load(m, "bob", &age)) ...
 *
 * kdesc and vdesc, the descriptors, are one of:
 *   - a built-in descriptor by its name: gomap_type_u32, gomap_type_u64,
 *     gomap_type_ptr, gomap_type_f64, gomap_type_str, gomap_type_str_borrowed,
 *     gomap_type_bytes, gomap_type_bytes_borrowed;
 *   - GOMAP_T_RAW(T): the raw bytes of the C type T (GOMAP_TYPE_RAW);
 *   - GOMAP_T_DESC(T, desc): any gomap_type value desc (custom hash, equal or
 *     destroy) for objects of the C type T.
 * Anything else does not compile: a descriptor object of your own goes in
 * GOMAP_T_DESC, and so does the older spelling (gomap_type)GOMAP_TYPE_RAW(T).
 *
 * Checks. At compile time, sizeof(K) must equal the descriptor's size and K
 * must be the C type its kind stands for (in C; C++ checks the size only):
 *   u32, u64   an integer type (of 4 / 8 bytes)
 *   f64        double
 *   ptr        a pointer type
 *   str        char * or const char *
 *   bytes      gomap_bytes
 *   RAW(T), DESC(T, d)   T itself
 * so GOMAP_MAP_DEFINE(ids, int, int, gomap_type_u64, ...) is rejected with
 * "ids: sizeof the key type differs from the size of its descriptor". At run
 * time, name_new also compares the descriptor's size with sizeof(K) and
 * sizeof(V) (the only check a GOMAP_T_DESC descriptor built at run time
 * can get) and answers GOMAP_EINVAL, with *out NULL, on a mismatch. K and V
 * are object types passed by value (no arrays), without qualifiers of their
 * own (`const char *` is fine: the pointer itself is not const).
 *
 * What each DEFINE declares (name_t is an opaque handle type of its own,
 * so two typed maps cannot be mixed up; every function is static inline
 * and only casts):
 *   plain map:  name_new(&m, hint), name_new_opts(&m, &opt), name_free,
 *     bool name_get(m, k, &v), V *name_get_ptr(m, k), name_put(m, k, v),
 *     V *name_put_ptr(m, k) (Go's m[k] as an lvalue; NULL on error),
 *     name_delete(m, k), name_len, name_clear, name_clone(m, &c),
 *     name_shrink, name_range(m, fn, ctx), the iterator name_iter with
 *     name_iter_init / bool name_iter_next(&it, &kp, &vp) / name_iter_stop,
 *     and name_handle(m), the gomap_map_t * for everything else.
 *   safe maps:  name_new(&m, &opt or NULL), name_free,
 *     bool name_load(m, k, &v), name_store(m, k, v),
 *     name_load_or_store(m, k, v, &actual), name_load_and_delete(m, k, &v),
 *     name_delete(m, k), name_swap(m, k, v, &prev),
 *     name_compare_and_swap(m, k, old, new_),
 *     name_compare_and_delete(m, k, old), name_range(m, fn, ctx),
 *     name_update(m, k, fn, ctx) with fn(const K *k, V *val, bool present,
 *     void *ctx) returning a gomap_update_decision,
 *     name_len, name_clear, and name_handle(m), the variant's own handle
 *     (for its atomic sections, locks or requests).
 * Owned string values work as they are: with V `const char *` and vdesc
 * gomap_type_str, name_store(m, k, "text") stores the map's own copy, and
 * name_load (like every output that receives a value from a safe map) sets
 * a malloc'd copy that the caller frees (cmap.h, "Values of any kind").
 * Return values are those of the untyped calls (cmap.h, map.h), except
 * that lookups (name_get, name_load) return bool: true when found, false
 * when absent or on bad input (a NULL map or string key; for chan, also
 * after shutdown). A miss leaves the output untouched. Output pointers may
 * be NULL where the untyped call allows it. name_load_or_store sets
 * *actual to the given value when it stores (Go's LoadOrStore).
 * Range callbacks get typed pointers: bool fn(const K *key, V *val, void
 * *ctx) for the plain map, bool fn(const K *key, const V *val, void *ctx)
 * for the safe maps (their value is a copy, or read-only), with the
 * untyped range's rules.
 */
#ifndef GOMAP_TYPED_H
#define GOMAP_TYPED_H

#include "common.h"

/* ---- descriptor specs -------------------------------------------------------
 * A descriptor argument becomes a spec, (SIZE, CHECK, ARG, DESC...): SIZE an
 * integer constant expression, CHECK(K, ARG) a constant that is 1 when K
 * suits the descriptor, DESC an initializer of a gomap_type. */

#define GOMAP_T_RAW(T)                                                         \
	(sizeof(T), GOMAP_T_CHK_SAME_, T,                                      \
	 {sizeof(T), GOMAP_KIND_RAW, 0u, NULL, NULL, NULL, NULL})
#define GOMAP_T_DESC(T, desc) (sizeof(T), GOMAP_T_CHK_SAME_, T, desc)

/* The built-in descriptors, by name (see GOMAP_T_SPEC_). */
#define GOMAP_T_BUILTIN_gomap_type_u32 (4, GOMAP_T_CHK_INT_, ~, gomap_type_u32)
#define GOMAP_T_BUILTIN_gomap_type_u64 (8, GOMAP_T_CHK_INT_, ~, gomap_type_u64)
#define GOMAP_T_BUILTIN_gomap_type_ptr                                         \
	(sizeof(void *), GOMAP_T_CHK_PTR_, ~, gomap_type_ptr)
#define GOMAP_T_BUILTIN_gomap_type_f64                                         \
	(sizeof(double), GOMAP_T_CHK_F64_, ~, gomap_type_f64)
#define GOMAP_T_BUILTIN_gomap_type_str                                         \
	(sizeof(char *), GOMAP_T_CHK_STR_, ~, gomap_type_str)
#define GOMAP_T_BUILTIN_gomap_type_str_borrowed                                \
	(sizeof(char *), GOMAP_T_CHK_STR_, ~, gomap_type_str_borrowed)
#define GOMAP_T_BUILTIN_gomap_type_bytes                                       \
	(sizeof(gomap_bytes), GOMAP_T_CHK_BYTES_, ~, gomap_type_bytes)
#define GOMAP_T_BUILTIN_gomap_type_bytes_borrowed                              \
	(sizeof(gomap_bytes), GOMAP_T_CHK_BYTES_, ~, gomap_type_bytes_borrowed)

#define GOMAP_T_KNOWN_gomap_type_u32 ~, 1
#define GOMAP_T_KNOWN_gomap_type_u64 ~, 1
#define GOMAP_T_KNOWN_gomap_type_ptr ~, 1
#define GOMAP_T_KNOWN_gomap_type_f64 ~, 1
#define GOMAP_T_KNOWN_gomap_type_str ~, 1
#define GOMAP_T_KNOWN_gomap_type_str_borrowed ~, 1
#define GOMAP_T_KNOWN_gomap_type_bytes ~, 1
#define GOMAP_T_KNOWN_gomap_type_bytes_borrowed ~, 1

/* Preprocessor plumbing: a spec (it starts with a parenthesis) stays as it
 * is, a name is looked up among the built-ins; any other name gives a spec
 * of size 0 that only GOMAP_T_VALID_'s assertion reports. */
#define GOMAP_T_CAT_(a, b) a##b
#define GOMAP_T_CAT(a, b) GOMAP_T_CAT_(a, b)
#define GOMAP_T_SECOND_(a, b, ...) b
#define GOMAP_T_SECOND(...) GOMAP_T_SECOND_(__VA_ARGS__)
#define GOMAP_T_PAREN_PROBE_(...) ~, 1
#define GOMAP_T_IS_PAREN_(x) GOMAP_T_SECOND(GOMAP_T_PAREN_PROBE_ x, 0, ~)
#define GOMAP_T_IS_BUILTIN_(x) GOMAP_T_SECOND(GOMAP_T_CAT(GOMAP_T_KNOWN_, x), 0, ~)
#define GOMAP_T_SPEC_IF_1(x) x
#define GOMAP_T_SPEC_IF_0(x) GOMAP_T_CAT(GOMAP_T_NAME_IF_, GOMAP_T_IS_BUILTIN_(x))(x)
#define GOMAP_T_NAME_IF_1(x) GOMAP_T_CAT(GOMAP_T_BUILTIN_, x)
#define GOMAP_T_NAME_IF_0(x) (0, GOMAP_T_CHK_ANY_, ~, {0})
#define GOMAP_T_SPEC_(x) GOMAP_T_CAT(GOMAP_T_SPEC_IF_, GOMAP_T_IS_PAREN_(x))(x)
#define GOMAP_T_VALID_IF_1(x) 1
#define GOMAP_T_VALID_IF_0(x) GOMAP_T_IS_BUILTIN_(x)
#define GOMAP_T_VALID_(x) GOMAP_T_CAT(GOMAP_T_VALID_IF_, GOMAP_T_IS_PAREN_(x))(x)

/* The parts of a spec. */
#define GOMAP_T_SIZE2_(size, chk, arg, ...) size
#define GOMAP_T_DESC2_(size, chk, arg, ...) __VA_ARGS__
#define GOMAP_T_CHECK2_(K, size, chk, arg, ...) chk(K, arg)
#define GOMAP_T_CHECK3_(K, ...) GOMAP_T_CHECK2_(K, __VA_ARGS__)
#define GOMAP_T_LIST_(...) __VA_ARGS__
#define GOMAP_T_SIZE_(spec) GOMAP_T_SIZE2_ spec
#define GOMAP_T_DESC_OF_(spec) GOMAP_T_DESC2_ spec
#define GOMAP_T_CHECK_(K, spec) GOMAP_T_CHECK3_(K, GOMAP_T_LIST_ spec)

/* The type checks of each kind (C11 _Generic; C++ checks sizes only). */
#define GOMAP_T_CHK_ANY_(K, unused) 1
#ifdef __cplusplus
#define GOMAP_T_STATIC_ASSERT_(c, msg) static_assert(c, msg)
#define GOMAP_T_CHK_INT_(K, unused) 1
#define GOMAP_T_CHK_F64_(K, unused) 1
#define GOMAP_T_CHK_PTR_(K, unused) 1
#define GOMAP_T_CHK_STR_(K, unused) 1
#define GOMAP_T_CHK_BYTES_(K, unused) 1
#define GOMAP_T_CHK_SAME_(K, T) 1
#else
#define GOMAP_T_STATIC_ASSERT_(c, msg) _Static_assert(c, msg)
#define GOMAP_T_CHK_INT_(K, unused)                                            \
	_Generic((K *)0, char *: 1, signed char *: 1, unsigned char *: 1,      \
	         short *: 1, unsigned short *: 1, int *: 1, unsigned *: 1,     \
	         long *: 1, unsigned long *: 1, long long *: 1,                \
	         unsigned long long *: 1, default: 0)
#define GOMAP_T_CHK_FLOATING_(K)                                               \
	_Generic((K *)0, float *: 1, double *: 1, long double *: 1, default: 0)
#define GOMAP_T_CHK_F64_(K, unused) _Generic((K *)0, double *: 1, default: 0)
/* (K)0 compiles for scalars only; not an integer or floating: a pointer. */
#define GOMAP_T_CHK_PTR_(K, unused)                                            \
	(sizeof((K)0) != 0 && !GOMAP_T_CHK_INT_(K, ~) && !GOMAP_T_CHK_FLOATING_(K))
#define GOMAP_T_CHK_STR_(K, unused)                                            \
	_Generic((K *)0, char **: 1, const char **: 1, default: 0)
#define GOMAP_T_CHK_BYTES_(K, unused) _Generic((K *)0, gomap_bytes *: 1, default: 0)
#define GOMAP_T_CHK_SAME_(K, T) _Generic((K *)0, T *: 1, default: 0)
#endif

#if defined(__GNUC__)
#define GOMAP_MAYBE_UNUSED_ __attribute__((unused))
#else
#define GOMAP_MAYBE_UNUSED_
#endif
#define GOMAP_T_FN_ static inline GOMAP_MAYBE_UNUSED_

/* What every DEFINE starts with: the checks, the handle and the types. */
#define GOMAP_T_COMMON_(name, K, V, kd, vd)                                    \
	GOMAP_T_STATIC_ASSERT_(GOMAP_T_VALID_(kd),                             \
	                       #name ": the key descriptor is not a built-in " \
	                             "gomap_type_* name, GOMAP_T_RAW(T) or "   \
	                             "GOMAP_T_DESC(T, desc)");                 \
	GOMAP_T_STATIC_ASSERT_(GOMAP_T_VALID_(vd),                             \
	                       #name ": the value descriptor is not a "        \
	                             "built-in gomap_type_* name, "            \
	                             "GOMAP_T_RAW(T) or GOMAP_T_DESC(T, desc)"); \
	GOMAP_T_STATIC_ASSERT_(GOMAP_T_SIZE_(GOMAP_T_SPEC_(kd)) == 0 ||        \
	                           sizeof(K) == GOMAP_T_SIZE_(GOMAP_T_SPEC_(kd)), \
	                       #name ": sizeof the key type differs from the " \
	                             "size of its descriptor");                \
	GOMAP_T_STATIC_ASSERT_(GOMAP_T_CHECK_(K, GOMAP_T_SPEC_(kd)),           \
	                       #name ": the key type is not the C type its "   \
	                             "descriptor stands for");                 \
	GOMAP_T_STATIC_ASSERT_(GOMAP_T_SIZE_(GOMAP_T_SPEC_(vd)) == 0 ||        \
	                           sizeof(V) == GOMAP_T_SIZE_(GOMAP_T_SPEC_(vd)), \
	                       #name ": sizeof the value type differs from "   \
	                             "the size of its descriptor");            \
	GOMAP_T_STATIC_ASSERT_(GOMAP_T_CHECK_(V, GOMAP_T_SPEC_(vd)),           \
	                       #name ": the value type is not the C type its " \
	                             "descriptor stands for");                 \
	typedef struct name##_s name##_t;                                      \
	typedef K name##_key_t;                                                \
	typedef V name##_val_t;                                                \
	/* the descriptors, checked against K and V once more at run time */  \
	GOMAP_T_FN_ int name##_descs_(gomap_type *kd_, gomap_type *vd_)       \
	{                                                                      \
		const gomap_type k_ = GOMAP_T_DESC_OF_(GOMAP_T_SPEC_(kd));     \
		const gomap_type v_ = GOMAP_T_DESC_OF_(GOMAP_T_SPEC_(vd));     \
		*kd_ = k_;                                                     \
		*vd_ = v_;                                                     \
		return k_.size == sizeof(K) && v_.size == sizeof(V)            \
		           ? 0                                                 \
		           : GOMAP_EINVAL;                                     \
	}

/* ---- the plain map ---------------------------------------------------------- */

#define GOMAP_MAP_DEFINE(name, K, V, kdesc, vdesc)                             \
	GOMAP_T_COMMON_(name, K, V, kdesc, vdesc)                              \
	typedef bool (*name##_range_fn)(const name##_key_t *key,               \
	                                name##_val_t *val, void *ctx);         \
	typedef struct name##_iter {                                           \
		gomap_iter it_;                                                \
	} name##_iter;                                                         \
	GOMAP_T_FN_ gomap_map_t *name##_handle(const name##_t *m)              \
	{                                                                      \
		return (gomap_map_t *)(void *)m;                               \
	}                                                                      \
	GOMAP_T_FN_ int name##_new_opts(name##_t **out,                        \
	                                const gomap_map_options *opt)          \
	{                                                                      \
		gomap_type kd_, vd_;                                           \
		int rc_ = name##_descs_(&kd_, &vd_);                           \
		if (rc_) {                                                     \
			if (out)                                               \
				*out = NULL;                                   \
			return rc_;                                            \
		}                                                              \
		return gomap_map_new_opts((gomap_map_t **)(void *)out, &kd_,   \
		                          &vd_, opt);                          \
	}                                                                      \
	GOMAP_T_FN_ int name##_new(name##_t **out, size_t hint)                \
	{                                                                      \
		gomap_map_options opt_ = {hint, NULL};                         \
		return name##_new_opts(out, &opt_);                            \
	}                                                                      \
	GOMAP_T_FN_ void name##_free(name##_t *m)                              \
	{                                                                      \
		gomap_map_free(name##_handle(m));                              \
	}                                                                      \
	GOMAP_T_FN_ bool name##_get(const name##_t *m, name##_key_t k,         \
	                            name##_val_t *v)                           \
	{                                                                      \
		return gomap_map_get(name##_handle(m), &k, v) == 1;            \
	}                                                                      \
	GOMAP_T_FN_ name##_val_t *name##_get_ptr(const name##_t *m,            \
	                                         name##_key_t k)               \
	{                                                                      \
		return (name##_val_t *)gomap_map_get_ptr(name##_handle(m),     \
		                                         &k);                  \
	}                                                                      \
	GOMAP_T_FN_ int name##_put(name##_t *m, name##_key_t k,                \
	                           name##_val_t v)                             \
	{                                                                      \
		return gomap_map_put(name##_handle(m), &k, &v);                \
	}                                                                      \
	/* Go's m[k] as an lvalue: the value's address (zeroed when the key   \
	 * was inserted), NULL on error. */                                   \
	GOMAP_T_FN_ name##_val_t *name##_put_ptr(name##_t *m, name##_key_t k)  \
	{                                                                      \
		void *p_ = NULL;                                               \
		if (gomap_map_put_ptr(name##_handle(m), &k, &p_) < 0)          \
			return NULL;                                           \
		return (name##_val_t *)p_;                                     \
	}                                                                      \
	GOMAP_T_FN_ int name##_delete(name##_t *m, name##_key_t k)             \
	{                                                                      \
		return gomap_map_delete(name##_handle(m), &k);                 \
	}                                                                      \
	GOMAP_T_FN_ size_t name##_len(const name##_t *m)                       \
	{                                                                      \
		return gomap_map_len(name##_handle(m));                        \
	}                                                                      \
	GOMAP_T_FN_ int name##_clear(name##_t *m)                              \
	{                                                                      \
		return gomap_map_clear(name##_handle(m));                      \
	}                                                                      \
	GOMAP_T_FN_ int name##_clone(const name##_t *m, name##_t **out)        \
	{                                                                      \
		return gomap_map_clone(name##_handle(m),                       \
		                       (gomap_map_t **)(void *)out);           \
	}                                                                      \
	GOMAP_T_FN_ int name##_shrink(name##_t *m)                             \
	{                                                                      \
		return gomap_map_shrink(name##_handle(m));                     \
	}                                                                      \
	GOMAP_T_FN_ void name##_iter_init(const name##_t *m, name##_iter *it)  \
	{                                                                      \
		gomap_map_iter_init(name##_handle(m), &it->it_);               \
	}                                                                      \
	GOMAP_T_FN_ bool name##_iter_next(name##_iter *it,                     \
	                                  const name##_key_t **k,              \
	                                  name##_val_t **v)                    \
	{                                                                      \
		const void *k_ = NULL;                                         \
		void *v_ = NULL;                                               \
		bool more_ = gomap_map_iter_next(&it->it_, &k_, &v_);          \
		if (more_ && k)                                                \
			*k = (const name##_key_t *)k_;                         \
		if (more_ && v)                                                \
			*v = (name##_val_t *)v_;                               \
		return more_;                                                  \
	}                                                                      \
	GOMAP_T_FN_ void name##_iter_stop(name##_iter *it)                     \
	{                                                                      \
		gomap_map_iter_stop(&it->it_);                                 \
	}                                                                      \
	GOMAP_T_RANGE_(name, gomap_map_range, name##_val_t *, const name##_t *) \
	typedef int name##_define_end_

/* A typed range: a trampoline between the untyped callback and fn. */
#define GOMAP_T_RANGE_(name, range, VPTR, HANDLE)                              \
	struct name##_range_ctx_ {                                             \
		name##_range_fn fn;                                            \
		void *ctx;                                                     \
	};                                                                     \
	GOMAP_T_FN_ bool name##_range_tramp_(const void *k, void *v, void *c)  \
	{                                                                      \
		struct name##_range_ctx_ *t_ = (struct name##_range_ctx_ *)c;  \
		return t_->fn((const name##_key_t *)k, (VPTR)v, t_->ctx);      \
	}                                                                      \
	GOMAP_T_FN_ int name##_range(HANDLE m, name##_range_fn fn, void *ctx)  \
	{                                                                      \
		struct name##_range_ctx_ t_ = {fn, ctx};                       \
		if (!fn)                                                       \
			return GOMAP_EINVAL;                                   \
		return range(name##_handle(m), name##_range_tramp_, &t_);      \
	}

/* ---- the safe maps -------------------------------------------------------------
 * One body for the five variants: their operation sets are the same
 * (cmap.h), under the names gomap_<v>_*. */

#define GOMAP_MUTEX_DEFINE(name, K, V, kdesc, vdesc)                           \
	GOMAP_T_SAFE_DEFINE_(name, K, V, kdesc, vdesc, mutex)
#define GOMAP_RWMUTEX_DEFINE(name, K, V, kdesc, vdesc)                         \
	GOMAP_T_SAFE_DEFINE_(name, K, V, kdesc, vdesc, rwmutex)
#define GOMAP_SHARD_DEFINE(name, K, V, kdesc, vdesc)                           \
	GOMAP_T_SAFE_DEFINE_(name, K, V, kdesc, vdesc, shard)
#define GOMAP_SYNC_DEFINE(name, K, V, kdesc, vdesc)                            \
	GOMAP_T_SAFE_DEFINE_(name, K, V, kdesc, vdesc, sync)
#define GOMAP_CHAN_DEFINE(name, K, V, kdesc, vdesc)                            \
	GOMAP_T_SAFE_DEFINE_(name, K, V, kdesc, vdesc, chan)

#define GOMAP_T_SAFE_DEFINE_(name, K, V, kdesc, vdesc, v)                      \
	GOMAP_T_COMMON_(name, K, V, kdesc, vdesc)                              \
	typedef bool (*name##_range_fn)(const name##_key_t *key,               \
	                                const name##_val_t *val, void *ctx);   \
	GOMAP_T_FN_ gomap_##v##_t *name##_handle(name##_t *m)                  \
	{                                                                      \
		return (gomap_##v##_t *)(void *)m;                             \
	}                                                                      \
	GOMAP_T_FN_ int name##_new(name##_t **out,                             \
	                           const gomap_##v##_options *opt)             \
	{                                                                      \
		gomap_type kd_, vd_;                                           \
		int rc_ = name##_descs_(&kd_, &vd_);                           \
		if (rc_) {                                                     \
			if (out)                                               \
				*out = NULL;                                   \
			return rc_;                                            \
		}                                                              \
		return gomap_##v##_new((gomap_##v##_t **)(void *)out, &kd_,    \
		                       &vd_, opt);                             \
	}                                                                      \
	GOMAP_T_FN_ void name##_free(name##_t *m)                              \
	{                                                                      \
		gomap_##v##_free(name##_handle(m));                            \
	}                                                                      \
	GOMAP_T_FN_ bool name##_load(name##_t *m, name##_key_t k,              \
	                             name##_val_t *val)                        \
	{                                                                      \
		return gomap_##v##_load(name##_handle(m), &k, val) == 1;       \
	}                                                                      \
	GOMAP_T_FN_ int name##_store(name##_t *m, name##_key_t k,              \
	                             name##_val_t val)                         \
	{                                                                      \
		return gomap_##v##_store(name##_handle(m), &k, &val);          \
	}                                                                      \
	GOMAP_T_FN_ int name##_load_or_store(name##_t *m, name##_key_t k,      \
	                                     name##_val_t val,                 \
	                                     name##_val_t *actual)             \
	{                                                                      \
		return gomap_##v##_load_or_store(name##_handle(m), &k, &val,   \
		                                 actual);                      \
	}                                                                      \
	GOMAP_T_FN_ int name##_load_and_delete(name##_t *m, name##_key_t k,    \
	                                       name##_val_t *val)              \
	{                                                                      \
		return gomap_##v##_load_and_delete(name##_handle(m), &k, val); \
	}                                                                      \
	GOMAP_T_FN_ int name##_delete(name##_t *m, name##_key_t k)             \
	{                                                                      \
		return gomap_##v##_delete(name##_handle(m), &k);               \
	}                                                                      \
	GOMAP_T_FN_ int name##_swap(name##_t *m, name##_key_t k,               \
	                            name##_val_t val, name##_val_t *prev)      \
	{                                                                      \
		return gomap_##v##_swap(name##_handle(m), &k, &val, prev);     \
	}                                                                      \
	GOMAP_T_FN_ int name##_compare_and_swap(name##_t *m, name##_key_t k,   \
	                                        name##_val_t old,              \
	                                        name##_val_t new_)             \
	{                                                                      \
		return gomap_##v##_compare_and_swap(name##_handle(m), &k,      \
		                                    &old, &new_);              \
	}                                                                      \
	GOMAP_T_FN_ int name##_compare_and_delete(name##_t *m, name##_key_t k, \
	                                          name##_val_t old)            \
	{                                                                      \
		return gomap_##v##_compare_and_delete(name##_handle(m), &k,    \
		                                      &old);                   \
	}                                                                      \
	GOMAP_T_FN_ size_t name##_len(name##_t *m)                             \
	{                                                                      \
		return gomap_##v##_len(name##_handle(m));                      \
	}                                                                      \
	GOMAP_T_FN_ int name##_clear(name##_t *m)                              \
	{                                                                      \
		return gomap_##v##_clear(name##_handle(m));                    \
	}                                                                      \
	typedef gomap_update_decision (*name##_update_fn)(                     \
	    const name##_key_t *key, name##_val_t *val, bool present,          \
	    void *ctx);                                                        \
	struct name##_update_ctx_ {                                            \
		name##_update_fn fn;                                           \
		void *ctx;                                                     \
	};                                                                     \
	GOMAP_T_FN_ gomap_update_decision name##_update_tramp_(                \
	    const void *k, void *val, bool present, void *c)                   \
	{                                                                      \
		struct name##_update_ctx_ *t_ = (struct name##_update_ctx_ *)c; \
		return t_->fn((const name##_key_t *)k, (name##_val_t *)val,    \
		              present, t_->ctx);                               \
	}                                                                      \
	GOMAP_T_FN_ int name##_update(name##_t *m, name##_key_t k,             \
	                              name##_update_fn fn, void *ctx)          \
	{                                                                      \
		struct name##_update_ctx_ t_ = {fn, ctx};                      \
		if (!fn)                                                       \
			return GOMAP_EINVAL;                                   \
		return gomap_##v##_update(name##_handle(m), &k,                \
		                          name##_update_tramp_, &t_);          \
	}                                                                      \
	GOMAP_T_RANGE_(name, gomap_##v##_range, const name##_val_t *,          \
	               name##_t *)                                             \
	typedef int name##_define_end_

#endif /* GOMAP_TYPED_H */
