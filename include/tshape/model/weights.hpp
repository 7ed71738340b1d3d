// Every parameter array of a model, in Keras' get_weights() order, with Keras-style names
// ("conv2d/kernel", "dense_1/bias"), runtime extents and the floats themselves. Loaders, savers
// and tests go through this one list.
//
// set_weights and from_weights take all parameters as one flat array (the arrays of get_weights(),
// each in Keras' layout, back to back) and work at compile time:
//   constexpr Net net = from_weights<Net>(values);   // the whole model in read-only memory (flash)
#pragma once
#include <algorithm>
#include <array>
#include <span>
#include <string_view>
#include <utility>

#include "../config.hpp"
#include "../diagnostics/runtime.hpp"
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
constexpr auto& model_of(Net& net) {
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
        auto visit = [&](std::string_view weight, auto view) {
          weight_ref w;
          w.name = static_text<80>(names[index].view());
          w.name.append("/").append(weight);
          w.rank = decltype(view)::rank;
          const auto e = view.extents();
          for (int i = 0; i < w.rank; ++i) w.extents[i] = e[i];
          w.values = std::span<float>(view.data(), static_cast<std::size_t>(view.size()));
          f(std::as_const(w));
        };
        // A wrapper (Bidirectional) names its arrays after the layer it wraps, whose own name
        // comes right after the wrapper's in the model's list.
        if constexpr (requires { leaf.for_each_weight(visit, std::string_view{}); })
          leaf.for_each_weight(visit, names[index + 1].view());
        else
          leaf.for_each_weight(visit);
      },
      0);
}

/// Keras' set_weights from one flat array of Net::param_count floats (see above); usable at compile time.
template <class Net>
constexpr void set_weights(Net& net, std::span<const float> values) {
  auto& model = detail::model_of(net);
  using M = std::remove_cvref_t<decltype(model)>;
  if (values.size() != static_cast<std::size_t>(M::param_count))
    raise(make_error(errc::weights_mismatch, "set_weights: the array does not hold param_count floats"));
  std::size_t i = 0;
  model.visit_leaves(
      [&](int, auto& leaf) {
        leaf.for_each_weight([&](std::string_view, auto view) {
          for (auto& v : view) v = values[i++];
        });
      },
      0);
}

/// A model of type Net with the parameters `values` (Net::param_count floats, see above). As a
/// constexpr variable it is built by the compiler and lives in read-only memory.
template <class Net, std::size_t N>
constexpr Net from_weights(const float (&values)[N]) {
  static_assert(N == static_cast<std::size_t>(Net::param_count),
                "tshape: from_weights needs exactly Net::param_count floats, in get_weights() order");
  Net net{};
  set_weights(net, std::span<const float>(values, N));
  return net;
}
template <class Net, std::size_t N>
constexpr Net from_weights(const std::array<float, N>& values) {
  static_assert(N == static_cast<std::size_t>(Net::param_count),
                "tshape: from_weights needs exactly Net::param_count floats, in get_weights() order");
  Net net{};
  set_weights(net, std::span<const float>(values.data(), N));
  return net;
}

#ifndef TSHAPE_NO_HEAP
/// Every parameter of `net` in one flat array, in get_weights() order: what set_weights takes.
template <class Net>
std::vector<float> flat_weights(Net& net) {
  using M = std::remove_cvref_t<decltype(detail::model_of(net))>;
  // Sized once: growing it by inserts here makes g++ 12 -O3 warn (-Wstringop-overflow, wrongly).
  std::vector<float> out(static_cast<std::size_t>(M::param_count));
  std::size_t i = 0;
  for_each_weight(net, [&](const weight_ref& w) {
    std::copy(w.values.begin(), w.values.end(), out.begin() + static_cast<std::ptrdiff_t>(i));
    i += w.values.size();
  });
  return out;
}

/// The parameter arrays of `net`, in Keras' get_weights() order.
template <class Net>
std::vector<weight_ref> weights(Net& net) {
  std::vector<weight_ref> out;
  for_each_weight(net, [&](const weight_ref& w) { out.push_back(w); });
  return out;
}
#endif

}  // namespace tshape
