/*
 * tools/gomap.c - the `gomap` command-line tool: one program, one subcommand
 * per entry of the table below (see commands.h for adding one).
 */
#include <stdio.h>
#include <string.h>

#include <gomap/common.h>

#include "commands.h"

typedef struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *help;
} command;

static const command commands[] = {
#ifdef GOMAP_TOOL_BENCH
	{ "bench", gomap_cmd_bench, "time BENCH.md's workloads on gomap's maps and real peers" },
#endif
	{ "race", gomap_cmd_race, "the article's race experiment: detection rates with and without GOMAP_DEBUG=racewindow" },
	{ "trace", gomap_cmd_trace, "run a workload traced: Perfetto JSON and a contention summary" },
	{ "stats", gomap_cmd_stats, "map statistics through a synthetic workload (plain map and safe maps)" },
	{ NULL, NULL, NULL }
};

static void usage(FILE *f)
{
	fprintf(f, "usage: gomap <command> [options]   (gomap <command> --help)\n\ncommands:\n");
	for (const command *c = commands; c->name; c++)
		fprintf(f, "  %-10s %s\n", c->name, c->help);
	if (!commands[0].name)
		fprintf(f, "  (none in this build)\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	const char *name = argv[1];
	if (strcmp(name, "help") == 0 || strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0) {
		printf("gomap %d.%d.%d\n", GOMAP_VERSION_MAJOR, GOMAP_VERSION_MINOR,
		       GOMAP_VERSION_PATCH);
		return 0;
	}
	for (const command *c = commands; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c->run(argc - 1, argv + 1);
	fprintf(stderr, "gomap: unknown command '%s'", name);
	if (strcmp(name, "bench") == 0)
		fprintf(stderr, " (this build was configured with GOMAP_BUILD_BENCH=OFF)");
	fprintf(stderr, "\n");
	usage(stderr);
	return 2;
}
