#include <tshape/tshape.hpp>

#include "../support.hpp"

using namespace tshape;

static_assert(std::is_same_v<decltype(ZeroPadding2D<>::infer(Shape<3, 4, 2>{})), Shape<5, 6, 2>>);
static_assert(std::is_same_v<decltype(ZeroPadding2D<2>::infer(Shape<3, 4, 2>{})), Shape<7, 8, 2>>);
static_assert(std::is_same_v<decltype(ZeroPadding2D<1, 0>::infer(Shape<3, 4, 2>{})), Shape<5, 4, 2>>);
static_assert(std::is_same_v<decltype(ZeroPadding2D<1, 2, 0, 3>::infer(Shape<3, 4, 2>{})), Shape<6, 7, 2>>);
static_assert(is_mismatch_v<decltype(ZeroPadding2D<>::infer(Shape<3, 4>{}))>);

TEST_CASE("ZeroPadding2D: matches PyTorch's F.pad", "[layers][zero_padding2d]") {
  tshape_test::reference ref("conv.txt");
  auto net = make_model<Sequential<Input<3, 4, 2>, ZeroPadding2D<1, 2, 0, 3>>>();
  Tensor<float, Shape<2, 3, 4, 2>> x;
  ref.copy_to("zeropad.x", x);
  tshape_test::require_close(net(x), ref["zeropad.y"].values, 1e-6, 0);
}
