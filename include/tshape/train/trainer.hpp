// One training step at a time, as Keras' train_on_batch:
//
//   auto net = make_model<Net>();
//   auto trainer = make_trainer(net, SparseCategoricalCrossentropy{}, Adam{});
//   float l = trainer.step(x_batch, y_batch);      // forward (training=True), loss, backward, update
//   float v = trainer.test_step(x_batch, y_batch); // the loss at inference (Keras' test_on_batch)
//
// Shapes are checked when the step is compiled: the data against the model's Input, the targets
// against the model's output for the data's batch (the loss rule), the samples of both, the targets'
// element type for a sparse loss, and that every layer has a backward pass.
//
// Memory. The gradients and the optimizer's slots mirror the model's parameters: each is a model of
// the same type (Opt::slots of them), so the optimizer walks them as it walks the weights. A step's
// working memory, arena_floats(batch), holds the prediction and its gradient, the activations and
// what each layer keeps for backward, and the layers' scratch. All of it is a constexpr of the model,
// the optimizer and the batch: train_bytes<Net, Opt>(batch). make_trainer puts it on the heap (the
// arena grows to the largest batch seen, in one allocation; a step then allocates nothing);
// trainer_storage<Net, Opt, Batch> holds it in static memory for builds without a heap.
#pragma once
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <tuple>
#include <type_traits>

#include "../config.hpp"
#include "../diagnostics/error.hpp"
#include "../diagnostics/report.hpp"
#include "../diagnostics/runtime.hpp"
#include "../layers/layer.hpp"
#include "../layers/activation.hpp"
// chain.hpp, not sequential.hpp: a second path to sequential.hpp (../model/) makes clang name that
// file by it in every model error, include/tshape/train/../model/sequential.hpp.
#include "../model/chain.hpp"
#include "../model/weights.hpp"
#include "../tensor/tensor.hpp"
#include "losses.hpp"
#include "optimizers.hpp"

