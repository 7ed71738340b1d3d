// bench/int8: an int8 Dense, Conv2D and DepthwiseConv2D (quantize(), kernels/quant) against the float layer they come from,
// in one process, interleaved sample by sample (the machine is shared and noisy); and the int8 Add (a
// residual's merge) against the float Add's kernel and against its own portable form (256-entry tables).
//
//   float       net->forward(x, y) on Sequential<Input<in>, Dense<out>> (tshape's float kernels; OpenBLAS
//               where tshape uses it, on 1 thread)
//   int8 model  q.forward(x, y, arena): float in, quantized, the int8 Dense, dequantized: what replaces
//               the float call
//   int8 kernel kernels::quant::dense on int8 rows: the integer layer alone, as inside an int8 model
//   oneDNN int8 (Conv2D and DepthwiseConv2D) oneDNN's int8 convolution_forward on the same int8 input,
//               weights, bias and requantization (below): the integer layer alone, as the int8 kernel
// Reported: each variant's median time per call, the medians of the paired per-round ratios
// t(float) / t(int8 ...), so a ratio above 1 means int8 is faster, and the largest difference of the
// int8 model's outputs from float's, in output quantization steps. The int8 kernel path is the target's
// (AVX-512 VNNI, AVX2, NEON or portable), printed with the figures.
//
// oneDNN int8: forward_inference, convolution_direct, src s8 NHWC with tshape's input zero point, dst
// s8 NHWC with its output zero point (zero-point attributes, one per tensor), weights s8 (the very
// int8 weights quantize() made; a DepthwiseConv2D as a grouped convolution, one channel per group)
// reordered once into the layout oneDNN picks, bias s32 (quantize()'s), per-output-channel output
// scales (mask 1 << 1) of multiplier * 2^(shift - 31), the real multiplier tshape's fixed-point one
// stands for; one OpenMP thread. Only execute() is timed. oneDNN scales in float and rounds half to even
// where TFLite's fixed point rounds twice, half away from zero, so the two may differ by a step: the
// largest difference of oneDNN's output from the int8 kernel's (column dnn) must be at most 2 steps.
// dnn/kern is the paired ratio t(oneDNN int8) / t(int8 kernel): above 1, tshape is faster. oneDNN
// takes the best ISA it finds (AMX tiles where the CPU has them; --quick prints its implementation);
// ONEDNN_MAX_CPU_ISA=AVX512_CORE_VNNI in the environment holds it to the instructions tshape uses.
//
// Usage: int8 [--quick] [--seconds S]
//   --quick    a few rounds of a few calls each: a smoke test that also checks int8 stays near float
//   --seconds  time budget per shape (default 1.5)
#include <tshape/tshape.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <dnnl.hpp>
#include <omp.h>

extern "C" {
__attribute__((weak)) void openblas_set_num_threads(int);
}

namespace {

struct options {
  bool quick = false;
  double seconds = 1.5;
};

inline void clobber(const void* p) { asm volatile("" : : "r"(p) : "memory"); }

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

struct variant {
  const char* name;
  std::function<void()> call;
  double sample(int calls) const {
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < calls; ++i) call();
    return std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count() / calls;
  }
};

// Per-variant sample times (ns per call), the variants interleaved in rotating order: samples of
// ~50 us (quick: 2 calls), rounds until the time budget is spent.
std::vector<std::vector<double>> time_interleaved(const std::vector<variant>& vs, const options& opt) {
  std::vector<int> calls(vs.size());
  double round_ns = 0;
  for (std::size_t k = 0; k < vs.size(); ++k) {
    vs[k].sample(1);
    const double per = std::max(vs[k].sample(3), 1.0);
    calls[k] = opt.quick ? 2 : std::max(1, static_cast<int>(50e3 / per));
    round_ns += per * calls[k];
  }
  const int rounds = opt.quick ? 3 : std::clamp(static_cast<int>(opt.seconds * 1e9 / round_ns), 11, 4001);
  std::vector<std::vector<double>> t(vs.size());
  for (int r = 0; r < rounds; ++r)
    for (std::size_t j = 0; j < vs.size(); ++j) {
      const std::size_t k = (j + static_cast<std::size_t>(r)) % vs.size();
      t[k].push_back(vs[k].sample(calls[k]));
    }
  return t;
}

