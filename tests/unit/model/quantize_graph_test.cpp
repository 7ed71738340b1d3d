// quantize() on functional models: a residual CNN (a shortcut read twice, Add, a ReLU after it, a
// BatchNormalization folded into its convolution, a last Dense with Softmax) and models joined by
// Concatenate (along the channels and along the first axis). The int8 pass is checked bit for bit
// against the same graph rebuilt node by node from the plain reference kernels on the quantized model's
// own constants; the float call against the float model (a stated tolerance, and the same class on
// most samples).
#include <tshape/model/model_ptr.hpp>
#include <tshape/model/quantize_graph.hpp>
#include <tshape/tshape.hpp>

#include <array>
#include <cmath>
#include <vector>

#include "../../../examples/functional/resnet.hpp"
#include "../support.hpp"
#include "quant_support.hpp"

using namespace tshape;
namespace kq = tshape::kernels::quant;
using tshape_test::quant::fill;
using tshape_test::quant::same;
using tshape_test::quant::unpack;

namespace quantize_graph_test {

using Conv3 = Kernel<3, 3>;
// Conv2D -> [Conv2D, ReLU -> Conv2D -> BatchNormalization] + identity shortcut -> Add -> ReLU
//        -> GlobalAveragePooling2D -> Dense Softmax.
constexpr auto image = Input<8, 7, 3>{};
constexpr auto stem = Conv2D<8, Conv3, Padding::same, ReLU>{}(image);
constexpr auto branch1 = Conv2D<8, Conv3, Padding::same, ReLU6>{}(stem);
constexpr auto branch2 = Conv2D<8, Conv3, Padding::same>{}(branch1);
constexpr auto branch_bn = BatchNormalization{}(branch2);
constexpr auto sum = Add{}(stem, branch_bn);
constexpr auto block = ReLU{}(sum);
constexpr auto pooled = GlobalAveragePooling2D{}(block);
constexpr auto scores = Dense<5, Softmax>{}(pooled);
using ResidualNet = decltype(model(image, scores));

// Two branches joined along the channels: a Conv2D and a DepthwiseConv2D, each quantized its own way.
constexpr auto small = Input<6, 5, 2>{};
constexpr auto left = Conv2D<4, Conv3, Padding::same, ReLU6>{}(small);
constexpr auto right = DepthwiseConv2D<Conv3, Padding::same, DepthMultiplier<2>>{}(small);
constexpr auto joined = Concatenate<>{}(left, right);
constexpr auto joined_pool = MaxPooling2D<Pool<2, 2>>{}(joined);
constexpr auto joined_out = Dense<3>{}(Flatten{}(joined_pool));
using Branches = decltype(model(small, joined_out));

// Along the first axis, three inputs (one of them the model's Input itself).
constexpr auto rows = Input<4, 3>{};
constexpr auto r1 = Dense<3, ReLU>{}(rows);
constexpr auto r2 = Dense<3, Tanh>{}(rows);
constexpr auto stacked = Concatenate<0>{}(r1, rows, r2);
constexpr auto stacked_out = Dense<2>{}(Flatten{}(stacked));
using Stacked = decltype(model(rows, stacked_out));

template <class Net, class T>
constexpr std::size_t node_of(const T&) {
  constexpr int k = detail::index_in_v<T, typename Net::nodes>;
  static_assert(k >= 0);
  return static_cast<std::size_t>(k);
}


using bytes = std::vector<std::int8_t>;

// A stage's requantization from the quantization `in` to the zero point `out_zero_point`.
template <class St>
kq::requantization requant(const St& st, kq::affine in, std::int32_t out_zero_point) {
  return kq::requantization{st.bias.data(), st.sums.data(), st.multiplier.data(), st.shift.data(),
                            in.zero_point,   out_zero_point, st.min,           st.max};
}

/// The largest sum of |weights| into one output of a Dense: how far an error of one step on each
/// input can move an output.
template <class D>
float largest_column_sum(const D& dense) {
  const auto k = dense.kernel();
  float most = 0.0f;
  for (int c = 0; c < k.extent(1); ++c) {
    float sum = 0.0f;
    for (int r = 0; r < k.extent(0); ++r) sum += std::fabs(k(r, c));
    most = std::max(most, sum);
  }
  return most;
}

template <class Y, class F>
void check_close(const Y& y, const F& yf, int rows_count, int classes, float tolerance, int min_agree) {
  int agree = 0;
  float worst = 0.0f;
  for (int r = 0; r < rows_count; ++r) {
    int best = 0, best_f = 0;
    for (int c = 0; c < classes; ++c) {
      worst = std::max(worst, std::fabs(y(r, c) - yf(r, c)));
      if (y(r, c) > y(r, best)) best = c;
      if (yf(r, c) > yf(r, best_f)) best_f = c;
    }
    agree += best == best_f;
  }
  INFO("largest difference " << worst << ", same class on " << agree << " of " << rows_count);
  CHECK(worst <= tolerance);
  CHECK(agree >= min_agree);
}

}  // namespace quantize_graph_test

using namespace quantize_graph_test;