namespace tshape {

namespace detail {

template <class Net>
inline constexpr std::size_t top_layer_count = list_size<typename Net::layers>;

template <class Net, std::size_t J>
struct output_shape_trait {
  using type = typename Net::output_shape;
};
template <class Net, std::size_t J>
  requires requires { typename Net::template output_shape_at<J>; }
struct output_shape_trait<Net, J> {
  using type = typename Net::template output_shape_at<J>;
};
/// One sample's shape at output J (a Sequential's one output for J = 0).
template <class Net, std::size_t J>
using output_shape_of = typename output_shape_trait<Net, J>::type;
/// The floats of every output on `batch` samples, each rounded to whole cache lines.
template <class Net>
constexpr std::size_t outputs_floats(int batch) {
  std::size_t total = 0;
  for_each_index<output_count_of<Net>()>([&](auto j) {
    total += round_floats(static_cast<std::size_t>(batch) * sample_size<output_shape_of<Net, j>>);
  });
  return total;
}

/// The floats of a step's arena on `batch` samples: the predictions, their gradients, saved, scratch.
template <class Net>
constexpr std::size_t train_arena_floats(int batch) {
  return 2 * outputs_floats<Net>(batch) + round_floats(Net::saved_floats(batch)) +
         std::max(round_floats(Net::arena_floats(batch)), Net::backward_scratch_floats(batch));
}

/// The index of the first top-level layer without a backward pass, or -1.
template <class Net, std::size_t... I>
constexpr int first_untrainable(std::index_sequence<I...>) {
  int first = -1, i = 0;
  ((first < 0 && !has_backward<typename Net::template layer_type<I>> ? first = i : 0, ++i), ...);
  return first;
}
/// That layer as a diagnosis (void when every layer has a backward pass).
template <class Net>
constexpr auto trainable_rule() {
  constexpr int first = first_untrainable<Net>(std::make_index_sequence<top_layer_count<Net>>{});
  if constexpr (first < 0) {
    return std::type_identity<void>{};
  } else {
    using L = type_at_t<static_cast<std::size_t>(first), typename Net::layers>;
    return std::type_identity<error::NOT_TRAINABLE<error::at_layer<first>, L, error::layer_has_no_backward<L>>>{};
  }
}

/// The element type of Input J of a model: int32 token ids when an Embedding reads it, else float.
template <class Net, std::size_t J>
struct graph_input_element {
  using type = float;
};
template <class Net, std::size_t J>
  requires requires { typename Net::template input_element_at<J>; }
struct graph_input_element<Net, J> {
  using type = typename Net::template input_element_at<J>;
};

/// The diagnosis of a step on data X and targets Y with Loss (void when they fit): the data as for
/// a call, then the samples, the targets' element type (sparse losses) and the loss rule.
template <class Net, class Loss, class X, class Y>
constexpr auto step_rule() {
  using SX = typename X::shape;
  using SY = typename Y::shape;
  using DX = typename Net::template call_diagnosis<X>;
  constexpr int nx = SX::extents[0], ny = SY::rank > 0 ? SY::extents[0] : 1;
  if constexpr (!std::is_void_v<typename Net::diagnosis>)
    return std::type_identity<error::the_model_reports_its_error>{};
  else if constexpr (output_count_of<Net>() > 1)  // one target for several outputs
    return std::type_identity<error::WRONG_TENSOR_COUNT<error::in_training, error::model_outputs<static_cast<int>(
                                                            output_count_of<Net>())>,
                                                        error::but_given_targets<1>>>{};
  else if constexpr (!std::is_void_v<DX>)
    return std::type_identity<DX>{};
  else if constexpr (nx != dyn && ny != dyn && nx != ny)
    return std::type_identity<error::SAMPLE_COUNT_MISMATCH<error::in_training, error::data_samples<nx>,
                                                           error::target_samples<ny>, error::got_tensor<SY>>>{};
  else  // the loss's own rule: the targets' element type, then the shapes
    return std::type_identity<
        loss_rule<Loss, prepend_t<nx != dyn ? nx : ny, typename Net::output_shape>, typename Y::value_type, SY>>{};
}

/// The first of several diagnoses that is not void (void when all are).
constexpr std::type_identity<void> first_of() { return {}; }
template <class D, class... Rest>
constexpr auto first_of(std::type_identity<D>, Rest... rest) {
  if constexpr (std::is_void_v<D>)
    return first_of(rest...);
  else
    return std::type_identity<D>{};
}
/// Output J's targets Y on a batch of Batch samples (dyn: not known): samples, element type, loss rule.
template <class Net, class Loss, std::size_t J, int Batch, class Y>
constexpr auto output_step_rule() {
  using SY = typename Y::shape;
  constexpr int ny = SY::rank > 0 ? SY::extents[0] : 1;
  if constexpr (Batch != dyn && ny != dyn && Batch != ny)
    return std::type_identity<error::SAMPLE_COUNT_MISMATCH<error::in_training, error::data_samples<Batch>,
                                                           error::target_samples<ny>, error::got_tensor<SY>>>{};
  else
    return std::type_identity<loss_rule<Loss, prepend_t<Batch != dyn ? Batch : ny, output_shape_of<Net, J>>,
                                        typename Y::value_type, SY>>{};
}

/// The first of the inputs' diagnoses that is not void, and the inputs' samples rule, for a tuple of
/// inputs X. (Functions, not lambdas in decltype: clang 14 crashes reading those back from a
/// precompiled header.)
template <class Net, class X, std::size_t... J>
constexpr auto inputs_rule(std::index_sequence<J...>) {
  return first_of(std::type_identity<
                  typename Net::template input_diagnosis_at<J, std::remove_cvref_t<std::tuple_element_t<J, X>>>>{}...);
}
template <class X, std::size_t... J>
constexpr auto inputs_samples_rule(std::index_sequence<J...>) {
  return input_samples_rule<error::in_training, std::remove_cvref_t<std::tuple_element_t<J, X>>...>();
}

/// The diagnosis of a step of a functional model on a tuple of inputs X and one of targets Y: the
/// counts, each Input's data, then each output's samples, element type and loss rule.
template <class Net, class Loss, class X, class Y>
constexpr auto graph_step_rule() {
  constexpr std::size_t nx = std::tuple_size_v<X>, ny = std::tuple_size_v<Y>;
  if constexpr (!std::is_void_v<typename Net::diagnosis>) {
    return std::type_identity<error::the_model_reports_its_error>{};
  } else if constexpr (nx != static_cast<std::size_t>(Net::input_count)) {
    return std::type_identity<error::WRONG_TENSOR_COUNT<error::in_training, error::model_inputs<Net::input_count>,
                                                        error::but_called_with<static_cast<int>(nx)>>>{};
  } else if constexpr (ny != static_cast<std::size_t>(Net::output_count)) {
    return std::type_identity<error::WRONG_TENSOR_COUNT<error::in_training, error::model_outputs<Net::output_count>,
                                                        error::but_given_targets<static_cast<int>(ny)>>>{};
  } else if constexpr (loss_count<Loss>::value != 0 && loss_count<Loss>::value != ny) {
    return std::type_identity<error::WRONG_TENSOR_COUNT<error::in_training, error::model_outputs<Net::output_count>,
                                                        error::but_given_losses<static_cast<int>(loss_count<Loss>::value)>>>{};
  } else {
    using X0 = std::remove_cvref_t<std::tuple_element_t<0, X>>;
    constexpr int batch = X0::shape::extents[0];
    using DX = typename decltype(inputs_rule<Net, X>(std::make_index_sequence<nx>{}))::type;
    using DN = typename decltype(inputs_samples_rule<X>(std::make_index_sequence<nx>{}))::type;
    if constexpr (!std::is_void_v<DX>) {
      return std::type_identity<DX>{};
    } else if constexpr (!std::is_void_v<DN>) {
      return std::type_identity<DN>{};
    } else {
      return []<std::size_t... J>(std::index_sequence<J...>) {
        return first_of(output_step_rule<Net, typename loss_at<Loss, J>::type, J, batch,
                                         std::remove_cvref_t<std::tuple_element_t<J, Y>>>()...);
      }(std::make_index_sequence<ny>{});
    }
  }
}

/// Whether a cross-entropy reads the cached logits of the model's Softmax or Sigmoid output, as tf.keras 2.
template <class Net, class Loss>
constexpr bool reads_cached_logits() {
  if constexpr (!Net::has_logits) {
    return false;
  } else {
    using A = typename Net::output_activation;
    if constexpr (std::is_same_v<Loss, BinaryCrossentropy>)
      return std::is_same_v<A, Sigmoid>;
    else if constexpr (std::is_same_v<Loss, CategoricalCrossentropy> || std::is_same_v<Loss, SparseCategoricalCrossentropy>)
      return std::is_same_v<A, Softmax>;
    else
      return false;
  }
}

/// At most this many arrays per leaf layer (Bidirectional's six).
inline constexpr int max_leaf_arrays = 8;

struct leaf_arrays {
  std::array<float*, max_leaf_arrays> data{};
  std::array<std::size_t, max_leaf_arrays> size{};
  int count = 0;
};
template <class Leaf>
leaf_arrays trainable_arrays(Leaf& leaf) {
  leaf_arrays a;
  for_each_trainable_of(leaf, [&](auto&&, auto view) {
    a.data[a.count] = view.data();
    a.size[a.count] = static_cast<std::size_t>(view.size());
    ++a.count;
  });
  return a;
}
/// The arrays no optimizer updates (BatchNormalization's moving statistics).
template <class Leaf>
leaf_arrays untrained_arrays(Leaf& leaf) {
  const leaf_arrays trained = trainable_arrays(leaf);
  leaf_arrays a;
  leaf.for_each_weight([&](auto&&, auto view) {
    for (int j = 0; j < trained.count; ++j)
      if (trained.data[j] == view.data()) return;
    a.data[a.count] = view.data();
    a.size[a.count] = static_cast<std::size_t>(view.size());
    ++a.count;
  });
  return a;
}

template <std::size_t K, class C, class F>
void zip_leaves_inner(C& net, C& grad, const std::array<C*, K>& slots, F& f, int top) {
  for_each_index<list_size<typename C::layers>>([&](auto i) {
    auto& l = net.template layer<i>();
    using L = std::remove_cvref_t<decltype(l)>;
    std::array<L*, K> s{};
    for (std::size_t k = 0; k < K; ++k) s[k] = &slots[k]->template layer<i>();
    if constexpr (is_chain<L>::value)
      zip_leaves_inner<K>(l, grad.template layer<i>(), s, f, top);
    else
      f(top, l, grad.template layer<i>(), s);
  });
}

/// One leaf's arrays, as the trainer's walks read them.
template <std::size_t K>
struct leaf_parts {
  int top = 0;                          // the model's layer the leaf belongs to
  leaf_arrays weights, gradients;       // the trainable arrays, of the model and of the gradients
  std::array<leaf_arrays, K> slots{};   // the same arrays of each optimizer slot
  leaf_arrays kept, kept_copy;          // the untrained arrays, and their copy in the gradients
};
/// Gathers a leaf's parts and hands them to a plain function: every walk of the trainer goes through
/// this one visitor, so a model's leaves are walked by one set of per-leaf functions, not one set per
/// walk (five walks over a ResNet-20's 70 layers were a fifth of its training program's code at -O0).
template <std::size_t K>
struct leaf_visitor {
  void (*visit)(void*, const leaf_parts<K>&);
  void* context;
  template <class L>
  void operator()(int top, L& w, L& g, const std::array<L*, K>& s) const {
    leaf_parts<K> p;
    p.top = top;
    p.weights = trainable_arrays(w);
    p.gradients = trainable_arrays(g);
    for (std::size_t k = 0; k < K; ++k) p.slots[k] = trainable_arrays(*s[k]);
    p.kept = untrained_arrays(w);
    p.kept_copy = untrained_arrays(g);
    visit(context, p);
  }
};

/// f(top-level index, leaf of net, the same leaf of grad, of each slot model) for every leaf layer.
template <std::size_t K, class C, class F>
void zip_leaves(C& net, C& grad, C* slots, F& f, int top) {
  for_each_index<list_size<typename C::layers>>([&](auto i) {
    auto& l = net.template layer<i>();
    using L = std::remove_cvref_t<decltype(l)>;
    const int index = top < 0 ? static_cast<int>(i) : top;
    if constexpr (is_chain<L>::value) {
      std::array<L*, K> inner{};
      for (std::size_t k = 0; k < K; ++k) inner[k] = &slots[k].template layer<i>();
      zip_leaves_inner<K>(l, grad.template layer<i>(), inner, f, index);
    } else {
      std::array<L*, K> s{};
      for (std::size_t k = 0; k < K; ++k) s[k] = &slots[k].template layer<i>();
      f(index, l, grad.template layer<i>(), s);
    }
  });
}
}  // namespace detail

/// Bytes of everything a train step of Net with Opt on `batch` samples needs besides the model: the
/// gradients, the optimizer's slots and the step's arena (its activations, saved values and scratch).
template <class Net, class Opt>
constexpr std::size_t train_bytes(int batch) {
  return (1 + Opt::slots) * Net::param_bytes + detail::train_arena_floats<Net>(batch) * sizeof(float);
}

/// A train step's memory in one object, for builds without a heap: `static trainer_storage<Net, Adam, 32> s;`.
template <class Net, class Opt, int Batch>
struct trainer_storage {
  static constexpr int batch = Batch;
  Net gradients{};
  std::array<Net, Opt::slots> slots{};
  alignas(TSHAPE_ALIGN) float arena[detail::train_arena_floats<Net>(Batch)];
};

template <class Net, class Loss, class Opt>
class trainer {
  static_assert(Net::has_input, "tshape: a trainer needs a model whose first argument is Input<...>");
  using D = typename decltype(detail::trainable_rule<Net>())::type;
  static_assert(no_error<only<error::NOT_TRAINABLE, D>>, TSHAPE_MSG_NOT_TRAINABLE);
  static constexpr std::size_t layer_count = detail::top_layer_count<Net>;
  static constexpr std::size_t out_floats = detail::sample_size<typename Net::output_shape>;

