// GRU, LSTM, SimpleRNN and Bidirectional against PyTorch's nn.GRU / nn.LSTM / nn.RNN, their weights
// converted to Keras' layouts, and against Keras' formulas written out in float64 where PyTorch has
// no module for an option (tests/reference/make_recurrent.py).
#include <tshape/tshape.hpp>

#include <string>

#include "../support.hpp"

using namespace tshape;

namespace {

template <class Bound>
void load(const tshape_test::reference& ref, const std::string& name, Bound& l) {
  ref.copy_to(name + ".kernel", l.kernel());
  ref.copy_to(name + ".recurrent_kernel", l.recurrent_kernel());
  if constexpr (requires { l.bias(); }) ref.copy_to(name + ".bias", l.bias());
}

// Runs layer spec L (bound to (T, F)) on the reference input `name`.x and compares with `name`.`out`.
template <class L, int T, int F, int B>
void check(const std::string& name, const std::string& out, const std::string& weights = "") {
  INFO(name << "." << out);
  const tshape_test::reference ref("recurrent.txt");
  using Net = Sequential<Input<T, F>, L>;
  auto net = make_model<Net>();
  load(ref, weights.empty() ? name : weights, layer<0>(net));
  Tensor<float, Shape<B, T, F>> x;
  ref.copy_to(name + ".x", x);
  auto y = net(x);
  tshape_test::require_close(y, ref[name + "." + out].values, 1e-5, 2e-6);
  // The same with a dyn batch.
  Tensor<float, Shape<dyn, T, F>> xd(B);
  ref.copy_to(name + ".x", xd);
  auto yd = net(xd);
  tshape_test::require_close(yd, ref[name + "." + out].values, 1e-5, 2e-6);
}

template <class L, int T, int F, int B>
void check_bidirectional(const std::string& name, const std::string& out) {
  INFO(name << "." << out);
  const tshape_test::reference ref("recurrent.txt");
  using Net = Sequential<Input<T, F>, L>;
  auto net = make_model<Net>();
  load(ref, name + ".forward", layer<0>(net).forward_layer());
  load(ref, name + ".backward", layer<0>(net).backward_layer());
  Tensor<float, Shape<B, T, F>> x;
  ref.copy_to(name + ".x", x);
  auto y = net(x);
  tshape_test::require_close(y, ref[name + "." + out].values, 1e-5, 2e-6);
  // The same with a dyn batch.
  Tensor<float, Shape<dyn, T, F>> xd(B);
  ref.copy_to(name + ".x", xd);
  auto yd = net(xd);
  tshape_test::require_close(yd, ref[name + "." + out].values, 1e-5, 2e-6);
}

}  // namespace

TEST_CASE("GRU matches nn.GRU (reset_after=True) in every output mode", "[layers][recurrent][reference]") {
  check<GRU<7>, 6, 5, 3>("gru", "y_last");
  check<GRU<7, ReturnSequences>, 6, 5, 3>("gru", "y_seq");
  check<GRU<7, GoBackwards>, 6, 5, 3>("gru", "y_back_last");
  check<GRU<7, GoBackwards, ReturnSequences>, 6, 5, 3>("gru", "y_back_seq");
  check<GRU<17>, 9, 3, 1>("gru_b1", "y_last");
  check<GRU<17, ReturnSequences>, 9, 3, 1>("gru_b1", "y_seq");
  check<GRU<17, ReturnSequences, GoBackwards>, 9, 3, 1>("gru_b1", "y_back_seq");
  check<GRU<6, UseBias<false>>, 5, 4, 2>("gru_nobias", "y_last");
  check<GRU<6, UseBias<false>, ReturnSequences>, 5, 4, 2>("gru_nobias", "y_seq");
}

TEST_CASE("GRU with ResetAfter<false> matches Keras' formula", "[layers][recurrent][reference]") {
  check<GRU<7, ResetAfter<false>>, 6, 5, 3>("gru_reset_before", "y_last");
  check<GRU<7, ResetAfter<false>, ReturnSequences>, 6, 5, 3>("gru_reset_before", "y_seq");
  check<GRU<7, ResetAfter<false>, GoBackwards, ReturnSequences>, 6, 5, 3>("gru_reset_before", "y_back_seq");
  check<GRU<7, ResetAfter<false>, GoBackwards>, 6, 5, 3>("gru_reset_before", "y_back_last");
}

