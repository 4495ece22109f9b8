/*
 * src/chan.c - the chan map: one owner thread owns a plain map and serves
 * requests that any thread puts on a multi-producer queue.
 *
 * Queue. An intrusive multi-producer / single-consumer linked queue with a
 * stub node, of the same family as liburcu's wfcqueue (wait-free enqueue by
 * one exchange on the tail; the consumer splices the whole queue out at
 * once). It is written here with C11 atomics instead of including
 * urcu/wfcqueue.h because liburcu 0.13 (Debian 12) implements its atomics
 * in inline assembly, invisible to ThreadSanitizer: every request hand-over
 * would be reported as a data race in the tsan build. (liburcu 0.14 can use
 * compiler atomics, CONFIG_RCU_USE_ATOMIC_BUILTINS.)
 *  - push(first..last): last->next = NULL; prev = xchg(tail, last);
 *    prev->next = first (release). Producers never wait.
 *  - take: first = stub.next; if NULL and tail == &stub the queue is empty.
 *    Otherwise stub.next = NULL; last = xchg(tail, &stub): first..last is
 *    ours, and later pushes link after the stub. A link inside first..last
 *    may still be pending (a producer between its xchg and its store): the
 *    consumer spins for it (it is a few instructions away).
 *
 * Owner loop: take everything, execute each request (gomap__cm_exec on the
 * plain map, a transaction, an update, or a snapshot for range), complete
 * it, repeat. An update's callback runs on the owner thread with the map
 * marked in its update frames (src/internal/util.h); calls from the owner
 * thread run inline, and each inline branch checks the frames first, so a
 * callback that calls its own map is a fatal error, not a silent
 * re-entry into the plain map under the callback's feet.
 * When the queue is empty it polls the stub's link @spin times, then sleeps
 * on a futex.
 *
 * Cache lines. With one request in flight (on two CPUs, one caller runs
 * beside the owner) a call costs what its lines cost to move between the
 * two CPUs, so: the owner's part of a request (op, result, key, val, out,
 * link, state, and a synchronous call's copied key and value) is its first
 * line; tail, gate, the stub, the owner-written len and the read-mostly
 * fields each have their own line.
 *
 * Completion: a request's state goes PENDING -> DONE, or PENDING -> WAITING
 * (its waiter sleeps on the futex) -> DONE. The owner writes the result and
 * outputs, then exchanges DONE in (release) and wakes a sleeper; after that
 * exchange it never touches the request again (the waiter may free it).
 * State 0 (UNSUBMITTED) is a zeroed request that was never submitted:
 * nothing will complete it, so waiting on it is refused, not a hang.
 *
 * Shutdown: @gate counts producers inside submit (low bits) plus a CLOSED
 * bit. Submit increments it and refuses if CLOSED; shutdown sets CLOSED,
 * waits until the count is 0, then pushes a sentinel. Every accepted push
 * therefore precedes the sentinel in the queue, and the owner, which stops
 * at the sentinel, has executed them all.
 *
 * Ordering (which store pairs with which load):
 *  - request fields and payload: written by the producer before its
 *    xchg(tail) / release store of prev->next; read by the owner after the
 *    acquire load of that link (or of stub.next).
 *  - results and outputs: written by the owner before the acq_rel exchange
 *    of the state; read by the waiter after its acquire load of DONE.
 *  - sleeping: the owner stores 1 then re-reads tail; a producer xchg's
 *    tail then reads sleeping. All four are seq_cst, so at least one side
 *    sees the other (no lost wake-up).
 *  - gate: a producer's xchg(tail) is sequenced before its release
 *    decrement, which the shutdown's acquire load reads; the sentinel's
 *    xchg follows, so it is after every accepted push in tail's order.
 *  - len: stored (relaxed) by the owner after each write, before the
 *    request completes.
 *  - owner_tid: set by the owner at start and cleared before it exits;
 *    compared only with the caller's own id (relaxed suffices).
 *
 * Invariants: only the owner thread touches the plain map while it runs
 * (inline calls run on it too); tail == &stub iff nothing was pushed since
 * the last take; after `stopped` is set, the queue is empty and every
 * accepted request is DONE. Asserted (debug.h): the owner executes, a
 * request completes once and only after it was queued, the sentinel is
 * last, the queue is empty when the owner stops.
 */
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stddef.h>
#include <string.h>

#include <gomap/chan.h>

