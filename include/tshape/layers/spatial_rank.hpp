// The rank rule of the layers that move values along the spatial axes of channels-last samples
// (ZeroPadding1D, Cropping1D/2D, UpSampling1D/2D): a sample of rank SpatialRank + 1.
#pragma once
#include "layer.hpp"

namespace tshape::detail {

/// void when Shape<D...> has SpatialRank spatial axes and a channel axis, else the mismatch; a sample
/// one axis short is most likely missing its channel axis, so the fix names the Reshape that adds it.
template <int SpatialRank, int... D>
constexpr auto channels_last_rank_rule() {
  if constexpr (sizeof...(D) == SpatialRank + 1)
    return;
  else if constexpr (sizeof...(D) == SpatialRank)
    return mismatch<error::WRONG_RANK, error::expected_rank<SpatialRank + 1>, error::got<Shape<D...>>,
                    error::fix_with_layer_before_it<Reshape<D..., 1>>>{};
  else
    return mismatch<error::WRONG_RANK, error::expected_rank<SpatialRank + 1>, error::got<Shape<D...>>>{};
}

/// An axis' extent after cropping Before and After cells (1D and 2D cropping alike).
template <int Extent, int Before, int After>
inline constexpr bool crop_leaves_cells = Before + After < Extent;

}  // namespace tshape::detail
