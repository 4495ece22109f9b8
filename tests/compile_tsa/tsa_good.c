/*
 * tests/compile_tsa/tsa_good.c - correct use of the hand-locking API: must
 * compile cleanly under clang -Wthread-safety -Werror.
 */
#include <gomap/mutex.h>
#include <gomap/rwmutex.h>

int put_locked(gomap_mutex_t *m, uint64_t k, uint64_t v);
int put_locked(gomap_mutex_t *m, uint64_t k, uint64_t v)
{
	gomap_mutex_lock(m);
	int rc = gomap_map_put(gomap_mutex_map(m), &k, &v);
	gomap_mutex_unlock(m);
	return rc;
}

int try_put(gomap_mutex_t *m, uint64_t k, uint64_t v);
int try_put(gomap_mutex_t *m, uint64_t k, uint64_t v)
{
	if (!gomap_mutex_trylock(m))
		return -1;
	int rc = gomap_map_put(gomap_mutex_map(m), &k, &v);
	gomap_mutex_unlock(m);
	return rc;
}

/* A helper that documents its locking requirement is checked at callers. */
static int get_held(gomap_rwmutex_t *m, uint64_t k) GOMAP_REQUIRES_SHARED(m);
static int get_held(gomap_rwmutex_t *m, uint64_t k)
{
	return gomap_map_get(gomap_rwmutex_map_read(m), &k, NULL);
}

int rw_use(gomap_rwmutex_t *m, uint64_t k, uint64_t v);
int rw_use(gomap_rwmutex_t *m, uint64_t k, uint64_t v)
{
	gomap_rwmutex_rlock(m);
	int found = get_held(m, k);
	gomap_rwmutex_runlock(m);
	if (found)
		return 1;
	gomap_rwmutex_lock(m);
	int rc = gomap_map_put(gomap_rwmutex_map(m), &k, &v);
	found = get_held(m, k); /* exclusive implies shared */
	gomap_rwmutex_unlock(m);
	return rc + found;
}
