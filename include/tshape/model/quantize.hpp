// Post-training int8 quantization of a Sequential, as TensorFlow Lite's full-integer scheme:
//
//   constexpr auto q = tshape::quantize(net, calibration);   // calibration: samples the model will see
//   auto y = q(x);                 // float in (quantized at the input), float out (dequantized)
//   auto yq = q.int8(xq);          // int8 in, with q.input_quantization()'s scale and zero point, int8 out
//
// Weights are int8 per output channel (symmetric), activations int8 per tensor (asymmetric, from the
// calibrated [min, max] of each layer's output), biases int32; each layer requantizes in fixed point
// (kernels/quant/), so the integers are those of TFLite's reference kernels. ReLU and ReLU6, fused
// (Conv2D<..., ReLU6>) or as a layer, are the requantization's clamp. Sigmoid, Tanh and Softmax, fused
// (Dense<10, Softmax>) or as a layer, are int8 stages of their own, TFLite's int8 Logistic, Tanh and
// Softmax (kernels/quant/activation.hpp): the layer before requantizes to its calibrated range, and the
// activation maps that to the output quantization TFLite fixes (scale 1/256, zero point -128 for
// Sigmoid and Softmax; 1/128, 0 for Tanh). The float call of a Softmax model dequantizes that int8
// Softmax, so its probabilities are steps of 1/256 (they sum to 1 within a few steps, not exactly).
//
// Supported layers: Dense (Linear, ReLU, ReLU6, Sigmoid, Tanh, Softmax), Conv2D (the same activations;
// 'valid' or 'same', any strides and dilation: the int8 Dense on patches), Conv1D (the same, as the
// Conv2D over one row that TFLite's converter makes of it; 'causal' too, its left padding at the
// input's zero point as TFLite's Pad), DepthwiseConv2D (the same activations; any depth multiplier,
// strides, dilation, padding), MaxPooling and AveragePooling 1D/2D (the input's quantization kept, as
// TFLite), GlobalAveragePooling 1D/2D (TFLite's Mean, requantized), GlobalMaxPooling 1D/2D, ReLU, ReLU6,
// Sigmoid, Tanh and Softmax (the last axis) as layers, BatchNormalization right after a Dense, Conv1D,
// Conv2D or DepthwiseConv2D without activation (folded into its weights and bias, as TFLite's converter
// does), the layers that only move or drop values (Flatten, Reshape, Dropout: identities at inference),
// and Rescaling (a 256-entry table from its input's quantization to its calibrated output's).
// Anything else is a compile error that names the layer. A model of Dense layers quantizes at compile time: with constant weights
// (from_weights) and constant calibration data, the compiler builds the int8 model and it lives in
// flash (Conv1D's and Conv2D's weights are not constexpr-readable yet, so a model with one quantizes at run time).
//
// Types know the quantization: q(x) takes float data, q.int8(x) int8 data; the other is a compile error.
// Memory: param_bytes (int8 weights, packed, plus per-channel int32 bias, weight sums, multiplier and
// shift; a Sigmoid's or Tanh's 256-byte table), arena_bytes(batch) (two int8 activation buffers and a
// convolution's scratch for one image), both constexpr.
#pragma once
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <tuple>
#include <type_traits>
#include <utility>

#include "../kernels/conv/geometry.hpp"
#include "../kernels/quant/activation.hpp"
#include "../kernels/quant/conv.hpp"
#include "../kernels/quant/convert.hpp"
#include "../kernels/quant/dense.hpp"
#include "../kernels/quant/depthwise.hpp"
#include "../kernels/quant/fixed_point.hpp"
#include "../kernels/quant/params.hpp"
#include "../kernels/quant/pool.hpp"
#include "../layers/activation.hpp"
#include "../layers/average_pooling1d.hpp"
#include "../layers/average_pooling2d.hpp"
#include "../layers/batch_normalization.hpp"
#include "../layers/conv1d.hpp"
#include "../layers/conv2d.hpp"
#include "../layers/dense.hpp"
#include "../layers/depthwise_conv2d.hpp"
#include "../layers/dropout.hpp"
#include "../layers/flatten.hpp"
#include "../layers/global_average_pooling1d.hpp"
#include "../layers/global_average_pooling2d.hpp"
#include "../layers/global_max_pooling1d.hpp"
#include "../layers/global_max_pooling2d.hpp"
#include "../layers/max_pooling1d.hpp"
#include "../layers/max_pooling2d.hpp"
#include "../layers/rescaling.hpp"
#include "../layers/reshape.hpp"
#include "model_ptr.hpp"
#include "sequential.hpp"

#define TSHAPE_MSG_QUANTIZED_TAKES_FLOAT                                                                     \
  "tshape: q(x) on a quantized model takes float data and quantizes it itself; data already in int8 goes to " \
  "q.int8(x)"
#define TSHAPE_MSG_QUANTIZED_INT8_TAKES_INT8                                                                 \
  "tshape: q.int8(x) takes int8 data quantized with q.input_quantization() (scale, zero point); float data " \
  "goes to q(x), or quantize it first with q.quantize_input(x)"
#define TSHAPE_MSG_QUANTIZE_INPUT_TAKES_FLOAT \
  "tshape: q.quantize_input(x) takes the float data q(x) would take; data already in int8 goes to q.int8(x)"
#define TSHAPE_MSG_DEQUANTIZE_OUTPUT_TAKES_INT8                                                               \
  "tshape: q.dequantize_output(y) takes the int8 output of q.int8(x), of the model's output shape; q(x)'s " \
  "output is float already"
#define TSHAPE_MSG_NOT_QUANTIZABLE                                                                            \
  "tshape: quantize() does not handle this layer yet (it takes Dense, Conv1D, Conv2D and DepthwiseConv2D with "   \
  "Linear, ReLU, ReLU6, Sigmoid, Tanh or Softmax, the ReLU, ReLU6, Sigmoid, Tanh and Softmax layers, MaxPooling " \
  "and AveragePooling 1D/2D, GlobalAveragePooling and GlobalMaxPooling 1D/2D, Flatten, Reshape, Dropout and "    \
  "Rescaling; BatchNormalization right after a Dense or convolution without activation, folded into it)"