TEST_CASE("quantize: a residual CNN's int8 pass is the reference kernels', node by node", "[quant]") {
  using Net = ResidualNet;
  using Q = Quantized<Net>;
  auto net = make_model<Net>(17);
  // BatchNormalization with statistics of its own, so that folding matters.
  {
    auto& bn = layer(net, branch_bn);
    tshape_test::random_floats rnd(3);
    for (auto& v : bn.gamma()) v = rnd(0.5f, 1.5f);
    for (auto& v : bn.beta()) v = rnd(-0.3f, 0.3f);
    for (auto& v : bn.moving_mean()) v = rnd(-0.2f, 0.2f);
    for (auto& v : bn.moving_variance()) v = rnd(0.5f, 2.0f);
    // Scores far from uniform, so that the class is decided by the model rather than by rounding.
    for (auto& v : layer(net, scores).kernel()) v *= 8.0f;
  }
  Tensor<float, Shape<dyn, 8, 7, 3>> calibration(100), x(100);
  fill(calibration, 1);
  fill(x, 2);
  const auto q = quantize(*net, calibration);
  STATIC_REQUIRE(std::is_same_v<std::remove_cvref_t<decltype(q)>, Q>);

  const std::size_t k_image = node_of<Net>(image), k_stem = node_of<Net>(stem), k_b1 = node_of<Net>(branch1),
                    k_b2 = node_of<Net>(branch2), k_bn = node_of<Net>(branch_bn), k_sum = node_of<Net>(sum),
                    k_block = node_of<Net>(block), k_pool = node_of<Net>(pooled), k_out = node_of<Net>(scores);
  const auto& t = q.tensors;
  // The folded BatchNormalization passes its convolution's quantization on; the ReLU keeps the Add's.
  CHECK(same(t[k_bn], t[k_b2]));
  CHECK(same(t[k_block], t[k_sum]));
  CHECK(same(t[k_out], kq::softmax_output));
  CHECK(same(q.quantization_of(stem), t[k_stem]));

  const auto xq = q.quantize_input(x);
  const auto yq = q.int8(xq);
  const int batch = 100;

  // Node by node with the plain kernels.
  constexpr kq::conv_geometry g3{8, 7, 3, 3, 3, 8, 1, 1, 1, 1, 8, 7};
  constexpr kq::conv_geometry g8{8, 7, 8, 3, 3, 8, 1, 1, 1, 1, 8, 7};
  const std::size_t cells = 8 * 7 * 8;
  bytes a(xq.begin(), xq.end()), s(batch * cells), b1(batch * cells), b2(batch * cells), sm(batch * cells),
      blk(batch * cells), pool(batch * 8), out(batch * 5);
  const auto& st_stem = std::get<node_of<Net>(stem)>(q.stages);
  const auto& st_b1 = std::get<node_of<Net>(branch1)>(q.stages);
  const auto& st_b2 = std::get<node_of<Net>(branch2)>(q.stages);
  const auto& st_sum = std::get<node_of<Net>(sum)>(q.stages);
  const auto& st_pool = std::get<node_of<Net>(pooled)>(q.stages);
  const auto& st_out = std::get<node_of<Net>(scores)>(q.stages);
  kq::conv2d_reference(g3, batch, a.data(), unpack(st_stem, 27, 8).data(), requant(st_stem, t[k_image], t[k_stem].zero_point), s.data());
  kq::conv2d_reference(g8, batch, s.data(), unpack(st_b1, 72, 8).data(), requant(st_b1, t[k_stem], t[k_b1].zero_point), b1.data());
  kq::conv2d_reference(g8, batch, b1.data(), unpack(st_b2, 72, 8).data(), requant(st_b2, t[k_b1], t[k_b2].zero_point), b2.data());
  // The Add: its constants are TFLite's Prepare for its inputs' and output's quantizations.
  const auto add_p = kq::prepare_add(t[k_stem], t[k_bn], t[k_sum]);
  CHECK(st_sum.params[0].input1_multiplier == add_p.input1_multiplier);
  CHECK(st_sum.params[0].output_multiplier == add_p.output_multiplier);
  CHECK(st_sum.params[0].output_shift == add_p.output_shift);
  kq::add_reference(static_cast<std::ptrdiff_t>(sm.size()), s.data(), b2.data(), add_p, sm.data());
  const auto relu = kq::activation_range(kq::fused::relu, t[k_sum]);
  for (std::size_t i = 0; i < sm.size(); ++i) blk[i] = static_cast<std::int8_t>(std::clamp<int>(sm[i], relu.min, relu.max));
  const kq::mean_params mp{st_pool.multiplier, st_pool.shift, t[k_block].zero_point, t[k_pool].zero_point};
  kq::mean_reference(batch, 8 * 7, 8, blk.data(), mp, pool.data());
  kq::reference(batch, 8, 5, pool.data(), unpack(st_out, 8, 5).data(), requant(st_out, t[k_pool], st_out.pre.zero_point), out.data());
  kq::softmax(out.data(), out.data(), batch, 5, kq::prepare_softmax(st_out.pre.scale));
  CHECK(bytes(yq.begin(), yq.end()) == out);

  // The float call is quantize -> int8 -> dequantize, and close to the float model.
  const auto y = q(x);
  const auto expected = q.dequantize_output(yq);
  CHECK(std::vector<float>(y.begin(), y.end()) == std::vector<float>(expected.begin(), expected.end()));
  const auto yf = (*net)(x);
  check_close(y, yf, batch, 5, 0.04f, 95);

  // Memory: 64-byte buffers (the image's 192 bytes, six of 8 x 7 x 8 = 448, the pooled and the scores),
  // reused: the stem's buffer follows the image's, and while the branch runs the stem (read by the
  // Add) and two branch tensors are alive after it: 192 + 3 x 448; then the larger scratch of a
  // convolution.
  STATIC_REQUIRE(Q::unshared_bytes(1) == 192 + 6 * 448 + 64 + 64);
  STATIC_REQUIRE(Q::arena_bytes(1) == 1536 + std::max(g3.scratch_bytes(), g8.scratch_bytes()));
  STATIC_REQUIRE(Q::param_bytes > 0);

  // Firmware: the float pass on the caller's arena, as the call.
  static Q::arena<2> arena;
  float firmware[2 * 5];
  q.forward(x.data(), firmware, arena);
  CHECK(std::vector<float>(firmware, firmware + 10) == std::vector<float>(y.data(), y.data() + 10));
}

