// The merge layers (add.hpp ... dot.hpp, merging.hpp): shape rules as static_asserts on infer_merge,
// and forward passes against plain loops (NumPy's broadcasting written out index by index) on odd
// shapes, with Keras' docstring examples where Keras gives one.
#include <tshape/layers/add.hpp>
#include <tshape/layers/average.hpp>
#include <tshape/layers/concatenate.hpp>
#include <tshape/layers/dot.hpp>
#include <tshape/layers/maximum.hpp>
#include <tshape/layers/minimum.hpp>
#include <tshape/layers/multiply.hpp>
#include <tshape/layers/subtract.hpp>

#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>
#include <utility>
#include <vector>

#include "../support.hpp"

using namespace tshape;
using error::None;

namespace {
template <class R, class S>
inline constexpr bool gives = std::is_same_v<R, S>;
}

// ---- Shape rules ---------------------------------------------------------------------------------

// Equal shapes; NumPy's broadcasting, right-aligned, along any axis and for any number of inputs.
static_assert(gives<decltype(Add::infer_merge(Shape<8>{}, Shape<8>{})), Shape<8>>);
static_assert(gives<decltype(Add::infer_merge(Shape<4, 5>{}, Shape<5>{})), Shape<4, 5>>);
static_assert(gives<decltype(Add::infer_merge(Shape<5>{}, Shape<4, 5>{})), Shape<4, 5>>);
static_assert(gives<decltype(Multiply::infer_merge(Shape<4, 1>{}, Shape<1, 5>{})), Shape<4, 5>>);
static_assert(gives<decltype(Maximum::infer_merge(Shape<2, 1, 3>{}, Shape<7, 1>{}, Shape<3>{})), Shape<2, 7, 3>>);
static_assert(gives<decltype(Average::infer_merge(Shape<6, 6, 16>{}, Shape<1, 1, 16>{})), Shape<6, 6, 16>>);
static_assert(gives<decltype(Minimum::infer_merge(Shape<3>{}, Shape<3>{}, Shape<3>{}, Shape<3>{})), Shape<3>>);
static_assert(gives<decltype(Subtract::infer_merge(Shape<2, 3>{}, Shape<1>{})), Shape<2, 3>>);
// None against a static extent is None, as in Keras.
static_assert(gives<decltype(Add::infer_merge(Shape<dyn, 4>{}, Shape<5, 4>{})), Shape<dyn, 4>>);
// Failures name every input's shape, in order.
static_assert(gives<decltype(Add::infer_merge(Shape<4, 3>{}, Shape<5>{})),
                    mismatch<error::MERGE_SHAPE_MISMATCH, error::input_shape<None, 4, 3>, error::input_shape<None, 5>>>);
static_assert(gives<decltype(Multiply::infer_merge(Shape<8>{}, Shape<8>{}, Shape<2, 7>{})),
                    mismatch<error::MERGE_SHAPE_MISMATCH, error::input_shape<None, 8>, error::input_shape<None, 8>,
                             error::input_shape<None, 2, 7>>>);
static_assert(gives<decltype(Subtract::infer_merge(Shape<4>{}, Shape<4>{}, Shape<4>{})),
                    mismatch<error::MERGE_SHAPE_MISMATCH, error::expected_input_count<2>, error::input_shape<None, 4>,
                             error::input_shape<None, 4>, error::input_shape<None, 4>>>);
static_assert(gives<decltype(Add::infer_merge(Shape<4>{})),
                    mismatch<error::MERGE_SHAPE_MISMATCH, error::expected_input_count_at_least<2>,
                             error::input_shape<None, 4>>>);
static_assert(is_mismatch_v<decltype(Maximum::infer_merge(Shape<2, 3>{}, Shape<3, 3>{}))>);

