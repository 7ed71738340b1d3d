// Post-training int8 quantization of a functional model (model/functional.hpp), TFLite's full-integer
// scheme as for a Sequential (model/quantize.hpp, whose stages and kernels this reuses):
//
//   using Net = decltype(model(image, out));
//   const auto q = tshape::quantize(*net, calibration); // a Quantized<Net>
//   auto y = q(x);  auto yq = q.int8(xq);               // as a quantized Sequential's
//
// A model of several Inputs takes one calibration tensor per Input (quantize(*net, images, meta)), and
// its calls one tensor per Input (q(x0, x1)); a model of several outputs returns a std::tuple of tensors.
// input_quantization<J>() and output_quantization<J>() are Input J's and output J's.
//
// Every tensor of the graph (every node, model/graph.hpp) gets its own int8 quantization: calibration
// runs the float model's layers on the samples node by node in topological order and records each
// node's output range (a Dense's, Conv2D's or DepthwiseConv2D's pre-activation where a Sigmoid, Tanh or
// Softmax is fused, as the Sequential path). A node that several later nodes read (a residual's
// shortcut) is computed once and read by each. The nodes are the layers quantize() takes in a
// Sequential, and the merges:
//   Add          broadcast as NumPy's: TFLite's int8 Add (kernels/quant/merge.hpp), its output quantized
//                from its calibrated range; a ReLU layer after it clamps in that quantization. Of three
//                or more inputs, the chain of two-input Adds that Keras' fold order makes of it,
//                ((x0 + x1) + x2) + ...: each partial sum quantized from its own calibrated range (what
//                TFLite runs for a model that writes the Adds one by one; its AddN has no int8 kernel).
//   Concatenate  along any axis: the output quantized from its calibrated range (the union of its
//                inputs'); each input quantized otherwise is rescaled as TFLite's concatenation does,
//                the others copied.
// A BatchNormalization folds into the Dense, Conv2D or DepthwiseConv2D without activation that it reads,
// when it is that layer's only reader. Anything else is a compile error naming the layer
// (NOT_QUANTIZABLE).
//
// Memory: param_bytes sums the stages (as a Sequential's); arena_bytes(batch) holds the int8 buffers
// alive at once (reused as the float model's arena reuses its buffers; the Inputs' and outputs'
// included, for the float call) plus a Conv2D's scratch.
// The float model's layers run in calibration (they are not constexpr): a functional model quantizes
// at run time.
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
#include <vector>

#include "../kernels/quant/merge.hpp"
#include "../layers/add.hpp"
#include "../layers/concatenate.hpp"
#include "functional.hpp"
#include "quantize.hpp"

#define TSHAPE_MSG_NOT_QUANTIZABLE_IN_GRAPH                                                                     \
  "tshape: quantize() does not handle this layer of a functional model (it takes the layers it takes in a "      \
  "Sequential: Dense, Conv1D, Conv2D and DepthwiseConv2D with Linear, ReLU, ReLU6, Sigmoid, Tanh or Softmax, the " \
  "activation layers, the poolings, Flatten, Reshape, Dropout, Rescaling, a BatchNormalization that is the only " \
  "reader of a Dense or convolution without activation; and Add, Concatenate)"

namespace tshape {

namespace detail::quant {

template <class S>
struct unshared {
  using type = S;
};
template <class Tag, class S>
struct unshared<Shared<Tag, S>> {
  using type = S;
};

enum class merge_kind { none, add, concatenate };
/// A graph node's layer as quantize() sees it: spec<>'s kind and activations, and which merge.
template <class L>
struct graph_spec : spec<L> {
  static constexpr merge_kind merge = merge_kind::none;
};
template <>
struct graph_spec<Add> : spec_of_kind<kind::identity> {
  static constexpr merge_kind merge = merge_kind::add;
};
template <int A>
struct graph_spec<Concatenate<A>> : spec_of_kind<kind::identity> {
  static constexpr merge_kind merge = merge_kind::concatenate;
};

/// An int8 Add's constants: of Count inputs, Count - 1 two-input Adds, each step's partial sum (but
/// the last, the output) with its own quantization. A Concatenate's per input.
template <int Count>
struct add_stage {
  std::array<kernels::quant::add_params, static_cast<std::size_t>(Count - 1)> params{};
  std::array<kernels::quant::affine, static_cast<std::size_t>(Count - 2)> partial{};
  static constexpr std::size_t bytes = static_cast<std::size_t>(Count - 1) * 9 * sizeof(std::int32_t);
};
template <int Count>
struct concatenate_stage {
  std::array<kernels::quant::requantize_params, static_cast<std::size_t>(Count)> params{};
  static constexpr std::size_t bytes = static_cast<std::size_t>(Count) * 3 * sizeof(std::int32_t);
};

/// What quantize() needs of a functional model Net, node by node.
template <class Net>
struct graph_info {
  // A model that reports its own error has no nodes here: nothing about it is reported twice.
  static constexpr int n = std::is_void_v<typename Net::diagnosis> ? Net::n : 0;
  static constexpr const auto& table = Net::table;
  template <std::size_t K>
  using shape = typename Net::template node_shape<K>;
  template <std::size_t K>
  static constexpr std::size_t size = shape<K>::static_size;
  template <std::size_t K>
  static constexpr int input_of = table.inputs[K][0];
  template <std::size_t K>
  using in_shape = shape<static_cast<std::size_t>(input_of<K>)>;
  /// Node K's layer spec (Shared unwrapped; void for an Input).
  template <std::size_t K>
  static constexpr auto layer_rule() {
    if constexpr (table.is_input[K]) return std::type_identity<void>{};
    else return std::type_identity<typename unshared<type_at_t<static_cast<std::size_t>(Net::layer_of[K]), typename Net::layers>>::type>{};
  }
  template <std::size_t K>
  using layer = typename decltype(layer_rule<K>())::type;
  template <std::size_t K>
  using gspec = graph_spec<layer<K>>;
  /// A merge node K's broadcast of its inputs' shapes to its own (layers/merging.hpp).
  template <std::size_t K, std::size_t... J>
  static auto merge_plan_rule(std::index_sequence<J...>)
      -> broadcast_plan<shape<K>, shape<static_cast<std::size_t>(table.inputs[K][J])>...>;
  template <std::size_t K>
  using merge_plan = decltype(merge_plan_rule<K>(std::make_index_sequence<static_cast<std::size_t>(table.input_count[K])>{}));

