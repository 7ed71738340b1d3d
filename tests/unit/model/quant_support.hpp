// What the int8 model tests share: random float data, a stage's packed int8 weights read back as
// (units, in), and two quantizations compared.
#pragma once
#include <tshape/kernels/quant/dense.hpp>
#include <tshape/kernels/quant/params.hpp>

#include <cstdint>
#include <vector>

#include "../support.hpp"

namespace tshape_test::quant {

template <class X>
void fill(X&& x, std::uint64_t seed, float lo = -1.0f, float hi = 1.0f) {
  random_floats rnd(seed);
  for (auto& v : x) v = rnd(lo, hi);
}

/// A Dense/Conv stage's packed weights as (units, in) rows.
template <class Stage>
std::vector<std::int8_t> unpack(const Stage& st, int in, int units) {
  // Through a copy of the whole array: g++ 12 -O3 otherwise mixes up which stage's array an inlined
  // copy reads and warns (-Warray-bounds) of a read past it.
  const std::vector<std::int8_t> packed(st.packed.begin(), st.packed.end());
  std::vector<std::int8_t> w(static_cast<std::size_t>(in) * units);
  for (int c = 0; c < units; ++c)
    for (int k = 0; k < in; ++k)
      w[static_cast<std::size_t>(c) * in + k] = packed.at(tshape::kernels::quant::packed_index(in, c, k));
  return w;
}

inline bool same(tshape::kernels::quant::affine a, tshape::kernels::quant::affine b) {
  return a.scale == b.scale && a.zero_point == b.zero_point;
}

}  // namespace tshape_test::quant