// Concatenate: per-sample axis, negative from the end; every other extent equal.
static_assert(gives<decltype(Concatenate<>::infer_merge(Shape<3, 8>{}, Shape<3, 2>{})), Shape<3, 10>>);
static_assert(gives<decltype(Concatenate<-1>::infer_merge(Shape<8>{}, Shape<4>{}, Shape<1>{})), Shape<13>>);
static_assert(gives<decltype(Concatenate<0>::infer_merge(Shape<2, 5>{}, Shape<1, 5>{})), Shape<3, 5>>);
static_assert(gives<decltype(Concatenate<1>::infer_merge(Shape<4, 4, 3>{}, Shape<4, 2, 3>{})), Shape<4, 6, 3>>);
static_assert(gives<decltype(Concatenate<-2>::infer_merge(Shape<4, 4, 3>{}, Shape<4, 2, 3>{})), Shape<4, 6, 3>>);
static_assert(gives<decltype(Concatenate<0>::infer_merge(Shape<dyn, 5>{}, Shape<2, 5>{})), Shape<dyn, 5>>);
static_assert(gives<decltype(Concatenate<0>::infer_merge(Shape<2, 5>{}, Shape<2, 4>{})),
                    mismatch<error::CONCATENATE_MISMATCH, error::concatenation_axis<0>, error::input_shape<None, 2, 5>,
                             error::input_shape<None, 2, 4>>>);
static_assert(gives<decltype(Concatenate<>::infer_merge(Shape<2, 5>{}, Shape<5>{})),
                    mismatch<error::CONCATENATE_MISMATCH, error::concatenation_axis<-1>,
                             error::input_shape<None, 2, 5>, error::input_shape<None, 5>>>);
static_assert(gives<decltype(Concatenate<2>::infer_merge(Shape<2, 5>{}, Shape<2, 5>{})),
                    mismatch<error::CONCATENATE_MISMATCH, error::concatenation_axis<2>, error::axis_out_of_range,
                             error::input_shape<None, 2, 5>, error::input_shape<None, 2, 5>>>);

// Dot: Keras' axes (the batch is 0); x's other axes, then y's; (1,) when none is left.
static_assert(gives<decltype(Dot<Axes<1>>::infer_merge(Shape<8>{}, Shape<8>{})), Shape<1>>);
static_assert(gives<decltype(Dot<Axes<-1>>::infer_merge(Shape<8>{}, Shape<8>{})), Shape<1>>);
static_assert(gives<decltype(Dot<Axes<2, 1>>::infer_merge(Shape<3, 8>{}, Shape<8, 5>{})), Shape<3, 5>>);
static_assert(gives<decltype(Dot<Axes<2>>::infer_merge(Shape<3, 8>{}, Shape<4, 8>{})), Shape<3, 4>>);
static_assert(gives<decltype(Dot<Axes<1, 2>>::infer_merge(Shape<5, 2>{}, Shape<2, 5>{})), Shape<2, 2>>);
static_assert(gives<decltype(Dot<Axes<1, -1>, Normalize<true>>::infer_merge(Shape<5, 2>{}, Shape<3, 5>{})),
                    Shape<2, 3>>);
static_assert(gives<decltype(Dot<Axes<2, 1>>::infer_merge(Shape<3, 8>{}, Shape<8>{})), Shape<3>>);
static_assert(gives<decltype(Dot<Axes<1>>::infer_merge(Shape<8>{}, Shape<7>{})),
                    mismatch<error::DOT_MISMATCH, error::dot_axes<1>, error::input_shape<None, 8>,
                             error::input_shape<None, 7>>>);
static_assert(gives<decltype(Dot<Axes<0>>::infer_merge(Shape<8>{}, Shape<8>{})),
                    mismatch<error::DOT_MISMATCH, error::dot_axes<0>, error::axis_out_of_range,
                             error::input_shape<None, 8>, error::input_shape<None, 8>>>);
static_assert(gives<decltype(Dot<Axes<1, 3>>::infer_merge(Shape<8>{}, Shape<8, 2>{})),
                    mismatch<error::DOT_MISMATCH, error::dot_axes<1, 3>, error::axis_out_of_range,
                             error::input_shape<None, 8>, error::input_shape<None, 8, 2>>>);