 public:
  using model_type = Net;
  using loss_type = Loss;
  using optimizer_type = Opt;
  static constexpr bool cached_logits = detail::reads_cached_logits<Net, Loss>();

  /// The diagnosis of a step on data X and targets Y (void when they fit).
  template <class X, class Y>
  using step_diagnosis = typename decltype(detail::step_rule<Net, Loss, X, Y>())::type;

#ifndef TSHAPE_NO_HEAP
  /// Gradients, slots and the arena on the heap.
  trainer(Net& net, Loss loss, Opt opt, std::uint64_t seed = 0)
      : net_(&net), loss_(loss), opt_(opt), rng_(seed ^ 0x5DEECE66DULL) {
    owned_grads_ = std::make_unique<Net>();
    owned_slots_ = std::make_unique<std::array<Net, Opt::slots>>();
    grads_ = owned_grads_.get();
    slots_ = owned_slots_->data();
    reset_slots();
  }
#endif
  /// Everything in the caller's storage (no heap); steps take at most Batch samples.
  template <int Batch>
  trainer(Net& net, Loss loss, Opt opt, trainer_storage<Net, Opt, Batch>& storage, std::uint64_t seed = 0)
      : net_(&net), loss_(loss), opt_(opt), rng_(seed ^ 0x5DEECE66DULL) {
    grads_ = &storage.gradients;
    slots_ = storage.slots.data();
    arena_ = storage.arena;
    capacity_ = Batch;
    reset_slots();
  }

