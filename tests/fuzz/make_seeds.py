#!/usr/bin/env python3
"""tests/fuzz/make_seeds.py - writes the hand-made part of the seed corpus.

Each seed is a short program in the input format of its target (see the top
of fuzz_map.c / fuzz_cmap.c and their run_ops switches), one per theme, so
that fuzzing starts from inputs that reach every key kind, growth, the
iterator rules, destructors and allocation failure. Run it from anywhere:
    python3 tests/fuzz/make_seeds.py
Inputs that fuzzing found and that matter (crashes, once minimised and
fixed) are added to the corpus by hand, next to these.
"""
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))

# key kinds and value kinds, as numbered in fuzz_model.h
U64, U32, PTR, F64, STR, STR_B, BYTES, BYTES_B, RAW24, CUSTOM16, BIG200, \
    BIGC200 = range(12)
V16, V8, VSET, VBIG, VF64 = range(5)
VARIANT_KINDS = {F64, STR_B, BYTES_B, CUSTOM16, BIGC200}

# flag bits of the header
KDTOR, VDTOR, HOOK, ZEROED, CUSTOM_VEQ = 1, 2, 4, 8, 16


def hashmode(m):
    return (m & 3) << 5


class Prog:
    def __init__(self, kind, header):
        self.kind = kind
        self.b = bytearray(header)
        self.rng = random.Random(len(header) * 7919 + sum(header))

    def key(self, kid=None, var=None, nan=False):
        if nan:
            self.b.append(0xf8)
            return
        if kid is None:
            kid = self.rng.randrange(48)
        if kid < 0xc0:
            self.b.append(kid)
        else:
            rest = kid - 0xc0
            self.b += bytes([0xc0 + (rest >> 8), rest & 0xff])
        if self.kind in VARIANT_KINDS:
            self.b.append(self.rng.randrange(256) if var is None else var)

    def raw(self, *bs):
        self.b += bytes(bs)


