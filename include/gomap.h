/*
 * gomap.h - the umbrella header: every public gomap header in one include.
 *
 *   #include <gomap.h>
 *
 * brings in the plain map (gomap/map.h), the safe variants
 * (gomap/mutex.h, rwmutex.h, shard.h, sync.h, chan.h) and their common
 * table (gomap/cmap.h), the typed wrappers (gomap/typed.h), the lock
 * annotations (gomap/annotations.h) and the diagnostics (gomap/diag.h).
 * Including one header of gomap/ on its own works as well; this one is
 * for programs that use several variants.
 */
#ifndef GOMAP_H
#define GOMAP_H

#include "gomap/common.h"
#include "gomap/annotations.h"
#include "gomap/map.h"
#include "gomap/typed.h"
#include "gomap/mutex.h"
#include "gomap/rwmutex.h"
#include "gomap/shard.h"
#include "gomap/sync.h"
#include "gomap/chan.h"
#include "gomap/cmap.h"
#include "gomap/diag.h"

#endif /* GOMAP_H */
