// A two-input merge for the summary and plot tests, written against the merge contract
// (layers/layer.hpp) so that they do not depend on the library's own merge layers: y = x0 + x1.
#pragma once
#include <cstddef>
#include <string_view>
#include <type_traits>

#include <tshape/tshape.hpp>

namespace tshape_test {

struct TestMerge : tshape::detail::functional_call<TestMerge> {
  static constexpr std::string_view keras_class = "TestMerge";
  static constexpr std::string_view keras_name = "test_merge";
  static constexpr bool is_merge = true;
  template <class A, class B>
  static constexpr auto infer_merge(A, B) {
    if constexpr (std::is_same_v<A, B>)
      return A{};
    else
      return tshape::mismatch<tshape::error::MERGE_SHAPE_MISMATCH, tshape::error::got<A>, tshape::error::got<B>>{};
  }
  template <class A, class B>
  struct bind : tshape::detail::no_parameters {
    using output_shape = A;
    static constexpr std::ptrdiff_t size = tshape::detail::sample_size<A>;
    void forward(const float* const* x, float* y, int batch, float*) const {
      for (std::ptrdiff_t i = 0; i < size * batch; ++i) y[i] = x[0][i] + x[1][i];
    }
  };
};

}  // namespace tshape_test
