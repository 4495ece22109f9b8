/*
 * bench/impl_absl.cpp - peers `absl-flat` (Abseil's flat_hash_map, single
 * thread) and `absl-flat-mutex` (the same map behind one std::mutex, for
 * the concurrent workloads). Abseil's default hash and equality for
 * std::string are transparent for absl::string_view (which is its own type
 * in Debian's build), so lookups make no copy.
 *
 * Counting: try_emplace(k, 0) finds the key or emplaces it (one probe, a
 * std::string made only on insertion), then the count is incremented in
 * place; absl-flat-mutex does that under its mutex.
 */
#include <mutex>

#include <absl/base/config.h>
#include <absl/container/flat_hash_map.h>
#include <absl/strings/string_view.h>

#include "impl_cxx.h"

namespace {

template <class Key, class Arg> struct Flat : gbx::MapBase {
	using key_arg = Arg;
	absl::flat_hash_map<Key, uint64_t> m;
	bool load(Arg k, uint64_t &out)
	{
		auto it = m.find(k);
		if (it == m.end())
			return false;
		out = it->second;
		return true;
	}
	int store(Arg k, uint64_t v) { return m.insert_or_assign(k, v).second ? 1 : 0; }
	bool del(Arg k) { return m.erase(k) != 0; }
	int inc(Arg k)
	{
		auto r = m.try_emplace(k, 0);
		++r.first->second;
		return r.second ? 1 : 0;
	}
	uint64_t iterate()
	{
		uint64_t s = 0;
		for (const auto &kv : m)
			s += gbx::entry_sum(kv.first, kv.second);
		return s;
	}
	uint64_t sum()
	{
		uint64_t s = 0;
		for (const auto &kv : m)
			s += kv.second;
		return s;
	}
};

template <class Key, class Arg> struct Locked : gbx::MapBase {
	using key_arg = Arg;
	std::mutex mu;
	Flat<Key, Arg> f;
	bool load(Arg k, uint64_t &out)
	{
		std::lock_guard<std::mutex> g(mu);
		return f.load(k, out);
	}
	int store(Arg k, uint64_t v)
	{
		std::lock_guard<std::mutex> g(mu);
		return f.store(k, v);
	}
	bool del(Arg k)
	{
		std::lock_guard<std::mutex> g(mu);
		return f.del(k);
	}
	int inc(Arg k)
	{
		std::lock_guard<std::mutex> g(mu);
		return f.inc(k);
	}
	uint64_t sum()
	{
		std::lock_guard<std::mutex> g(mu);
		return f.sum();
	}
	uint64_t iterate()
	{
		std::lock_guard<std::mutex> g(mu);
		return f.iterate();
	}
};

} // namespace

extern "C" const gb_impl *gb_impl_absl_flat(void);
extern "C" const gb_impl *gb_impl_absl_flat(void)
{
	static const gb_impl impl = gbx::make_impl<Flat<uint64_t, uint64_t>,
	                                           Flat<std::string, absl::string_view>>(
		"absl-flat", "Abseil flat_hash_map (single thread)", 0,
		"abseil " GB_ABSL_VERSION, nullptr);
	return &impl;
}

extern "C" const gb_impl *gb_impl_absl_flat_mutex(void);
extern "C" const gb_impl *gb_impl_absl_flat_mutex(void)
{
	static const gb_impl impl = gbx::make_impl<Locked<uint64_t, uint64_t>,
	                                           Locked<std::string, absl::string_view>>(
		"absl-flat-mutex", "Abseil flat_hash_map behind a std::mutex",
		GB_F_CONCURRENT, "abseil " GB_ABSL_VERSION, nullptr);
	return &impl;
}