#include "internal/probes.h"
#include "internal/cmap_impl.h"
#include "internal/debug.h"
#include "internal/lock.h"
#include "internal/util.h"

/* Internal ops, beyond the public ones. */
enum {
	OP_TXN = GOMAP_CHAN_TXN,
	OP_SNAP = 100,    /* range: out is a gomap__snap */
	OP_SHUTDOWN = 101, /* the sentinel */
	OP_UPDATE = 102    /* key; ctx is a struct upd_call */
};

/* What gomap_chan_update hands the owner (on the caller's stack). */
struct upd_call {
	gomap_update_fn fn;
	void *ctx;
};

#define SAME_OP(a, b) ((int)(a) == (int)(b))
_Static_assert(SAME_OP(GOMAP_CHAN_LOAD, GOMAP__OP_LOAD) &&
               SAME_OP(GOMAP_CHAN_STORE, GOMAP__OP_STORE) &&
               SAME_OP(GOMAP_CHAN_LOAD_OR_STORE, GOMAP__OP_LOAD_OR_STORE) &&
               SAME_OP(GOMAP_CHAN_LOAD_AND_DELETE,
                       GOMAP__OP_LOAD_AND_DELETE) &&
               SAME_OP(GOMAP_CHAN_DELETE, GOMAP__OP_DELETE) &&
               SAME_OP(GOMAP_CHAN_SWAP, GOMAP__OP_SWAP) &&
               SAME_OP(GOMAP_CHAN_COMPARE_AND_SWAP, GOMAP__OP_CAS) &&
               SAME_OP(GOMAP_CHAN_COMPARE_AND_DELETE, GOMAP__OP_CAD) &&
               SAME_OP(GOMAP_CHAN_CLEAR, GOMAP__OP_CLEAR) &&
               SAME_OP(GOMAP_CHAN_TXN, GOMAP__OP_LAST_ + 1),
               "chan ops mirror the internal ops");

enum { ST_UNSUBMITTED = 0, ST_PENDING = 1, ST_WAITING = 2, ST_DONE = 3 };

/* The private part of a request (overlaid on gomap_chan_req.priv_, in the
 * request's first cache line). */
struct req_priv {
	_Atomic(gomap_chan_req *) next;
	_Atomic uint32_t state;
	union {
		/* a synchronous call's key and value (in or out), when they
		 * fit: the owner then finds them in the line it reads anyway,
		 * not in two more lines of the caller's */
		uint64_t inl[2];
		gomap_chan_t *map; /* a submitted request: where */
	} u;
};
_Static_assert(sizeof(struct req_priv) <= sizeof(((gomap_chan_req *)0)->priv_),
               "request private area too small");
_Static_assert(alignof(struct req_priv) <=
                       alignof(union { void *p[4]; uint64_t u[4]; }),
               "request private area misaligned");
_Static_assert(offsetof(gomap_chan_req, priv_) + sizeof(struct req_priv) <= 64,
               "the owner's part of a request spans two cache lines");

static struct req_priv *priv(gomap_chan_req *r)
{
	return (struct req_priv *)(void *)&r->priv_;
}

static const struct req_priv *cpriv(const gomap_chan_req *r)
{
	return (const struct req_priv *)(const void *)&r->priv_;
}

#define GATE_CLOSED (UINT64_C(1) << 63)
#define DEFAULT_SPIN 2000u
#define WAIT_SPIN 50u
#define WAIT_YIELDS 256u

struct gomap_chan {
	/* Producers' lines: the owner exchanges tail once per take, and
	 * never touches gate, which producers then find in their cache. */
	alignas(GOMAP__CACHE_LINE) _Atomic(gomap_chan_req *) tail;
	alignas(GOMAP__CACHE_LINE) _Atomic uint64_t gate;
	/* Read by every producer, written by the owner when it sleeps. */
	alignas(GOMAP__CACHE_LINE) _Atomic uint32_t sleeping;
	/* stub.next is written by the first producer after a take. */
	alignas(GOMAP__CACHE_LINE) gomap_chan_req stub;
	/* Written by the owner only: after every write (len), at exit. */
	alignas(GOMAP__CACHE_LINE) _Atomic size_t len;
	_Atomic uint32_t stopped;
	/* Read-mostly: every call reads owner_tid, kt and vsize. Sharing
	 * a line with len cost each store a cache-line round trip between
	 * the caller and the owner. */
	alignas(GOMAP__CACHE_LINE) _Atomic uint32_t owner_tid;
	gomap_map_t *map;
	const gomap_type *kt; /* the map's own copy */
	pthread_t thread;
	size_t vsize;
	bool vowned; /* copied STR/BYTES values: loads and stores via exec */
	unsigned spin;
	bool has_alloc;
	gomap_allocator alloc;
	void *raw; /* what was allocated (the struct is aligned inside) */
	size_t raw_bytes;
};

