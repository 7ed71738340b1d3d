// MultiHeadAttention<NumHeads, KeyDim, Options...>: Keras' MultiHeadAttention(num_heads, key_dim).
// As a layer of one input (a Sequential, or one functional tensor) it is self-attention: query =
// value = key = the input, one sample of shape (T, d_model), and the output has the input's shape
// (Keras' default output_shape: the query's last axis). On two functional tensors, layer(query,
// value) is Keras' call(query, value): cross-attention, the key being the value; the two may differ
// in timesteps and depth, and the output has the query's shape.
//
//   q = query . Wq + bq   (Tq, heads, key_dim), then scaled by 1 / sqrt(key_dim)
//   k = value . Wk + bk   (Tv, heads, key_dim)
//   v = value . Wv + bv   (Tv, heads, value_dim)
//   per head: probs = softmax over keys of q . k^T (UseCausalMask: query i sees keys j <= i only),
//             o = probs . v
//   y = o . Wo + bo       (Tq, query depth), Wo contracting heads and value_dim
//
// Weights in Keras' layout and get_weights() order: query/kernel (query depth, heads, key_dim),
// query/bias (heads, key_dim), key/kernel (value depth, heads, key_dim), key/bias, value/kernel
// (value depth, heads, value_dim), value/bias (heads, value_dim), attention_output/kernel (heads,
// value_dim, query depth), attention_output/bias (query depth); glorot_uniform kernels (fans as Keras
// computes them for these shapes) and zero biases.
//
// Options, in any order: ValueDim<N> (default key_dim), UseCausalMask (Keras' call(...,
// use_causal_mask=True); default off), UseBias<false> (no biases), ReturnAttentionScores (Keras'
// call(..., return_attention_scores=True)). Not supported: dropout, attention masks from data,
// output_shape, attention_axes, and a key apart from the value.
//
// Attention scores. With ReturnAttentionScores, a call on functional tensors gives two:
//   auto [out, scores] = MultiHeadAttention<2, 16, ReturnAttentionScores>{}(query, value);  // or (x)
// out as without the option, scores (heads, Tq, Tk) per sample: every head's softmax weights, 0 where
// the causal mask hides a key. A node of the graph has one output, so the layer's node computes both
// into one packed vector per sample, [out | scores], and two weightless nodes (AttentionOutput,
// AttentionScores in the summary) give each its shape; the weights are the layer's, named and
// ordered as without the option. Both train: the scores' gradient flows back through the softmax. In
// a Sequential (one tensor between layers) the option is an INVALID_OPTION error.
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
/// Option: the layer also gives every head's attention weights (Keras' return_attention_scores=True);
/// functional models only: `auto [out, scores] = MultiHeadAttention<2, 16, ReturnAttentionScores>{}(q, v);`.
struct ReturnAttentionScores {};

namespace detail {
template <class T>
struct is_value_dim : std::false_type {};
template <int N>
struct is_value_dim<ValueDim<N>> : std::true_type {};
template <class T>
struct is_causal_mask : std::is_same<T, UseCausalMask> {};
template <class T>
struct is_return_scores : std::is_same<T, ReturnAttentionScores> {};
template <class O>
struct attention_takes : std::bool_constant<is_value_dim<O>::value || is_causal_mask<O>::value || is_use_bias<O>::value ||
                                            is_return_scores<O>::value> {};
/// MultiHeadAttention applied to two tensors (query, value) of a functional model: a layer of two
/// inputs (defined below the layer).
template <class M>
struct cross_attention;
/// MultiHeadAttention with ReturnAttentionScores: its node computes [output | scores] per sample, on
/// one tensor (self-attention) or two (Cross: query, value); defined below the layer.
template <class M, bool Cross>
struct attention_and_scores;
/// One of the two parts of that packed vector (Packed floats per sample), as a tensor of shape Part:
/// a weightless node.
template <bool Scores, int Offset, class Part, int Packed>
struct attention_part;
/// The shape of one sample of a functional tensor, as the graph will infer it (or a mismatch).
template <class N>
struct tensor_shape;
template <class Out, class Scores>
struct attention_outputs;
}  // namespace detail

namespace error {
/// The detail of ReturnAttentionScores in a Sequential: the layer gives two tensors.
struct return_attention_scores_gives_two_tensors_so_the_layer_goes_in_a_functional_model {};
}  // namespace error