/// The median over rounds of t[a][r] / t[b][r].
double paired_ratio(const std::vector<std::vector<double>>& t, std::size_t a, std::size_t b) {
  std::vector<double> r(t[a].size());
  for (std::size_t i = 0; i < r.size(); ++i) r[i] = t[a][i] / t[b][i];
  return median(r);
}

/// A convolution's shape for oneDNN: NHWC in and out, `groups` groups (1, or c for a depthwise one).
struct conv_shape {
  int n, h, w, c, kh, kw, oc, sh, sw, pad_top, pad_left, pad_bottom, pad_right, oh, ow, groups;
};

// oneDNN's int8 convolution on tshape's int8 data: x (n, h, w, c) s8 with zero point zp_in, weights
// s8 as tshape quantized them (Conv2D: HWIO; grouped: (kh, kw, groups), oneDNN's hwigo with i = o = 1),
// bias s32, output scales multiplier[o] * 2^(shift[o] - 31), y s8 with zero point zp_out. The bench's
// layers are linear, so tshape clamps to int8's range, as oneDNN's saturation does.
struct onednn_int8 {
  dnnl::engine eng{dnnl::engine::kind::cpu, 0};
  dnnl::stream strm{eng};
  dnnl::convolution_forward conv;
  dnnl::memory src, wei, bia, dst;
  std::string impl;
  onednn_int8(const conv_shape& s, const std::int8_t* x, const std::int8_t* weights, const std::int32_t* bias,
              const std::int32_t* multiplier, const std::int32_t* shift, std::int32_t zp_in, std::int32_t zp_out) {
    using tag = dnnl::memory::format_tag;
    using dt = dnnl::memory::data_type;
    const bool grouped = s.groups > 1;
    const dnnl::memory::dims src_d{s.n, s.c, s.h, s.w}, dst_d{s.n, s.oc, s.oh, s.ow}, bia_d{s.oc},
        wei_d = grouped ? dnnl::memory::dims{s.groups, s.oc / s.groups, s.c / s.groups, s.kh, s.kw}
                        : dnnl::memory::dims{s.oc, s.c, s.kh, s.kw};
    const dnnl::memory::desc src_md(src_d, dt::s8, tag::nhwc), dst_md(dst_d, dt::s8, tag::nhwc),
        bia_md(bia_d, dt::s32, tag::a), wei_any(wei_d, dt::s8, tag::any);
    std::vector<float> scales(static_cast<std::size_t>(s.oc));
    for (int o = 0; o < s.oc; ++o) scales[o] = static_cast<float>(std::ldexp(static_cast<double>(multiplier[o]), shift[o] - 31));
    dnnl::primitive_attr attr;
    attr.set_output_scales(1 << 1, scales);
    attr.set_zero_points(DNNL_ARG_SRC, 0, {zp_in});
    attr.set_zero_points(DNNL_ARG_DST, 0, {zp_out});
    const dnnl::convolution_forward::desc desc(dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct,
                                               src_md, wei_any, bia_md, dst_md, {s.sh, s.sw}, {s.pad_top, s.pad_left},
                                               {s.pad_bottom, s.pad_right});
    const dnnl::convolution_forward::primitive_desc pd(desc, attr, eng);
    conv = dnnl::convolution_forward(pd);
    src = dnnl::memory(src_md, eng, const_cast<std::int8_t*>(x));
    bia = dnnl::memory(bia_md, eng, const_cast<std::int32_t*>(bias));
    dst = dnnl::memory(dst_md, eng);
    const dnnl::memory user_wei(dnnl::memory::desc(wei_d, dt::s8, grouped ? tag::hwigo : tag::hwio), eng,
                                const_cast<std::int8_t*>(weights));
    wei = dnnl::memory(pd.weights_desc(), eng);
    dnnl::reorder(user_wei, wei).execute(strm, const_cast<dnnl::memory&>(user_wei), wei);
    strm.wait();
    impl = pd.impl_info_str();
  }
  void run() {
    conv.execute(strm, {{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, wei}, {DNNL_ARG_BIAS, bia}, {DNNL_ARG_DST, dst}});
    strm.wait();
  }
  const std::int8_t* out() const { return static_cast<const std::int8_t*>(dst.get_data_handle()); }
};

/// The largest difference of two int8 outputs, in steps.
int largest_step(const std::int8_t* a, const std::int8_t* b, std::size_t n) {
  int d = 0;
  for (std::size_t i = 0; i < n; ++i) d = std::max(d, std::abs(static_cast<int>(a[i]) - static_cast<int>(b[i])));
  return d;
}