static_assert(gives<decltype(Dot<Axes<1>>::infer_merge(Shape<8>{}, Shape<8>{}, Shape<8>{})),
                    mismatch<error::DOT_MISMATCH, error::dot_axes<1>, error::expected_input_count<2>,
                             error::input_shape<None, 8>, error::input_shape<None, 8>, error::input_shape<None, 8>>>);
static_assert(!Dot<Axes<1>>::normalize && Dot<Axes<1>, Normalize<true>>::normalize);

// Keras' names; no parameters.
static_assert(Add::keras_class == "Add" && Add::keras_name == "add" && Add::is_merge);
static_assert(Subtract::keras_name == "subtract" && Multiply::keras_name == "multiply");
static_assert(Average::keras_name == "average" && Maximum::keras_name == "maximum" && Minimum::keras_name == "minimum");
static_assert(Concatenate<>::keras_class == "Concatenate" && Concatenate<>::keras_name == "concatenate");
static_assert(Dot<Axes<1>>::keras_class == "Dot" && Dot<Axes<1>>::keras_name == "dot");
static_assert(Add::bind<Shape<4>, Shape<4>>::param_count == 0 && Concatenate<>::bind<Shape<4>, Shape<2>>::param_count == 0);
static_assert(Dot<Axes<1>>::bind<Shape<4>, Shape<4>>::param_count == 0);
static_assert(std::is_same_v<Add::bind<Shape<4, 1>, Shape<5>>::output_shape, Shape<4, 5>>);
static_assert(layer_spec<Add> && layer_spec<Concatenate<>> && layer_spec<Dot<Axes<1>>>);

// ---- Forward -------------------------------------------------------------------------------------

namespace {

using shape_vec = std::vector<int>;

int size_of(const shape_vec& s) { return std::accumulate(s.begin(), s.end(), 1, std::multiplies<>()); }

/// NumPy's broadcasting, index by index: out[b, i...] = f(x_k[b, i... clipped to x_k's extents of 1]).
std::vector<float> broadcast_reference(const std::vector<shape_vec>& shapes, const shape_vec& out,
                                       const std::vector<std::vector<float>>& xs, int batch,
                                       const std::function<float(const std::vector<float>&)>& f) {
  const int r = static_cast<int>(out.size());
  const int n = size_of(out);
  std::vector<float> y(static_cast<std::size_t>(n * batch));
  std::vector<float> v(shapes.size());
  for (int b = 0; b < batch; ++b)
    for (int i = 0; i < n; ++i) {
      shape_vec idx(static_cast<std::size_t>(r));
      for (int a = r - 1, t = i; a >= 0; --a) {
        idx[static_cast<std::size_t>(a)] = t % out[static_cast<std::size_t>(a)];
        t /= out[static_cast<std::size_t>(a)];
      }
      for (std::size_t k = 0; k < shapes.size(); ++k) {
        const auto& s = shapes[k];
        const int pad = r - static_cast<int>(s.size());
        int off = 0;
        for (int a = 0; a < static_cast<int>(s.size()); ++a) {
          const int e = s[static_cast<std::size_t>(a)];
          off = off * e + (e == 1 ? 0 : idx[static_cast<std::size_t>(a + pad)]);
        }
        v[k] = xs[k][static_cast<std::size_t>(b * size_of(s) + off)];
      }
      y[static_cast<std::size_t>(b * n + i)] = f(v);
    }
  return y;
}

template <int... D>
shape_vec to_vec(Shape<D...>) {
  return {D...};
}

/// Runs Spec bound to In... on random inputs and compares with the reference loops.
template <class Spec, class... In>
void check_elementwise(int batch, const std::function<float(const std::vector<float>&)>& f, std::uint64_t seed = 3) {
  using B = typename Spec::template bind<In...>;
  tshape_test::random_floats rnd(seed);
  std::vector<std::vector<float>> xs{std::vector<float>(static_cast<std::size_t>(batch * In::static_size))...};
  for (auto& x : xs) rnd.fill(x, -2.0f, 2.0f);
  std::vector<const float*> ptrs;
  for (auto& x : xs) ptrs.push_back(x.data());
  using Out = typename B::output_shape;
  std::vector<float> y(static_cast<std::size_t>(batch * Out::static_size));
  B layer;
  layer.forward(ptrs.data(), y.data(), batch, nullptr);
  const auto expected = broadcast_reference({to_vec(In{})...}, to_vec(Out{}), xs, batch, f);
  tshape_test::require_close(y, expected, 1e-6, 1e-6);
}

float sum_of(const std::vector<float>& v) {
  float s = v[0];
  for (std::size_t k = 1; k < v.size(); ++k) s += v[k];
  return s;
}
float product_of(const std::vector<float>& v) {
  float s = v[0];
  for (std::size_t k = 1; k < v.size(); ++k) s *= v[k];
  return s;
}
float max_of(const std::vector<float>& v) { return *std::max_element(v.begin(), v.end()); }
float min_of(const std::vector<float>& v) { return *std::min_element(v.begin(), v.end()); }
float mean_of(const std::vector<float>& v) { return sum_of(v) / static_cast<float>(v.size()); }
float difference_of(const std::vector<float>& v) { return v[0] - v[1]; }

}  // namespace

