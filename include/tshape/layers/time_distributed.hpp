// TimeDistributed<Layer>: Keras' TimeDistributed wrapper, one layer applied to every timestep.
//
//   Sequential<Input<10, 16>, TimeDistributed<Dense<8, ReLU>>>                   (None, 10, 16) -> (None, 10, 8)
//   Sequential<Input<6, 32, 32, 3>, TimeDistributed<Conv2D<8, Kernel<3, 3>>>,    video: (None, 6, 32, 32, 3)
//              TimeDistributed<MaxPooling2D<>>, TimeDistributed<Flatten>>        -> (None, 6, 1800)
//
// A sample (T, ...) is T timesteps of shape (...), and Layer is bound to one timestep's shape with one
// set of weights for all of them. The batch of N samples is, in memory, a batch of N*T timesteps, so
// the wrapped layer runs once on N*T rows: no copy, no loop over time. Its batch statistics
// (BatchNormalization in training) are over all N*T timesteps and Dropout draws a mask for every one,
// as in Keras, which reshapes to (N*T, ...) the same way.
//
// Weights: the wrapped layer's arrays, named as tf.keras 2 names them, under the wrapper's name
// (time_distributed/kernel, time_distributed/bias), in the wrapped layer's order; layer() is the bound
// wrapped layer with Keras' accessors (layer<0>(net).layer().kernel()). As in Keras, the wrapped
// layer takes a name of its own (a Dense after TimeDistributed<Dense<...>> is dense_1), and the summary
// row is `time_distributed (TimeDistributed)` with the wrapped layer's parameters.
//
// In a stream (make_stream: one timestep at a time), it runs each frame through the wrapped layer.
//
// Rules: Layer takes one input (not a merge: BAD_OPTION_VALUE, wraps_a_layer_of_one_input<Add>); a
// sample has a time axis and at least one more (rank >= 2), else WRONG_RANK with
// expected_rank_at_least<2>; a timestep's shape that the wrapped layer cannot take is the wrapped
// layer's own diagnosis (Conv2D's expected_rank<3> on frames of (28, 28)), reported at the wrapper with
// each_timestep_of<None, T, ...> naming the whole sample, and a Reshape it suggests put back around
// the time axis (Reshape<T, 28, 28, 1>).
#pragma once
#include <cstddef>
#include <string_view>
#include <type_traits>

#include "layer.hpp"

namespace tshape {

namespace error {
/// The sample whose every timestep the wrapped layer of a TimeDistributed is given.
template <auto... D>
struct each_timestep_of {};
/// A TimeDistributed given a merge layer (Add, Concatenate, ...): it wraps a layer of one input.
template <class Layer>
struct wraps_a_layer_of_one_input {};
}  // namespace error

namespace detail {

/// A diagnosis detail of the wrapped layer, seen from the wrapper: a suggested Reshape of one timestep
/// becomes the Reshape of the whole sample (the time axis T in front).
template <int T, class Detail>
struct over_time {
  using type = Detail;
};
template <int T, int... D>
struct over_time<T, error::fix_with_layer_before_it<Reshape<D...>>> {
  using type = error::fix_with_layer_before_it<Reshape<T, D...>>;
};

template <class M>
struct is_option_mistake : std::false_type {};
template <class... D>
struct is_option_mistake<mismatch<error::UNKNOWN_OPTION, D...>> : std::true_type {};
template <class... D>
struct is_option_mistake<mismatch<error::REPEATED_OPTION, D...>> : std::true_type {};
template <class... D>
struct is_option_mistake<mismatch<error::BAD_OPTION_VALUE, D...>> : std::true_type {};

/// The wrapped layer's mismatch M on one timestep of sample S, as the wrapper reports it. An option
/// mistake is the wrapped layer's whatever the input, so it is passed on as it is.
template <class S, class M>
struct timestep_mismatch {
  using type = M;
};
template <int T, int... D, template <class...> class Kind, class... Details>
  requires(!is_option_mistake<mismatch<Kind, Details...>>::value)
struct timestep_mismatch<Shape<T, D...>, mismatch<Kind, Details...>> {
  using type = mismatch<Kind, error::each_timestep_of<error::None, error::extent<T>, error::extent<D>...>,
                        typename over_time<T, Details>::type...>;
};

/// The wrapped layer's fused activation (Dense<10, Softmax>), when it has one: what a cross-entropy
/// on the model's output looks at.
template <class Layer>
struct wrapped_activation {};
template <class Layer>
  requires requires { typename Layer::activation; }
struct wrapped_activation<Layer> {
  using activation = typename Layer::activation;
};

}  // namespace detail

template <class Layer>
struct TimeDistributed : detail::functional_call<TimeDistributed<Layer>>, detail::wrapped_activation<Layer> {
  static constexpr std::string_view keras_class = "TimeDistributed";
  static constexpr std::string_view keras_name = "time_distributed";
  /// The wrapped layer, for naming: it takes a name, as the layer a Keras user passes in does.
  using layers = detail::type_list<Layer>;