TEST_CASE("quantize: Concatenate of a Conv2D and a DepthwiseConv2D, rescaled to its own quantization", "[quant]") {
  using Net = Branches;
  auto net = make_model<Net>(23);
  Tensor<float, Shape<dyn, 6, 5, 2>> calibration(64), x(50);
  fill(calibration, 4, -2.0f, 2.0f);
  fill(x, 5, -2.0f, 2.0f);
  const auto q = quantize(*net, calibration);
  const auto& t = q.tensors;
  const std::size_t k_in = node_of<Net>(small), k_left = node_of<Net>(left), k_right = node_of<Net>(right),
                    k_cat = node_of<Net>(joined), k_out = node_of<Net>(joined_out);
  // The joined range is the union of the branches': neither branch's quantization is the output's.
  CHECK(!same(t[k_cat], t[k_left]));
  CHECK(!same(t[k_cat], t[k_right]));
  const auto& st_cat = std::get<node_of<Net>(joined)>(q.stages);
  CHECK(!st_cat.params[0].copy);
  CHECK(!st_cat.params[1].copy);

  const int batch = 50;
  const auto xq = q.quantize_input(x);
  const auto yq = q.int8(xq);
  constexpr kq::conv_geometry g{6, 5, 2, 3, 3, 4, 1, 1, 1, 1, 6, 5};
  const auto& st_left = std::get<node_of<Net>(left)>(q.stages);
  const auto& st_right = std::get<node_of<Net>(right)>(q.stages);
  const auto& st_out = std::get<node_of<Net>(joined_out)>(q.stages);
  bytes a(xq.begin(), xq.end()), l(batch * 30 * 4), r(batch * 30 * 4), c(batch * 30 * 8), p(batch * 3 * 2 * 8), y(batch * 3);
  kq::conv2d_reference(g, batch, a.data(), unpack(st_left, 18, 4).data(), requant(st_left, t[k_in], t[k_left].zero_point), l.data());
  const auto dg = kernels::make_geometry(6, 5, 2, 3, 3, 1, 1, 1, 1, true, 4);
  bytes dw(9 * 4);
  for (int tap = 0; tap < 9; ++tap)
    for (int o = 0; o < 4; ++o) dw[static_cast<std::size_t>(tap * 4 + o)] = st_right.weights[static_cast<std::size_t>(tap * kq::padded_units(4) + o)];
  const kq::requantization rq{st_right.bias.data(), nullptr, st_right.multiplier.data(), st_right.shift.data(),
                              t[k_in].zero_point,   t[k_right].zero_point, st_right.min, st_right.max};
  kq::depthwise_reference(dg, batch, a.data(), dw.data(), rq, r.data());
  const std::int8_t* parts[2] = {l.data(), r.data()};
  const std::ptrdiff_t len[2] = {4, 4};
  const kq::requantize_params rp[2] = {kq::prepare_requantize(t[k_left], t[k_cat]), kq::prepare_requantize(t[k_right], t[k_cat])};
  kq::concatenate_reference(batch * 30, 2, parts, len, rp, c.data());
  kq::pool_reference<true>(kernels::make_geometry(6, 5, 8, 2, 2, 2, 2, 1, 1, false, 8), batch, c.data(), p.data());
  kq::reference(batch, 48, 3, p.data(), unpack(st_out, 48, 3).data(), requant(st_out, t[node_of<Net>(joined_pool)], t[k_out].zero_point), y.data());
  CHECK(bytes(yq.begin(), yq.end()) == y);

  const auto yd = q(x);
  const auto yf = (*net)(x);
  check_close(yd, yf, batch, 3, 8 * q.output_quantization().scale, 45);
}

TEST_CASE("quantize: Concatenate along the first axis of three inputs, one the model's Input", "[quant]") {
  using Net = Stacked;
  auto net = make_model<Net>(31);
  Tensor<float, Shape<dyn, 4, 3>> calibration(64), x(40);
  fill(calibration, 8);
  fill(x, 9);
  const auto q = quantize(*net, calibration);
  const auto& t = q.tensors;
  const std::size_t k_in = node_of<Net>(rows), k_r1 = node_of<Net>(r1), k_r2 = node_of<Net>(r2), k_cat = node_of<Net>(stacked);
  CHECK(same(t[k_r2], kq::tanh_output));

  const int batch = 40;
  const auto xq = q.quantize_input(x);
  const auto yq = q.int8(xq);
  const auto& s1 = std::get<node_of<Net>(r1)>(q.stages);
  const auto& s2 = std::get<node_of<Net>(r2)>(q.stages);
  const auto& so = std::get<node_of<Net>(stacked_out)>(q.stages);
  bytes a(xq.begin(), xq.end()), h1(batch * 12), h2(batch * 12), c(batch * 36), y(batch * 2);
  kq::reference(batch * 4, 3, 3, a.data(), unpack(s1, 3, 3).data(), requant(s1, t[k_in], t[k_r1].zero_point), h1.data());
  kq::reference(batch * 4, 3, 3, a.data(), unpack(s2, 3, 3).data(), requant(s2, t[k_in], s2.pre.zero_point), h2.data());
  kq::lookup(h2.data(), h2.data(), static_cast<std::ptrdiff_t>(h2.size()), kq::tanh_table(kq::prepare_tanh(s2.pre)));
  // Along axis 0 each sample is one row: every input's whole sample in turn.
  const std::int8_t* parts[3] = {h1.data(), a.data(), h2.data()};
  const std::ptrdiff_t len[3] = {12, 12, 12};
  const kq::requantize_params rp[3] = {kq::prepare_requantize(t[k_r1], t[k_cat]), kq::prepare_requantize(t[k_in], t[k_cat]),
                                       kq::prepare_requantize(t[k_r2], t[k_cat])};
  kq::concatenate_reference(batch, 3, parts, len, rp, c.data());
  kq::reference(batch, 36, 2, c.data(), unpack(so, 36, 2).data(), requant(so, t[k_cat], t[node_of<Net>(stacked_out)].zero_point), y.data());
  CHECK(bytes(yq.begin(), yq.end()) == y);

  const auto yd = q(x);
  const auto yf = (*net)(x);
  check_close(yd, yf, batch, 2, 8 * q.output_quantization().scale, 36);
}

