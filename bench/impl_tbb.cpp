/*
 * bench/impl_tbb.cpp - peer `tbb-chm`: oneTBB's concurrent_hash_map.
 *
 * Upsert takes a write accessor (insert finds or adds the key, then the
 * value is written under the element lock); load takes a const accessor.
 * The map is instantiated with std::allocator, so that every C and C++ map
 * here allocates from the same glibc malloc and the memory workload can
 * see its heap (TBB's default tbb_allocator would route to tbbmalloc when
 * that library is installed). Noted as alloc=std in the CSV.
 *
 * Counting: a write accessor (insert finds the key or adds it with 0) and
 * the count incremented under the element lock.
 */
#include <memory>
#include <oneapi/tbb/concurrent_hash_map.h>
#include <oneapi/tbb/version.h>

#include "impl_cxx.h"

namespace {

struct StrHC {
	using is_transparent = void;
	size_t hash(std::string_view s) const { return std::hash<std::string_view>{}(s); }
	bool equal(std::string_view a, std::string_view b) const { return a == b; }
};

template <class Key, class HC, class Arg> struct Chm : gbx::MapBase {
	using key_arg = Arg;
	using map_t = tbb::concurrent_hash_map<Key, uint64_t, HC,
	                                       std::allocator<std::pair<const Key, uint64_t>>>;
	map_t m;
	bool load(Arg k, uint64_t &out)
	{
		typename map_t::const_accessor a;
		if (!m.find(a, k))
			return false;
		out = a->second;
		return true;
	}
	int store(Arg k, uint64_t v)
	{
		typename map_t::accessor a;
		bool inserted = m.insert(a, k);
		a->second = v;
		return inserted ? 1 : 0;
	}
	bool del(Arg k) { return m.erase(k); }
	int inc(Arg k)
	{
		typename map_t::accessor a;
		bool inserted = m.insert(a, k);
		++a->second;
		return inserted ? 1 : 0;
	}
	uint64_t iterate()
	{
		uint64_t s = 0;
		for (auto &kv : m)
			s += gbx::entry_sum(kv.first, kv.second);
		return s;
	}
	uint64_t sum()
	{
		uint64_t s = 0;
		for (auto &kv : m)
			s += kv.second;
		return s;
	}
};

using U = Chm<uint64_t, tbb::tbb_hash_compare<uint64_t>, uint64_t>;
using S = Chm<std::string, StrHC, std::string_view>;

} // namespace

extern "C" const gb_impl *gb_impl_tbb_chm(void);
extern "C" const gb_impl *gb_impl_tbb_chm(void)
{
	static char version[48];
	static const gb_impl impl = gbx::make_impl<U, S>(
		"tbb-chm", "oneTBB concurrent_hash_map (std::allocator)",
		GB_F_CONCURRENT, version, "alloc=std");
	snprintf(version, sizeof version, "oneTBB %s", TBB_runtime_version());
	return &impl;
}
