/*
 * gomap/diag.h - diagnostics: the tracer (Go's `go tool trace` for gomap),
 * and freezing a plain map read-only (write protection, with a SIGSEGV
 * reporter for stray writes through dangling pointers).
 *
 * docs/debugging.md walks through all of it, together with GOMAP_DEBUG,
 * `gomap race`, the USDT probes and the sanitizers.
 */
#ifndef GOMAP_DIAG_H
#define GOMAP_DIAG_H

#include "map.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- tracing --------------------------------------------------------------
 * Off by default. Turned on by the environment at library load:
 *     GOMAP_TRACE=out.json [GOMAP_TRACE_RATE=N] ./program
 * (written when the program exits normally or dies of a misuse report; a
 * "%p" in the file name becomes the process id; N defaults to 1024), or
 * by gomap_trace_start/gomap_trace_stop around any part of a program.
 *
 * The output is Chrome Trace Event JSON: open it at https://ui.perfetto.dev
 * or chrome://tracing. It holds, per thread: sampled operations, lock waits
 * (duration, map, call site), RCU grace periods, chan batch sizes, misuse
 * reports; and per map: growth spans (start to end of the incremental
 * migration) and migration progress counters.
 *
 * Events are kept in per-thread buffers in memory (at most about one
 * million events, ~56 MiB; later events are counted as dropped) and
 * written, sorted by thread and time, when the trace stops.
 *
 * The library records; reading a trace is the tool's part, as with Go's
 * `go tool trace`: `gomap trace -i out.json` prints its contention summary
 * (sampled operations, top lock-wait sites, longest growths, chan batch
 * sizes, grace periods, misuse reports).
 */

/* True when the library was built with tracing (CMake GOMAP_TRACING=ON). */
GOMAP_API bool gomap_tracing_compiled(void);

/*
 * gomap_trace_start - start recording into the file @path (created or
 * truncated now, written at stop). @sample_rate: record one operation
 * (get/put/delete ...) in every @sample_rate per thread; 0 records no
 * operations. Lock waits, growth, grace periods, chan batches and misuse are
 * never sampled.
 * Returns 0, GOMAP_EINVAL (NULL path, or the file cannot be opened: then
 * errno holds the OS's reason, e.g. ENOENT or EACCES), GOMAP_EBUSY (a trace
 * is running), GOMAP_ENOTSUP (built without tracing).
 */
GOMAP_API int gomap_trace_start(const char *path, unsigned sample_rate);

/*
 * gomap_trace_stop - stop recording and write the file. Events that other
 * threads record while stop runs are discarded.
 * Returns 0, GOMAP_EINVAL (no trace running, or writing failed: then errno
 * holds the OS's reason, e.g. ENOSPC), GOMAP_ENOMEM (no memory to sort: the
 * file is written unsorted), GOMAP_ENOTSUP.
 */
GOMAP_API int gomap_trace_stop(void);

/* gomap_trace_running - true between start and stop. */
GOMAP_API bool gomap_trace_running(void);

/* ---- freezing ---------------------------------------------------------------
 * A frozen plain map is read-only: reads, iteration, clone and stats work;
 * every write through the API (put, delete, clear, shrink, and the safe
 * maps' operations on it) stops the program (abort(), after the fatal
 * hook; no GOMAP_E* code is returned, as Go panics) with
 *     fatal error: write to frozen map
 * and the table memory itself is made read-only (mprotect), so a stray
 * write through a pointer from gomap_map_get_ptr / gomap_map_iter_next
 * faults at once instead of corrupting the map.
 *
 * Memory cost: on freeze, an in-progress growth is finished and the table
 * arrays (control bytes and slots) are copied into their own page-aligned
 * mappings. Each array is rounded up to whole pages (less than one page of
 * waste per array; a small map pays up to two pages, 8 KiB, for a few
 * bytes), and freeze needs the old and the new arrays at once for the copy.
 * The mappings stay after unfreeze and are released when the table is.
 * Keys and values stored out of line (over 128 bytes) and string bytes the
 * map copied live in their own allocations and are not protected.
 */

/*
 * gomap_map_freeze - make @m read-only as described above. Freezing a
 * frozen map does nothing. A write racing freeze is misuse, as for any write.
 * Returns 0, GOMAP_EINVAL (NULL), GOMAP_ENOMEM (mapping failed: the map is
 * unchanged and writable).
 */
GOMAP_API int gomap_map_freeze(gomap_map_t *m);

/* gomap_map_unfreeze - make @m writable again. Returns 0 or GOMAP_EINVAL. */
GOMAP_API int gomap_map_unfreeze(gomap_map_t *m);

/* gomap_map_frozen - true while @m is frozen. */
GOMAP_API bool gomap_map_frozen(const gomap_map_t *m);

/*
 * gomap_freeze_install_handler - install a SIGSEGV handler (sigaction,
 * SA_SIGINFO) that reports a write fault inside a frozen map's table as
 *     fatal error: write to frozen map
 * with the faulting address, the map and a backtrace, then aborts. Faults
 * anywhere else go to the handler that was installed before (or the
 * default action). Install once, after any other SIGSEGV handler the
 * program wants (sanitizers keep theirs: see docs/debugging.md).
 * Returns 0, or GOMAP_EINVAL if sigaction fails.
 */
GOMAP_API int gomap_freeze_install_handler(void);

#ifdef __cplusplus
}
#endif
#endif /* GOMAP_DIAG_H */