namespace tshape {

namespace error {
/// q(x) given data that is not float; q.int8(x) given data that is not int8.
template <class... Details>
struct QUANTIZED_CALL_DTYPE_MISMATCH {};
/// A layer quantize() cannot quantize yet.
template <class... Details>
struct NOT_QUANTIZABLE {};
struct at_quantized_call {};
struct at_quantized_int8_call {};
struct at_quantize_input {};
struct at_dequantize_output {};
struct fix_with_the_int8_call {};
struct fix_with_the_float_call_or_quantize_input {};
struct float_output_needs_no_dequantization {};
}  // namespace error

namespace detail::quant {
using kernels::quant::affine;

enum class kind { dense, conv, depthwise, max_pool, average_pool, global_average, global_max, identity, clamp, folded, table,
                  unsupported };
using kernels::quant::fused;

/// The activations the requantization's clamp is (TFLite's fused activations), and which.
template <class A>
inline constexpr bool fusable = std::is_same_v<A, Linear> || std::is_same_v<A, ReLU> || std::is_same_v<A, ReLU6>;
template <class A>
inline constexpr fused fused_of = std::is_same_v<A, ReLU> ? fused::relu : std::is_same_v<A, ReLU6> ? fused::relu6 : fused::linear;

/// The activations that run as an int8 stage of their own after the layer (TFLite's Logistic, Tanh and
/// Softmax ops, with the output quantization TFLite fixes), and which.
enum class nonlinear { none, logistic, tanh, softmax };
template <class A>
inline constexpr nonlinear nonlinear_of = std::is_same_v<A, Sigmoid> ? nonlinear::logistic
                                          : std::is_same_v<A, Tanh>  ? nonlinear::tanh
                                          : std::is_same_v<A, Softmax> ? nonlinear::softmax
                                                                       : nonlinear::none;
/// An activation quantize() takes on a Dense or convolution: a clamp, or an int8 stage after it.
template <class A>
inline constexpr bool quantizable_activation = fusable<A> || nonlinear_of<A> != nonlinear::none;
/// A spec's int8 activation stage (none for a spec that does not say).
template <class S>
constexpr nonlinear after_of() {
  if constexpr (requires { S::after; }) return S::after;
  else return nonlinear::none;
}

/// The float activation a fused one is, for calibration.
constexpr float apply_fused(fused a, float z) {
  if (a == fused::linear) return z;
  z = z > 0.0f ? z : 0.0f;
  return a == fused::relu6 && z > 6.0f ? 6.0f : z;
}

template <class L>
struct list_size;
template <class... L>
struct list_size<type_list<L...>> : std::integral_constant<std::size_t, sizeof...(L)> {};

template <kind K, fused A = fused::linear, nonlinear After = nonlinear::none>
struct spec_of_kind {
  static constexpr kind value = K;
  static constexpr bool softmax = false;
  static constexpr fused act = A;
  static constexpr nonlinear after = After;
};
template <class L>
struct spec : spec_of_kind<kind::unsupported> {};
template <int U, class... O>
struct spec<Dense<U, O...>> {
  using activation = typename Dense<U, O...>::activation;
  static constexpr bool takes = quantizable_activation<activation>;
  static constexpr kind value = takes ? kind::dense : kind::unsupported;
  static constexpr bool softmax = std::is_same_v<activation, Softmax>;
  static constexpr fused act = fused_of<activation>;
  static constexpr nonlinear after = nonlinear_of<activation>;
};
template <int F, class... O>
struct spec<Conv2D<F, O...>> {
  using opts = typename Conv2D<F, O...>::opts;
  using activation = typename Conv2D<F, O...>::activation;
  static constexpr bool takes = quantizable_activation<activation>;
  static constexpr kind value = takes ? kind::conv : kind::unsupported;
  static constexpr bool softmax = std::is_same_v<activation, Softmax>;
  static constexpr fused act = fused_of<activation>;
  static constexpr nonlinear after = nonlinear_of<activation>;
};
/// Conv1D: a Conv2D over one row (TFLite's converter makes it one), any padding and dilation.
template <int F, class... O>
struct spec<Conv1D<F, O...>>
    : spec_of_kind<quantizable_activation<typename Conv1D<F, O...>::activation> ? kind::conv : kind::unsupported,
                   fused_of<typename Conv1D<F, O...>::activation>, nonlinear_of<typename Conv1D<F, O...>::activation>> {};
template <class... O>
struct spec<DepthwiseConv2D<O...>>
    : spec_of_kind<quantizable_activation<typename DepthwiseConv2D<O...>::activation> ? kind::depthwise : kind::unsupported,
                   fused_of<typename DepthwiseConv2D<O...>::activation>, nonlinear_of<typename DepthwiseConv2D<O...>::activation>> {};
template <class... O>
struct spec<MaxPooling2D<O...>> : spec_of_kind<kind::max_pool> {};
template <class... O>
struct spec<MaxPooling1D<O...>> : spec_of_kind<kind::max_pool> {};
template <class... O>
struct spec<AveragePooling2D<O...>> : spec_of_kind<kind::average_pool> {};
template <class... O>
struct spec<AveragePooling1D<O...>> : spec_of_kind<kind::average_pool> {};
template <>
struct spec<GlobalAveragePooling2D> : spec_of_kind<kind::global_average> {};
template <>
struct spec<GlobalAveragePooling1D> : spec_of_kind<kind::global_average> {};
template <>
struct spec<GlobalMaxPooling2D> : spec_of_kind<kind::global_max> {};
template <>
struct spec<GlobalMaxPooling1D> : spec_of_kind<kind::global_max> {};
/// The window geometry of a DepthwiseConv2D or a pooling on input In, as its float layer has it.
template <class L, class In>
inline constexpr kernels::window_geometry window_of = L::template bind<In>::geometry;
/// A Conv2D's geometry on input In (H, W, C), or a Conv1D's on (steps, C) as one row, for the int8 kernel.
template <class L, class In>
constexpr kernels::quant::conv_geometry conv_geometry_of() {
  using opts = typename L::opts;
  constexpr auto e = In::extents;
  constexpr int r = In::rank;
  constexpr auto flat = kernels::make_geometry(r == 3 ? e[0] : 1, e[r - 2], e[r - 1], opts::kh, opts::kw, opts::sh, opts::sw,
                                               opts::dh, opts::dw, opts::same, L::filters);
  constexpr auto g = opts::causal ? kernels::causal_columns(flat) : flat;
  return {g.h, g.w, g.c, g.kh, g.kw, g.oc, g.sh, g.sw, g.pad_top, g.pad_left, g.oh, g.ow, g.dh, g.dw};
}
template <>
struct spec<Flatten> : spec_of_kind<kind::identity> {};
template <int... D>
struct spec<Reshape<D...>> : spec_of_kind<kind::identity> {};
template <class... R>
struct spec<Dropout<R...>> : spec_of_kind<kind::identity> {};
/// Rescaling: an element-wise map of int8 values, a table from its input's quantization to its own.
template <int N, int D, class... O>
struct spec<Rescaling<N, D, O...>> : spec_of_kind<kind::table> {};
template <>
struct spec<ReLU> : spec_of_kind<kind::clamp, fused::relu> {};
template <>
struct spec<ReLU6> : spec_of_kind<kind::clamp, fused::relu6> {};
/// Sigmoid, Tanh and Softmax as layers: their input passes as it is, then their int8 stage maps it.
template <>
struct spec<Sigmoid> : spec_of_kind<kind::identity, fused::linear, nonlinear::logistic> {};
template <>
struct spec<Tanh> : spec_of_kind<kind::identity, fused::linear, nonlinear::tanh> {};
template <>
struct spec<Softmax> : spec_of_kind<kind::identity, fused::linear, nonlinear::softmax> {};
/// Folded into the Dense, Conv1D, Conv2D or DepthwiseConv2D right before it, as TFLite's converter folds it.
template <>
struct spec<BatchNormalization> : spec_of_kind<kind::folded> {};
template <class... O>
struct spec<BatchNormalization::with<O...>> : spec_of_kind<kind::folded> {};

/// Whether layer I of the list is a BatchNormalization right after a Dense, Conv2D or DepthwiseConv2D
/// with no activation (what folding it needs); and whether layer I is one that has such a layer folded in.
template <class Layers, std::size_t I>
constexpr bool foldable_at() {
  if constexpr (I == 0) {
    return false;
  } else {
    using P = spec<type_at_t<I - 1, Layers>>;
    return (P::value == kind::dense || P::value == kind::conv || P::value == kind::depthwise) && P::act == fused::linear &&
           !P::softmax && after_of<P>() == nonlinear::none;
  }
}
template <class Layers, std::size_t I, std::size_t N>
constexpr bool folds_next() {
  if constexpr (I + 1 >= N) return false;
  else return spec<type_at_t<I + 1, Layers>>::value == kind::folded;
}
/// Output channel c of a float kernel read as (count, channels), Keras' layout for Dense, Conv2D
/// (HWIO) and DepthwiseConv2D alike, times a folded BatchNormalization's scale: its symmetric int8
/// weights, handed to put(k, weight), and the stage's int32 bias (bias * scale + shift; when the
/// layer has one or a BatchNormalization folds in), multiplier and shift. Returns the weights' sum.
template <bool HasBias, class Stage, class Put>
constexpr std::int32_t quantize_channel(const float* kernel, int count, int channels, int c, float scale, float shift,
                                        float bias, kernels::quant::affine t_in, kernels::quant::affine t_out, Stage& st,
                                        Put&& put) {
  float max_abs = 0.0f;
  for (int k = 0; k < count; ++k) {
    const float v = kernel[k * channels + c] * scale;
    max_abs = std::max(max_abs, v < 0.0f ? -v : v);
  }
  std::int32_t sum = 0;
  for (int k = 0; k < count; ++k) {
    const std::int8_t w = kernels::quant::quantize_weight(kernel[k * channels + c] * scale, max_abs);
    put(k, w);
    sum += w;
  }
  const float ws = kernels::quant::weight_scale(max_abs);
  if constexpr (HasBias) st.bias[c] = kernels::quant::quantize_bias(bias * scale + shift, t_in.scale, ws);
  const auto m = kernels::quant::output_multiplier(t_in.scale, ws, t_out.scale);
  st.multiplier[c] = m.value;
  st.shift[c] = m.shift;
  return sum;
}

/// A BatchNormalization's per-channel scale and shift: y = x * scale + shift.
template <class B>
void batch_norm_affine(const B& bn, int c, float& scale, float& shift) {
  scale = bn.gamma().data()[c] / std::sqrt(bn.moving_variance().data()[c] + B::layer_epsilon);
  shift = bn.beta().data()[c] - bn.moving_mean().data()[c] * scale;
}

/// A quantized Dense: `in` deep, `units` wide, run on rows of `in` values.
template <int In, int Units>
struct dense_stage {
  alignas(kernels::quant::packed_alignment) std::array<std::int8_t, kernels::quant::packed_bytes(In, Units)> packed{};
  std::array<std::int32_t, Units> bias{}, sums{}, multiplier{}, shift{};
  std::int32_t min = -128, max = 127;
  static constexpr std::size_t bytes = kernels::quant::packed_bytes(In, Units) + 4 * Units * sizeof(std::int32_t);
};
/// A quantized DepthwiseConv2D: per tap, the channels padded to 16 (kernels/quant/depthwise.hpp).
template <int Taps, int Channels>
struct depthwise_stage {
  alignas(kernels::quant::packed_alignment) std::array<std::int8_t, kernels::quant::depthwise_bytes(Taps, Channels)> weights{};
  std::array<std::int32_t, Channels> bias{}, multiplier{}, shift{};
  std::int32_t min = -128, max = 127;
  static constexpr std::size_t bytes = kernels::quant::depthwise_bytes(Taps, Channels) + 3 * Channels * sizeof(std::int32_t);
};
/// A global average pooling (TFLite's Mean): the multiplier of input_scale / output_scale.
struct mean_stage {
  std::int32_t multiplier = 0, shift = 0;
  static constexpr std::size_t bytes = 2 * sizeof(std::int32_t);
};
struct plain_stage {
  static constexpr std::size_t bytes = 0;
};
/// An element-wise int8 map (Rescaling): its 256 outputs.
struct table_stage {
  kernels::quant::activation_table table{};
  static constexpr std::size_t bytes = 256;
};
/// What an int8 activation stage keeps: Logistic and Tanh a table of their 256 outputs (computed with
/// the reference kernels when quantizing), Softmax its input multiplier, shift and diff_min.
template <nonlinear A>
struct activation_part {
  static constexpr std::size_t bytes = 0;
};
template <>
struct activation_part<nonlinear::logistic> {
  kernels::quant::activation_table table{};
  static constexpr std::size_t bytes = 256;
};
template <>
struct activation_part<nonlinear::tanh> : activation_part<nonlinear::logistic> {};
template <>
struct activation_part<nonlinear::softmax> {
  kernels::quant::softmax_params softmax{};
  static constexpr std::size_t bytes = 3 * sizeof(std::int32_t);
};
/// A layer's stage followed by an int8 activation: `pre` is the quantization the layer requantizes to
/// (its calibrated output range), which the activation then maps to its fixed output quantization.
template <class Base, nonlinear A>
struct activated : Base, activation_part<A> {
  kernels::quant::affine pre{};
  static constexpr std::size_t bytes = Base::bytes + activation_part<A>::bytes;
};
template <class Base, nonlinear A>
struct with_activation {
  using type = activated<Base, A>;
};
template <class Base>
struct with_activation<Base, nonlinear::none> {
  using type = Base;
};
/// The activation's output quantization, as TFLite fixes it.
constexpr kernels::quant::affine output_of(nonlinear a) {
  return a == nonlinear::tanh ? kernels::quant::tanh_output
         : a == nonlinear::softmax ? kernels::quant::softmax_output
                                   : kernels::quant::logistic_output;
}
/// The int8 activation's constants for its input quantization.
template <class Stage, nonlinear A>
constexpr void prepare_activation(Stage& st, kernels::quant::affine in) {
  if constexpr (A == nonlinear::logistic) st.table = kernels::quant::logistic_table(kernels::quant::prepare_logistic(in));
  else if constexpr (A == nonlinear::tanh) st.table = kernels::quant::tanh_table(kernels::quant::prepare_tanh(in));
  else st.softmax = kernels::quant::prepare_softmax(in.scale);  // Keras' softmax: beta 1
}
/// The int8 activation in place on `count` values, rows of `depth` (Softmax's axis, the last).
template <nonlinear A, class Stage>
void run_activation(const Stage& st, std::int8_t* y, std::size_t count, int depth) {
  if constexpr (A == nonlinear::softmax)
    kernels::quant::softmax(y, y, static_cast<std::ptrdiff_t>(count) / depth, depth, st.softmax);
  else
    kernels::quant::lookup(y, y, static_cast<std::ptrdiff_t>(count), st.table);
}

template <class L, class InShape, class OutShape>
struct stage_of {
  using type = plain_stage;
};
template <int U, class... O, class InShape, class OutShape>
struct stage_of<Dense<U, O...>, InShape, OutShape> {
  using type = dense_stage<last_extent_v<InShape>, U>;
};

template <int F, class... O, class InShape, class OutShape>
struct stage_of<Conv2D<F, O...>, InShape, OutShape> {
  using type = dense_stage<conv_geometry_of<Conv2D<F, O...>, InShape>().patch(), F>;
};
template <int F, class... O, class InShape, class OutShape>
struct stage_of<Conv1D<F, O...>, InShape, OutShape> {
  using type = dense_stage<conv_geometry_of<Conv1D<F, O...>, InShape>().patch(), F>;
};
template <class... O, class InShape, class OutShape>
struct stage_of<DepthwiseConv2D<O...>, InShape, OutShape> {
  static constexpr auto g = window_of<DepthwiseConv2D<O...>, InShape>;
  using type = depthwise_stage<g.kh * g.kw, g.oc>;
};
template <class InShape, class OutShape>
struct stage_of<GlobalAveragePooling2D, InShape, OutShape> {
  using type = mean_stage;
};
template <class InShape, class OutShape>
struct stage_of<GlobalAveragePooling1D, InShape, OutShape> {
  using type = mean_stage;
};
template <int N, int D, class... O, class InShape, class OutShape>
struct stage_of<Rescaling<N, D, O...>, InShape, OutShape> {
  using type = table_stage;
};

/// The depth and width of the Dense a Dense or Conv2D (on patches) is.
template <class L, class In>
constexpr int depth_of() {
  if constexpr (spec<L>::value == kind::conv) return conv_geometry_of<L, In>().patch();
  else return last_extent_v<In>;
}
template <class L>
constexpr int units_of() {
  if constexpr (spec<L>::value == kind::conv) return L::filters;
  else return L::units;
}

/// The most scratch a Conv2D of Net needs (one image's patches, or its padded copy), 0 without convolutions.
template <class Net, std::size_t... I>
constexpr std::size_t largest_patches(std::index_sequence<I...>) {
  std::size_t most = 0;
  (
      [&] {
        using L = type_at_t<I, typename Net::layers>;
        if constexpr (spec<L>::value == kind::conv)
          most = std::max(most, conv_geometry_of<L, typename Net::template shape_at<I>>().scratch_bytes());
      }(),
      ...);
  return most;
}

template <class Net, class Is>
struct stages;
template <class Net, std::size_t... I>
struct stages<Net, std::index_sequence<I...>> {
  using type = std::tuple<typename with_activation<
      typename stage_of<type_at_t<I, typename Net::layers>, typename Net::template shape_at<I>,
                        typename Net::template shape_at<I + 1>>::type,
      after_of<spec<type_at_t<I, typename Net::layers>>>()>::type...>;
};

template <class Net, std::size_t... I>
constexpr std::size_t largest_sample(std::index_sequence<I...>) {
  std::size_t most = 0;
  ((most = std::max(most, static_cast<std::size_t>(Net::template shape_at<I>::static_size))), ...);
  return most;
}

/// The first layer quantize() does not take, as a diagnosis (void when it takes them all).
template <class Net, std::size_t... I>
constexpr auto unsupported_rule(std::index_sequence<I...>) {
  constexpr std::size_t n = sizeof...(I);
  constexpr std::array<bool, n + 1> bad{
      (spec<type_at_t<I, typename Net::layers>>::value == kind::unsupported ||
       (spec<type_at_t<I, typename Net::layers>>::value == kind::folded && !foldable_at<typename Net::layers, I>()))...,
      false};
  constexpr std::size_t first = [&] {
    for (std::size_t i = 0; i < n; ++i)
      if (bad[i]) return i;
    return n;
  }();
  if constexpr (first == n)
    return std::type_identity<void>{};
  else
    return std::type_identity<error::NOT_QUANTIZABLE<error::at_layer<static_cast<int>(first)>,
                                                     type_at_t<first, typename Net::layers>>>{};
}

/// exp(x) in double, constexpr (std::exp is not, before C++26), for calibrating through Sigmoid, Tanh and
/// Softmax: x = k ln 2 + r with |r| <= ln 2 / 2, exp(r) by its Taylor series (within a few ulp), times 2^k.
/// The same function at run time, so that a model quantizes to the same bits either way.
constexpr double calibration_exp(double x) {
  if (x < -745.0) return 0.0;
  if (x > 709.0) x = 709.0;
  constexpr double ln2 = 0.69314718055994530942;
  const double kd = x / ln2;
  const auto k = static_cast<int>(kd < 0 ? kd - 0.5 : kd + 0.5);
  const double r = x - k * ln2;
  double term = 1.0, sum = 1.0;
  for (int i = 1; i < 24; ++i) {
    term *= r / i;
    sum += term;
  }
  for (int i = 0; i < k; ++i) sum *= 2.0;
  for (int i = 0; i > k; --i) sum *= 0.5;
  return sum;
}
/// The float activation A on `count` values, rows of `depth` (Softmax along them), for calibration.
template <nonlinear A>
constexpr void calibration_activation(float* v, std::size_t count, std::size_t depth) {
  if constexpr (A == nonlinear::softmax) {
    for (std::size_t r = 0; r < count / depth; ++r) {
      float* row = v + r * depth;
      float max = row[0];
      for (std::size_t c = 1; c < depth; ++c) max = row[c] > max ? row[c] : max;
      double sum = 0.0;
      for (std::size_t c = 0; c < depth; ++c) sum += calibration_exp(static_cast<double>(row[c]) - max);
      for (std::size_t c = 0; c < depth; ++c) row[c] = static_cast<float>(calibration_exp(static_cast<double>(row[c]) - max) / sum);
    }
  } else {
    for (std::size_t k = 0; k < count; ++k) {
      const double z = v[k];
      if constexpr (A == nonlinear::logistic) {
        v[k] = static_cast<float>(1.0 / (1.0 + calibration_exp(-z)));
      } else {
        const double e = calibration_exp(-2.0 * (z < 0 ? -z : z));  // tanh |z| = (1 - e^-2|z|) / (1 + e^-2|z|)
        const double t = (1.0 - e) / (1.0 + e);
        v[k] = static_cast<float>(z < 0 ? -t : t);
      }
    }
  }
}

/// The diagnosis of data of element type T and shape S (batch first) given to a quantized model's
/// quantize_input or dequantize_output (Place), which take Want and samples of shape Sample.
template <class T, class S, class Want, class Place, class Sample, class Fix>
constexpr auto data_rule() {
  if constexpr (!std::is_same_v<T, Want>)
    return std::type_identity<error::QUANTIZED_CALL_DTYPE_MISMATCH<Place, error::expected_dtype<Want>, error::but_got_dtype<T>,
                                                                   error::got_tensor<S>, Fix>>{};
  else if constexpr (!compatible_v<S, prepend_t<dyn, Sample>>)
    return std::type_identity<error::SHAPE_MISMATCH<
        Place,
        std::conditional_t<std::is_same_v<Place, error::at_dequantize_output>, error::expected_output<Sample>, error::expected<Sample>>,
        error::got_tensor<S>>>{};
  else
    return std::type_identity<void>{};
}

/// Calibration data that cannot give ranges, as an error (none when they can): no samples (every
/// range would be {0}, and the model would give zeros), or a value that is NaN or infinite (a range
/// to infinity has no scale; TFLite's converter refuses such data too).
constexpr error_info calibration_error(const float* x, int samples, std::size_t sample_size) {
  if (samples <= 0) return make_error(errc::invalid_argument, "quantize(): the calibration data hold no samples");
  for (std::size_t k = 0; k < static_cast<std::size_t>(samples) * sample_size; ++k) {
    if (x[k] == x[k] && x[k] <= std::numeric_limits<float>::max() && x[k] >= -std::numeric_limits<float>::max()) continue;
    static_text<160> d("quantize(): the calibration data hold ");
    d.append(x[k] != x[k] ? "NaN" : x[k] > 0 ? "inf" : "-inf").append(" at sample ");
    d.append(static_cast<long long>(k / sample_size)).append(", element ").append(static_cast<long long>(k % sample_size));
    d.append(": calibrate on finite values");
    return make_error(errc::invalid_argument, d.view());
  }
  return {};
}

/// The calibrated range of every activation, from running the float model's layers (in plain loops,
/// so that this is constexpr) on each calibration sample.
template <class Net, class X>
constexpr auto calibrate(const Net& net, const X& x, int samples) {
  constexpr std::size_t n = list_size<typename Net::layers>::value;
  constexpr std::size_t most = largest_sample<Net>(std::make_index_sequence<n + 1>{});
  constexpr std::size_t input_size = Net::input_shape::static_size;
  std::array<double, n + 1> lo{}, hi{};
  std::array<float, most> a{}, b{};
  for (int s = 0; s < samples; ++s) {
    for (std::size_t k = 0; k < input_size; ++k) {
      a[k] = x[static_cast<std::size_t>(s) * input_size + k];
      lo[0] = std::min(lo[0], static_cast<double>(a[k]));
      hi[0] = std::max(hi[0], static_cast<double>(a[k]));
    }
    float* cur = a.data();
    float* next = b.data();
    for_each_index<n>([&](auto i) {
      using L = type_at_t<i, typename Net::layers>;
      constexpr std::size_t in_size = Net::template shape_at<i>::static_size;
      constexpr std::size_t out_size = Net::template shape_at<i + 1>::static_size;
      if constexpr (spec<L>::value == kind::dense) {
        constexpr int in = last_extent_v<typename Net::template shape_at<i>>;
        constexpr int units = L::units;
        const auto& layer = net.template layer<i>();
        const float* kernel = layer.kernel().data();
        for (std::size_t r = 0; r < in_size / in; ++r)
          for (int c = 0; c < units; ++c) {
            float z = 0.0f;
            if constexpr (L::use_bias) z = layer.bias().data()[c];
            for (int k = 0; k < in; ++k) z += cur[r * in + static_cast<std::size_t>(k)] * kernel[k * units + c];
            next[r * units + static_cast<std::size_t>(c)] = apply_fused(spec<L>::act, z);  // Softmax: the logits
          }
      } else if constexpr (spec<L>::value == kind::conv) {
        constexpr auto g = conv_geometry_of<L, typename Net::template shape_at<i>>();
        const auto& layer = net.template layer<i>();
        const float* kernel = layer.kernel().data();  // HWIO: (kh * kw * cin, filters) row-major
        for (int oy = 0; oy < g.out_h; ++oy)
          for (int ox = 0; ox < g.out_w; ++ox)
            for (int co = 0; co < g.cout; ++co) {
              float z = 0.0f;
              if constexpr (L::use_bias) z = layer.bias().data()[co];
              for (int ky = 0; ky < g.kh; ++ky)
                for (int kx = 0; kx < g.kw; ++kx) {
                  const int iy = oy * g.stride_h - g.pad_top + ky * g.dilation_h;
                  const int ix = ox * g.stride_w - g.pad_left + kx * g.dilation_w;
                  if (iy < 0 || iy >= g.h || ix < 0 || ix >= g.w) continue;
                  for (int ci = 0; ci < g.cin; ++ci)
                    z += cur[(static_cast<std::size_t>(iy) * g.w + ix) * g.cin + ci] *
                         kernel[((ky * g.kw + kx) * g.cin + ci) * g.cout + co];
                }
              next[(static_cast<std::size_t>(oy) * g.out_w + ox) * g.cout + co] = apply_fused(spec<L>::act, z);
            }
      } else if constexpr (spec<L>::value == kind::depthwise) {
        constexpr auto g = window_of<L, typename Net::template shape_at<i>>;
        constexpr int m = g.oc / g.c;
        const auto& layer = net.template layer<i>();
        const float* kernel = layer.depthwise_kernel().data();  // (kh, kw, c, m): (taps, c * m)
        for (int oy = 0; oy < g.oh; ++oy)
          for (int ox = 0; ox < g.ow; ++ox)
            for (int o = 0; o < g.oc; ++o) {
              float z = 0.0f;
              if constexpr (L::use_bias) z = layer.bias().data()[o];
              for (int ky = 0; ky < g.kh; ++ky)
                for (int kx = 0; kx < g.kw; ++kx) {
                  const int iy = oy * g.sh - g.pad_top + ky * g.dh, ix = ox * g.sw - g.pad_left + kx * g.dw;
                  if (iy < 0 || iy >= g.h || ix < 0 || ix >= g.w) continue;
                  z += cur[(static_cast<std::size_t>(iy) * g.w + ix) * g.c + o / m] * kernel[(ky * g.kw + kx) * g.oc + o];
                }
              next[(static_cast<std::size_t>(oy) * g.ow + ox) * g.oc + o] = apply_fused(spec<L>::act, z);
            }
      } else if constexpr (spec<L>::value == kind::max_pool || spec<L>::value == kind::average_pool) {
        constexpr auto g = window_of<L, typename Net::template shape_at<i>>;
        for (int oy = 0; oy < g.oh; ++oy)
          for (int ox = 0; ox < g.ow; ++ox)
            for (int c = 0; c < g.c; ++c) {
              float acc = 0.0f;
              int count = 0;
              for (int ky = 0; ky < g.kh; ++ky)
                for (int kx = 0; kx < g.kw; ++kx) {
                  const int iy = oy * g.sh - g.pad_top + ky, ix = ox * g.sw - g.pad_left + kx;
                  if (iy < 0 || iy >= g.h || ix < 0 || ix >= g.w) continue;
                  const float v = cur[(static_cast<std::size_t>(iy) * g.w + ix) * g.c + c];
                  if (spec<L>::value == kind::average_pool) acc += v;
                  else acc = count == 0 || v > acc ? v : acc;
                  ++count;
                }
              next[(static_cast<std::size_t>(oy) * g.ow + ox) * g.c + c] =
                  spec<L>::value == kind::average_pool && count > 0 ? acc / static_cast<float>(count) : acc;
            }
      } else if constexpr (spec<L>::value == kind::global_average || spec<L>::value == kind::global_max) {
        constexpr int channels = static_cast<int>(out_size);
        constexpr int cells = static_cast<int>(in_size) / channels;
        for (int c = 0; c < channels; ++c) {
          float acc = cur[c];
          for (int k = 1; k < cells; ++k) {
            const float v = cur[static_cast<std::size_t>(k) * channels + c];
            if (spec<L>::value == kind::global_average) acc += v;
            else acc = v > acc ? v : acc;
          }
          next[c] = spec<L>::value == kind::global_average ? acc / static_cast<float>(cells) : acc;
        }
      } else if constexpr (spec<L>::value == kind::folded) {
        constexpr int channels = last_extent_v<typename Net::template shape_at<i>>;
        const auto& bn = net.template layer<i>();
        for (std::size_t k = 0; k < out_size; ++k) {
          float scale = 1.0f, shift = 0.0f;
          batch_norm_affine(bn, static_cast<int>(k % channels), scale, shift);
          next[k] = cur[k] * scale + shift;
        }
      } else if constexpr (spec<L>::value == kind::table) {
        for (std::size_t k = 0; k < out_size; ++k) next[k] = cur[k] * L::scale + L::offset;
      } else {
        for (std::size_t k = 0; k < out_size; ++k) next[k] = apply_fused(spec<L>::act, cur[k]);
      }
      for (std::size_t k = 0; k < out_size; ++k) {
        lo[i + 1] = std::min(lo[i + 1], static_cast<double>(next[k]));
        hi[i + 1] = std::max(hi[i + 1], static_cast<double>(next[k]));
      }
      // Sigmoid, Tanh and Softmax: the range above is their input's (the layer's, which requantizes to
      // it); their output's quantization is fixed, and the layers after see the activated values.
      constexpr nonlinear after = after_of<spec<L>>();
      if constexpr (after != nonlinear::none)
        calibration_activation<after>(next, out_size, static_cast<std::size_t>(last_extent_v<typename Net::template shape_at<i + 1>>));
      std::swap(cur, next);
    });
  }
  return std::pair{lo, hi};
}
/// A tensor of T with x's shape (and batch).
template <class T, class X>
auto tensor_like(const X& x) {
  using S = typename X::shape;
  if constexpr (S::extents[0] == dyn) return Tensor<T, S>(x.extent(0));
  else return Tensor<T, S>();
}
/// Runs f on an arena of ArenaBytes(batch) bytes: on the stack for a small static batch B, else on
/// the heap (a compile error under TSHAPE_NO_HEAP, where forward(x, y, arena) takes the user's).
template <int B, auto ArenaBytes, class F>
void with_arena(int batch, F&& f) {
  if constexpr (B != dyn && ArenaBytes(B > 0 ? B : 1) <= TSHAPE_STACK_ARENA_BYTES) {
    alignas(TSHAPE_ALIGN) std::int8_t scratch[ArenaBytes(B > 0 ? B : 1)];
    f(scratch);
  } else {
#ifdef TSHAPE_NO_HEAP
    static_assert(B != dyn && B < 0, "tshape: under TSHAPE_NO_HEAP a quantized model runs with forward(x, y, arena)");
    (void)batch;
#else
    std::unique_ptr<std::int8_t[], detail::aligned_delete> scratch(
        detail::aligned_new<std::int8_t>(static_cast<std::ptrdiff_t>(ArenaBytes(batch > 0 ? batch : 1))));
    f(scratch.get());
#endif
  }
}

}  // namespace detail::quant

template <class Net>
class Quantized {
  static_assert(Net::has_input, "tshape: quantize() takes a model with an Input<...>");
  static_assert(detail::quant::list_size<typename Net::layers>::value >= 1, "tshape: quantize() takes a model with layers");
  static constexpr std::size_t n = detail::quant::list_size<typename Net::layers>::value;
  using specs = typename Net::layers;
  template <std::size_t I>
  using spec_at = detail::quant::spec<detail::type_at_t<I, specs>>;
  using stage_tuple = typename detail::quant::stages<Net, std::make_index_sequence<n>>::type;
  static constexpr std::size_t largest = detail::quant::largest_sample<Net>(std::make_index_sequence<n + 1>{});
  static constexpr std::size_t patches = detail::quant::largest_patches<Net>(std::make_index_sequence<n>{});
  static constexpr std::size_t input_size = Net::input_shape::static_size;
  static constexpr std::size_t output_size = Net::output_shape::static_size;
  template <std::size_t I>
  static constexpr detail::quant::nonlinear after_at = detail::quant::after_of<spec_at<I>>();