  Net& model() { return *net_; }
  Opt& optimizer() { return opt_; }
  const Opt& optimizer() const { return opt_; }
  Loss& loss() { return loss_; }
  /// Updates applied so far (Keras' optimizer.iterations).
  std::int64_t iterations() const { return iterations_; }
  void set_iterations(std::int64_t n) { iterations_ = n; }
  /// The optimizer's state: Opt::slots models of Net's type, whose arrays mirror the weights.
  Net& slot(int k) { return slots_[k]; }
  /// The gradients of the last step, a model of Net's type.
  Net& gradients() { return *grads_; }

  /// Keras' layer.trainable = false for top-level layer `index` (0-based, Input excluded): its
  /// weights stay as they are, and a frozen BatchNormalization runs in inference mode (Keras 2).
  void set_trainable(std::size_t index, bool trainable) {
    if (index >= layer_count) raise(make_error(errc::invalid_argument, "set_trainable: no layer of that index"));
    frozen_[index] = !trainable;
  }
  bool trainable(std::size_t index) const { return index < layer_count && !frozen_[index]; }

  /// One training step on a batch (Keras' train_on_batch): the mean loss of the batch before the
  /// update. When the loss is not finite, no weight is changed and the loss is returned.
  template <class X, class Y>
    requires is_tensor<X>::value && is_tensor<Y>::value
  float step(const X& x, const Y& y) {
    using DS = step_diagnosis<X, Y>;
    static_assert(no_error<only<error::WRONG_TENSOR_COUNT, DS>>, TSHAPE_MSG_WRONG_TENSOR_COUNT_IN_TRAINING);
    static_assert(no_error<only<error::DTYPE_MISMATCH, DS>>, TSHAPE_MSG_DTYPE_MISMATCH);
    static_assert(no_error<only<error::TOKEN_IDS_NOT_INTEGER, DS>>, TSHAPE_MSG_TOKEN_IDS_NOT_INTEGER);
    static_assert(no_error<only<error::WRONG_RANK, DS>>, TSHAPE_MSG_WRONG_RANK);
    static_assert(no_error<only<error::SHAPE_MISMATCH, DS>>, TSHAPE_MSG_SHAPE_MISMATCH);
    static_assert(no_error<only<error::SAMPLE_COUNT_MISMATCH, DS>>, TSHAPE_MSG_SAMPLE_COUNT_MISMATCH);
    static_assert(no_error<only<error::TARGET_DTYPE_MISMATCH, DS>>, TSHAPE_MSG_TARGET_DTYPE_MISMATCH);
    static_assert(no_error<only<error::LOSS_TARGET_MISMATCH, DS>>, TSHAPE_MSG_LOSS_TARGET_MISMATCH);
    static_assert(no_error<only<error::OUTPUT_KEEPS_SPATIAL_AXES, DS>>, TSHAPE_MSG_OUTPUT_KEEPS_SPATIAL_AXES);
    if constexpr (std::is_void_v<DS>) {
      return run(x, y, true);
    } else {
      return 0.0f;
    }
  }

  /// The loss of a batch at inference (Keras' test_on_batch); the prediction stays in output().
  template <class X, class Y>
    requires is_tensor<X>::value && is_tensor<Y>::value
  float test_step(const X& x, const Y& y) {
    using DS = step_diagnosis<X, Y>;
    static_assert(no_error<only<error::WRONG_TENSOR_COUNT, DS>>, TSHAPE_MSG_WRONG_TENSOR_COUNT_IN_TRAINING);
    static_assert(no_error<only<error::DTYPE_MISMATCH, DS>>, TSHAPE_MSG_DTYPE_MISMATCH);
    static_assert(no_error<only<error::TOKEN_IDS_NOT_INTEGER, DS>>, TSHAPE_MSG_TOKEN_IDS_NOT_INTEGER);
    static_assert(no_error<only<error::WRONG_RANK, DS>>, TSHAPE_MSG_WRONG_RANK);
    static_assert(no_error<only<error::SHAPE_MISMATCH, DS>>, TSHAPE_MSG_SHAPE_MISMATCH);
    static_assert(no_error<only<error::SAMPLE_COUNT_MISMATCH, DS>>, TSHAPE_MSG_SAMPLE_COUNT_MISMATCH);
    static_assert(no_error<only<error::TARGET_DTYPE_MISMATCH, DS>>, TSHAPE_MSG_TARGET_DTYPE_MISMATCH);
    static_assert(no_error<only<error::LOSS_TARGET_MISMATCH, DS>>, TSHAPE_MSG_LOSS_TARGET_MISMATCH);
    static_assert(no_error<only<error::OUTPUT_KEEPS_SPATIAL_AXES, DS>>, TSHAPE_MSG_OUTPUT_KEEPS_SPATIAL_AXES);
    if constexpr (std::is_void_v<DS>) {
      return run(x, y, false);
    } else {
      return 0.0f;
    }
  }

  /// The diagnosis of a step of a functional model on tuples of inputs X and targets Y.
  template <class X, class Y>
  using graph_step_diagnosis = typename decltype(detail::graph_step_rule<Net, Loss, X, Y>())::type;

