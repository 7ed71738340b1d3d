// Input<D...>: the shape of one sample, as Keras' Input(shape=(D...)). The batch axis is separate:
// it belongs to the tensors a model is called on (static for fixed-shape builds, or `dyn`).
//
// In a functional model a tensor is its type, so two Input<16> are one tensor. Inputs of one shape
// that carry different data need names, as Keras' Input(shape, name=...):
//   constexpr auto left = Input<16>::named<"left">{};
//   constexpr auto right = Input<16>::named<"right">{};
#pragma once
#include <cstddef>
#include <string_view>

#include "../shape/shape.hpp"

namespace tshape {

namespace detail {
/// A string as a template argument (Input<16>::named<"left">).
template <std::size_t N>
struct fixed_string {
  char text[N]{};
  constexpr fixed_string(const char (&s)[N]) {
    for (std::size_t i = 0; i < N; ++i) text[i] = s[i];
  }
  constexpr std::string_view view() const { return {text, N - 1}; }
};
}  // namespace detail

template <detail::fixed_string Name, int... D>
struct NamedInput;

/// One sample's extents, each static and positive (the model reports any other: INPUT_NOT_STATIC).
template <int... D>
struct Input {
  using shape = Shape<D...>;
  /// The same shape under a name of its own: another tensor than Input<D...> and than other names.
  template <detail::fixed_string Name>
  using named = NamedInput<Name, D...>;
};

/// An Input with a name (Input<D...>::named<"left">): the summary and the plot show the name.
/// (The model checks the name, INPUT_NAME: a static_assert here would leave the program that goes on
/// to use the Input with more errors than the one mistake.)
template <detail::fixed_string Name, int... D>
struct NamedInput : Input<D...> {
  static constexpr std::string_view name = Name.view();
};

namespace detail {
/// An Input's name; empty for an unnamed one.
template <class In>
inline constexpr std::string_view input_name = {};
template <fixed_string Name, int... D>
inline constexpr std::string_view input_name<NamedInput<Name, D...>> = Name.view();
template <class In>
inline constexpr bool is_named_input = false;
template <fixed_string Name, int... D>
inline constexpr bool is_named_input<NamedInput<Name, D...>> = true;
}  // namespace detail

template <class T>
struct is_input : std::false_type {};
template <int... D>
struct is_input<Input<D...>> : std::true_type {};
template <detail::fixed_string Name, int... D>
struct is_input<NamedInput<Name, D...>> : std::true_type {};

}  // namespace tshape
