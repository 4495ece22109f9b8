/*
 * tests/diag/diag_main.c - a temporary driver for the diagnostics commands
 * (race, trace, stats) until tools/gomap.c lists them; the tests run the
 * commands through it. Usage: gomap_diag race|trace|stats [args...]
 */
#include <stdio.h>
#include <string.h>

int gomap_cmd_race(int argc, char **argv);
int gomap_cmd_trace(int argc, char **argv);
int gomap_cmd_stats(int argc, char **argv);

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {{"race", gomap_cmd_race}, {"trace", gomap_cmd_trace}, {"stats", gomap_cmd_stats}};
	if (argc > 1)
		for (size_t i = 0; i < sizeof cmds / sizeof *cmds; i++)
			if (!strcmp(argv[1], cmds[i].name))
				return cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "usage: %s race|trace|stats [args...]\n", argv[0]);
	return 2;
}