  /// A step of a model of several Inputs or outputs (Keras' train_on_batch([x1, x2], [y1, y2])):
  ///   trainer.step(std::tie(images, metadata), std::tie(labels, prices))
  /// Each output has its loss (losses{...}, or the one loss for all), weighted; the weighted sum is
  /// minimised and returned, and each output's loss is in output_losses().
  template <class... X, class... Y>
    requires((is_tensor<std::remove_cvref_t<X>>::value && ...) && (is_tensor<std::remove_cvref_t<Y>>::value && ...))
  float step(const std::tuple<X...>& x, const std::tuple<Y...>& y) {
    using DS = graph_step_diagnosis<std::tuple<X...>, std::tuple<Y...>>;
    static_assert(no_error<only<error::WRONG_TENSOR_COUNT, DS>>, TSHAPE_MSG_WRONG_TENSOR_COUNT_IN_TRAINING);
    static_assert(no_error<only<error::DTYPE_MISMATCH, DS>>, TSHAPE_MSG_DTYPE_MISMATCH);
    static_assert(no_error<only<error::TOKEN_IDS_NOT_INTEGER, DS>>, TSHAPE_MSG_TOKEN_IDS_NOT_INTEGER);
    static_assert(no_error<only<error::WRONG_RANK, DS>>, TSHAPE_MSG_WRONG_RANK);
    static_assert(no_error<only<error::SHAPE_MISMATCH, DS>>, TSHAPE_MSG_SHAPE_MISMATCH);
    static_assert(no_error<only<error::INPUT_SAMPLES_MISMATCH, DS>>, TSHAPE_MSG_INPUT_SAMPLES_MISMATCH);
    static_assert(no_error<only<error::SAMPLE_COUNT_MISMATCH, DS>>, TSHAPE_MSG_SAMPLE_COUNT_MISMATCH);
    static_assert(no_error<only<error::TARGET_DTYPE_MISMATCH, DS>>, TSHAPE_MSG_TARGET_DTYPE_MISMATCH);
    static_assert(no_error<only<error::LOSS_TARGET_MISMATCH, DS>>, TSHAPE_MSG_LOSS_TARGET_MISMATCH);
    static_assert(no_error<only<error::OUTPUT_KEEPS_SPATIAL_AXES, DS>>, TSHAPE_MSG_OUTPUT_KEEPS_SPATIAL_AXES);
    if constexpr (std::is_void_v<DS>)
      return run_graph(x, y, true, std::index_sequence_for<X...>{}, std::index_sequence_for<Y...>{});
    else
      return 0.0f;
  }
  /// The weighted loss of such a batch at inference (Keras' test_on_batch).
  template <class... X, class... Y>
    requires((is_tensor<std::remove_cvref_t<X>>::value && ...) && (is_tensor<std::remove_cvref_t<Y>>::value && ...))
  float test_step(const std::tuple<X...>& x, const std::tuple<Y...>& y) {
    using DS = graph_step_diagnosis<std::tuple<X...>, std::tuple<Y...>>;
    static_assert(no_error<only<error::WRONG_TENSOR_COUNT, DS>>, TSHAPE_MSG_WRONG_TENSOR_COUNT_IN_TRAINING);
    static_assert(no_error<only<error::DTYPE_MISMATCH, DS>>, TSHAPE_MSG_DTYPE_MISMATCH);
    static_assert(no_error<only<error::TOKEN_IDS_NOT_INTEGER, DS>>, TSHAPE_MSG_TOKEN_IDS_NOT_INTEGER);
    static_assert(no_error<only<error::WRONG_RANK, DS>>, TSHAPE_MSG_WRONG_RANK);
    static_assert(no_error<only<error::SHAPE_MISMATCH, DS>>, TSHAPE_MSG_SHAPE_MISMATCH);
    static_assert(no_error<only<error::INPUT_SAMPLES_MISMATCH, DS>>, TSHAPE_MSG_INPUT_SAMPLES_MISMATCH);
    static_assert(no_error<only<error::SAMPLE_COUNT_MISMATCH, DS>>, TSHAPE_MSG_SAMPLE_COUNT_MISMATCH);
    static_assert(no_error<only<error::TARGET_DTYPE_MISMATCH, DS>>, TSHAPE_MSG_TARGET_DTYPE_MISMATCH);
    static_assert(no_error<only<error::LOSS_TARGET_MISMATCH, DS>>, TSHAPE_MSG_LOSS_TARGET_MISMATCH);
    static_assert(no_error<only<error::OUTPUT_KEEPS_SPATIAL_AXES, DS>>, TSHAPE_MSG_OUTPUT_KEEPS_SPATIAL_AXES);
    if constexpr (std::is_void_v<DS>)
      return run_graph(x, y, false, std::index_sequence_for<X...>{}, std::index_sequence_for<Y...>{});
    else
      return 0.0f;
  }
  /// The same with one Input given alone (Keras' train_on_batch(x, [y1, y2])), or one target.
  template <class X, class... Y>
    requires(is_tensor<X>::value && (is_tensor<std::remove_cvref_t<Y>>::value && ...))
  float step(const X& x, const std::tuple<Y...>& y) {
    return step(std::tie(x), y);
  }
  template <class... X, class Y>
    requires((is_tensor<std::remove_cvref_t<X>>::value && ...) && is_tensor<Y>::value)
  float step(const std::tuple<X...>& x, const Y& y) {
    return step(x, std::tie(y));
  }
  template <class X, class... Y>
    requires(is_tensor<X>::value && (is_tensor<std::remove_cvref_t<Y>>::value && ...))
  float test_step(const X& x, const std::tuple<Y...>& y) {
    return test_step(std::tie(x), y);
  }
  template <class... X, class Y>
    requires((is_tensor<std::remove_cvref_t<X>>::value && ...) && is_tensor<Y>::value)
  float test_step(const std::tuple<X...>& x, const Y& y) {
    return test_step(x, std::tie(y));
  }
  /// Each output's (unweighted) loss in the last step or test step of a model of several outputs.
  std::span<const float> output_losses() const { return {output_losses_.data(), output_losses_.size()}; }

  /// The prediction of the last step or test step: batch x the output's size, row-major.
  std::span<const float> output() const { return {arena_, static_cast<std::size_t>(last_batch_) * out_floats}; }
  /// Output J's prediction of the last step or test step (a model of several outputs).
  template <std::size_t J>
  std::span<const float> output() const {
    return {arena_ + output_offset<J>(last_batch_),
            static_cast<std::size_t>(last_batch_) * detail::sample_size<detail::output_shape_of<Net, J>>};
  }
  int last_batch() const { return last_batch_; }

