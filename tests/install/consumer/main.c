/*
 * tests/install/consumer/main.c - a program built against an installed
 * gomap (through pkg-config or find_package): uses the plain map end to end
 * and exits 0 only if it behaves.
 */
#include <stdint.h>
#include <stdio.h>

#include <gomap.h> /* the umbrella header, as installed */

int main(void)
{
	gomap_map_t *m = NULL;
	if (gomap_map_new(&m, &gomap_type_str, &gomap_type_u64, 0) != 0)
		return 1;
	const char *names[] = {"alpha", "beta", "gamma"};
	for (uint64_t i = 0; i < 3; i++)
		if (gomap_map_put(m, &names[i], &i) != 1)
			return 2;
	uint64_t v = 0;
	const char *q = "beta";
	if (gomap_map_get(m, &q, &v) != 1 || v != 1)
		return 3;
	size_t n = 0;
	gomap_iter it;
	gomap_map_iter_init(m, &it);
	while (gomap_map_iter_next(&it, NULL, NULL))
		n++;
	if (n != 3 || gomap_map_len(m) != 3)
		return 4;
	gomap_map_free(m);
	printf("gomap %d.%d.%d consumer ok (%s)\n", GOMAP_VERSION_MAJOR,
	       GOMAP_VERSION_MINOR, GOMAP_VERSION_PATCH, gomap_strerror(GOMAP_ENOMEM));
	return 0;
}
