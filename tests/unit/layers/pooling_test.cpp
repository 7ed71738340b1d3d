// The pooling family: max_pooling1d.hpp, max_pooling2d.hpp, average_pooling1d.hpp, average_pooling2d.hpp,
// global_average_pooling1d.hpp, global_average_pooling2d.hpp, global_max_pooling1d.hpp, global_max_pooling2d.hpp.
#include <tshape/tshape.hpp>

#include <string>

#include "../support.hpp"

using namespace tshape;

// Keras' defaults: pool 2, strides = pool, valid.
static_assert(std::is_same_v<decltype(MaxPooling2D<>::infer(Shape<7, 5, 3>{})), Shape<3, 2, 3>>);
static_assert(std::is_same_v<decltype(AveragePooling2D<Pool<3>, Strides<2>, Padding::same>::infer(Shape<8, 9, 3>{})),
                             Shape<4, 5, 3>>);
static_assert(std::is_same_v<decltype(MaxPooling2D<Pool<2, 3>>::infer(Shape<8, 9, 3>{})), Shape<4, 3, 3>>);
static_assert(std::is_same_v<decltype(MaxPooling1D<>::infer(Shape<9, 4>{})), Shape<4, 4>>);
static_assert(std::is_same_v<decltype(AveragePooling1D<Pool<3>, Strides<1>>::infer(Shape<9, 4>{})), Shape<7, 4>>);
static_assert(std::is_same_v<decltype(GlobalAveragePooling2D::infer(Shape<5, 5, 64>{})), Shape<64>>);
static_assert(std::is_same_v<decltype(GlobalMaxPooling1D::infer(Shape<50, 8>{})), Shape<8>>);
static_assert(MaxPooling2D<>::bind<Shape<4, 4, 2>>::param_count == 0);
// The rules.
static_assert(std::is_same_v<decltype(MaxPooling2D<>::infer(Shape<28, 28>{})),
                             mismatch<error::WRONG_RANK, error::expected_rank<3>, error::but_got_shape<error::None, 28, 28>,
                                      error::fix_with_layer_before_it<Reshape<28, 28, 1>>>>);
static_assert(is_mismatch_v<decltype(GlobalAveragePooling2D::infer(Shape<64>{}))>);
static_assert(is_mismatch_v<decltype(GlobalAveragePooling1D::infer(Shape<64>{}))>);
static_assert(is_mismatch_v<decltype(MaxPooling1D<Pool<5>>::infer(Shape<4, 2>{}))>);
static_assert(std::is_same_v<decltype(MaxPooling1D<Pool<5>, Padding::same>::infer(Shape<4, 2>{})), Shape<1, 2>>);

namespace {
template <class Layer, class X>
void check_pool(const std::string& x_name, const std::string& y_name) {
  INFO(y_name);
  tshape_test::reference ref("conv.txt");
  using In = typename decltype([]<int N, int... D>(Shape<N, D...>) { return std::type_identity<Input<D...>>{}; }(
      typename X::shape{}))::type;
  auto net = make_model<Sequential<In, Layer>>();
  X x;
  ref.copy_to(x_name, x);
  tshape_test::require_close(net(x), ref[y_name].values, 1e-6, 1e-6);
}
}  // namespace

TEST_CASE("Pooling: matches PyTorch with Keras' border rules", "[layers][pooling]") {
  check_pool<MaxPooling2D<Pool<3>, Strides<2>, Padding::same>, Tensor<float, Shape<2, 8, 8, 3>>>("maxpool_same.x",
                                                                                                 "maxpool_same.y");
  check_pool<MaxPooling2D<>, Tensor<float, Shape<1, 7, 5, 4>>>("maxpool_valid.x", "maxpool_valid.y");
  check_pool<AveragePooling2D<Pool<2>, Strides<1>, Padding::same>, Tensor<float, Shape<1, 3, 3, 1>>>("avgpool_doc.x",
                                                                                                     "avgpool_doc.y");
  check_pool<AveragePooling2D<Pool<3>, Strides<2>, Padding::same>, Tensor<float, Shape<2, 9, 9, 5>>>("avgpool_same.x",
                                                                                                     "avgpool_same.y");
  check_pool<AveragePooling2D<Pool<2, 3>>, Tensor<float, Shape<1, 7, 6, 3>>>("avgpool_valid.x", "avgpool_valid.y");
  check_pool<MaxPooling1D<Padding::same>, Tensor<float, Shape<2, 7, 3>>>("maxpool1d.x", "maxpool1d.y");
  check_pool<AveragePooling1D<Pool<3>, Strides<2>, Padding::same>, Tensor<float, Shape<2, 7, 3>>>("maxpool1d.x",
                                                                                                  "avgpool1d.y");
  check_pool<GlobalAveragePooling2D, Tensor<float, Shape<3, 4, 5, 6>>>("global2d.x", "global2d.avg");
  check_pool<GlobalMaxPooling2D, Tensor<float, Shape<3, 4, 5, 6>>>("global2d.x", "global2d.max");
  check_pool<GlobalAveragePooling1D, Tensor<float, Shape<3, 7, 4>>>("global1d.x", "global1d.avg");
  check_pool<GlobalMaxPooling1D, Tensor<float, Shape<3, 7, 4>>>("global1d.x", "global1d.max");
}

TEST_CASE("Pooling: an all-negative border window keeps its negative maximum", "[layers][pooling]") {
  auto net = make_model<Sequential<Input<3, 3, 1>, MaxPooling2D<Pool<2>, Padding::same>>>();
  Tensor<float, Shape<1, 3, 3, 1>> x{-9, -8, -7, -6, -5, -4, -3, -2, -1};
  auto y = net(x);
  CHECK(y(0, 0, 0, 0) == -5.0f);
  CHECK(y(0, 1, 1, 0) == -1.0f);
  CHECK(y(0, 0, 1, 0) == -4.0f);
}