 public:
  using float_model = Net;
  using input_shape = typename Net::input_shape;
  using output_shape = typename Net::output_shape;
  /// void, or the first layer quantize() cannot take (reported by quantize()).
  using diagnosis = typename decltype(detail::quant::unsupported_rule<Net>(std::make_index_sequence<n>{}))::type;

  /// The quantization of each activation: [0] the input, [i + 1] layer i's output.
  std::array<kernels::quant::affine, n + 1> tensors{};
  stage_tuple stages{};

  constexpr kernels::quant::affine input_quantization() const { return tensors[0]; }
  constexpr kernels::quant::affine output_quantization() const { return tensors[n]; }

  /// Bytes of the parameters: int8 weights (packed, so padded to 16 units and 4 deep) and per output
  /// channel an int32 bias, weight sum, multiplier and shift; a Sigmoid's or Tanh's 256-byte table, a
  /// Softmax's input multiplier, shift and diff_min.
  static constexpr std::size_t param_bytes = [] {
    std::size_t total = 0;
    detail::for_each_index<n>([&](auto i) { total += std::tuple_element_t<i, stage_tuple>::bytes; });
    return total;
  }();
  /// Bytes of working memory for `batch` samples: two int8 activation buffers of the largest activation
  /// (the float call's input and output buffers included), each rounded up to 64 bytes, then a Conv2D's
  /// scratch for one image (conv_geometry::scratch_bytes(): its patches, or its padded copy; none without
  /// convolutions).
  static constexpr std::size_t buffer_bytes(int batch) {
    const std::size_t one = static_cast<std::size_t>(batch) * largest;
    return (one + TSHAPE_ALIGN - 1) / TSHAPE_ALIGN * TSHAPE_ALIGN;
  }
  static constexpr std::size_t arena_bytes(int batch) { return 2 * buffer_bytes(batch) + patches; }
  static constexpr std::size_t activation_bytes = arena_bytes(1);
  template <int Batch = 1>
  struct arena {
    static_assert(Batch >= 1, "tshape: arena<Batch> is for a positive number of samples");
    alignas(TSHAPE_ALIGN) std::int8_t bytes[arena_bytes(Batch)];
  };

