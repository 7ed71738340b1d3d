// Reads examples/data/digits.csv (the UCI handwritten digits; see examples/data/README.md): 64 pixels
// 0..16 and a label per line, into images scaled to [0, 1] and the labels.
#pragma once
#include <tshape/tshape.hpp>

#include <cstdint>
#include <cstdio>
#include <random>
#include <utility>
#include <string>
#include <vector>

struct digits_data {
  tshape::Tensor<float, tshape::Shape<tshape::dyn, 8, 8, 1>> images;
  tshape::Tensor<int, tshape::Shape<tshape::dyn>> labels;
};

inline digits_data load_digits(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "r");
  if (!f) tshape::raise(tshape::make_error(tshape::errc::file_error, path + ": cannot open the digits"));
  std::vector<int> values;
  for (int v; std::fscanf(f, "%d,", &v) == 1;) values.push_back(v);
  std::fclose(f);
  if (values.empty() || values.size() % 65 != 0)
    tshape::raise(tshape::make_error(tshape::errc::bad_data, path + " does not hold lines of 64 pixels and a label"));
  const int n = static_cast<int>(values.size() / 65);
  digits_data d{decltype(digits_data::images)(n), decltype(digits_data::labels)(n)};
  for (int i = 0; i < n; ++i) {
    const int* row = values.data() + static_cast<std::ptrdiff_t>(i) * 65;
    for (int p = 0; p < 64; ++p) d.images(i, p / 8, p % 8, 0) = static_cast<float>(row[p]) / 16.0f;
    d.labels(i) = row[64];
  }
  return d;
}

/// The samples in a seeded random order (Fisher-Yates on std::mt19937, the same on every platform):
/// the data set lists its writers one after another, so a split of the listed order tests on writers
/// the model never saw.
inline void shuffle_digits(digits_data& d, std::uint32_t seed) {
  std::mt19937 gen(seed);
  const int n = d.labels.extent(0);
  for (int i = n - 1; i > 0; --i) {
    const int j = static_cast<int>(gen() % static_cast<std::uint32_t>(i + 1));
    std::swap(d.labels(i), d.labels(j));
    for (int p = 0; p < 64; ++p) std::swap(d.images(i, p / 8, p % 8, 0), d.images(j, p / 8, p % 8, 0));
  }
}
