/*
 * src/internal/ops.h - the map operations, numbered once.
 *
 * One numbering serves every place that names an operation:
 *  - the safe maps' dispatch (gomap__cm_exec, each variant's run/modify);
 *  - chan's public request codes: gomap_chan_op has the same values
 *    (chan.c asserts it), so a request's op is dispatched as is;
 *  - the op probe and the tracer: a plain map's get, put and delete are
 *    reported as LOAD, STORE and DELETE, a safe map's operation as
 *    GOMAP__OP_PROBE_SAFE + op, so one code tells the operation and which
 *    kind of map ran it (docs/debugging.md lists the codes).
 * Invariant: the values are 1..GOMAP__OP_LAST_, dense; 0 is no operation.
 */
#ifndef GOMAP_OPS_H
#define GOMAP_OPS_H

enum gomap__op {
	GOMAP__OP_LOAD = 1,
	GOMAP__OP_STORE,
	GOMAP__OP_LOAD_OR_STORE,
	GOMAP__OP_LOAD_AND_DELETE,
	GOMAP__OP_DELETE,
	GOMAP__OP_SWAP,
	GOMAP__OP_CAS,
	GOMAP__OP_CAD,
	GOMAP__OP_CLEAR,
	GOMAP__OP_LAST_ = GOMAP__OP_CLEAR
};

/* The op probe's code of a safe map's operation is this plus the op. */
#define GOMAP__OP_PROBE_SAFE 16

/* gomap__op_name - the operation's name as the tracer writes it; @plain
 * picks the plain map's names for the ops it has (get, put, delete). */
static inline const char *gomap__op_name(int op, int plain)
{
	static const char *const names[] = {"op",     "load", "store",           "load_or_store",      "load_and_delete",
	                                    "delete", "swap", "compare_and_swap", "compare_and_delete", "clear"};
	if (plain && op == GOMAP__OP_LOAD)
		return "get";
	if (plain && op == GOMAP__OP_STORE)
		return "put";
	return op > 0 && op <= GOMAP__OP_LAST_ ? names[op] : "op";
}

#endif /* GOMAP_OPS_H */