  /// The int8 pass on raw rows: x (batch, input) int8 -> y (batch, output) int8; `scratch` holds
  /// arena_bytes(batch) bytes, 64-byte aligned. Allocates nothing.
  void run_int8(const std::int8_t* x, std::int8_t* y, int batch, std::int8_t* scratch) const {
    if (batch <= 0) return;
    std::int8_t* buffer[2] = {scratch, scratch + buffer_bytes(batch)};
    const std::int8_t* cur = x;
    detail::for_each_index<n>([&](auto i) {
      using L = detail::type_at_t<i, specs>;
      using In = typename Net::template shape_at<i>;
      std::int8_t* out = i + 1 == n ? y : buffer[i % 2];
      const std::size_t count = static_cast<std::size_t>(batch) * Net::template shape_at<i + 1>::static_size;
      if constexpr (spec_at<i>::value == detail::quant::kind::dense) {
        constexpr int in = last_extent_v<In>;
        const auto& st = std::get<i>(stages);
        kernels::quant::requantization q{st.bias.data(), st.sums.data(), st.multiplier.data(), st.shift.data(),
                                          tensors[i].zero_point, requantized_zero_point<i>(), st.min, st.max};
        const int rows = batch * static_cast<int>(In::static_size / in);
        kernels::quant::dense(rows, in, L::units, cur, st.packed.data(), q, out);
      } else if constexpr (spec_at<i>::value == detail::quant::kind::conv) {
        constexpr auto g = detail::quant::conv_geometry_of<L, In>();
        const auto& st = std::get<i>(stages);
        kernels::quant::requantization q{st.bias.data(), st.sums.data(), st.multiplier.data(), st.shift.data(),
                                          tensors[i].zero_point, requantized_zero_point<i>(), st.min, st.max};
        kernels::quant::conv2d(g, batch, cur, st.packed.data(), q, scratch + 2 * buffer_bytes(batch), out);
      } else if constexpr (spec_at<i>::value == detail::quant::kind::depthwise) {
        constexpr auto g = detail::quant::window_of<L, In>;
        const auto& st = std::get<i>(stages);
        const kernels::quant::requantization q{st.bias.data(), nullptr, st.multiplier.data(), st.shift.data(),
                                                tensors[i].zero_point, requantized_zero_point<i>(), st.min, st.max};
        kernels::quant::depthwise(g, batch, cur, st.weights.data(), q, out);
      } else if constexpr (spec_at<i>::value == detail::quant::kind::max_pool) {
        kernels::quant::max_pool(detail::quant::window_of<L, In>, batch, cur, out);
      } else if constexpr (spec_at<i>::value == detail::quant::kind::average_pool) {
        kernels::quant::average_pool(detail::quant::window_of<L, In>, batch, cur, out);
      } else if constexpr (spec_at<i>::value == detail::quant::kind::global_average ||
                           spec_at<i>::value == detail::quant::kind::global_max) {
        constexpr int channels = last_extent_v<In>;
        constexpr int cells = static_cast<int>(In::static_size / channels);
        if constexpr (spec_at<i>::value == detail::quant::kind::global_max) {
          kernels::quant::global_max(batch, cells, channels, cur, out);
        } else {
          const auto& st = std::get<i>(stages);
          const kernels::quant::mean_params p{st.multiplier, st.shift, tensors[i].zero_point, tensors[i + 1].zero_point};
          kernels::quant::mean(batch, cells, channels, cur, p, out);
        }
      } else if constexpr (spec_at<i>::value == detail::quant::kind::table) {
        kernels::quant::lookup(cur, out, static_cast<std::ptrdiff_t>(count), std::get<i>(stages).table);
      } else if constexpr (spec_at<i>::value == detail::quant::kind::clamp) {
        // ReLU and ReLU6 as layers keep their input's quantization and clamp, as a fused one would.
        const auto r = kernels::quant::activation_range(spec_at<i>::act, tensors[i]);
        for (std::size_t k = 0; k < count; ++k) out[k] = static_cast<std::int8_t>(cur[k] < r.min ? r.min : cur[k] > r.max ? r.max : cur[k]);
      } else {
        if (out != cur) std::copy_n(cur, count, out);
      }
      // Sigmoid, Tanh, Softmax (fused or as a layer): int8 to int8, in place.
      if constexpr (after_at<i> != detail::quant::nonlinear::none)
        detail::quant::run_activation<after_at<i>>(std::get<i>(stages), out, count,
                                                   last_extent_v<typename Net::template shape_at<i + 1>>);
      cur = out;
    });
    if constexpr (n == 0) std::copy_n(x, static_cast<std::size_t>(batch) * input_size, y);
  }

