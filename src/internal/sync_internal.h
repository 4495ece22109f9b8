/*
 * src/internal/sync_internal.h - test hooks of src/sync.c (never installed).
 *
 * GOMAP_SYNC_COUNT_WRITES: when src/sync.c is compiled with this macro (only
 * the test tests/sync/test_sync_nowrite does so, with its own copy of
 * sync.c), every store and read-modify-write that sync.c makes to memory
 * another thread can see (atomics, locks, entry initialisation, counters)
 * also increments the calling thread's gomap__sync_writes. The test asserts
 * that load, a hit of load_or_store and range leave it unchanged.
 */
#ifndef GOMAP_SYNC_INTERNAL_H
#define GOMAP_SYNC_INTERNAL_H

#ifdef GOMAP_SYNC_COUNT_WRITES
extern _Thread_local unsigned long gomap__sync_writes;
#endif

#endif
