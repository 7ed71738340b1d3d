// MultiHeadAttention<NumHeads, KeyDim, Options...>: Keras' MultiHeadAttention(num_heads, key_dim) as
// self-attention: query = value = key = the layer's input, one sample of shape (T, d_model), and the
// output has the input's shape (Keras' default output_shape: the query's last axis).
//
//   q = x . Wq + bq   (T, heads, key_dim), then scaled by 1 / sqrt(key_dim)
//   k = x . Wk + bk   (T, heads, key_dim)
//   v = x . Wv + bv   (T, heads, value_dim)
//   per head: probs = softmax over keys of q . k^T (UseCausalMask: query i sees keys j <= i only),
//             o = probs . v
//   y = o . Wo + bo   (T, d_model), Wo contracting heads and value_dim
//
// Weights in Keras' layout and get_weights() order: query/kernel (d_model, heads, key_dim), query/bias
// (heads, key_dim), key/kernel, key/bias (the same), value/kernel (d_model, heads, value_dim),
// value/bias (heads, value_dim), attention_output/kernel (heads, value_dim, d_model),
// attention_output/bias (d_model); glorot_uniform kernels (fans as Keras computes them for these
// shapes) and zero biases.
//
// Options, in any order: ValueDim<N> (default key_dim), UseCausalMask (Keras' call(...,
// use_causal_mask=True); default off), UseBias<false> (no biases). Not supported: dropout, attention
// masks from data, output_shape, attention_axes, and cross-attention (query and value from different
// tensors).
#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string_view>
#include <type_traits>

#include "../kernels/attention/attention.hpp"
#include "../kernels/gemm/gemm.hpp"
#include "../kernels/gemm/transposed.hpp"
#include "layer.hpp"

namespace tshape {

/// Option: the depth of each head's values (Keras' value_dim; default key_dim).
template <int N>
struct ValueDim {
  static constexpr int value = N;
};
/// Option: each query attends only to itself and the keys before it (Keras' use_causal_mask=True).
struct UseCausalMask {};

namespace detail {
template <class T>
struct is_value_dim : std::false_type {};
template <int N>
struct is_value_dim<ValueDim<N>> : std::true_type {};
template <class T>
struct is_causal_mask : std::is_same<T, UseCausalMask> {};
template <class O>
struct attention_takes : std::bool_constant<is_value_dim<O>::value || is_causal_mask<O>::value || is_use_bias<O>::value> {};
}  // namespace detail

template <int NumHeads, int KeyDim, class... Options>
struct MultiHeadAttention : detail::functional_call<MultiHeadAttention<NumHeads, KeyDim, Options...>> {
  static constexpr int num_heads = NumHeads;
  static constexpr int key_dim = KeyDim;
  static constexpr int value_dim = detail::option_t<detail::is_value_dim, ValueDim<KeyDim>, Options...>::value;
  static constexpr bool causal = detail::count_options<detail::is_causal_mask, Options...> > 0;
  static constexpr bool use_bias = detail::option_t<detail::is_use_bias, UseBias<true>, Options...>::value;

  using options_mistake =
      detail::options_rule_t<error::it_takes<ValueDim<1>, UseCausalMask, UseBias<false>>, detail::attention_takes,
                             detail::type_list<Options...>, detail::is_value_dim, detail::is_causal_mask,
                             detail::is_use_bias>;
  /// void, or the option mistake the model reports (layer.hpp).
  using option_rule = std::conditional_t<
      !std::is_void_v<options_mistake>, options_mistake,
      std::conditional_t<(NumHeads <= 0 || KeyDim <= 0 || value_dim <= 0),
                         mismatch<error::BAD_OPTION_VALUE, error::num_heads<NumHeads>, error::key_dim<KeyDim>,
                                  error::value_dim<value_dim>>,
                         void>>;
  static constexpr std::string_view keras_class = "MultiHeadAttention";
  static constexpr std::string_view keras_name = "multi_head_attention";

  /// Self-attention over one sample of (T, d_model): the output has the input's shape.
  template <int... D>
  static constexpr auto infer(Shape<D...> s) {
    if constexpr (!std::is_void_v<option_rule>)
      return option_rule{};
    else if constexpr (sizeof...(D) != 2)
      return mismatch<error::WRONG_RANK, error::expected_rank<2>, error::got<Shape<D...>>,
                      error::attends_over_timesteps_of_feature_vectors>{};
    else
      return s;
  }

