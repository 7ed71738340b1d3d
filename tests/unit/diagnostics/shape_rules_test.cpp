#include <tshape/diagnostics/error.hpp>
#include <tshape/diagnostics/shape_rules.hpp>

#include <array>

#include "../support.hpp"

using namespace tshape;

namespace {
constexpr extents_verdict check(std::initializer_list<int> got, std::initializer_list<int> expected) {
  return check_extents(std::span<const int>(got.begin(), got.size()), std::span<const int>(expected.begin(), expected.size()));
}
constexpr reshape_verdict reshape_check(std::initializer_list<int> from, std::initializer_list<int> to) {
  return check_reshape(std::span<const int>(from.begin(), from.size()), std::span<const int>(to.begin(), to.size()));
}
}  // namespace

// The rules are constexpr: the same function decides at compile time and at run time.
static_assert(check({32, 20}, {dyn, 20}).code == errc::ok);
static_assert(check({32, 20}, {dyn, 128}).code == errc::shape_mismatch);
static_assert(check({32, 20}, {dyn, 128}).axis == 1);
static_assert(check({dyn, 20}, {32, 20}).code == errc::ok);  // unknown now: decided at run time

// Seed 001/003: images without a channel axis.
static_assert(check({60000, 28, 28}, {dyn, 28, 28, 1}).code == errc::wrong_rank);
static_assert(check({60000, 28, 28}, {dyn, 28, 28, 1}).fix == fix_kind::expand_dims);
static_assert(check({60000, 28, 28}, {dyn, 28, 28, 1}).fix_axis == -1);
// A single sample without its batch axis.
static_assert(check({28, 28, 1}, {dyn, 28, 28, 1}).fix == fix_kind::expand_dims);
static_assert(check({28, 28, 1}, {dyn, 28, 28, 1}).fix_axis == 0);
// An extra trailing axis of 1.
static_assert(check({32, 20, 1}, {dyn, 20}).fix == fix_kind::squeeze);
// No certain fix.
static_assert(check({32, 20, 3}, {dyn, 20}).fix == fix_kind::none);
static_assert(check({32}, {dyn, 28, 28, 1}).fix == fix_kind::none);

// Reshape with one inferred axis (numpy's -1).
static_assert(reshape_check({320, 10}, {-1, 128}).code == errc::ok);
static_assert(reshape_check({320, 10}, {-1, 128}).inferred == 25);
static_assert(reshape_check({30, 30, 32}, {32768}).code == errc::element_count_mismatch);
static_assert(reshape_check({30, 30, 32}, {32768}).count == 28800);
static_assert(reshape_check({10}, {-1, 3}).code == errc::element_count_mismatch);
static_assert(reshape_check({10}, {-1, -1}).code == errc::invalid_option);
static_assert(reshape_check({dyn, 10}, {-1, 5}).code == errc::ok);  // decided at run time
static_assert(reshape_check({0, 4}, {-1, 2}).inferred == 0);

TEST_CASE("shape rules: run-time errors carry the compile-time words and the fix", "[diagnostics]") {
  const std::array<int, 3> got{60000, 28, 28};
  const std::array<int, 4> expected{dyn, 28, 28, 1};
  const auto v = check_extents(got, expected);
  const auto e = extents_error(v, got, expected);
  CHECK(e.code == errc::wrong_rank);
  CHECK(e.what() ==
        std::string_view(TSHAPE_MSG_WRONG_RANK ": got (60000, 28, 28), expected (None, 28, 28, 1): add a channel axis "
                         "with expand_dims<-1>"));
}

TEST_CASE("shape rules: every error kind has its words", "[diagnostics]") {
  for (auto e : {errc::shape_mismatch, errc::wrong_rank, errc::window_larger_than_input, errc::element_count_mismatch,
                 errc::invalid_option, errc::invalid_axis, errc::dtype_mismatch, errc::loss_target_mismatch,
                 errc::output_mismatch, errc::bad_data, errc::file_error, errc::weights_mismatch,
                 errc::not_built_in, errc::token_id_out_of_range, errc::data_shape_mismatch}) {
    CHECK(message(e).substr(0, 8) == "tshape: ");
    CHECK(message(e).size() > 20);
  }
}

TEST_CASE("result: a value or the error that prevented it", "[diagnostics]") {
  result<int> good(3);
  CHECK(good.ok());
  CHECK(good.value() == 3);
  result<int> bad(make_error(errc::bad_data, "a broken file"));
  CHECK_FALSE(bad.ok());
  CHECK(bad.error().code == errc::bad_data);
  CHECK(bad.error().what().find("a broken file") != std::string_view::npos);
  CHECK_THROWS_AS(bad.value(), shape_error);
}
