// Bidirectional<Layer, MergeMode>: Keras' Bidirectional wrapper and its merge_mode.
//
//   Sequential<Input<100, 8>, Bidirectional<GRU<32>>, Dense<1>>                    (None, 64) -> (None, 1)
//   Sequential<Input<100, 8>, Bidirectional<LSTM<32, ReturnSequences>>, Dense<1>>  (None, 100, 64) -> ...
//   Sequential<Input<100, 8>, Bidirectional<GRU<32>, MergeMode::sum>, Dense<1>>    (None, 32) -> (None, 1)
//
// Two copies of Layer read the sequence: the forward one as Layer says, the backward one with
// go_backwards flipped. With ReturnSequences the backward outputs are first put back in the input's
// time order, as Keras does, so output t holds both directions' states at input timestep t. Then
// the merge: MergeMode::concat (Keras' default) concatenates them on the last axis, forward first;
// sum, mul and ave take their element-wise sum, product and mean (Keras' merge_mode='sum', 'mul',
// 'ave'). Keras' merge_mode=None, two outputs, is not a layer of a chain: a graph that needs both
// directions apart applies the recurrent layer and its GoBackwards twin itself.
//
// Weights, in Keras' order and names: forward_<name>/kernel, forward_<name>/recurrent_kernel,
// forward_<name>/bias, then the same for backward_<name>; forward_layer() and backward_layer() are
// the two bound layers with Keras' accessors. As in Keras, the wrapped layer takes a name of its own
// (a GRU after Bidirectional<GRU<...>> is gru_1).
//
// Training: each direction keeps its own output and saved floats, and backward takes each
// direction's share of dy through the merge (the backward half back in its own time order; for mul,
// dy times the other direction's output); dx is the sum of both.
//
// Layer must be a recurrent layer (GRU, LSTM, SimpleRNN): anything else is reported by the model
// as NOT_RECURRENT with layer_is_not_recurrent<Layer>.
#pragma once
#include <algorithm>
#include <cstddef>
#include <string_view>
#include <type_traits>

#include "../config.hpp"
#include "../shape/text.hpp"
#include "layer.hpp"
#include "recurrent.hpp"

