#include <tshape/tensor/view_as.hpp>

#include <span>
#include <string>
#include <vector>

#include "../support.hpp"

using namespace tshape;

TEST_CASE("view_as: run-time extents are checked against the static shape", "[tensor][view_as]") {
  std::vector<float> images(10 * 28 * 28);
  auto x = view_as<Shape<dyn, 28, 28, 1>>(images.data(), {10, 28, 28, 1});
  CHECK(x.extent(0) == 10);
  CHECK(x.size() == 10 * 28 * 28);

  std::vector<std::size_t> dims{10, 28, 28, 1};  // any range of integers, e.g. a file's header
  CHECK(view_as<Shape<dyn, 28, 28, 1>>(images.data(), dims).extent(0) == 10);
}

TEST_CASE("view_as: a missing channel axis is reported with its fix", "[tensor][view_as]") {
  std::vector<float> images(60000);
  try {
    (void)view_as<Shape<dyn, 28, 28, 1>>(images.data(), {60000 / 784, 28, 28});
    FAIL("view_as accepted a tensor without a channel axis");
  } catch (const shape_error& e) {
    CHECK(e.code() == errc::data_shape_mismatch);
    CHECK_THAT(std::string(e.what()),
               Catch::Contains("got (76, 28, 28), expected (None, 28, 28, 1): add a channel axis with expand_dims<-1>"));
    CHECK_THAT(std::string(e.what()), Catch::StartsWith(TSHAPE_MSG_DATA_SHAPE_MISMATCH));
  }
}

TEST_CASE("view_as: wrong extents, negative extents and null data are rejected", "[tensor][view_as]") {
  std::vector<float> data(640);
  CHECK_THROWS_WITH((view_as<Shape<dyn, 128>>(data.data(), {32, 20})),
                    Catch::StartsWith(TSHAPE_MSG_DATA_SHAPE_MISMATCH) && Catch::Contains("got (32, 20), expected (None, 128)"));
  CHECK_THROWS_AS((view_as<Shape<dyn, 20>>(data.data(), {-3, 20})), shape_error);
  CHECK_THROWS_AS((view_as<Shape<dyn, 20>>(static_cast<float*>(nullptr), {3, 20})), shape_error);
  // try_view_as reports instead of raising.
  auto r = try_view_as<Shape<dyn, 20, 1>>(data.data(), {32, 20});
  CHECK_FALSE(r.ok());
  CHECK(r.error().code == errc::data_shape_mismatch);
  CHECK_THAT(std::string(r.error().what()), Catch::Contains("add a channel axis with expand_dims<-1>"));
}

TEST_CASE("view_as: a buffer of known length must hold exactly what the extents say", "[tensor][view_as]") {
  std::vector<float> data(600);
  auto x = view_as<Shape<dyn, 20>>(std::span(data), {30, 20});
  CHECK(x.extent(0) == 30);
  CHECK(x.data() == data.data());
  CHECK_THROWS_WITH((view_as<Shape<dyn, 20>>(std::span(data), {32, 20})),
                    std::string(TSHAPE_MSG_BAD_DATA) + ": the buffer holds 600 elements; extents (32, 20) need 640");
  auto r = try_view_as<Shape<dyn, 20>>(std::span<const float>(data).first(20), std::vector<int>{2, 20});
  CHECK_FALSE(r.ok());
  CHECK(r.error().code == errc::bad_data);
  // The extents are checked against the static shape first, with the usual words.
  CHECK_THROWS_WITH((view_as<Shape<dyn, 28, 28, 1>>(std::span(data), {1, 28, 28})),
                    Catch::Contains("add a channel axis with expand_dims<-1>"));
}

TEST_CASE("view_as: extents whose product overflows are rejected", "[tensor][view_as]") {
  float one = 0;
  CHECK_THROWS_WITH((view_as<Shape<dyn, dyn, dyn>>(&one, {2147483647, 2147483647, 2147483647})),
                    Catch::Contains("the extents hold more elements than memory can"));
  // An empty axis makes any product zero.
  CHECK(view_as<Shape<dyn, dyn>>(&one, {0, 2147483647}).size() == 0);
}

TEST_CASE("view_as: dyn to static is explicit and checked", "[tensor][view_as]") {
  Tensor<float, Shape<dyn, 20>> t(32);
  TensorView<float, Shape<32, 20>> s = view_as<Shape<32, 20>>(t);
  CHECK(s.data() == t.data());
  CHECK_THROWS_AS((view_as<Shape<16, 20>>(t)), shape_error);
  const Tensor<float, Shape<dyn, 20>>& ct = t;
  TensorView<const float, Shape<32, 20>> cs = view_as<Shape<32, 20>>(ct);
  CHECK(cs.size() == 640);
}