TEST_CASE("merge: element-wise merges of equal shapes, any number of inputs", "[layers][merge]") {
  check_elementwise<Add, Shape<7>, Shape<7>>(3, sum_of);
  check_elementwise<Add, Shape<3, 5>, Shape<3, 5>, Shape<3, 5>>(2, sum_of);
  check_elementwise<Subtract, Shape<2, 3, 5>, Shape<2, 3, 5>>(4, difference_of);
  check_elementwise<Multiply, Shape<13>, Shape<13>, Shape<13>, Shape<13>>(1, product_of);
  check_elementwise<Average, Shape<9>, Shape<9>, Shape<9>>(5, mean_of);
  check_elementwise<Maximum, Shape<6, 3>, Shape<6, 3>>(2, max_of);
  check_elementwise<Minimum, Shape<31>, Shape<31>, Shape<31>>(3, min_of);
  // A leading axis of 1 is not broadcasting: the same elements.
  check_elementwise<Add, Shape<1, 6>, Shape<6>>(2, sum_of);
}

namespace {
/// Spec over sizeof...(I) inputs, every third one broadcast along the last axis.
template <class Spec, std::size_t... I>
void check_many(std::index_sequence<I...>, int batch, const std::function<float(const std::vector<float>&)>& f) {
  check_elementwise<Spec, std::conditional_t<I % 3 == 1, Shape<3, 1>, Shape<3, 4>>...>(batch, f);
}
}  // namespace

TEST_CASE("merge: more inputs than a 64-bit mask holds, some broadcast (Keras sets no limit)", "[layers][merge]") {
  check_many<Add>(std::make_index_sequence<70>{}, 2, sum_of);
  check_many<Maximum>(std::make_index_sequence<65>{}, 1, max_of);
  check_many<Average>(std::make_index_sequence<100>{}, 3, mean_of);
}

