/*
 * src/trace.c - the tracer: Go's `go tool trace` for gomap. Records the
 * events of src/internal/probes.h into per-thread buffers and writes them as
 * Chrome Trace Event JSON (Perfetto, chrome://tracing). Reading a trace
 * back (the contention summary) is the `gomap trace` tool's part
 * (tools/trace_summary.c): the library records.
 * Also defines the USDT semaphores of the probes.
 *
 * Design.
 *  - Recording: each thread owns a buffer (a list of fixed-size chunks),
 *    created at its first event and registered in a global list under
 *    list_lock: the only global lock, taken once per thread. Every event
 *    then takes only the buffer's own mutex, which nobody else touches
 *    except stop (and thread exit), so it is uncontended.
 *  - Memory is bounded: chunks come out of a global budget (events_left);
 *    an event that finds the budget spent is counted in `dropped`.
 *  - Stop: clears gomap__trace_on, drains every buffer under its mutex,
 *    sorts the events by track and time, writes the file.
 *    A thread that saw the flag on just before stop may still add an event
 *    after its buffer was drained; start discards such leftovers.
 *  - Thread exit: a pthread key destructor hands the buffer over to the
 *    list (marked dead, freed at the next drain), so events of short-lived
 *    threads survive until stop.
 *  - Exit and misuse: an atexit handler stops a running trace of this
 *    process; a misuse report stops it before the abort.
 *
 * Tracks. Thread events go to the thread's track (tid = gettid()). Growth
 * spans (B at grow_start, E at grow_end) and migration counters go to one
 * track per map (tid MAP_TRACK + n, named "map 0x..."), because the thread
 * that starts a growth is often not the one that ends it.
 *
 * Ordering/TSan: gomap__trace_on and the settings read on the hot path are
 * relaxed atomics; everything else is under list_lock, a buffer's mutex, or
 * session_lock (start/stop, in that lock order: session, list, buffer).
 *
 * Invariants (GOMAP_ASSERT): active <=> out_file != NULL (session_lock); a
 * buffer's head and tail are both NULL or both set, and no chunk holds more
 * than CHUNK_EVENTS events; stop copies exactly the events the chunks hold,
 * and every map event finds its map's track. A failed assertion reports
 * through gomap__fatal, whose misuse probe comes back here: a thread inside
 * the tracer (tl_in_tracer) is not traced again, so it cannot deadlock on
 * a lock it holds.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gomap/diag.h>

#include "internal/debug.h"
#include "internal/probes.h"
#include "internal/util.h"

#if GOMAP_TRACING

/* ---- USDT semaphores (see probes.h) ---------------------------------------- */

#define SEMAPHORE(name) unsigned short gomap_##name##_semaphore __attribute__((section(".probes")))
SEMAPHORE(grow_start);
SEMAPHORE(grow_end);
SEMAPHORE(evacuate);
SEMAPHORE(op);
SEMAPHORE(lock_wait);
SEMAPHORE(chan_batch);
SEMAPHORE(grace_period);
SEMAPHORE(misuse);

_Atomic int gomap__trace_on;

uint64_t gomap__probe_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- events and buffers ------------------------------------------------------ */

enum { EV_OP = 1, EV_LOCK_WAIT, EV_GROW_START, EV_GROW_END, EV_EVACUATE, EV_CHAN_BATCH, EV_GRACE, EV_MISUSE };

typedef struct tev {
	uint64_t ts;     /* ns, CLOCK_MONOTONIC; span events: their start */
	uint64_t a, b;   /* kind-specific (see write_event) */
	const void *map;
	const char *str; /* site or message: static storage */
	uint32_t tid;
	uint32_t track;  /* filled at stop */
	uint32_t seq;    /* filled at stop: tie-break keeps record order */
	uint8_t kind;
	uint8_t flag;
} tev;

#define CHUNK_EVENTS 1024u
#define MAX_EVENTS ((long)1 << 20)
#define MAP_TRACK 0x40000000u

typedef struct chunk {
	struct chunk *next;
	size_t n;
	tev ev[CHUNK_EVENTS];
} chunk;

typedef struct tbuf {
	pthread_mutex_t lock; /* guards head/tail */
	chunk *head, *tail;
	uint32_t tid;
	bool dead;         /* owner exited; under list_lock */
	struct tbuf *next; /* under list_lock */
} tbuf;

