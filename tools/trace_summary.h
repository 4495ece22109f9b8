/*
 * tools/trace_summary.h - the contention summary of a trace file written
 * by the library's tracer (gomap/diag.h): what `gomap trace` prints.
 */
#ifndef GOMAP_TOOLS_TRACE_SUMMARY_H
#define GOMAP_TOOLS_TRACE_SUMMARY_H

#include <stdio.h>

/* Read the trace at @path and print its summary to @out. 0, or -1 with
 * errno set: the file cannot be read (the OS's reason), is not a complete
 * trace of this library (EINVAL), or memory ran out (ENOMEM). */
int gomap_tool_trace_summary(const char *path, FILE *out);

#endif /* GOMAP_TOOLS_TRACE_SUMMARY_H */
