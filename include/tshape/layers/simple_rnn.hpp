// SimpleRNN<Units, Options...>: Keras' SimpleRNN, h' = tanh(x . kernel + h . recurrent_kernel + bias).
//
//   Sequential<Input<100, 8>, SimpleRNN<32>, Dense<1>>
//
// Options (layers/recurrent.hpp): ReturnSequences, GoBackwards, an activation (default Tanh),
// UseBias<false>. Weights: kernel() (features, units), recurrent_kernel() (units, units), bias()
// (units,). PyTorch's nn.RNN: kernel = weight_ih_l0.T, recurrent_kernel = weight_hh_l0.T,
// bias = bias_ih_l0 + bias_hh_l0.
#pragma once
#include <string_view>

#include "recurrent.hpp"

namespace tshape {

namespace detail {
template <class O>
struct simple_rnn_takes
    : std::bool_constant<is_recurrent_option<O>::value && !is_recurrent_activation<O>::value> {};  // one gate: none
}  // namespace detail

template <int Units, class... Options>
struct SimpleRNN : detail::recurrent_tag, detail::functional_call<SimpleRNN<Units, Options...>> {
  /// void, or the option mistake the model reports (layer.hpp).
  using option_rule = decltype(detail::recurrent_option_rule<
                               Units, error::it_takes<ReturnSequences, GoBackwards, error::an_activation, UseBias<false>>,
                               detail::simple_rnn_takes, detail::no_option, Options...>());

 private:
  using options = detail::recurrent_options<Options...>;

 public:
  static constexpr std::string_view keras_class = "SimpleRNN";
  static constexpr std::string_view keras_name = "simple_rnn";
  static constexpr int units = Units;
  static constexpr int gates = 1;
  static constexpr bool return_sequences = options::return_sequences;
  static constexpr bool go_backwards = options::go_backwards;
  static constexpr bool use_bias = options::use_bias;
  static constexpr int bias_rows = 1;
  static constexpr int states = 1;
  static constexpr bool unit_forget_bias = false;
  using activation = typename options::activation;
  /// The same layer going the other way (Bidirectional's backward layer).
  using reversed = detail::reversed_spec_t<SimpleRNN, Units, Options...>;

  static constexpr auto cell() { return kernels::recurrent::simple<decltype(activation::function())>{activation::function()}; }

  template <int... D>
  static constexpr auto infer(Shape<D...>) {
    if constexpr (!std::is_void_v<option_rule>)
      return option_rule{};
    else
      return detail::recurrent_infer<Units, return_sequences, D...>();
  }
  template <class In>
  using bind = detail::recurrent_layer<SimpleRNN, In>;
};

}  // namespace tshape
