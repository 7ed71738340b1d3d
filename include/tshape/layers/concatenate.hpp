// Concatenate<Axis = -1>: the inputs joined along one axis, as Keras' Concatenate.
//
// Axis counts the axes of one sample, as every tshape layer does; a negative axis counts from the
// end. Keras' axis counts the batch as axis 0, so Keras' Concatenate(axis=-1) (its default) is
// Concatenate<-1> (also Concatenate<>), and Keras' axis=1 is Concatenate<0>: for samples of shape
// (T, F), Keras' axis=1 joins along T, as Concatenate<0> does.
//
// A merge layer (functional models): two or more inputs of the same rank whose extents are equal
// except along Axis; the output's extent there is their sum. Otherwise the rule gives
// mismatch<error::CONCATENATE_MISMATCH, error::concatenation_axis<Axis>, error::input_shape<None, D...>...>
// (with error::axis_out_of_range after the axis when inputs of one rank have no such axis). No parameters.
#pragma once
#include <algorithm>
#include <array>
#include <cstddef>
#include <string_view>
#include <type_traits>

#include "merging.hpp"

namespace tshape {

namespace detail {

template <int Axis, class... S>
struct concatenate_rule {
  static constexpr int rank = std::max({0, S::rank...});
  static constexpr int axis = normalize_axis(Axis, rank);
  static constexpr bool same_rank = ((S::rank == rank) && ...);
  static constexpr bool axis_in_range = same_rank && axis >= 0 && axis < rank;

  static constexpr bool extents_match() {
    for (int a = 0; a < rank; ++a) {
      if (a == axis) continue;
      int e = dyn;
      bool ok = true;
      ((ok = ok && (S::extents[static_cast<std::size_t>(a)] == dyn || e == dyn ||
                    S::extents[static_cast<std::size_t>(a)] == e),
        e = S::extents[static_cast<std::size_t>(a)] == dyn ? e : S::extents[static_cast<std::size_t>(a)]),
       ...);
      if (!ok) return false;
    }
    return true;
  }
  static constexpr auto output_extents() {
    std::array<int, static_cast<std::size_t>(rank)> out{};
    for (int a = 0; a < rank; ++a) {
      int e = dyn;
      if (a == axis) {
        e = 0;
        ((e = e == dyn || S::extents[static_cast<std::size_t>(a)] == dyn ? dyn : e + S::extents[static_cast<std::size_t>(a)]),
         ...);
      } else {
        ((e = S::extents[static_cast<std::size_t>(a)] == dyn ? e : S::extents[static_cast<std::size_t>(a)]), ...);
      }
      out[static_cast<std::size_t>(a)] = e;
    }
    return out;
  }

  static constexpr auto result() {
    constexpr int n = static_cast<int>(sizeof...(S));
    if constexpr (n < 2)
      return mismatch<error::CONCATENATE_MISMATCH, error::concatenation_axis<Axis>,
                      error::expected_input_count_at_least<2>, merge_input_t<S>...>{};
    else if constexpr (!same_rank)
      return mismatch<error::CONCATENATE_MISMATCH, error::concatenation_axis<Axis>, merge_input_t<S>...>{};
    else if constexpr (!axis_in_range)
      return mismatch<error::CONCATENATE_MISMATCH, error::concatenation_axis<Axis>, error::axis_out_of_range,
                      merge_input_t<S>...>{};
    else if constexpr (!extents_match())
      return mismatch<error::CONCATENATE_MISMATCH, error::concatenation_axis<Axis>, merge_input_t<S>...>{};
    else
      return shape_from_array_t<output_extents()>{};
  }
};

/// Each sample is `outer` blocks (the axes before Axis); block b of the output is block b of every
/// input, one after the other: plain copies of compile-time lengths.
template <int Axis, class Out, class... In>
class concatenate_layer : public no_parameters {
  static constexpr std::size_t K = sizeof...(In);
  static constexpr int axis = normalize_axis(Axis, Out::rank);
  static constexpr std::ptrdiff_t outer = [] {
    std::ptrdiff_t p = 1;
    for (int a = 0; a < axis; ++a) p *= Out::extents[static_cast<std::size_t>(a)];
    return p;
  }();
  static constexpr std::array<std::ptrdiff_t, K> block{(sample_size<In> / (outer > 0 ? outer : 1))...};
  static constexpr std::ptrdiff_t out_block = sample_size<Out> / (outer > 0 ? outer : 1);

 public:
  using input_shapes = type_list<In...>;
  using output_shape = Out;
  static constexpr int input_count = static_cast<int>(K);

  void forward(const float* const* x, float* y, int batch, float*) const {
    const std::ptrdiff_t rows = outer * batch;
    for_each_index<K>([&](auto kc) {
      constexpr std::size_t k = decltype(kc)::value;
      constexpr std::ptrdiff_t offset = offset_of(k), len = block[k];
      const float* src = x[k];
      for (std::ptrdiff_t r = 0; r < rows; ++r) std::copy_n(src + r * len, len, y + r * out_block + offset);
    });
  }

  void backward(const float* const*, const float*, const float* dy, float* const* dx, int batch, const float*,
                float*, concatenate_layer&, const train_context&) const {
    const std::ptrdiff_t rows = outer * batch;
    for_each_index<K>([&](auto kc) {
      constexpr std::size_t k = decltype(kc)::value;
      constexpr std::ptrdiff_t offset = offset_of(k), len = block[k];
      float* dst = dx[k];
      if (!dst) return;
      for (std::ptrdiff_t r = 0; r < rows; ++r) std::copy_n(dy + r * out_block + offset, len, dst + r * len);
    });
  }

 private:
  static constexpr std::ptrdiff_t offset_of(std::size_t k) {
    std::ptrdiff_t off = 0;
    for (std::size_t j = 0; j < k; ++j) off += block[j];
    return off;
  }
};

}  // namespace detail

template <int Axis = -1>
struct Concatenate : detail::functional_call<Concatenate<Axis>> {
  static constexpr bool is_merge = true;
  static constexpr int axis = Axis;
  static constexpr std::string_view keras_class = "Concatenate";
  static constexpr std::string_view keras_name = "concatenate";

  template <class... S>
  static constexpr auto infer_merge(S...) {
    return detail::concatenate_rule<Axis, S...>::result();
  }
  template <class... In>
  using bind = detail::concatenate_layer<Axis, decltype(detail::concatenate_rule<Axis, In...>::result()), In...>;
};

}  // namespace tshape