  /// How many nodes read node k.
  static constexpr std::array<int, static_cast<std::size_t>(n)> readers = [] {
    std::array<int, static_cast<std::size_t>(n)> r{};
    for (int k = 0; k < n; ++k)
      for (int j = 0; j < table.input_count[k]; ++j) ++r[static_cast<std::size_t>(table.inputs[k][j])];
    return r;
  }();
  /// Whether node K is a Dense, Conv2D or DepthwiseConv2D without activation (what folding needs).
  template <std::size_t K>
  static constexpr bool plain_linear() {
    if constexpr (table.is_input[K]) {
      return false;
    } else {
      using S = gspec<K>;
      return S::merge == merge_kind::none &&
             (S::value == kind::dense || S::value == kind::conv || S::value == kind::depthwise) && S::act == fused::linear &&
             !S::softmax && after_of<S>() == nonlinear::none;
    }
  }
  /// Whether node K is a BatchNormalization that folds into the node it reads: that node is a
  /// Dense or convolution without activation, read by this node alone, not a model output.
  template <std::size_t K>
  static constexpr bool folds() {
    if constexpr (table.is_input[K]) {
      return false;
    } else if constexpr (gspec<K>::value != kind::folded || gspec<K>::merge != merge_kind::none) {
      return false;
    } else {
      constexpr auto p = static_cast<std::size_t>(input_of<K>);
      return plain_linear<p>() && readers[p] == 1 && Net::model_output[p] < 0;
    }
  }
  /// For each node, the BatchNormalization node folded into it, or -1.
  static constexpr std::array<int, static_cast<std::size_t>(n)> folded_into = [] {
    std::array<int, static_cast<std::size_t>(n)> f{};
    f.fill(-1);
    for_each_index<static_cast<std::size_t>(n)>([&](auto k) {
      if constexpr (folds<k>()) f[static_cast<std::size_t>(input_of<k>)] = static_cast<int>(k);
    });
    return f;
  }();

  template <std::size_t K>
  static constexpr bool supported() {
    if constexpr (table.is_input[K]) {
      return true;
    } else {
      using S = gspec<K>;
      if constexpr (S::merge != merge_kind::none)
        return true;
      else if constexpr (S::value == kind::folded)
        return folds<K>();
      else
        return S::value != kind::unsupported;
    }
  }
  static constexpr auto diagnosis_rule() {
    if constexpr (!std::is_void_v<typename Net::diagnosis>) return std::type_identity<error::the_model_reports_its_error>{};
    else return first_unsupported();
  }
  static constexpr auto first_unsupported() {
    constexpr int first = [] {
      int f = -1;
      for_each_index<static_cast<std::size_t>(n)>([&](auto k) {
        if (f < 0 && !supported<k>()) f = static_cast<int>(k);
      });
      return f;
    }();
    if constexpr (first < 0)
      return std::type_identity<void>{};
    else
      return std::type_identity<error::NOT_QUANTIZABLE<error::at_layer<Net::layer_of[first]>,
                                                       type_at_t<static_cast<std::size_t>(Net::layer_of[first]), typename Net::layers>>>{};
  }
  using diagnosis = typename decltype(diagnosis_rule())::type;

  /// Node K's int8 stage (what quantize.hpp's stages are for the same layer).
  template <std::size_t K>
  static constexpr auto stage_rule() {
    if constexpr (table.is_input[K]) {
      return std::type_identity<plain_stage>{};
    } else {
      using S = gspec<K>;
      if constexpr (S::merge == merge_kind::add)
        return std::type_identity<add_stage<table.input_count[K]>>{};
      else if constexpr (S::merge == merge_kind::concatenate)
        return std::type_identity<concatenate_stage<table.input_count[K]>>{};
      else if constexpr (!supported<K>())
        return std::type_identity<plain_stage>{};
      else
        return std::type_identity<typename with_activation<typename stage_of<layer<K>, in_shape<K>, shape<K>>::type,
                                                           after_of<S>()>::type>{};
    }
  }
  template <class Ks>
  struct stages_of;
  template <std::size_t... K>
  struct stages_of<std::index_sequence<K...>> {
    using type = std::tuple<typename decltype(stage_rule<K>())::type...>;
  };
  using stages = typename stages_of<std::make_index_sequence<static_cast<std::size_t>(n)>>::type;

  /// The most scratch a Conv2D node needs (one image's patches or its padded copy).
  static constexpr std::size_t patches = [] {
    std::size_t most = 0;
    for_each_index<static_cast<std::size_t>(n)>([&](auto k) {
      if constexpr (!table.is_input[k] && supported<k>() && gspec<k>::merge == merge_kind::none && gspec<k>::value == kind::conv)
        most = std::max(most, conv_geometry_of<layer<k>, in_shape<k>>().scratch_bytes());
    });
    return most;
  }();
};

/// The float value before a Tanh, from its output (a fused Tanh keeps no pre-activation): atanh, with
/// outputs that round to +-1 in float read as +-9.01 (tanh(9.01) rounds to 1).
inline float tanh_preimage(float y) {
  if (y >= 1.0f) return 9.01f;
  if (y <= -1.0f) return -9.01f;
  return std::atanh(y);
}

}  // namespace detail::quant

/// A functional model quantized to int8 (see the header).
template <class... I, class... O, class... R>
class Quantized<Model<Inputs<I...>, Outputs<O...>, R...>> {
  using Net = Model<Inputs<I...>, Outputs<O...>, R...>;
  using info = detail::quant::graph_info<Net>;
  static constexpr int n = info::n;
  static constexpr const auto& table = Net::table;
  template <std::size_t K>
  using gspec = typename info::template gspec<K>;
  template <std::size_t K>
  static constexpr detail::quant::nonlinear after_at = [] {
    if constexpr (table.is_input[K]) return detail::quant::nonlinear::none;
    else return detail::quant::after_of<gspec<K>>();
  }();
  using stage_tuple = typename info::stages;
  static constexpr std::size_t inputs = sizeof...(I), outputs = sizeof...(O);

 public:
  using float_model = Net;
  using input_shape = typename Net::input_shape;
  using output_shape = typename Net::output_shape;
  /// One sample's shape of Input J and of output J.
  template <std::size_t J>
  using input_shape_at = typename detail::type_at_t<J, detail::type_list<I...>>::shape;
  template <std::size_t J>
  using output_shape_at = typename Net::template output_shape_at<J>;
  using diagnosis = typename info::diagnosis;
  /// The nodes of the model's Inputs and outputs (in Net::nodes).
  static constexpr std::array<int, inputs> input_nodes{detail::index_in_v<I, typename Net::nodes>...};
  static constexpr std::array<int, outputs> output_nodes{detail::index_in_v<O, typename Net::nodes>...};

  /// The quantization of every node's output, in the graph's topological order (Net::nodes).
  std::array<kernels::quant::affine, static_cast<std::size_t>(n)> tensors{};
  stage_tuple stages{};