// A Conv2D's or DepthwiseConv2D's row: the four medians, the paired ratios float / int8 model, float /
// int8 kernel and oneDNN int8 / int8 kernel, the int8 model's largest difference from float and
// oneDNN's from the int8 kernel, in output steps. False when either is out of bounds.
bool print_conv_row(const char* label, const std::vector<std::vector<double>>& t, double worst, int dn_steps,
                    const onednn_int8& dn, const options& opt) {
  const bool near = worst <= 8.0, agree = dn_steps <= 2;
  std::printf("%-28s %9.0f %11.0f %11.0f %11.0f  %7.2fx %7.2fx %7.2fx  %5.1f %5d%s%s\n", label, median(t[0]), median(t[1]),
              median(t[2]), median(t[3]), paired_ratio(t, 0, 1), paired_ratio(t, 0, 2), paired_ratio(t, 3, 2), worst, dn_steps,
              near ? "" : "  INT8 FAR FROM FLOAT", agree ? "" : "  ONEDNN DISAGREES");
  if (opt.quick) std::printf("  oneDNN implementation: %s\n", dn.impl.c_str());
  return near && agree;
}
void print_conv_header() {
  std::printf("%-28s %9s %11s %11s %11s  %8s %8s %8s  %5s %5s\n", "", "float ns", "model ns", "kernel ns", "oneDNN ns",
              "fl/model", "fl/kern", "dnn/kern", "steps", "dnn");
}

template <int B, int I, int O>
bool run_shape(const options& opt) {
  using Net = tshape::Sequential<tshape::Input<I>, tshape::Dense<O>>;
  auto net = tshape::make_model<Net>(1);
  tshape::Tensor<float, tshape::Shape<B, I>> x;
  tshape::Tensor<float, tshape::Shape<64, I>> calibration;
  std::uint64_t s = 88172645463325252ULL;
  auto uniform = [&] {
    s ^= s << 13, s ^= s >> 7, s ^= s << 17;
    return static_cast<float>((s >> 40) * 0x1.0p-24) * 2.0f - 1.0f;
  };
  for (auto& v : calibration) v = uniform();
  for (auto& v : x) v = uniform();
  auto q = std::make_unique<tshape::Quantized<Net>>(tshape::quantize(*net, calibration));
  auto arena = std::make_unique<typename tshape::Quantized<Net>::template arena<B>>();
  auto yf = std::make_unique<tshape::Tensor<float, tshape::Shape<B, O>>>();
  auto yq = std::make_unique<tshape::Tensor<float, tshape::Shape<B, O>>>();
  const auto xq = q->quantize_input(x);
  std::vector<std::int8_t> y8(static_cast<std::size_t>(B) * O);
  const auto& st = std::get<0>(q->stages);
  const tshape::kernels::quant::requantization rq{st.bias.data(), st.sums.data(), st.multiplier.data(), st.shift.data(),
                                                  q->tensors[0].zero_point, q->tensors[1].zero_point, st.min, st.max};

  std::vector<variant> vs;
  vs.push_back({"float", [&] { net->forward(x, *yf), clobber(yf->data()); }});
  vs.push_back({"int8 model", [&] { q->forward(x.data(), yq->data(), *arena), clobber(yq->data()); }});
  vs.push_back({"int8 kernel", [&] {
                  tshape::kernels::quant::dense(B, I, O, xq.data(), st.packed.data(), rq, y8.data());
                  clobber(y8.data());
                }});

  const auto t = time_interleaved(vs, opt);

  // int8 must stay near float: within a few output steps (the output's quantization step; the input's
  // and the weights' rounding add up over `in` terms, so a wide layer strays a few steps).
  double worst = 0;
  for (std::ptrdiff_t i = 0; i < yf->size(); ++i)
    worst = std::max(worst, static_cast<double>(std::fabs((*yf)[i] - (*yq)[i]) / q->output_quantization().scale));
  const bool near = worst <= 8.0;
  std::printf("(%3d, %4d, %4d)  %10.0f %12.0f %12.0f   %6.2fx %7.2fx   %4.1f%s\n", B, I, O, median(t[0]), median(t[1]),
              median(t[2]), paired_ratio(t, 0, 1), paired_ratio(t, 0, 2), worst, near ? "" : "  INT8 FAR FROM FLOAT");
  return near;
}

