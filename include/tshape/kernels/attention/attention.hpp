// Scaled dot-product attention of one head, on contiguous head-major arrays (what MultiHeadAttention
// gathers from its projections):
//   probs (T x S) = softmax over keys of q (T x Kd) . k^T (k: S x Kd), q already scaled by 1/sqrt(Kd);
//   out (T x Vd) = probs . v (v: S x Vd).
// With `causal`, query i sees keys j <= i only (Keras' use_causal_mask: the masked scores get -1e9
// before the softmax, which leaves them exactly 0 in float; here they are left out). The products
// run on the GEMM kernels (gemm.hpp, transposed.hpp); attention_reference is the plain twin in double.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>

#include "../activation/activation.hpp"
#include "../gemm/gemm.hpp"
#include "../gemm/transposed.hpp"
#include "../simd/math.hpp"
#include "../simd/simd.hpp"

namespace tshape::kernels::attention {

/// The row-wise softmax of scores (T x S) in place; with `causal`, entries j > i become 0. The
/// exponentials run on V's registers (simd/math.hpp: within three float steps of std::exp).
template <class V = simd::native>
void masked_softmax(int T, int S, float* scores, bool causal) {
  constexpr int W = V::width;
  for (int i = 0; i < T; ++i) {
    float* row = scores + static_cast<std::ptrdiff_t>(i) * S;
    const int seen = causal ? std::min(i + 1, S) : S;
    // The row's largest score, then the exponentials and their sum, then the scaling: each a pass
    // on V's registers (a row of 64 scores is four AVX-512 registers), the tail in plain floats.
    float most = row[0];
    int j = 0;
    if (seen >= W) {
      typename V::reg m = V::load(row);
      for (j = W; j + W <= seen; j += W) m = V::max(m, V::load(row + j));
      float lanes[W];
      V::store(lanes, m);
      for (int l = 0; l < W; ++l) most = std::max(most, lanes[l]);
    }
    for (; j < seen; ++j) most = std::max(most, row[j]);
    const typename V::reg neg_most = V::broadcast(-most);
    typename V::reg sums = V::zero();
    for (j = 0; j + W <= seen; j += W) {
      const typename V::reg e = simd::exp<V>(V::add(V::load(row + j), neg_most));
      V::store(row + j, e);
      sums = V::add(sums, e);
    }
    float lanes[W];
    V::store(lanes, sums);
    float total = 0.0f;
    for (int l = 0; l < W; ++l) total += lanes[l];
    for (; j < seen; ++j) {
      row[j] = std::exp(row[j] - most);
      total += row[j];
    }
    const float inv = 1.0f / total;
    const typename V::reg scale = V::broadcast(inv);
    for (j = 0; j + W <= seen; j += W) V::store(row + j, V::mul(V::load(row + j), scale));
    for (; j < seen; ++j) row[j] *= inv;
    for (j = seen; j < S; ++j) row[j] = 0.0f;
  }
}

/// One head's forward pass (see the header): probs (T x S) and out (T x Vd) are overwritten.
inline void head_forward(int T, int S, int Kd, int Vd, const float* q, const float* k, const float* v, bool causal,
                         float* probs, float* out) {
  std::fill_n(probs, static_cast<std::ptrdiff_t>(T) * S, 0.0f);
  gemm::gemm_nt(T, S, Kd, q, k, probs);
  masked_softmax(T, S, probs, causal);
  gemm::dense(T, Vd, S, probs, v, nullptr, out, activation::linear{});
}

/// One head's backward pass from dout (T x Vd): dq (T x Kd, with respect to the scaled q), dk
/// (S x Kd) and dv (S x Vd) are overwritten; dprobs (T x S) is working memory. dscores (T x S): the
/// gradient of probs from elsewhere (the layer's scores output), or null.
inline void head_backward(int T, int S, int Kd, int Vd, const float* q, const float* k, const float* v,
                          const float* probs, const float* dout, float* dprobs, float* dq, float* dk, float* dv,
                          const float* dscores = nullptr) {
  // dprobs = dout . v^T (+ dscores); dv = probs^T . dout
  if (dscores)
    std::copy_n(dscores, static_cast<std::ptrdiff_t>(T) * S, dprobs);
  else
    std::fill_n(dprobs, static_cast<std::ptrdiff_t>(T) * S, 0.0f);
  gemm::gemm_nt(T, S, Vd, dout, v, dprobs);
  std::fill_n(dv, static_cast<std::ptrdiff_t>(S) * Vd, 0.0f);
  gemm::gemm_tn(S, Vd, T, probs, dout, dv);
  // Through the softmax: dscores = probs * (dprobs - sum_j dprobs * probs), per row (0 where masked).
  for (int i = 0; i < T; ++i) {
    const float* p = probs + static_cast<std::ptrdiff_t>(i) * S;
    float* d = dprobs + static_cast<std::ptrdiff_t>(i) * S;
    float dot = 0.0f;
    for (int j = 0; j < S; ++j) dot += d[j] * p[j];
    for (int j = 0; j < S; ++j) d[j] = p[j] * (d[j] - dot);
  }
  // dq = dscores . k; dk = dscores^T . q
  gemm::dense(T, Kd, S, dprobs, k, nullptr, dq, activation::linear{});
  std::fill_n(dk, static_cast<std::ptrdiff_t>(S) * Kd, 0.0f);
  gemm::gemm_tn(S, Kd, T, dprobs, q, dk);
}

/// The plain twin of head_forward, in double (out only; no working memory: each output column
/// recomputes the row's weights).
inline void attention_reference(int T, int S, int Kd, int Vd, const float* q, const float* k, const float* v,
                                bool causal, float* out) {
  for (int i = 0; i < T; ++i) {
    const int seen = causal ? std::min(i + 1, S) : S;
    auto score = [&](int j) {
      double s = 0.0;
      for (int c = 0; c < Kd; ++c) s += static_cast<double>(q[i * Kd + c]) * k[j * Kd + c];
      return s;
    };
    double most = score(0);
    for (int j = 1; j < seen; ++j) most = std::max(most, score(j));
    for (int c = 0; c < Vd; ++c) {
      double total = 0.0, acc = 0.0;
      for (int j = 0; j < seen; ++j) {
        const double e = std::exp(score(j) - most);
        total += e;
        acc += e * v[j * Vd + c];
      }
      out[i * Vd + c] = static_cast<float>(acc / total);
    }
  }
}

}  // namespace tshape::kernels::attention
