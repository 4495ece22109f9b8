/*
 * bench/describe.c - what a run was: the CSV's comment lines (date,
 * command, machine, compiler, libraries, settings, the meaning of the
 * columns) and the plot's caption. The build facts come from CMake
 * (GB_* definitions on this file).
 */
#define _GNU_SOURCE
#include "driver.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>

static char *read_cpu_model(void)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[512];
	char *model = NULL;
	while (f && fgets(line, sizeof line, f)) {
		if (strncmp(line, "model name", 10) == 0) {
			char *c = strchr(line, ':');
			if (c) {
				c++;
				while (*c == ' ' || *c == '\t')
					c++;
				c[strcspn(c, "\n")] = '\0';
				model = strdup(c);
			}
			break;
		}
	}
	if (f)
		fclose(f);
	return model ? model : strdup("unknown CPU");
}

typedef struct sbuf {
	char *s;
	size_t n, cap;
} sbuf;

static void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(sbuf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int need = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (need < 0)
		return;
	if (b->n + (size_t)need + 1 > b->cap) {
		size_t cap = (b->n + (size_t)need + 1) * 2;
		char *s = realloc(b->s, cap);
		if (!s)
			return;
		b->s = s;
		b->cap = cap;
	}
	va_start(ap, fmt);
	vsnprintf(b->s + b->n, b->cap - b->n, fmt, ap);
	va_end(ap);
	b->n += (size_t)need;
}

const char *gb_today(void)
{
	static char date[32];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return date;
}

char *gb_describe_run(int argc, char **argv, const gb_opts *o, const gb_plan *p,
                      char **caption)
{
	sbuf b = { 0 };
	const char *date = gb_today();
	struct utsname un;
	uname(&un);
	char *cpu = read_cpu_model();
	int ncpu = gb_online_cpus();
	sb_printf(&b, "gomap bench: the workloads of BENCH.md (docs/benchmarks.md explains the "
	              "columns)\n");
	sb_printf(&b, "date: %s\n", date);
	sb_printf(&b, "command: gomap bench");
	for (int i = 1; i < argc; i++)
		sb_printf(&b, " %s", argv[i]);
	sb_printf(&b, "\n");
	sb_printf(&b, "cpu: %s; %d CPUs usable; %s %s %s\n", cpu, ncpu, un.sysname, un.release,
	          un.machine);
	sb_printf(&b, "compiler: C %s [%s]; C++ %s [%s]; build type %s\n", GB_C_COMPILER,
	          GB_C_FLAGS, GB_CXX_COMPILER, GB_CXX_FLAGS, GB_BUILD_TYPE);
	sb_printf(&b, "gomap: %s%s%s%s; library built with %s\n", GB_GOMAP_VERSION,
	          *GB_GIT_COMMIT ? "; git " : "", GB_GIT_COMMIT,
	          *GB_GIT_COMMIT ? " (at configure time)" : "", GB_BUILD_DEFS);
	sb_printf(&b, "libraries:");
	const char *seen[64];
	int ns = 0;
	for (int i = 0; i < p->nimpl; i++) {
		const char *v = p->impls[i]->version;
		if (!v)
			continue;
		int j;
		for (j = 0; j < ns && strcmp(seen[j], v) != 0; j++)
			;
		if (j < ns || ns == 64)
			continue;
		seen[ns++] = v;
		sb_printf(&b, "%s %s", ns > 1 ? ";" : "", v);
	}
	if (!ns)
		sb_printf(&b, " (none besides gomap)");
	sb_printf(&b, "\n");
	const char *missing = gb_impls_missing();
	if (*missing)
		sb_printf(&b, "not built: %s\n", missing);
	sb_printf(&b, "settings: seed=%llu; reps>=%d; min-time=%g s; pin=%s; quick=%s; "
	          "timeout=%g s; cells run %s\n",
	          (unsigned long long)o->seed, o->reps, o->min_time, o->pin ? "yes" : "no",
	          o->quick ? "yes" : "no", o->timeout,
	          o->in_process ? "in one process" : "one child process each");
	sb_printf(&b, "ns/op = wall time of the timed phase x 1e9 / operations of all threads: "
	              "median; min and max over the runs; mops = 1000 / median ns/op\n");
	sb_printf(&b, "grow-latency rows: median/min/max = p50 per run (ns per insert); notes: "
	              "p90..max as medians over runs; worst_max over all runs\n");
	sb_printf(&b, "memory rows: bytes_per_entry (median over runs) in notes; the time "
	              "columns and mops are empty\n");
	char cap[512];
	snprintf(cap, sizeof cap, "gomap bench  |  %s, %d CPUs  |  %s %s  |  %.10s%s", cpu, ncpu,
	         GB_C_COMPILER, GB_C_FLAGS, date, o->quick ? "  |  quick run" : "");
	*caption = strdup(cap);
	free(cpu);
	return b.s ? b.s : strdup("");
}

/* Its cpu, compiler and date lines. */
char *gb_caption_from_comment(const char *comment)
{
	char cpu[256] = "", date[64] = "", comp[256] = "";
	for (const char *p = comment; p && *p;) {
		const char *e = strchr(p, '\n');
		int l = e ? (int)(e - p) : (int)strlen(p);
		if (strncmp(p, "cpu: ", 5) == 0)
			snprintf(cpu, sizeof cpu, "%.*s", l - 5, p + 5);
		else if (strncmp(p, "date: ", 6) == 0)
			snprintf(date, sizeof date, "%.*s", l - 6 > 10 ? 10 : l - 6, p + 6);
		else if (strncmp(p, "compiler: ", 10) == 0)
			snprintf(comp, sizeof comp, "%.*s", l - 10, p + 10);
		p = e ? e + 1 : NULL;
	}
	char *semi = strchr(comp, ';');
	if (semi)
		*semi = '\0';
	char cap[700];
	snprintf(cap, sizeof cap, "gomap bench  |  %s  |  %s  |  %s", cpu, comp, date);
	return strdup(cap);
}

void gb_warn_build(void)
{
	const char *missing = gb_impls_missing();
	if (*missing)
		fprintf(stderr, "gomap bench: not built: %s\n", missing);
	if (!GB_TIMING_OK)
		fprintf(stderr, "gomap bench: warning: this build is not meant for timing (%s, "
		        "build type %s); use tools/bench.sh or a Release build\n", GB_BUILD_DEFS,
		        GB_BUILD_TYPE);
}

void gb_describe_resume(FILE *f, size_t have, size_t total)
{
	fprintf(f, "# resumed %s%s%s%s: %zu of %zu cells already here\n", gb_today(),
	        *GB_GIT_COMMIT ? ", git " : "", GB_GIT_COMMIT,
	        *GB_GIT_COMMIT ? " (at configure time)" : "", have, total);
}