// The same for a Conv2D (3x3, 'same', stride 1) on (B, H, W, C) images with F filters.
template <int B, int H, int W, int C, int F>
bool run_conv(const options& opt) {
  using Net = tshape::Sequential<tshape::Input<H, W, C>, tshape::Conv2D<F, tshape::Kernel<3, 3>, tshape::Padding::same>>;
  using Q = tshape::Quantized<Net>;
  auto net = tshape::make_model<Net>(1);
  auto x = std::make_unique<tshape::Tensor<float, tshape::Shape<B, H, W, C>>>();
  auto calibration = std::make_unique<tshape::Tensor<float, tshape::Shape<8, H, W, C>>>();
  std::uint64_t s = 88172645463325252ULL;
  auto uniform = [&] {
    s ^= s << 13, s ^= s >> 7, s ^= s << 17;
    return static_cast<float>((s >> 40) * 0x1.0p-24) * 2.0f - 1.0f;
  };
  for (auto& v : *calibration) v = uniform();
  for (auto& v : *x) v = uniform();
  auto q = std::make_unique<Q>(tshape::quantize(*net, *calibration));
  auto arena = std::make_unique<typename Q::template arena<B>>();
  auto yf = std::make_unique<tshape::Tensor<float, tshape::Shape<B, H, W, F>>>();
  auto yq = std::make_unique<tshape::Tensor<float, tshape::Shape<B, H, W, F>>>();
  const auto xq = q->quantize_input(*x);
  constexpr auto g = tshape::detail::quant::conv_geometry_of<tshape::Conv2D<F, tshape::Kernel<3, 3>, tshape::Padding::same>,
                                                             tshape::Shape<H, W, C>>();
  std::vector<std::int8_t> y8(static_cast<std::size_t>(B) * H * W * F), scratch(g.scratch_bytes());
  const auto& st = std::get<0>(q->stages);
  const tshape::kernels::quant::requantization rq{st.bias.data(), st.sums.data(), st.multiplier.data(), st.shift.data(),
                                                  q->tensors[0].zero_point, q->tensors[1].zero_point, st.min, st.max};
  std::vector<variant> vs;
  vs.push_back({"float", [&] { net->forward(*x, *yf), clobber(yf->data()); }});
  vs.push_back({"int8 model", [&] { q->forward(x->data(), yq->data(), *arena), clobber(yq->data()); }});
  vs.push_back({"int8 kernel", [&] {
                  tshape::kernels::quant::conv2d(g, B, xq.data(), st.packed.data(), rq, scratch.data(), y8.data());
                  clobber(y8.data());
                }});
  // quantize()'s int8 weights, back from the packed (filters, patch) rows to Keras' HWIO.
  std::vector<std::int8_t> hwio(static_cast<std::size_t>(g.patch()) * F);
  for (int k = 0; k < g.patch(); ++k)
    for (int o = 0; o < F; ++o)
      hwio[static_cast<std::size_t>(k) * F + o] = st.packed[tshape::kernels::quant::packed_index(g.patch(), o, k)];
  const int pad_bottom = (g.out_h - 1) * g.stride_h + g.window_h() - g.h - g.pad_top;
  const int pad_right = (g.out_w - 1) * g.stride_w + g.window_w() - g.w - g.pad_left;
  onednn_int8 dn({B, H, W, C, g.kh, g.kw, F, g.stride_h, g.stride_w, g.pad_top, g.pad_left, pad_bottom, pad_right, g.out_h,
                  g.out_w, 1},
                 xq.data(), hwio.data(), st.bias.data(), st.multiplier.data(), st.shift.data(), rq.input_zero_point,
                 rq.output_zero_point);
  vs.push_back({"oneDNN int8", [&] { dn.run(), clobber(dn.out()); }});
  const auto t = time_interleaved(vs, opt);
  double worst = 0;
  for (std::ptrdiff_t i = 0; i < yf->size(); ++i)
    worst = std::max(worst, static_cast<double>(std::fabs((*yf)[i] - (*yq)[i]) / q->output_quantization().scale));
  char label[64];
  std::snprintf(label, sizeof label, "conv (%d, %d, %d, %d) -> %d", B, H, W, C, F);
  return print_conv_row(label, t, worst, largest_step(dn.out(), y8.data(), y8.size()), dn, opt);
}

