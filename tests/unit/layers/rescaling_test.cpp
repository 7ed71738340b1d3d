// Rescaling: Keras' y = x * scale + offset, its options, its place in summaries, training and streams.
#include <tshape/tshape.hpp>

#include <cmath>
#include <vector>

#include "../support.hpp"
#include "../train/gradient_check.hpp"

using namespace tshape;

// Any shape in, the same shape out; the values are the floats nearest the fractions.
static_assert(std::is_same_v<decltype(Rescaling<1, 255>::infer(Shape<32, 32, 3>{})), Shape<32, 32, 3>>);
static_assert(Rescaling<1, 255>::scale == static_cast<float>(1.0 / 255) && Rescaling<1, 255>::offset == 0);
static_assert(Rescaling<2, 255, Offset<-1>>::scale == static_cast<float>(1.0 / 127.5));
static_assert(Rescaling<2, 255, Offset<-1>>::offset == -1.0f);
static_assert(Rescaling<3, 1, Offset<1, 4>>::scale == 3.0f && Rescaling<3, 1, Offset<1, 4>>::offset == 0.25f);
// An option it does not take, an offset given twice, a denominator that is not positive: option mistakes.
static_assert(std::is_same_v<decltype(Rescaling<1, 255, Rate<1, 2>>::infer(Shape<4>{})),
                             mismatch<error::UNKNOWN_OPTION, error::not_an_option_of_it<Rate<1, 2>>, error::it_takes<Offset<0>>>>);
static_assert(std::is_same_v<decltype(Rescaling<1, 255, Offset<1>, Offset<2>>::infer(Shape<4>{})),
                             mismatch<error::REPEATED_OPTION, error::given_together<Offset<1>, Offset<2>>>>);
// Rescaling<1 / 255> is Rescaling<0> in C++: a scale of 0 is reported, with the spelling to use.
static_assert(std::is_same_v<decltype(Rescaling<1 / 255>::infer(Shape<4>{})),
                             mismatch<error::BAD_OPTION_VALUE, error::scale_is_zero_write_the_fraction_as_Rescaling_Num_Den>>);
static_assert(std::is_same_v<decltype(Rescaling<1, 0>::infer(Shape<4>{})),
                             mismatch<error::BAD_OPTION_VALUE, error::scale_denominator_must_be_positive<0>>>);
static_assert(std::is_same_v<decltype(Rescaling<1, 2, Offset<1, -2>>::infer(Shape<4>{})),
                             mismatch<error::BAD_OPTION_VALUE, error::offset_denominator_must_be_positive<Offset<1, -2>>>>);

TEST_CASE("Rescaling: x * scale + offset on every element, as Keras' Rescaling", "[layers][rescaling]") {
  // Pixels 0..255 to 0..1, and to -1..1 (Rescaling(1./127.5, offset=-1)), at batch 1 and 3.
  for (int batch : {1, 3}) {
    Tensor<float, Shape<dyn, 5, 7, 3>> x(batch);
    for (std::ptrdiff_t i = 0; i < x.size(); ++i) x.data()[i] = static_cast<float>(i % 256);
    auto unit = make_model<Sequential<Input<5, 7, 3>, Rescaling<1, 255>>>();
    auto signed_unit = make_model<Sequential<Input<5, 7, 3>, Rescaling<2, 255, Offset<-1>>>>();
    const auto y1 = unit(x);
    const auto y2 = signed_unit(x);
    std::vector<float> e1(x.size()), e2(x.size());
    for (std::size_t i = 0; i < e1.size(); ++i) {
      e1[i] = x.data()[i] * static_cast<float>(1.0 / 255);
      e2[i] = x.data()[i] * static_cast<float>(1.0 / 127.5) - 1.0f;
    }
    tshape_test::require_close(y1, e1, 0, 1e-7);  // at most the last bit of a fused multiply-add
    tshape_test::require_close(y2, e2, 0, 1e-7);
  }
  auto range = make_model<Sequential<Input<2>, Rescaling<2, 255, Offset<-1>>>>();
  Tensor<float, Shape<1, 2>> ends;
  ends(0, 0) = 0.0f;
  ends(0, 1) = 255.0f;
  const auto r = range(ends);
  CHECK(r(0, 0) == -1.0f);
  CHECK(std::fabs(r(0, 1) - 1.0f) <= 1e-6f);
}

