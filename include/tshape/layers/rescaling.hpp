// Rescaling<Num, Den, Offset<Num, Den>>: Keras' Rescaling(scale, offset), y = x * scale + offset on
// every element, any shape, no weights, the scale Num / Den. Its usual place is first, turning pixels
// of 0..255 into the range a model was trained on:
//
//   Rescaling(1./255)                  Rescaling<1, 255>                 0..255 -> 0..1
//   Rescaling(1./127.5, offset=-1)     Rescaling<2, 255, Offset<-1>>     0..255 -> -1..1
//
// The values are fractions because C++20 compilers do not all take float template arguments; each is
// the float nearest its fraction, as Keras casts its Python float to float32 (where the compiler fuses
// the product and the sum into one multiply-add, a result may differ from Keras' two roundings in
// its last bit). It acts on each element alone, so it streams (forward_rows) and trains
// (dx = dy * scale).
#pragma once
#include <cstddef>
#include <string_view>
#include <type_traits>

#include "../config.hpp"
#include "layer.hpp"

namespace tshape {

/// Rescaling's offset, Num / Den, added after the scale: Offset<-1> is Keras' offset=-1.
template <int Num, int Den = 1>
struct Offset {
  static constexpr float value = Den != 0 ? static_cast<float>(static_cast<double>(Num) / Den) : 0.0f;
  static constexpr bool valid = Den > 0;
};

namespace detail {
template <class T>
struct is_offset : std::false_type {};
template <int N, int D>
struct is_offset<Offset<N, D>> : std::true_type {};

/// y = x * scale + offset over n floats: one copy for every shape.
TSHAPE_NOINLINE inline void rescale(const float* x, float* y, std::ptrdiff_t n, float scale, float offset) {
  for (std::ptrdiff_t i = 0; i < n; ++i) y[i] = x[i] * scale + offset;
}
}  // namespace detail

template <int Num, int Den = 1, class... Options>
struct Rescaling : detail::functional_call<Rescaling<Num, Den, Options...>> {
  using offset_option = detail::option_t<detail::is_offset, Offset<0>, Options...>;
  static constexpr auto check_options() {
    using mistake = detail::options_rule_t<error::it_takes<Offset<0>>, detail::is_offset, detail::type_list<Options...>,
                                           detail::is_offset>;
    if constexpr (!std::is_void_v<mistake>)
      return mistake{};
    else if constexpr (Num == 0)
      return mismatch<error::BAD_OPTION_VALUE, error::scale_is_zero_write_the_fraction_as_Rescaling_Num_Den>{};
    else if constexpr (Den <= 0)
      return mismatch<error::BAD_OPTION_VALUE, error::scale_denominator_must_be_positive<Den>>{};
    else if constexpr (!offset_option::valid)
      return mismatch<error::BAD_OPTION_VALUE, error::offset_denominator_must_be_positive<offset_option>>{};
    else
      return;
  }
  /// void, or the option mistake the model reports (layer.hpp): an unknown or repeated option, a
  /// scale of 0 (what C++ makes of Keras' Rescaling(1/255) written Rescaling<1/255>: integer
  /// division), or a denominator that is not positive.
  using option_rule = decltype(check_options());
  static constexpr float scale = Den > 0 ? static_cast<float>(static_cast<double>(Num) / Den) : 0.0f;
  static constexpr float offset = offset_option::value;
  static constexpr std::string_view keras_class = "Rescaling";
  static constexpr std::string_view keras_name = "rescaling";

  template <int... D>
  static constexpr auto infer(Shape<D...> s) {
    if constexpr (!std::is_void_v<option_rule>)
      return option_rule{};
    else
      return s;
  }

  template <class In>
  struct bind : detail::no_parameters {
    using input_shape = In;
    using output_shape = In;
    void forward(const float* x, float* y, int batch, float*) const {
      if (batch > 0) detail::rescale(x, y, detail::sample_size<In> * batch, scale, offset);
    }
    /// Rows of the last axis (a stream's frames).
    void forward_rows(const float* x, float* y, int rows) const {
      if (rows > 0) detail::rescale(x, y, static_cast<std::ptrdiff_t>(rows) * row_size, scale, offset);
    }
    void backward(const float*, const float*, const float* dy, float* dx, int batch, const float*, float*, bind&,
                  const train_context&) const {
      // dx = dy * scale: the offset does not reach the gradient.
      if (dx && batch > 0) detail::rescale(dy, dx, detail::sample_size<In> * batch, scale, 0.0f);
    }

   private:
    static constexpr std::ptrdiff_t row_size = In::rank > 0 ? last_extent_v<In> : 1;
  };
};

}  // namespace tshape
