#include <tshape/tensor/tensor.hpp>

#include <cstdint>
#include <numeric>
#include <vector>

#include "../support.hpp"

using namespace tshape;

// A static tensor is just its elements; a dyn one an owning pointer and its dyn extents.
static_assert(sizeof(Tensor<float, Shape<4, 4>>) == 64);
static_assert(alignof(Tensor<float, Shape<3>>) == TSHAPE_ALIGN);
// Views convert towards dyn only, and towards const only.
static_assert(std::is_convertible_v<TensorView<float, Shape<32, 20>>, TensorView<const float, Shape<dyn, 20>>>);
static_assert(!std::is_convertible_v<TensorView<float, Shape<dyn, 20>>, TensorView<float, Shape<32, 20>>>);
static_assert(!std::is_convertible_v<TensorView<const float, Shape<32, 20>>, TensorView<float, Shape<32, 20>>>);
static_assert(!std::is_convertible_v<TensorView<float, Shape<32, 20>>, TensorView<float, Shape<32, 21>>>);
static_assert(std::is_convertible_v<Tensor<float, Shape<2, 3>>&, TensorView<float, Shape<dyn, 3>>>);
static_assert(!std::is_convertible_v<const Tensor<float, Shape<2, 3>>&, TensorView<float, Shape<2, 3>>>);

TEST_CASE("tensor: a static tensor is zero-filled, row-major and aligned", "[tensor]") {
  Tensor<float, Shape<2, 3, 4>> t;
  CHECK(t.size() == 24);
  CHECK(std::all_of(t.begin(), t.end(), [](float v) { return v == 0.0f; }));
  CHECK(reinterpret_cast<std::uintptr_t>(t.data()) % TSHAPE_ALIGN == 0);
  t(1, 2, 3) = 5.0f;
  CHECK(t[(1 * 3 + 2) * 4 + 3] == 5.0f);
  CHECK(t.extent(0) == 2);
  CHECK(t.extent<-1>() == 4);
  CHECK(t.extents() == std::array<int, 3>{2, 3, 4});
}

TEST_CASE("tensor: a dyn extent is given at construction and owns one aligned buffer", "[tensor]") {
  Tensor<float, Shape<dyn, 3>> t(5);
  CHECK(t.size() == 15);
  CHECK(t.extent(0) == 5);
  CHECK(t.extent<1>() == 3);
  CHECK(reinterpret_cast<std::uintptr_t>(t.data()) % TSHAPE_ALIGN == 0);
  t(4, 2) = 7.0f;
  CHECK(t[14] == 7.0f);
  Tensor<float, Shape<dyn, 3>> copy = t;
  CHECK(copy(4, 2) == 7.0f);
  CHECK(copy.data() != t.data());
  Tensor<float, Shape<dyn, 3>> moved = std::move(copy);
  CHECK(moved(4, 2) == 7.0f);
  Tensor<float, Shape<dyn, 3>> assigned(1);
  assigned = moved;
  CHECK(assigned.extent(0) == 5);
  CHECK(assigned(4, 2) == 7.0f);
  CHECK_THROWS_AS((Tensor<float, Shape<dyn, 3>>(-1)), shape_error);
}

TEST_CASE("tensor: an initializer list must have the shape's element count", "[tensor]") {
  Tensor<float, Shape<2, 3>> t{1, 2, 3, 4, 5, 6};
  CHECK(t(1, 0) == 4.0f);
  CHECK_THROWS_AS((Tensor<float, Shape<2, 3>>{1, 2, 3}), shape_error);
}

TEST_CASE("tensor: views share the elements, keep only dyn extents", "[tensor]") {
  std::vector<float> data(12);
  std::iota(data.begin(), data.end(), 0.0f);
  TensorView<float, Shape<dyn, 4>> v(data.data(), {3});
  CHECK(v.size() == 12);
  CHECK(v(2, 1) == 9.0f);
  TensorView<const float, Shape<dyn, dyn>> w = v;
  CHECK(w.extent(0) == 3);
  CHECK(w.extent(1) == 4);
  CHECK(w(1, 3) == 7.0f);
  v.fill(1.0f);
  CHECK(w(2, 2) == 1.0f);
  CHECK(std::distance(w.begin(), w.end()) == 12);
}

TEST_CASE("tensor: a tensor copies from a view, checking static extents", "[tensor]") {
  std::vector<float> data{1, 2, 3, 4, 5, 6};
  TensorView<const float, Shape<dyn, dyn>> v(data.data(), {2, 3});
  Tensor<float, Shape<2, 3>> t(v);
  CHECK(t(1, 2) == 6.0f);
  Tensor<float, Shape<dyn, 3>> d(v);
  CHECK(d.extent(0) == 2);
  CHECK_THROWS_AS((Tensor<float, Shape<3, 2>>(v)), shape_error);
}
