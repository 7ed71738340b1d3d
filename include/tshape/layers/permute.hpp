// Permute<Dims...>: reorders one sample's axes, as Keras' Permute(dims). Dims are 1-based over the
// sample's axes (the batch axis stays first): Permute<2, 1> swaps the two axes of a (steps, features)
// sample. They must be a permutation of 1..N, and N the sample's rank.
#pragma once
#include <array>
#include <cstddef>
#include <string_view>

#include "layer.hpp"

namespace tshape {

template <int... Dims>
struct Permute : detail::functional_call<Permute<Dims...>> {
  static constexpr std::string_view keras_class = "Permute";
  static constexpr std::string_view keras_name = "permute";
  static constexpr std::array<int, sizeof...(Dims)> dims{Dims...};

  static constexpr bool is_permutation() {
    std::array<bool, sizeof...(Dims)> seen{};
    for (int d : dims) {
      if (d < 1 || d > static_cast<int>(dims.size()) || seen[static_cast<std::size_t>(d - 1)]) return false;
      seen[static_cast<std::size_t>(d - 1)] = true;
    }
    return true;
  }

  template <int... S>
  static constexpr auto infer(Shape<S...>) {
    if constexpr (!is_permutation())
      return mismatch<error::INVALID_OPTION, error::axes_are_not_a_permutation, error::got<Shape<S...>>>{};
    else if constexpr (sizeof...(S) != sizeof...(Dims))
      return mismatch<error::WRONG_RANK, error::expected_rank<sizeof...(Dims)>, error::got<Shape<S...>>>{};
    else
      return Shape<Shape<S...>::extents[Dims - 1]...>{};
  }

  template <class In>
  struct bind : detail::no_parameters {
    using input_shape = In;
    using output_shape = decltype(infer(In{}));

    // y[.., i_k, ..] = x[.., i_{dims[k]-1}, ..] for each sample.
    void forward(const float* x, float* y, int batch, float*) const {
      for_each_sample(batch, [&](std::ptrdiff_t b, std::ptrdiff_t i, std::ptrdiff_t off) { y[b + i] = x[b + off]; });
    }
    /// The inverse permutation: each dy goes back to the place its x came from.
    void backward(const float*, const float*, const float* dy, float* dx, int batch, const float*, float*, bind&,
                  const train_context&) const {
      if (!dx) return;
      for_each_sample(batch, [&](std::ptrdiff_t b, std::ptrdiff_t i, std::ptrdiff_t off) { dx[b + off] = dy[b + i]; });
    }

   private:
    // f(sample offset, output element i, input element off) for every element of every sample: walk
    // the output in order, and keep the input offset in step through the input's strides.
    template <class F>
    static void for_each_sample(int batch, F&& f) {
      constexpr int rank = In::rank;
      std::array<std::ptrdiff_t, rank> in_stride{};
      std::ptrdiff_t s = 1;
      for (int a = rank - 1; a >= 0; --a) {
        in_stride[static_cast<std::size_t>(a)] = s;
        s *= In::extents[static_cast<std::size_t>(a)];
      }
      std::array<std::ptrdiff_t, rank> step{};  // input stride of each output axis
      for (int k = 0; k < rank; ++k) step[static_cast<std::size_t>(k)] = in_stride[static_cast<std::size_t>(dims[k] - 1)];
      constexpr std::ptrdiff_t n = detail::sample_size<In>;
      for (int b = 0; b < batch; ++b) {
        std::array<int, rank> idx{};
        std::ptrdiff_t off = 0;
        for (std::ptrdiff_t i = 0; i < n; ++i) {
          f(b * n, i, off);
          for (int k = rank - 1; k >= 0; --k) {  // odometer over the output's axes
            const auto uk = static_cast<std::size_t>(k);
            off += step[uk];
            if (++idx[uk] < output_shape::extents[uk]) break;
            off -= step[uk] * idx[uk];
            idx[uk] = 0;
          }
        }
      }
    }
  };
};

}  // namespace tshape