static const gomap_allocator *chan_alloc(const gomap_chan_t *m)
{
	return m->has_alloc ? &m->alloc : NULL;
}

static bool on_owner(const gomap_chan_t *m)
{
	return atomic_load_explicit(&m->owner_tid, memory_order_relaxed) ==
	       gomap__tid();
}

/* ---- queue --------------------------------------------------------------- */

static void q_push(gomap_chan_t *m, gomap_chan_req *first,
                   gomap_chan_req *last)
{
	atomic_store_explicit(&priv(last)->next, NULL, memory_order_relaxed);
	gomap_chan_req *prev = atomic_exchange_explicit(&m->tail, last,
	                                                memory_order_seq_cst);
	/* Pairs with the owner's acquire load of this link. */
	atomic_store_explicit(&priv(prev)->next, first, memory_order_release);
}

static bool q_empty(gomap_chan_t *m)
{
	return atomic_load_explicit(&m->tail, memory_order_seq_cst) ==
	       &m->stub;
}

static void spin_pause(unsigned *n)
{
	if (++*n < 64)
		gomap__cpu_relax();
	else
		sched_yield(); /* the producer we wait for was preempted */
}

/* The request after @r if its link is already there, else NULL. */
static gomap_chan_req *q_peek(gomap_chan_req *r)
{
	return atomic_load_explicit(&priv(r)->next, memory_order_acquire);
}

/* Take the whole queue: *first..*last, or false when it is empty. */
static bool q_take(gomap_chan_t *m, gomap_chan_req **first,
                   gomap_chan_req **last)
{
	struct req_priv *sp = priv(&m->stub);
	gomap_chan_req *f = atomic_load_explicit(&sp->next,
	                                         memory_order_acquire);
	if (!f) {
		if (q_empty(m))
			return false;
		unsigned n = 0;
		while (!(f = atomic_load_explicit(&sp->next,
		                                  memory_order_acquire)))
			spin_pause(&n);
	}
	atomic_store_explicit(&sp->next, NULL, memory_order_relaxed);
	*last = atomic_exchange_explicit(&m->tail, &m->stub,
	                                 memory_order_seq_cst);
	*first = f;
	return true;
}

/* The request after @r in a taken chain (its link may be pending). */
static gomap_chan_req *q_next(gomap_chan_req *r)
{
	gomap_chan_req *n;
	unsigned spins = 0;
	while (!(n = atomic_load_explicit(&priv(r)->next,
	                                  memory_order_acquire)))
		spin_pause(&spins);
	return n;
}

static void wake_owner(gomap_chan_t *m)
{
	if (atomic_load_explicit(&m->sleeping, memory_order_seq_cst) &&
	    atomic_exchange_explicit(&m->sleeping, 0, memory_order_seq_cst))
		gomap__futex_wake(&m->sleeping, 1);
}

/* ---- completion ---------------------------------------------------------- */

static void complete(gomap_chan_req *r, int result)
{
	r->result = result;
	/* Pairs with the waiter's acquire load of DONE. */
	uint32_t old = atomic_exchange_explicit(&priv(r)->state, ST_DONE,
	                                        memory_order_acq_rel);
	/* Completed once, and only after it was submitted (or refused). */
	GOMAP_ASSERT(old == ST_PENDING || old == ST_WAITING);
	if (old == ST_WAITING)
		gomap__futex_wake(&priv(r)->state, INT_MAX);
}

GOMAP_API bool gomap_chan_done(const gomap_chan_req *r)
{
	return r && atomic_load_explicit(&cpriv(r)->state,
	                                 memory_order_acquire) == ST_DONE;
}

