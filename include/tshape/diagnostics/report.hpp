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
#include <tuple>
#include <utility>

#include "error.hpp"

namespace tshape::detail {

/// The value a failed result converts to. Declared only: a program that reaches it has already
/// failed to compile, and a type without a default constructor (a Tensor of a `dyn` batch) has one.
template <class T>
T unreachable_value();

/// What a call on a model that failed to compile, or with data that does not fit, returns: it
/// converts to anything and has a Tensor's members, so that the one reported error is not followed
/// by others in the code that uses the result.
struct failed_model_output {
  using value_type = float;
  using element_type = float;
  using shape = Shape<>;
  static constexpr int rank = 0;
  template <class T>
  operator T() const {  // NOLINT: implicit by design
    return unreachable_value<T>();
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
  // A stream's output that may not be ready (model/stream.hpp).
  bool ready() const { return false; }
  const failed_model_output& value() const { return *this; }
  const failed_model_output& operator*() const { return *this; }
  const failed_model_output* operator->() const { return this; }

 private:
  static float& cell() {
    static float value = 0.0f;
    return value;
  }
};

/// The failed result of a model of `Outputs` outputs: a tuple of them where the model returns one,
/// so that `auto [a, b] = net(x);` adds no error either.
template <std::size_t Outputs>
auto failed_outputs() {
  if constexpr (Outputs == 1)
    return failed_model_output{};
  else
    return [&]<std::size_t... J>(std::index_sequence<J...>) {
      return std::tuple<decltype((void)J, failed_model_output{})...>{};
    }(std::make_index_sequence<Outputs>{});
}

/// The outputs of a model: one for a Sequential, output_count for a functional model.
template <class Net>
constexpr std::size_t output_count_of() {
  if constexpr (requires { Net::output_count; })
    return static_cast<std::size_t>(Net::output_count);
  else
    return 1;
}

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