  /// The quantization q.int8 takes on Input J, and gives on output J.
  template <std::size_t J = 0>
  constexpr kernels::quant::affine input_quantization() const {
    return tensors[static_cast<std::size_t>(input_nodes[J])];
  }
  template <std::size_t J = 0>
  constexpr kernels::quant::affine output_quantization() const {
    return tensors[static_cast<std::size_t>(output_nodes[J])];
  }
  /// The quantization of tensor t of the graph: q.quantization_of(x) for `constexpr auto x = ...(...)`.
  template <class T>
  constexpr kernels::quant::affine quantization_of(const T&) const {
    constexpr int k = detail::index_in_v<T, typename Net::nodes>;
    static_assert(k >= 0, "tshape: this tensor is not one of the model's");
    return tensors[k];
  }

  static constexpr std::size_t param_bytes = [] {
    std::size_t total = 0;
    detail::for_each_index<static_cast<std::size_t>(n)>([&](auto k) { total += std::tuple_element_t<k, stage_tuple>::bytes; });
    return total;
  }();
  /// Node K's buffer for `batch` samples, rounded up to 64 bytes.
  template <std::size_t K>
  static constexpr std::size_t buffer_bytes(int batch) {
    const std::size_t one = static_cast<std::size_t>(batch) * info::template size<K>;
    return (one + TSHAPE_ALIGN - 1) / TSHAPE_ALIGN * TSHAPE_ALIGN;
  }
  /// Where each node's buffer starts in the arena, and ([n]) the most bytes alive at once. As the float
  /// model's arena: a buffer is free once the last node that reads it has run, and the next takes the
  /// lowest offset where it fits (first fit). The Inputs' buffers (the float call quantizes into them
  /// before the pass) are placed first; the outputs' are never freed (the float call reads them after).
  static constexpr std::array<std::size_t, static_cast<std::size_t>(n) + 1> offsets(int batch) {
    constexpr auto N = static_cast<std::size_t>(n);
    std::array<std::size_t, N + 1> o{};
    std::array<std::size_t, N> size{};
    detail::for_each_index<N>([&](auto k) { size[k] = buffer_bytes<k>(batch); });
    std::array<bool, N> live{};
    auto place = [&](std::size_t k) {
      std::size_t best = ~std::size_t{0};
      for (std::size_t c = 0; c <= N; ++c) {  // candidates: 0 and the end of each live buffer
        if (c < N && !live[c]) continue;
        const std::size_t at = c == N ? 0 : o[c] + size[c];
        bool fits = true;
        for (std::size_t j = 0; j < N && fits; ++j)
          if (live[j] && at < o[j] + size[j] && o[j] < at + size[k]) fits = false;
        if (fits && at < best) best = at;
      }
      o[k] = best;
      live[k] = true;
      o[N] = std::max(o[N], best + size[k]);
    };
    for (std::size_t k = 0; k < N; ++k)
      if (table.is_input[k]) place(k);
    for (std::size_t k = 0; k < N; ++k) {
      if (table.is_input[k]) continue;
      for (std::size_t j = 0; j < N; ++j)
        if (live[j] && Net::model_output[j] < 0 && Net::graph::last_use[j] < static_cast<int>(k)) live[j] = false;
      place(k);
    }
    return o;
  }
  /// Every buffer without reuse: what offsets() saves.
  static constexpr std::size_t unshared_bytes(int batch) {
    std::size_t total = 0;
    detail::for_each_index<static_cast<std::size_t>(n)>([&](auto k) { total += buffer_bytes<k>(batch); });
    return total;
  }
  /// The int8 buffers alive at once (the Inputs' and outputs' included, for the float call), then a
  /// Conv2D's scratch.
  static constexpr std::size_t arena_bytes(int batch) { return offsets(batch)[static_cast<std::size_t>(n)] + info::patches; }
  static constexpr std::size_t activation_bytes = arena_bytes(1);
  template <int Batch = 1>
  struct arena {
    static_assert(Batch >= 1, "tshape: arena<Batch> is for a positive number of samples");
    alignas(TSHAPE_ALIGN) std::int8_t bytes[arena_bytes(Batch)];
  };

  /// The int8 pass: xs[j] (batch, Input j) int8 -> ys[j] (batch, output j) int8 on `scratch`
  /// (arena_bytes(batch) bytes, 64-byte aligned). Allocates nothing.
  void run_int8(const std::int8_t* const* xs, std::int8_t* const* ys, int batch, std::int8_t* scratch) const {
    if (batch <= 0) return;
    const auto off = offsets(batch);
    std::int8_t* patches = scratch + off[static_cast<std::size_t>(n)];
    auto at = [&](int k) -> std::int8_t* {
      if (Net::model_input[k] >= 0) return const_cast<std::int8_t*>(xs[Net::model_input[k]]);
      if (Net::model_output[k] >= 0) return ys[Net::model_output[k]];
      return scratch + off[static_cast<std::size_t>(k)];
    };
    detail::for_each_index<static_cast<std::size_t>(n)>([&](auto k) {
      if constexpr (!table.is_input[k]) run_node<k>(at, batch, patches);
    });
    // An Input given as an output, or a tensor listed again: no layer wrote those outputs.
    if constexpr (Net::copies_outputs)
      detail::for_each_index<outputs>([&](auto j) {
        constexpr auto k = static_cast<std::size_t>(output_nodes[j]);
        const std::int8_t* from = at(static_cast<int>(k));
        if (from != ys[j]) std::copy_n(from, static_cast<std::size_t>(batch) * info::template size<k>, ys[j]);
      });
  }
  /// One Input, one output.
  void run_int8(const std::int8_t* x, std::int8_t* y, int batch, std::int8_t* scratch) const {
    run_int8(&x, &y, batch, scratch);
  }

  /// The float pass on raw rows: each Input quantized, run_int8, each output dequantized.
  void run(const float* const* xs, float* const* ys, int batch, std::int8_t* scratch) const {
    if (batch <= 0) return;
    const auto off = offsets(batch);
    std::array<const std::int8_t*, inputs> xq{};
    std::array<std::int8_t*, outputs> yq{};
    detail::for_each_index<inputs>([&](auto j) {
      constexpr auto k = static_cast<std::size_t>(input_nodes[j]);
      std::int8_t* slot = scratch + off[k];
      kernels::quant::quantize_values(xs[j], slot, static_cast<std::ptrdiff_t>(batch) * static_cast<std::ptrdiff_t>(info::template size<k>),
                                      tensors[k]);
      xq[j] = slot;
    });
    detail::for_each_index<outputs>([&](auto j) { yq[j] = scratch + off[static_cast<std::size_t>(output_nodes[j])]; });
    run_int8(xq.data(), yq.data(), batch, scratch);
    detail::for_each_index<outputs>([&](auto j) {
      constexpr auto k = static_cast<std::size_t>(output_nodes[j]);
      kernels::quant::dequantize_values(yq[j], ys[j], static_cast<std::ptrdiff_t>(batch) * static_cast<std::ptrdiff_t>(info::template size<k>),
                                        tensors[k]);
    });
  }
  void run(const float* x, float* y, int batch, std::int8_t* scratch) const { run(&x, &y, batch, scratch); }

