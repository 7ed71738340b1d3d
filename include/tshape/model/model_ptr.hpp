// Owning a model on the heap and initializing its parameters.
//
//   auto net = make_model<Net>();      // parameters on the heap, Keras' default initializers
//   static Net net;                    // or in static memory (e.g. on a microcontroller), zeros
#pragma once
#include <cstdint>
#include <memory>
#include <utility>

#include "../config.hpp"
#include "../diagnostics/error.hpp"
#include "../layers/layer.hpp"
#include "../tensor/tensor.hpp"
#include "sequential.hpp"

namespace tshape {

/// Sets every parameter with Keras' default initializer (glorot_uniform kernels, zero biases, ...),
/// reproducibly from `seed`.
template <class Net>
void initialize(Net& net, std::uint64_t seed = 0) {
  detail::rng r(seed);
  net.initialize(r);
}

#ifndef TSHAPE_NO_HEAP
/// A model on the heap that calls like the model itself: net(x), layer<I>(net), weights(net).
template <class Net>
class model_ptr {
 public:
  explicit model_ptr(std::unique_ptr<Net> p) : p_(std::move(p)) {}
  Net& operator*() const noexcept { return *p_; }
  Net* operator->() const noexcept { return p_.get(); }
  Net* get() const noexcept { return p_.get(); }
  /// net(x): the model's call, reported here too so that an error names this call and no other.
  template <class X>
    requires is_tensor<X>::value
  auto operator()(const X& x) const {
    using D = typename Net::template call_diagnosis<X>;
    static_assert(no_error<only<error::WRONG_TENSOR_COUNT, D>>, TSHAPE_MSG_WRONG_TENSOR_COUNT);  // a model of several Inputs
    static_assert(no_error<only<error::DTYPE_MISMATCH, D>>, TSHAPE_MSG_DTYPE_MISMATCH);
    static_assert(no_error<only<error::TOKEN_IDS_NOT_INTEGER, D>>, TSHAPE_MSG_TOKEN_IDS_NOT_INTEGER);
    static_assert(no_error<only<error::WRONG_RANK, D>>, TSHAPE_MSG_WRONG_RANK);
    static_assert(no_error<only<error::SHAPE_MISMATCH, D>>, TSHAPE_MSG_SHAPE_MISMATCH);
    static_assert(no_error<only<error::OUTPUT_MISMATCH, D>>, TSHAPE_MSG_OUTPUT_MISMATCH);
    if constexpr (std::is_void_v<D> && Net::has_input)  // without an Input, make_model has said so
      return (*p_)(x);
    else
      return detail::failed_outputs<detail::output_count_of<Net>()>();
  }

  /// net(x1, x2, ...): a functional model of several Inputs, reported here as net(x) is.
  template <class... X>
    requires(sizeof...(X) > 1 && (is_tensor<X>::value && ...))
  auto operator()(const X&... x) const {
    using D = typename Net::template calls_diagnosis<X...>;
    static_assert(no_error<only<error::WRONG_TENSOR_COUNT, D>>, TSHAPE_MSG_WRONG_TENSOR_COUNT);
    static_assert(no_error<only<error::DTYPE_MISMATCH, D>>, TSHAPE_MSG_DTYPE_MISMATCH);
    static_assert(no_error<only<error::TOKEN_IDS_NOT_INTEGER, D>>, TSHAPE_MSG_TOKEN_IDS_NOT_INTEGER);
    static_assert(no_error<only<error::WRONG_RANK, D>>, TSHAPE_MSG_WRONG_RANK);
    static_assert(no_error<only<error::SHAPE_MISMATCH, D>>, TSHAPE_MSG_SHAPE_MISMATCH);
    static_assert(no_error<only<error::INPUT_SAMPLES_MISMATCH, D>>, TSHAPE_MSG_INPUT_SAMPLES_MISMATCH);
    if constexpr (std::is_void_v<D>)
      return (*p_)(x...);
    else
      return detail::failed_outputs<detail::output_count_of<Net>()>();
  }

 private:
  std::unique_ptr<Net> p_;
};

/// A new model of type Net on the heap, initialized as Keras would (reproducibly from `seed`).
template <class Net>
model_ptr<Net> make_model(std::uint64_t seed = 0) {
  static_assert(Net::has_input,
                "tshape: make_model needs a model whose first argument is Input<...>, as "
                "Sequential<Input<784>, Dense<64>>: every layer's shape follows from it");
  auto p = std::make_unique<Net>();
  // The member, not the free initialize(): overload resolution between that and the model_ptr overload
  // would ask whether Net derives from model_ptr, and for clang that makes a model that failed its
  // rule invalid, so that every later use of it is another error.
  if constexpr (Net::has_input) {  // else the assertion above is the one error
    detail::rng r(seed);
    p->initialize(r);
  }
  return model_ptr<Net>(std::move(p));
}

template <class Net>
void initialize(model_ptr<Net>& net, std::uint64_t seed = 0) {
  initialize(*net, seed);
}
#endif

}  // namespace tshape