static int wait_req(gomap_chan_req *r)
{
	_Atomic uint32_t *st = &priv(r)->state;
	for (unsigned i = 0; i < WAIT_SPIN; i++) {
		if (atomic_load_explicit(st, memory_order_acquire) == ST_DONE)
			return r->result;
		gomap__cpu_relax();
	}
	/* Then yield for a while before sleeping: with more callers than
	 * cores, a yield hands the CPU to the owner (or to callers that fill
	 * its next batch), where a futex sleep and wake-up would cost two
	 * system calls and a context switch per request. */
	for (unsigned i = 0; i < WAIT_YIELDS; i++) {
		if (atomic_load_explicit(st, memory_order_acquire) == ST_DONE)
			return r->result;
		sched_yield();
	}
	uint32_t s = ST_PENDING;
	if (atomic_compare_exchange_strong_explicit(st, &s, ST_WAITING,
	                                            memory_order_acquire,
	                                            memory_order_acquire) ||
	    s == ST_WAITING) {
		GOMAP_ASSERT(s == ST_PENDING || s == ST_WAITING);
		while (atomic_load_explicit(st, memory_order_acquire) !=
		       ST_DONE)
			gomap__futex_wait(st, ST_WAITING);
	}
	return r->result;
}

GOMAP_API int gomap_chan_wait(gomap_chan_req *r)
{
	if (!r)
		return GOMAP_EINVAL;
	uint32_t s = atomic_load_explicit(&priv(r)->state,
	                                  memory_order_acquire);
	if (s == ST_DONE)
		return r->result;
	if (s == ST_UNSUBMITTED) /* zeroed, never submitted */
		return GOMAP_EINVAL;
	/* The owner would wait for itself: a request queued behind the
	 * transaction that is running. Refuse instead of deadlocking. */
	if (priv(r)->u.map && on_owner(priv(r)->u.map))
		return GOMAP_EBUSY;
	return wait_req(r);
}

/* ---- the owner thread ------------------------------------------------- */

static int execute(gomap_chan_t *m, gomap_chan_req *r)
{
	GOMAP_ASSERT_MAP(on_owner(m), m); /* only the owner touches the map */
	int rc;
	switch ((int)r->op) {
	case OP_TXN:
		rc = r->fn(m->map, r->ctx);
		break;
	case OP_SNAP:
		return gomap__snap_take(r->out, m->map, chan_alloc(m));
	case OP_UPDATE: {
		/* Marked as an update of m on this (the owner) thread: a call
		 * from fn comes back inline and is reported there. */
		const struct upd_call *u = r->ctx;
		GOMAP_ASSERT_MAP(on_owner(m), m);
		struct gomap__upd_frame f;
		gomap__upd_enter(&f, m);
		rc = gomap__cm_update_h(m->map, r->key,
		                        gomap__map_hash(m->map, r->key), u->fn,
		                        u->ctx, chan_alloc(m));
		gomap__upd_leave(&f);
		break;
	}
	/* load, store and delete straight into the plain map's own entry
	 * points (the request was checked at submission): the owner is the
	 * one thread every request waits for, so its path length is the
	 * map's throughput. */
	case GOMAP__OP_LOAD:
		if (GOMAP_UNLIKELY(m->vowned)) /* the caller's own copy */
			return gomap__cm_exec(m->map, (int)r->op, r->key,
			                      NULL, NULL, r->out);
		return gomap_map_get(m->map, r->key, r->out);
	case GOMAP__OP_STORE:
		if (GOMAP_UNLIKELY(m->vowned)) {
			rc = gomap__cm_exec(m->map, (int)r->op, r->key,
			                    r->val, NULL, NULL);
			break;
		}
		rc = gomap_map_put(m->map, r->key, r->val);
		rc = rc < 0 ? rc : 0;
		break;
	case GOMAP__OP_DELETE:
		rc = gomap_map_delete(m->map, r->key);
		break;
	default:
		rc = gomap__cm_exec(m->map, (int)r->op, r->key, r->val,
		                    r->val2, r->out);
		if (gomap__cm_op_reads_only((int)r->op))
			return rc;
		break;
	}
	size_t n = gomap_map_len(m->map);
	if (atomic_load_explicit(&m->len, memory_order_relaxed) != n)
		atomic_store_explicit(&m->len, n, memory_order_relaxed);
	return rc;
}

/* Sleep until something is queued. */
static void idle(gomap_chan_t *m)
{
	/* Poll the stub's link, not tail: tail is the producers' line, and
	 * reading it between a producer's exchange and its gate decrement
	 * would bounce it once more per request. A producer preempted
	 * between its exchange and its link is seen below (tail). */
	struct req_priv *sp = priv(&m->stub);
	for (unsigned i = 0; i < m->spin; i++) {
		if (atomic_load_explicit(&sp->next, memory_order_relaxed))
			return;
		gomap__cpu_relax();
	}
	atomic_store_explicit(&m->sleeping, 1, memory_order_seq_cst);
	while (q_empty(m) &&
	       atomic_load_explicit(&m->sleeping, memory_order_seq_cst))
		gomap__futex_wait(&m->sleeping, 1);
	atomic_store_explicit(&m->sleeping, 0, memory_order_relaxed);
}

