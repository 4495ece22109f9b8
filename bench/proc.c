/*
 * bench/proc.c - runs a program and captures its standard output, with a
 * time limit: the one way the benchmark starts another process (a cell's
 * child, `--version` of a child implementation). Calls only util.c.
 */
#define _GNU_SOURCE
#include "bench.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

char *gb_proc_capture(char *const argv[], double timeout, int *status)
{
	*status = -1;
	int fd[2];
	if (pipe(fd) != 0)
		return NULL;
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fd[1], STDOUT_FILENO);
	posix_spawn_file_actions_addclose(&fa, fd[0]);
	posix_spawn_file_actions_addclose(&fa, fd[1]);
	pid_t pid;
	int rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fd[1]);
	if (rc != 0) {
		close(fd[0]);
		return NULL;
	}
	double deadline = timeout > 0 ? gb_now_s() + timeout : 0;
	bool timed_out = false;
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	for (;;) {
		if (deadline) {
			double left = deadline - gb_now_s();
			struct pollfd p = { .fd = fd[0], .events = POLLIN };
			int n = left > 0 ? poll(&p, 1, (int)(left * 1000) + 1) : 0;
			if (n < 0 && errno == EINTR)
				continue;
			if (n == 0) {
				/* The child overran its cell's time: stop it. */
				kill(pid, SIGKILL);
				timed_out = true;
				break;
			}
		}
		if (buf && len + 1 == cap) {
			char *nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				buf = NULL;
			} else {
				buf = nb;
				cap *= 2;
			}
		}
		char sink[4096];
		ssize_t got = buf ? read(fd[0], buf + len, cap - 1 - len)
		                  : read(fd[0], sink, sizeof sink);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		if (buf)
			len += (size_t)got;
	}
	close(fd[0]);
	int ws;
	while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
		;
	*status = timed_out ? GB_PROC_TIMEOUT : WIFEXITED(ws) ? WEXITSTATUS(ws) : -1;
	if (buf)
		buf[len] = '\0';
	return buf;
}