  /// y = q(x...): float data, one tensor per Input, batch first; returns float (a std::tuple of
  /// tensors for several outputs).
  template <class... X>
    requires((is_tensor<X>::value && ...) && sizeof...(X) > 0)
  auto operator()(const X&... x) const {
    return call<float>(x...);
  }
  /// yq = q.int8(xq...): int8 data quantized with input_quantization<J>(); int8 out, output_quantization<J>().
  template <class... X>
    requires((is_tensor<X>::value && ...) && sizeof...(X) > 0)
  auto int8(const X&... x) const {
    return call<std::int8_t>(x...);
  }
  /// Firmware (one Input, one output): the float and int8 passes on the caller's arena; allocate nothing.
  template <int B>
  void forward(const float* x, float* y, arena<B>& scratch) const {
    run(x, y, B, scratch.bytes);
  }
  template <int B>
  void forward_int8(const std::int8_t* x, std::int8_t* y, arena<B>& scratch) const {
    run_int8(x, y, B, scratch.bytes);
  }
  /// Firmware, several Inputs or outputs: xs[j] holds B samples of Input j, ys[j] receives output j's.
  template <int B>
  void forward(const std::array<const float*, inputs>& xs, const std::array<float*, outputs>& ys, arena<B>& scratch) const {
    run(xs.data(), ys.data(), B, scratch.bytes);
  }
  template <int B>
  void forward_int8(const std::array<const std::int8_t*, inputs>& xs, const std::array<std::int8_t*, outputs>& ys,
                    arena<B>& scratch) const {
    run_int8(xs.data(), ys.data(), B, scratch.bytes);
  }

  /// Data for Input J quantized as q.int8 wants it; output J's int8 result back to float.
  template <std::size_t J = 0, class X>
    requires is_tensor<X>::value
  auto quantize_input(const X& x) const {
    using S = typename X::shape;
    using D = typename decltype(detail::quant::data_rule<std::remove_cv_t<typename X::value_type>, S, float,
                                                         error::at_quantize_input, input_shape_at<J>,
                                                         error::fix_with_the_int8_call>())::type;
    static_assert(no_error<only<error::QUANTIZED_CALL_DTYPE_MISMATCH, D>>, TSHAPE_MSG_QUANTIZE_INPUT_TAKES_FLOAT);
    static_assert(no_error<only<error::SHAPE_MISMATCH, D>>, TSHAPE_MSG_SHAPE_MISMATCH);
    if constexpr (std::is_void_v<D>) {
      static_assert(drop_front_t<S>::is_static, "tshape: a quantized model's calls take data whose sample shape is static");
      Tensor<std::int8_t, S> q = detail::quant::tensor_like<std::int8_t>(x);
      kernels::quant::quantize_values(x.data(), q.data(),
                                      static_cast<std::ptrdiff_t>(x.extent(0)) * static_cast<std::ptrdiff_t>(input_shape_at<J>::static_size),
                                      input_quantization<J>());
      return q;
    } else {
      return detail::failed_model_output{};
    }
  }
  template <std::size_t J = 0, class X>
    requires is_tensor<X>::value
  auto dequantize_output(const X& yq) const {
    using S = typename X::shape;
    using D = typename decltype(detail::quant::data_rule<std::remove_cv_t<typename X::value_type>, S, std::int8_t,
                                                         error::at_dequantize_output, output_shape_at<J>,
                                                         error::float_output_needs_no_dequantization>())::type;
    static_assert(no_error<D>, TSHAPE_MSG_DEQUANTIZE_OUTPUT_TAKES_INT8);
    if constexpr (std::is_void_v<D>) {
      static_assert(drop_front_t<S>::is_static, "tshape: a quantized model's calls take data whose sample shape is static");
      Tensor<float, S> y = detail::quant::tensor_like<float>(yq);
      kernels::quant::dequantize_values(yq.data(), y.data(),
                                        static_cast<std::ptrdiff_t>(yq.extent(0)) * static_cast<std::ptrdiff_t>(output_shape_at<J>::static_size),
                                        output_quantization<J>());
      return y;
    } else {
      return detail::failed_model_output{};
    }
  }

 private:
  // The zero point node K requantizes to: its output's, or, with an int8 activation after it, the
  // activation's input's.
  template <std::size_t K>
  constexpr std::int32_t requantized_zero_point() const {
    if constexpr (after_at<K> != detail::quant::nonlinear::none) return std::get<K>(stages).pre.zero_point;
    else return tensors[K].zero_point;
  }