template <int NumHeads, int KeyDim, class... Options>
struct MultiHeadAttention : detail::functional_call<MultiHeadAttention<NumHeads, KeyDim, Options...>> {
  static constexpr int num_heads = NumHeads;
  static constexpr int key_dim = KeyDim;
  static constexpr int value_dim = detail::option_t<detail::is_value_dim, ValueDim<KeyDim>, Options...>::value;
  static constexpr bool causal = detail::count_options<detail::is_causal_mask, Options...> > 0;
  static constexpr bool use_bias = detail::option_t<detail::is_use_bias, UseBias<true>, Options...>::value;
  static constexpr bool return_scores = detail::count_options<detail::is_return_scores, Options...> > 0;

  using options_mistake =
      detail::options_rule_t<error::it_takes<ValueDim<1>, UseCausalMask, UseBias<false>, ReturnAttentionScores>,
                             detail::attention_takes, detail::type_list<Options...>, detail::is_value_dim,
                             detail::is_causal_mask, detail::is_use_bias, detail::is_return_scores>;
  /// void, or the option mistake the model reports (layer.hpp).
  using option_rule = std::conditional_t<
      !std::is_void_v<options_mistake>, options_mistake,
      std::conditional_t<(NumHeads <= 0 || KeyDim <= 0 || value_dim <= 0),
                         mismatch<error::BAD_OPTION_VALUE, error::num_heads<NumHeads>, error::key_dim<KeyDim>,
                                  error::value_dim<value_dim>>,
                         void>>;
  static constexpr std::string_view keras_class = "MultiHeadAttention";
  static constexpr std::string_view keras_name = "multi_head_attention";

  /// On one functional tensor: self-attention, as in a Sequential.
  using detail::functional_call<MultiHeadAttention>::operator();
  /// ... and with ReturnAttentionScores, the output and the scores: `auto [out, scores] = mha(x);`.
  template <class X>
    requires(detail::is_symbolic_v<X> && return_scores)
  constexpr auto operator()(const X&) const {
    return scores_call<Node<detail::attention_and_scores<MultiHeadAttention, false>, X>, X, X>();
  }
  /// On two: Keras' layer(query, value), cross-attention (the key is the value); with
  /// ReturnAttentionScores, the output and the scores.
  template <class Q, class V>
    requires(detail::is_symbolic_v<Q> && detail::is_symbolic_v<V>)
  constexpr auto operator()(const Q&, const V&) const {
    if constexpr (return_scores)
      return scores_call<Node<detail::attention_and_scores<MultiHeadAttention, true>, Q, V>, Q, V>();
    else
      return Node<detail::cross_attention<MultiHeadAttention>, Q, V>{};
  }

  /// Self-attention over one sample of (T, d_model): the output has the input's shape. With
  /// ReturnAttentionScores (two tensors out) the layer cannot be a Sequential's.
  template <int... D>
  static constexpr auto infer(Shape<D...> s) {
    if constexpr (return_scores && std::is_void_v<option_rule> && !is_mismatch_v<decltype(self_rule(s))>)
      return mismatch<error::INVALID_OPTION, ReturnAttentionScores,
                      error::return_attention_scores_gives_two_tensors_so_the_layer_goes_in_a_functional_model>{};
    else
      return self_rule(s);
  }
  /// The shape rule of self-attention, with or without the scores.
  template <int... D>
  static constexpr auto self_rule(Shape<D...> s) {
    if constexpr (!std::is_void_v<option_rule>)
      return option_rule{};
    else if constexpr (sizeof...(D) != 2)
      return mismatch<error::WRONG_RANK, error::expected_rank<2>, error::got<Shape<D...>>,
                      error::attends_over_timesteps_of_feature_vectors>{};
    else
      return s;
  }

  /// The nodes of a call with ReturnAttentionScores: the packed node P, then its two parts, each with
  /// its shape (from the query's and the value's shapes, when they are known; when they are not, the
  /// graph reports the first node that fails and the parts' shapes do not matter).
  template <class P, class Q, class V>
  static constexpr auto scores_call() {
    using SQ = typename detail::tensor_shape<Q>::type;
    using SV = typename detail::tensor_shape<V>::type;
    if constexpr (is_shape_v<SQ> && is_shape_v<SV>) {
      if constexpr (SQ::rank == 2 && SV::rank == 2) {
        constexpr int Tq = SQ::extents[0], Dq = SQ::extents[1], Tk = SV::extents[0];
        constexpr int packed = Tq * Dq + NumHeads * Tq * Tk;
        return detail::attention_outputs<Node<detail::attention_part<false, 0, Shape<Tq, Dq>, packed>, P>,
                                         Node<detail::attention_part<true, Tq * Dq, Shape<NumHeads, Tq, Tk>, packed>, P>>{};
      } else {
        return detail::attention_outputs<Node<detail::attention_part<false, 0, SQ, 0>, P>,
                                         Node<detail::attention_part<true, 0, SQ, 0>, P>>{};
      }
    } else {
      return detail::attention_outputs<Node<detail::attention_part<false, 0, Shape<1>, 0>, P>,
                                       Node<detail::attention_part<true, 0, Shape<1>, 0>, P>>{};
    }
  }

