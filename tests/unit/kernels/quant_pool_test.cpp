// Int8 pooling, bit for bit against TFLite's loops (the *_reference twins): max and average pooling
// over odd images and channel counts, windows and strides, 'valid' and 'same' (where a border window
// has fewer cells and the average divides by their count), 1D as one row, batch 1 and more; the
// rounding of the average and the Mean's requantization at their ties.
#include <tshape/kernels/quant/pool.hpp>

#include <cstdint>
#include <vector>

#include "../support.hpp"
#include "xorshift.hpp"

using namespace tshape::kernels;
using namespace tshape::kernels::quant;

namespace {
using tshape_test::next;
std::vector<std::int8_t> random_bytes(std::size_t n, std::uint64_t seed) {
  std::vector<std::int8_t> v(n);
  for (auto& b : v) b = static_cast<std::int8_t>(static_cast<int>(next(seed) % 256) - 128);
  return v;
}
}  // namespace

TEST_CASE("int8 max and average pooling are TFLite's, bit for bit", "[quant]") {
  struct spec {
    int h, w, c, kh, kw, sh, sw;
    bool same;
  };
  for (const spec s : {spec{5, 7, 3, 2, 2, 2, 2, false}, spec{7, 7, 70, 3, 3, 2, 2, true}, spec{6, 5, 1, 3, 2, 1, 1, true},
                       spec{9, 8, 17, 3, 3, 3, 3, false}, spec{1, 11, 5, 1, 3, 1, 2, true}, spec{1, 9, 4, 1, 2, 1, 2, false}})
    for (int batch : {1, 2})
      for (int clamp = 0; clamp < 2; ++clamp) {
        INFO("h " << s.h << " w " << s.w << " c " << s.c << " k " << s.kh << "x" << s.kw << " s " << s.sh << "x" << s.sw
                  << " same " << s.same << " batch " << batch << " clamp " << clamp);
        const window_geometry g = make_geometry(s.h, s.w, s.c, s.kh, s.kw, s.sh, s.sw, 1, 1, s.same, s.c);
        const auto x = random_bytes(static_cast<std::size_t>(batch) * s.h * s.w * s.c, static_cast<std::uint64_t>(s.h * 97 + s.c + batch));
        const std::int32_t lo = clamp ? -20 : -128, hi = clamp ? 60 : 127;
        const std::size_t out = static_cast<std::size_t>(batch) * g.oh * g.ow * s.c;
        std::vector<std::int8_t> expected(out), got(out, 99);
        pool_reference<true>(g, batch, x.data(), expected.data(), lo, hi);
        max_pool(g, batch, x.data(), got.data(), lo, hi);
        CHECK(got == expected);
        pool_reference<false>(g, batch, x.data(), expected.data(), lo, hi);
        average_pool(g, batch, x.data(), got.data(), lo, hi);
        CHECK(got == expected);
      }
}

TEST_CASE("int8 average pooling rounds half away from zero, as TFLite", "[quant]") {
  const window_geometry g = make_geometry(1, 4, 1, 1, 2, 1, 2, 1, 1, false, 1);
  const std::int8_t x[4] = {1, 2, -1, -2};  // sums 3 and -3 over 2 cells: 1.5 -> 2, -1.5 -> -2
  std::int8_t y[2];
  average_pool(g, 1, x, y);
  CHECK(y[0] == 2);
  CHECK(y[1] == -2);
  // 'same' with a window of 3 over 4 cells, stride 2: the last window has 2 cells, the average theirs.
  const window_geometry s = make_geometry(1, 4, 1, 1, 3, 1, 2, 1, 1, true, 1);
  const std::int8_t xs[4] = {10, 20, 30, 41};
  average_pool(s, 1, xs, y);
  CHECK(y[0] == 20);  // (10 + 20 + 30) / 3
  CHECK(y[1] == 36);  // (30 + 41) / 2 = 35.5 -> 36
}

TEST_CASE("int8 Mean (global average pooling) is TFLite's, and global max the largest value", "[quant]") {
  for (int cells : {1, 4, 7, 49, 100})
    for (int channels : {1, 16, 67})
      for (int batch : {1, 3}) {
        INFO("cells " << cells << " channels " << channels << " batch " << batch);
        const auto x = random_bytes(static_cast<std::size_t>(batch) * cells * channels, static_cast<std::uint64_t>(cells * 31 + channels + batch));
        const auto m = quantize_multiplier(static_cast<double>(0.037f) / static_cast<double>(0.011f + 0.001f * cells));
        const mean_params p{m.value, m.shift, -17, 9};
        std::vector<std::int8_t> expected(static_cast<std::size_t>(batch) * channels), got(expected.size(), 99);
        mean_reference(batch, cells, channels, x.data(), p, expected.data());
        mean(batch, cells, channels, x.data(), p, got.data());
        CHECK(got == expected);
        for (int b = 0; b < batch; ++b)
          for (int c = 0; c < channels; ++c) {
            std::int8_t most = -128;
            for (int k = 0; k < cells; ++k) most = std::max(most, x[(static_cast<std::size_t>(b) * cells + k) * channels + c]);
            expected[static_cast<std::size_t>(b) * channels + c] = most;
          }
        global_max(batch, cells, channels, x.data(), got.data());
        CHECK(got == expected);
      }
  // Same scale in and out: the mean of 3 and 4 (zero point 0) is 3.5 -> 4; of -3 and -4, -4.
  const auto one = quantize_multiplier(1.0);
  const mean_params p{one.value, one.shift, 0, 0};
  const std::int8_t x[4] = {3, -3, 4, -4};
  std::int8_t y[2];
  mean(1, 2, 2, x, p, y);
  CHECK(y[0] == 4);
  CHECK(y[1] == -4);
}
