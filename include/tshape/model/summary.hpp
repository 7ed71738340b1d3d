// Keras' model.summary(), computed at compile time.
//
//   constexpr auto s = summary<Net>();          // rows (name, class, output shape, params), totals
//   static_assert(s.total_params == 18'881);
//   print_summary<Net>();                      // Keras' classic table (tf.keras 2.0-2.8 layout)
#pragma once
#include <array>
#include <cstddef>
#include <string_view>

#include "../shape/text.hpp"
#include "naming.hpp"

#ifndef TSHAPE_NO_HEAP
#include <iostream>
#include <ostream>
#endif

namespace tshape {

struct summary_row {
  layer_name name;                 // "dense_1"
  std::string_view class_name;     // "Dense"
  static_text<128> output_shape;   // "(None, 64)"
  long long params = 0;
};

template <std::size_t N>
struct model_summary {
  layer_name model_name;
  std::array<summary_row, N> rows{};
  long long total_params = 0;
  long long trainable_params = 0;
  long long non_trainable_params = 0;
};

/// The summary of model Net: one row per top-level layer, Input excluded, as Keras' Sequential prints.
template <class Net>
constexpr auto summary() {
  static_assert(Net::has_input, "tshape: summary needs a model whose first argument is Input<...>");
  using L = typename Net::layers;
  constexpr const auto& names = detail::all_names_v<Net>;
  model_summary<detail::list_size<L>> s;
  s.model_name = names[0];
  detail::for_each_index<detail::list_size<L>>([&](auto i) {
    s.rows[i] = summary_row{names[detail::name_index<Net, i>()], detail::type_at_t<i, L>::keras_class,
                            batch_shape_text<typename Net::template shape_at<i + 1>>(),
                            Net::template layer_type<i>::param_count};
  });
  s.total_params = Net::param_count;
  s.non_trainable_params = Net::non_trainable_count;
  s.trainable_params = Net::param_count - Net::non_trainable_count;
  return s;
}

namespace detail {
/// 1234567 -> "1,234,567", as Keras prints totals.
constexpr static_text<32> thousands(long long v) {
  static_text<32> digits;
  digits.append(v < 0 ? -v : v);
  static_text<32> out(v < 0 ? "-" : "");
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.append(",");
    out.append(std::string_view(&digits.chars[i], 1));
  }
  return out;
}

/// One row of Keras' table: each field cut to its column, the column's last character a space.
constexpr static_text<80> table_row(std::string_view a, std::string_view b, std::string_view c) {
  constexpr std::size_t stops[3] = {29, 55, 65};
  const std::string_view fields[3] = {a, b, c};
  static_text<80> line;
  for (int i = 0; i < 3; ++i) {
    if (i > 0) line.chars[line.length - 1] = ' ';
    line.append(fields[i]);
    if (line.length > stops[i]) {
      line.length = stops[i];
      line.chars[line.length] = '\0';
    }
    while (line.length < stops[i]) line.append(" ");
  }
  return line;
}
}  // namespace detail

#ifndef TSHAPE_NO_HEAP
/// Prints Keras' classic summary table of Net (65 columns).
template <class Net>
void print_summary(std::ostream& os = std::cout) {
  constexpr auto s = summary<Net>();
  const std::string_view rule_line = "_________________________________________________________________";
  const std::string_view double_line = "=================================================================";
  os << "Model: \"" << s.model_name.view() << "\"\n" << rule_line << '\n';
  os << detail::table_row("Layer (type)", "Output Shape", "Param #").view() << '\n' << double_line << '\n';
  for (std::size_t i = 0; i < s.rows.size(); ++i) {
    static_text<80> name(s.rows[i].name.view());
    name.append(" (").append(s.rows[i].class_name).append(")");
    static_text<24> params;
    params.append(s.rows[i].params);
    os << detail::table_row(name.view(), s.rows[i].output_shape.view(), params.view()).view() << '\n';
    os << (i + 1 < s.rows.size() ? rule_line : double_line) << '\n';
  }
  os << "Total params: " << detail::thousands(s.total_params).view() << '\n';
  os << "Trainable params: " << detail::thousands(s.trainable_params).view() << '\n';
  os << "Non-trainable params: " << detail::thousands(s.non_trainable_params).view() << '\n';
  os << rule_line << '\n';
}
#endif

}  // namespace tshape