TEST_CASE("GRU with another activation and recurrent activation matches Keras' formula",
          "[layers][recurrent][reference]") {
  // activation='elu' (the candidate; lane by lane in the kernel), recurrent_activation='tanh' (z and r).
  check<GRU<6, ELU, RecurrentActivation<Tanh>, ReturnSequences>, 5, 4, 2>("gru_acts", "y_seq");
  check<GRU<6, RecurrentActivation<Tanh>, ELU>, 5, 4, 2>("gru_acts", "y_last");
}

TEST_CASE("LSTM matches nn.LSTM in every output mode", "[layers][recurrent][reference]") {
  check<LSTM<7>, 6, 5, 3>("lstm", "y_last");
  check<LSTM<7, ReturnSequences>, 6, 5, 3>("lstm", "y_seq");
  check<LSTM<7, GoBackwards>, 6, 5, 3>("lstm", "y_back_last");
  check<LSTM<7, GoBackwards, ReturnSequences>, 6, 5, 3>("lstm", "y_back_seq");
  check<LSTM<17>, 9, 3, 1>("lstm_b1", "y_last");
  check<LSTM<17, ReturnSequences>, 9, 3, 1>("lstm_b1", "y_seq");
  check<LSTM<17, GoBackwards>, 9, 3, 1>("lstm_b1", "y_back_last");
  // unit_forget_bias is an initializer only: a loaded bias is used as it is.
  check<LSTM<7, UnitForgetBias<false>>, 6, 5, 3>("lstm", "y_last");
}

TEST_CASE("LSTM with UseBias<false> matches nn.LSTM(bias=False)", "[layers][recurrent][reference]") {
  check<LSTM<6, UseBias<false>, ReturnSequences>, 5, 4, 2>("lstm_nobias", "y_seq");
  check<LSTM<6, UseBias<false>, GoBackwards>, 5, 4, 2>("lstm_nobias", "y_back_last");
}

TEST_CASE("SimpleRNN matches nn.RNN in every output mode", "[layers][recurrent][reference]") {
  check<SimpleRNN<9>, 5, 4, 2>("rnn", "y_last");
  check<SimpleRNN<9, ReturnSequences>, 5, 4, 2>("rnn", "y_seq");
  check<SimpleRNN<9, GoBackwards>, 5, 4, 2>("rnn", "y_back_last");
  check<SimpleRNN<9, GoBackwards, ReturnSequences>, 5, 4, 2>("rnn", "y_back_seq");
}

TEST_CASE("SimpleRNN with ReLU matches nn.RNN(nonlinearity='relu')", "[layers][recurrent][reference]") {
  check<SimpleRNN<6, ReLU, ReturnSequences>, 5, 4, 2>("rnn_relu", "y_seq");
  check<SimpleRNN<6, ReLU, GoBackwards>, 5, 4, 2>("rnn_relu", "y_back_last");
}

TEST_CASE("Bidirectional matches bidirectional PyTorch modules", "[layers][recurrent][reference]") {
  check_bidirectional<Bidirectional<GRU<5, ReturnSequences>>, 6, 4, 2>("bi_gru", "y_seq");
  check_bidirectional<Bidirectional<GRU<5>>, 6, 4, 2>("bi_gru", "y_last");
  check_bidirectional<Bidirectional<LSTM<6, ReturnSequences>>, 4, 3, 3>("bi_lstm", "y_seq");
  check_bidirectional<Bidirectional<LSTM<6>>, 4, 3, 3>("bi_lstm", "y_last");
}

TEST_CASE("Bidirectional of a GoBackwards layer: its backward copy reads forwards, as in Keras",
          "[layers][recurrent][reference]") {
  // forward_layer() is the layer as given (GoBackwards), backward_layer() its copy without it.
  check_bidirectional<Bidirectional<GRU<4, GoBackwards, ReturnSequences>>, 5, 3, 2>("bi_gru_back", "y_seq");
  check_bidirectional<Bidirectional<GRU<4, GoBackwards>>, 5, 3, 2>("bi_gru_back", "y_last");
}