TEST_CASE("quantize: the example ResNet (two residual blocks, a projection shortcut, four folded BatchNormalizations)",
          "[quant]") {
  using Net = resnet::Net;
  auto net = make_model<Net>(3);
  tshape_test::random_floats rnd(41);
  // BatchNormalizations with statistics of their own; scores far from uniform.
  auto stats = [&](auto& bn) {
    for (auto& v : bn.gamma()) v = rnd(0.5f, 1.5f);
    for (auto& v : bn.beta()) v = rnd(-0.2f, 0.2f);
    for (auto& v : bn.moving_mean()) v = rnd(-0.1f, 0.1f);
    for (auto& v : bn.moving_variance()) v = rnd(0.5f, 2.0f);
  };
  stats(layer(net, resnet::b1_bn1));
  stats(layer(net, resnet::b1_bn2));
  stats(layer(net, resnet::b2_bn1));
  stats(layer(net, resnet::b2_bn2));
  for (auto& v : layer(net, resnet::scores).kernel()) v *= 8.0f;
  Tensor<float, Shape<dyn, 16, 16, 3>> calibration(64), x(100);
  fill(calibration, 42, 0.0f, 1.0f);
  fill(x, 43, 0.0f, 1.0f);
  const auto q = quantize(*net, calibration);
  const auto y = q(x);
  const auto yf = (*net)(x);
  check_close(y, yf, 100, 10, 0.05f, 95);
}

namespace quantize_graph_test {
// Two Inputs (an image and a vector), joined; two outputs (class scores and a regression).
constexpr auto picture = Input<5, 4, 2>{};
constexpr auto meta = Input<3>{};
constexpr auto seen = Conv2D<6, Conv3, Padding::same, ReLU>{}(picture);
constexpr auto features = GlobalAveragePooling2D{}(seen);
constexpr auto described = Dense<4, ReLU>{}(meta);
constexpr auto both = Concatenate<>{}(features, described);
constexpr auto classes = Dense<3, Softmax>{}(both);
constexpr auto amount = Dense<2>{}(both);
using TwoWay = decltype(model(inputs(picture, meta), outputs(classes, amount)));
}  // namespace quantize_graph_test

TEST_CASE("quantize: a model of two Inputs and two outputs, whose calls take and give one tensor each", "[quant]") {
  using Net = TwoWay;
  auto net = make_model<Net>(51);
  for (auto& v : layer(net, classes).kernel()) v *= 6.0f;
  Tensor<float, Shape<dyn, 5, 4, 2>> cal_a(64), xa(30);
  Tensor<float, Shape<dyn, 3>> cal_b(64), xb(30);
  fill(cal_a, 52);
  fill(xa, 53);
  fill(cal_b, 54, -2.0f, 2.0f);
  fill(xb, 55, -2.0f, 2.0f);
  const auto q = quantize(*net, cal_a, cal_b);
  const auto& t = q.tensors;
  CHECK(same(q.input_quantization<1>(), t[node_of<Net>(meta)]));
  CHECK(same(q.output_quantization<0>(), kq::softmax_output));
  CHECK(same(q.output_quantization<1>(), t[node_of<Net>(amount)]));

  const int batch = 30;
  const auto qa = q.quantize_input<0>(xa);
  const auto qb = q.quantize_input<1>(xb);
  const auto [yc, ya] = q.int8(qa, qb);
  STATIC_REQUIRE(std::is_same_v<std::remove_cvref_t<decltype(yc)>, Tensor<std::int8_t, Shape<dyn, 3>>>);
  STATIC_REQUIRE(std::is_same_v<std::remove_cvref_t<decltype(ya)>, Tensor<std::int8_t, Shape<dyn, 2>>>);

  const auto& s_seen = std::get<node_of<Net>(seen)>(q.stages);
  const auto& s_feat = std::get<node_of<Net>(features)>(q.stages);
  const auto& s_desc = std::get<node_of<Net>(described)>(q.stages);
  const auto& s_cls = std::get<node_of<Net>(classes)>(q.stages);
  const auto& s_amt = std::get<node_of<Net>(amount)>(q.stages);
  const auto tq = [&](const auto& tensor) { return t[node_of<Net>(tensor)]; };
  bytes a(qa.begin(), qa.end()), b(qb.begin(), qb.end()), conv(batch * 20 * 6), feat(batch * 6), desc(batch * 4), cat(batch * 10),
      c(batch * 3), r(batch * 2);
  constexpr kq::conv_geometry g{5, 4, 2, 3, 3, 6, 1, 1, 1, 1, 5, 4};
  kq::conv2d_reference(g, batch, a.data(), unpack(s_seen, 18, 6).data(), requant(s_seen, tq(picture), tq(seen).zero_point), conv.data());
  kq::mean_reference(batch, 20, 6, conv.data(), kq::mean_params{s_feat.multiplier, s_feat.shift, tq(seen).zero_point, tq(features).zero_point},
                     feat.data());
  kq::reference(batch, 3, 4, b.data(), unpack(s_desc, 3, 4).data(), requant(s_desc, tq(meta), tq(described).zero_point), desc.data());
  const std::int8_t* parts[2] = {feat.data(), desc.data()};
  const std::ptrdiff_t len[2] = {6, 4};
  const kq::requantize_params rp[2] = {kq::prepare_requantize(tq(features), tq(both)), kq::prepare_requantize(tq(described), tq(both))};
  kq::concatenate_reference(batch, 2, parts, len, rp, cat.data());
  kq::reference(batch, 10, 3, cat.data(), unpack(s_cls, 10, 3).data(), requant(s_cls, tq(both), s_cls.pre.zero_point), c.data());
  kq::softmax(c.data(), c.data(), batch, 3, kq::prepare_softmax(s_cls.pre.scale));
  kq::reference(batch, 10, 2, cat.data(), unpack(s_amt, 10, 2).data(), requant(s_amt, tq(both), tq(amount).zero_point), r.data());
  CHECK(bytes(yc.begin(), yc.end()) == c);
  CHECK(bytes(ya.begin(), ya.end()) == r);

  // The float call: quantize each input, the int8 pass, dequantize each output.
  const auto [fc, fa] = q(xa, xb);
  const auto dc = q.dequantize_output<0>(yc);
  const auto da = q.dequantize_output<1>(ya);
  CHECK(std::vector<float>(fc.begin(), fc.end()) == std::vector<float>(dc.begin(), dc.end()));
  CHECK(std::vector<float>(fa.begin(), fa.end()) == std::vector<float>(da.begin(), da.end()));
  const auto [gc, ga] = (*net)(xa, xb);
  check_close(fc, gc, batch, 3, 0.04f, 28);
  check_close(fa, ga, batch, 2, 8 * q.output_quantization<1>().scale, 25);
}

