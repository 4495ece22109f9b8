/*
 * tests/diag/child.h - run a function in a forked child with its stderr
 * captured, for tests whose subject kills the process (fatal errors,
 * faults). Header-only; the tests that use it are single-threaded when
 * they fork.
 */
#ifndef GOMAP_TEST_CHILD_H
#define GOMAP_TEST_CHILD_H

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct child_result {
	int status;      /* waitpid status */
	char err[16384]; /* captured stderr, NUL-terminated, cut short */
} child_result;

/* Run fn(arg) in a child (its return value is the exit status; a child
 * that runs longer than 30 s is killed by SIGALRM). Returns 0, -1 if fork
 * or pipe failed. */
static inline int run_child(int (*fn)(void *), void *arg, child_result *r)
{
	int fds[2];
	if (pipe(fds) != 0)
		return -1;
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		close(fds[0]);
		dup2(fds[1], STDERR_FILENO);
		close(fds[1]);
		alarm(30);
		_exit(fn(arg));
	}
	close(fds[1]);
	size_t n = 0;
	for (;;) {
		char tmp[4096];
		ssize_t got = read(fds[0], tmp, sizeof tmp);
		if (got <= 0)
			break;
		size_t room = sizeof r->err - 1 - n;
		size_t take = (size_t)got < room ? (size_t)got : room;
		memcpy(r->err + n, tmp, take);
		n += take;
	}
	r->err[n] = '\0';
	close(fds[0]);
	while (waitpid(pid, &r->status, 0) < 0) {
		if (errno != EINTR)
			return -1;
	}
	return 0;
}

static inline bool child_aborted(const child_result *r)
{
	return WIFSIGNALED(r->status) && WTERMSIG(r->status) == SIGABRT;
}

#endif