  /// Sets every optimizer slot to its starting value (a fresh optimizer), and the iterations to 0.
  void reset_slots() {
    // Leaf by leaf, as the update walks them (for_each_weight would also build each weight's name).
    for_each_leaf([&](const leaf_parts& p) {
      for (int k = 0; k < Opt::slots; ++k) {
        const float v = detail::initial_slot(opt_, k);
        const auto& a = p.slots[static_cast<std::size_t>(k)];
        for (int j = 0; j < a.count; ++j) std::fill_n(a.data[j], a.size[j], v);
      }
    });
    iterations_ = 0;
  }

 private:
  template <class X, class Y>
  float run(const X& x, const Y& y, bool training) {
    using SX = typename X::shape;
    using SY = typename Y::shape;
    const TensorView<const detail::input_element_t<Net>, SX> xv = x;
    const TensorView<const typename Y::value_type, SY> yv = y;
    const int batch = xv.template extent<0>();
    constexpr int id_limit = detail::token_id_limit_of<Net>();
    if constexpr (id_limit > 0)
      if (const auto e = token_id_error(xv.data(), xv.size(), id_limit)) raise(e);
    // The dyn extents, once, at the boundary: the data, the samples, the targets.
    if constexpr (!SX::is_static) {
      using Expected = prepend_t<dyn, typename Net::input_shape>;
      const auto got = xv.extents();
      const auto v = check_extents(got, Expected::extents);
      if (v.code != errc::ok) raise(extents_error(v, got, Expected::extents, "at the model's input"));
    }
    // Static shapes passed step_rule when this compiled: the run-time twins are for dyn extents only
    // (which also keeps their text formatting out of a firmware that trains on static batches).
    if constexpr (!(SX::is_static && SY::is_static)) {
      const auto ye = yv.extents();
      if (SY::rank > 0 && ye[0] != batch) {
        static_text<120> d("the data has ");
        d.append(batch).append(" samples, the targets ").append(ye[0]);
        raise(make_error(errc::sample_count_mismatch, d.view()));
      }
      std::array<int, Net::output_shape::rank + 1> pe{};
      pe[0] = batch;
      for (int i = 0; i < Net::output_shape::rank; ++i) pe[i + 1] = Net::output_shape::extents[i];
      if (const auto e = detail::target_error<Loss>(pe, ye)) raise(e);
    }
    if (batch <= 0) return 0.0f;
    ensure_arena(batch);

    float* pred = arena_;
    const std::size_t out = detail::round_floats(static_cast<std::size_t>(batch) * out_floats);
    float* dpred = pred + out;
    float* saved = dpred + out;
    float* work = saved + detail::round_floats(Net::saved_floats(batch));
    last_batch_ = batch;

    train_context ctx;
    ctx.rng = &rng_;
    ctx.training = training;
    ctx.trainable = training;
    if (training) {
      keep_state(false);  // a batch whose loss is not finite leaves the moving statistics as they were
      net_->forward_train(detail::as_input_pointer(xv.data()), pred, batch, saved, work, ctx, frozen_.data());
    } else {
      net_->run_forward(detail::as_input_pointer(xv.data()), pred, batch, work);
    }
    const std::ptrdiff_t cols = Net::output_shape::rank > 0 ? last_extent_v<typename Net::output_shape> : 1;
    const std::ptrdiff_t rows = static_cast<std::ptrdiff_t>(batch) * static_cast<std::ptrdiff_t>(out_floats) / cols;
    bool logits = false;
    if constexpr (requires { loss_.from_logits; }) logits = loss_.from_logits;
    const float* p = pred;
    bool from_cache = false;
    if constexpr (cached_logits) {
      if (!logits && training) {
        p = net_->logits(saved, batch);
        logits = from_cache = true;
      }
    }
    const double l = detail::reduce_loss(loss_, p, yv.data(), rows, cols, logits, training ? dpred : nullptr);
    if (!training) return static_cast<float>(l);
    if (!std::isfinite(l)) {
      keep_state(true);
      return static_cast<float>(l);
    }

    zero_gradients();
    ctx.dy_is_logits = from_cache;
    net_->backward(detail::as_input_pointer(xv.data()), pred, dpred, nullptr, batch, saved, work, *grads_, ctx,
                   frozen_.data());
    apply_update();
    return static_cast<float>(l);
  }

  /// Where output J's prediction starts in the arena (its gradient is outputs_floats further).
  template <std::size_t J>
  static constexpr std::size_t output_offset(int batch) {
    std::size_t off = 0;
    detail::for_each_index<J>([&](auto j) {
      off += detail::round_floats(static_cast<std::size_t>(batch) * detail::sample_size<detail::output_shape_of<Net, j>>);
    });
    return off;
  }