  /// The float pass on raw rows: quantize x, run_int8, dequantize (a Softmax's too: its int8 output).
  void run(const float* x, float* y, int batch, std::int8_t* scratch) const {
    if (batch <= 0) return;
    // run_int8 writes layer i's output to buffer i % 2 and the last one to y: x in buffer 1 is read
    // (by layer 0) before anything is written there, and y in buffer (n - 1) % 2 is not the last layer's input.
    std::int8_t* xq = scratch + buffer_bytes(batch);
    std::int8_t* yq = scratch + ((n - 1) % 2) * buffer_bytes(batch);
    const std::size_t in_count = static_cast<std::size_t>(batch) * input_size;
    const std::size_t out_count = static_cast<std::size_t>(batch) * output_size;
    kernels::quant::quantize_values(x, xq, static_cast<std::ptrdiff_t>(in_count), tensors[0]);
    run_int8(xq, yq, batch, scratch);
    kernels::quant::dequantize_values(yq, y, static_cast<std::ptrdiff_t>(out_count), tensors[n]);
  }

  /// y = q(x): float data, batch first (a Tensor or TensorView); returns float, batch as x's.
  template <class X>
    requires is_tensor<X>::value
  auto operator()(const X& x) const {
    using S = typename X::shape;
    using D = call_diagnosis<std::remove_cv_t<typename X::value_type>, S, float>;
    static_assert(no_error<only<error::QUANTIZED_CALL_DTYPE_MISMATCH, D>>, TSHAPE_MSG_QUANTIZED_TAKES_FLOAT);
    static_assert(no_error<only<error::WRONG_RANK, D>>, TSHAPE_MSG_WRONG_RANK);
    static_assert(no_error<only<error::SHAPE_MISMATCH, D>>, TSHAPE_MSG_SHAPE_MISMATCH);
    if constexpr (std::is_void_v<D>) {
      Tensor<float, prepend_t<S::extents[0], output_shape>> y = make_result<float, S>(x);
      detail::quant::with_arena<S::extents[0], arena_bytes>(
          x.extent(0), [&](std::int8_t* scratch) { run(x.data(), y.data(), x.extent(0), scratch); });
      return y;
    } else {
      return detail::failed_model_output{};
    }
  }

