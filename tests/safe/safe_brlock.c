/*
 * tests/safe/safe_brlock.c - the reader-writer lock of the rwmutex map
 * (src/internal/brlock.h) on its own:
 *  - lock/unlock: a biased read returns a count's index and raises that
 *    count for exactly its section; a write revokes the bias, after which
 *    reads go central (token -1) until the bias is turned back on;
 *  - readers share: several threads hold it shared at once;
 *  - a writer excludes readers and writers: threads that write a pair of
 *    plain (non-atomic) words under the exclusive lock and check under the
 *    shared one never see the pair torn, and the writers' increments all
 *    land (TSan, in the tsan config, checks the same accesses for races);
 *  - a writer waits for a reader that holds a count (the drain), and the
 *    reader's exit wakes it.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

#include "internal/brlock.h"

#include "safe_test.h"

static void init(gomap__brlock *l)
{
	assert_int_equal(gomap__brlock_init(l, NULL), 0);
	assert_non_null(l->slots);
	/* a power of two, one per CPU at most GOMAP__BRLOCK_SLOTS_MAX */
	assert_int_equal(l->slot_mask & (l->slot_mask + 1), 0);
	assert_true(l->slot_mask < GOMAP__BRLOCK_SLOTS_MAX);
	assert_true(atomic_load(&l->rbias));
	assert_false(gomap__brlock_wr_held(l));
}

static uint32_t count_sum(gomap__brlock *l)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i <= l->slot_mask; i++)
		n += atomic_load(&l->slots[i].n);
	return n;
}

static void BrlockLockUnlock(void **state)
{
	(void)state;
	gomap__brlock l;
	init(&l);

	/* biased read: a count raised for the section only */
	int t = gomap__brlock_rdlock(&l);
	assert_true(t >= 0 && t <= (int)l.slot_mask);
	assert_true(gomap__brlock_token_ok(&l, t));
	assert_int_equal(atomic_load(&l.slots[t].n), 1);
	assert_int_equal(count_sum(&l), 1);
	gomap__brlock_rdunlock(&l, t);
	assert_int_equal(count_sum(&l), 0);

	/* a write revokes the bias and holds the lock */
	gomap__brlock_wrlock(&l);
	assert_true(gomap__brlock_wr_held(&l));
	assert_false(atomic_load(&l.rbias));
	assert_int_equal(count_sum(&l), 0);
	gomap__brlock_wrunlock(&l);
	assert_false(gomap__brlock_wr_held(&l));

	/* until the bias comes back, a read is central; keep it off */
	atomic_store(&l.inhibit_until, UINT64_MAX);
	t = gomap__brlock_rdlock(&l);
	assert_int_equal(t, -1);
	assert_int_equal(count_sum(&l), 0);
	assert_false(atomic_load(&l.rbias));
	gomap__brlock_rdunlock(&l, t);

	/* once the inhibition passes, a central read turns the bias on */
	atomic_store(&l.inhibit_until, 0);
	t = gomap__brlock_rdlock(&l);
	assert_int_equal(t, -1); /* this one still went central */
	assert_true(atomic_load(&l.rbias));
	gomap__brlock_rdunlock(&l, t);
	t = gomap__brlock_rdlock(&l);
	assert_true(t >= 0);
	gomap__brlock_rdunlock(&l, t);

	/* a write with the bias already off does not revoke again */
	atomic_store(&l.inhibit_until, UINT64_MAX);
	gomap__brlock_wrlock(&l);
	uint64_t until = atomic_load(&l.inhibit_until);
	gomap__brlock_wrunlock(&l);
	gomap__brlock_wrlock(&l);
	assert_true(atomic_load(&l.inhibit_until) == until);
	gomap__brlock_wrunlock(&l);

	gomap__brlock_destroy(&l, NULL);
	assert_null(l.slots);
}

/* ---- readers share -------------------------------------------------- */

static gomap__brlock shl;
static atomic_int inside, peak;

static void *share_reader(void *arg)
{
	(void)arg;
	int t = gomap__brlock_rdlock(&shl);
	int n = atomic_fetch_add(&inside, 1) + 1;
	int p = atomic_load(&peak);
	while (n > p && !atomic_compare_exchange_weak(&peak, &p, n))
		;
	/* wait (bounded) for the other readers to come in too */
	for (int i = 0; i < 200000 && atomic_load(&inside) < 3; i++)
		sched_yield();
	atomic_fetch_sub(&inside, 1);
	gomap__brlock_rdunlock(&shl, t);
	return NULL;
}

