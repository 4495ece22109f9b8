/*
 * bench/impl_cuckoo.cpp - peer `libcuckoo`: cuckoohash_map, used through
 * its own thread-safe calls (find, insert_or_assign, erase; counting:
 * upsert, which increments under the key's bucket locks or inserts 1).
 * Iteration takes the whole-table lock (lock_table), as libcuckoo
 * requires.
 */
#include <libcuckoo/cuckoohash_map.hh>

#include "impl_cxx.h"

namespace {

template <class Key, class Hash, class Eq, class Arg> struct Cuckoo : gbx::MapBase {
	using key_arg = Arg;
	libcuckoo::cuckoohash_map<Key, uint64_t, Hash, Eq> m;
	bool load(Arg k, uint64_t &out) { return m.find(k, out); }
	int store(Arg k, uint64_t v) { return m.insert_or_assign(k, v) ? 1 : 0; }
	bool del(Arg k) { return m.erase(k); }
	int inc(Arg k)
	{
		return m.upsert(k, [](uint64_t &v) { ++v; }, uint64_t{ 1 }) ? 1 : 0;
	}
	uint64_t iterate()
	{
		uint64_t s = 0;
		auto lt = m.lock_table();
		for (const auto &kv : lt)
			s += gbx::entry_sum(kv.first, kv.second);
		return s;
	}
	uint64_t sum()
	{
		uint64_t s = 0;
		auto lt = m.lock_table();
		for (const auto &kv : lt)
			s += kv.second;
		return s;
	}
};

using U = Cuckoo<uint64_t, std::hash<uint64_t>, std::equal_to<uint64_t>, uint64_t>;
using S = Cuckoo<std::string, gbx::StrHash, gbx::StrEq, std::string_view>;

} // namespace

extern "C" const gb_impl *gb_impl_libcuckoo(void);
extern "C" const gb_impl *gb_impl_libcuckoo(void)
{
	static const gb_impl impl = gbx::make_impl<U, S>(
		"libcuckoo", "libcuckoo cuckoohash_map", GB_F_CONCURRENT,
		"libcuckoo " GB_CUCKOO_VERSION, nullptr);
	return &impl;
}