  template <class... X, class... Y, std::size_t... I, std::size_t... J>
  float run_graph(const std::tuple<X...>& x, const std::tuple<Y...>& y, bool training, std::index_sequence<I...>,
                  std::index_sequence<J...>) {
    const std::array<const float*, sizeof...(X)> xs{detail::as_input_pointer(
        TensorView<const graph_input_element<I>, typename std::remove_cvref_t<X>::shape>(std::get<I>(x)).data())...};
    const std::array<int, sizeof...(X) + sizeof...(Y)> batches{std::get<I>(x).template extent<0>()...,
                                                               std::get<J>(y).template extent<0>()...};
    const int batch = batches[0];
    for (int b : batches)
      if (b != batch) raise(make_error(errc::sample_count_mismatch, "the inputs and the targets"));
    (check_graph_input<I, std::remove_cvref_t<X>>(std::get<I>(x)), ...);
    (check_graph_target<J, std::remove_cvref_t<Y>>(std::get<J>(y), batch), ...);
    if (batch <= 0) return 0.0f;
    ensure_arena(batch);

    const std::size_t outs = detail::outputs_floats<Net>(batch);
    float* saved = arena_ + 2 * outs;
    float* work = saved + detail::round_floats(Net::saved_floats(batch));
    const std::array<float*, sizeof...(Y)> preds{arena_ + output_offset<J>(batch)...};
    const std::array<float*, sizeof...(Y)> dpreds{arena_ + outs + output_offset<J>(batch)...};
    last_batch_ = batch;

    train_context ctx;
    ctx.rng = &rng_;
    ctx.training = training;
    ctx.trainable = training;
    if (training) {
      keep_state(false);
      net_->forward_train(xs.data(), preds.data(), batch, saved, work, ctx, frozen_.data());
    } else {
      net_->run_forward(xs.data(), preds.data(), batch, work);
    }
    double total = 0.0;
    ((total += output_loss<J>(std::get<J>(y), preds[J], dpreds[J], batch, saved, training, ctx)), ...);
    if (!training) return static_cast<float>(total);
    if (!std::isfinite(total)) {
      keep_state(true);
      return static_cast<float>(total);
    }
    zero_gradients();
    const std::array<const float*, sizeof...(Y)> ys{preds[J]...};
    const std::array<const float*, sizeof...(Y)> dys{dpreds[J]...};
    std::array<float*, sizeof...(X)> dxs{};
    net_->backward(xs.data(), ys.data(), dys.data(), dxs.data(), batch, saved, work, *grads_, ctx, frozen_.data());
    apply_update();
    return static_cast<float>(total);
  }

  /// Output J's weighted loss, its gradient (weighted) into dpred; a cross-entropy on a Softmax or
  /// Sigmoid output reads its cached logits in training, as the one-output step does.
  template <std::size_t J, class Y>
  double output_loss(const Y& y, const float* pred, float* dpred, int batch, const float* saved, bool training,
                     train_context& ctx) {
    using L = typename detail::loss_at<Loss, J>::type;
    using S = detail::output_shape_of<Net, J>;
    const L& fn = detail::loss_at<Loss, J>::get(loss_);
    const float w = detail::loss_at<Loss, J>::weight(loss_);
    const TensorView<const typename Y::value_type, typename Y::shape> yv = y;
    const std::ptrdiff_t size = detail::sample_size<S>;
    const std::ptrdiff_t cols = S::rank > 0 ? last_extent_v<S> : 1;
    const std::ptrdiff_t rows = static_cast<std::ptrdiff_t>(batch) * size / cols;
    bool logits = false;
    if constexpr (requires { fn.from_logits; }) logits = fn.from_logits;
    const float* p = pred;
    if constexpr (Net::template has_logits_at<J>) {
      using A = typename Net::template output_activation_at<J>;
      constexpr bool cached = (std::is_same_v<L, BinaryCrossentropy> && std::is_same_v<A, Sigmoid>) ||
                              ((std::is_same_v<L, CategoricalCrossentropy> ||
                                std::is_same_v<L, SparseCategoricalCrossentropy>) &&
                               std::is_same_v<A, Softmax>);
      if constexpr (cached) {
        if (!logits && training) {
          p = net_->template logits_at<J>(saved, batch);
          logits = true;
          ctx.logits_outputs |= 1u << J;
        }
      }
    }
    const double l = detail::reduce_loss(fn, p, yv.data(), rows, cols, logits, training ? dpred : nullptr);
    if (training)
      for (std::ptrdiff_t i = 0; i < static_cast<std::ptrdiff_t>(batch) * size; ++i) dpred[i] *= w;
    output_losses_[J] = static_cast<float>(l);
    return static_cast<double>(w) * l;
  }

  // Input J's element type: int32 token ids when an Embedding reads it, else float.
  template <std::size_t J>
  using graph_input_element = typename detail::graph_input_element<Net, J>::type;
  template <std::size_t J, class X>
  static void check_graph_input(const X& x) {
    using S = typename X::shape;
    if constexpr (requires { Net::template input_ids<J>::limit; }) {
      if constexpr (Net::template input_ids<J>::limit > 0) {
        const TensorView<const std::int32_t, S> ids(x);
        if (const auto e = token_id_error(ids.data(), ids.size(), Net::template input_ids<J>::limit)) raise(e);
      }
    }
    if constexpr (!S::is_static) {
      using Expected = prepend_t<dyn, typename Net::template input_shape_at<J>>;
      const auto got = TensorView<const graph_input_element<J>, S>(x).extents();
      const auto v = check_extents(got, Expected::extents);
      if (v.code != errc::ok) raise(extents_error(v, got, Expected::extents, "at the model's input"));
    }
  }
  template <std::size_t J, class Y>
  static void check_graph_target(const Y& y, int batch) {
    using SY = typename Y::shape;
    if constexpr (!SY::is_static) {
      using S = detail::output_shape_of<Net, J>;
      std::array<int, S::rank + 1> pe{};
      pe[0] = batch;
      for (int i = 0; i < S::rank; ++i) pe[i + 1] = S::extents[i];
      const TensorView<const typename Y::value_type, SY> yv = y;
      if (const auto e = detail::target_error<typename detail::loss_at<Loss, J>::type>(pe, yv.extents())) raise(e);
    }
  }

  void ensure_arena(int batch) {
    if (batch <= capacity_) return;
#ifndef TSHAPE_NO_HEAP
    if (!owned_grads_) raise(make_error(errc::invalid_argument, "the batch is larger than the trainer_storage's"));
    owned_arena_.reset(detail::aligned_new<float>(static_cast<std::ptrdiff_t>(detail::train_arena_floats<Net>(batch))));
    arena_ = owned_arena_.get();
    capacity_ = batch;
#else
    raise(make_error(errc::invalid_argument, "the batch is larger than the trainer_storage's"));
#endif
  }

