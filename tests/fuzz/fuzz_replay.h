/*
 * tests/fuzz/fuzz_replay.h - the fuzz targets' main() when they are built
 * without libFuzzer: run each file of the corpus once, so every test
 * configuration replays the corpus as a regular test.
 */
#ifndef GOMAP_FUZZ_REPLAY_H
#define GOMAP_FUZZ_REPLAY_H

#include <dirent.h>
#include <sys/stat.h>

#include "fuzz_model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#ifndef GOMAP_FUZZ_LIBFUZZER
static int fz_replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		return -1;
	}
	size_t cap = 1 << 16, n = 0;
	uint8_t *buf = malloc(cap);
	for (;;) {
		if (n == cap)
			buf = realloc(buf, cap *= 2);
		size_t r = fread(buf + n, 1, cap - n, f);
		if (r == 0)
			break;
		n += r;
	}
	fclose(f);
	fprintf(stderr, "%s: %s (%zu bytes)\n", fz_target, path, n);
	LLVMFuzzerTestOneInput(buf, n);
	free(buf);
	return 1;
}

static int fz_filter(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

/* Usage: prog FILE|DIR...: runs every file once (a directory's files in
 * name order). Fails when nothing was run, so a lost corpus is noticed. */
int main(int argc, char **argv)
{
	long ran = 0;
	for (int a = 1; a < argc; a++) {
		struct stat st;
		if (stat(argv[a], &st) != 0) {
			perror(argv[a]);
			return 1;
		}
		if (!S_ISDIR(st.st_mode)) {
			if (fz_replay_file(argv[a]) < 0)
				return 1;
			ran++;
			continue;
		}
		struct dirent **list;
		int n = scandir(argv[a], &list, fz_filter, alphasort);
		if (n < 0) {
			perror(argv[a]);
			return 1;
		}
		for (int i = 0; i < n; i++) {
			char path[4096];
			snprintf(path, sizeof path, "%s/%s", argv[a],
			         list[i]->d_name);
			if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
				if (fz_replay_file(path) < 0)
					return 1;
				ran++;
			}
			free(list[i]);
		}
		free(list);
	}
	if (ran == 0) {
		fprintf(stderr, "%s: no input replayed\n", fz_target);
		return 1;
	}
	fprintf(stderr, "%s: %ld inputs replayed, all checks passed\n",
	        fz_target, ran);
	return 0;
}
#endif

#endif /* GOMAP_FUZZ_REPLAY_H */