namespace quantize_graph_test {
// A shared layer applied twice (one set of weights, each application its own quantization), an Add of
// the two, ReLU6 after it.
struct twin;
constexpr Shared<twin, Dense<6>> shared_dense{};
constexpr auto vec = Input<6>{};
constexpr auto once = shared_dense(vec);
constexpr auto twice = shared_dense(Dense<6, ReLU>{}(vec));
constexpr auto added = Add{}(once, twice);
constexpr auto clipped = ReLU6{}(added);
using Twins = decltype(model(vec, Dense<2>{}(clipped)));
}  // namespace quantize_graph_test

TEST_CASE("quantize: a shared layer's applications each have their own quantization, and Add then ReLU6", "[quant]") {
  using Net = Twins;
  auto net = make_model<Net>(61);
  Tensor<float, Shape<dyn, 6>> calibration(64), x(20);
  fill(calibration, 62, -3.0f, 3.0f);
  fill(x, 63, -3.0f, 3.0f);
  const auto q = quantize(*net, calibration);
  const auto& t = q.tensors;
  CHECK(!same(t[node_of<Net>(once)], t[node_of<Net>(twice)]));
  const auto& s_once = std::get<node_of<Net>(once)>(q.stages);
  const auto& s_twice = std::get<node_of<Net>(twice)>(q.stages);
  const auto& s_add = std::get<node_of<Net>(added)>(q.stages);
  const auto& s_mid = std::get<node_of<Net>(twice) - 1>(q.stages);  // the Dense<6, ReLU> before the second application
  constexpr std::size_t k_mid = node_of<Net>(twice) - 1;
  constexpr std::size_t k_out = Net::n - 1;
  const auto& s_out = std::get<k_out>(q.stages);
  const int batch = 20;
  const auto xq = q.quantize_input(x);
  const auto yq = q.int8(xq);
  bytes a(xq.begin(), xq.end()), o(batch * 6), m(batch * 6), w(batch * 6), sum(batch * 6), y(batch * 2);
  const auto tv = t[node_of<Net>(vec)];
  kq::reference(batch, 6, 6, a.data(), unpack(s_once, 6, 6).data(), requant(s_once, tv, t[node_of<Net>(once)].zero_point), o.data());
  kq::reference(batch, 6, 6, a.data(), unpack(s_mid, 6, 6).data(), requant(s_mid, tv, t[k_mid].zero_point), m.data());
  kq::reference(batch, 6, 6, m.data(), unpack(s_twice, 6, 6).data(), requant(s_twice, t[k_mid], t[node_of<Net>(twice)].zero_point),
                w.data());
  // The same weights, quantized against each application's own ranges: the same int8 kernel values.
  CHECK(unpack(s_once, 6, 6) == unpack(s_twice, 6, 6));
  kq::add_reference(batch * 6, o.data(), w.data(), s_add.params[0], sum.data());
  const auto r6 = kq::activation_range(kq::fused::relu6, t[node_of<Net>(added)]);
  for (auto& v : sum) v = static_cast<std::int8_t>(std::clamp<int>(v, r6.min, r6.max));
  kq::reference(batch, 6, 2, sum.data(), unpack(s_out, 6, 2).data(), requant(s_out, t[node_of<Net>(clipped)], t[k_out].zero_point), y.data());
  CHECK(bytes(yq.begin(), yq.end()) == y);
  const auto yd = q(x);
  const auto yf = (*net)(x);
  // The last Dense sums six values, each within a step of the Add's quantization, which is twice as
  // coarse as the output's: 16 output steps (6% of the output's range here).
  check_close(yd, yf, batch, 2, 16 * q.output_quantization().scale, 18);
}