  /// yq = q.int8(xq): int8 data quantized with input_quantization(); returns int8 with output_quantization().
  template <class X>
    requires is_tensor<X>::value
  auto int8(const X& x) const {
    using S = typename X::shape;
    using D = call_diagnosis<std::remove_cv_t<typename X::value_type>, S, std::int8_t>;
    static_assert(no_error<only<error::QUANTIZED_CALL_DTYPE_MISMATCH, D>>, TSHAPE_MSG_QUANTIZED_INT8_TAKES_INT8);
    static_assert(no_error<only<error::WRONG_RANK, D>>, TSHAPE_MSG_WRONG_RANK);
    static_assert(no_error<only<error::SHAPE_MISMATCH, D>>, TSHAPE_MSG_SHAPE_MISMATCH);
    if constexpr (std::is_void_v<D>) {
      Tensor<std::int8_t, prepend_t<S::extents[0], output_shape>> y = make_result<std::int8_t, S>(x);
      detail::quant::with_arena<S::extents[0], arena_bytes>(
          x.extent(0), [&](std::int8_t* scratch) { run_int8(x.data(), y.data(), x.extent(0), scratch); });
      return y;
    } else {
      return detail::failed_model_output{};
    }
  }

  /// Firmware: y = q(x) on raw float rows of a static batch B, on the caller's arena; allocates nothing.
  template <int B>
  void forward(const float* x, float* y, arena<B>& scratch) const {
    run(x, y, B, scratch.bytes);
  }
  /// Firmware: the int8 pass on the caller's arena.
  template <int B>
  void forward_int8(const std::int8_t* x, std::int8_t* y, arena<B>& scratch) const {
    run_int8(x, y, B, scratch.bytes);
  }