  /// The weights and the pass of attention from Tq queries of depth Dq to Tk keys and values of
  /// depth Dk (self-attention: the same tensor, Tq = Tk, Dq = Dk). Output: (Tq, Dq).
  template <int Tq, int Dq, int Tk, int Dk>
  class core {
   protected:
    static constexpr int H = NumHeads, Kd = KeyDim, Vd = value_dim;
    static constexpr int HK = H * Kd, HV = H * Vd;
    // Per sample: q (Tq x heads x key_dim), k (Tk x heads x key_dim), v (Tk x heads x value_dim), o
    // (Tq x heads x value_dim), every head's probs (heads x Tq x Tk).
    static constexpr std::ptrdiff_t q_size = static_cast<std::ptrdiff_t>(Tq) * HK;
    static constexpr std::ptrdiff_t k_size = static_cast<std::ptrdiff_t>(Tk) * HK;
    static constexpr std::ptrdiff_t v_size = static_cast<std::ptrdiff_t>(Tk) * HV;
    static constexpr std::ptrdiff_t o_size = static_cast<std::ptrdiff_t>(Tq) * HV;
    static constexpr std::ptrdiff_t probs_size = static_cast<std::ptrdiff_t>(H) * Tq * Tk;
    static constexpr std::ptrdiff_t projections = q_size + k_size + v_size + o_size;
    // One head's working arrays in forward: q, k, v, o, probs.
    static constexpr std::size_t head_floats = Tq * Kd + Tk * Kd + Tk * Vd + Tq * Vd + Tq * Tk;
    // ... and in backward: q, dq, k, dk; v, dv, dout; dprobs.
    static constexpr std::size_t head_backward_floats = 2 * Tq * Kd + 2 * Tk * Kd + 2 * Tk * Vd + Tq * Vd + Tq * Tk;
    struct none {};
    template <class S>
    using bias_t = std::conditional_t<use_bias, Tensor<float, S>, none>;

   public:
    static constexpr long long param_count = (1LL * Dq * HK + (use_bias ? HK : 0)) + (1LL * Dk * HK + (use_bias ? HK : 0)) +
                                             (1LL * Dk * HV + (use_bias ? HV : 0)) + (1LL * HV * Dq + (use_bias ? Dq : 0));
    static constexpr long long non_trainable_count = 0;
    /// The projections q, k, v and the heads' outputs o for the batch, then one head's arrays.
    static constexpr std::size_t scratch_floats(int batch) {
      return static_cast<std::size_t>(batch) * static_cast<std::size_t>(projections) + head_floats;
    }
    /// Kept from forward_train: q (scaled), k, v, o and every head's probs.
    static constexpr std::size_t saved_floats(int batch) {
      return static_cast<std::size_t>(batch) * static_cast<std::size_t>(projections + probs_size);
    }
    /// dO, dq, dk, dv for the batch, then one head's arrays.
    static constexpr std::size_t backward_scratch_floats(int batch) {
      return static_cast<std::size_t>(batch) * static_cast<std::size_t>(projections) + head_backward_floats;
    }
    /// With ReturnAttentionScores, one sample's output: [y (Tq x Dq) | scores (heads x Tq x Tk)].
    static constexpr std::ptrdiff_t y_size = static_cast<std::ptrdiff_t>(Tq) * Dq;
    static constexpr std::ptrdiff_t packed_size = y_size + probs_size;
    /// ... its passes' working memory: y and the scores of the batch unpacked (forward: y, every head's
    /// probs, then forward's scratch; forward_train: y, then forward's; backward: its own, then dy and
    /// dscores).
    static constexpr std::size_t packed_scratch_floats(int batch) {
      return static_cast<std::size_t>(batch) * static_cast<std::size_t>(packed_size) + scratch_floats(batch);
    }
    static constexpr std::size_t packed_backward_scratch_floats(int batch) {
      return static_cast<std::size_t>(batch) * static_cast<std::size_t>(packed_size) + backward_scratch_floats(batch);
    }