namespace tshape {

/// How Bidirectional joins its two directions (Keras' merge_mode): concat (the default), or the
/// element-wise sum, mul (product) or ave (mean). `width` is the output's last extent in units.
struct MergeMode {
  struct concat {
    static constexpr int width = 2;
  };
  struct sum {
    static constexpr int width = 1;
  };
  struct mul {
    static constexpr int width = 1;
  };
  struct ave {
    static constexpr int width = 1;
  };
};

namespace detail {
template <class T>
struct is_merge_mode
    : std::bool_constant<std::is_same_v<T, MergeMode::concat> || std::is_same_v<T, MergeMode::sum> ||
                         std::is_same_v<T, MergeMode::mul> || std::is_same_v<T, MergeMode::ave>> {};

// The merge of the two directions and its inverse, over `steps` rows of Units per sample (one row
// without ReturnSequences). Out of line, with the steps at run time: with every extent compiled in,
// the loop over rows of a copy unrolls into kilobytes per layer and per pass.
/// y rows = merge(forward row, backward row taken from the other end of the sample's sequence).
template <int Units, class Mode>
TSHAPE_NOINLINE void join_directions(const float* f, const float* b, float* y, int batch, int steps) {
  TSHAPE_NO_UNROLL for (int n = 0; n < batch; ++n)
    TSHAPE_NO_UNROLL for (int t = 0; t < steps; ++t) {
      const std::ptrdiff_t row = static_cast<std::ptrdiff_t>(n) * steps + t;
      const std::ptrdiff_t back_row = static_cast<std::ptrdiff_t>(n) * steps + (steps - 1 - t);
      const float* fr = f + row * Units;
      const float* br = b + back_row * Units;
      float* yr = y + row * Mode::width * Units;
      if constexpr (std::is_same_v<Mode, MergeMode::concat>) {
        std::copy_n(fr, Units, yr);
        std::copy_n(br, Units, yr + Units);
      } else {
        for (int j = 0; j < Units; ++j) {
          if constexpr (std::is_same_v<Mode, MergeMode::sum>)
            yr[j] = fr[j] + br[j];
          else if constexpr (std::is_same_v<Mode, MergeMode::mul>)
            yr[j] = fr[j] * br[j];
          else
            yr[j] = (fr[j] + br[j]) / 2;
        }
      }
    }
}
/// The inverse: each direction's share of dy (f and b are the directions' outputs, which mul's
/// shares read), the backward one's rows back in its own order.
template <int Units, class Mode>
TSHAPE_NOINLINE void split_directions(const float* dy, const float* f, const float* b, float* df, float* db, int batch,
                                      int steps) {
  TSHAPE_NO_UNROLL for (int n = 0; n < batch; ++n)
    TSHAPE_NO_UNROLL for (int t = 0; t < steps; ++t) {
      const std::ptrdiff_t row = static_cast<std::ptrdiff_t>(n) * steps + t;
      const std::ptrdiff_t back_row = static_cast<std::ptrdiff_t>(n) * steps + (steps - 1 - t);
      const float* d = dy + row * Mode::width * Units;
      float* dfr = df + row * Units;
      float* dbr = db + back_row * Units;
      if constexpr (std::is_same_v<Mode, MergeMode::concat>) {
        std::copy_n(d, Units, dfr);
        std::copy_n(d + Units, Units, dbr);
      } else {
        const float* fr = f + row * Units;
        const float* br = b + back_row * Units;
        for (int j = 0; j < Units; ++j) {
          if constexpr (std::is_same_v<Mode, MergeMode::sum>) {
            dfr[j] = d[j];
            dbr[j] = d[j];
          } else if constexpr (std::is_same_v<Mode, MergeMode::mul>) {
            dfr[j] = d[j] * br[j];
            dbr[j] = d[j] * fr[j];
          } else {
            dfr[j] = d[j] / 2;
            dbr[j] = d[j] / 2;
          }
        }
      }
    }
}
}  // namespace detail

template <class Layer, class... Options>
struct Bidirectional : detail::functional_call<Bidirectional<Layer, Options...>> {
  /// void, or the option mistake the model reports (layer.hpp): an option other than a MergeMode,
  /// or two of them.
  using option_rule =
      detail::options_rule_t<error::it_takes<MergeMode::concat, MergeMode::sum, MergeMode::mul, MergeMode::ave>,
                             detail::is_merge_mode, detail::type_list<Options...>, detail::is_merge_mode>;
  using merge_mode = detail::option_t<detail::is_merge_mode, MergeMode::concat, Options...>;
  static constexpr std::string_view keras_class = "Bidirectional";
  static constexpr std::string_view keras_name = "bidirectional";
  /// The wrapped layer, for naming: it takes a name, as the layer a Keras user passes in does.
  using layers = detail::type_list<Layer>;

  template <int... D>
  static constexpr auto infer(Shape<D...> s) {
    if constexpr (!std::is_void_v<option_rule>) {
      return option_rule{};
    } else if constexpr (!is_recurrent_v<Layer>) {
      return mismatch<error::NOT_RECURRENT, error::layer_is_not_recurrent<Layer>>{};
    } else {
      using R = decltype(Layer::infer(s));
      if constexpr (is_shape_v<R>)
        return replace_extent_t<R, -1, merge_mode::width * last_extent_v<R>>{};
      else
        return R{};
    }
  }

  template <class In>
  class bind {
    using forward_type = typename Layer::template bind<In>;
    using backward_type = typename Layer::reversed::template bind<In>;
    using half_shape = typename forward_type::output_shape;
    static constexpr int U = Layer::units;
    static constexpr int T = In::extents[0];
    static constexpr std::size_t half_floats(int batch) {
      return kernels::recurrent::detail::round_floats(static_cast<std::size_t>(detail::sample_size<half_shape>) *
                                                      static_cast<std::size_t>(batch));
    }

   public:
    using input_shape = In;
    using output_shape = replace_extent_t<half_shape, -1, merge_mode::width * U>;
    static constexpr long long param_count = forward_type::param_count + backward_type::param_count;
    static constexpr long long non_trainable_count = 0;
    static constexpr std::size_t scratch_floats(int batch) {
      return 2 * half_floats(batch) + std::max(forward_type::scratch_floats(batch), backward_type::scratch_floats(batch));
    }

    forward_type& forward_layer() { return forward_; }
    const forward_type& forward_layer() const { return forward_; }
    backward_type& backward_layer() { return backward_; }
    const backward_type& backward_layer() const { return backward_; }

