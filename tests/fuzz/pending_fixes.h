/*
 * tests/fuzz/pending_fixes.h - one switch for the checks of Go behaviours
 * that the library was known to get wrong when these tests were written
 * (issue 12): while a fix is not merged, its check fails.
 *
 * GOMAP_CHECK_PENDING_FIXES (default 1: check) covers exactly:
 *  - load_or_store that stores writes the stored value to *actual_out
 *    (mutex, rwmutex, shard, chan left it unwritten);
 *  - an overwrite (store, swap, a successful compare_and_swap, the plain
 *    map's put) replaces the stored key bytes with the new key's when the
 *    key's equal is not bytewise identity: f64 -0 over +0, RAW keys with a
 *    custom equal (borrowed and copied strings keep their documented rule:
 *    the first pointer, the stored copy);
 *  - clear of an empty safe map does not allocate.
 * Build with -DGOMAP_CHECK_PENDING_FIXES=0 (or flip the default here) to
 * leave those three out while everything else is still checked. Used by
 * the fuzz targets (tests/fuzz) and tests/cmap/cmap_differential.c.
 */
#ifndef GOMAP_PENDING_FIXES_H
#define GOMAP_PENDING_FIXES_H

#ifndef GOMAP_CHECK_PENDING_FIXES
#define GOMAP_CHECK_PENDING_FIXES 1
#endif

#endif /* GOMAP_PENDING_FIXES_H */