  template <class In>
  class bind {
    static constexpr int T = In::extents[0];
    static constexpr int D = In::extents[1];
    static constexpr int H = NumHeads, Kd = KeyDim, Vd = value_dim;
    static constexpr int HK = H * Kd, HV = H * Vd;
    static constexpr std::ptrdiff_t proj_k = static_cast<std::ptrdiff_t>(T) * HK;  // per sample
    static constexpr std::ptrdiff_t proj_v = static_cast<std::ptrdiff_t>(T) * HV;
    static constexpr std::ptrdiff_t probs_per_sample = static_cast<std::ptrdiff_t>(H) * T * T;
    // One head's working arrays in forward: q, k (T x Kd), v, o (T x Vd), probs (T x T).
    static constexpr std::size_t head_floats = 2 * T * Kd + 2 * T * Vd + T * T;
    // ... and in backward: q, k, dq, dk; v, dout, dv; dprobs.
    static constexpr std::size_t head_backward_floats = 4 * T * Kd + 3 * T * Vd + T * T;
    struct none {};
    template <class S>
    using bias_t = std::conditional_t<use_bias, Tensor<float, S>, none>;

   public:
    using input_shape = In;
    using output_shape = In;
    static constexpr long long param_count = 2LL * (D * HK + (use_bias ? HK : 0)) + (1LL * D * HV + (use_bias ? HV : 0)) +
                                             (1LL * HV * D + (use_bias ? D : 0));
    static constexpr long long non_trainable_count = 0;
    /// The projections q, k, v and the heads' outputs o for the batch, then one head's arrays.
    static constexpr std::size_t scratch_floats(int batch) {
      return static_cast<std::size_t>(batch) * static_cast<std::size_t>(2 * proj_k + 2 * proj_v) + head_floats;
    }
    /// Kept from forward_train: q (scaled), k, v, o and every head's probs.
    static constexpr std::size_t saved_floats(int batch) {
      return static_cast<std::size_t>(batch) * static_cast<std::size_t>(2 * proj_k + 2 * proj_v + probs_per_sample);
    }
    /// dO, dq, dk, dv for the batch, then one head's arrays.
    static constexpr std::size_t backward_scratch_floats(int batch) {
      return static_cast<std::size_t>(batch) * static_cast<std::size_t>(2 * proj_k + 2 * proj_v) + head_backward_floats;
    }

    constexpr TensorView<float, Shape<D, H, Kd>> query_kernel() { return wq_.view(); }
    constexpr TensorView<const float, Shape<D, H, Kd>> query_kernel() const { return wq_.view(); }
    constexpr TensorView<float, Shape<D, H, Kd>> key_kernel() { return wk_.view(); }
    constexpr TensorView<const float, Shape<D, H, Kd>> key_kernel() const { return wk_.view(); }
    constexpr TensorView<float, Shape<D, H, Vd>> value_kernel() { return wv_.view(); }
    constexpr TensorView<const float, Shape<D, H, Vd>> value_kernel() const { return wv_.view(); }
    constexpr TensorView<float, Shape<H, Vd, D>> output_kernel() { return wo_.view(); }
    constexpr TensorView<const float, Shape<H, Vd, D>> output_kernel() const { return wo_.view(); }
    constexpr TensorView<float, Shape<H, Kd>> query_bias() requires use_bias { return bq_.view(); }
    constexpr TensorView<const float, Shape<H, Kd>> query_bias() const requires use_bias { return bq_.view(); }
    constexpr TensorView<float, Shape<H, Kd>> key_bias() requires use_bias { return bk_.view(); }
    constexpr TensorView<const float, Shape<H, Kd>> key_bias() const requires use_bias { return bk_.view(); }
    constexpr TensorView<float, Shape<H, Vd>> value_bias() requires use_bias { return bv_.view(); }
    constexpr TensorView<const float, Shape<H, Vd>> value_bias() const requires use_bias { return bv_.view(); }
    constexpr TensorView<float, Shape<D>> output_bias() requires use_bias { return bo_.view(); }
    constexpr TensorView<const float, Shape<D>> output_bias() const requires use_bias { return bo_.view(); }

    void forward(const float* x, float* y, int batch, float* scratch) const {
      const std::ptrdiff_t n = batch;
      float* q = scratch;
      float* k = q + n * proj_k;
      float* v = k + n * proj_k;
      float* o = v + n * proj_v;
      run(x, y, batch, q, k, v, o, nullptr, o + n * proj_v);
    }

