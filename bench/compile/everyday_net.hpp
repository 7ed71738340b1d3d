// The everyday model of (e) and (f): a Conv1D front, a bidirectional GRU, a dense head, and a batch
// of 4 sequences for it.
#pragma once
#include <tshape/tshape.hpp>

using EverydayNet = tshape::Sequential<
    tshape::Input<100, 8>, tshape::Conv1D<16, tshape::Kernel<5>, tshape::Padding::same, tshape::ReLU>,
    tshape::MaxPooling1D<tshape::Pool<2>>, tshape::Bidirectional<tshape::GRU<32, tshape::ReturnSequences>>,
    tshape::GlobalAveragePooling1D, tshape::Dense<32, tshape::ReLU>, tshape::Dropout<tshape::Rate<1, 5>>,
    tshape::Dense<4, tshape::Softmax>>;

inline tshape::Tensor<float, tshape::Shape<4, 100, 8>> everyday_batch() {
  tshape::Tensor<float, tshape::Shape<4, 100, 8>> x;
  for (int i = 0; i < static_cast<int>(x.size()); ++i) x.data()[i] = static_cast<float>(i % 9) * 0.1f;
  return x;
}