  // The arrays no optimizer updates, kept in the gradients' copy of them (which nothing else uses)
  // before a training pass, and put back when its loss is not finite.
  void keep_state(bool restore) {
    for_each_leaf([&](const leaf_parts& p) {
      for (int j = 0; j < p.kept.count; ++j) {
        if (restore)
          std::copy_n(p.kept_copy.data[j], p.kept.size[j], p.kept.data[j]);
        else
          std::copy_n(p.kept.data[j], p.kept.size[j], p.kept_copy.data[j]);
      }
    });
  }

  void zero_gradients() {
    for_each_leaf([](const leaf_parts& p) {
      for (int j = 0; j < p.gradients.count; ++j) std::fill_n(p.gradients.data[j], p.gradients.size[j], 0.0f);
    });
  }

  using leaf_parts = detail::leaf_parts<Opt::slots>;
  /// f(parts) for every leaf layer, through the one visitor (detail::leaf_visitor says why).
  template <class F>
  void for_each_leaf(F&& f) {
    using Fn = std::remove_reference_t<F>;
    const detail::leaf_visitor<Opt::slots> visitor{
        [](void* context, const leaf_parts& p) { (*static_cast<Fn*>(context))(p); }, static_cast<void*>(&f)};
    detail::zip_leaves<Opt::slots>(*net_, *grads_, slots_, visitor, -1);
  }

  void apply_update() {
    ++iterations_;
    float global_scale = 1.0f;
    if (opt_.global_clipnorm > 0.0f) {
      double total = 0.0;
      for_each_leaf([&](const leaf_parts& p) {
        if (frozen_[static_cast<std::size_t>(p.top)]) return;
        for (int j = 0; j < p.gradients.count; ++j) total += detail::squared_norm(p.gradients.data[j], p.gradients.size[j]);
      });
      const double norm = std::sqrt(total);
      if (norm > opt_.global_clipnorm) global_scale = static_cast<float>(opt_.global_clipnorm / norm);
    }
    for_each_leaf([&](const leaf_parts& p) {
      if (!frozen_[static_cast<std::size_t>(p.top)]) update_leaf(p.weights, p.gradients, p.slots, global_scale);
    });
  }

  // One leaf's step, on its arrays: one copy for every leaf (inlined, the optimizer's loops were
  // repeated per layer type, most of a training program's -O2 time, at no speed gained).
  TSHAPE_NOINLINE void update_leaf(const detail::leaf_arrays& wa, const detail::leaf_arrays& ga,
                                   const std::array<detail::leaf_arrays, Opt::slots>& sa, float global_scale) {
    for (int j = 0; j < wa.count; ++j) {
      detail::clip_gradient(opt_, ga.data[j], ga.size[j], global_scale);
      std::array<float*, Opt::slots> slot_ptrs{};
      for (int k = 0; k < Opt::slots; ++k) slot_ptrs[k] = sa[k].data[j];
      opt_.apply(wa.data[j], ga.data[j], slot_ptrs.data(), wa.size[j], iterations_);
    }
  }

  Net* net_;
  Loss loss_;
  Opt opt_;
  detail::rng rng_;
  Net* grads_ = nullptr;
  Net* slots_ = nullptr;
  float* arena_ = nullptr;
  int capacity_ = 0;
  int last_batch_ = 0;
  std::int64_t iterations_ = 0;
  std::array<bool, layer_count> frozen_{};
  std::array<float, detail::output_count_of<Net>()> output_losses_{};
#ifndef TSHAPE_NO_HEAP
  std::unique_ptr<Net> owned_grads_;
  std::unique_ptr<std::array<Net, Opt::slots>> owned_slots_;
  std::unique_ptr<float[], detail::aligned_delete> owned_arena_;
#endif
};

namespace detail {
/// What make_trainer returns for a model that cannot train, once it has said so: every step compiles
/// and does nothing, so that the one error is the rule's and not a cascade of the code that follows.
struct failed_trainer {
  template <class... A>
  float step(const A&...) { return 0.0f; }
  template <class... A>
  float test_step(const A&...) { return 0.0f; }
  void set_trainable(std::size_t, bool) {}
  bool trainable(std::size_t) const { return false; }
  std::int64_t iterations() const { return 0; }
};
}  // namespace detail

// make_trainer reports the model's rule itself (rather than leaving it to trainer's class): an error
// in the function the user called is a few lines shorter, and it is the only one.
#ifndef TSHAPE_NO_HEAP
/// A trainer for `net` (a model or a model_ptr) with a loss and an optimizer, its memory on the heap.
template <class N, class Loss, class Opt>
auto make_trainer(N& net, Loss loss, Opt opt, std::uint64_t seed = 0) {
  auto& model = detail::model_of(net);
  using Net = std::remove_cvref_t<decltype(model)>;
  using D = typename decltype(detail::trainable_rule<Net>())::type;
  static_assert(no_error<only<error::NOT_TRAINABLE, D>>, TSHAPE_MSG_NOT_TRAINABLE);
  if constexpr (std::is_void_v<D>)
    return trainer<Net, Loss, Opt>(model, loss, opt, seed);
  else
    return detail::failed_trainer{};
}
#endif
/// A trainer whose memory is the caller's trainer_storage (no heap).
template <class N, class Loss, class Opt, int Batch>
auto make_trainer(N& net, Loss loss, Opt opt, trainer_storage<std::remove_cvref_t<decltype(detail::model_of(net))>, Opt, Batch>& storage,
                  std::uint64_t seed = 0) {
  auto& model = detail::model_of(net);
  using Net = std::remove_cvref_t<decltype(model)>;
  using D = typename decltype(detail::trainable_rule<Net>())::type;
  static_assert(no_error<only<error::NOT_TRAINABLE, D>>, TSHAPE_MSG_NOT_TRAINABLE);
  if constexpr (std::is_void_v<D>)
    return trainer<Net, Loss, Opt>(model, loss, opt, storage, seed);
  else
    return detail::failed_trainer{};
}

}  // namespace tshape
