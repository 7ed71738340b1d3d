// Helpers shared by the unit tests: reference data files, random inputs, float comparison.
#pragma once
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace tshape_test {

/// One array from a reference file: its extents and values (row-major, Keras' layouts).
struct array {
  std::vector<int> dims;
  std::vector<double> values;
};

/// Arrays written by the scripts in tests/reference/: one per line, `name rank d0.. v0 v1 ...`.
class reference {
 public:
  explicit reference(const std::string& file) {
    // One append at a time: g++ 12 at -O2 warns (-Warray-bounds, a false positive) on a chain of +.
    std::string path = TSHAPE_REFERENCE_DIR;
    path.append("/").append(file);
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot open reference file " + file);
    std::string line;
    while (std::getline(in, line)) {
      std::istringstream ls(line);
      std::string name;
      int rank = 0;
      ls >> name >> rank;
      array a;
      long long n = 1;
      for (int i = 0; i < rank; ++i) {
        int d = 0;
        ls >> d;
        a.dims.push_back(d);
        n *= d;
      }
      a.values.resize(static_cast<std::size_t>(n));
      for (auto& v : a.values) ls >> v;
      arrays_[name] = std::move(a);
    }
  }
  const array& operator[](const std::string& name) const {
    auto it = arrays_.find(name);
    if (it == arrays_.end()) throw std::runtime_error("no reference array " + name);
    return it->second;
  }
  /// Copies array `name` into a float range of the same size.
  template <class Range>
  void copy_to(const std::string& name, Range&& r) const {
    const auto& a = (*this)[name];
    REQUIRE(static_cast<std::size_t>(std::distance(std::begin(r), std::end(r))) == a.values.size());
    auto it = std::begin(r);
    for (double v : a.values) *it++ = static_cast<float>(v);
  }

 private:
  std::map<std::string, array> arrays_;
};

/// Deterministic pseudo-random floats in [lo, hi).
class random_floats {
 public:
  explicit random_floats(std::uint64_t seed = 1) : state_(seed * 0x9E3779B97F4A7C15ULL + 1) {}
  float operator()(float lo = -1.0f, float hi = 1.0f) {
    state_ ^= state_ << 13;
    state_ ^= state_ >> 7;
    state_ ^= state_ << 17;
    return lo + (hi - lo) * static_cast<float>((state_ >> 40) * 0x1.0p-24);
  }
  template <class Range>
  void fill(Range&& r, float lo = -1.0f, float hi = 1.0f) {
    for (auto& v : r) v = (*this)(lo, hi);
  }

 private:
  std::uint64_t state_;
};

/// |a - b| <= abs + rel * |b|, elementwise; reports the first element that differs.
template <class A, class B>
void require_close(const A& a, const B& b, double rel = 1e-5, double abs = 1e-5) {
  auto ia = std::begin(a);
  auto ib = std::begin(b);
  std::size_t i = 0;
  for (; ia != std::end(a) && ib != std::end(b); ++ia, ++ib, ++i) {
    const double x = static_cast<double>(*ia), y = static_cast<double>(*ib);
    if (!(std::fabs(x - y) <= abs + rel * std::fabs(y))) {
      INFO("element " << i << ": got " << x << ", expected " << y);
      REQUIRE(std::fabs(x - y) <= abs + rel * std::fabs(y));
    }
  }
  REQUIRE(ia == std::end(a));
  REQUIRE(ib == std::end(b));
}

}  // namespace tshape_test