    void forward(const float* x, float* y, int batch, float* scratch) const {
      float* f = scratch;
      float* b = f + half_floats(batch);
      float* rest = b + half_floats(batch);
      forward_.forward(x, f, batch, rest);
      backward_.forward(x, b, batch, rest);
      merge(f, b, y, batch);
    }

    // ---- Training: each direction's own passes, the outputs split and merged as forward() does. ----
    // saved: both directions' outputs, then each one's saved floats. Backward's scratch: both halves
    // of dy, the backward direction's dx, then the directions' own scratch.
    static constexpr std::size_t saved_floats(int batch) {
      return 2 * half_floats(batch) + round(detail::saved_floats_of<forward_type>(batch)) +
             round(detail::saved_floats_of<backward_type>(batch));
    }
    static constexpr std::size_t backward_scratch_floats(int batch) {
      return 2 * half_floats(batch) + round(static_cast<std::size_t>(batch) * detail::sample_size<In>) +
             std::max({forward_type::scratch_floats(batch), backward_type::scratch_floats(batch),
                       detail::backward_scratch_of<forward_type>(batch), detail::backward_scratch_of<backward_type>(batch)});
    }

    void forward_train(const float* x, float* y, int batch, float* saved, float* scratch, const train_context& ctx) {
      float* f = saved;
      float* b = f + half_floats(batch);
      float* fs = b + half_floats(batch);
      float* bs = fs + round(detail::saved_floats_of<forward_type>(batch));
      detail::forward_train_of(forward_, x, f, batch, fs, scratch, ctx);
      detail::forward_train_of(backward_, x, b, batch, bs, scratch, ctx);
      merge(f, b, y, batch);
    }
    void backward(const float* x, const float*, const float* dy, float* dx, int batch, const float* saved, float* scratch,
                  bind& grad, const train_context& ctx) const {
      const float* f = saved;
      const float* b = f + half_floats(batch);
      const float* fs = b + half_floats(batch);
      const float* bs = fs + round(detail::saved_floats_of<forward_type>(batch));
      float* df = scratch;
      float* db = df + half_floats(batch);
      float* dx_back = db + half_floats(batch);
      float* rest = dx_back + round(static_cast<std::size_t>(batch) * detail::sample_size<In>);
      detail::split_directions<U, merge_mode>(dy, f, b, df, db, batch, steps);
      forward_.backward(x, f, df, dx, batch, fs, rest, grad.forward_, ctx);
      backward_.backward(x, b, db, dx ? dx_back : nullptr, batch, bs, rest, grad.backward_, ctx);
      if (dx)
        for (std::ptrdiff_t i = 0; i < static_cast<std::ptrdiff_t>(batch) * detail::sample_size<In>; ++i) dx[i] += dx_back[i];
    }

    /// f(weight name, view) in get_weights() order; `wrapped_name` is the name the wrapped layer
    /// took in the model (gru_1 after another GRU), which weights(net) passes in.
    template <class F>
    constexpr void for_each_weight(F&& f, std::string_view wrapped_name = Layer::keras_name) {
      each_weight(*this, f, wrapped_name);
    }
    template <class F>
    constexpr void for_each_weight(F&& f, std::string_view wrapped_name = Layer::keras_name) const {
      each_weight(*this, f, wrapped_name);
    }
    template <class R>
    void initialize(R& r) {
      forward_.initialize(r);
      backward_.initialize(r);
    }

   private:
    static constexpr std::size_t round(std::size_t n) { return kernels::recurrent::detail::round_floats(n); }
    // Rows of U units: one per sample, or per sample and timestep. Keras reverses the backward
    // layer's sequence in time before the merge (whatever the wrapped layer's go_backwards).
    static constexpr int steps = half_shape::rank == 2 ? T : 1;
    static void merge(const float* f, const float* b, float* y, int batch) {
      detail::join_directions<U, merge_mode>(f, b, y, batch, steps);
    }

    template <class Self, class F>
    static constexpr void each_weight(Self& self, F& f, std::string_view wrapped_name) {
      static_text<64> name;
      auto named = [&](std::string_view direction) {
        return [&, direction](std::string_view weight, auto view) {
          name = static_text<64>(direction);
          name.append(wrapped_name).append("/").append(weight);
          f(name.view(), view);
        };
      };
      self.forward_.for_each_weight(named("forward_"));
      self.backward_.for_each_weight(named("backward_"));
    }

    forward_type forward_;
    backward_type backward_;
  };
};

}  // namespace tshape