TEST_CASE("merge: broadcasting along leading, inner and last axes", "[layers][merge]") {
  check_elementwise<Add, Shape<4, 5>, Shape<5>>(3, sum_of);             // a bias-like row
  check_elementwise<Add, Shape<5>, Shape<4, 5>>(2, sum_of);             // the other way round
  check_elementwise<Multiply, Shape<4, 7>, Shape<4, 1>>(3, product_of);  // a gate per row
  check_elementwise<Multiply, Shape<4, 1>, Shape<1, 7>>(2, product_of);  // an outer product
  check_elementwise<Subtract, Shape<3, 1, 5>, Shape<3, 4, 5>>(2, difference_of);
  check_elementwise<Subtract, Shape<1>, Shape<2, 3>>(2, difference_of);
  check_elementwise<Average, Shape<2, 3, 4>, Shape<1, 1, 4>, Shape<2, 1, 1>>(2, mean_of);
  check_elementwise<Maximum, Shape<2, 1, 3>, Shape<7, 1>, Shape<3>>(2, max_of);
  check_elementwise<Minimum, Shape<5, 1, 1>, Shape<1, 2, 1>, Shape<1, 1, 3>>(3, min_of);
  check_elementwise<Add, Shape<3, 3, 8>, Shape<8>, Shape<3, 1, 8>, Shape<1>>(2, sum_of);
}

TEST_CASE("merge: Keras' docstring examples of Multiply, Average, Maximum, Minimum", "[layers][merge]") {
  // Keras: layers.X()([np.arange(5).reshape(5, 1), np.arange(5, 10).reshape(5, 1)]).
  const float a[5] = {0, 1, 2, 3, 4}, b[5] = {5, 6, 7, 8, 9};
  const float* xs[2] = {a, b};
  float y[5];
  Multiply::bind<Shape<1>, Shape<1>>{}.forward(xs, y, 5, nullptr);
  CHECK(std::vector<float>(y, y + 5) == std::vector<float>{0, 6, 14, 24, 36});
  Maximum::bind<Shape<1>, Shape<1>>{}.forward(xs, y, 5, nullptr);
  CHECK(std::vector<float>(y, y + 5) == std::vector<float>{5, 6, 7, 8, 9});
  Minimum::bind<Shape<1>, Shape<1>>{}.forward(xs, y, 5, nullptr);
  CHECK(std::vector<float>(y, y + 5) == std::vector<float>{0, 1, 2, 3, 4});
  // Keras: layers.Average()([np.ones((2, 2)), np.zeros((2, 2))]) is 0.5 everywhere.
  const float ones[4] = {1, 1, 1, 1}, zeros[4] = {0, 0, 0, 0};
  const float* oz[2] = {ones, zeros};
  float avg[4];
  Average::bind<Shape<2>, Shape<2>>{}.forward(oz, avg, 2, nullptr);
  CHECK(std::vector<float>(avg, avg + 4) == std::vector<float>{0.5f, 0.5f, 0.5f, 0.5f});
}

