/*
 * tests/map/race_demo.c - the seed article's demo, in C: ten threads write
 * one plain map without a lock. Go stops such a program with
 * "fatal error: concurrent map writes"; so does gomap (best effort: run it
 * with GOMAP_DEBUG=racewindow=N to make the race window wide). The program
 * reads GOMAP_DEBUG on the library's first use, like GODEBUG.
 *
 * Exit status 0 means the race went unnoticed (possible: detection is best
 * effort); the detector aborts (SIGABRT) after printing the message.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <gomap/map.h>

#define NTHREADS 10
#define WRITES 20000

static gomap_map_t *m;
static pthread_barrier_t start;

static void *writer(void *arg)
{
	uint64_t id = (uint64_t)(uintptr_t)arg;
	pthread_barrier_wait(&start);
	for (uint64_t i = 0; i < WRITES; i++) {
		uint64_t k = i * NTHREADS + id, v = i; /* m[k] = v */
		gomap_map_put(m, &k, &v);
	}
	return NULL;
}

int main(void)
{
	if (gomap_map_new(&m, &gomap_type_u64, &gomap_type_u64, 0) != 0)
		return 2;
	pthread_t t[NTHREADS];
	pthread_barrier_init(&start, NULL, NTHREADS);
	for (uintptr_t i = 0; i < NTHREADS; i++)
		pthread_create(&t[i], NULL, writer, (void *)i);
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(t[i], NULL);
	printf("no race detected; %zu entries\n", gomap_map_len(m));
	gomap_map_free(m);
	return 0;
}