/* Batches pay for themselves here: the owner knows its next keys, so it
 * starts their cache misses PREFETCH_AHEAD requests early and they overlap
 * with the work on the current one instead of following it. */
#define PREFETCH_AHEAD 6u

static void prefetch_req(gomap_chan_t *m, gomap_chan_req *r)
{
	int op = (int)r->op;
	if (((op >= GOMAP__OP_LOAD && op <= GOMAP__OP_LAST_) || op == OP_UPDATE) && r->key)
		gomap__map_prefetch(m->map, r->key);
}

/* Prefetch @pf and return the request after it (NULL: end of the chain
 * ending at @last, or a link not there yet). */
static gomap_chan_req *prefetch_step(gomap_chan_t *m, gomap_chan_req *pf, gomap_chan_req *last)
{
	prefetch_req(m, pf);
	return pf == last ? NULL : q_peek(pf);
}

static void *owner_main(void *arg)
{
	gomap_chan_t *m = arg;
	gomap_chan_req *r, *last, *next;
	bool stop = false;

	atomic_store_explicit(&m->owner_tid, gomap__tid(),
	                      memory_order_relaxed);
	while (!stop) {
		if (!q_take(m, &r, &last)) {
			idle(m);
			continue;
		}
		size_t batch = 0;
		/* pf runs ahead of r (never behind: it is not completed, so
		 * its memory is still the caller's request). */
		gomap_chan_req *pf = r;
		for (unsigned i = 0; pf && i < PREFETCH_AHEAD; i++)
			pf = prefetch_step(m, pf, last);
		for (;;) {
			batch++;
			/* Read the link first: completing r may free it. */
			next = r == last ? NULL : q_next(r);
			if ((int)r->op == OP_SHUTDOWN) {
				/* nothing can follow it: shutdown closed
				 * the gate before pushing it */
				GOMAP_ASSERT_MAP(r == last, m);
				stop = true;
			}
			else
				complete(r, execute(m, r));
			if (pf)
				pf = prefetch_step(m, pf, last);
			if (!next)
				break;
			r = next;
		}
		GOMAP_PROBE_CHAN_BATCH(m->map, batch);
	}
	/* Every accepted request was taken and completed. */
	GOMAP_ASSERT_MAP(q_empty(m) && !q_peek(&m->stub), m);
	atomic_store_explicit(&m->owner_tid, 0, memory_order_relaxed);
	/* Pairs with the acquire loads in gomap_chan_shutdown. */
	atomic_store_explicit(&m->stopped, 1, memory_order_release);
	gomap__futex_wake(&m->stopped, INT_MAX);
	return NULL;
}

/* ---- submitting -------------------------------------------------------- */

static int check_req(const gomap_chan_t *m, const gomap_chan_req *r)
{
	int op = (int)r->op;
	if (op == OP_TXN)
		return r->fn ? 0 : GOMAP_EINVAL;
	if (op < GOMAP__OP_LOAD || op > GOMAP__OP_LAST_)
		return GOMAP_EINVAL;
	return gomap__cm_check_args(op, m->kt, m->vsize, r->key, r->val,
	                            r->val2);
}

static void refuse(gomap_chan_req *r, int err)
{
	priv(r)->u.map = NULL;
	atomic_store_explicit(&priv(r)->next, NULL, memory_order_relaxed);
	atomic_store_explicit(&priv(r)->state, ST_PENDING,
	                      memory_order_relaxed);
	complete(r, err);
}

/* Queue the chain first..last of already-initialised requests, or refuse
 * it (returns GOMAP_ESHUTDOWN). */
static int enqueue(gomap_chan_t *m, gomap_chan_req *first,
                   gomap_chan_req *last)
{
	uint64_t g = atomic_fetch_add_explicit(&m->gate, 1,
	                                       memory_order_acquire);
	if (g & GATE_CLOSED) {
		atomic_fetch_sub_explicit(&m->gate, 1, memory_order_release);
		return GOMAP_ESHUTDOWN;
	}
	q_push(m, first, last);
	/* Pairs with the acquire load in gomap_chan_shutdown. */
	atomic_fetch_sub_explicit(&m->gate, 1, memory_order_release);
	wake_owner(m);
	return 0;
}

