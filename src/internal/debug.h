/*
 * src/internal/debug.h - internal assertions, tiered by GOMAP_DEBUG_LEVEL
 * (a CMake cache variable; never installed).
 *
 *   level 0  every GOMAP_ASSERT* compiles to nothing (release builds);
 *   level 1  GOMAP_ASSERT: cheap invariants at the places that can break
 *            them (growth steps, migration cursors, slab accounting, RCU
 *            retire, lock ownership);
 *   level 2  also GOMAP_ASSERT_EXPENSIVE: whole-structure validators (the
 *            public *_check walkers) after writes.
 *
 * A failed assertion is a bug in gomap, not in the caller: it prints the
 * condition with file and line through gomap__fatal ("gomap: internal
 * error: ...") and aborts. The condition is still type-checked at level 0
 * (inside `if (0)`), so assertions cannot rot, but it is never evaluated.
 */
#ifndef GOMAP_DEBUG_H
#define GOMAP_DEBUG_H

#ifndef GOMAP_DEBUG_LEVEL
#define GOMAP_DEBUG_LEVEL 0
#endif

_Noreturn void gomap__assert_fail(const char *cond, const char *file, int line,
                                  const void *map);

/* @text is stringified by the public macros, before their argument is
 * macro-expanded, so a report shows the condition as written. */
#define GOMAP_ASSERT_AT_(lvl, cond, text, map)                                 \
	do {                                                                   \
		if (GOMAP_DEBUG_LEVEL >= (lvl) && !(cond))                     \
			gomap__assert_fail(text, __FILE__, __LINE__, (map));   \
	} while (0)

/* GOMAP_ASSERT(cond) - checked at level >= 1. */
#define GOMAP_ASSERT(cond) GOMAP_ASSERT_AT_(1, cond, #cond, NULL)
/* GOMAP_ASSERT_MAP(cond, map) - the same, naming the map in the report. */
#define GOMAP_ASSERT_MAP(cond, map) GOMAP_ASSERT_AT_(1, cond, #cond, map)
/* GOMAP_ASSERT_EXPENSIVE(cond, map) - checked at level >= 2 only: for
 * conditions that walk a whole structure. */
#define GOMAP_ASSERT_EXPENSIVE(cond, map) GOMAP_ASSERT_AT_(2, cond, #cond, map)

#endif