static pthread_mutex_t session_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t list_lock = PTHREAD_MUTEX_INITIALIZER;
static tbuf *buffers;                   /* list_lock */
static pthread_key_t exit_key;
static pthread_once_t exit_key_once = PTHREAD_ONCE_INIT;
static bool exit_key_ok;
static _Thread_local tbuf *tl_buf;
static _Thread_local unsigned tl_sample;
static _Thread_local bool tl_in_tracer; /* holds a tracer lock */

static _Atomic unsigned sample_rate;
static _Atomic long events_left;
static _Atomic uint64_t dropped;

/* Session state: session_lock. */
static bool active;
static FILE *out_file;
static pid_t out_pid;
static uint64_t t_start;
static bool atexit_done;

static void thread_gone(void *p)
{
	tbuf *b = p;
	tl_buf = NULL; /* a later event on this thread registers anew */
	tl_in_tracer = true;
	pthread_mutex_lock(&list_lock);
	pthread_mutex_lock(&b->lock);
	bool empty = b->head == NULL;
	pthread_mutex_unlock(&b->lock);
	if (empty) {
		for (tbuf **pp = &buffers; *pp; pp = &(*pp)->next) {
			if (*pp == b) {
				*pp = b->next;
				break;
			}
		}
		pthread_mutex_destroy(&b->lock);
		free(b);
	} else {
		b->dead = true;
	}
	pthread_mutex_unlock(&list_lock);
	tl_in_tracer = false;
}

static void make_exit_key(void) { exit_key_ok = pthread_key_create(&exit_key, thread_gone) == 0; }

static tbuf *my_buf(void)
{
	tbuf *b = tl_buf;
	if (GOMAP_LIKELY(b != NULL))
		return b;
	b = calloc(1, sizeof *b);
	if (!b)
		return NULL;
	pthread_mutex_init(&b->lock, NULL);
	b->tid = gomap__tid();
	pthread_once(&exit_key_once, make_exit_key);
	pthread_mutex_lock(&list_lock);
	b->next = buffers;
	buffers = b;
	pthread_mutex_unlock(&list_lock);
	if (exit_key_ok)
		(void)pthread_setspecific(exit_key, b);
	tl_buf = b;
	return b;
}

static void record(int kind, const void *m, const char *str, uint64_t ts, uint64_t a, uint64_t b, int flag)
{
	tl_in_tracer = true;
	tbuf *tb = my_buf();
	if (!tb) {
		atomic_fetch_add_explicit(&dropped, 1, memory_order_relaxed);
		tl_in_tracer = false;
		return;
	}
	pthread_mutex_lock(&tb->lock);
	chunk *c = tb->tail;
	if (!c || c->n == CHUNK_EVENTS) {
		chunk *nc = NULL;
		if (atomic_fetch_sub_explicit(&events_left, (long)CHUNK_EVENTS, memory_order_relaxed) >=
		    (long)CHUNK_EVENTS)
			nc = malloc(sizeof *nc);
		if (!nc) {
			pthread_mutex_unlock(&tb->lock);
			atomic_fetch_add_explicit(&dropped, 1, memory_order_relaxed);
			tl_in_tracer = false;
			return;
		}
		nc->next = NULL;
		nc->n = 0;
		if (c)
			c->next = nc;
		else
			tb->head = nc;
		tb->tail = c = nc;
	}
	GOMAP_ASSERT(tb->head != NULL && c->n < CHUNK_EVENTS);
	tev *e = &c->ev[c->n++];
	e->ts = ts;
	e->a = a;
	e->b = b;
	e->map = m;
	e->str = str;
	e->tid = tb->tid;
	e->track = 0;
	e->seq = 0;
	e->kind = (uint8_t)kind;
	e->flag = (uint8_t)flag;
	pthread_mutex_unlock(&tb->lock);
	tl_in_tracer = false;
}

/* ---- hooks (probes.h) ---------------------------------------------------------------- */

void gomap__trace_op(const void *m, int op)
{
	unsigned rate = atomic_load_explicit(&sample_rate, memory_order_relaxed);
	if (rate == 0 || ++tl_sample < rate)
		return;
	tl_sample = 0;
	record(EV_OP, m, NULL, gomap__probe_now(), (uint64_t)op, 0, 0);
}

void gomap__trace_lock_wait(const void *m, const char *site, uint64_t ns)
{
	uint64_t now = gomap__probe_now();
	if (ns > now)
		ns = now;
	record(EV_LOCK_WAIT, m, site, now - ns, ns, 0, 0);
}

