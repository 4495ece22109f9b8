/*
 * src/internal/freeze.h - the memory side of gomap_map_freeze (src/freeze.c):
 * moving a table's two arrays into page-aligned mappings, protecting them,
 * and the registry of frozen ranges that the SIGSEGV reporter consults.
 * The plain map (src/map.c) decides when; freeze.c knows how.
 */
#ifndef GOMAP_FREEZE_INTERNAL_H
#define GOMAP_FREEZE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include <gomap/common.h>

/* n rounded up to whole pages: what a mapping of n bytes occupies. */
size_t gomap__page_round(size_t n);

/*
 * Move the arrays *a (na bytes) and *b (nb bytes), allocated through @alloc,
 * into fresh page-aligned anonymous mappings (contents copied, the old
 * blocks freed, *a and *b updated). Returns 0, or GOMAP_ENOMEM with
 * nothing changed.
 */
int gomap__freeze_map(const gomap_allocator *alloc, void **a, size_t na, void **b, size_t nb);

/* Unregister and unmap two arrays that gomap__freeze_map produced. */
void gomap__freeze_unmap(void *a, size_t na, void *b, size_t nb);

/*
 * Make two mapped arrays read-only and register them as frozen memory of
 * @map (for the SIGSEGV reporter). Returns 0, or GOMAP_ENOMEM with both
 * left writable and unregistered.
 */
int gomap__freeze_protect(void *a, size_t na, void *b, size_t nb, const void *map);

/* Unregister two mapped arrays and make them writable again. */
void gomap__freeze_thaw(void *a, size_t na, void *b, size_t nb);

#endif
