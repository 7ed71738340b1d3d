// The int8 kernels' Cortex-M4 path (sxtb16 + smlad, kernels/quant/dense.hpp) against the plain
// reference, bit for bit: Dense over odd depths and unit counts, batch 1 and more, extreme values,
// fused activation ranges; Conv2D (which runs the same Dense on patches) over strides and padding,
// and Conv1D's one-row windows (dilated, causal); the int8 Logistic, Tanh and Softmax (portable code,
// here compiled for the M4) against a direct evaluation of their fixed-point steps.
// Built for the Cortex-M4 and run under qemu-arm by run.sh; no heap, no C runtime.
#include <tshape/kernels/quant/activation.hpp>
#include <tshape/kernels/quant/conv.hpp>
#include <tshape/kernels/quant/dense.hpp>

#include <cstdint>
#include <initializer_list>

#include "linux_start.hpp"
#include "../../unit/kernels/xorshift.hpp"

#if !defined(TSHAPE_QUANT_ARM_DSP)
#error "built without the Arm DSP extension: this test checks that path (see run.sh for the flags)"
#endif

using namespace tshape::kernels::quant;

namespace {
using tshape_test::next;

constexpr int max_rows = 8, max_in = 160, max_units = 100;
std::int8_t x[max_rows * max_in], w[max_units * max_in], packed[packed_bytes(max_in, max_units)];
std::int8_t expected[max_rows * max_units], got[max_rows * max_units];
std::int32_t bias[max_units], sums[max_units], mult[max_units], shift[max_units];

// Random data (or only the extremes, where sums are largest) and per-channel requantization with
// multipliers from 1e-5 to 10 (shifts both ways); returns the requantization.
requantization fill(std::uint64_t s, int rows, int in, int units, bool extremes, std::int32_t lo, std::int32_t hi) {
  for (int i = 0; i < rows * in; ++i)
    x[i] = static_cast<std::int8_t>(extremes ? (next(s) & 1 ? 127 : -128) : static_cast<int>(next(s) % 256) - 128);
  for (int i = 0; i < units * in; ++i)
    w[i] = static_cast<std::int8_t>(extremes ? (next(s) & 1 ? 127 : -127) : static_cast<int>(next(s) % 255) - 127);
  pack_weights(in, units, w, packed);
  for (int c = 0; c < units; ++c) {
    std::int32_t sum = 0;
    for (int k = 0; k < in; ++k) sum += w[c * in + k];
    sums[c] = sum;
    bias[c] = static_cast<std::int32_t>(next(s) % 20001) - 10000;
    const auto qm = quantize_multiplier(1e-5 * static_cast<double>(1 + next(s) % 1000000));
    mult[c] = qm.value;
    shift[c] = qm.shift;
  }
  const std::int32_t zp_in = static_cast<std::int32_t>(next(s) % 256) - 128;
  const std::int32_t zp_out = static_cast<std::int32_t>(next(s) % 256) - 128;
  return {bias, sums, mult, shift, zp_in, zp_out, lo, hi};
}

bool same(int n) {
  for (int i = 0; i < n; ++i)
    if (got[i] != expected[i]) return false;
  return true;
}

int failures = 0, cases = 0;
void report(const char* what, int a, int b, int c) {
  ++failures;
  qemu_arm::say("MISMATCH ");
  qemu_arm::say(what);
  qemu_arm::say(" ");
  qemu_arm::say(a);
  qemu_arm::say(" ");
  qemu_arm::say(b);
  qemu_arm::say(" ");
  qemu_arm::say(c);
  qemu_arm::say("\n");
}

void dense_cases() {
  for (int extremes = 0; extremes < 2; ++extremes)
    for (int rows : {1, 2, 3, 8})
      for (int in : {1, 3, 4, 7, 16, 33, 64, 130, 160})
        for (int units : {1, 3, 4, 5, 16, 17, 31, 40, 100}) {
          const std::int32_t lo = extremes ? 0 : -128, hi = extremes ? 100 : 127;  // a fused ReLU-like range
          const auto q = fill(static_cast<std::uint64_t>(rows * 7919 + in * 104729 + units * 31 + extremes) | 1, rows, in,
                              units, extremes != 0, lo, hi);
          reference(rows, in, units, x, w, q, expected);
          for (int i = 0; i < rows * units; ++i) got[i] = 99;
          dense_arm_dsp(rows, in, units, x, packed, q, got);
          ++cases;
          if (!same(rows * units)) report("dense rows/in/units", rows, in, units);
        }
}

std::int8_t image[2 * 9 * 7 * 5], ohwi[6 * 3 * 3 * 5], conv_packed[packed_bytes(3 * 3 * 5, 6)], scratch[9 * 7 * 45];
std::int8_t conv_expected[2 * 9 * 7 * 6], conv_got[2 * 9 * 7 * 6];

// One convolution on random data and per-channel requantization (multipliers 1e-3 to 10): the DSP
// path against the reference, bit for bit.
bool conv_matches(const conv_geometry& g, int batch, std::uint64_t& s, std::int32_t zp_out) {
  for (int i = 0; i < batch * g.h * g.w * g.cin; ++i) image[i] = static_cast<std::int8_t>(static_cast<int>(next(s) % 256) - 128);
  for (int i = 0; i < g.cout * g.patch(); ++i) ohwi[i] = static_cast<std::int8_t>(static_cast<int>(next(s) % 255) - 127);
  pack_weights(g.patch(), g.cout, ohwi, conv_packed);
  for (int c = 0; c < g.cout; ++c) {
    std::int32_t sum = 0;
    for (int k = 0; k < g.patch(); ++k) sum += ohwi[c * g.patch() + k];
    sums[c] = sum;
    bias[c] = static_cast<std::int32_t>(next(s) % 2001) - 1000;
    const auto qm = quantize_multiplier(1e-3 * static_cast<double>(1 + next(s) % 10000));
    mult[c] = qm.value;
    shift[c] = qm.shift;
  }
  const requantization q{bias, sums, mult, shift, static_cast<std::int32_t>(next(s) % 256) - 128, zp_out, -128, 127};
  const int n = batch * g.out_h * g.out_w * g.cout;
  conv2d_reference(g, batch, image, ohwi, q, conv_expected);
  for (int i = 0; i < n; ++i) conv_got[i] = 99;
  conv2d(g, batch, image, conv_packed, q, scratch, conv_got, dense_arm_dsp);
  ++cases;
  for (int i = 0; i < n; ++i)
    if (conv_got[i] != conv_expected[i]) return false;
  return true;
}

void conv_cases() {
  // 9x7x5 images, 6 filters of 3x3 (or 1x3): strides 1 and 2, 'valid' and 'same' (odd padding at
  // the bottom and right, as Keras places it), batch 1 and 2.
  struct geometry { int kh, kw, stride, pad_top, pad_left, out_h, out_w; };
  const geometry gs[] = {{3, 3, 1, 0, 0, 7, 5}, {3, 3, 1, 1, 1, 9, 7}, {3, 3, 2, 0, 0, 4, 3},
                         {3, 3, 2, 1, 1, 5, 4}, {1, 3, 1, 0, 1, 9, 7}, {1, 3, 2, 0, 0, 5, 3}};
  std::uint64_t s = 77;
  for (const auto& gm : gs)
    for (int batch : {1, 2}) {
      const conv_geometry g{9, 7, 5, gm.kh, gm.kw, 6, gm.stride, gm.stride, gm.pad_top, gm.pad_left, gm.out_h, gm.out_w};
      if (!conv_matches(g, batch, s, -3)) report("conv2d kernel/stride/batch", gm.kh * 10 + gm.kw, gm.stride, batch);
    }
}
// Conv1D as Keras' converter hands it to TFLite: a Conv2D over one row (length 13, 3 channels, 5
// filters), kernel 3, dilation 1 and 2, stride 1 and 2, 'valid', 'same' and 'causal' (all padding
// on the left).
void conv1d_cases() {
  std::uint64_t s = 99;
  for (int dilation : {1, 2})
    for (int stride : {1, 2})
      for (int padding = 0; padding < 3; ++padding) {  // valid, same, causal
        const int window = 2 * dilation + 1, len = 13;
        const int out = padding == 0 ? (len - window) / stride + 1 : (len + stride - 1) / stride;
        const int total = padding == 0 ? 0 : (out - 1) * stride + window - len;
        const int left = padding == 2 ? window - 1 : total / 2;
        conv_geometry g{1, len, 3, 1, 3, 5, 1, stride, 0, left, 1, out};
        g.dilation_w = dilation;
        if (!conv_matches(g, 2, s, 7)) report("conv1d dilation/stride/padding", dilation, stride, padding);
      }
}

// Logistic and Tanh over every int8 input, and Softmax rows, as the M4 computes them: their tables
// against the per-value kernels (the host tests check those against TFLite's algorithm), Softmax's
// rows summing to 1.
void activation_cases() {
  for (int zp : {-128, -5, 0, 77})
    for (float scale : {0.002f, 0.03f, 0.1f, 0.5f}) {
      const affine in{scale, zp};
      const auto lp = prepare_logistic(in);
      const auto tp = prepare_tanh(in);
      const auto lt = logistic_table(lp), tt = tanh_table(tp);
      bool ok = true;
      for (int v = -128; v < 128; ++v) {
        const auto x8 = static_cast<std::int8_t>(v);
        std::int8_t a = 0, b = 0;
        lookup(&x8, &a, 1, lt);
        lookup(&x8, &b, 1, tt);
        ok = ok && a == logistic(x8, lp) && b == tanh(x8, tp);
      }
      ++cases;
      if (!ok) report("logistic/tanh zero point/scale*1000", zp, static_cast<int>(scale * 1000), 0);
    }
  std::uint64_t s = 5;
  for (int depth : {1, 4, 10, 33})
    for (float scale : {0.01f, 0.1f, 0.4f}) {
      const auto p = prepare_softmax(scale);
      std::int8_t row[33], out[33];
      for (int i = 0; i < depth; ++i) row[i] = static_cast<std::int8_t>(static_cast<int>(next(s) % 256) - 128);
      softmax(row, out, 1, depth, p);
      int sum = 0;
      for (int i = 0; i < depth; ++i) sum += out[i] + 128;  // probabilities in steps of 1/256
      ++cases;
      // Rows sum to 1 within a step per value (TFLite's rounding), and equal inputs share equally.
      const int slack = depth + 1;
      if (sum < 256 - slack || sum > 256 + slack) report("softmax depth/scale*100/sum", depth, static_cast<int>(scale * 100), sum);
    }
  std::int8_t equal[4] = {5, 5, 5, 5}, quarter[4];
  softmax(equal, quarter, 1, 4, prepare_softmax(0.1f));
  ++cases;
  if (quarter[0] != -64 || quarter[3] != -64) report("softmax of four equal logits", quarter[0], quarter[3], 0);
}
}  // namespace

int test_main() {
  qemu_arm::say("int8 kernels, path ");
  qemu_arm::say(dense_path());
  qemu_arm::say(": ");
  dense_cases();
  conv_cases();
  conv1d_cases();
  activation_cases();
  qemu_arm::say(cases);
  qemu_arm::say(" cases, ");
  qemu_arm::say(failures);
  qemu_arm::say(failures == 0 ? " mismatches: bit-exact with the reference\n" : " mismatches\n");
  return failures == 0 ? 0 : 1;
}