namespace quantize_graph_test {
// Sigmoid and Tanh fused into convolutions (their pre-activations calibrated from the logits the layer
// keeps, or from Tanh's inverse), joined by Add.
constexpr auto patch = Input<5, 5, 3>{};
constexpr auto gate = Conv2D<3, Conv3, Padding::same, Sigmoid>{}(patch);
constexpr auto squash = DepthwiseConv2D<Conv3, Padding::same, Tanh>{}(patch);
constexpr auto mixed = Add{}(gate, squash);
using Gated = decltype(model(patch, Dense<2>{}(GlobalAveragePooling2D{}(mixed))));
}  // namespace quantize_graph_test

TEST_CASE("quantize: Sigmoid and Tanh fused into a Conv2D and a DepthwiseConv2D of a graph", "[quant]") {
  using Net = Gated;
  auto net = make_model<Net>(71);
  Tensor<float, Shape<dyn, 5, 5, 3>> calibration(64), x(30);
  fill(calibration, 72, -2.0f, 2.0f);
  fill(x, 73, -2.0f, 2.0f);
  const auto q = quantize(*net, calibration);
  CHECK(same(q.quantization_of(gate), kq::logistic_output));
  CHECK(same(q.quantization_of(squash), kq::tanh_output));
  // Each requantizes to its calibrated pre-activation range, wider than its output's.
  CHECK(std::get<node_of<Net>(gate)>(q.stages).pre.scale > kq::logistic_output.scale);
  CHECK(std::get<node_of<Net>(squash)>(q.stages).pre.scale > kq::tanh_output.scale);
  const auto y = q(x);
  const auto yf = (*net)(x);
  // The output is narrow (a Dense of averages of bounded values), so the bound is in the Add's steps:
  // two of them on each input of the last Dense, through its weights, plus two output steps.
  const float most = largest_column_sum(layer(net, Dense<2>{}(GlobalAveragePooling2D{}(mixed))));
  const float bound = 2 * q.quantization_of(mixed).scale * most + 2 * q.output_quantization().scale;
  check_close(y, yf, 30, 2, bound, 27);
}

namespace quantize_graph_test {
// A broadcast Add: a per-channel vector (from a Dense on the pooled features) added at every pixel.
constexpr auto scene = Input<4, 5, 3>{};
constexpr auto mapped = Conv2D<6, Conv3, Padding::same>{}(scene);
constexpr auto context = Dense<6, Tanh>{}(GlobalAveragePooling2D{}(mapped));
constexpr auto shifted = Add{}(mapped, context);  // (4, 5, 6) + (6)
constexpr auto shifted_out = Dense<2>{}(GlobalAveragePooling2D{}(ReLU{}(shifted)));
using Broadcast = decltype(model(scene, shifted_out));
}  // namespace quantize_graph_test

TEST_CASE("quantize: an Add that broadcasts a vector over an image, as TFLite's BroadcastAdd", "[quant]") {
  using Net = Broadcast;
  auto net = make_model<Net>(81);
  Tensor<float, Shape<dyn, 4, 5, 3>> calibration(64), x(20);
  fill(calibration, 82);
  fill(x, 83);
  const auto q = quantize(*net, calibration);
  const auto& t = q.tensors;
  const int batch = 20;
  const auto xq = q.quantize_input(x);
  const auto yq = q.int8(xq);
  const auto& s_map = std::get<node_of<Net>(mapped)>(q.stages);
  const auto& s_ctx = std::get<node_of<Net>(context)>(q.stages);
  const auto& s_add = std::get<node_of<Net>(shifted)>(q.stages);
  constexpr std::size_t k_pool1 = node_of<Net>(context) - 1, k_relu = node_of<Net>(shifted) + 1, k_pool2 = k_relu + 1;
  const auto& s_pool1 = std::get<k_pool1>(q.stages);
  const auto& s_pool2 = std::get<k_pool2>(q.stages);
  const auto& s_out = std::get<node_of<Net>(shifted_out)>(q.stages);
  const auto tq = [&](const auto& tensor) { return t[node_of<Net>(tensor)]; };
  bytes a(xq.begin(), xq.end()), m(batch * 120), p1(batch * 6), c(batch * 6), sum(batch * 120), p2(batch * 6), y(batch * 2);
  constexpr kq::conv_geometry g{4, 5, 3, 3, 3, 6, 1, 1, 1, 1, 4, 5};
  kq::conv2d_reference(g, batch, a.data(), unpack(s_map, 27, 6).data(), requant(s_map, tq(scene), tq(mapped).zero_point), m.data());
  kq::mean_reference(batch, 20, 6, m.data(), kq::mean_params{s_pool1.multiplier, s_pool1.shift, tq(mapped).zero_point, t[k_pool1].zero_point},
                     p1.data());
  kq::reference(batch, 6, 6, p1.data(), unpack(s_ctx, 6, 6).data(), requant(s_ctx, t[k_pool1], s_ctx.pre.zero_point), c.data());
  kq::lookup(c.data(), c.data(), static_cast<std::ptrdiff_t>(c.size()), kq::tanh_table(kq::prepare_tanh(s_ctx.pre)));
  // Literally: pixel value (i, j, ch) plus the vector's ch, TFLite's Add arithmetic on each pair.
  const auto add_p = kq::prepare_add(tq(mapped), tq(context), tq(shifted));
  CHECK(s_add.params[0].output_multiplier == add_p.output_multiplier);
  for (int s = 0; s < batch; ++s)
    for (int i = 0; i < 120; ++i)
      sum[static_cast<std::size_t>(s * 120 + i)] = kq::add_value(m[static_cast<std::size_t>(s * 120 + i)], c[static_cast<std::size_t>(s * 6 + i % 6)], add_p);
  const auto relu = kq::activation_range(kq::fused::relu, tq(shifted));
  for (auto& v : sum) v = static_cast<std::int8_t>(std::clamp<int>(v, relu.min, relu.max));
  kq::mean_reference(batch, 20, 6, sum.data(), kq::mean_params{s_pool2.multiplier, s_pool2.shift, t[k_relu].zero_point, t[k_pool2].zero_point},
                     p2.data());
  kq::reference(batch, 6, 2, p2.data(), unpack(s_out, 6, 2).data(), requant(s_out, t[k_pool2], tq(shifted_out).zero_point), y.data());
  CHECK(bytes(yq.begin(), yq.end()) == y);
  const auto yd = q(x);
  const auto yf = (*net)(x);
  check_close(yd, yf, batch, 2, 8 * q.output_quantization().scale, 18);
}

