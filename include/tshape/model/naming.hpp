// Keras-style default names: a counter per class, in the order layers appear (depth first; a model
// counts after its own layers): dense, dense_1, conv2d, ..., sequential. Used by the summary and
// weights().
#pragma once
#include <array>
#include <string_view>

#include "../layers/layer.hpp"
#include "../shape/text.hpp"

namespace tshape {

using layer_name = static_text<48>;

namespace detail {

class name_counter {
 public:
  /// The next number for base name `key` (0 for the first, which takes no suffix).
  constexpr int next(std::string_view key) {
    for (int i = 0; i < n_; ++i)
      if (keys_[i] == key) return counts_[i]++;
    if (n_ == static_cast<int>(keys_.size())) return 0;
    keys_[n_] = key;
    counts_[n_++] = 1;
    return 0;
  }

 private:
  std::array<std::string_view, 64> keys_{};
  std::array<int, 64> counts_{};
  int n_ = 0;
};

constexpr layer_name make_name(std::string_view base, int k) {
  layer_name n(base);
  if (k > 0) n.append("_").append(k);
  return n;
}

template <class L>
concept has_nested_layers = requires { typename L::layers; };

template <class List>
inline constexpr std::size_t list_size = 0;
template <class... T>
inline constexpr std::size_t list_size<type_list<T...>> = sizeof...(T);

/// How many named things a spec is: itself, plus its layers' when it is a model.
template <class L>
constexpr int name_count() {
  int count = 1;
  if constexpr (has_nested_layers<L>)
    for_each_index<list_size<typename L::layers>>(
        [&](auto i) { count += name_count<type_at_t<i, typename L::layers>>(); });
  return count;
}

// A model or wrapper counts after its layers, as Keras numbers them when the outer model is written
// around them (Sequential([Dense(8), Sequential([...])]), or a functional model called inside
// another, which exists first): the inner model is "sequential" or "model", the outer "..._1".
template <class L, std::size_t N>
constexpr void collect_names(name_counter& c, std::array<layer_name, N>& out, int& i) {
  const int self = i++;
  if constexpr (has_nested_layers<L>)
    for_each_index<list_size<typename L::layers>>(
        [&](auto j) { collect_names<type_at_t<j, typename L::layers>>(c, out, i); });
  out[self] = make_name(L::keras_name, c.next(L::keras_name));
}

/// Every name in model M, depth first: [0] is the model's own.
template <class M>
constexpr std::array<layer_name, name_count<M>()> all_names() {
  std::array<layer_name, name_count<M>()> out{};
  name_counter c;
  int i = 0;
  collect_names<M>(c, out, i);
  return out;
}

template <class M>
inline constexpr auto all_names_v = all_names<M>();

/// The position in all_names<M>() of M's top-level layer I.
template <class M, std::size_t I>
constexpr int name_index() {
  int index = 1;
  for_each_index<I>([&](auto j) { index += name_count<type_at_t<j, typename M::layers>>(); });
  return index;
}

}  // namespace detail
}  // namespace tshape
