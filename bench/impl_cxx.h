/*
 * bench/impl_cxx.h - glue that turns a small C++ map wrapper into gb_ops,
 * shared by the C++ peers (tbb-chm, libcuckoo, absl-flat).
 *
 * A wrapper W derives from MapBase (virtual destructor: destroy does not
 * know the key kind) and provides, for its key argument type W::key_arg
 * (uint64_t, or std::string_view for str keys):
 *   bool load(key_arg, uint64_t &out);   int store(key_arg, uint64_t);
 *   bool del(key_arg);                   uint64_t iterate();
 *   int inc(key_arg);                    uint64_t sum();
 * store returns 1 inserted / 0 overwritten, inc 1 inserted (count 1) /
 * 0 incremented, with the map's own atomic update (gb_ops.inc); sum adds
 * up every value. store and inc may throw std::bad_alloc, which becomes
 * -12 (GOMAP_ENOMEM's value). String keys are std::string
 * owned by the map; lookups use std::string_view (heterogeneous lookup),
 * so only an insertion makes a std::string.
 */
#ifndef GOMAP_BENCH_IMPL_CXX_H
#define GOMAP_BENCH_IMPL_CXX_H

#include <cstdint>
#include <functional>
#include <new>
#include <string>
#include <string_view>

#include "impl.h"

namespace gbx {

struct MapBase {
	virtual ~MapBase() = default;
};

inline void key_from(const void *key, uint64_t &out)
{
	out = *static_cast<const uint64_t *>(key);
}

/* Any string-view type (std::string_view, absl::string_view). */
template <class View> inline void key_from(const void *key, View &out)
{
	out = View(*static_cast<const char *const *>(key));
}

/* Checksum terms of one entry, as every adapter computes them. */
inline uint64_t entry_sum(uint64_t k, uint64_t v) { return k ^ v; }
inline uint64_t entry_sum(const std::string &k, uint64_t v)
{
	return static_cast<unsigned char>(k[0]) + v;
}

/* A transparent hash and equality for std::string keys. */
struct StrHash {
	using is_transparent = void;
	size_t operator()(std::string_view s) const noexcept
	{
		return std::hash<std::string_view>{}(s);
	}
};
struct StrEq {
	using is_transparent = void;
	bool operator()(std::string_view a, std::string_view b) const noexcept
	{
		return a == b;
	}
};

template <class W> struct Ops {
	static int load(void *m, const void *key, void *val) noexcept
	{
		typename W::key_arg k;
		key_from(key, k);
		return static_cast<W *>(static_cast<MapBase *>(m))
		               ->load(k, *static_cast<uint64_t *>(val)) ? 1 : 0;
	}
	static int store(void *m, const void *key, const void *val) noexcept
	{
		typename W::key_arg k;
		key_from(key, k);
		try {
			return static_cast<W *>(static_cast<MapBase *>(m))
			        ->store(k, *static_cast<const uint64_t *>(val));
		} catch (const std::bad_alloc &) {
			return -12;
		}
	}
	static int del(void *m, const void *key) noexcept
	{
		typename W::key_arg k;
		key_from(key, k);
		return static_cast<W *>(static_cast<MapBase *>(m))->del(k) ? 1 : 0;
	}
	static uint64_t iterate(void *m, const void *) noexcept
	{
		return static_cast<W *>(static_cast<MapBase *>(m))->iterate();
	}
	static int inc(void *m, const void *key) noexcept
	{
		typename W::key_arg k;
		key_from(key, k);
		try {
			return static_cast<W *>(static_cast<MapBase *>(m))->inc(k);
		} catch (const std::bad_alloc &) {
			return -12;
		}
	}
	static uint64_t sum(void *m, const void *) noexcept
	{
		return static_cast<W *>(static_cast<MapBase *>(m))->sum();
	}
	static constexpr gb_ops table()
	{
		return gb_ops{ load, store, del, iterate, inc, sum };
	}
};

/* create/destroy for a pair of wrappers, U for u64 keys and S for str. */
template <class U, class S> struct Life {
	static void *create(gb_keys keys, const void *) noexcept
	{
		try {
			MapBase *b = keys == GB_STR ? static_cast<MapBase *>(new S)
			                            : static_cast<MapBase *>(new U);
			return b;
		} catch (...) {
			return nullptr;
		}
	}
	static void destroy(void *m, const void *) noexcept
	{
		delete static_cast<MapBase *>(m);
	}
};

/* A gb_impl for the wrappers U and S. */
template <class U, class S>
gb_impl make_impl(const char *name, const char *desc, unsigned flags,
                  const char *version, const char *notes)
{
	gb_impl i{};
	i.name = name;
	i.group = "peer";
	i.desc = desc;
	i.flags = flags;
	i.version = version;
	i.notes = notes;
	i.create = Life<U, S>::create;
	i.destroy = Life<U, S>::destroy;
	i.ops[GB_U64] = Ops<U>::table();
	i.ops[GB_STR] = Ops<S>::table();
	return i;
}

} // namespace gbx
#endif /* GOMAP_BENCH_IMPL_CXX_H */
