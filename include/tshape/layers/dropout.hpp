// Dropout<Rate<Num, Den>>: Keras' Dropout(rate = Num / Den). At inference it is the identity (Keras
// scales during training, so nothing is rescaled here); it keeps its place in summaries and names.
#pragma once
#include <string_view>

#include "layer.hpp"

namespace tshape {

/// A fraction Num / Den in [0, 1), e.g. Dropout<Rate<1, 2>>.
template <int Num, int Den = 1>
struct Rate {
  static_assert(Den > 0 && Num >= 0 && Num < Den, "tshape: a rate is a fraction Num / Den in [0, 1)");
  static constexpr double value = static_cast<double>(Num) / Den;
};

template <class R>
struct Dropout {
  static constexpr double rate = R::value;
  static constexpr std::string_view keras_class = "Dropout";
  static constexpr std::string_view keras_name = "dropout";

  template <int... S>
  static constexpr auto infer(Shape<S...> s) {
    return s;
  }
  template <class In>
  using bind = detail::relabel_layer<In, In>;
};

}  // namespace tshape