    constexpr TensorView<float, Shape<Dq, H, Kd>> query_kernel() { return wq_.view(); }
    constexpr TensorView<const float, Shape<Dq, H, Kd>> query_kernel() const { return wq_.view(); }
    constexpr TensorView<float, Shape<Dk, H, Kd>> key_kernel() { return wk_.view(); }
    constexpr TensorView<const float, Shape<Dk, H, Kd>> key_kernel() const { return wk_.view(); }
    constexpr TensorView<float, Shape<Dk, H, Vd>> value_kernel() { return wv_.view(); }
    constexpr TensorView<const float, Shape<Dk, H, Vd>> value_kernel() const { return wv_.view(); }
    constexpr TensorView<float, Shape<H, Vd, Dq>> output_kernel() { return wo_.view(); }
    constexpr TensorView<const float, Shape<H, Vd, Dq>> output_kernel() const { return wo_.view(); }
    constexpr TensorView<float, Shape<H, Kd>> query_bias() requires use_bias { return bq_.view(); }
    constexpr TensorView<const float, Shape<H, Kd>> query_bias() const requires use_bias { return bq_.view(); }
    constexpr TensorView<float, Shape<H, Kd>> key_bias() requires use_bias { return bk_.view(); }
    constexpr TensorView<const float, Shape<H, Kd>> key_bias() const requires use_bias { return bk_.view(); }
    constexpr TensorView<float, Shape<H, Vd>> value_bias() requires use_bias { return bv_.view(); }
    constexpr TensorView<const float, Shape<H, Vd>> value_bias() const requires use_bias { return bv_.view(); }
    constexpr TensorView<float, Shape<Dq>> output_bias() requires use_bias { return bo_.view(); }
    constexpr TensorView<const float, Shape<Dq>> output_bias() const requires use_bias { return bo_.view(); }

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
      detail::glorot_uniform(wq_.view(), 1.0 * H * Dq, 1.0 * Kd * Dq, rng);
      detail::glorot_uniform(wk_.view(), 1.0 * H * Dk, 1.0 * Kd * Dk, rng);
      detail::glorot_uniform(wv_.view(), 1.0 * H * Dk, 1.0 * Vd * Dk, rng);
      detail::glorot_uniform(wo_.view(), 1.0 * Vd * H, 1.0 * Dq * H, rng);
      if constexpr (use_bias) {
        bq_.fill(0.0f);
        bk_.fill(0.0f);
        bv_.fill(0.0f);
        bo_.fill(0.0f);
      }
    }

   protected:
    void forward_core(const float* xq, const float* xk, float* y, int batch, float* scratch) const {
      const std::ptrdiff_t n = batch;
      float* q = scratch;
      float* k = q + n * q_size;
      float* v = k + n * k_size;
      float* o = v + n * v_size;
      run(xq, xk, y, batch, q, k, v, o, nullptr, o + n * o_size);
    }
    void forward_train_core(const float* xq, const float* xk, float* y, int batch, float* saved, float* scratch) const {
      const std::ptrdiff_t n = batch;
      float* q = saved;
      float* k = q + n * q_size;
      float* v = k + n * k_size;
      float* o = v + n * v_size;
      run(xq, xk, y, batch, q, k, v, o, o + n * o_size, scratch);
    }

    /// The pass with the scores: `packed` gets [y | scores] per sample.
    void forward_packed(const float* xq, const float* xk, float* packed, int batch, float* scratch) const {
      const std::ptrdiff_t n = batch;
      float* y = scratch;
      float* probs = y + n * y_size;
      float* q = probs + n * probs_size;
      float* k = q + n * q_size;
      float* v = k + n * k_size;
      float* o = v + n * v_size;
      run(xq, xk, y, batch, q, k, v, o, probs, o + n * o_size);
      pack(y, probs, packed, batch);
    }
    void forward_train_packed(const float* xq, const float* xk, float* packed, int batch, float* saved,
                              float* scratch) const {
      const std::ptrdiff_t n = batch;
      float* y = scratch;
      forward_train_core(xq, xk, y, batch, saved, y + n * y_size);
      pack(y, saved + n * projections, packed, batch);  // the probs forward_train keeps are the scores
    }
    /// Backward from d[y | scores]: the scores' gradient joins the softmax's.
    void backward_packed(const float* xq, const float* xk, const float* dpacked, float* dxq, float* dxk, int batch,
                         const float* saved, float* scratch, core& grad, bool trainable) const {
      if (batch <= 0) return;
      float* dy = scratch + backward_scratch_floats(batch);
      float* dscores = dy + static_cast<std::ptrdiff_t>(batch) * y_size;
      for (int b = 0; b < batch; ++b) {
        const float* src = dpacked + b * packed_size;
        std::copy_n(src, y_size, dy + b * y_size);
        std::copy_n(src + y_size, probs_size, dscores + b * probs_size);
      }
      backward_core(xq, xk, dy, dxq, dxk, batch, saved, scratch, grad, trainable, dscores);
    }