    void forward_train(const float* x, float* y, int batch, float* saved, float* scratch, const train_context&) const {
      const std::ptrdiff_t n = batch;
      float* q = saved;
      float* k = q + n * proj_k;
      float* v = k + n * proj_k;
      float* o = v + n * proj_v;
      float* probs = o + n * proj_v;
      run(x, y, batch, q, k, v, o, probs, scratch);
    }

    void backward(const float* x, const float*, const float* dy, float* dx, int batch, const float* saved,
                  float* scratch, bind& grad, const train_context& ctx) const {
      if (batch <= 0) return;
      const std::ptrdiff_t n = batch;
      const int rows = batch * T;
      const float* q = saved;
      const float* k = q + n * proj_k;
      const float* v = k + n * proj_k;
      const float* o = v + n * proj_v;
      const float* probs = o + n * proj_v;
      float* d_o = scratch;
      float* dq = d_o + n * proj_v;
      float* dk = dq + n * proj_k;
      float* dv = dk + n * proj_k;
      float* hw = dv + n * proj_v;
      float* qh = hw;
      float* kh = qh + T * Kd;
      float* dqh = kh + T * Kd;
      float* dkh = dqh + T * Kd;
      float* vh = dkh + T * Kd;
      float* doh = vh + T * Vd;
      float* dvh = doh + T * Vd;
      float* dprobs = dvh + T * Vd;

      // The output projection: dWo += o^T . dy, dbo += sums of dy, dO = dy . Wo^T.
      if (ctx.trainable) {
        kernels::gemm::gemm_tn(HV, D, rows, o, dy, grad.wo_.data());
        if constexpr (use_bias) kernels::gemm::add_column_sums(rows, D, dy, grad.bo_.data());
      }
      std::fill_n(d_o, n * proj_v, 0.0f);
      kernels::gemm::gemm_nt(rows, HV, D, dy, wo_.data(), d_o);

      // Each head of each sample, through the attention.
      const float scale = 1.0f / std::sqrt(static_cast<float>(Kd));
      for (int b = 0; b < batch; ++b)
        for (int h = 0; h < H; ++h) {
          gather(q, b, h, Kd, qh);
          gather(k, b, h, Kd, kh);
          gather(v, b, h, Vd, vh);
          gather(d_o, b, h, Vd, doh);
          kernels::attention::head_backward(T, T, Kd, Vd, qh, kh, vh, probs + (static_cast<std::ptrdiff_t>(b) * H + h) * T * T,
                                            doh, dprobs, dqh, dkh, dvh);
          for (int i = 0; i < T * Kd; ++i) dqh[i] *= scale;  // q was scaled after its projection
          scatter(dqh, b, h, Kd, dq);
          scatter(dkh, b, h, Kd, dk);
          scatter(dvh, b, h, Vd, dv);
        }

      // The input projections.
      if (ctx.trainable) {
        kernels::gemm::gemm_tn(D, HK, rows, x, dq, grad.wq_.data());
        kernels::gemm::gemm_tn(D, HK, rows, x, dk, grad.wk_.data());
        kernels::gemm::gemm_tn(D, HV, rows, x, dv, grad.wv_.data());
        if constexpr (use_bias) {
          kernels::gemm::add_column_sums(rows, HK, dq, grad.bq_.data());
          kernels::gemm::add_column_sums(rows, HK, dk, grad.bk_.data());
          kernels::gemm::add_column_sums(rows, HV, dv, grad.bv_.data());
        }
      }
      if (dx) {
        std::fill_n(dx, static_cast<std::ptrdiff_t>(rows) * D, 0.0f);
        kernels::gemm::gemm_nt(rows, D, HK, dq, wq_.data(), dx);
        kernels::gemm::gemm_nt(rows, D, HK, dk, wk_.data(), dx);
        kernels::gemm::gemm_nt(rows, D, HV, dv, wv_.data(), dx);
      }
    }

    template <class F>
    constexpr void for_each_weight(F&& f) {
      visit_weights(*this, f);
    }
    template <class F>
    constexpr void for_each_weight(F&& f) const {
      visit_weights(*this, f);
    }
    /// Keras' glorot_uniform for each kernel, its fans as Keras computes them for a rank-3 kernel
    /// (receptive field = the first axis), and zero biases.
    template <class R>
    void initialize(R& rng) {
      detail::glorot_uniform(wq_.view(), 1.0 * H * D, 1.0 * Kd * D, rng);
      detail::glorot_uniform(wk_.view(), 1.0 * H * D, 1.0 * Kd * D, rng);
      detail::glorot_uniform(wv_.view(), 1.0 * H * D, 1.0 * Vd * D, rng);
      detail::glorot_uniform(wo_.view(), 1.0 * Vd * H, 1.0 * D * H, rng);
      if constexpr (use_bias) {
        bq_.fill(0.0f);
        bk_.fill(0.0f);
        bv_.fill(0.0f);
        bo_.fill(0.0f);
      }
    }

