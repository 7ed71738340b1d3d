#include <tshape/tshape.hpp>
using namespace tshape;

using Head = Sequential<Input<5, 5, 64>, Flatten, Dense<1, Sigmoid>>;

int main() {
  auto head = make_model<Head>();
  Tensor<float, Shape<32, 5, 5, 64>> features;
  Tensor<float, Shape<32, 1>> labels;
  float l = loss<BinaryCrossentropy>(head(features), labels);
  return l > 0.0f ? 0 : 1;
}