    /// dxq and dxk are overwritten (either may be null; the same pointer for self-attention, which
    /// then gets the sum of both paths). dscores: the gradient of every head's probs as well (the
    /// scores output), or null.
    void backward_core(const float* xq, const float* xk, const float* dy, float* dxq, float* dxk, int batch,
                       const float* saved, float* scratch, core& grad, bool trainable,
                       const float* dscores = nullptr) const {
      if (batch <= 0) return;
      const std::ptrdiff_t n = batch;
      const int rows_q = batch * Tq, rows_k = batch * Tk;
      const float* q = saved;
      const float* k = q + n * q_size;
      const float* v = k + n * k_size;
      const float* o = v + n * v_size;
      const float* probs = o + n * o_size;
      float* dq = scratch;
      float* dk = dq + n * q_size;
      float* dv = dk + n * k_size;
      float* d_o = dv + n * v_size;
      float* qh = d_o + n * o_size;
      float* dqh = qh + Tq * Kd;
      float* kh = dqh + Tq * Kd;
      float* dkh = kh + Tk * Kd;
      float* vh = dkh + Tk * Kd;
      float* dvh = vh + Tk * Vd;
      float* doh = dvh + Tk * Vd;
      float* dprobs = doh + Tq * Vd;

      // The output projection: dWo += o^T . dy, dbo += sums of dy, dO = dy . Wo^T.
      if (trainable) {
        kernels::gemm::gemm_tn(HV, Dq, rows_q, o, dy, grad.wo_.data());
        if constexpr (use_bias) kernels::gemm::add_column_sums(rows_q, Dq, dy, grad.bo_.data());
      }
      std::fill_n(d_o, n * o_size, 0.0f);
      kernels::gemm::gemm_nt(rows_q, HV, Dq, dy, wo_.data(), d_o);

      // Each head of each sample, through the attention.
      const float scale = 1.0f / std::sqrt(static_cast<float>(Kd));
      for (int b = 0; b < batch; ++b)
        for (int h = 0; h < H; ++h) {
          gather<Tq>(q, b, h, Kd, qh);
          gather<Tk>(k, b, h, Kd, kh);
          gather<Tk>(v, b, h, Vd, vh);
          gather<Tq>(d_o, b, h, Vd, doh);
          const std::ptrdiff_t head = (static_cast<std::ptrdiff_t>(b) * H + h) * Tq * Tk;
          kernels::attention::head_backward(Tq, Tk, Kd, Vd, qh, kh, vh, probs + head, doh, dprobs, dqh, dkh, dvh,
                                            dscores ? dscores + head : nullptr);
          for (int i = 0; i < Tq * Kd; ++i) dqh[i] *= scale;  // q was scaled after its projection
          scatter<Tq>(dqh, b, h, Kd, dq);
          scatter<Tk>(dkh, b, h, Kd, dk);
          scatter<Tk>(dvh, b, h, Vd, dv);
        }

      // The input projections.
      if (trainable) {
        kernels::gemm::gemm_tn(Dq, HK, rows_q, xq, dq, grad.wq_.data());
        kernels::gemm::gemm_tn(Dk, HK, rows_k, xk, dk, grad.wk_.data());
        kernels::gemm::gemm_tn(Dk, HV, rows_k, xk, dv, grad.wv_.data());
        if constexpr (use_bias) {
          kernels::gemm::add_column_sums(rows_q, HK, dq, grad.bq_.data());
          kernels::gemm::add_column_sums(rows_k, HK, dk, grad.bk_.data());
          kernels::gemm::add_column_sums(rows_k, HV, dv, grad.bv_.data());
        }
      }
      if (dxq) {
        std::fill_n(dxq, static_cast<std::ptrdiff_t>(rows_q) * Dq, 0.0f);
        kernels::gemm::gemm_nt(rows_q, Dq, HK, dq, wq_.data(), dxq);
      }
      if (dxk) {
        if (dxk != dxq) std::fill_n(dxk, static_cast<std::ptrdiff_t>(rows_k) * Dk, 0.0f);
        kernels::gemm::gemm_nt(rows_k, Dk, HK, dk, wk_.data(), dxk);
        kernels::gemm::gemm_nt(rows_k, Dk, HV, dv, wv_.data(), dxk);
      }
    }

