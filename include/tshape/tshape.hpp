// tshape: neural networks whose tensor shapes are template parameters.
// This umbrella header includes the whole public interface.
#pragma once

// The headers whose classes report shape errors come first, so that a compiler's "included from"
// chain above an error is as short as it can be.
#include "model/sequential.hpp"
#include "model/model_ptr.hpp"

#include "config.hpp"
#include "diagnostics/error.hpp"
#include "diagnostics/runtime.hpp"
#include "diagnostics/shape_rules.hpp"
#ifndef TSHAPE_NO_HEAP
#include "io/npy.hpp"
#include "io/npz.hpp"
#include "io/weights.hpp"
#endif
#include "kernels/gemm/blas.hpp"
#include "layers/activation.hpp"
#include "layers/bidirectional.hpp"
#include "layers/dense.hpp"
#include "layers/dropout.hpp"
#include "layers/flatten.hpp"
#include "layers/gru.hpp"
#include "layers/input.hpp"
#include "layers/lstm.hpp"
#include "layers/permute.hpp"
#include "layers/recurrent.hpp"
#include "layers/repeat_vector.hpp"
#include "layers/reshape.hpp"
#include "layers/simple_rnn.hpp"
#include "model/stream.hpp"
#include "model/summary.hpp"
#include "model/weights.hpp"
#include "shape/shape.hpp"
#include "shape/text.hpp"
#include "tensor/ops.hpp"
#include "tensor/tensor.hpp"
#include "tensor/view_as.hpp"
#include "train/losses.hpp"
