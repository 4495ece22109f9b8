/*
 * bench/csv.c - the results file: write a row, parse one back, read a file.
 *
 * CSV: comment lines starting with '#' (machine, compiler, libraries,
 * settings), then the header line and one row per cell:
 *   impl,workload,keys,K,threads,ops,median_ns_per_op,min_ns_per_op,
 *   max_ns_per_op,mops,notes
 * Empty fields where a figure does not apply (memory rows have no times).
 * notes is a ';'-separated list of key=value items and bare flags; it never
 * holds a comma. The child protocol (child.c) speaks the same row format.
 */
#define _GNU_SOURCE
#include "bench.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char csv_columns[] =
	"impl,workload,keys,K,threads,ops,median_ns_per_op,min_ns_per_op,"
	"max_ns_per_op,mops,notes";

void gb_csv_header(FILE *f, const char *comment)
{
	for (const char *p = comment; p && *p;) {
		const char *e = strchr(p, '\n');
		int l = e ? (int)(e - p) : (int)strlen(p);
		fprintf(f, "# %.*s\n", l, p);
		p = e ? e + 1 : NULL;
	}
	fprintf(f, "%s\n", csv_columns);
	fflush(f);
}

static void put_num(FILE *f, double v)
{
	if (!isnan(v))
		fprintf(f, "%.3f", v);
}

void gb_csv_row(FILE *f, const gb_result *r)
{
	fprintf(f, "%s,%s,%s,%llu,%d,%llu,", r->impl, r->workload, r->keys,
	        (unsigned long long)r->K, r->threads, (unsigned long long)r->ops);
	put_num(f, r->median);
	fputc(',', f);
	put_num(f, r->min);
	fputc(',', f);
	put_num(f, r->max);
	fputc(',', f);
	put_num(f, r->mops);
	fprintf(f, ",%s\n", r->notes);
	fflush(f);
}

/* Copies at most size-1 bytes and terminates. */
static void copy_str(char *dst, size_t size, const char *src)
{
	size_t l = strnlen(src, size - 1);
	memcpy(dst, src, l);
	dst[l] = '\0';
}

static double field_num(const char *s)
{
	return *s ? strtod(s, NULL) : NAN;
}

int gb_csv_parse_row(const char *line, gb_result *r)
{
	char buf[1024];
	snprintf(buf, sizeof buf, "%s", line);
	buf[strcspn(buf, "\r\n")] = '\0';
	char *f[11];
	int n = 0;
	char *p = buf;
	while (n < 11) {
		f[n++] = p;
		char *c = n < 11 ? strchr(p, ',') : NULL;
		if (!c)
			break;
		*c = '\0';
		p = c + 1;
	}
	if (n != 11 || strcmp(f[0], "impl") == 0)
		return -1;
	memset(r, 0, sizeof *r);
	copy_str(r->impl, sizeof r->impl, f[0]);
	copy_str(r->workload, sizeof r->workload, f[1]);
	copy_str(r->keys, sizeof r->keys, f[2]);
	r->K = strtoull(f[3], NULL, 10);
	r->threads = atoi(f[4]);
	r->ops = strtoull(f[5], NULL, 10);
	r->median = field_num(f[6]);
	r->min = field_num(f[7]);
	r->max = field_num(f[8]);
	r->mops = field_num(f[9]);
	copy_str(r->notes, sizeof r->notes, f[10]);
	return 0;
}

int gb_csv_read(const char *path, gb_result **rows, size_t *n, char **comment)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	size_t cap = 0, clen = 0;
	char *com = NULL;
	*rows = NULL;
	*n = 0;
	char line[1024];
	while (fgets(line, sizeof line, f)) {
		if (line[0] == '#') {
			const char *t = line + 1 + (line[1] == ' ');
			size_t l = strlen(t);
			char *nc = realloc(com, clen + l + 1);
			if (!nc)
				break;
			com = nc;
			memcpy(com + clen, t, l + 1);
			clen += l;
			continue;
		}
		gb_result r;
		if (gb_csv_parse_row(line, &r) != 0)
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			gb_result *nr = realloc(*rows, cap * sizeof *nr);
			if (!nr)
				break;
			*rows = nr;
		}
		(*rows)[(*n)++] = r;
	}
	fclose(f);
	if (comment)
		*comment = com;
	else
		free(com);
	return 0;
}