TEST_CASE("merge: Concatenate along each axis, against plain loops", "[layers][merge]") {
  // Keras' example: x = arange(20).reshape(2, 2, 5), y = arange(20, 30).reshape(2, 1, 5),
  // Concatenate(axis=1)([x, y]), which is our Concatenate<0>.
  {
    std::vector<float> x(20), y(10), out(30);
    std::iota(x.begin(), x.end(), 0.0f);
    std::iota(y.begin(), y.end(), 20.0f);
    const float* xs[2] = {x.data(), y.data()};
    using B = Concatenate<0>::bind<Shape<2, 5>, Shape<1, 5>>;
    static_assert(std::is_same_v<B::output_shape, Shape<3, 5>>);
    B{}.forward(xs, out.data(), 2, nullptr);
    const std::vector<float> keras{0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  20, 21, 22, 23, 24,
                                   10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 25, 26, 27, 28, 29};
    CHECK(out == keras);
  }
  // Three inputs along the middle axis of rank-3 samples, batch 3: out[b, i, j, c] by hand.
  {
    using B = Concatenate<1>::bind<Shape<2, 3, 4>, Shape<2, 1, 4>, Shape<2, 2, 4>>;
    static_assert(std::is_same_v<B::output_shape, Shape<2, 6, 4>>);
    const int batch = 3;
    tshape_test::random_floats rnd(5);
    std::vector<float> a(batch * 24), b(batch * 8), c(batch * 16), out(batch * 48);
    rnd.fill(a);
    rnd.fill(b);
    rnd.fill(c);
    const float* xs[3] = {a.data(), b.data(), c.data()};
    B{}.forward(xs, out.data(), batch, nullptr);
    std::vector<float> expected;
    for (int n = 0; n < batch; ++n)
      for (int i = 0; i < 2; ++i)
        for (int j = 0; j < 6; ++j)
          for (int ch = 0; ch < 4; ++ch) {
            if (j < 3) expected.push_back(a[static_cast<std::size_t>(((n * 2 + i) * 3 + j) * 4 + ch)]);
            else if (j < 4) expected.push_back(b[static_cast<std::size_t>((n * 2 + i) * 4 + ch)]);
            else expected.push_back(c[static_cast<std::size_t>(((n * 2 + i) * 2 + (j - 4)) * 4 + ch)]);
          }
    CHECK(out == expected);
  }
  // The last axis (Keras' default), odd widths.
  {
    using B = Concatenate<>::bind<Shape<3, 1>, Shape<3, 5>>;
    const int batch = 2;
    std::vector<float> a(batch * 3), b(batch * 15), out(batch * 18);
    std::iota(a.begin(), a.end(), 100.0f);
    std::iota(b.begin(), b.end(), 0.0f);
    const float* xs[2] = {a.data(), b.data()};
    B{}.forward(xs, out.data(), batch, nullptr);
    std::vector<float> expected;
    for (int r = 0; r < batch * 3; ++r) {
      expected.push_back(a[static_cast<std::size_t>(r)]);
      for (int j = 0; j < 5; ++j) expected.push_back(b[static_cast<std::size_t>(r * 5 + j)]);
    }
    CHECK(out == expected);
  }
}

namespace {
/// out[n, i..., j...] = sum_k x[n, ..., k, ...] y[n, ..., k, ...] by index arithmetic, x as
/// [P, D, Q] and y as [R, D, S] per sample; with `normalize`, each fiber along D divided by its norm.
std::vector<float> dot_reference(const std::vector<float>& x, const std::vector<float>& y, int batch, int P, int D,
                                 int Q, int R, int S, bool normalize) {
  auto norms = [&](const std::vector<float>& v, int before, int after) {
    std::vector<double> inv(static_cast<std::size_t>(batch * before * after));
    for (int n = 0; n < batch; ++n)
      for (int p = 0; p < before; ++p)
        for (int q = 0; q < after; ++q) {
          double s = 0;
          for (int k = 0; k < D; ++k) {
            const double e = v[static_cast<std::size_t>(((n * before + p) * D + k) * after + q)];
            s += e * e;
          }
          inv[static_cast<std::size_t>((n * before + p) * after + q)] = normalize ? 1.0 / std::sqrt(std::max(s, 1e-12)) : 1.0;
        }
    return inv;
  };
  const auto ix = norms(x, P, Q), iy = norms(y, R, S);
  std::vector<float> out;
  for (int n = 0; n < batch; ++n)
    for (int p = 0; p < P; ++p)
      for (int q = 0; q < Q; ++q)
        for (int r = 0; r < R; ++r)
          for (int s = 0; s < S; ++s) {
            double acc = 0;
            for (int k = 0; k < D; ++k)
              acc += x[static_cast<std::size_t>(((n * P + p) * D + k) * Q + q)] *
                     y[static_cast<std::size_t>(((n * R + r) * D + k) * S + s)];
            out.push_back(static_cast<float>(acc * ix[static_cast<std::size_t>((n * P + p) * Q + q)] *
                                             iy[static_cast<std::size_t>((n * R + r) * S + s)]));
          }
  return out;
}

template <class Spec, class X, class Y>
void check_dot(int batch, int P, int D, int Q, int R, int S) {
  using B = typename Spec::template bind<X, Y>;
  tshape_test::random_floats rnd(11);
  std::vector<float> x(static_cast<std::size_t>(batch * X::static_size)), y(static_cast<std::size_t>(batch * Y::static_size));
  rnd.fill(x);
  rnd.fill(y);
  std::vector<float> out(static_cast<std::size_t>(batch * B::output_shape::static_size));
  std::vector<float> scratch(B::scratch_floats(batch) + 1);
  const float* xs[2] = {x.data(), y.data()};
  B{}.forward(xs, out.data(), batch, scratch.data());
  tshape_test::require_close(out, dot_reference(x, y, batch, P, D, Q, R, S, Spec::normalize), 1e-5, 1e-5);
}
}  // namespace