   private:
    static void pack(const float* y, const float* probs, float* packed, int batch) {
      for (int b = 0; b < batch; ++b) {
        float* dst = packed + b * packed_size;
        std::copy_n(y + b * y_size, y_size, dst);
        std::copy_n(probs + b * probs_size, probs_size, dst + y_size);
      }
    }

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

    // Head h of sample b, from T rows of H heads x `width` into a contiguous T x width, and back.
    template <int T>
    static void gather(const float* all, int b, int h, int width, float* head) {
      const float* src = all + static_cast<std::ptrdiff_t>(b) * T * H * width + static_cast<std::ptrdiff_t>(h) * width;
      for (int t = 0; t < T; ++t) std::copy_n(src + static_cast<std::ptrdiff_t>(t) * H * width, width, head + t * width);
    }
    template <int T>
    static void scatter(const float* head, int b, int h, int width, float* all) {
      float* dst = all + static_cast<std::ptrdiff_t>(b) * T * H * width + static_cast<std::ptrdiff_t>(h) * width;
      for (int t = 0; t < T; ++t) std::copy_n(head + t * width, width, dst + static_cast<std::ptrdiff_t>(t) * H * width);
    }

    // The pass: projections into q, k, v (batch x T x heads x depth), each head's attention into o,
    // and the output projection. probs (every head's, for backward) or null: one head's at a time in work.
    void run(const float* xq, const float* xk, float* y, int batch, float* q, float* k, float* v, float* o,
             float* probs, float* work) const {
      if (batch <= 0) return;
      const int rows_q = batch * Tq, rows_k = batch * Tk;
      kernels::gemm::dense<HK, Dq>(rows_q, xq, wq_.data(), bias_ptr(bq_), q, kernels::activation::linear{});
      kernels::gemm::dense<HK, Dk>(rows_k, xk, wk_.data(), bias_ptr(bk_), k, kernels::activation::linear{});
      kernels::gemm::dense<HV, Dk>(rows_k, xk, wv_.data(), bias_ptr(bv_), v, kernels::activation::linear{});
      const float scale = 1.0f / std::sqrt(static_cast<float>(Kd));
      for (std::ptrdiff_t i = 0; i < static_cast<std::ptrdiff_t>(rows_q) * HK; ++i) q[i] *= scale;
      float* qh = work;
      float* kh = qh + Tq * Kd;
      float* vh = kh + Tk * Kd;
      float* oh = vh + Tk * Vd;
      float* ph = oh + Tq * Vd;
      for (int b = 0; b < batch; ++b)
        for (int h = 0; h < H; ++h) {
          gather<Tq>(q, b, h, Kd, qh);
          gather<Tk>(k, b, h, Kd, kh);
          gather<Tk>(v, b, h, Vd, vh);
          float* p = probs ? probs + (static_cast<std::ptrdiff_t>(b) * H + h) * Tq * Tk : ph;
          kernels::attention::head_forward(Tq, Tk, Kd, Vd, qh, kh, vh, causal, p, oh);
          scatter<Tq>(oh, b, h, Vd, o);
        }
      kernels::gemm::dense<Dq, HV>(rows_q, o, wo_.data(), bias_ptr(bo_), y, kernels::activation::linear{});
    }