static void init_req(gomap_chan_t *m, gomap_chan_req *r)
{
	priv(r)->u.map = m;
	atomic_init(&priv(r)->next, NULL);
	atomic_init(&priv(r)->state, ST_PENDING);
}

GOMAP_API int gomap_chan_submit(gomap_chan_t *m, gomap_chan_req *r)
{
	if (!r)
		return GOMAP_EINVAL;
	int rc = m ? check_req(m, r) : GOMAP_EINVAL;
	if (rc < 0) {
		refuse(r, rc);
		return rc;
	}
	init_req(m, r);
	if (on_owner(m)) { /* from a transaction: run inline */
		gomap__upd_check(m);
		complete(r, execute(m, r));
		return 0;
	}
	rc = enqueue(m, r, r);
	if (rc < 0)
		refuse(r, rc);
	return rc;
}

GOMAP_API int gomap_chan_submit_batch(gomap_chan_t *m, gomap_chan_req *reqs,
                                      size_t n)
{
	if (!m || (!reqs && n))
		return GOMAP_EINVAL;
	gomap_chan_req *first = NULL, *last = NULL;
	bool inline_ = on_owner(m);
	if (inline_)
		gomap__upd_check(m);
	for (size_t i = 0; i < n; i++) {
		gomap_chan_req *r = &reqs[i];
		int rc = check_req(m, r);
		if (rc < 0) {
			refuse(r, rc);
			continue;
		}
		init_req(m, r);
		if (inline_) {
			complete(r, execute(m, r));
			continue;
		}
		if (last)
			atomic_store_explicit(&priv(last)->next, r,
			                      memory_order_relaxed);
		else
			first = r;
		last = r;
	}
	if (!first)
		return 0;
	int rc = enqueue(m, first, last);
	if (rc < 0) {
		for (gomap_chan_req *r = first; r;) {
			gomap_chan_req *nx = r == last ? NULL
			        : atomic_load_explicit(&priv(r)->next,
			                               memory_order_relaxed);
			refuse(r, rc);
			r = nx;
		}
	}
	return rc;
}

/* A synchronous request: submit, then wait (inline on the owner). */
static int call(gomap_chan_t *m, int op, const void *key, const void *val,
                const void *val2, void *out)
{
	if (!m)
		return GOMAP_EINVAL;
	int rc = gomap__cm_check_args(op, m->kt, m->vsize, key, val, val2);
	if (rc < 0)
		return rc;
	if (on_owner(m)) {
		gomap__upd_check(m);
		gomap_chan_req r = {.op = (gomap_chan_op)op, .key = key,
		                    .val = val, .val2 = val2, .out = out};
		return execute(m, &r);
	}
	/* One line for the owner to read and write: the request aligned,
	 * and a load's, store's or delete's key and value copied into it
	 * when they fit (the owner's cache misses on the caller's memory
	 * are the latency every caller waits for). */
	alignas(GOMAP__CACHE_LINE) gomap_chan_req r = {
		.op = (gomap_chan_op)op, .key = key, .val = val, .val2 = val2,
		.out = out};
	init_req(m, &r);
	struct req_priv *p = priv(&r);
	bool vin = false;
	size_t ks = m->kt->size;
	if (ks <= sizeof p->u.inl[0] && m->vsize <= sizeof p->u.inl[1] &&
	    (op == GOMAP__OP_LOAD || op == GOMAP__OP_STORE ||
	     op == GOMAP__OP_DELETE)) {
		memcpy(&p->u.inl[0], key, ks);
		r.key = &p->u.inl[0];
		if (op == GOMAP__OP_STORE && val) { /* NULL: a set's store */
			memcpy(&p->u.inl[1], val, m->vsize);
			r.val = &p->u.inl[1];
		} else if (op == GOMAP__OP_LOAD && out) {
			r.out = &p->u.inl[1];
			vin = true;
		}
	}
	rc = enqueue(m, &r, &r);
	if (rc < 0)
		return rc;
	rc = wait_req(&r);
	if (vin && rc == 1)
		memcpy(out, &p->u.inl[1], m->vsize);
	return rc;
}

GOMAP_API int gomap_chan_load(gomap_chan_t *m, const void *key,
                              void *val_out)
{
	return call(m, GOMAP__OP_LOAD, key, NULL, NULL, val_out);
}