  template <std::size_t K, class At>
  void run_node(At& at, int batch, std::int8_t* patches) const {
    namespace q8 = kernels::quant;
    using S = gspec<K>;
    using L = typename info::template layer<K>;
    using In = typename info::template in_shape<K>;
    constexpr int p = info::template input_of<K>;
    const std::int8_t* cur = at(p);
    std::int8_t* out = at(static_cast<int>(K));
    const std::size_t count = static_cast<std::size_t>(batch) * info::template size<K>;
    const auto& st = std::get<K>(stages);
    if constexpr (S::merge == detail::quant::merge_kind::add) {
      // Step j adds input j to the partial sum of the inputs before it, in place in `out`, which holds
      // every partial sum broadcast to the output's shape (an element's chain is its own).
      using plan = typename info::template merge_plan<K>;
      constexpr int count_in = table.input_count[K];
      constexpr auto size_out = static_cast<std::ptrdiff_t>(info::template size<K>);
      detail::for_each_index<static_cast<std::size_t>(count_in - 1)>([&](auto step) {
        constexpr std::size_t j = step + 1;
        constexpr auto src = static_cast<std::size_t>(table.inputs[K][j]);
        const std::int8_t* left = j == 1 ? at(table.inputs[K][0]) : out;
        const std::int8_t* right = at(static_cast<int>(src));
        const auto& params = st.params[step];
        if constexpr (plan::none_broadcast) {
          q8::add(static_cast<std::ptrdiff_t>(count), left, right, params, out);
        } else {
          // NumPy's broadcasting (TFLite's BroadcastAdd): row by row, a broadcast input's row one repeated value.
          const q8::add_kernel add(params);
          constexpr auto size_0 = static_cast<std::ptrdiff_t>(info::template size<static_cast<std::size_t>(table.inputs[K][0])>);
          constexpr auto size_j = static_cast<std::ptrdiff_t>(info::template size<src>);
          for (std::ptrdiff_t s = 0; s < batch; ++s)
            for (std::ptrdiff_t r = 0; r < plan::rows_per_sample; ++r) {
              std::int8_t* y = out + s * size_out + r * plan::row;
              if constexpr (j == 1)
                add(plan::row, left + s * size_0 + plan::template row_offset<0>(r), right + s * size_j + plan::template row_offset<1>(r), y,
                    plan::template row_stride<0>, plan::template row_stride<1>);
              else
                add(plan::row, y, right + s * size_j + plan::template row_offset<j>(r), y, 1, plan::template row_stride<j>);
            }
        }
      });
    } else if constexpr (S::merge == detail::quant::merge_kind::concatenate) {
      using Out = typename info::template shape<K>;
      constexpr int axis = detail::normalize_axis(L::axis, Out::rank);
      constexpr std::ptrdiff_t outer = [] {
        std::ptrdiff_t o = 1;
        for (int a = 0; a < axis; ++a) o *= Out::extents[static_cast<std::size_t>(a)];
        return o;
      }();
      constexpr int count_in = table.input_count[K];
      std::array<const std::int8_t*, static_cast<std::size_t>(count_in)> xs{};
      std::array<std::ptrdiff_t, static_cast<std::size_t>(count_in)> len{};
      detail::for_each_index<static_cast<std::size_t>(count_in)>([&](auto j) {
        constexpr int src = table.inputs[K][j];
        xs[j] = at(src);
        len[j] = static_cast<std::ptrdiff_t>(info::template size<static_cast<std::size_t>(src)>) / outer;
      });
      q8::concatenate(outer * batch, count_in, xs.data(), len.data(), st.params.data(), out);
    } else if constexpr (S::value == detail::quant::kind::dense) {
      constexpr int in = last_extent_v<In>;
      const q8::requantization r{st.bias.data(), st.sums.data(), st.multiplier.data(), st.shift.data(),
                                 tensors[static_cast<std::size_t>(p)].zero_point, requantized_zero_point<K>(), st.min, st.max};
      const int rows = batch * static_cast<int>(In::static_size / in);
      q8::dense(rows, in, L::units, cur, st.packed.data(), r, out);
    } else if constexpr (S::value == detail::quant::kind::conv) {
      constexpr auto g = detail::quant::conv_geometry_of<L, In>();
      const q8::requantization r{st.bias.data(), st.sums.data(), st.multiplier.data(), st.shift.data(),
                                 tensors[static_cast<std::size_t>(p)].zero_point, requantized_zero_point<K>(), st.min, st.max};
      q8::conv2d(g, batch, cur, st.packed.data(), r, patches, out);
    } else if constexpr (S::value == detail::quant::kind::depthwise) {
      constexpr auto g = detail::quant::window_of<L, In>;
      const q8::requantization r{st.bias.data(), nullptr, st.multiplier.data(), st.shift.data(),
                                 tensors[static_cast<std::size_t>(p)].zero_point, requantized_zero_point<K>(), st.min, st.max};
      q8::depthwise(g, batch, cur, st.weights.data(), r, out);
    } else if constexpr (S::value == detail::quant::kind::max_pool) {
      q8::max_pool(detail::quant::window_of<L, In>, batch, cur, out);
    } else if constexpr (S::value == detail::quant::kind::average_pool) {
      q8::average_pool(detail::quant::window_of<L, In>, batch, cur, out);
    } else if constexpr (S::value == detail::quant::kind::global_average || S::value == detail::quant::kind::global_max) {
      constexpr int channels = last_extent_v<In>;
      constexpr int cells = static_cast<int>(In::static_size / channels);
      if constexpr (S::value == detail::quant::kind::global_max) {
        q8::global_max(batch, cells, channels, cur, out);
      } else {
        const q8::mean_params m{st.multiplier, st.shift, tensors[static_cast<std::size_t>(p)].zero_point, tensors[K].zero_point};
        q8::mean(batch, cells, channels, cur, m, out);
      }
    } else if constexpr (S::value == detail::quant::kind::table) {
      q8::lookup(cur, out, static_cast<std::ptrdiff_t>(count), st.table);
    } else if constexpr (S::value == detail::quant::kind::clamp) {
      const auto r = q8::activation_range(S::act, tensors[static_cast<std::size_t>(p)]);
      for (std::size_t k = 0; k < count; ++k) out[k] = static_cast<std::int8_t>(cur[k] < r.min ? r.min : cur[k] > r.max ? r.max : cur[k]);
    } else {
      // The layers that move values, and a BatchNormalization folded into the layer before.
      std::copy_n(cur, count, out);
    }
    if constexpr (after_at<K> != detail::quant::nonlinear::none)
      detail::quant::run_activation<after_at<K>>(st, out, count, last_extent_v<typename info::template shape<K>>);
  }

  // The diagnosis of data (element T, shape S) given to Input InputLayer by a call that takes Want.
  template <class InputLayer, class T, class S, class Want>
  static constexpr auto call_rule() {
    if constexpr (!std::is_same_v<T, Want>) {
      using Fix = std::conditional_t<std::is_same_v<Want, float>, error::fix_with_the_int8_call,
                                     error::fix_with_the_float_call_or_quantize_input>;
      using Place = std::conditional_t<std::is_same_v<Want, float>, error::at_quantized_call, error::at_quantized_int8_call>;
      return std::type_identity<error::QUANTIZED_CALL_DTYPE_MISMATCH<Place, error::expected_dtype<Want>,
                                                                       error::but_got_dtype<T>, error::got_tensor<S>, Fix>>{};
    } else {
      return detail::input_diagnosis<InputLayer, float, S>();
    }
  }
  // The first error of a call on data X... (one per Input), or void.
  template <class Want, std::size_t J, class... X>
  static constexpr auto first_error() {
    if constexpr (!std::is_void_v<typename Net::diagnosis>) {
      return std::type_identity<error::the_model_reports_its_error>{};
    } else if constexpr (J == sizeof...(X)) {
      return std::type_identity<void>{};
    } else {
      using XJ = detail::type_at_t<J, detail::type_list<X...>>;
      using D = typename decltype(call_rule<detail::type_at_t<J, detail::type_list<I...>>,
                                            std::remove_cv_t<typename XJ::value_type>, typename XJ::shape, Want>())::type;
      if constexpr (!std::is_void_v<D>) return std::type_identity<D>{};
      else return first_error<Want, J + 1, X...>();
    }
  }