// The same for a DepthwiseConv2D (3x3, 'same', stride S, depth multiplier 1) on (B, H, W, C) images.
template <int B, int H, int W, int C, int S>
bool run_depthwise(const options& opt) {
  using Layer = tshape::DepthwiseConv2D<tshape::Kernel<3, 3>, tshape::Strides<S>, tshape::Padding::same>;
  using Net = tshape::Sequential<tshape::Input<H, W, C>, Layer>;
  using Q = tshape::Quantized<Net>;
  using Out = typename Net::output_shape;
  auto net = tshape::make_model<Net>(1);
  auto x = std::make_unique<tshape::Tensor<float, tshape::Shape<B, H, W, C>>>();
  auto calibration = std::make_unique<tshape::Tensor<float, tshape::Shape<32, H, W, C>>>();
  std::uint64_t s = 88172645463325252ULL;
  auto uniform = [&] {
    s ^= s << 13, s ^= s >> 7, s ^= s << 17;
    return static_cast<float>((s >> 40) * 0x1.0p-24) * 2.0f - 1.0f;
  };
  for (auto& v : *calibration) v = uniform();
  for (auto& v : *x) v = uniform();
  auto q = std::make_unique<Q>(tshape::quantize(*net, *calibration));
  auto arena = std::make_unique<typename Q::template arena<B>>();
  auto yf = std::make_unique<tshape::Tensor<float, tshape::prepend_t<B, Out>>>();
  auto yq = std::make_unique<tshape::Tensor<float, tshape::prepend_t<B, Out>>>();
  const auto xq = q->quantize_input(*x);
  std::vector<std::int8_t> y8(static_cast<std::size_t>(B) * Out::static_size);
  const auto& st = std::get<0>(q->stages);
  const tshape::kernels::quant::requantization rq{st.bias.data(), nullptr, st.multiplier.data(), st.shift.data(),
                                                  q->tensors[0].zero_point, q->tensors[1].zero_point, st.min, st.max};
  constexpr auto g = tshape::detail::quant::window_of<Layer, tshape::Shape<H, W, C>>;
  std::vector<variant> vs;
  vs.push_back({"float", [&] { net->forward(*x, *yf), clobber(yf->data()); }});
  vs.push_back({"int8 model", [&] { q->forward(x->data(), yq->data(), *arena), clobber(yq->data()); }});
  vs.push_back({"int8 kernel", [&] {
                  tshape::kernels::quant::depthwise(g, B, xq.data(), st.weights.data(), rq, y8.data());
                  clobber(y8.data());
                }});
  // quantize()'s int8 weights, (taps, channels) without the padding to 16 channels: oneDNN's hwigo.
  std::vector<std::int8_t> hwg(static_cast<std::size_t>(g.kh) * g.kw * C);
  for (int k = 0; k < g.kh * g.kw; ++k)
    for (int c = 0; c < C; ++c)
      hwg[static_cast<std::size_t>(k) * C + c] = st.weights[static_cast<std::size_t>(k) * tshape::kernels::quant::padded_units(C) + c];
  onednn_int8 dn({B, H, W, C, g.kh, g.kw, C, g.sh, g.sw, g.pad_top, g.pad_left, g.pad_bottom, g.pad_right, g.oh, g.ow, C},
                 xq.data(), hwg.data(), st.bias.data(), st.multiplier.data(), st.shift.data(), rq.input_zero_point,
                 rq.output_zero_point);
  vs.push_back({"oneDNN int8", [&] { dn.run(), clobber(dn.out()); }});
  const auto t = time_interleaved(vs, opt);
  double worst = 0;
  for (std::ptrdiff_t i = 0; i < yf->size(); ++i)
    worst = std::max(worst, static_cast<double>(std::fabs((*yf)[i] - (*yq)[i]) / q->output_quantization().scale));
  char label[64];
  std::snprintf(label, sizeof label, "depthwise (%d, %d, %d, %d) /%d", B, H, W, C, S);
  return print_conv_row(label, t, worst, largest_step(dn.out(), y8.data(), y8.size()), dn, opt);
}

}  // namespace