  /// x quantized as q.int8 wants it; and an int8 result back to float. Each checks its data as q(x)
  /// and q.int8(x) do: the element type, and the shape (batch first) against the model's.
  template <class X>
    requires is_tensor<X>::value
  auto quantize_input(const X& x) const {
    using S = typename X::shape;
    using D = call_diagnosis<std::remove_cv_t<typename X::value_type>, S, float, error::at_quantize_input>;
    static_assert(no_error<only<error::QUANTIZED_CALL_DTYPE_MISMATCH, D>>, TSHAPE_MSG_QUANTIZE_INPUT_TAKES_FLOAT);
    static_assert(no_error<only<error::WRONG_RANK, D>>, TSHAPE_MSG_WRONG_RANK);
    static_assert(no_error<only<error::SHAPE_MISMATCH, D>>, TSHAPE_MSG_SHAPE_MISMATCH);
    if constexpr (std::is_void_v<D>) {
      static_assert(drop_front_t<S>::is_static, "tshape: a quantized model's calls take data whose sample shape is static");
      Tensor<std::int8_t, S> q = detail::quant::tensor_like<std::int8_t>(x);
      kernels::quant::quantize_values(x.data(), q.data(), static_cast<std::ptrdiff_t>(x.extent(0) * input_size), tensors[0]);
      return q;
    } else {
      return detail::failed_model_output{};
    }
  }
  template <class X>
    requires is_tensor<X>::value
  auto dequantize_output(const X& yq) const {
    using S = typename X::shape;
    using D = typename decltype(detail::quant::data_rule<std::remove_cv_t<typename X::value_type>, S, std::int8_t,
                                                         error::at_dequantize_output, output_shape,
                                                         error::float_output_needs_no_dequantization>())::type;
    static_assert(no_error<D>, TSHAPE_MSG_DEQUANTIZE_OUTPUT_TAKES_INT8);
    if constexpr (std::is_void_v<D>) {
      static_assert(drop_front_t<S>::is_static, "tshape: a quantized model's calls take data whose sample shape is static");
      Tensor<float, S> y = detail::quant::tensor_like<float>(yq);
      kernels::quant::dequantize_values(yq.data(), y.data(), static_cast<std::ptrdiff_t>(yq.extent(0) * output_size),
                                        tensors[n]);
      return y;
    } else {
      return detail::failed_model_output{};
    }
  }

 private:
  // The zero point layer I requantizes to: its output's, or, with an int8 activation after it, the
  // activation's input's.
  template <std::size_t I>
  constexpr std::int32_t requantized_zero_point() const {
    if constexpr (after_at<I> != detail::quant::nonlinear::none) return std::get<I>(stages).pre.zero_point;
    else return tensors[I + 1].zero_point;
  }

  template <class S>
  struct input_layer_of;
  template <int... D>
  struct input_layer_of<Shape<D...>> {
    using type = Input<D...>;
  };

  // The diagnosis of a call on data of element type T and shape S by a call that takes Want.
  template <class T, class S, class Want, class Call = void>
  static constexpr auto call_rule() {
    using InputLayer = typename input_layer_of<input_shape>::type;
    if constexpr (!std::is_same_v<T, Want>) {
      using Fix = std::conditional_t<std::is_same_v<Want, float>, error::fix_with_the_int8_call,
                                     error::fix_with_the_float_call_or_quantize_input>;
      using Place = std::conditional_t<!std::is_void_v<Call>, Call,
                                       std::conditional_t<std::is_same_v<Want, float>, error::at_quantized_call,
                                                          error::at_quantized_int8_call>>;
      return std::type_identity<error::QUANTIZED_CALL_DTYPE_MISMATCH<Place, error::expected_dtype<Want>,
                                                                       error::but_got_dtype<T>, error::got_tensor<S>, Fix>>{};
    } else {
      return detail::input_diagnosis<InputLayer, float, S>();
    }
  }
  template <class T, class S, class Want, class Call = void>
  using call_diagnosis = typename decltype(call_rule<T, S, Want, Call>())::type;

