// What a call on a model that failed its rule, or with data that does not fit, gives back instead of a
// result: failed_model_output answers everything a Tensor answers, so code that goes on to use the
// result adds no error to the one the model or the call reported (one mistake, one error).
//
// The model classes report in their own bodies. clang marks a class whose static_assert failed as
// invalid and then refuses to convert it to a base class, which is why Sequential and Model hold
// their layers as a member instead of inheriting them (model/sequential.hpp).
#pragma once
#include <array>
#include <cstddef>

#include "error.hpp"

namespace tshape::detail {

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

/// What layer<I>(net) gives on a model that failed its rule: every weight a layer may have, each a
/// failed_model_output, so that code reading or writing weights adds no second error.
struct failed_layer {
  static constexpr long long param_count = 0;
  static constexpr long long non_trainable_count = 0;
  failed_model_output kernel() const { return {}; }
  failed_model_output bias() const { return {}; }
  failed_model_output recurrent_kernel() const { return {}; }
  failed_model_output gamma() const { return {}; }
  failed_model_output beta() const { return {}; }
  failed_model_output moving_mean() const { return {}; }
  failed_model_output moving_variance() const { return {}; }
  failed_model_output embeddings() const { return {}; }
  const failed_layer& forward_layer() const { return *this; }
  const failed_layer& backward_layer() const { return *this; }
  const failed_layer& layer() const { return *this; }  // a TimeDistributed's wrapped layer
  template <std::size_t I>
  const failed_layer& layer() const {
    return *this;
  }
  template <class F>
  void for_each_weight(F&&) const {}

  static failed_layer& instance() {
    static failed_layer l;
    return l;
  }
};

}  // namespace tshape::detail
