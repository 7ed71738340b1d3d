#include <tshape/train/losses.hpp>

#include <cstdint>
#include <string>
#include <type_traits>

#include "../support.hpp"

using namespace tshape;

// The target rule: the prediction's shape, or (N,) against (N, 1); class indices drop the last axis.
static_assert(detail::target_fits<Shape<32, 1>, Shape<32, 1>, detail::target_alignment::same>());
static_assert(detail::target_fits<Shape<32, 1>, Shape<32>, detail::target_alignment::same>());
static_assert(detail::target_fits<Shape<dyn, 10>, Shape<32, 10>, detail::target_alignment::same>());
static_assert(!detail::target_fits<Shape<32, 5, 5, 1>, Shape<32, 1>, detail::target_alignment::same>());  // seed 002
static_assert(!detail::target_fits<Shape<32, 3>, Shape<32>, detail::target_alignment::same>());
static_assert(detail::target_fits<Shape<32, 10>, Shape<32>, detail::target_alignment::class_indices>());
static_assert(detail::target_fits<Shape<32, 10>, Shape<32, 1>, detail::target_alignment::class_indices>());
static_assert(!detail::target_fits<Shape<32, 10>, Shape<32, 10>, detail::target_alignment::class_indices>());
// A sparse loss's targets are integers: float labels are a diagnosis, not a cast.
static_assert(std::is_void_v<detail::loss_rule<SparseCategoricalCrossentropy, Shape<32, 10>, int, Shape<32, 1>>>);
static_assert(std::is_same_v<detail::loss_rule<SparseCategoricalCrossentropy, Shape<32, 10>, float, Shape<32, 1>>,
                             error::TARGET_DTYPE_MISMATCH<error::in_loss<SparseCategoricalCrossentropy>,
                                                          error::expected_dtype<int>, error::but_got_dtype<float>,
                                                          error::fix_with_cast<int>>>);
// Integer labels for the one-hot loss are class indices: the fix is the sparse loss, not a cast.
static_assert(std::is_same_v<detail::loss_rule<CategoricalCrossentropy, Shape<32, 10>, int, Shape<32>>,
                             error::TARGET_DTYPE_MISMATCH<error::in_loss<CategoricalCrossentropy>,
                                                          error::expected_dtype<float>, error::but_got_dtype<int>,
                                                          error::fix_with_loss<SparseCategoricalCrossentropy>>>);
static_assert(std::is_same_v<detail::loss_rule<MeanSquaredError, Shape<32, 1>, int, Shape<32, 1>>,
                             error::TARGET_DTYPE_MISMATCH<error::in_loss<MeanSquaredError>, error::expected_dtype<float>,
                                                          error::but_got_dtype<int>, error::fix_with_cast<float>>>);
static_assert(std::is_void_v<detail::loss_rule<BinaryCrossentropy, Shape<32, 1>, float, Shape<32, 1>>>);
// One-hot rows for the sparse loss: the fix is the one-hot loss (an output of one unit takes (N, 1) indices).
static_assert(std::is_same_v<detail::loss_rule<SparseCategoricalCrossentropy, Shape<32, 10>, float, Shape<32, 10>>,
                             error::LOSS_TARGET_MISMATCH<error::in_loss<SparseCategoricalCrossentropy>,
                                                         error::model_output_shape<32, 10>, error::loss_target_shape<32, 10>,
                                                         error::expected_class_indices<error::loss_target_shape<32>>,
                                                         error::fix_with_loss<CategoricalCrossentropy>>>);
static_assert(std::is_void_v<detail::loss_rule<SparseCategoricalCrossentropy, Shape<32, 1>, int, Shape<32, 1>>>);

TEST_CASE("losses: match tf.keras 2 on probabilities", "[train][losses]") {
  tshape_test::reference ref("losses.txt");
  Tensor<float, Shape<6, 3>> p, t;
  ref.copy_to("p", p);
  ref.copy_to("t", t);
  CHECK(loss<MeanSquaredError>(p, t) == Approx(ref["mse"].values[0]).epsilon(1e-6));
  CHECK(loss<MeanAbsoluteError>(p, t) == Approx(ref["mae"].values[0]).epsilon(1e-6));
  CHECK(loss<BinaryCrossentropy>(p, t) == Approx(ref["bce"].values[0]).epsilon(1e-6));

  Tensor<float, Shape<5, 4>> q, onehot;
  Tensor<int, Shape<5>> labels;
  ref.copy_to("q", q);
  ref.copy_to("onehot", onehot);
  ref.copy_to("labels", labels);
  CHECK(loss<CategoricalCrossentropy>(q, onehot) == Approx(ref["cce"].values[0]).epsilon(1e-6));
  CHECK(loss<SparseCategoricalCrossentropy>(q, labels) == Approx(ref["sparse_cce"].values[0]).epsilon(1e-6));
  // (N, 1) labels are accepted too, and any integer type.
  Tensor<std::int64_t, Shape<5, 1>> labels_col;
  for (int i = 0; i < 5; ++i) labels_col(i, 0) = labels(i);
  CHECK(loss<SparseCategoricalCrossentropy>(q, labels_col) == Approx(ref["sparse_cce"].values[0]).epsilon(1e-6));
}

TEST_CASE("losses: (N,) targets line up with (N, 1) predictions, not broadcast to (N, N)", "[train][losses]") {
  Tensor<float, Shape<4, 1>> p{0.0f, 1.0f, 2.0f, 3.0f};
  Tensor<float, Shape<4>> t{0.0f, 1.0f, 2.0f, 5.0f};
  CHECK(loss<MeanSquaredError>(p, t) == Approx(1.0));  // (2^2) / 4
}

TEST_CASE("losses: dyn extents are checked at run time with the same words", "[train][losses]") {
  Tensor<float, Shape<dyn, 3>> p(4);
  Tensor<float, Shape<dyn, 3>> t(5);
  CHECK_THROWS_WITH((loss<MeanSquaredError>(p, t)),
                    Catch::StartsWith(TSHAPE_MSG_LOSS_TARGET_MISMATCH) &&
                        Catch::Contains("in loss mean_squared_error: model output (4, 3), target (5, 3)"));
  Tensor<float, Shape<2, 3>> q{0.2f, 0.3f, 0.5f, 0.1f, 0.1f, 0.8f};
  Tensor<int, Shape<2>> bad{0, 3};
  CHECK_THROWS_WITH((loss<SparseCategoricalCrossentropy>(q, bad)), Catch::Contains("a class index is 3, outside [0, 3)"));
}