GOMAP_API int gomap_chan_store(gomap_chan_t *m, const void *key,
                               const void *val)
{
	return call(m, GOMAP__OP_STORE, key, val, NULL, NULL);
}

GOMAP_API int gomap_chan_load_or_store(gomap_chan_t *m, const void *key,
                                       const void *val, void *actual_out)
{
	return call(m, GOMAP__OP_LOAD_OR_STORE, key, val, NULL, actual_out);
}

GOMAP_API int gomap_chan_load_and_delete(gomap_chan_t *m, const void *key,
                                         void *val_out)
{
	return call(m, GOMAP__OP_LOAD_AND_DELETE, key, NULL, NULL, val_out);
}

GOMAP_API int gomap_chan_delete(gomap_chan_t *m, const void *key)
{
	return call(m, GOMAP__OP_DELETE, key, NULL, NULL, NULL);
}

GOMAP_API int gomap_chan_swap(gomap_chan_t *m, const void *key,
                              const void *val, void *prev_out)
{
	return call(m, GOMAP__OP_SWAP, key, val, NULL, prev_out);
}

GOMAP_API int gomap_chan_compare_and_swap(gomap_chan_t *m, const void *key,
                                          const void *old, const void *new_)
{
	return call(m, GOMAP__OP_CAS, key, old, new_, NULL);
}

GOMAP_API int gomap_chan_compare_and_delete(gomap_chan_t *m, const void *key,
                                            const void *old)
{
	return call(m, GOMAP__OP_CAD, key, old, NULL, NULL);
}

GOMAP_API int gomap_chan_clear(gomap_chan_t *m)
{
	return call(m, GOMAP__OP_CLEAR, NULL, NULL, NULL, NULL);
}

GOMAP_API size_t gomap_chan_len(gomap_chan_t *m)
{
	return m ? atomic_load_explicit(&m->len, memory_order_relaxed) : 0;
}

GOMAP_API int gomap_chan_txn(gomap_chan_t *m, gomap_atomic_fn fn, void *ctx)
{
	if (!m || !fn)
		return GOMAP_EINVAL;
	/* owned values: the plain map holds the map's own copies (cmap.h) */
	if (m->vowned)
		return GOMAP_ENOTSUP;
	gomap_chan_req r = {.op = GOMAP_CHAN_TXN, .fn = fn, .ctx = ctx};
	if (on_owner(m)) {
		gomap__upd_check(m);
		return execute(m, &r);
	}
	init_req(m, &r);
	int rc = enqueue(m, &r, &r);
	return rc < 0 ? rc : wait_req(&r);
}

GOMAP_API int gomap_chan_range(gomap_chan_t *m, gomap_range_fn fn,
                               void *ctx)
{
	if (!m || !fn)
		return GOMAP_EINVAL;
	if (on_owner(m)) {
		gomap__upd_check(m);
		return gomap__cm_range(m->map, fn, ctx);
	}
	gomap__snap snap;
	memset(&snap, 0, sizeof(snap));
	gomap_chan_req r = {.op = (gomap_chan_op)OP_SNAP, .out = &snap};
	init_req(m, &r);
	int rc = enqueue(m, &r, &r);
	if (rc < 0)
		return rc;
	rc = wait_req(&r);
	if (rc < 0)
		return rc;
	gomap__snap_visit(&snap, fn, ctx);
	gomap__snap_free(&snap);
	return 0;
}

/* One request, executed by the owner thread (inline when called there). */
GOMAP_API int gomap_chan_update(gomap_chan_t *m, const void *key,
                                gomap_update_fn fn, void *ctx)
{
	if (!m || !fn || gomap__cm_check_key(m->kt, key) < 0)
		return GOMAP_EINVAL;
	struct upd_call u = {fn, ctx};
	alignas(GOMAP__CACHE_LINE) gomap_chan_req r = {
		.op = (gomap_chan_op)OP_UPDATE, .key = key, .ctx = &u};
	if (on_owner(m)) {
		gomap__upd_check(m);
		return execute(m, &r);
	}
	init_req(m, &r);
	int rc = enqueue(m, &r, &r);
	return rc < 0 ? rc : wait_req(&r);
}

/* ---- life cycle ---------------------------------------------------------- */

