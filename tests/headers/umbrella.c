/*
 * tests/headers/umbrella.c - compiled with only <gomap.h> included: one
 * name from each public header must be declared (compile-only test, see
 * CMakeLists.txt; as C and, through umbrella.cpp, as C++).
 */
#include <gomap.h>

#ifndef GOMAP_CAPABILITY
#error "gomap.h does not bring in gomap/annotations.h"
#endif
#ifndef GOMAP_MAP_DEFINE
#error "gomap.h does not bring in gomap/typed.h"
#endif

/* A typed wrapper of each kind, as a user of the umbrella would write. */
GOMAP_MAP_DEFINE(um_plain, unsigned long long, int, gomap_type_u64, GOMAP_T_RAW(int));
GOMAP_SYNC_DEFINE(um_sync, const char *, unsigned, gomap_type_str, gomap_type_u32);

int gomap_umbrella_names(void);
int gomap_umbrella_names(void)
{
	/* common.h, map.h, mutex.h, rwmutex.h, shard.h, sync.h, chan.h,
	 * cmap.h, diag.h: one declared function each. */
	typedef void (*fn)(void);
	const fn names[] = {
		(fn)&gomap_strerror,   (fn)&gomap_map_new,
		(fn)&gomap_mutex_new,  (fn)&gomap_rwmutex_new,
		(fn)&gomap_shard_new,  (fn)&gomap_sync_new,
		(fn)&gomap_chan_new,   (fn)&gomap_cmap_find,
		(fn)&gomap_trace_stop, (fn)&gomap_map_freeze,
	};
	um_plain_t *p = 0;
	um_sync_t *s = 0;
	(void)p;
	(void)s;
	return (int)(sizeof names / sizeof names[0]) + GOMAP_OK;
}
