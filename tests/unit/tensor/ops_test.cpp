#include <tshape/tensor/ops.hpp>

#include <cmath>
#include <limits>
#include <numeric>
#include <string>

#include "../support.hpp"

using namespace tshape;

TEST_CASE("reshape: seed 000's fix, 320 x 10 values as rows of 128", "[tensor][ops]") {
  Tensor<float, Shape<320, 10>> data;
  std::iota(data.begin(), data.end(), 0.0f);
  auto rows = reshape<-1, 128>(data);
  static_assert(std::is_same_v<decltype(rows), TensorView<float, Shape<25, 128>>>);
  CHECK(rows.data() == data.data());
  CHECK(rows(1, 0) == 128.0f);
  auto same = reshape<Shape<25, 128>>(data);
  CHECK(same(24, 127) == 3199.0f);
}

TEST_CASE("reshape: with a dyn batch the element count is checked at run time", "[tensor][ops]") {
  Tensor<float, Shape<dyn, 10>> data(32);
  auto v = reshape<-1, 20>(data);
  static_assert(std::is_same_v<decltype(v), TensorView<float, Shape<dyn, 20>>>);
  CHECK(v.extent(0) == 16);
  auto w = reshape<Shape<dyn, 5, 2>>(data);
  CHECK(w.extent(0) == 32);
  CHECK_THROWS_WITH((reshape<-1, 3>(data)), Catch::Contains(TSHAPE_MSG_ELEMENT_COUNT_MISMATCH));
  CHECK_THROWS_WITH((reshape<Shape<7, 7>>(data)), Catch::Contains("got (32, 10) (320 elements), target (7, 7)"));
}

TEST_CASE("expand_dims and squeeze: views with an axis of 1 added or removed", "[tensor][ops]") {
  Tensor<float, Shape<dyn, 28, 28>> images(4);
  images(3, 27, 27) = 2.0f;
  auto with_channel = expand_dims<-1>(images);
  static_assert(std::is_same_v<decltype(with_channel), TensorView<float, Shape<dyn, 28, 28, 1>>>);
  CHECK(with_channel.extent(0) == 4);
  CHECK(with_channel(3, 27, 27, 0) == 2.0f);
  auto batch_of_one = expand_dims<0>(with_channel);
  static_assert(std::is_same_v<decltype(batch_of_one), TensorView<float, Shape<1, dyn, 28, 28, 1>>>);
  auto back = squeeze<-1>(with_channel);
  static_assert(std::is_same_v<decltype(back), TensorView<float, Shape<dyn, 28, 28>>>);
  CHECK(back(3, 27, 27) == 2.0f);

  Tensor<float, Shape<dyn, 1>> labels(8);
  CHECK(squeeze<-1>(labels).extent(0) == 8);
  Tensor<float, Shape<dyn, 3>> three(2);
  auto first = expand_dims<0>(three);
  CHECK(first.extent(1) == 2);
  // A dyn axis is checked when it is squeezed.
  TensorView<float, Shape<dyn, dyn>> v(three.data(), {2, 3});
  CHECK_THROWS_WITH(squeeze<-1>(v), Catch::Contains("the axis has extent 3, not 1"));
}

TEST_CASE("cast: int data becomes float data", "[tensor][ops]") {
  Tensor<int, Shape<2, 3>> ints{1, 2, 3, 4, 5, 6};
  Tensor<float, Shape<2, 3>> floats = cast<float>(ints);
  CHECK(floats(1, 2) == 6.0f);
  Tensor<int, Shape<dyn, 2>> dyn_ints(3);
  dyn_ints(2, 1) = 9;
  auto f = cast<float>(dyn_ints);
  static_assert(std::is_same_v<decltype(f), Tensor<float, Shape<dyn, 2>>>);
  CHECK(f(2, 1) == 9.0f);
  CHECK(cast<double>(f.view())(2, 1) == 9.0);
}

TEST_CASE("cast: a float an integer type cannot hold is an error, not undefined behaviour", "[tensor][ops]") {
  Tensor<float, Shape<5>> ok{-2147483648.0f, -1.5f, 0.9f, 7.0f, 2147483520.0f};
  auto i = cast<int>(ok);
  CHECK(i(0) == -2147483647 - 1);
  CHECK(i(1) == -1);  // truncation toward zero, as static_cast
  CHECK(i(2) == 0);
  CHECK(i(4) == 2147483520);
  Tensor<float, Shape<3>> big{1.0f, 2147483648.0f, 3.0f};
  CHECK_THROWS_WITH(cast<int>(big), std::string(TSHAPE_MSG_BAD_DATA) + ": cast: element 1 (in row-major order) is NaN, "
                                                                   "infinite or out of the target type's range");
  Tensor<float, Shape<2>> nan{0.0f, std::nanf("")};
  CHECK_THROWS_AS(cast<int>(nan), shape_error);
  Tensor<double, Shape<2>> inf{1.0, -std::numeric_limits<double>::infinity()};
  CHECK_THROWS_AS(cast<long long>(inf), shape_error);
  // Unsigned: (-1, 0) truncates to 0; -1 does not fit.
  Tensor<float, Shape<2>> small{-0.5f, 255.0f};
  CHECK(cast<unsigned char>(small)(1) == 255);
  Tensor<float, Shape<1>> neg{-1.0f};
  CHECK_THROWS_AS(cast<unsigned>(neg), shape_error);
  Tensor<float, Shape<1>> over{256.0f};
  CHECK_THROWS_AS(cast<unsigned char>(over), shape_error);
}