namespace quantize_graph_test {
// A 1D residual block, as a keyword spotter or a sensor model writes it: causal dilated Conv1D
// layers with an identity shortcut, then a Softmax head.
constexpr auto frames = Input<16, 4>{};
constexpr auto front = Conv1D<8, Kernel<3>, Padding::causal, ReLU>{}(frames);
constexpr auto dilated = Conv1D<8, Kernel<3>, Padding::causal, DilationRate<2>, ReLU>{}(front);
constexpr auto joined_1d = ReLU{}(Add{}(front, dilated));
constexpr auto words = Dense<4, Softmax>{}(GlobalAveragePooling1D{}(joined_1d));
using Residual1D = decltype(model(frames, words));
}  // namespace quantize_graph_test

TEST_CASE("quantize: a residual block of causal Conv1D layers (the second dilated) with a Softmax head", "[quant]") {
  using Net = Residual1D;
  auto net = make_model<Net>(91);
  Tensor<float, Shape<dyn, 16, 4>> calibration(64), x(40);
  fill(calibration, 92);
  fill(x, 93);
  const auto q = quantize(*net, calibration);
  CHECK(same(q.output_quantization(), kq::softmax_output));
  // The Add requantizes both branches to its own calibrated range (TFLite's Add).
  const auto& s_add = std::get<node_of<Net>(Add{}(front, dilated))>(q.stages);
  CHECK(s_add.params[0].output_multiplier ==
        kq::prepare_add(q.quantization_of(front), q.quantization_of(dilated), q.quantization_of(Add{}(front, dilated)))
            .output_multiplier);
  const auto y = q(x);
  const auto yf = (*net)(x);
  check_close(y, yf, 40, 4, 0.04f, 36);
}

namespace quantize_graph_test {
// An Add of three inputs, the last a per-channel vector broadcast over the image: int8 runs it as
// Keras folds it, ((a + b) + c), each partial sum with its own calibrated quantization.
constexpr auto tri_in = Input<3, 4, 2>{};
constexpr auto tri_a = Conv2D<5, Conv3, Padding::same>{}(tri_in);
constexpr auto tri_b = Conv2D<5, Kernel<1, 1>, ReLU>{}(tri_in);
constexpr auto tri_c = Dense<5, Tanh>{}(GlobalAveragePooling2D{}(tri_in));
constexpr auto tri_sum = Add{}(tri_a, tri_b, tri_c);  // (3, 4, 5) + (3, 4, 5) + (5)
constexpr auto tri_out = Dense<3>{}(Flatten{}(tri_sum));
using ThreeWay = decltype(model(tri_in, outputs(tri_out, tri_sum)));
}  // namespace quantize_graph_test

