// LSTM<Units, Options...>: Keras' LSTM (defaults: tanh, sigmoid recurrent activation, a bias,
// unit_forget_bias=True).
//
//   Sequential<Input<100, 8>, LSTM<32>, Dense<1>>                   (None, 32) -> (None, 1)
//
// Options (layers/recurrent.hpp): ReturnSequences, GoBackwards, an activation, RecurrentActivation<A>,
// UseBias<false>, UnitForgetBias<false>. Weights, Keras' layouts and gate order [i | f | c | o]:
// kernel() (features, 4*units), recurrent_kernel() (units, 4*units), bias() (4*units,).
// unit_forget_bias only sets the initial forget bias to 1; a loaded bias is used as it is.
// PyTorch's nn.LSTM has the same gate order: kernel = weight_ih_l0.T, recurrent_kernel =
// weight_hh_l0.T, bias = bias_ih_l0 + bias_hh_l0.
//
// c' = f * c + i * tanh(z_c), h' = o * tanh(c'), with z = x . kernel + h . recurrent_kernel + bias.
#pragma once
#include <string_view>

#include "recurrent.hpp"

namespace tshape {

namespace detail {
template <class O>
struct lstm_takes : std::bool_constant<is_recurrent_option<O>::value || is_unit_forget_bias<O>::value> {};
}  // namespace detail

template <int Units, class... Options>
struct LSTM : detail::recurrent_tag, detail::functional_call<LSTM<Units, Options...>> {
  /// void, or the option mistake the model reports (layer.hpp).
  using option_rule = decltype(detail::recurrent_option_rule<
                               Units,
                               error::it_takes<ReturnSequences, GoBackwards, error::an_activation,
                                               RecurrentActivation<Sigmoid>, UseBias<false>, UnitForgetBias<false>>,
                               detail::lstm_takes, detail::is_unit_forget_bias, Options...>());

 private:
  using options = detail::recurrent_options<Options...>;

 public:
  static constexpr std::string_view keras_class = "LSTM";
  static constexpr std::string_view keras_name = "lstm";
  static constexpr int units = Units;
  static constexpr int gates = 4;
  static constexpr bool return_sequences = options::return_sequences;
  static constexpr bool go_backwards = options::go_backwards;
  static constexpr bool use_bias = options::use_bias;
  static constexpr bool unit_forget_bias =
      detail::option_t<detail::is_unit_forget_bias, UnitForgetBias<true>, Options...>::value;
  static constexpr int bias_rows = 1;
  static constexpr int states = 2;
  using activation = typename options::activation;
  using recurrent_activation = typename options::recurrent_activation;
  /// The same layer going the other way (Bidirectional's backward layer).
  using reversed = detail::reversed_spec_t<LSTM, Units, Options...>;

  static constexpr auto cell() {
    return kernels::recurrent::lstm<decltype(activation::function()), decltype(recurrent_activation::function())>{
        activation::function(), recurrent_activation::function()};
  }

  template <int... D>
  static constexpr auto infer(Shape<D...>) {
    if constexpr (!std::is_void_v<option_rule>)
      return option_rule{};
    else
      return detail::recurrent_infer<Units, return_sequences, D...>();
  }
  template <class In>
  using bind = detail::recurrent_layer<LSTM, In>;
};

}  // namespace tshape