// An Add of two int8 tensors of `n` values (TFLite's arithmetic, kernels/quant/merge.hpp): the kernel
// on this target (vectors) and the portable tables against the float Add's kernel on as many floats.
bool run_add(std::ptrdiff_t n, const options& opt) {
  namespace kq = tshape::kernels::quant;
  std::vector<std::int8_t> a(static_cast<std::size_t>(n)), b(a.size()), y(a.size()), y_tables(a.size());
  std::vector<float> fa(a.size()), fb(a.size()), fy(a.size());
  std::uint64_t s = 88172645463325252ULL;
  for (std::size_t i = 0; i < a.size(); ++i) {
    s ^= s << 13, s ^= s >> 7, s ^= s << 17;
    a[i] = static_cast<std::int8_t>(s >> 56), b[i] = static_cast<std::int8_t>(s >> 48);
    fa[i] = 0.02f * static_cast<float>(a[i]), fb[i] = 0.035f * static_cast<float>(b[i]);
  }
  const kq::add_params p = kq::prepare_add({0.02f, 3}, {0.035f, -7}, {0.05f, 1});
  const kq::add_tables tables(p);
  const float* fx[2] = {fa.data(), fb.data()};
  std::vector<variant> vs;
  vs.push_back({"float", [&] {
                  tshape::kernels::merge::combine_row<tshape::kernels::simd::native, tshape::kernels::merge::op::add, false, 1, 1>(
                      fx, fy.data(), n);
                  clobber(fy.data());
                }});
  vs.push_back({"int8", [&] { kq::add(n, a.data(), b.data(), p, y.data()), clobber(y.data()); }});
  vs.push_back({"int8 tables", [&] { kq::add(n, a.data(), b.data(), p, tables, y_tables.data()), clobber(y_tables.data()); }});
  const auto t = time_interleaved(vs, opt);
  const bool same = y == y_tables;
  std::printf("%9td  %10.0f %10.0f %12.0f   %8.2fx %8.2fx%s\n", n, median(t[0]), median(t[1]), median(t[2]), paired_ratio(t, 0, 1),
              paired_ratio(t, 2, 1), same ? "" : "  KERNEL AND TABLES DIFFER");
  return same;
}

int main(int argc, char** argv) {
  options opt;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--quick") {
      opt.quick = true;
    } else if (a == "--seconds" && i + 1 < argc) {
      opt.seconds = std::atof(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: %s [--quick] [--seconds S]\n", argv[0]);
      return 2;
    }
  }
  if (openblas_set_num_threads) openblas_set_num_threads(1);
  omp_set_num_threads(1);
  std::printf("int8 Dense against float Dense, 1 thread; int8 kernels: %s%s\n", tshape::kernels::quant::dense_path(),
              opt.quick ? " (quick: a smoke test, not figures)" : "");
  std::printf("(batch, in, out)   float ns  int8 model ns  int8 kernel ns  float/model float/kernel  steps\n");
  bool ok = true;
  ok &= run_shape<1, 128, 128>(opt);
  ok &= run_shape<1, 784, 128>(opt);
  ok &= run_shape<32, 128, 128>(opt);
  ok &= run_shape<32, 784, 128>(opt);
  ok &= run_shape<32, 1024, 1024>(opt);
  std::printf("Conv2D 3x3 'same' (batch, h, w, channels) -> filters; int8 kernels: %s\n", tshape::kernels::quant::conv2d_path());
  print_conv_header();
  ok &= run_conv<1, 28, 28, 16, 32>(opt);
  ok &= run_conv<1, 32, 32, 32, 64>(opt);
  ok &= run_conv<8, 16, 16, 64, 64>(opt);
  std::printf("DepthwiseConv2D 3x3 'same' (batch, h, w, channels) /stride; int8 kernels: %s\n",
              tshape::kernels::quant::depthwise_path());
  print_conv_header();
  ok &= run_depthwise<1, 56, 56, 32, 1>(opt);
  ok &= run_depthwise<1, 28, 28, 96, 2>(opt);
  ok &= run_depthwise<1, 14, 14, 256, 1>(opt);
  ok &= run_depthwise<8, 14, 14, 64, 1>(opt);
  std::printf("Add of two tensors (values); int8: TFLite's Add on %s\n",
#if defined(TSHAPE_SIMD_AVX512) || defined(TSHAPE_SIMD_AVX2) || defined(TSHAPE_SIMD_NEON)
              "vectors"
#else
              "the portable tables"
#endif
  );
  std::printf("%9s  %10s %10s %12s   %9s %9s\n", "values", "float ns", "int8 ns", "tables ns", "float/int8", "tables/int8");
  ok &= run_add(16 * 16 * 16, opt);
  ok &= run_add(32 * 32 * 32, opt);
  ok &= run_add(8 * 56 * 56 * 64, opt);
  return ok ? 0 : 1;
}