GOMAP_API int gomap_chan_new(gomap_chan_t **out, const gomap_type *kt,
                             const gomap_type *vt,
                             const gomap_chan_options *opt)
{
	if (!out)
		return GOMAP_EINVAL;
	*out = NULL;
	int rc = gomap__cm_check_types(kt, vt);
	if (rc < 0)
		return rc;
	const gomap_allocator *a = opt ? opt->alloc : NULL;
	if (gomap__cm_check_alloc(a) < 0)
		return GOMAP_EINVAL;
	/* The allocator only promises malloc alignment: align by hand. */
	size_t raw_bytes = sizeof(gomap_chan_t) + GOMAP__CACHE_LINE;
	void *raw = gomap__alloc(a, raw_bytes);
	if (!raw)
		return GOMAP_ENOMEM;
	gomap_chan_t *m = (gomap_chan_t *)(((uintptr_t)raw +
	                                    GOMAP__CACHE_LINE - 1) &
	                                   ~(uintptr_t)(GOMAP__CACHE_LINE - 1));
	memset(m, 0, sizeof(*m));
	m->raw = raw;
	m->raw_bytes = raw_bytes;
	if (a) {
		m->alloc = *a;
		m->has_alloc = true;
	}
	m->vsize = vt->size;
	m->vowned = gomap__cm_user_owned(vt);
	m->spin = opt && opt->spin ? opt->spin : DEFAULT_SPIN;
	init_req(m, &m->stub);
	atomic_init(&m->tail, &m->stub);
	atomic_init(&m->gate, 0);
	atomic_init(&m->sleeping, 0);
	atomic_init(&m->owner_tid, 0);
	atomic_init(&m->len, 0);
	atomic_init(&m->stopped, 0);

	gomap_map_options mo = {.hint = opt ? opt->hint : 0,
	                        .alloc = chan_alloc(m)};
	gomap_type ivt;
	rc = gomap_map_new_opts(&m->map, kt, gomap__cm_inner_vt(vt, &ivt, mo.alloc), &mo);
	if (rc < 0)
		goto fail;
	m->kt = gomap__map_key_type(m->map);

	/* The owner thread takes no signals: they belong to the user's
	 * threads. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&m->thread, NULL, owner_main, m);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		gomap_map_free(m->map);
		rc = GOMAP_ENOMEM;
		goto fail;
	}
	pthread_setname_np(m->thread, "gomap-chan");
	*out = m;
	return 0;
fail:
	gomap__free(a, raw, raw_bytes);
	return rc;
}

GOMAP_API int gomap_chan_shutdown(gomap_chan_t *m)
{
	if (!m)
		return GOMAP_EINVAL;
	if (on_owner(m)) {
		gomap__upd_check(m);
		return GOMAP_EBUSY;
	}
	uint64_t g = atomic_fetch_or_explicit(&m->gate, GATE_CLOSED,
	                                      memory_order_acq_rel);
	if (!(g & GATE_CLOSED)) {
		/* Wait for producers inside submit; each is one exchange and
		 * one store away from leaving. Pairs with their release
		 * decrement. */
		unsigned n = 0;
		while (atomic_load_explicit(&m->gate, memory_order_acquire) &
		       ~GATE_CLOSED)
			spin_pause(&n);
		gomap_chan_req sentinel = {.op = (gomap_chan_op)OP_SHUTDOWN};
		init_req(m, &sentinel);
		q_push(m, &sentinel, &sentinel);
		wake_owner(m);
		/* The owner reads the sentinel before it sets stopped, and
		 * never after: the sentinel may live on this stack. */
		while (!atomic_load_explicit(&m->stopped,
		                             memory_order_acquire))
			gomap__futex_wait(&m->stopped, 0);
		return 0;
	}
	while (!atomic_load_explicit(&m->stopped, memory_order_acquire))
		gomap__futex_wait(&m->stopped, 0);
	return 0;
}

GOMAP_API void gomap_chan_free(gomap_chan_t *m)
{
	if (!m)
		return;
	if (on_owner(m))
		gomap__fatal("gomap: gomap_chan_free on the map's owner thread",
		             m, 0);
	gomap_chan_shutdown(m);
	pthread_join(m->thread, NULL);
	gomap_map_free(m->map);
	gomap_allocator a = m->alloc;
	bool has = m->has_alloc;
	gomap__free(has ? &a : NULL, m->raw, m->raw_bytes);
}

/* ---- cmap ops table -------------------------------------------------- */

GOMAP__DEFINE_CMAP_OPS(chan);
