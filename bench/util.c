/*
 * bench/util.c - the small shared helpers of the benchmark: clocks, the
 * usable CPUs, a result's notes field and its identity. They call nothing
 * else of the benchmark, so every other file may use them.
 */
#define _GNU_SOURCE
#include "bench.h"

#include <math.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

const char *gb_keys_name(gb_keys k)
{
	return k == GB_STR ? "str" : "u64";
}

double gb_now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int gb_online_cpus(void)
{
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof set, &set) == 0)
		return CPU_COUNT(&set);
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (int)n : 1;
}

void gb_notes_add(char *notes, size_t size, const char *fmt, ...)
{
	size_t len = strlen(notes);
	if (len + 2 >= size)
		return;
	if (len)
		notes[len++] = ';';
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(notes + len, size - len, fmt, ap);
	va_end(ap);
	/* The notes are one CSV field: no commas, no line breaks. */
	for (char *p = notes + len; *p; p++)
		if (*p == ',' || *p == '\n' || *p == '\r')
			*p = ' ';
}

double gb_notes_get(const char *notes, const char *key)
{
	size_t kl = strlen(key);
	for (const char *p = notes; p && *p;) {
		if (strncmp(p, key, kl) == 0 && p[kl] == '=')
			return strtod(p + kl + 1, NULL);
		p = strchr(p, ';');
		if (p)
			p++;
	}
	return NAN;
}

void gb_result_init(gb_result *r, const gb_cell *c)
{
	memset(r, 0, sizeof *r);
	snprintf(r->impl, sizeof r->impl, "%s", c->impl->name);
	snprintf(r->workload, sizeof r->workload, "%s", c->workload);
	snprintf(r->keys, sizeof r->keys, "%s", gb_keys_name(c->keys));
	r->K = c->K;
	r->threads = c->threads;
	r->ops = c->ops;
	r->median = r->min = r->max = r->mops = NAN;
}

