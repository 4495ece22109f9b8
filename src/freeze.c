/*
 * src/freeze.c - the memory side of gomap_map_freeze and the SIGSEGV
 * reporter (include/gomap/diag.h, docs/debugging.md). src/map.c decides
 * what to freeze and when (finishing a growth, the frozen flag that writes
 * check); this file moves a table's two arrays (control bytes, slots) into
 * their own page-aligned anonymous mappings, mprotects them, and keeps the
 * list of frozen ranges.
 *
 * Invariants. The SIGSEGV reporter needs to tell a fault in frozen memory
 * from any other: frozen ranges are kept in a list whose nodes are never
 * freed (a free node has start == 0 and is reused), so the handler can
 * walk it at any time without locks. A node is published by its start
 * (release store in range_add, acquire load in the handler), after end and
 * map are set. The handler makes only async-signal-safe calls.
 */
#include <sys/mman.h>
#include <unistd.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <execinfo.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>

#include <gomap/diag.h>

#include "internal/freeze.h"
#include "internal/map_internal.h"
#include "internal/probes.h"

typedef struct frozen_range {
	_Atomic uintptr_t start; /* 0: free node */
	_Atomic uintptr_t end;
	_Atomic(const void *) map;
	struct frozen_range *next; /* immutable once published */
} frozen_range;

static _Atomic(frozen_range *) frozen_ranges;
static pthread_mutex_t frozen_lock = PTHREAD_MUTEX_INITIALIZER;

static size_t page_round(size_t n)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	return (n + pg - 1) / pg * pg;
}

/* Returns false when no node could be allocated (the map is then frozen but
 * the handler will not recognise a fault in it). */
static bool range_add(const void *p, size_t len, const void *map)
{
	bool ok = true;
	pthread_mutex_lock(&frozen_lock);
	frozen_range *r = atomic_load_explicit(&frozen_ranges, memory_order_relaxed);
	while (r && atomic_load_explicit(&r->start, memory_order_relaxed) != 0)
		r = r->next;
	if (!r) {
		r = calloc(1, sizeof *r);
		if (r) {
			r->next = atomic_load_explicit(&frozen_ranges, memory_order_relaxed);
			atomic_store_explicit(&frozen_ranges, r, memory_order_release);
		}
	}
	if (r) {
		atomic_store_explicit(&r->end, (uintptr_t)p + len, memory_order_relaxed);
		atomic_store_explicit(&r->map, map, memory_order_relaxed);
		atomic_store_explicit(&r->start, (uintptr_t)p, memory_order_release);
	} else {
		ok = false;
	}
	pthread_mutex_unlock(&frozen_lock);
	return ok;
}

static void range_del(const void *p)
{
	pthread_mutex_lock(&frozen_lock);
	for (frozen_range *r = atomic_load_explicit(&frozen_ranges, memory_order_relaxed); r; r = r->next)
		if (atomic_load_explicit(&r->start, memory_order_relaxed) == (uintptr_t)p)
			atomic_store_explicit(&r->start, 0, memory_order_release);
	pthread_mutex_unlock(&frozen_lock);
}

/* The frozen map whose table holds address a, or NULL. Async-signal-safe. */
static const void *range_find(uintptr_t a)
{
	for (frozen_range *r = atomic_load_explicit(&frozen_ranges, memory_order_acquire); r; r = r->next) {
		uintptr_t s = atomic_load_explicit(&r->start, memory_order_acquire);
		if (s && a >= s && a < atomic_load_explicit(&r->end, memory_order_relaxed))
			return atomic_load_explicit(&r->map, memory_order_relaxed);
	}
	return NULL;
}

size_t gomap__page_round(size_t n) { return page_round(n); }

int gomap__freeze_map(const gomap_allocator *alloc, void **a, size_t na, void **b, size_t nb)
{
	size_t al = page_round(na), bl = page_round(nb);
	void *ma = mmap(NULL, al, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ma == MAP_FAILED)
		return GOMAP_ENOMEM;
	void *mb = mmap(NULL, bl, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mb == MAP_FAILED) {
		munmap(ma, al);
		return GOMAP_ENOMEM;
	}
	memcpy(ma, *a, na);
	memcpy(mb, *b, nb);
	gomap__free(alloc, *b, nb);
	gomap__free(alloc, *a, na);
	*a = ma;
	*b = mb;
	return 0;
}

void gomap__freeze_unmap(void *a, size_t na, void *b, size_t nb)
{
	range_del(a);
	range_del(b);
	munmap(a, page_round(na));
	munmap(b, page_round(nb));
}

