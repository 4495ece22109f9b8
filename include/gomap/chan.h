/*
 * gomap/chan.h - the "one goroutine owns the map" pattern: a plain map that
 * only its owner thread touches, serving requests from any thread through a
 * multi-producer queue.
 *
 * Every request is executed by the owner thread, one at a time, in queue
 * order; each is atomic (linearizable) and a request from one thread is
 * executed after every earlier request of that thread. Callers either wait
 * for the answer (the cmap.h operations below: submit, then wait) or submit
 * requests asynchronously and collect them later (gomap_chan_submit +
 * gomap_chan_wait), many in flight at once. The owner takes every queued
 * request at each wake-up and serves them as one batch; it sleeps only when
 * the queue stays empty for a short spin.
 *
 * Transactions: gomap_chan_txn runs a function on the owner thread with the
 * plain map, so any multi-key read-modify-write is atomic. gomap_chan_*
 * calls made on the owner thread (from a transaction) run inline. A
 * transaction that calls another chan map synchronously waits for that
 * map's owner: transactions calling each other's maps in a cycle deadlock.
 *
 * Shutdown (gomap_chan_shutdown, or implicitly gomap_chan_free): every
 * request accepted before it completes; every request after it is refused
 * with GOMAP_ESHUTDOWN. The map's entries stay until gomap_chan_free; len
 * still answers.
 *
 * Synchronization table: every call may overlap any other from other
 * threads, except gomap_chan_free (nothing may overlap it, and no request
 * may be submitted after it starts). A request must not be touched by the
 * caller between submit and the return of wait (or done() == true).
 */
#ifndef GOMAP_CHAN_H
#define GOMAP_CHAN_H

#include "map.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gomap_chan gomap_chan_t;

/* Options; zero-initialise (or pass NULL) for the defaults. */
typedef struct gomap_chan_options {
	GOMAP_OPTIONS_BASE; /* hint (see cmap.h for bogus and huge hints),
	                       alloc (thread-safe): common.h */
	unsigned spin;      /* owner polls of an empty queue before
	                       sleeping (0: default) */
} gomap_chan_options;

/* What an asynchronous request asks for. */
typedef enum gomap_chan_op {
	GOMAP_CHAN_LOAD = 1,         /* key, out              */
	GOMAP_CHAN_STORE,            /* key, val              */
	GOMAP_CHAN_LOAD_OR_STORE,    /* key, val, out         */
	GOMAP_CHAN_LOAD_AND_DELETE,  /* key, out              */
	GOMAP_CHAN_DELETE,           /* key                   */
	GOMAP_CHAN_SWAP,             /* key, val, out         */
	GOMAP_CHAN_COMPARE_AND_SWAP, /* key, val (old), val2 (new) */
	GOMAP_CHAN_COMPARE_AND_DELETE, /* key, val (old)      */
	GOMAP_CHAN_CLEAR,            /* -                     */
	GOMAP_CHAN_TXN               /* fn, ctx               */
} gomap_chan_op;

/*
 * gomap_chan_req - one asynchronous request, owned by the caller (stack,
 * array, anywhere). Fill the fields the op needs (zero the rest), submit,
 * then wait. Everything the request points to (key, val, val2, out, ctx)
 * must stay valid until the request completes; @out is written by the
 * owner thread. @result holds what the synchronous call would return once
 * the request is complete.
 */
typedef struct gomap_chan_req {
	/* What the owner reads and writes for a load, store or delete comes
	 * first: in a request aligned to 64 bytes it is one cache line. */
	gomap_chan_op op;
	int result;
	const void *key;
	const void *val;
	void *out;
	union { /* private to the map */
		void *p[4];
		uint64_t u[4];
	} priv_;
	const void *val2;
	gomap_atomic_fn fn;
	void *ctx;
} gomap_chan_req;

/*
 * gomap_chan_new - create an empty map and start its owner thread (see
 * gomap_mutex_new). Returns 0, GOMAP_EINVAL, GOMAP_ENOTSUP, or
 * GOMAP_ENOMEM (also when the thread cannot be started).
 */
GOMAP_API int gomap_chan_new(gomap_chan_t **out, const gomap_type *kt,
                             const gomap_type *vt,
                             const gomap_chan_options *opt);
/* gomap_chan_free - shut down (if not yet), stop the owner thread, destroy
 * the map. NULL: no-op. Not from the owner thread. */
GOMAP_API void gomap_chan_free(gomap_chan_t *m);
/*
 * gomap_chan_shutdown - refuse new requests (GOMAP_ESHUTDOWN), let every
 * accepted one complete, stop the owner thread; returns once it stopped.
 * May be called from several threads and more than once. Returns 0,
 * GOMAP_EINVAL, or GOMAP_EBUSY on the owner thread (it cannot wait for
 * itself).
 */
GOMAP_API int gomap_chan_shutdown(gomap_chan_t *m);