static void BrlockReadersShare(void **state)
{
	(void)state;
	for (int central = 0; central < 2; central++) {
		init(&shl);
		if (central) { /* the same through the rwlock */
			atomic_store(&shl.rbias, 0);
			atomic_store(&shl.inhibit_until, UINT64_MAX);
		}
		atomic_store(&inside, 0);
		atomic_store(&peak, 0);
		pthread_t th[3];
		for (int i = 0; i < 3; i++)
			assert_int_equal(pthread_create(&th[i], NULL, share_reader, NULL), 0);
		for (int i = 0; i < 3; i++)
			assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(atomic_load(&peak), 3);
		assert_int_equal(count_sum(&shl), 0);
		gomap__brlock_destroy(&shl, NULL);
	}
}

/* ---- a writer excludes readers and writers ---------------------------- */

static gomap__brlock exl;
static uint64_t pair_a, pair_b; /* plain words: the lock must order them */
static atomic_int torn, writes_done;

#define EX_THREADS 6

static void *ex_worker(void *arg)
{
	long id = (long)arg;
	long iters = st_scale(20000);
	for (long i = 0; i < iters; i++) {
		if ((i + id) % 4 == 0) {
			gomap__brlock_wrlock(&exl);
			uint64_t a = pair_a;
			if (i % 64 == 0)
				sched_yield(); /* a long section: readers must wait */
			pair_a = a + 1;
			pair_b = a + 1;
			gomap__brlock_wrunlock(&exl);
			atomic_fetch_add(&writes_done, 1);
		} else {
			int t = gomap__brlock_rdlock(&exl);
			if (pair_a != pair_b)
				atomic_fetch_add(&torn, 1);
			if (i % 128 == 0)
				sched_yield(); /* a long read section: the drain sleeps */
			if (pair_a != pair_b)
				atomic_fetch_add(&torn, 1);
			gomap__brlock_rdunlock(&exl, t);
		}
	}
	return NULL;
}

static void BrlockWriterExcludes(void **state)
{
	(void)state;
	init(&exl);
	pair_a = pair_b = 0;
	atomic_store(&torn, 0);
	atomic_store(&writes_done, 0);
	pthread_t th[EX_THREADS];
	for (long i = 0; i < EX_THREADS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, ex_worker, (void *)i), 0);
	for (int i = 0; i < EX_THREADS; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	assert_int_equal(atomic_load(&torn), 0);
	assert_true(atomic_load(&writes_done) > 0);
	assert_int_equal(pair_a, (uint64_t)atomic_load(&writes_done)); /* no lost write */
	assert_int_equal(pair_b, pair_a);
	assert_int_equal(count_sum(&exl), 0);
	assert_false(gomap__brlock_wr_held(&exl));
	gomap__brlock_destroy(&exl, NULL);
}

/* ---- a writer waits for a biased reader ------------------------------ */

static gomap__brlock drl;
static atomic_int writer_in, reader_out;

static void *drain_writer(void *arg)
{
	(void)arg;
	gomap__brlock_wrlock(&drl);
	/* the reader left before the writer got in */
	if (!atomic_load(&reader_out))
		atomic_store(&writer_in, -1);
	else
		atomic_store(&writer_in, 1);
	gomap__brlock_wrunlock(&drl);
	return NULL;
}

static void BrlockWriterDrainsReader(void **state)
{
	(void)state;
	init(&drl);
	atomic_store(&writer_in, 0);
	atomic_store(&reader_out, 0);
	int t = gomap__brlock_rdlock(&drl);
	assert_true(t >= 0); /* biased: the writer must drain it */
	pthread_t w;
	assert_int_equal(pthread_create(&w, NULL, drain_writer, NULL), 0);
	/* let the writer revoke, yield its patience away and go to sleep */
	for (int i = 0; i < 2000 && atomic_load(&drl.rbias); i++)
		sched_yield();
	assert_false(atomic_load(&drl.rbias));
	for (int i = 0; i < 2000; i++)
		sched_yield();
	assert_int_equal(atomic_load(&writer_in), 0);
	atomic_store(&reader_out, 1);
	gomap__brlock_rdunlock(&drl, t); /* wakes the writer if it sleeps */
	assert_int_equal(pthread_join(w, NULL), 0);
	assert_int_equal(atomic_load(&writer_in), 1);
	assert_int_equal(count_sum(&drl), 0); /* the sleeper bit is gone too */
	gomap__brlock_destroy(&drl, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(BrlockLockUnlock),
		cmocka_unit_test(BrlockReadersShare),
		cmocka_unit_test(BrlockWriterExcludes),
		cmocka_unit_test(BrlockWriterDrainsReader),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