TEST_CASE("Rescaling: in a model, the same as rescaled data into the model without it", "[layers][rescaling]") {
  using Scaled = Sequential<Input<8, 8, 3>, Rescaling<1, 255>, Conv2D<4, Kernel<3>, ReLU>, Flatten, Dense<2>>;
  using Plain = Sequential<Input<8, 8, 3>, Conv2D<4, Kernel<3>, ReLU>, Flatten, Dense<2>>;
  auto scaled = make_model<Scaled>(3);
  auto plain = make_model<Plain>(4);
  layer<0>(*plain) = layer<1>(*scaled);
  layer<2>(*plain) = layer<3>(*scaled);
  Tensor<float, Shape<2, 8, 8, 3>> x, xs;
  tshape_test::random_floats rnd(5);
  rnd.fill(x, 0, 255);
  for (std::ptrdiff_t i = 0; i < x.size(); ++i) xs.data()[i] = x.data()[i] * static_cast<float>(1.0 / 255);
  tshape_test::require_close(scaled(x), plain(xs), 1e-5, 1e-6);

  // Keras' summary: a weightless row of its own, named rescaling.
  constexpr auto s = summary<Scaled>();
  static_assert(s.rows[0].name == "rescaling" && s.rows[0].class_name == "Rescaling");
  static_assert(s.rows[0].output_shape == "(None, 8, 8, 3)" && s.rows[0].params == 0);
  static_assert(Scaled::param_count == Plain::param_count);
  // A functional model takes it too.
  constexpr auto in = Input<6>{};
  constexpr auto out = Dense<2>{}(Rescaling<1, 2, Offset<1>>{}(in));
  using Graph = decltype(model(in, out));
  auto g = make_model<Graph>(1);
  Tensor<float, Shape<1, 6>> v;
  v.fill(4.0f);  // 4 * 0.5 + 1 = 3 everywhere
  auto d = make_model<Sequential<Input<6>, Dense<2>>>();
  layer<0>(*d) = layer<1>(*g);
  Tensor<float, Shape<1, 6>> three;
  three.fill(3.0f);
  tshape_test::require_close(g(v), d(three), 1e-6, 1e-6);
}

TEST_CASE("Rescaling: trains (dx = dy * scale) and streams frame by frame", "[layers][rescaling]") {
  tshape_test::check_gradients<Sequential<Input<4, 3>, Rescaling<3, 2, Offset<-1, 2>>, Dense<2, Tanh>>>(3);
  tshape_test::check_gradients<Sequential<Input<5, 2>, Dense<3>, Rescaling<-1, 4>, GRU<2>>>(2);

  constexpr int T = 6;
  using Net = Sequential<Input<T, 3>, Rescaling<1, 10, Offset<1, 2>>, GRU<4, ReturnSequences>, Dense<2>>;
  auto net = make_model<Net>(2);
  Tensor<float, Shape<1, T, 3>> x;
  tshape_test::random_floats rnd(7);
  rnd.fill(x, -5, 5);
  const auto whole = net(x);
  auto stream = make_stream(net);
  for (int t = 0; t < T; ++t) {
    Tensor<float, Shape<3>> frame;
    std::copy_n(x.data() + t * 3, 3, frame.data());
    const Tensor<float, Shape<2>> y = stream(frame);
    INFO("frame " << t);
    tshape_test::require_close(y, std::vector<float>(whole.data() + t * 2, whole.data() + t * 2 + 2), 1e-5, 1e-6);
  }
}
