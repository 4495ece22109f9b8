/*
 * tools/trace_summary.c - the analysis half of `gomap trace`: reads a trace
 * file the library wrote (gomap_trace_start/stop, GOMAP_TRACE) and prints
 * the contention summary: sampled operations, top lock-wait sites, longest
 * growths, chan batch sizes, grace periods, misuse reports. The library
 * only records (src/trace.c); as with Go's runtime/trace and `go tool
 * trace`, everything that interprets a trace lives here.
 *
 * The reader knows the one layout src/trace.c writes, not JSON at large:
 * one event object per line ("ph" M, i, X, B, E, C), sorted by track and
 * time, strings escaped (so no raw newline inside a line), and a last line
 * "otherData" with the totals. Timestamps and durations are microseconds
 * with three decimals: read back as exact nanoseconds.
 *
 * Invariant: a growth's B, C (migration steps) and E events share the
 * map's track and come in time order within it, so one open growth at a
 * time suffices.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* getline under -std=c11 */
#endif
#include "trace_summary.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The op probe's codes (docs/debugging.md, USDT probes): the operation
 * (gomap_chan_op's numbering) for the plain map, 16 + it for a safe map.
 * Printed in code order, by the names the file gives them. */
#define OP_SLOTS 32

typedef struct site_stat {
	char *map, *site; /* site NULL: the probe gave none */
	uint64_t count, total, max;
} site_stat;

typedef struct growth {
	char *map;
	uint64_t start, dur;
	uint64_t old_cap, new_cap, steps;
	bool same, completed;
} growth;

typedef struct summary {
	uint64_t ops[OP_SLOTS];
	char *op_names[OP_SLOTS];
	uint64_t waits, wait_total, grace, grace_total, grace_max;
	uint64_t batches, batch_total, batch_max, hist[16];
	uint64_t misuse;
	char *first_misuse;
	site_stat *sites;
	size_t nsites, cap_sites;
	growth *growths;
	size_t ngrowths, cap_growths;
	long open_idx;     /* the open growth, -1 none */
	unsigned long open_track;
	/* otherData */
	uint64_t events, dropped, duration_ns;
	unsigned rate;
	bool have_totals;
	bool nomem;
} summary;

/* ---- reading one line -------------------------------------------------------------- */

/* The value after "key": in @line, or NULL. Keys are unique per line but
 * for "name", which the event and (metadata only) its args share: the
 * first one is the event's. */
static const char *field(const char *line, const char *key)
{
	char pat[64];
	snprintf(pat, sizeof pat, "\"%s\":", key);
	const char *p = strstr(line, pat);
	return p ? p + strlen(pat) : NULL;
}

static bool get_u64(const char *line, const char *key, uint64_t *out)
{
	const char *p = field(line, key);
	if (!p)
		return false;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(p, &end, 10);
	if (end == p || errno)
		return false;
	*out = v;
	return true;
}

/* A "us.nnn" number as nanoseconds. */
static bool get_ns(const char *line, const char *key, uint64_t *out)
{
	const char *p = field(line, key);
	if (!p)
		return false;
	char *end;
	unsigned long long us = strtoull(p, &end, 10), ns = 0;
	if (end == p)
		return false;
	if (*end == '.') {
		int digits = 0;
		for (p = end + 1; *p >= '0' && *p <= '9' && digits < 3; p++, digits++)
			ns = ns * 10 + (unsigned long long)(*p - '0');
		for (; digits < 3; digits++)
			ns *= 10;
	}
	*out = (uint64_t)us * 1000u + ns;
	return true;
}

/* A JSON string value, unescaped (the escapes src/trace.c writes: \" \\
 * and \u00XX), in a fresh allocation; NULL when absent or out of memory. */
static char *get_str(const char *line, const char *key)
{
	const char *p = field(line, key);
	if (!p || *p != '"')
		return NULL;
	p++;
	char *s = malloc(strlen(p) + 1), *o = s;
	if (!s)
		return NULL;
	for (; *p && *p != '"'; p++) {
		if (*p != '\\') {
			*o++ = *p;
			continue;
		}
		p++;
		if (*p == 'u' && p[1] && p[2] && p[3] && p[4]) {
			char hex[5] = {p[1], p[2], p[3], p[4], 0};
			*o++ = (char)strtoul(hex, NULL, 16);
			p += 4;
		} else if (*p) {
			*o++ = *p;
		} else {
			break;
		}
	}
	*o = '\0';
	return s;
}

static bool str_is(const char *line, const char *key, const char *want)
{
	const char *p = field(line, key);
	size_t n = strlen(want);
	return p && *p == '"' && strncmp(p + 1, want, n) == 0 && p[1 + n] == '"';
}

/* ---- accumulating ---------------------------------------------------------------------- */

static void add_wait(summary *s, char *map, char *site, uint64_t ns)
{
	s->waits++;
	s->wait_total += ns;
	size_t k;
	for (k = 0; k < s->nsites; k++)
		if (!strcmp(s->sites[k].map, map) &&
		    (s->sites[k].site == site || (s->sites[k].site && site && !strcmp(s->sites[k].site, site))))
			break;
	if (k == s->nsites) {
		if (s->nsites == s->cap_sites) {
			size_t nc = s->cap_sites ? s->cap_sites * 2 : 16;
			site_stat *np = realloc(s->sites, nc * sizeof *np);
			if (!np) {
				s->nomem = true;
				free(map);
				free(site);
				return;
			}
			s->sites = np;
			s->cap_sites = nc;
		}
		s->sites[s->nsites++] = (site_stat){map, site, 0, 0, 0};
	} else {
		free(map);
		free(site);
	}
	s->sites[k].count++;
	s->sites[k].total += ns;
	if (ns > s->sites[k].max)
		s->sites[k].max = ns;
}

static void read_event(summary *s, const char *line)
{
	uint64_t v = 0, ts = 0, tid = 0;
	if (field(line, "otherData")) {
		uint64_t rate = 0;
		s->have_totals = get_u64(line, "events", &s->events) & get_u64(line, "dropped_events", &s->dropped) &
		                 get_u64(line, "sample_rate", &rate) & get_u64(line, "duration_ns", &s->duration_ns);
		s->rate = (unsigned)rate;
		return;
	}
	const char *cat = field(line, "cat");
	if (!cat || str_is(line, "ph", "M"))
		return;
	get_ns(line, "ts", &ts);
	get_u64(line, "tid", &tid);
	if (str_is(line, "cat", "op")) {
		if (!get_u64(line, "op", &v) || v >= OP_SLOTS)
			v = 0;
		if (!s->ops[v]++)
			s->op_names[v] = get_str(line, "name");
	} else if (str_is(line, "cat", "lock_wait")) {
		uint64_t dur = 0;
		get_ns(line, "dur", &dur);
		char *map = get_str(line, "map"), *site = get_str(line, "site");
		if (!map) {
			s->nomem = true;
			free(site);
			return;
		}
		if (site && !*site) { /* the probe gave no site */
			free(site);
			site = NULL;
		}
		add_wait(s, map, site, dur);
	} else if (str_is(line, "cat", "grace_period")) {
		uint64_t dur = 0;
		get_ns(line, "dur", &dur);
		s->grace++;
		s->grace_total += dur;
		if (dur > s->grace_max)
			s->grace_max = dur;
	} else if (str_is(line, "cat", "chan_batch")) {
		get_u64(line, "requests", &v);
		s->batches++;
		s->batch_total += v;
		if (v > s->batch_max)
			s->batch_max = v;
		unsigned b = 0;
		while (b < 15 && (v >> (b + 1)) != 0)
			b++;
		s->hist[b]++;
	} else if (str_is(line, "cat", "misuse")) {
		if (!s->misuse++)
			s->first_misuse = get_str(line, "name");
	} else if (str_is(line, "cat", "growth")) {
		if (str_is(line, "ph", "B")) {
			if (s->ngrowths == s->cap_growths) {
				size_t nc = s->cap_growths ? s->cap_growths * 2 : 16;
				growth *np = realloc(s->growths, nc * sizeof *np);
				if (!np) {
					s->nomem = true;
					return;
				}
				s->growths = np;
				s->cap_growths = nc;
			}
			uint64_t from = 0, to = 0;
			get_u64(line, "old_capacity", &from);
			get_u64(line, "new_capacity", &to);
			const char *same = field(line, "same_size");
			s->growths[s->ngrowths] = (growth){get_str(line, "map"), ts, 0, from, to, 0,
			                                   same && !strncmp(same, "true", 4), false};
			s->open_track = (unsigned long)tid;
			s->open_idx = (long)s->ngrowths++;
		} else if (str_is(line, "ph", "C")) {
			if (s->open_idx >= 0 && s->open_track == tid)
				s->growths[s->open_idx].steps++;
		} else if (str_is(line, "ph", "E")) {
			if (s->open_idx >= 0 && s->open_track == tid) {
				s->growths[s->open_idx].dur = ts - s->growths[s->open_idx].start;
				s->growths[s->open_idx].completed = true;
				s->open_idx = -1;
			}
		}
	}
}

/* ---- printing -------------------------------------------------------------------------- */

static int cmp_site(const void *pa, const void *pb)
{
	const site_stat *a = pa, *b = pb;
	return a->total < b->total ? 1 : a->total > b->total ? -1 : 0;
}

static int cmp_growth(const void *pa, const void *pb)
{
	const growth *a = pa, *b = pb;
	return a->dur < b->dur ? 1 : a->dur > b->dur ? -1 : 0;
}

static void print_summary(summary *s, FILE *out)
{
	/* Keep completed growths only. */
	size_t done = 0;
	for (size_t i = 0; i < s->ngrowths; i++) {
		if (s->growths[i].completed)
			s->growths[done++] = s->growths[i];
		else
			free(s->growths[i].map);
	}
	s->ngrowths = done;

	fprintf(out, "gomap trace summary: %llu events (%llu dropped) over %.3f ms\n", (unsigned long long)s->events,
	        (unsigned long long)s->dropped, (double)s->duration_ns / 1e6);
	fprintf(out, "sampled operations (1 in %u per thread):", s->rate);
	bool any = false;
	for (unsigned k = 0; k < OP_SLOTS; k++) {
		if (s->ops[k]) {
			fprintf(out, " %s=%llu", s->op_names[k] ? s->op_names[k] : "op", (unsigned long long)s->ops[k]);
			any = true;
		}
	}
	fprintf(out, "%s\n", any ? "" : " none");

	fprintf(out, "lock waits: %llu, total %.3f ms\n", (unsigned long long)s->waits, (double)s->wait_total / 1e6);
	if (s->nsites) {
		qsort(s->sites, s->nsites, sizeof *s->sites, cmp_site);
		fprintf(out, "  top sites by total wait:\n  %12s %10s %12s  %-18s %s\n", "total_ms", "waits", "max_us",
		        "map", "site");
		for (size_t k = 0; k < s->nsites && k < 10; k++)
			fprintf(out, "  %12.3f %10llu %12.1f  %-18s %s\n", (double)s->sites[k].total / 1e6,
			        (unsigned long long)s->sites[k].count, (double)s->sites[k].max / 1e3, s->sites[k].map,
			        s->sites[k].site ? s->sites[k].site : "?");
	}

	fprintf(out, "growths completed: %zu (span from start to end of the incremental migration)\n", done);
	if (done) {
		qsort(s->growths, done, sizeof *s->growths, cmp_growth);
		fprintf(out, "  longest:\n  %12s  %-18s %10s -> %-10s %5s %10s\n", "span_ms", "map", "from", "to", "same",
		        "steps");
		for (size_t k = 0; k < done && k < 10; k++)
			fprintf(out, "  %12.3f  %-18s %10llu -> %-10llu %5s %10llu\n", (double)s->growths[k].dur / 1e6,
			        s->growths[k].map ? s->growths[k].map : "?", (unsigned long long)s->growths[k].old_cap,
			        (unsigned long long)s->growths[k].new_cap, s->growths[k].same ? "yes" : "no",
			        (unsigned long long)s->growths[k].steps);
	}

	fprintf(out, "chan batches: %llu", (unsigned long long)s->batches);
	if (s->batches) {
		fprintf(out, ", mean %.2f, max %llu requests\n  sizes:", (double)s->batch_total / (double)s->batches,
		        (unsigned long long)s->batch_max);
		for (unsigned b = 0; b < 16; b++)
			if (s->hist[b])
				fprintf(out, " %llu-%llu:%llu", (unsigned long long)1 << b, ((unsigned long long)2 << b) - 1,
				        (unsigned long long)s->hist[b]);
	}
	fprintf(out, "\n");
	fprintf(out, "grace periods: %llu", (unsigned long long)s->grace);
	if (s->grace)
		fprintf(out, ", total %.3f ms, max %.1f us", (double)s->grace_total / 1e6, (double)s->grace_max / 1e3);
	fprintf(out, "\nmisuse reports: %llu", (unsigned long long)s->misuse);
	if (s->first_misuse)
		fprintf(out, " (first: fatal error: %s)", s->first_misuse);
	fprintf(out, "\n");
}

static void summary_free(summary *s)
{
	for (size_t k = 0; k < s->nsites; k++) {
		free(s->sites[k].map);
		free(s->sites[k].site);
	}
	free(s->sites);
	for (size_t k = 0; k < s->ngrowths; k++)
		free(s->growths[k].map);
	free(s->growths);
	free(s->first_misuse);
	for (unsigned k = 0; k < OP_SLOTS; k++)
		free(s->op_names[k]);
}

int gomap_tool_trace_summary(const char *path, FILE *out)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	summary s;
	memset(&s, 0, sizeof s);
	s.open_idx = -1;
	char *line = NULL;
	size_t cap = 0;
	while (getline(&line, &cap, f) >= 0)
		read_event(&s, line);
	int err = ferror(f) ? (errno ? errno : EIO) : 0;
	free(line);
	fclose(f);
	if (!err && !s.have_totals)
		err = EINVAL; /* not a trace of this library, or cut short */
	if (!err && s.nomem)
		err = ENOMEM;
	if (!err)
		print_summary(&s, out);
	summary_free(&s);
	if (err) {
		errno = err;
		return -1;
	}
	return 0;
}