    Tensor<float, Shape<Dq, H, Kd>> wq_;
    Tensor<float, Shape<Dk, H, Kd>> wk_;
    Tensor<float, Shape<Dk, H, Vd>> wv_;
    Tensor<float, Shape<H, Vd, Dq>> wo_;
    [[no_unique_address]] bias_t<Shape<H, Kd>> bq_;
    [[no_unique_address]] bias_t<Shape<H, Kd>> bk_;
    [[no_unique_address]] bias_t<Shape<H, Vd>> bv_;
    [[no_unique_address]] bias_t<Shape<Dq>> bo_;
  };

  /// Self-attention on one sample of shape In = (T, d_model).
  template <class In>
  class bind : public core<In::extents[0], In::extents[1], In::extents[0], In::extents[1]> {
    using base = core<In::extents[0], In::extents[1], In::extents[0], In::extents[1]>;

   public:
    using input_shape = In;
    using output_shape = In;
    void forward(const float* x, float* y, int batch, float* scratch) const { this->forward_core(x, x, y, batch, scratch); }
    void forward_train(const float* x, float* y, int batch, float* saved, float* scratch, const train_context&) const {
      this->forward_train_core(x, x, y, batch, saved, scratch);
    }
    void backward(const float* x, const float*, const float* dy, float* dx, int batch, const float* saved,
                  float* scratch, bind& grad, const train_context& ctx) const {
      this->backward_core(x, x, dy, dx, dx, batch, saved, scratch, static_cast<base&>(grad), ctx.trainable);
    }
  };
};

namespace detail {

template <class M>
struct cross_attention {
  static constexpr bool is_merge = true;
  static constexpr std::string_view keras_class = M::keras_class;
  static constexpr std::string_view keras_name = M::keras_name;

  /// The query and the value, each (timesteps, depth) per sample; the output has the query's shape.
  /// (Their timesteps and depths may differ: the kernels adapt to each.)
  template <class... S>
  static constexpr auto infer_merge(S...) {
    if constexpr (!std::is_void_v<typename M::option_rule>)
      return typename M::option_rule{};
    else if constexpr (((S::rank != 2) || ...))
      return mismatch<error::WRONG_RANK, error::expected_rank<2>, typename error::detail::got_shape<S, dyn>::input...,
                      error::attends_over_timesteps_of_feature_vectors>{};
    else
      return type_at_t<0, type_list<S...>>{};
  }

  template <class Q, class V>
  class bind_two
      : public M::template core<Q::extents[0], Q::extents[1], V::extents[0], V::extents[1]> {
    using base = typename M::template core<Q::extents[0], Q::extents[1], V::extents[0], V::extents[1]>;

   public:
    using output_shape = Q;
    void forward(const float* const* x, float* y, int batch, float* scratch) const {
      this->forward_core(x[0], x[1], y, batch, scratch);
    }
    void forward_train(const float* const* x, float* y, int batch, float* saved, float* scratch,
                       const train_context&) const {
      this->forward_train_core(x[0], x[1], y, batch, saved, scratch);
    }
    void backward(const float* const* x, const float*, const float* dy, float* const* dx, int batch,
                  const float* saved, float* scratch, bind_two& grad, const train_context& ctx) const {
      this->backward_core(x[0], x[1], dy, dx[0], dx[1], batch, saved, scratch, static_cast<base&>(grad), ctx.trainable);
    }
  };
  template <class... In>
  using bind = bind_two<In...>;
};

template <class N>
struct tensor_shape {
  using type = typename N::shape;  // an Input
};
template <class Spec, class... In>
struct tensor_shape<Node<Spec, In...>> {
  static constexpr auto get() {
    if constexpr (!(is_shape_v<typename tensor_shape<In>::type> && ...))
      return mismatch<error::WRONG_RANK>{};
    else if constexpr (requires { Spec::is_merge; })
      return Spec::infer_merge(typename tensor_shape<In>::type{}...);
    else if constexpr (sizeof...(In) == 1)
      return Spec::infer(typename tensor_shape<In>::type{}...);
    else
      return mismatch<error::WRONG_TENSOR_COUNT>{};
  }
  using type = decltype(get());
};

/// What a call with ReturnAttentionScores gives: `auto [out, scores] = ...` (Keras' tuple), or
/// `.output` and `.scores`.
template <class Out, class Scores>
struct attention_outputs {
  Out output;
  Scores scores;
};

struct merge_marker {
  static constexpr bool is_merge = true;
};
struct no_marker {};

template <class M, bool Cross>
struct attention_and_scores : std::conditional_t<Cross, merge_marker, no_marker> {
  static constexpr std::string_view keras_class = M::keras_class;
  static constexpr std::string_view keras_name = M::keras_name;

