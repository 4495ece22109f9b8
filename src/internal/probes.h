/*
 * src/internal/probes.h - instrumentation points of the maps (tracing and
 * USDT probes). Every point costs nothing when compiled out and one
 * predictable branch when compiled in but off.
 */
#ifndef GOMAP_PROBES_H
#define GOMAP_PROBES_H

#define GOMAP_PROBE_GROW_START(m, old_cap, new_cap, same_size) ((void)0)
#define GOMAP_PROBE_GROW_END(m, cap) ((void)0)
#define GOMAP_PROBE_EVACUATE(m, done, total) ((void)0)
#define GOMAP_PROBE_OP(m, op) ((void)0)

#endif
