/*
 * tools/commands.h - the subcommands of the `gomap` tool.
 *
 * Adding a command X: write tools/cmd_X.c defining gomap_cmd_X, declare it
 * here, add one line to the table in tools/gomap.c, and list the file (and
 * any library it needs) in tools/CMakeLists.txt. A command gets its own
 * name as argv[0] and returns the process exit status.
 */
#ifndef GOMAP_TOOLS_COMMANDS_H
#define GOMAP_TOOLS_COMMANDS_H

int gomap_cmd_bench(int argc, char **argv);
int gomap_cmd_race(int argc, char **argv);
int gomap_cmd_trace(int argc, char **argv);
int gomap_cmd_stats(int argc, char **argv);

#endif /* GOMAP_TOOLS_COMMANDS_H */
