/*
 * tests/diag/debug_level_probe.c - compiled once per GOMAP_DEBUG_LEVEL
 * (0, 1, 2) into the debug-level test, with PROBE_LEVEL naming the copy:
 * probe_assert_N and probe_expensive_N run one GOMAP_ASSERT /
 * GOMAP_ASSERT_EXPENSIVE on a false condition that counts its evaluations.
 */
#include <stddef.h>

#include "internal/debug.h"

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define PROBE_ASSERT CAT(probe_assert_, PROBE_LEVEL)
#define PROBE_EXPENSIVE CAT(probe_expensive_, PROBE_LEVEL)

int PROBE_ASSERT(int *evals);
int PROBE_EXPENSIVE(int *evals);

/* False, and counted: shows whether the macro evaluated its condition. */
static int counted_false(int *evals)
{
	++*evals;
	return 0;
}

int PROBE_ASSERT(int *evals)
{
	GOMAP_ASSERT(counted_false(evals));
	return GOMAP_DEBUG_LEVEL;
}

int PROBE_EXPENSIVE(int *evals)
{
	GOMAP_ASSERT_EXPENSIVE(counted_false(evals), (const void *)evals);
	return GOMAP_DEBUG_LEVEL;
}