def write(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(bytes(data))


# ---- fuzz_map: op codes (op % 22) -------------------------------------------
M_PUT, M_GET, M_GETPTR, M_DEL, M_STATS, M_CLEAR, M_CLONE, M_SHRINK, \
    M_FREEZE, M_ITSTART, M_ITNEXT, M_ITSTOP, M_RANGE, M_BULKPUT, M_BULKDEL, \
    M_PUTFROM, M_DELITER, M_FAIL, M_BAD, M_VERIFY = \
    0, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14, 15, 16, 17, 18, 19, 20, 21


def map_prog(kind, vk, flags, hint, steps, seed):
    p = Prog(kind, [kind, vk, flags, hint])
    p.rng.seed(seed)
    for s in steps:
        op = s[0]
        p.raw(op)
        if op in (M_PUT,):
            p.key(*s[1:2])
            p.raw(p.rng.randrange(8))
        elif op == M_GET:
            p.key(*s[1:2])
            p.raw(p.rng.randrange(256))
        elif op == M_GETPTR:
            p.key(*s[1:2])
        elif op == M_DEL:
            p.key(*s[1:2])
        elif op in (M_BULKPUT, M_BULKDEL):
            p.key(s[1])
            p.raw(s[2], p.rng.randrange(8))
        elif op in (M_ITSTART, M_ITNEXT, M_ITSTOP, M_DELITER):
            p.raw(s[1])
        elif op == M_CLONE:
            p.raw(*s[1:])
        elif op == M_FREEZE:
            reads = s[1]
            p.raw(len(reads))
            p.b += bytes(reads)
            # the reads' own arguments
            for r in reads:
                if r % 6 == 0:
                    p.key()
                    p.raw(0)
                elif r % 6 == 1:
                    p.key()
                elif r % 6 == 3:
                    p.raw(0)
        elif op == M_RANGE:
            # one byte per visited entry: 0 go on, 8 put, 10 delete,
            # 11 delete the visited key, 14 stop (followed by arguments)
            for c in s[1]:
                p.raw(c)
                if c in (8, 9):
                    p.key()
                    p.raw(p.rng.randrange(8))
                elif c == 10:
                    p.key()
        elif op == M_PUTFROM:
            p.key(s[1])
            p.key(s[2])
        elif op == M_FAIL:
            p.raw(s[1])
    return p.b


def std_steps(rng, n_keys=40):
    st = [(M_BULKPUT, 0, n_keys), (M_ITSTART, 0), (M_ITNEXT, 3 << 2)]
    for _ in range(20):
        st.append((rng.choice([M_PUT, M_PUT, M_GET, M_GETPTR, M_DEL]),
                   rng.randrange(n_keys + 8)))
    st += [(M_ITNEXT, 0x40), (M_BULKDEL, 5, 20), (M_ITNEXT, 0xfc),
           (M_ITSTART, 0x81), (M_DELITER, 1), (M_DELITER, 1),
           (M_RANGE, [0, 8, 10, 11, 0, 0, 8, 0]), (M_STATS,),
           (M_SHRINK,), (M_VERIFY,)]
    return st


def map_seeds():
    rng = random.Random(12)
    write("fuzz_map", "u64_dtors_iter", map_prog(
        U64, V16, KDTOR | VDTOR | HOOK, 0,
        std_steps(rng, 200) + [(M_CLONE, 1, 0), (M_CLEAR,), (M_VERIFY,)], 1))
    write("fuzz_map", "f64_zero_nan", map_prog(
        F64, V16, VDTOR, 1,
        [(M_PUT, 0), (M_PUT, 0), (M_PUT, None), (M_GET, 0)] +
        [(M_PUT,)] * 3 + std_steps(rng, 30), 2))
    st = std_steps(rng, 60) + [(M_CLONE, 1, 1), (M_FREEZE, [0, 1, 2, 3, 4, 5]),
                              (M_ITNEXT, 0xfc), (M_VERIFY,)]
    write("fuzz_map", "str_long_clone_freeze", map_prog(STR, V8, 0, 4, st, 3))
    write("fuzz_map", "str_borrowed", map_prog(
        STR_B, VBIG, VDTOR, 0, std_steps(rng, 30) + [(M_CLONE, 0)], 4))
    write("fuzz_map", "bytes_set", map_prog(
        BYTES, VSET, HOOK | ZEROED, 2,
        std_steps(rng, 100) + [(M_PUTFROM, 1, 2), (M_BAD,)], 5))
    write("fuzz_map", "custom_collide", map_prog(
        CUSTOM16, V16, hashmode(2), 0,
        std_steps(rng, 60) + [(M_PUTFROM, 3, 4)], 6))
    write("fuzz_map", "bigc_indirect", map_prog(
        BIGC200, VBIG, VDTOR | hashmode(1), 3, std_steps(rng, 50), 7))
    write("fuzz_map", "big_alloc_fail", map_prog(
        BIG200, V16, KDTOR | VDTOR | HOOK, 1,
        [(M_FAIL, 3 | (40 << 2))] + std_steps(rng, 120) +
        [(M_FAIL, 1 | (2 << 2)), (M_SHRINK,), (M_FAIL, 0), (M_VERIFY,)], 8))
    write("fuzz_map", "raw24_u32_ptr", map_prog(
        RAW24, VF64, HOOK, 5,
        std_steps(rng, 150) + [(M_CLONE, 1, 0)] + std_steps(rng, 20), 9))
    # Go's key update: put of an equal key with other
    # bytes replaces the stored key; then -0 over +0
    for kind, name in ((CUSTOM16, "custom16"), (BIGC200, "bigc200"),
                       (F64, "f64")):
        a, b = (0, 1) if kind == F64 else (3, 7)
        kid = 0 if kind == F64 else 1
        write("fuzz_map", "pending_key_update_" + name,
              [kind, V16, 0, 0, M_PUT, kid, a, 1, M_PUT, kid, b, 2,
               M_VERIFY])
    # creation fails at its second allocation
    write("fuzz_map", "create_fail", map_prog(
        U64, V16, HOOK, 0x80 | (1 << 3) | 4, [(M_VERIFY,)], 10))


# ---- fuzz_cmap: op codes (op % 20) ------------------------------------------
C_STORE, C_LOAD, C_LOS, C_LAD, C_DEL, C_SWAP, C_CAS, C_CAD, C_RANGE, C_LEN, \
    C_CLEAR, C_BULK, C_BULKDEL, C_FAIL, C_BAD, C_VERIFY, C_BARRIER, \
    C_SECTION, C_BATCH = \
    0, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19


def cmap_prog(variant, kind, vk, flags, hb, nkeys, seed, extra=()):
    p = Prog(kind, [variant, kind, vk, flags, hb])
    p.rng.seed(seed)
    r = p.rng

    def ops(n):
        for _ in range(n):
            op = r.choice([C_STORE, C_STORE, C_LOAD, C_LOS, C_LAD, C_DEL,
                           C_SWAP, C_CAS, C_CAD, C_LEN])
            p.raw(op)
            if op == C_LEN:
                continue
            p.key(r.randrange(nkeys))
            if op in (C_STORE, C_LOAD, C_LOS, C_LAD, C_SWAP):
                p.raw(r.randrange(256))
            elif op == C_CAS:
                p.raw(r.randrange(256), r.randrange(8))
            elif op == C_CAD:
                p.raw(r.randrange(256))

    p.raw(C_BULK)
    p.key(0)
    p.raw(nkeys, 1)
    ops(40)
    p.raw(C_RANGE)
    for c in (0, 8, 10, 11, 0, 13, 15, 0, 12 | 0x10):
        p.raw(c)
        if c in (8, 9, 11, 13):
            p.key(r.randrange(nkeys))
            p.raw(r.randrange(256))
        elif c in (10, 15):
            p.key(r.randrange(nkeys))
            p.raw(r.randrange(256)) if c == 15 else None
        elif c == (12 | 0x10):
            p.key(r.randrange(nkeys))
            p.raw(r.randrange(256), r.randrange(8))
    p.raw(*([0] * 8))
    for e in extra:
        p.raw(*e)
    ops(40)
    p.raw(C_SECTION)
    p.key(3)
    p.raw(5)
    p.raw(C_BATCH, 5)
    for i in range(6):
        p.key(r.randrange(nkeys))
        p.raw(i % 3, r.randrange(8))
    p.raw(C_BARRIER, C_BAD, C_VERIFY)
    p.raw(C_BULKDEL)
    p.key(0)
    p.raw(nkeys // 2, 0)
    p.raw(C_VERIFY, C_CLEAR, C_LOS)
    p.key(1)
    p.raw(2)
    p.raw(C_BARRIER)
    return p.b


def cmap_seeds():
    write("fuzz_cmap", "mutex_u64", cmap_prog(
        0, U64, V16, KDTOR | VDTOR, 0, 60, 1))
    write("fuzz_cmap", "rwmutex_str", cmap_prog(
        1, STR, V16, VDTOR | HOOK, 1, 40, 2))
    write("fuzz_cmap", "shard_custom", cmap_prog(
        2, CUSTOM16, V16, CUSTOM_VEQ | hashmode(1), 1 | (3 << 2), 50, 3))
    write("fuzz_cmap", "sync_f64", cmap_prog(
        3, F64, VF64, 0, 0, 40, 4))
    write("fuzz_cmap", "sync_bytes_dtor", cmap_prog(
        3, BYTES_B, VBIG, VDTOR | HOOK, 3, 60, 5,
        extra=[(C_FAIL, 3 | (20 << 2))]))
    write("fuzz_cmap", "chan_big", cmap_prog(
        4, BIG200, V8, KDTOR | HOOK, 0x40 | (1 << 2), 40, 6))
    write("fuzz_cmap", "chan_bigc_fail", cmap_prog(
        4, BIGC200, V16, VDTOR | HOOK | ZEROED, 0x40, 40, 7,
        extra=[(C_FAIL, 1 | (5 << 2))]))
    write("fuzz_cmap", "mutex_set_strb", cmap_prog(
        0, STR_B, VSET, 0, 2, 40, 8))
    write("fuzz_cmap", "shard_u32_fail", cmap_prog(
        2, U32, V16, VDTOR | HOOK, 2, 80, 9,
        extra=[(C_FAIL, 3 | (30 << 2))]))
    # clear of an empty map, with the counting hook: allocates nothing
    for v, name in enumerate(["mutex", "rwmutex", "shard", "sync", "chan"]):
        write("fuzz_cmap", "clear_empty_" + name,
              [v, U64, V16, HOOK, 0, C_CLEAR, C_CLEAR, C_STORE, 1, 1,
               C_CLEAR, C_CLEAR])
    # Each variant: load_or_store that stores writes
    # actual_out; store, swap and a successful compare_and_swap of an equal
    # key with other bytes replace the stored key (custom equal, f64 -0)
    for v, name in enumerate(["mutex", "rwmutex", "shard", "sync", "chan"]):
        write("fuzz_cmap", "pending_los_actual_" + name,
              [v, U64, V16, 0, 0, C_LOS, 1, 1, C_LOS, 2, 2, C_VERIFY])
        write("fuzz_cmap", "pending_key_update_" + name,
              [v, CUSTOM16, V16, 0, 0,
               C_STORE, 1, 3, 1, C_STORE, 1, 7, 2, C_VERIFY,
               C_SWAP, 1, 9, 3, C_VERIFY,
               C_CAS, 1, 11, 0, 4, C_VERIFY,
               C_STORE, 2, 5, 1, C_CAS, 2, 6, 0, 5, C_VERIFY])
        write("fuzz_cmap", "pending_f64_zero_" + name,
              [v, F64, V16, 0, 0, C_STORE, 0, 0, 1, C_STORE, 0, 1, 2,
               C_VERIFY, C_SWAP, 0, 0, 3, C_VERIFY])
    # creation fails at its second allocation
    write("fuzz_cmap", "create_fail", cmap_prog(
        2, U64, V16, HOOK, 0x80 | (1 << 4), 8, 10))


if __name__ == "__main__":
    map_seeds()
    cmap_seeds()