TEST_CASE("merge: Dot along each pair of axes, plain and normalized", "[layers][merge]") {
  // Keras' example: x = arange(10).reshape(1, 5, 2), y = arange(10, 20).reshape(1, 2, 5),
  // Dot(axes=(1, 2))([x, y]) = [[[260, 360], [320, 445]]].
  {
    std::vector<float> x(10), y(10), out(4);
    std::iota(x.begin(), x.end(), 0.0f);
    std::iota(y.begin(), y.end(), 10.0f);
    const float* xs[2] = {x.data(), y.data()};
    Dot<Axes<1, 2>>::bind<Shape<5, 2>, Shape<2, 5>>{}.forward(xs, out.data(), 1, nullptr);
    CHECK(out == std::vector<float>{260, 360, 320, 445});
  }
  check_dot<Dot<Axes<1>>, Shape<7>, Shape<7>>(3, 1, 7, 1, 1, 1);                // vectors: (N, 1)
  check_dot<Dot<Axes<2>>, Shape<3, 5>, Shape<4, 5>>(2, 3, 5, 1, 4, 1);           // scores: last axes
  check_dot<Dot<Axes<2, 1>>, Shape<3, 5>, Shape<5, 4>>(2, 3, 5, 1, 1, 4);        // a matrix product
  check_dot<Dot<Axes<1, 2>>, Shape<5, 3>, Shape<4, 5>>(2, 1, 5, 3, 4, 1);        // first against last
  check_dot<Dot<Axes<1>>, Shape<5, 3>, Shape<5, 2>>(3, 1, 5, 3, 1, 2);           // first axes
  check_dot<Dot<Axes<2, -2>>, Shape<2, 4, 3>, Shape<3, 4, 2>>(2, 2, 4, 3, 3, 2); // middle axes, rank 3
  // Large enough for BLAS (when the build has it): scores, a product, and x^T y.
  check_dot<Dot<Axes<2>>, Shape<40, 64>, Shape<36, 64>>(2, 40, 64, 1, 36, 1);
  check_dot<Dot<Axes<2, 1>>, Shape<40, 64>, Shape<64, 48>>(2, 40, 64, 1, 1, 48);
  check_dot<Dot<Axes<1>>, Shape<64, 40>, Shape<64, 48>>(2, 1, 64, 40, 1, 48);
  check_dot<Dot<Axes<-1>, Normalize<true>>, Shape<9>, Shape<9>>(4, 1, 9, 1, 1, 1);  // cosine similarity
  check_dot<Dot<Axes<1, 2>, Normalize<true>>, Shape<5, 3>, Shape<4, 5>>(2, 1, 5, 3, 4, 1);
  // Cosine similarity of parallel and orthogonal vectors.
  {
    const float a[3] = {1, 2, 2}, b[3] = {2, 4, 4}, c[3] = {2, -1, 0};
    float out[1], scratch[6];
    const float* ab[2] = {a, b};
    const float* ac[2] = {a, c};
    using B = Dot<Axes<1>, Normalize<true>>::bind<Shape<3>, Shape<3>>;
    B{}.forward(ab, out, 1, scratch);
    CHECK(out[0] == Approx(1.0f));
    B{}.forward(ac, out, 1, scratch);
    CHECK(out[0] == Approx(0.0f).margin(1e-7));
  }
}
