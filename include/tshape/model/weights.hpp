// Every parameter array of a model, in Keras' get_weights() order, with Keras-style names
// ("conv2d/kernel", "dense_1/bias"), runtime extents and the floats themselves. Loaders, savers
// and tests go through this one list.
#pragma once
#include <array>
#include <span>
#include <string_view>
#include <utility>

#include "../config.hpp"
#include "../shape/text.hpp"
#include "naming.hpp"

#ifndef TSHAPE_NO_HEAP
#include <vector>
#endif

namespace tshape {

struct weight_ref {
  static_text<80> name;        // "dense_1/kernel"
  int rank = 0;
  std::array<int, 6> extents{};  // the array's shape in Keras' layout; the first `rank` are used
  std::span<float> values;

  std::span<const int> shape() const { return {extents.data(), static_cast<std::size_t>(rank)}; }
};

namespace detail {
template <class Net>
auto& model_of(Net& net) {
  if constexpr (requires { *net; net.get(); })
    return *net;
  else
    return net;
}
}  // namespace detail

/// Calls f(weight_ref) for each parameter array of `net`, in get_weights() order. No heap.
template <class Net, class F>
void for_each_weight(Net& net, F&& f) {
  auto& model = detail::model_of(net);
  using M = std::remove_cvref_t<decltype(model)>;
  constexpr const auto& names = detail::all_names_v<M>;
  model.visit_leaves(
      [&](int index, auto& leaf) {
        leaf.for_each_weight([&](std::string_view weight, auto view) {
          weight_ref w;
          w.name = static_text<80>(names[index].view());
          w.name.append("/").append(weight);
          w.rank = decltype(view)::rank;
          const auto e = view.extents();
          for (int i = 0; i < w.rank; ++i) w.extents[i] = e[i];
          w.values = std::span<float>(view.data(), static_cast<std::size_t>(view.size()));
          f(std::as_const(w));
        });
      },
      0);
}

#ifndef TSHAPE_NO_HEAP
/// The parameter arrays of `net`, in Keras' get_weights() order.
template <class Net>
std::vector<weight_ref> weights(Net& net) {
  std::vector<weight_ref> out;
  for_each_weight(net, [&](const weight_ref& w) { out.push_back(w); });
  return out;
}
#endif

}  // namespace tshape