void gomap__trace_grace_period(const void *m, uint64_t ns)
{
	uint64_t now = gomap__probe_now();
	if (ns > now)
		ns = now;
	record(EV_GRACE, m, NULL, now - ns, ns, 0, 0);
}

void gomap__trace_grow_start(const void *m, size_t old_cap, size_t new_cap, int same)
{
	record(EV_GROW_START, m, NULL, gomap__probe_now(), old_cap, new_cap, same != 0);
}

void gomap__trace_grow_end(const void *m, size_t cap)
{
	record(EV_GROW_END, m, NULL, gomap__probe_now(), cap, 0, 0);
}

void gomap__trace_evacuate(const void *m, size_t done, size_t total)
{
	record(EV_EVACUATE, m, NULL, gomap__probe_now(), done, total, 0);
}

void gomap__trace_chan_batch(const void *m, size_t n)
{
	record(EV_CHAN_BATCH, m, NULL, gomap__probe_now(), n, 0, 0);
}

static int stop_locked(void);

void gomap__trace_misuse(const void *m, const char *msg)
{
	if (tl_in_tracer)
		return; /* an internal error inside the tracer: its locks are held */
	record(EV_MISUSE, m, msg, gomap__probe_now(), 0, 0, 0);
	/* The process is about to abort: write what we have. */
	tl_in_tracer = true;
	pthread_mutex_lock(&session_lock);
	if (active && out_pid == getpid())
		(void)stop_locked();
	pthread_mutex_unlock(&session_lock);
	tl_in_tracer = false;
}

/* ---- writing ----------------------------------------------------------------------- */

/* An op probe code (internal/ops.h) as a name: "get" for the plain map's,
 * "load" for a safe map's. */
static const char *op_name(uint64_t code)
{
	if (code >= GOMAP__OP_PROBE_SAFE)
		return gomap__op_name((int)(code - GOMAP__OP_PROBE_SAFE), 0);
	return gomap__op_name((int)code, 1);
}

static bool is_map_event(int kind) { return kind == EV_GROW_START || kind == EV_GROW_END || kind == EV_EVACUATE; }

static int cmp_ptr(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t) * (const void *const *)a, y = (uintptr_t) * (const void *const *)b;
	return x < y ? -1 : x > y;
}

