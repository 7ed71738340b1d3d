// The tensors of a functional model (model/functional.hpp) as types: Input<D...>, a model input, and
// Node<Spec, In...>, the output of layer Spec applied to the tensors In... . Every layer spec is
// callable on them, as Keras' layers are on symbolic tensors: Dense<10>{}(x) is Node<Dense<10>, X>.
#pragma once
#include <type_traits>

#include "input.hpp"

namespace tshape {

/// The output of layer Spec applied to the tensors In... (Input<...> or Node<...>).
template <class Spec, class... In>
struct Node {};

namespace detail {

template <class T>
struct is_node : std::false_type {};
template <class Spec, class... In>
struct is_node<Node<Spec, In...>> : std::true_type {};

template <class T>
inline constexpr bool is_input_tensor_v = is_input<T>::value;
/// Input<...> or Node<...>: what a layer's functional call takes.
template <class T>
inline constexpr bool is_symbolic_v = is_input_tensor_v<T> || is_node<T>::value;

/// The functional call every layer spec has: Self{}(x, ...) is the tensor Node<Self, X, ...>.
template <class Self>
struct functional_call {
  template <class... In>
    requires(sizeof...(In) > 0 && (is_symbolic_v<In> && ...))
  constexpr Node<Self, In...> operator()(const In&...) const {
    return {};
  }
};

}  // namespace detail
}  // namespace tshape