  template <class S>
  using packed_shape = Shape<S::extents[0] * S::extents[1] + M::num_heads * S::extents[0] * S::extents[0]>;
  /// Self-attention: the rule of the layer without the option, then the packed vector.
  template <int... D>
    requires(!Cross)
  static constexpr auto infer(Shape<D...> s) {
    using R = decltype(M::self_rule(s));
    if constexpr (is_mismatch_v<R>)
      return R{};
    else
      return packed_shape<R>{};
  }
  /// Cross-attention: query (Tq, Dq) and value (Tk, Dk), then the packed vector.
  template <class... S>
    requires Cross
  static constexpr auto infer_merge(S... s) {
    using R = decltype(cross_attention<M>::infer_merge(s...));
    if constexpr (is_mismatch_v<R>) {
      return R{};
    } else {
      using V = type_at_t<1, type_list<S...>>;
      return Shape<R::extents[0] * R::extents[1] + M::num_heads * R::extents[0] * V::extents[0]>{};
    }
  }

  template <class Q, class V>
  class bind_packed : public M::template core<Q::extents[0], Q::extents[1], V::extents[0], V::extents[1]> {
    using base = typename M::template core<Q::extents[0], Q::extents[1], V::extents[0], V::extents[1]>;

   public:
    using output_shape = Shape<base::packed_size>;
    static constexpr std::size_t scratch_floats(int batch) { return base::packed_scratch_floats(batch); }
    static constexpr std::size_t backward_scratch_floats(int batch) { return base::packed_backward_scratch_floats(batch); }
  };
  /// One tensor in (self-attention).
  template <class In>
  class bind_self : public bind_packed<In, In> {
   public:
    using input_shape = In;
    void forward(const float* x, float* y, int batch, float* scratch) const { this->forward_packed(x, x, y, batch, scratch); }
    void forward_train(const float* x, float* y, int batch, float* saved, float* scratch, const train_context&) const {
      this->forward_train_packed(x, x, y, batch, saved, scratch);
    }
    void backward(const float* x, const float*, const float* dy, float* dx, int batch, const float* saved,
                  float* scratch, bind_self& grad, const train_context& ctx) const {
      this->backward_packed(x, x, dy, dx, dx, batch, saved, scratch, grad, ctx.trainable);
    }
  };
  /// Two (query, value).
  template <class Q, class V>
  class bind_cross : public bind_packed<Q, V> {
   public:
    void forward(const float* const* x, float* y, int batch, float* scratch) const {
      this->forward_packed(x[0], x[1], y, batch, scratch);
    }
    void forward_train(const float* const* x, float* y, int batch, float* saved, float* scratch,
                       const train_context&) const {
      this->forward_train_packed(x[0], x[1], y, batch, saved, scratch);
    }
    void backward(const float* const* x, const float*, const float* dy, float* const* dx, int batch,
                  const float* saved, float* scratch, bind_cross& grad, const train_context& ctx) const {
      this->backward_packed(x[0], x[1], dy, dx[0], dx[1], batch, saved, scratch, grad, ctx.trainable);
    }
  };
  template <class... In>
  struct pick;
  template <class In>
  struct pick<In> {
    using type = bind_self<In>;
  };
  template <class Q, class V>
  struct pick<Q, V> {
    using type = bind_cross<Q, V>;
  };
  template <class... In>
  using bind = typename pick<In...>::type;
};

template <bool Scores, int Offset, class Part, int Packed>
struct attention_part {
  static constexpr std::string_view keras_class = Scores ? "AttentionScores" : "AttentionOutput";
  static constexpr std::string_view keras_name = Scores ? "attention_scores" : "attention_output";
  template <int... D>
  static constexpr auto infer(Shape<D...>) {
    if constexpr (std::is_same_v<Shape<D...>, Shape<Packed>>)
      return Part{};
    else
      return mismatch<error::SHAPE_MISMATCH, error::got<Shape<D...>>>{};
  }
  template <class In>
  struct bind : no_parameters {
    using input_shape = In;
    using output_shape = Part;
    static constexpr std::ptrdiff_t size = sample_size<Part>;
    void forward(const float* x, float* y, int batch, float*) const {
      for (int b = 0; b < batch; ++b) std::copy_n(x + static_cast<std::ptrdiff_t>(b) * Packed + Offset, size, y + b * size);
    }
    void backward(const float*, const float*, const float* dy, float* dx, int batch, const float*, float*, bind&,
                  const train_context&) const {
      if (!dx || batch <= 0) return;
      std::fill_n(dx, static_cast<std::ptrdiff_t>(batch) * Packed, 0.0f);
      for (int b = 0; b < batch; ++b) std::copy_n(dy + b * size, size, dx + static_cast<std::ptrdiff_t>(b) * Packed + Offset);
    }
  };
};

}  // namespace detail
}  // namespace tshape