static int cmp_event(const void *pa, const void *pb)
{
	const tev *a = pa, *b = pb;
	if (a->track != b->track)
		return a->track < b->track ? -1 : 1;
	if (a->ts != b->ts)
		return a->ts < b->ts ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static void put_json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

/* Microseconds since the trace started, with ns precision. */
static void put_ts(FILE *f, const char *key, uint64_t ns)
{
	fprintf(f, "\"%s\":%llu.%03llu", key, (unsigned long long)(ns / 1000), (unsigned long long)(ns % 1000));
}

static void write_event(FILE *f, const tev *e, unsigned pid, unsigned rate)
{
	uint64_t ts = e->ts > t_start ? e->ts - t_start : 0;
	fputs(",\n{", f);
	switch (e->kind) {
	case EV_OP:
		fprintf(f, "\"name\":\"%s\",\"cat\":\"op\",\"ph\":\"i\",\"s\":\"t\",", op_name(e->a));
		put_ts(f, "ts", ts);
		fprintf(f, ",\"pid\":%u,\"tid\":%u,\"args\":{\"map\":\"%p\",\"op\":%llu,\"sample_rate\":%u}}", pid,
		        e->tid, e->map, (unsigned long long)e->a, rate);
		return;
	case EV_LOCK_WAIT:
	case EV_GRACE: {
		uint64_t dur = e->a;
		if (e->ts < t_start) /* began before the trace: clip */
			dur = dur > t_start - e->ts ? dur - (t_start - e->ts) : 0;
		if (e->kind == EV_LOCK_WAIT) {
			fputs("\"name\":", f);
			put_json_string(f, e->str ? e->str : "lock_wait");
			fputs(",\"cat\":\"lock_wait\",", f);
		} else {
			fputs("\"name\":\"grace_period\",\"cat\":\"grace_period\",", f);
		}
		fputs("\"ph\":\"X\",", f);
		put_ts(f, "ts", ts);
		fputc(',', f);
		put_ts(f, "dur", dur);
		fprintf(f, ",\"pid\":%u,\"tid\":%u,\"args\":{\"map\":\"%p\"", pid, e->tid, e->map);
		if (e->kind == EV_LOCK_WAIT) {
			fputs(",\"site\":", f);
			put_json_string(f, e->str ? e->str : "");
		}
		fputs("}}", f);
		return;
	}
	case EV_CHAN_BATCH:
		fprintf(f, "\"name\":\"chan_batch %p\",\"cat\":\"chan_batch\",\"ph\":\"C\",", e->map);
		put_ts(f, "ts", ts);
		fprintf(f, ",\"pid\":%u,\"tid\":%u,\"args\":{\"requests\":%llu}}", pid, e->tid, (unsigned long long)e->a);
		return;
	case EV_MISUSE:
		fputs("\"name\":", f);
		put_json_string(f, e->str ? e->str : "misuse");
		fputs(",\"cat\":\"misuse\",\"ph\":\"i\",\"s\":\"g\",", f);
		put_ts(f, "ts", ts);
		fprintf(f, ",\"pid\":%u,\"tid\":%u,\"args\":{\"map\":\"%p\",\"thread\":%u}}", pid, e->tid, e->map,
		        e->tid);
		return;
	case EV_GROW_START:
		fputs("\"name\":\"grow\",\"cat\":\"growth\",\"ph\":\"B\",", f);
		put_ts(f, "ts", ts);
		fprintf(f,
		        ",\"pid\":%u,\"tid\":%u,\"args\":{\"map\":\"%p\",\"old_capacity\":%llu,"
		        "\"new_capacity\":%llu,\"same_size\":%s,\"thread\":%u}}",
		        pid, e->track, e->map, (unsigned long long)e->a, (unsigned long long)e->b,
		        e->flag ? "true" : "false", e->tid);
		return;
	case EV_GROW_END:
		fputs("\"name\":\"grow\",\"cat\":\"growth\",\"ph\":\"E\",", f);
		put_ts(f, "ts", ts);
		fprintf(f, ",\"pid\":%u,\"tid\":%u,\"args\":{\"capacity\":%llu,\"thread\":%u}}", pid, e->track,
		        (unsigned long long)e->a, e->tid);
		return;
	case EV_EVACUATE:
		fprintf(f, "\"name\":\"evacuated %p\",\"cat\":\"growth\",\"ph\":\"C\",", e->map);
		put_ts(f, "ts", ts);
		fprintf(f, ",\"pid\":%u,\"tid\":%u,\"args\":{\"groups\":%llu}}", pid, e->track,
		        (unsigned long long)e->a);
		return;
	}
}

/* ---- start / stop ---------------------------------------------------------------------- */

static void free_chunks(chunk *c)
{
	while (c) {
		chunk *next = c->next;
		free(c);
		c = next;
	}
}

/* Take every buffer's chunks (list_lock held). Dead buffers are freed. */
static chunk *drain_all(void)
{
	chunk *all = NULL;
	for (tbuf **pp = &buffers; *pp;) {
		tbuf *b = *pp;
		pthread_mutex_lock(&b->lock);
		chunk *h = b->head, *t = b->tail;
		b->head = b->tail = NULL;
		pthread_mutex_unlock(&b->lock);
		GOMAP_ASSERT((h == NULL) == (t == NULL) && (!t || t->next == NULL));
		if (h) {
			t->next = all;
			all = h;
		}
		if (b->dead) {
			*pp = b->next;
			pthread_mutex_destroy(&b->lock);
			free(b);
		} else {
			pp = &b->next;
		}
	}
	return all;
}

/* Stop and write (session_lock held, active). On a write error, errno
 * holds the OS's reason when this returns. */
static int stop_locked(void)
{
	GOMAP_ASSERT(active && out_file != NULL);
	atomic_store_explicit(&gomap__trace_on, 0, memory_order_relaxed);
	uint64_t t_end = gomap__probe_now();
	pthread_mutex_lock(&list_lock);
	chunk *all = drain_all();
	pthread_mutex_unlock(&list_lock);
	active = false;

	size_t n = 0;
	for (chunk *c = all; c; c = c->next)
		n += c->n;
	int rc = 0;
	tev *ev = malloc((n ? n : 1) * sizeof *ev);
	if (ev) {
		size_t k = 0;
		for (chunk *c = all; c; c = c->next) {
			GOMAP_ASSERT(c->n <= CHUNK_EVENTS);
			memcpy(ev + k, c->ev, c->n * sizeof *ev);
			k += c->n;
		}
		GOMAP_ASSERT(k == n);
		free_chunks(all);
		all = NULL;
	} else {
		rc = GOMAP_ENOMEM;
	}

	/* Map tracks: one per map with growth events, in address order. */
	size_t nmaps = 0;
	const void **maps = NULL;
	if (ev) {
		maps = malloc((n ? n : 1) * sizeof *maps);
		for (size_t i = 0; i < n; i++) {
			ev[i].seq = (uint32_t)i;
			ev[i].track = ev[i].tid;
			if (maps && is_map_event(ev[i].kind))
				maps[nmaps++] = ev[i].map;
		}
		if (maps) {
			qsort(maps, nmaps, sizeof *maps, cmp_ptr);
			size_t u = 0;
			for (size_t i = 0; i < nmaps; i++)
				if (u == 0 || maps[u - 1] != maps[i])
					maps[u++] = maps[i];
			nmaps = u;
			for (size_t i = 0; i < n; i++) {
				if (!is_map_event(ev[i].kind))
					continue;
				const void **hit = bsearch(&ev[i].map, maps, nmaps, sizeof *maps, cmp_ptr);
				GOMAP_ASSERT(hit != NULL);
				ev[i].track = MAP_TRACK + (uint32_t)(hit - maps);
			}
		} else {
			rc = GOMAP_ENOMEM;
			for (size_t i = 0; i < n; i++)
				if (is_map_event(ev[i].kind))
					ev[i].track = MAP_TRACK;
		}
		qsort(ev, n, sizeof *ev, cmp_event);
	}

	FILE *f = out_file;
	unsigned pid = (unsigned)getpid();
	unsigned rate = atomic_load_explicit(&sample_rate, memory_order_relaxed);
	uint64_t nd = atomic_load_explicit(&dropped, memory_order_relaxed);
	fprintf(f, "{\"traceEvents\":[\n{\"name\":\"process_name\",\"ph\":\"M\",\"ts\":0,\"pid\":%u,\"tid\":0,"
	           "\"args\":{\"name\":\"gomap (pid %u)\"}}",
	        pid, pid);
	if (ev) {
		uint32_t last = 0;
		int open = 0; /* growth spans open on this track */
		for (size_t i = 0; i < n; i++) {
			const tev *e = &ev[i];
			if (i == 0 || e->track != last) {
				last = e->track;
				open = 0;
				fprintf(f, ",\n{\"name\":\"thread_name\",\"ph\":\"M\",\"ts\":0,\"pid\":%u,\"tid\":%u,\"args\":{",
				        pid, e->track);
				if (e->track >= MAP_TRACK && is_map_event(e->kind))
					fprintf(f, "\"name\":\"map %p\"}}", maps ? maps[e->track - MAP_TRACK] : (const void *)0);
				else
					fprintf(f, "\"name\":\"thread %u\"}}", e->track);
			}
			/* A growth that began before the trace has no B: drop its E. */
			if (e->kind == EV_GROW_START)
				open++;
			else if (e->kind == EV_GROW_END && open-- == 0) {
				open = 0;
				continue;
			}
			write_event(f, e, pid, rate);
		}
	} else {
		for (chunk *c = all; c; c = c->next)
			for (size_t i = 0; i < c->n; i++) {
				c->ev[i].track = is_map_event(c->ev[i].kind) ? MAP_TRACK : c->ev[i].tid;
				write_event(f, &c->ev[i], pid, rate);
			}
	}
	fprintf(f,
	        "\n],\n\"displayTimeUnit\":\"ns\",\n\"otherData\":{\"producer\":\"gomap %d.%d.%d\","
	        "\"sample_rate\":%u,\"events\":%zu,\"dropped_events\":%llu,\"duration_ns\":%llu}}\n",
	        GOMAP_VERSION_MAJOR, GOMAP_VERSION_MINOR, GOMAP_VERSION_PATCH, rate, n, (unsigned long long)nd,
	        (unsigned long long)(t_end - t_start));
	/* The first failing write's errno is the reason (ENOSPC, EIO...);
	 * buffered output may only fail at fclose. */
	int io_err = 0;
	if (ferror(f))
		io_err = errno ? errno : EIO;
	if (fclose(f) != 0 && !io_err)
		io_err = errno ? errno : EIO;
	if (io_err)
		rc = GOMAP_EINVAL;
	out_file = NULL;

	free(maps);
	free(ev);
	free_chunks(all);
	if (io_err)
		errno = io_err;
	return rc;
}

static void stop_at_exit(void)
{
	tl_in_tracer = true;
	pthread_mutex_lock(&session_lock);
	if (active && out_pid == getpid())
		(void)stop_locked();
	pthread_mutex_unlock(&session_lock);
	tl_in_tracer = false;
}

GOMAP_API int gomap_trace_start(const char *path, unsigned rate)
{
	if (!path || !*path)
		return GOMAP_EINVAL;
	tl_in_tracer = true;
	pthread_mutex_lock(&session_lock);
	if (active) {
		pthread_mutex_unlock(&session_lock);
		tl_in_tracer = false;
		return GOMAP_EBUSY;
	}
	FILE *f = fopen(path, "w");
	if (!f) {
		int err = errno;
		pthread_mutex_unlock(&session_lock);
		tl_in_tracer = false;
		errno = err; /* the caller's reason: ENOENT, EACCES, EISDIR... */
		return GOMAP_EINVAL;
	}
	/* Leftovers recorded while a previous stop ran. */
	pthread_mutex_lock(&list_lock);
	free_chunks(drain_all());
	pthread_mutex_unlock(&list_lock);
	out_file = f;
	out_pid = getpid();
	t_start = gomap__probe_now();
	atomic_store_explicit(&sample_rate, rate, memory_order_relaxed);
	atomic_store_explicit(&events_left, MAX_EVENTS, memory_order_relaxed);
	atomic_store_explicit(&dropped, 0, memory_order_relaxed);
	active = true;
	if (!atexit_done)
		atexit_done = atexit(stop_at_exit) == 0;
	atomic_store_explicit(&gomap__trace_on, 1, memory_order_relaxed);
	GOMAP_ASSERT(active && out_file != NULL);
	pthread_mutex_unlock(&session_lock);
	tl_in_tracer = false;
	return 0;
}

GOMAP_API int gomap_trace_stop(void)
{
	tl_in_tracer = true;
	pthread_mutex_lock(&session_lock);
	GOMAP_ASSERT(active == (out_file != NULL));
	int rc = active ? stop_locked() : GOMAP_EINVAL;
	int err = errno;
	pthread_mutex_unlock(&session_lock);
	tl_in_tracer = false;
	errno = err;
	return rc;
}

GOMAP_API bool gomap_trace_running(void) { return atomic_load_explicit(&gomap__trace_on, memory_order_relaxed) != 0; }

GOMAP_API bool gomap_tracing_compiled(void) { return true; }

/* GOMAP_TRACE=file [GOMAP_TRACE_RATE=n]: trace the whole run. A "%p" in
 * the name becomes the process id, so that programs which start other
 * gomap programs (the environment is inherited) write one file each. */
__attribute__((constructor)) static void trace_env_init(void)
{
	const char *env = getenv("GOMAP_TRACE");
	if (!env || !*env)
		return;
	char path[4096];
	size_t n = 0;
	for (const char *p = env; *p && n + 24 < sizeof path; p++) {
		if (p[0] == '%' && p[1] == 'p') {
			n += (size_t)snprintf(path + n, sizeof path - n, "%ld", (long)getpid());
			p++;
		} else {
			path[n++] = *p;
		}
	}
	path[n] = '\0';
	unsigned rate = 1024;
	const char *r = getenv("GOMAP_TRACE_RATE");
	if (r && *r) {
		char *end;
		unsigned long v = strtoul(r, &end, 10);
		if (*end == '\0')
			rate = v > 0xffffffffu ? 0xffffffffu : (unsigned)v;
	}
	if (gomap_trace_start(path, rate) != 0) {
		char msg[4200];
		int len = snprintf(msg, sizeof msg, "gomap: GOMAP_TRACE: cannot open %s: %s; tracing stays off\n", path,
		                   strerror(errno));
		if (len > 0)
			(void)!write(STDERR_FILENO, msg, (size_t)len < sizeof msg ? (size_t)len : sizeof msg - 1);
	}
}

#else /* !GOMAP_TRACING */

GOMAP_API bool gomap_tracing_compiled(void) { return false; }
GOMAP_API int gomap_trace_start(const char *path, unsigned rate)
{
	(void)path;
	(void)rate;
	return GOMAP_ENOTSUP;
}
GOMAP_API int gomap_trace_stop(void) { return GOMAP_ENOTSUP; }
GOMAP_API bool gomap_trace_running(void) { return false; }

#endif /* GOMAP_TRACING */
