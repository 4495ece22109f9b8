/*
 * tests/safe/safe_test.h - helpers for the variant-specific tests of the
 * safe maps: sanitizer scaling and a "dies with this fatal error" check
 * (fork, run, expect abort() and the message passed to the fatal hook).
 */
#ifndef GOMAP_SAFE_TEST_H
#define GOMAP_SAFE_TEST_H

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <cmocka.h>

#include <gomap/common.h>

#include "gomap_test.h"

static inline long st_scale(long n)
{
	return gt_scale_div(n, 2, 4, 1);
}

static int st_fatal_fd = -1;

static void st_fatal_hook(const char *msg, const void *map, void *ctx)
{
	(void)map;
	(void)ctx;
	if (st_fatal_fd >= 0)
		(void)!write(st_fatal_fd, msg, strlen(msg));
}

/*
 * st_expect_fatal - run @fn(@arg) in a child process; it must abort through
 * gomap's fatal error path with a message containing @want.
 */
static inline void st_expect_fatal(void (*fn)(void *), void *arg,
                                   const char *want)
{
	int p[2];
	assert_int_equal(pipe(p), 0);
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		st_fatal_fd = p[1];
		gomap_set_fatal_hook(st_fatal_hook, NULL);
		/* keep the expected report out of the test log */
		int devnull = open("/dev/null", O_WRONLY);
		if (devnull >= 0)
			dup2(devnull, 2);
		fn(arg);
		_exit(0); /* not reached when the misuse is caught */
	}
	close(p[1]);
	char buf[512] = {0};
	size_t got = 0;
	ssize_t r;
	while (got < sizeof buf - 1 &&
	       (r = read(p[0], buf + got, sizeof buf - 1 - got)) > 0)
		got += (size_t)r;
	close(p[0]);
	int st = 0;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGABRT)
		fail_msg("child did not abort (status %#x), message '%s'", st,
		         buf);
	if (!strstr(buf, want))
		fail_msg("fatal message '%s' lacks '%s'", buf, want);
}

#endif /* GOMAP_SAFE_TEST_H */
