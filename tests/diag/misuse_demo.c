/*
 * tests/diag/misuse_demo.c - small programs that misuse a plain map, for
 * docs/debugging.md: what GOMAP_DEBUG, the sanitizers and freeze report.
 * Usage: gomap_misuse_demo MODE
 *   writes         the seed article's program: 10 threads write one map,
 *                  no lock (1000 keys each)
 *   stale-pointer  keep a pointer from gomap_map_get_ptr across inserts
 *                  that grow the map, then read through it
 *   wrong-key      pass a uint32_t key to a map of uint64_t keys
 *   frozen         freeze the map, install the handler, write through a
 *                  pointer from gomap_map_get_ptr
 * Each mode prints what it did when it survives; it is not a test by
 * itself (see tests/diag/CMakeLists.txt for what each config expects).
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <gomap/diag.h>

static gomap_map_t *m;

/* Exported, so that backtraces name it (the demo links with -rdynamic). */
__attribute__((visibility("default"))) void *writer(void *arg);
void *writer(void *arg)
{
	uint64_t base = (uint64_t)(uintptr_t)arg * 1000;
	for (uint64_t i = 0; i < 1000; i++) {
		uint64_t k = base + i, v = k * 2;
		gomap_map_put(m, &k, &v); /* no lock: misuse */
	}
	return NULL;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	if (gomap_map_new(&m, &gomap_type_u64, &gomap_type_u64, 0))
		return 1;
	if (!strcmp(mode, "writes")) {
		pthread_t t[10];
		for (uintptr_t i = 0; i < 10; i++)
			pthread_create(&t[i], NULL, writer, (void *)i);
		for (int i = 0; i < 10; i++)
			pthread_join(t[i], NULL);
		printf("writes: survived, len=%zu (10000 expected)\n", gomap_map_len(m));
	} else if (!strcmp(mode, "stale-pointer")) {
		uint64_t k = 1, v = 10;
		gomap_map_put(m, &k, &v);
		uint64_t *p = gomap_map_get_ptr(m, &k); /* valid until the next write */
		for (k = 2; k < 1000; k++)
			gomap_map_put(m, &k, &v); /* growth frees the table p points into */
		printf("stale-pointer: read %llu through a dangling pointer\n", (unsigned long long)*p);
	} else if (!strcmp(mode, "wrong-key")) {
		uint32_t k = 7; /* the map's keys are uint64_t: 8 bytes are read */
		uint64_t v = 1;
		gomap_map_put(m, &k, &v);
		printf("wrong-key: len=%zu\n", gomap_map_len(m));
	} else if (!strcmp(mode, "frozen")) {
		for (uint64_t k = 0; k < 100; k++)
			gomap_map_put(m, &k, &k);
		gomap_map_freeze(m);
		gomap_freeze_install_handler();
		uint64_t k = 42;
		uint64_t *p = gomap_map_get_ptr(m, &k);
		*p = 0; /* stray write into a frozen map: faults, reported */
		printf("frozen: survived\n");
	} else {
		fprintf(stderr, "usage: %s writes|stale-pointer|wrong-key|frozen\n", argv[0]);
		return 2;
	}
	gomap_map_free(m);
	return 0;
}
