#include <limits>
#include <tshape/shape/shape.hpp>
#include <tshape/shape/text.hpp>

#include "../support.hpp"

using namespace tshape;

// Shape facts are compile-time facts: the checks are static_asserts, the test cases group them.
static_assert(Shape<32, 20, 20, 1>::rank == 4);
static_assert(Shape<>::rank == 0 && Shape<>::static_size == 1);
static_assert(Shape<32, 20>::static_size == 640 && Shape<32, 20>::is_static);
static_assert(Shape<dyn, 20>::dyn_count == 1 && !Shape<dyn, 20>::is_static && Shape<dyn, 20>::static_size == 20);
static_assert(std::is_same_v<prepend_t<dyn, Shape<20>>, Shape<dyn, 20>>);
static_assert(std::is_same_v<drop_front_t<Shape<32, 5, 5, 1>>, Shape<5, 5, 1>>);
static_assert(std::is_same_v<slice_t<Shape<1, 2, 3, 4>, 1, 2>, Shape<2, 3>>);
static_assert(std::is_same_v<concat_t<Shape<1, 2>, Shape<3>>, Shape<1, 2, 3>>);
static_assert(std::is_same_v<replace_extent_t<Shape<5, 7>, -1, 9>, Shape<5, 9>>);
static_assert(std::is_same_v<replace_extent_t<Shape<5, 7>, 0, dyn>, Shape<dyn, 7>>);
static_assert(extent_v<Shape<4, 5, 6>, -1> == 6 && extent_v<Shape<4, 5, 6>, 0> == 4 && last_extent_v<Shape<4, 5>> == 5);

// expand_dims / squeeze follow numpy's axis convention.
static_assert(std::is_same_v<expand_dims_t<Shape<28, 28>, -1>, Shape<28, 28, 1>>);
static_assert(std::is_same_v<expand_dims_t<Shape<28, 28>, 0>, Shape<1, 28, 28>>);
static_assert(std::is_same_v<expand_dims_t<Shape<28, 28>, 1>, Shape<28, 1, 28>>);
static_assert(std::is_same_v<expand_dims_t<Shape<28, 28>, -3>, Shape<1, 28, 28>>);
static_assert(std::is_same_v<expand_dims_t<Shape<>, 0>, Shape<1>>);
static_assert(std::is_same_v<squeeze_t<Shape<32, 1>, -1>, Shape<32>>);
static_assert(std::is_same_v<squeeze_t<Shape<1, 32>, 0>, Shape<32>>);

// Compatibility: equal extents, or a dyn on either side; the rank must match.
static_assert(compatible_v<Shape<32, 20>, Shape<dyn, 20>>);
static_assert(compatible_v<Shape<dyn, 20>, Shape<32, 20>>);
static_assert(!compatible_v<Shape<32, 20>, Shape<dyn, 128>>);
static_assert(!compatible_v<Shape<32, 20>, Shape<32, 20, 1>>);
static_assert(compatible_v<Shape<>, Shape<>>);

// The text of a shape is Python's tuple, with None for dyn.
static_assert(shape_text<Shape<dyn, 20, 20, 1>>() == "(None, 20, 20, 1)");
static_assert(shape_text<Shape<7>>() == "(7,)");
static_assert(shape_text<Shape<>>() == "()");
static_assert(batch_shape_text<Shape<64>>() == "(None, 64)");
static_assert(batch_shape_text<Shape<5, 5, 1>, 32>() == "(32, 5, 5, 1)");

TEST_CASE("shape: extents are available at run time too", "[shape]") {
  constexpr auto e = Shape<3, dyn, 5>::extents;
  CHECK(e[0] == 3);
  CHECK(e[1] == dyn);
  CHECK(e[2] == 5);
  CHECK(shape_text<Shape<dyn, 3>>().view() == "(None, 3)");
}

TEST_CASE("static_text: numbers, truncation at capacity", "[shape][text]") {
  static_text<16> t("n=");
  t.append(-1234567).append(" ").append(0);
  CHECK(t.view() == "n=-1234567 0");
  static_text<4> small("abcdef");
  CHECK(small.view() == "abcd");
  static_text<32> big;
  big.append(9'223'372'036'854'775'807LL);
  CHECK(big.view() == "9223372036854775807");
  // Every integer type: the unsigned ones in full (not through long long), the smallest signed one.
  static_text<96> all;
  all.append(std::numeric_limits<unsigned long long>::max()).append(" ").append(4'000'000'000u).append(" ");
  all.append(std::numeric_limits<long long>::min()).append(" ").append(std::size_t{7}).append(" ");
  all.append(std::ptrdiff_t{-7}).append(" ").append(0UL);
  CHECK(all.view() == "18446744073709551615 4000000000 -9223372036854775808 7 -7 0");
  static_assert(static_text<8>().append(42u).view() == "42");
}
