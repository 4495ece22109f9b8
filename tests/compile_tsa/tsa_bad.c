/*
 * tests/compile_tsa/tsa_bad.c - misuses of the hand-locking API, one per
 * TSA_CASE; each must be rejected by clang -Wthread-safety -Werror with the
 * diagnostic ctest expects (see CMakeLists.txt).
 */
#include <gomap/mutex.h>
#include <gomap/rwmutex.h>

int bad(gomap_mutex_t *m, gomap_rwmutex_t *rw, uint64_t k, uint64_t v);
int bad(gomap_mutex_t *m, gomap_rwmutex_t *rw, uint64_t k, uint64_t v)
{
	(void)m;
	(void)rw;
	(void)k;
	(void)v;
#if TSA_CASE == 1
	/* the plain map without the lock */
	return gomap_map_put(gomap_mutex_map(m), &k, &v);
#elif TSA_CASE == 2
	/* writing under the shared lock */
	gomap_rwmutex_rlock(rw);
	int rc = gomap_map_put(gomap_rwmutex_map(rw), &k, &v);
	gomap_rwmutex_runlock(rw);
	return rc;
#elif TSA_CASE == 3
	/* a lock still held at return */
	gomap_mutex_lock(m);
	return gomap_map_put(gomap_mutex_map(m), &k, &v);
#elif TSA_CASE == 4
	/* unlocking what is not held */
	gomap_mutex_unlock(m);
	return 0;
#elif TSA_CASE == 5
	/* the lock released too early: the map is used after unlock */
	gomap_mutex_lock(m);
	gomap_map_t *pm = gomap_mutex_map(m);
	gomap_mutex_unlock(m);
	(void)pm;
	return (int)gomap_map_len(gomap_mutex_map(m));
#else
#error "TSA_CASE not set"
#endif
}