  template <class Want, class... X>
  auto call(const X&... x) const {
    static_assert(sizeof...(X) == inputs, "tshape: a quantized model's call takes one tensor per Input of the model");
    using D = typename decltype(first_error<Want, 0, X...>())::type;
    if constexpr (std::is_same_v<Want, float>)
      static_assert(no_error<only<error::QUANTIZED_CALL_DTYPE_MISMATCH, D>>, TSHAPE_MSG_QUANTIZED_TAKES_FLOAT);
    else
      static_assert(no_error<only<error::QUANTIZED_CALL_DTYPE_MISMATCH, D>>, TSHAPE_MSG_QUANTIZED_INT8_TAKES_INT8);
    static_assert(no_error<only<error::WRONG_RANK, D>>, TSHAPE_MSG_WRONG_RANK);
    static_assert(no_error<only<error::SHAPE_MISMATCH, D>>, TSHAPE_MSG_SHAPE_MISMATCH);
    if constexpr (std::is_void_v<D> && sizeof...(X) == inputs) {
      using S0 = typename detail::type_at_t<0, detail::type_list<X...>>::shape;
      constexpr int B = S0::extents[0];
      const std::array<int, inputs> batches{static_cast<int>(x.extent(0))...};
      for (int b : batches)
        if (b != batches[0]) raise(make_error(errc::input_samples_mismatch, "the quantized model's inputs"));
      const int batch = batches[0];
      auto outs = make_outputs<Want, B>(batch, std::make_index_sequence<outputs>{});
      const std::array<const Want*, inputs> xs{x.data()...};
      std::array<Want*, outputs> ys{};
      [&]<std::size_t... J>(std::index_sequence<J...>) { ((ys[J] = std::get<J>(outs).data()), ...); }(std::make_index_sequence<outputs>{});
      detail::quant::with_arena<B, arena_bytes>(batch, [&](std::int8_t* scratch) {
        if constexpr (std::is_same_v<Want, float>) run(xs.data(), ys.data(), batch, scratch);
        else run_int8(xs.data(), ys.data(), batch, scratch);
      });
      if constexpr (outputs == 1) return std::move(std::get<0>(outs));
      else return outs;
    } else {
      return detail::failed_outputs<outputs>();
    }
  }