TEST_CASE("quantize: an Add of three inputs, one broadcast, is the chain of TFLite's two-input Adds", "[quant]") {
  using Net = ThreeWay;
  auto net = make_model<Net>(101);
  for (auto& v : layer(net, tri_b).kernel()) v *= 3.0f;  // partial sums wider than either input's range
  Tensor<float, Shape<dyn, 3, 4, 2>> calibration(512), x(25);  // enough samples that x's sums fall in range
  fill(calibration, 102);
  fill(x, 103);
  const auto q = quantize(*net, calibration);
  const auto& t = q.tensors;
  const auto tq = [&](const auto& tensor) { return t[node_of<Net>(tensor)]; };
  const auto& st = std::get<node_of<Net>(tri_sum)>(q.stages);
  STATIC_REQUIRE(std::tuple_size_v<decltype(st.params)> == 2);
  STATIC_REQUIRE(std::tuple_size_v<decltype(st.partial)> == 1);
  const auto ab = st.partial[0];
  // The partial sum a + b has its own quantization, wider than either input's.
  CHECK(ab.scale > tq(tri_a).scale);
  CHECK(ab.scale > tq(tri_b).scale);
  const auto p1 = kq::prepare_add(tq(tri_a), tq(tri_b), ab);
  const auto p2 = kq::prepare_add(ab, tq(tri_c), tq(tri_sum));
  CHECK(st.params[0].output_multiplier == p1.output_multiplier);
  CHECK(st.params[0].input2_multiplier == p1.input2_multiplier);
  CHECK(st.params[1].output_multiplier == p2.output_multiplier);
  CHECK(st.params[1].input1_offset == p2.input1_offset);

  // The int8 pass against the model's own int8 node values, element by element, as TFLite runs the two Adds.
  const int batch = 25;
  const auto xq = q.quantize_input(x);
  const auto [yq, sq] = q.int8(xq);
  const auto& s_a = std::get<node_of<Net>(tri_a)>(q.stages);
  const auto& s_b = std::get<node_of<Net>(tri_b)>(q.stages);
  bytes in(xq.begin(), xq.end()), a(batch * 60), b(batch * 60), sum(batch * 60);
  kq::conv2d_reference(kq::conv_geometry{3, 4, 2, 3, 3, 5, 1, 1, 1, 1, 3, 4}, batch, in.data(), unpack(s_a, 18, 5).data(),
                       requant(s_a, tq(tri_in), tq(tri_a).zero_point), a.data());
  kq::conv2d_reference(kq::conv_geometry{3, 4, 2, 1, 1, 5, 1, 1, 0, 0, 3, 4}, batch, in.data(), unpack(s_b, 2, 5).data(),
                       requant(s_b, tq(tri_in), tq(tri_b).zero_point), b.data());
  // c: the vector's nodes (GlobalAveragePooling2D, Dense, Tanh) by the reference kernels.
  constexpr std::size_t k_pool = node_of<Net>(tri_c) - 1;
  const auto& s_pool = std::get<k_pool>(q.stages);
  const auto& s_c = std::get<node_of<Net>(tri_c)>(q.stages);
  bytes pooled(batch * 2), c(batch * 5);
  kq::mean_reference(batch, 12, 2, in.data(), kq::mean_params{s_pool.multiplier, s_pool.shift, tq(tri_in).zero_point, t[k_pool].zero_point},
                     pooled.data());
  kq::reference(batch, 2, 5, pooled.data(), unpack(s_c, 2, 5).data(), requant(s_c, t[k_pool], s_c.pre.zero_point), c.data());
  kq::lookup(c.data(), c.data(), static_cast<std::ptrdiff_t>(c.size()), kq::tanh_table(kq::prepare_tanh(s_c.pre)));
  for (int s = 0; s < batch; ++s)
    for (int i = 0; i < 60; ++i) {
      const auto e = static_cast<std::size_t>(s * 60 + i);
      sum[e] = kq::add_value(kq::add_value(a[e], b[e], p1), c[static_cast<std::size_t>(s * 5 + i % 5)], p2);
    }
  CHECK(bytes(sq.begin(), sq.end()) == sum);

  // Closeness to float: the sum within a few of its steps, the logits within the error a Dense adds.
  const auto [y, s_float] = q(x);
  const auto [yf, sf] = (*net)(x);
  float worst = 0.0f;
  for (std::ptrdiff_t i = 0; i < s_float.size(); ++i) worst = std::max(worst, std::fabs(s_float.data()[i] - sf.data()[i]));
  INFO("largest difference of the sum " << worst << ", its step " << tq(tri_sum).scale);
  CHECK(worst <= 4 * tq(tri_sum).scale);
  check_close(y, yf, batch, 3, 0.1f, 22);

  // The firmware forward of several outputs, on a static arena: the same bytes as the call.
  static Quantized<Net>::arena<25> arena;
  std::vector<std::int8_t> y8(batch * 3), s8(batch * 60);
  q.forward_int8({xq.data()}, {y8.data(), s8.data()}, arena);
  CHECK(bytes(yq.begin(), yq.end()) == y8);
  CHECK(bytes(sq.begin(), sq.end()) == s8);
  std::vector<float> y32(batch * 3), s32(batch * 60);
  q.forward({x.data()}, {y32.data(), s32.data()}, arena);
  CHECK(std::vector<float>(y.begin(), y.end()) == y32);
}

namespace quantize_graph_test {
// Rescaling on one branch of a graph: each application its own table into its own quantization.
constexpr auto rs_photo = Input<5, 5, 3>{};
constexpr auto rs_unit = Rescaling<1, 255>{}(rs_photo);
constexpr auto rs_features = Conv2D<4, Conv3, Padding::same, ReLU>{}(rs_unit);
constexpr auto rs_halved = Rescaling<1, 2, Offset<1, 4>>{}(rs_features);
constexpr auto rs_out = Dense<2>{}(GlobalAveragePooling2D{}(Add{}(rs_features, rs_halved)));
using Rescaled = decltype(model(rs_photo, rs_out));
}  // namespace quantize_graph_test

TEST_CASE("quantize: Rescaling in a graph maps each value through its table", "[quant]") {
  using Net = Rescaled;
  auto net = make_model<Net>(81);
  Tensor<float, Shape<dyn, 5, 5, 3>> calibration(48), x(20);
  fill(calibration, 82, 0.0f, 255.0f);
  fill(x, 83, 0.0f, 255.0f);
  const auto q = quantize(*net, calibration);
  const auto t_in = q.quantization_of(rs_features), t_out = q.quantization_of(rs_halved);
  const auto& table = std::get<node_of<Net>(rs_halved)>(q.stages).table;
  // Each entry is the step nearest its value's (within half a step; a tie may go either way).
  for (int v = -128; v <= 127; ++v) {
    const double value = static_cast<double>(t_in.scale) * (v - t_in.zero_point) * 0.5 + 0.25;
    const double step = std::clamp(value / t_out.scale + t_out.zero_point, -128.0, 127.0);
    CHECK(std::fabs(table[static_cast<std::size_t>(v + 128)] - step) <= 0.5 + 1e-4);
  }
  const auto y = q(x);
  const auto yf = (*net)(x);
  const float most = largest_column_sum(layer(net, rs_out));
  // A few steps of the Add's quantization on each input of the last Dense, plus two output steps.
  const float bound = 3 * q.quantization_of(Add{}(rs_features, rs_halved)).scale * most + 2 * q.output_quantization().scale;
  check_close(y, yf, 20, 2, bound, 18);
}