/*
 * gomap_chan_submit - queue @r. Returns 0 if accepted (it will complete),
 * or GOMAP_EINVAL (bad request) / GOMAP_ESHUTDOWN: refused, in which case
 * @r is complete already with that result, so wait() also returns it. On
 * the owner thread the request runs inline and is complete on return.
 */
GOMAP_API int gomap_chan_submit(gomap_chan_t *m, gomap_chan_req *r);
/* gomap_chan_submit_batch - submit @n requests with one queue operation.
 * Each request is accepted, or complete at once with its error (a bad one
 * with GOMAP_EINVAL, all of them with GOMAP_ESHUTDOWN after shutdown).
 * Returns 0, GOMAP_EINVAL (NULL map or array) or GOMAP_ESHUTDOWN. */
GOMAP_API int gomap_chan_submit_batch(gomap_chan_t *m, gomap_chan_req *reqs,
                                      size_t n);
/*
 * gomap_chan_wait - block until @r (submitted) is complete; returns
 * r->result. Spins briefly, then sleeps. On the owner thread, waiting for
 * a request that is not complete would deadlock: returns GOMAP_EBUSY
 * without waiting. A request that was never submitted (zero-initialised)
 * would never complete: returns GOMAP_EINVAL at once. Waiting again on a
 * complete request returns its result again.
 */
GOMAP_API int gomap_chan_wait(gomap_chan_req *r);
/* gomap_chan_done - true once @r (submitted) is complete; false for a
 * request never submitted. */
GOMAP_API bool gomap_chan_done(const gomap_chan_req *r);

/* The operations of cmap.h, synchronous (submit + wait); return values and
 * outputs as documented there (an asynchronous request's @out follows the
 * same rules), or GOMAP_ESHUTDOWN after shutdown. */
GOMAP_API int gomap_chan_load(gomap_chan_t *m, const void *key,
                              void *val_out);
GOMAP_API int gomap_chan_store(gomap_chan_t *m, const void *key,
                               const void *val);
GOMAP_API int gomap_chan_load_or_store(gomap_chan_t *m, const void *key,
                                       const void *val, void *actual_out);
GOMAP_API int gomap_chan_load_and_delete(gomap_chan_t *m, const void *key,
                                         void *val_out);
GOMAP_API int gomap_chan_delete(gomap_chan_t *m, const void *key);
GOMAP_API int gomap_chan_swap(gomap_chan_t *m, const void *key,
                              const void *val, void *prev_out);
GOMAP_API int gomap_chan_compare_and_swap(gomap_chan_t *m, const void *key,
                                          const void *old, const void *new_);
GOMAP_API int gomap_chan_compare_and_delete(gomap_chan_t *m, const void *key,
                                            const void *old);
/*
 * gomap_chan_range - the owner copies the entries (one consistent
 * snapshot, between two requests), then @fn is called on the calling
 * thread with no lock held: @fn may call anything on the map, and @key /
 * @val point into the copy (valid during the call). Returns 0,
 * GOMAP_EINVAL, GOMAP_ENOMEM (copy not allocated) or GOMAP_ESHUTDOWN. On
 * the owner thread it iterates the plain map in place instead.
 */
GOMAP_API int gomap_chan_range(gomap_chan_t *m, gomap_range_fn fn,
                               void *ctx);
/* gomap_chan_len - entries, as of the last completed request; no round
 * trip to the owner. 0 for NULL. */
GOMAP_API size_t gomap_chan_len(gomap_chan_t *m);
GOMAP_API int gomap_chan_clear(gomap_chan_t *m);

/*
 * gomap_chan_update - atomic read-modify-write of one key (cmap.h), as one
 * request: the owner thread runs @fn with the current value (or its
 * absence) and applies its decision, keep, set or delete
 * (gomap_update_fn). Returns 1 (the key was present), 0 (absent),
 * GOMAP_EINVAL, GOMAP_ENOMEM (map unchanged) or GOMAP_ESHUTDOWN. @fn runs
 * on the owner thread and must not call @m (fatal error). Inline on the
 * owner thread (from a transaction).
 */
GOMAP_API int gomap_chan_update(gomap_chan_t *m, const void *key,
                                gomap_update_fn fn, void *ctx);

/*
 * gomap_chan_txn - run @fn(map, @ctx) on the owner thread, between two
 * requests: the whole function is atomic. @fn must not keep pointers into
 * the map, nor hand the map to other threads (the plain map's misuse
 * checks stay on and catch concurrent use). Returns @fn's value,
 * GOMAP_EINVAL, GOMAP_ESHUTDOWN, or GOMAP_ENOTSUP (owned str/bytes values,
 * see cmap.h: @fn not called).
 */
GOMAP_API int gomap_chan_txn(gomap_chan_t *m, gomap_atomic_fn fn, void *ctx);

#ifdef __cplusplus
}
#endif
#endif /* GOMAP_CHAN_H */
