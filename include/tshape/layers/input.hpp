// Input<D...>: the shape of one sample, as Keras' Input(shape=(D...)). The batch axis is separate:
// it belongs to the tensors a model is called on (static for fixed-shape builds, or `dyn`).
#pragma once
#include "../shape/shape.hpp"

namespace tshape {

template <int... D>
struct Input {
  static_assert(((D > 0) && ...),
                "tshape: Input<...> gives one sample's extents, each static and positive; the batch axis is not "
                "part of it (the data's tensor carries it, static or dyn)");
  using shape = Shape<D...>;
};

template <class T>
struct is_input : std::false_type {};
template <int... D>
struct is_input<Input<D...>> : std::true_type {};

}  // namespace tshape
