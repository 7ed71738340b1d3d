// GRU<Units, Options...>: Keras' GRU (tf.keras 2.x defaults: tanh, sigmoid recurrent activation,
// a bias, reset_after=True).
//
//   Sequential<Input<100, 8>, GRU<32>, Dense<1>>                    (None, 32) -> (None, 1)
//   Sequential<Input<100, 8>, GRU<32, ReturnSequences>, Dense<1>>   (None, 100, 32) -> (None, 100, 1)
//
// Options (layers/recurrent.hpp): ReturnSequences, GoBackwards, an activation, RecurrentActivation<A>,
// UseBias<false>, ResetAfter<false>. Weights, Keras' layouts and gate order [z | r | h]:
// kernel() (features, 3*units), recurrent_kernel() (units, 3*units), bias() (2, 3*units): the input
// bias, then the recurrent one (reset_after=False: one row, (3*units,)). PyTorch's nn.GRU keeps the
// gates as [r | z | n] in rows: kernel = swap the first two column blocks of weight_ih_l0.T (the same
// for weight_hh_l0), bias rows = bias_ih_l0, bias_hh_l0 with the same swap.
//
// h' = z * h + (1 - z) * tanh(x_h + r * (h . U_h + b_rh)), z = sigmoid(x_z + h . U_z + b_z), likewise r.
#pragma once
#include <string_view>

#include "recurrent.hpp"

namespace tshape {

namespace detail {
template <class O>
struct gru_takes : std::bool_constant<is_recurrent_option<O>::value || is_reset_after<O>::value> {};
}  // namespace detail

template <int Units, class... Options>
struct GRU : detail::recurrent_tag, detail::functional_call<GRU<Units, Options...>> {
  /// void, or the option mistake the model reports (layer.hpp).
  using option_rule = decltype(detail::recurrent_option_rule<
                               Units,
                               error::it_takes<ReturnSequences, GoBackwards, error::an_activation,
                                               RecurrentActivation<Sigmoid>, UseBias<false>, ResetAfter<false>>,
                               detail::gru_takes, detail::is_reset_after, Options...>());

 private:
  using options = detail::recurrent_options<Options...>;

 public:
  static constexpr std::string_view keras_class = "GRU";
  static constexpr std::string_view keras_name = "gru";
  static constexpr int units = Units;
  static constexpr int gates = 3;
  static constexpr bool return_sequences = options::return_sequences;
  static constexpr bool go_backwards = options::go_backwards;
  static constexpr bool use_bias = options::use_bias;
  static constexpr bool reset_after = detail::option_t<detail::is_reset_after, ResetAfter<true>, Options...>::value;
  static constexpr int bias_rows = reset_after ? 2 : 1;
  static constexpr int states = 1;
  static constexpr bool unit_forget_bias = false;
  using activation = typename options::activation;
  using recurrent_activation = typename options::recurrent_activation;
  /// The same layer going the other way (Bidirectional's backward layer).
  using reversed = detail::reversed_spec_t<GRU, Units, Options...>;

  static constexpr auto cell() {
    return kernels::recurrent::gru<decltype(activation::function()), decltype(recurrent_activation::function()),
                                   reset_after>{activation::function(), recurrent_activation::function()};
  }

  template <int... D>
  static constexpr auto infer(Shape<D...>) {
    if constexpr (!std::is_void_v<option_rule>)
      return option_rule{};
    else
      return detail::recurrent_infer<Units, return_sequences, D...>();
  }
  template <class In>
  using bind = detail::recurrent_layer<GRU, In>;
};

}  // namespace tshape
