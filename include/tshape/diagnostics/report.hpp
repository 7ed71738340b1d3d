// Where a model reports its one shape error, and what a failed call gives back instead of a result.
//
// A model class reports its diagnosis D by instantiating model_report<D>, whose static_asserts say the
// rule in words (one per kind: at most one fails). They sit in a class of their own because clang
// marks the class that holds a failed static_assert as invalid, and every later use of it (its call
// operator, make_model, print_summary) would then be an error of its own: one mistake, one error.
// A call on a model or with data that fails returns failed_model_output, which answers everything a
// Tensor answers, so code that goes on to use the result adds no error either.
#pragma once
#include <array>
#include <cstddef>

#include "error.hpp"

namespace tshape::detail {

template <class D>
struct model_report {
  static_assert(no_error<only<error::SHAPE_MISMATCH, D>>, TSHAPE_MSG_SHAPE_MISMATCH);
  static_assert(no_error<only<error::WRONG_RANK, D>>, TSHAPE_MSG_WRONG_RANK);
  static_assert(no_error<only<error::WINDOW_LARGER_THAN_INPUT, D>>, TSHAPE_MSG_WINDOW_LARGER_THAN_INPUT);
  static_assert(no_error<only<error::ELEMENT_COUNT_MISMATCH, D>>, TSHAPE_MSG_ELEMENT_COUNT_MISMATCH);
  static_assert(no_error<only<error::INVALID_OPTION, D>>, TSHAPE_MSG_INVALID_OPTION);
  static_assert(no_error<only<error::NOT_RECURRENT, D>>, TSHAPE_MSG_NOT_RECURRENT);
  static_assert(no_error<only<error::MERGE_SHAPE_MISMATCH, D>>, TSHAPE_MSG_MERGE_SHAPE_MISMATCH);
  static_assert(no_error<only<error::CONCATENATE_MISMATCH, D>>, TSHAPE_MSG_CONCATENATE_MISMATCH);
  static_assert(no_error<only<error::DOT_MISMATCH, D>>, TSHAPE_MSG_DOT_MISMATCH);
  static_assert(no_error<only<error::SHARED_LAYER_MISMATCH, D>>, TSHAPE_MSG_SHARED_LAYER_MISMATCH);
  static_assert(no_error<only<error::GRAPH_DISCONNECTED, D>>, TSHAPE_MSG_GRAPH_DISCONNECTED);
  static_assert(no_error<only<error::INPUT_NOT_USED, D>>, TSHAPE_MSG_INPUT_NOT_USED);
  static_assert(no_error<only<error::WRONG_TENSOR_COUNT, D>>, TSHAPE_MSG_WRONG_TENSOR_COUNT);
};

template <class T>
struct to_void {
  using type = void;
};
/// Instantiates model_report<D> (a model class names this as a member type): void, whatever D is.
template <class D>
using report_t = typename to_void<decltype(sizeof(model_report<D>))>::type;

/// What a call on a model that failed to compile, or with data that does not fit, returns: it
/// converts to anything and has a Tensor's members, so that the one reported error is not followed
/// by others in the code that uses the result.
struct failed_model_output {
  using value_type = float;
  using element_type = float;
  static constexpr int rank = 0;
  template <class T>
  operator T() const {  // NOLINT: implicit by design
    return T{};
  }
  template <class... I>
  float& operator()(I...) const {
    return cell();
  }
  float& operator[](std::ptrdiff_t) const { return cell(); }
  float* data() const { return nullptr; }
  float* begin() const { return nullptr; }
  float* end() const { return nullptr; }
  std::ptrdiff_t size() const { return 0; }
  int extent(int) const { return 0; }
  template <int Axis>
  int extent() const {
    return 0;
  }
  std::array<int, 8> extents() const { return {}; }
  const failed_model_output& view() const { return *this; }
  void fill(float) const {}

 private:
  static float& cell() {
    static float value = 0.0f;
    return value;
  }
};

}  // namespace tshape::detail