  template <class T, int B, std::size_t... J>
  static auto make_outputs(int batch, std::index_sequence<J...>) {
    static_assert(B == dyn || B >= 0, "tshape: a quantized model's calls take data, samples first");
    if constexpr (B == dyn)
      return std::tuple<Tensor<T, prepend_t<dyn, output_shape_at<J>>>...>(Tensor<T, prepend_t<dyn, output_shape_at<J>>>(batch)...);
    else
      return std::tuple<Tensor<T, prepend_t<B, output_shape_at<J>>>...>{};
  }
};

namespace detail::quant {

/// Widens lo/hi ([step - 1]) to the partial sums x0 + ... + x_step of Add node K's inputs, step <
/// count - 1, summed left to right in float as the layer does, broadcast to the output's shape.
template <class Info, std::size_t K>
void record_partial_sums(const float* const* x, int batch, std::vector<double>& lo, std::vector<double>& hi) {
  using plan = typename Info::template merge_plan<K>;
  constexpr int count = Info::table.input_count[K];
  constexpr std::size_t steps = static_cast<std::size_t>(count - 2);
  lo.resize(steps, 0.0);
  hi.resize(steps, 0.0);
  std::array<std::ptrdiff_t, static_cast<std::size_t>(count)> size{};
  for_each_index<static_cast<std::size_t>(count)>(
      [&](auto j) { size[j] = static_cast<std::ptrdiff_t>(Info::template size<static_cast<std::size_t>(Info::table.inputs[K][j])>); });
  for (std::ptrdiff_t s = 0; s < batch; ++s)
    for (std::ptrdiff_t r = 0; r < plan::rows_per_sample; ++r) {
      std::array<const float*, static_cast<std::size_t>(count)> row{};
      std::array<std::ptrdiff_t, static_cast<std::size_t>(count)> stride{};
      for_each_index<static_cast<std::size_t>(count)>([&](auto j) {
        row[j] = x[j] + s * size[j] + plan::template row_offset<j>(r);
        stride[j] = plan::template row_stride<j>;
      });
      for (std::ptrdiff_t i = 0; i < plan::row; ++i) {
        float sum = row[0][i * stride[0]];
        for (std::size_t j = 1; j <= steps; ++j) {
          sum += row[j][i * stride[j]];
          lo[j - 1] = std::min(lo[j - 1], static_cast<double>(sum));
          hi[j - 1] = std::max(hi[j - 1], static_cast<double>(sum));
        }
      }
    }
}

/// Calibrated ranges: every node's, and for an Add of three or more inputs each partial sum's but the
/// last ([node][step - 1] for x0 + ... + x_step).
struct graph_ranges {
  std::vector<double> lo, hi;
  std::vector<std::vector<double>> partial_lo, partial_hi;
};

/// The calibrated range of every node of a functional model: its float layers run on the samples,
/// node by node, `chunk` samples at a time. A Dense's, Conv2D's or DepthwiseConv2D's range is its
/// pre-activation's where a Sigmoid, Tanh or Softmax is fused (what it requantizes to).
template <class Net>
graph_ranges calibrate_graph(const Net& net, const float* const* xs, int samples) {
  using info = graph_info<Net>;
  constexpr int n = Net::n;
  constexpr int chunk = 32;
  graph_ranges ranges{std::vector<double>(static_cast<std::size_t>(n), 0.0), std::vector<double>(static_cast<std::size_t>(n), 0.0),
                      std::vector<std::vector<double>>(static_cast<std::size_t>(n)), std::vector<std::vector<double>>(static_cast<std::size_t>(n))};
  auto& lo = ranges.lo;
  auto& hi = ranges.hi;
  std::vector<std::vector<float>> values(static_cast<std::size_t>(n));
  std::size_t scratch_floats = 0;
  for_each_index<static_cast<std::size_t>(n)>([&](auto k) {
    values[k].resize(static_cast<std::size_t>(chunk) * info::template size<k>);
    if constexpr (!Net::table.is_input[k]) {
      using B = typename Net::template layer_type<static_cast<std::size_t>(Net::layer_of[k])>;
      scratch_floats = std::max({scratch_floats, static_cast<std::size_t>(B::scratch_floats(chunk)), backward_scratch_of<B>(chunk),
                                 saved_floats_of<B>(chunk)});
    }
  });
  std::vector<float> scratch(scratch_floats + 1), saved(scratch_floats + 1);
  auto record = [&](int k, const float* v, std::size_t count) {
    for (std::size_t i = 0; i < count; ++i) {
      lo[static_cast<std::size_t>(k)] = std::min(lo[static_cast<std::size_t>(k)], static_cast<double>(v[i]));
      hi[static_cast<std::size_t>(k)] = std::max(hi[static_cast<std::size_t>(k)], static_cast<double>(v[i]));
    }
  };
  for (int s0 = 0; s0 < samples; s0 += chunk) {
    const int batch = std::min(chunk, samples - s0);
    for_each_index<static_cast<std::size_t>(n)>([&](auto k) {
      constexpr std::size_t size = info::template size<k>;
      const std::size_t count = static_cast<std::size_t>(batch) * size;
      float* out = values[k].data();
      if constexpr (Net::table.is_input[k]) {
        std::copy_n(xs[Net::model_input[k]] + static_cast<std::size_t>(s0) * size, count, out);
        record(static_cast<int>(k), out, count);
      } else {
        using S = typename info::template gspec<k>;
        const auto& layer = net.template layer<static_cast<std::size_t>(Net::layer_of[k])>();
        if constexpr (S::merge != merge_kind::none) {
          std::array<const float*, static_cast<std::size_t>(Net::table.input_count[k])> in{};
          for (std::size_t j = 0; j < in.size(); ++j) in[j] = values[static_cast<std::size_t>(Net::table.inputs[k][j])].data();
          layer.forward(in.data(), out, batch, scratch.data());
          record(static_cast<int>(k), out, count);
          if constexpr (S::merge == merge_kind::add && Net::table.input_count[k] > 2)
            record_partial_sums<info, k>(in.data(), batch, ranges.partial_lo[k], ranges.partial_hi[k]);
        } else {
          const float* in = values[static_cast<std::size_t>(info::template input_of<k>)].data();
          constexpr nonlinear after = after_of<S>();
          if constexpr (after != nonlinear::none && S::value != kind::identity) {
            // The pre-activation: the logits forward_train keeps, or a Tanh's inverse.
            using B = std::remove_cvref_t<decltype(layer)>;
            if constexpr (requires { B::has_logits; } && B::has_logits) {
              const train_context ctx{.training = false, .trainable = false};
              layer.forward_train(in, out, batch, saved.data(), scratch.data(), ctx);
              record(static_cast<int>(k), layer.logits(saved.data()), count);
            } else {
              static_assert(after == nonlinear::tanh, "tshape: a fused Sigmoid or Softmax keeps its logits");
              layer.forward(in, out, batch, scratch.data());
              for (std::size_t i = 0; i < count; ++i) {
                const double z = tanh_preimage(out[i]);
                lo[k] = std::min(lo[k], z);
                hi[k] = std::max(hi[k], z);
              }
            }
          } else if constexpr (after != nonlinear::none) {
            // An activation layer: it takes its input's quantization.
            layer.forward(in, out, batch, scratch.data());
            record(static_cast<int>(k), in, count);
          } else {
            layer.forward(in, out, batch, scratch.data());
            record(static_cast<int>(k), out, count);
          }
        }
      }
    });
  }
  return ranges;
}

}  // namespace detail::quant

namespace detail::quant {

/// Quantizes a float functional model to int8 (TFLite's full-integer scheme), with every tensor's range
/// from `calibration` (float, (samples, input...)), one tensor per Input of the model, of as many samples.
template <class... I, class... O, class... R, class... X>
  requires((is_tensor<X>::value && ...) && sizeof...(X) == sizeof...(I))
Quantized<Model<Inputs<I...>, Outputs<O...>, R...>> quantize_functional(const Model<Inputs<I...>, Outputs<O...>, R...>& net,
                                                                 const X&... calibration) {
  using Net = Model<Inputs<I...>, Outputs<O...>, R...>;
  using Q = Quantized<Net>;
  using info = detail::quant::graph_info<Net>;
  using D = typename Q::diagnosis;  // reported by quantize(), as the calibration's rules are
  namespace q8 = kernels::quant;
  namespace dq = detail::quant;
  Q q{};
  if constexpr (std::is_void_v<D>) {
    constexpr int n = Net::n;
    const std::array<int, sizeof...(X)> samples{static_cast<int>(calibration.extent(0))...};
    for (int c : samples)
      if (c != samples[0]) raise(make_error(errc::input_samples_mismatch, "quantize()'s calibration tensors"));
    const std::array<const float*, sizeof...(X)> xs{calibration.data()...};
    const std::array<std::size_t, sizeof...(X)> sizes{drop_front_t<typename X::shape>::static_size...};
    for (std::size_t j = 0; j < sizeof...(X); ++j)
      if (const auto e = dq::calibration_error(xs[j], samples[0], sizes[j])) raise(e);
    const auto ranges = dq::calibrate_graph(net, xs.data(), samples[0]);
    const auto& lo = ranges.lo;
    const auto& hi = ranges.hi;
    detail::for_each_index<static_cast<std::size_t>(n)>([&](auto k) {
      if constexpr (Net::table.is_input[k]) {
        q.tensors[k] = q8::choose_activation(lo[k], hi[k]);
      } else {
        using S = typename info::template gspec<k>;
        using L = typename info::template layer<k>;
        using In = typename info::template in_shape<k>;
        constexpr auto p = static_cast<std::size_t>(info::template input_of<k>);
        constexpr int fold_node = info::folded_into[k];
        constexpr bool fold = fold_node >= 0;
        // A folded BatchNormalization's output range is this layer's.
        constexpr std::size_t r = fold ? static_cast<std::size_t>(fold_node) : static_cast<std::size_t>(k);
        auto& st = std::get<k>(q.stages);
        const auto& layer = net.template layer<static_cast<std::size_t>(Net::layer_of[k])>();
        if constexpr (S::merge == dq::merge_kind::add) {
          // ((x0 + x1) + x2) + ...: step j's left side is the partial sum before it.
          const auto t_out = q8::choose_activation(lo[k], hi[k]);
          q8::affine left = q.tensors[static_cast<std::size_t>(Net::table.inputs[k][0])];
          for (int j = 1; j < Net::table.input_count[k]; ++j) {
            const auto step = static_cast<std::size_t>(j - 1);
            const bool last = j + 1 == Net::table.input_count[k];
            const auto sum = last ? t_out : q8::choose_activation(ranges.partial_lo[k][step], ranges.partial_hi[k][step]);
            st.params[step] = q8::prepare_add(left, q.tensors[static_cast<std::size_t>(Net::table.inputs[k][j])], sum);
            if (!last) st.partial[step] = sum;
            left = sum;
          }
          q.tensors[k] = t_out;
        } else if constexpr (S::merge == dq::merge_kind::concatenate) {
          const auto t_out = q8::choose_activation(lo[k], hi[k]);
          for (int j = 0; j < Net::table.input_count[k]; ++j)
            st.params[static_cast<std::size_t>(j)] = q8::prepare_requantize(q.tensors[static_cast<std::size_t>(Net::table.inputs[k][j])], t_out);
          q.tensors[k] = t_out;
        } else if constexpr (S::value == dq::kind::dense || S::value == dq::kind::conv) {
          constexpr int in = dq::depth_of<L, In>();
          constexpr int units = dq::units_of<L>();
          const auto t_in = q.tensors[p];
          const auto t_out = q8::choose_activation(lo[r], hi[r]);
          q.tensors[k] = t_out;
          const float* kernel = layer.kernel().data();
          std::vector<std::int8_t> w(static_cast<std::size_t>(in) * units);  // (units, in), TFLite's layout
          for (int c = 0; c < units; ++c) {
            float scale = 1.0f, shift = 0.0f;
            if constexpr (fold) dq::batch_norm_affine(net.template layer<static_cast<std::size_t>(Net::layer_of[fold_node])>(), c, scale, shift);
            float b = 0.0f;
            if constexpr (L::use_bias) b = layer.bias().data()[c];
            st.sums[static_cast<std::size_t>(c)] = dq::quantize_channel<L::use_bias || fold>(
                kernel, in, units, c, scale, shift, b, t_in, t_out, st,
                [&](int i, std::int8_t v) { w[static_cast<std::size_t>(c) * in + static_cast<std::size_t>(i)] = v; });
          }
          q8::pack_weights(in, units, w.data(), st.packed.data());
          const auto range = q8::activation_range(S::act, t_out);
          st.min = range.min;
          st.max = range.max;
        } else if constexpr (S::value == dq::kind::depthwise) {
          constexpr auto g = dq::window_of<L, In>;
          constexpr int taps = g.kh * g.kw, oc = g.oc;
          const auto t_in = q.tensors[p];
          const auto t_out = q8::choose_activation(lo[r], hi[r]);
          q.tensors[k] = t_out;
          const float* kernel = layer.depthwise_kernel().data();
          std::vector<std::int8_t> w(static_cast<std::size_t>(taps) * oc);
          for (int o = 0; o < oc; ++o) {
            float scale = 1.0f, shift = 0.0f;
            if constexpr (fold) dq::batch_norm_affine(net.template layer<static_cast<std::size_t>(Net::layer_of[fold_node])>(), o, scale, shift);
            float b = 0.0f;
            if constexpr (L::use_bias) b = layer.bias().data()[o];
            dq::quantize_channel<L::use_bias || fold>(kernel, taps, oc, o, scale, shift, b, t_in, t_out, st,
                                                      [&](int t, std::int8_t v) { w[static_cast<std::size_t>(t) * oc + static_cast<std::size_t>(o)] = v; });
          }
          q8::pack_depthwise(taps, oc, w.data(), st.weights.data());
          const auto range = q8::activation_range(S::act, t_out);
          st.min = range.min;
          st.max = range.max;
        } else if constexpr (S::value == dq::kind::global_average) {
          const auto t_out = q8::choose_activation(lo[k], hi[k]);
          const auto m = q8::quantize_multiplier(static_cast<double>(q.tensors[p].scale) / static_cast<double>(t_out.scale));
          q.tensors[k] = t_out;
          st.multiplier = m.value;
          st.shift = m.shift;
        } else if constexpr (S::value == dq::kind::table) {
          // Rescaling: its own output quantization, from its calibrated range, and the table to it.
          const auto t_out = q8::choose_activation(lo[k], hi[k]);
          st.table = q8::affine_table(q.tensors[p], t_out, L::scale, L::offset);
          q.tensors[k] = t_out;
        } else {
          // Pools, ReLU/ReLU6 layers, the layers that move values, a folded BatchNormalization: the
          // input's quantization.
          q.tensors[k] = q.tensors[p];
        }
        constexpr auto after = dq::after_of<S>();
        if constexpr (after != dq::nonlinear::none && S::merge == dq::merge_kind::none) {
          st.pre = q.tensors[k];
          dq::prepare_activation<std::remove_cvref_t<decltype(st)>, after>(st, st.pre);
          q.tensors[k] = dq::output_of(after);
        }
      }
    });
  }
  return q;
}

}  // namespace detail::quant

/// quantize(net, calibration) on a functional model: its calibration data, one tensor per Input.
namespace detail::quant {
/// Whether calibration tensors X... are float samples of the Inputs' shapes I..., one per Input.
/// (A count that differs is its own rule: both say yes to it.)
template <class... I>
struct calibration_fits {
  template <class... X>
  static constexpr bool floats() {
    if constexpr (sizeof...(X) != sizeof...(I)) return true;
    else return (std::is_same_v<std::remove_cv_t<typename X::value_type>, float> && ...);
  }
  template <class... X>
  static constexpr bool shapes() {
    if constexpr (sizeof...(X) != sizeof...(I)) return true;
    else return (std::is_same_v<drop_front_t<typename X::shape>, typename I::shape> && ...);
  }
};
}  // namespace detail::quant

// The calibration's rules are checked here, where the user called, rather than inside
// quantize_functional: clang's trail to the user's line is then one note shorter.
template <class... I, class... O, class... R, class X>
  requires is_tensor<X>::value
Quantized<Model<Inputs<I...>, Outputs<O...>, R...>> quantize(const Model<Inputs<I...>, Outputs<O...>, R...>& net, const X& calibration) {
  constexpr bool one_input = sizeof...(I) == 1;  // a name: clang 16 adds no note
  static_assert(one_input, "tshape: quantize() on a model of several Inputs takes one calibration tensor per Input");
  using D = typename Quantized<Model<Inputs<I...>, Outputs<O...>, R...>>::diagnosis;
  static_assert(no_error<only<error::NOT_QUANTIZABLE, D>>, TSHAPE_MSG_NOT_QUANTIZABLE_IN_GRAPH);
  constexpr bool floats = detail::quant::calibration_fits<I...>::template floats<X>();
  constexpr bool shapes = !floats || detail::quant::calibration_fits<I...>::template shapes<X>();
  static_assert(floats, "tshape: quantize() calibrates on float data, samples first");
  static_assert(shapes, "tshape: quantize()'s calibration data are samples of the model's input shapes, samples first, one tensor per Input");
  if constexpr (one_input && std::is_void_v<D> && floats && shapes)
    return detail::quant::quantize_functional(net, calibration);
  else
    return {};
}
template <class... I, class... O, class... R, class X0, class X1, class... X>
  requires(is_tensor<X0>::value && is_tensor<X1>::value && (is_tensor<X>::value && ...))
Quantized<Model<Inputs<I...>, Outputs<O...>, R...>> quantize(const Model<Inputs<I...>, Outputs<O...>, R...>& net, const X0& c0, const X1& c1,
                                                      const X&... rest) {
  constexpr bool count = sizeof...(I) == 2 + sizeof...(X);
  static_assert(count, "tshape: quantize() on a functional model takes one calibration tensor per Input");
  using D = typename Quantized<Model<Inputs<I...>, Outputs<O...>, R...>>::diagnosis;
  static_assert(no_error<only<error::NOT_QUANTIZABLE, D>>, TSHAPE_MSG_NOT_QUANTIZABLE_IN_GRAPH);
  constexpr bool floats = detail::quant::calibration_fits<I...>::template floats<X0, X1, X...>();
  constexpr bool shapes = !floats || detail::quant::calibration_fits<I...>::template shapes<X0, X1, X...>();
  static_assert(floats, "tshape: quantize() calibrates on float data, samples first");
  static_assert(shapes, "tshape: quantize()'s calibration data are samples of the model's input shapes, samples first, one tensor per Input");
  if constexpr (count && std::is_void_v<D> && floats && shapes)
    return detail::quant::quantize_functional(net, c0, c1, rest...);
  else
    return {};
}

}  // namespace tshape
