/*
 * tests/common/childproc.h - run a function or a program in a child process
 * and collect how it ended and what it wrote, for the tests whose subject
 * kills the process (Go's fatal messages, faults, assertions).
 *
 *   cp_run_fn    fn(arg) in a fork; stdout and stderr captured; no core
 *                dump, default signal dispositions, GOMAP_DEBUG set or
 *                unset for the child
 *   cp_run_exec  a program, the same way
 *   cp_run_ret   fn(arg) in a fork, its return value the exit status;
 *                stderr only, the parent's signal dispositions kept (the
 *                subject may have installed its own handlers)
 *   cp_run_self  this test program again with argv (a fresh process:
 *                none of the parent's threads or liburcu state); stderr
 *
 * Every child gets an alarm, so a hung child dies by SIGALRM instead of
 * hanging the test.
 */
#ifndef GOMAP_TEST_CHILDPROC_H
#define GOMAP_TEST_CHILDPROC_H

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define CP_OUT_MAX 65536

typedef struct cp_result {
	int status; /* as from waitpid */
	char out[CP_OUT_MAX + 1];
	size_t len;
} cp_result;

static inline void cp_child_setup(int fd, unsigned alarm_s)
{
	struct rlimit rl = {0, 0};
	setrlimit(RLIMIT_CORE, &rl);
	const int sigs[] = {SIGABRT, SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGALRM};
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		signal(sigs[i], SIG_DFL);
	dup2(fd, STDERR_FILENO);
	dup2(fd, STDOUT_FILENO);
	close(fd);
	alarm(alarm_s);
}

static inline void cp_collect(int rfd, pid_t pid, cp_result *r)
{
	r->len = 0;
	for (;;) {
		char buf[4096];
		ssize_t n = read(rfd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		size_t room = CP_OUT_MAX - r->len, take = (size_t)n;
		if (take > room)
			take = room; /* keep draining so the child never blocks */
		memcpy(r->out + r->len, buf, take);
		r->len += take;
	}
	r->out[r->len] = '\0';
	close(rfd);
	while (waitpid(pid, &r->status, 0) < 0 && errno == EINTR)
		;
}

/* Run fn(arg) in a forked child with GOMAP_DEBUG=@debug (NULL: unset); the
 * child exits 0 if fn returns. */
static inline void cp_run_fn(void (*fn)(void *), void *arg, const char *debug,
                             unsigned alarm_s, cp_result *r)
{
	int p[2];
	if (pipe(p) != 0) {
		perror("pipe");
		abort();
	}
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0) {
		perror("fork");
		abort();
	}
	if (pid == 0) {
		close(p[0]);
		cp_child_setup(p[1], alarm_s);
		if (debug)
			setenv("GOMAP_DEBUG", debug, 1);
		else
			unsetenv("GOMAP_DEBUG");
		fn(arg);
		fflush(stdout);
		fflush(stderr);
		_exit(0);
	}
	close(p[1]);
	cp_collect(p[0], pid, r);
}

/* Run the program @path with GOMAP_DEBUG=@debug. */
static inline void cp_run_exec(const char *path, const char *debug,
                               unsigned alarm_s, cp_result *r)
{
	int p[2];
	if (pipe(p) != 0) {
		perror("pipe");
		abort();
	}
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0) {
		perror("fork");
		abort();
	}
	if (pid == 0) {
		close(p[0]);
		cp_child_setup(p[1], alarm_s); /* the alarm survives exec */
		if (debug)
			setenv("GOMAP_DEBUG", debug, 1);
		else
			unsetenv("GOMAP_DEBUG");
		execl(path, path, (char *)NULL);
		perror("execl");
		_exit(127);
	}
	close(p[1]);
	cp_collect(p[0], pid, r);
}

/* Run fn(arg) in a forked child whose exit status is fn's return value;
 * only its stderr is captured and no disposition is reset. A child still
 * running after @alarm_s seconds dies of SIGALRM. Returns 0, or -1 when
 * the child could not be started. */
static inline int cp_run_ret(int (*fn)(void *), void *arg, unsigned alarm_s,
                             cp_result *r)
{
	int p[2];
	if (pipe(p) != 0)
		return -1;
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		close(p[0]);
		dup2(p[1], STDERR_FILENO);
		close(p[1]);
		alarm(alarm_s);
		_exit(fn(arg));
	}
	close(p[1]);
	cp_collect(p[0], pid, r);
	return 0;
}

/* Run this program again (/proc/self/exe) with @argv (argv[0] first,
 * NULL-terminated), stderr captured. The child arms its own alarm where it
 * may hang. Returns 0, or -1 when the child could not be started. */
static inline int cp_run_self(char *const argv[], cp_result *r)
{
	int p[2];
	if (pipe(p) != 0)
		return -1;
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		dup2(p[1], STDERR_FILENO);
		close(p[0]);
		close(p[1]);
		execv("/proc/self/exe", argv);
		_exit(127);
	}
	close(p[1]);
	cp_collect(p[0], pid, r);
	return 0;
}

static inline bool cp_aborted(const cp_result *r)
{
	return WIFSIGNALED(r->status) && WTERMSIG(r->status) == SIGABRT;
}

/* A short description of how the child ended, for failure messages. */
static inline const char *cp_describe(const cp_result *r, char *buf,
                                      size_t size)
{
	if (WIFSIGNALED(r->status))
		snprintf(buf, size, "killed by signal %d (%s)", WTERMSIG(r->status),
		         strsignal(WTERMSIG(r->status)));
	else if (WIFEXITED(r->status))
		snprintf(buf, size, "exited with status %d", WEXITSTATUS(r->status));
	else
		snprintf(buf, size, "status 0x%x", r->status);
	return buf;
}

#endif /* GOMAP_TEST_CHILDPROC_H */
