/*
 * gomap/annotations.h - Clang thread-safety analysis (-Wthread-safety)
 * macros for the safe maps' hand-locking API.
 *
 * The lockable handles (gomap_mutex_t, gomap_rwmutex_t) are declared as
 * capabilities; gomap_mutex_lock() acquires one, and accessors such as
 * gomap_mutex_map() require it. Code that reaches the plain map without
 * holding the lock then gets a compile-time warning under clang:
 *
 *     gomap_map_t *pm = gomap_mutex_map(m);   // warning: requires holding m
 *
 * On compilers other than clang the macros expand to nothing. Users may use
 * them for their own lock wrappers too.
 */
#ifndef GOMAP_ANNOTATIONS_H
#define GOMAP_ANNOTATIONS_H

#if defined(__clang__)
#define GOMAP_TSA_(x) __attribute__((x))
#else
#define GOMAP_TSA_(x)
#endif

/* On a struct: objects of this type are locks, named @x in diagnostics. */
#define GOMAP_CAPABILITY(x) GOMAP_TSA_(capability(x))
/* On a data member: only touch it while holding @x. */
#define GOMAP_GUARDED_BY(x) GOMAP_TSA_(guarded_by(x))
#define GOMAP_PT_GUARDED_BY(x) GOMAP_TSA_(pt_guarded_by(x))
/* On a function: the caller must hold the capabilities (exclusively or
 * shared), or must not hold them. */
#define GOMAP_REQUIRES(...) GOMAP_TSA_(requires_capability(__VA_ARGS__))
#define GOMAP_REQUIRES_SHARED(...) \
	GOMAP_TSA_(requires_shared_capability(__VA_ARGS__))
#define GOMAP_EXCLUDES(...) GOMAP_TSA_(locks_excluded(__VA_ARGS__))
/* On a function: it acquires / releases the capabilities. */
#define GOMAP_ACQUIRE(...) GOMAP_TSA_(acquire_capability(__VA_ARGS__))
#define GOMAP_ACQUIRE_SHARED(...) \
	GOMAP_TSA_(acquire_shared_capability(__VA_ARGS__))
#define GOMAP_RELEASE(...) GOMAP_TSA_(release_capability(__VA_ARGS__))
#define GOMAP_RELEASE_SHARED(...) \
	GOMAP_TSA_(release_shared_capability(__VA_ARGS__))
/* On a function returning @ret on success: it tries to acquire. */
#define GOMAP_TRY_ACQUIRE(...) GOMAP_TSA_(try_acquire_capability(__VA_ARGS__))
#define GOMAP_TRY_ACQUIRE_SHARED(...) \
	GOMAP_TSA_(try_acquire_shared_capability(__VA_ARGS__))
/* On a function: it returns (a reference to) the capability @x. */
#define GOMAP_RETURN_CAPABILITY(x) GOMAP_TSA_(lock_returned(x))
/* On a function: do not analyse its body (for lock implementations). */
#define GOMAP_NO_THREAD_SAFETY_ANALYSIS \
	GOMAP_TSA_(no_thread_safety_analysis)

#endif /* GOMAP_ANNOTATIONS_H */
