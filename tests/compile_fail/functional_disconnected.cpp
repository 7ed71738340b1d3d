// EXPECT-MESSAGE: tshape: an output depends on an Input that is not among the model.s inputs
// EXPECT-ERROR: GRAPH_DISCONNECTED<.*Input<6>
// TITLE: An output computed from an Input that is not given to model(...)
// SEED: -
// KERAS: ValueError: Graph disconnected: cannot obtain value for tensor KerasTensor(type_spec=TensorSpec(shape=(None, 6), dtype=tf.float32, name='input_2'), name='input_2') at layer "dense_1". The following previous layers were accessed without issue: ['input_1', 'dense']
// FIX: give every Input the outputs read to model(...): model(inputs(features, extra), scores), and call the model with both.
#include <cstdio>
#include <tshape/tshape.hpp>
using namespace tshape;

constexpr auto features = Input<4>{};
constexpr auto extra = Input<6>{};
constexpr auto joint = Concatenate<>{}(Dense<8, ReLU>{}(features), Dense<8, ReLU>{}(extra));
constexpr auto scores = Dense<3, Softmax>{}(joint);
using Net = decltype(model(features, scores));  // extra is missing

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<2, 4>> x;
  auto y = net(x);
  std::printf("%f\n", y(0, 0));
}