   private:
    template <class Self, class F>
    static constexpr void visit_weights(Self& self, F& f) {
      f("query/kernel", self.wq_.view());
      if constexpr (use_bias) f("query/bias", self.bq_.view());
      f("key/kernel", self.wk_.view());
      if constexpr (use_bias) f("key/bias", self.bk_.view());
      f("value/kernel", self.wv_.view());
      if constexpr (use_bias) f("value/bias", self.bv_.view());
      f("attention_output/kernel", self.wo_.view());
      if constexpr (use_bias) f("attention_output/bias", self.bo_.view());
    }

    template <class B>
    static const float* bias_ptr(const B& b) {
      if constexpr (use_bias) return b.data();
      else return nullptr;
    }

    // Head h of sample b, from rows of `width` per head (T x H x width) into a contiguous T x width.
    static void gather(const float* all, int b, int h, int width, float* head) {
      const float* src = all + static_cast<std::ptrdiff_t>(b) * T * H * width + static_cast<std::ptrdiff_t>(h) * width;
      for (int t = 0; t < T; ++t) std::copy_n(src + static_cast<std::ptrdiff_t>(t) * H * width, width, head + t * width);
    }
    static void scatter(const float* head, int b, int h, int width, float* all) {
      float* dst = all + static_cast<std::ptrdiff_t>(b) * T * H * width + static_cast<std::ptrdiff_t>(h) * width;
      for (int t = 0; t < T; ++t) std::copy_n(head + t * width, width, dst + static_cast<std::ptrdiff_t>(t) * H * width);
    }

    // The pass: projections into q, k, v (batch x T x heads x depth), each head's attention into o,
    // and the output projection. probs (every head's, for backward) or null: one head's at a time in work.
    void run(const float* x, float* y, int batch, float* q, float* k, float* v, float* o, float* probs,
             float* work) const {
      if (batch <= 0) return;
      const int rows = batch * T;
      kernels::gemm::dense<HK, D>(rows, x, wq_.data(), bias_ptr(bq_), q, kernels::activation::linear{});
      kernels::gemm::dense<HK, D>(rows, x, wk_.data(), bias_ptr(bk_), k, kernels::activation::linear{});
      kernels::gemm::dense<HV, D>(rows, x, wv_.data(), bias_ptr(bv_), v, kernels::activation::linear{});
      const float scale = 1.0f / std::sqrt(static_cast<float>(Kd));
      for (std::ptrdiff_t i = 0; i < static_cast<std::ptrdiff_t>(rows) * HK; ++i) q[i] *= scale;
      float* qh = work;
      float* kh = qh + T * Kd;
      float* vh = kh + T * Kd;
      float* oh = vh + T * Vd;
      float* ph = oh + T * Vd;
      for (int b = 0; b < batch; ++b)
        for (int h = 0; h < H; ++h) {
          gather(q, b, h, Kd, qh);
          gather(k, b, h, Kd, kh);
          gather(v, b, h, Vd, vh);
          float* p = probs ? probs + (static_cast<std::ptrdiff_t>(b) * H + h) * T * T : ph;
          kernels::attention::head_forward(T, T, Kd, Vd, qh, kh, vh, causal, p, oh);
          scatter(oh, b, h, Vd, o);
        }
      kernels::gemm::dense<D, HV>(rows, o, wo_.data(), bias_ptr(bo_), y, kernels::activation::linear{});
    }

    Tensor<float, Shape<D, H, Kd>> wq_;
    Tensor<float, Shape<D, H, Kd>> wk_;
    Tensor<float, Shape<D, H, Vd>> wv_;
    Tensor<float, Shape<H, Vd, D>> wo_;
    [[no_unique_address]] bias_t<Shape<H, Kd>> bq_;
    [[no_unique_address]] bias_t<Shape<H, Kd>> bk_;
    [[no_unique_address]] bias_t<Shape<H, Vd>> bv_;
    [[no_unique_address]] bias_t<Shape<D>> bo_;
  };
};

}  // namespace tshape