  template <class T, class S, class X>
  static auto make_result(const X& x) {
    using Out = prepend_t<S::extents[0], output_shape>;
    static_assert(drop_front_t<S>::is_static, "tshape: a quantized model's calls take data whose sample shape is static");
    if constexpr (S::extents[0] == dyn) return Tensor<T, Out>(x.extent(0));
    else return Tensor<T, Out>();
  }
};

/// Quantizes a float Sequential to int8, TFLite's full-integer scheme, with activation ranges from
/// `calibration` (float, (samples, input...)): representative data, as TFLite's representative dataset.
/// constexpr: with constant weights and data, the compiler does it.
template <class Net, class X>
  requires is_tensor<X>::value
constexpr Quantized<Net> quantize(const Net& net, const X& calibration) {
  using Q = Quantized<Net>;
  using D = typename Q::diagnosis;
  static_assert(no_error<only<error::NOT_QUANTIZABLE, D>>, TSHAPE_MSG_NOT_QUANTIZABLE);
  static_assert(std::is_same_v<std::remove_cv_t<typename X::value_type>, float>,
                "tshape: quantize() calibrates on float data, samples first");
  static_assert(std::is_same_v<drop_front_t<typename X::shape>, typename Net::input_shape>,
                "tshape: quantize()'s calibration data are samples of the model's input shape, samples first");
  Q q{};
  if constexpr (std::is_void_v<D>) {
    constexpr std::size_t n = detail::quant::list_size<typename Net::layers>::value;
    const int samples = calibration.extent(0);
    if (const auto e = detail::quant::calibration_error(calibration.data(), samples, Net::input_shape::static_size))
      raise(e);
    const auto ranges = detail::quant::calibrate(net, calibration.data(), samples);
    const auto& lo = ranges.first;
    const auto& hi = ranges.second;
    q.tensors[0] = kernels::quant::choose_activation(lo[0], hi[0]);
    detail::for_each_index<n>([&](auto i) {
      using L = detail::type_at_t<i, typename Net::layers>;
      using S = detail::quant::spec<L>;
      // A BatchNormalization right after folds into this layer's weights and bias (TFLite's converter
      // does it before quantizing): the output's range is then the BatchNormalization's.
      constexpr bool fold = detail::quant::folds_next<typename Net::layers, i, n>();
      if constexpr (S::value == detail::quant::kind::dense || S::value == detail::quant::kind::conv) {
        // A Conv2D's HWIO kernel is a Dense kernel (kh * kw * cin, filters): the same quantization; a
        // Conv1D's (k, cin, filters) is one with kh = 1.
        constexpr int in = detail::quant::depth_of<L, typename Net::template shape_at<i>>();
        constexpr int units = detail::quant::units_of<L>();
        const auto t_in = q.tensors[i];
        const auto t_out = kernels::quant::choose_activation(lo[i + 1 + fold], hi[i + 1 + fold]);
        q.tensors[i + 1] = t_out;
        const auto& layer = net.template layer<i>();
        const float* kernel = layer.kernel().data();  // (in, units), Keras' layout (Conv2D: HWIO)
        auto& st = std::get<i>(q.stages);
        std::array<std::int8_t, static_cast<std::size_t>(in) * units> w{};  // (units, in), TFLite's layout
        for (int c = 0; c < units; ++c) {
          float scale = 1.0f, shift = 0.0f;
          if constexpr (fold) detail::quant::batch_norm_affine(net.template layer<i + 1>(), c, scale, shift);
          float b = 0.0f;
          if constexpr (L::use_bias) b = layer.bias().data()[c];
          st.sums[c] = detail::quant::quantize_channel<L::use_bias || fold>(
              kernel, in, units, c, scale, shift, b, t_in, t_out, st,
              [&](int k, std::int8_t v) { w[static_cast<std::size_t>(c) * in + k] = v; });
        }
        kernels::quant::pack_weights(in, units, w.data(), st.packed.data());
        const auto range = kernels::quant::activation_range(S::act, t_out);
        st.min = range.min;
        st.max = range.max;
      } else if constexpr (S::value == detail::quant::kind::depthwise) {
        // Per output channel o = c * m + j, over its kh * kw taps; Keras' (kh, kw, c, m) kernel read flat.
        constexpr auto g = detail::quant::window_of<L, typename Net::template shape_at<i>>;
        constexpr int taps = g.kh * g.kw, oc = g.oc;
        const auto t_in = q.tensors[i];
        const auto t_out = kernels::quant::choose_activation(lo[i + 1 + fold], hi[i + 1 + fold]);
        q.tensors[i + 1] = t_out;
        const auto& layer = net.template layer<i>();
        const float* kernel = layer.depthwise_kernel().data();
        auto& st = std::get<i>(q.stages);
        std::array<std::int8_t, static_cast<std::size_t>(taps) * oc> w{};
        for (int o = 0; o < oc; ++o) {
          float scale = 1.0f, shift = 0.0f;
          if constexpr (fold) detail::quant::batch_norm_affine(net.template layer<i + 1>(), o, scale, shift);
          float b = 0.0f;
          if constexpr (L::use_bias) b = layer.bias().data()[o];
          detail::quant::quantize_channel<L::use_bias || fold>(
              kernel, taps, oc, o, scale, shift, b, t_in, t_out, st,
              [&](int t, std::int8_t v) { w[static_cast<std::size_t>(t) * oc + o] = v; });
        }
        kernels::quant::pack_depthwise(taps, oc, w.data(), st.weights.data());
        const auto range = kernels::quant::activation_range(S::act, t_out);
        st.min = range.min;
        st.max = range.max;
      } else if constexpr (S::value == detail::quant::kind::global_average) {
        // TFLite's Mean: its own output quantization, the multiplier of input_scale / output_scale.
        const auto t_out = kernels::quant::choose_activation(lo[i + 1], hi[i + 1]);
        const auto m = kernels::quant::quantize_multiplier(static_cast<double>(q.tensors[i].scale) / static_cast<double>(t_out.scale));
        q.tensors[i + 1] = t_out;
        std::get<i>(q.stages).multiplier = m.value;
        std::get<i>(q.stages).shift = m.shift;
      } else if constexpr (S::value == detail::quant::kind::table) {
        // Rescaling: its own output quantization, from its calibrated range, and the table to it.
        const auto t_out = kernels::quant::choose_activation(lo[i + 1], hi[i + 1]);
        std::get<i>(q.stages).table = kernels::quant::affine_table(q.tensors[i], t_out, L::scale, L::offset);
        q.tensors[i + 1] = t_out;
      } else {
        // Pools (TFLite keeps the input's quantization on MaxPool and AveragePool), the ReLU and ReLU6
        // layers (a clamp in the input's quantization) and the layers that move values.
        q.tensors[i + 1] = q.tensors[i];
      }
      constexpr auto after = detail::quant::after_of<S>();
      if constexpr (after != detail::quant::nonlinear::none) {
        // Sigmoid, Tanh, Softmax: the layer requantizes to its calibrated range (an activation layer
        // takes its input's), and the int8 activation maps that to TFLite's fixed output quantization.
        auto& st = std::get<i>(q.stages);
        st.pre = q.tensors[i + 1];
        detail::quant::prepare_activation<std::remove_cvref_t<decltype(st)>, after>(st, st.pre);
        q.tensors[i + 1] = detail::quant::output_of(after);
      }
    });
  }
  return q;
}

#ifndef TSHAPE_NO_HEAP
/// quantize on a model made by make_model, as on the model itself (make_stream takes either too).
template <class Net, class X>
  requires is_tensor<X>::value
auto quantize(const model_ptr<Net>& net, const X& calibration) {
  return quantize(*net, calibration);
}
template <class Net, class X0, class X1, class... X>
  requires(is_tensor<X0>::value && is_tensor<X1>::value && (is_tensor<X>::value && ...))
auto quantize(const model_ptr<Net>& net, const X0& c0, const X1& c1, const X&... rest) {
  return quantize(*net, c0, c1, rest...);
}
#endif

}  // namespace tshape