  template <int... D>
  static constexpr auto infer(Shape<D...>) {
    if constexpr (requires { Layer::is_merge; }) {
      return mismatch<error::BAD_OPTION_VALUE, error::wraps_a_layer_of_one_input<Layer>>{};
    } else if constexpr (requires { Layer::takes_token_ids; }) {  // its timesteps would be float bits
      return mismatch<error::BAD_OPTION_VALUE, error::embeds_every_id_without_TimeDistributed<Layer>>{};
    } else if constexpr (sizeof...(D) < 2) {
      return mismatch<error::WRONG_RANK, error::expected_rank_at_least<2>, error::got<Shape<D...>>>{};
    } else if constexpr (!requires { Layer::infer(drop_front_t<Shape<D...>>{}); }) {
      return mismatch<error::NOT_A_LAYER>{};
    } else {
      using S = Shape<D...>;
      using R = decltype(Layer::infer(drop_front_t<S>{}));
      if constexpr (is_shape_v<R>)
        return prepend_t<S::extents[0], R>{};
      else
        return typename detail::timestep_mismatch<S, R>::type{};
    }
  }

  template <class In>
  class bind {
    static constexpr int T = In::extents[0];
    using step_shape = drop_front_t<In>;
    using inner_type = typename Layer::template bind<step_shape>;
    // The wrapped layer's batch: N samples are N*T timesteps, back to back.
    static constexpr int steps(int batch) { return batch * T; }

   public:
    using input_shape = In;
    using output_shape = prepend_t<T, typename inner_type::output_shape>;
    static constexpr long long param_count = inner_type::param_count;
    static constexpr long long non_trainable_count = inner_type::non_trainable_count;
    static constexpr std::size_t scratch_floats(int batch) { return inner_type::scratch_floats(steps(batch)); }

    /// The bound wrapped layer (Keras' TimeDistributed.layer), with its own accessors.
    constexpr inner_type& layer() { return inner_; }
    constexpr const inner_type& layer() const { return inner_; }

    void forward(const float* x, float* y, int batch, float* scratch) const { inner_.forward(x, y, steps(batch), scratch); }

    /// A stream's step (model/stream.hpp): `frames` timesteps, one per stream, each through the
    /// wrapped layer, with frame_scratch_floats(frames) floats of scratch. A video's frames through
    /// Conv2D, pooling and a Dense, frame by frame, with an LSTM after them, for instance.
    static constexpr std::size_t frame_scratch_floats(int frames) { return inner_type::scratch_floats(frames); }
    void forward_frames(const float* x, float* y, int frames, float* scratch) const { inner_.forward(x, y, frames, scratch); }

    // ---- Training: the wrapped layer's own, over N*T timesteps. ----
    static constexpr std::size_t saved_floats(int batch) { return detail::saved_floats_of<inner_type>(steps(batch)); }
    static constexpr std::size_t backward_scratch_floats(int batch) {
      return detail::backward_scratch_of<inner_type>(steps(batch));
    }
    void forward_train(const float* x, float* y, int batch, float* saved, float* scratch, const train_context& ctx) {
      detail::forward_train_of(inner_, x, y, steps(batch), saved, scratch, ctx);
    }
    void backward(const float* x, const float* y, const float* dy, float* dx, int batch, const float* saved, float* scratch,
                  bind& grad, const train_context& ctx) const
      requires detail::has_backward<inner_type>
    {
      inner_.backward(x, y, dy, dx, steps(batch), saved, scratch, grad.inner_, ctx);
    }
    static constexpr bool has_logits = [] {
      if constexpr (requires { inner_type::has_logits; })
        return inner_type::has_logits;
      else
        return false;
    }();
    const float* logits(const float* saved) const
      requires has_logits
    {
      return inner_.logits(saved);
    }

    template <class F>
    constexpr void for_each_weight(F&& f) {
      inner_.for_each_weight(f);
    }
    template <class F>
    constexpr void for_each_weight(F&& f) const {
      inner_.for_each_weight(f);
    }
    template <class F>
    void for_each_trainable(F&& f) {
      detail::for_each_trainable_of(inner_, f);
    }
    template <class R>
    void initialize(R& r) {
      inner_.initialize(r);
    }

   private:
    inner_type inner_;
  };
};

}  // namespace tshape