static int protect2(void *a, size_t na, void *b, size_t nb, int prot)
{
	if (mprotect(a, page_round(na), prot) != 0 || mprotect(b, page_round(nb), prot) != 0)
		return GOMAP_ENOMEM;
	return 0;
}

int gomap__freeze_protect(void *a, size_t na, void *b, size_t nb, const void *map)
{
	if (protect2(a, na, b, nb, PROT_READ)) {
		(void)protect2(a, na, b, nb, PROT_READ | PROT_WRITE);
		return GOMAP_ENOMEM;
	}
	/* A range that cannot be registered is still frozen; the reporter
	 * just will not recognise a fault in it. */
	(void)range_add(a, page_round(na), map);
	(void)range_add(b, page_round(nb), map);
	return 0;
}

void gomap__freeze_thaw(void *a, size_t na, void *b, size_t nb)
{
	range_del(a);
	range_del(b);
	(void)protect2(a, na, b, nb, PROT_READ | PROT_WRITE);
}

/* ---- the SIGSEGV reporter ---- */

static struct sigaction freeze_prev_segv;
static atomic_int freeze_handler_state; /* 0 none, 1 installing, 2 installed */

static size_t put_str(char *buf, size_t n, const char *s)
{
	while (*s && n < 255)
		buf[n++] = *s++;
	return n;
}

static size_t put_hex(char *buf, size_t n, uintptr_t v)
{
	char tmp[2 + 2 * sizeof v];
	size_t k = 0;
	do {
		tmp[k++] = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v);
	n = put_str(buf, n, "0x");
	while (k && n < 255)
		buf[n++] = tmp[--k];
	return n;
}

static size_t put_dec(char *buf, size_t n, unsigned long v)
{
	char tmp[24];
	size_t k = 0;
	do {
		tmp[k++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (k && n < 255)
		buf[n++] = tmp[--k];
	return n;
}

static void freeze_segv(int sig, siginfo_t *si, void *uc)
{
	uintptr_t addr = (uintptr_t)si->si_addr;
	const void *map = si->si_code == SEGV_ACCERR ? range_find(addr) : NULL;
	if (map) {
		/* Only async-signal-safe calls from here (backtrace was warmed
		 * up at install time so it does not load libgcc now). */
		char buf[256];
		size_t n = put_str(buf, 0, "fatal error: write to frozen map\n\n[signal SIGSEGV: write to frozen map memory addr=");
		n = put_hex(buf, n, addr);
		n = put_str(buf, n, " map=");
		n = put_hex(buf, n, (uintptr_t)map);
		n = put_str(buf, n, "]\nthread ");
		n = put_dec(buf, n, (unsigned long)gomap__tid());
		n = put_str(buf, n, " backtrace:\n");
		(void)!write(STDERR_FILENO, buf, n);
		void *frames[64];
		int depth = backtrace(frames, 64);
		backtrace_symbols_fd(frames, depth, STDERR_FILENO);
#if GOMAP_TRACING
		STAP_PROBE2(gomap, misuse, map, "write to frozen map");
#endif
		signal(SIGABRT, SIG_DFL);
		abort();
	}
	/* Not ours: chain to the previous disposition. */
	if (freeze_prev_segv.sa_flags & SA_SIGINFO) {
		if (freeze_prev_segv.sa_sigaction) {
			freeze_prev_segv.sa_sigaction(sig, si, uc);
			return;
		}
	} else if (freeze_prev_segv.sa_handler != SIG_DFL && freeze_prev_segv.sa_handler != SIG_IGN) {
		freeze_prev_segv.sa_handler(sig);
		return;
	}
	/* Default action: a real fault repeats once we return; a sent
	 * signal is raised again. */
	signal(sig, SIG_DFL);
	if (si->si_code <= 0)
		raise(sig);
}

GOMAP_API int gomap_freeze_install_handler(void)
{
	int expect = 0;
	if (!atomic_compare_exchange_strong(&freeze_handler_state, &expect, 1)) {
		while (atomic_load(&freeze_handler_state) == 1)
			sched_yield();
		return 0;
	}
	void *warm[4];
	(void)backtrace(warm, 4);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = freeze_segv;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSEGV, &sa, &freeze_prev_segv) != 0) {
		atomic_store(&freeze_handler_state, 0);
		return GOMAP_EINVAL;
	}
	atomic_store(&freeze_handler_state, 2);
	return 0;
}
