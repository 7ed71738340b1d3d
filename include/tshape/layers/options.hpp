// Options shared by the convolution and pooling layers, as types (design section 1):
//
//   Conv2D<32, Kernel<3, 3>, Strides<2, 2>, Padding::same, DilationRate<1, 1>, ReLU>
//   MaxPooling2D<Pool<2, 2>, Strides<1, 1>, Padding::same>
//
// A window option takes one value per spatial axis, or one value for all of them, as Keras'
// `kernel_size=3` means (3, 3). Options left out take Keras' defaults (layers say which).
#pragma once
#include <array>
#include <type_traits>

namespace tshape {

/// The convolution window: Kernel<kh, kw> (2D), Kernel<k> (1D, or k x k in 2D).
template <int... K>
struct Kernel {
  static constexpr std::array<int, sizeof...(K)> values{K...};
};
/// The step between windows; Keras' default is 1 for convolutions and the pool size for pooling.
template <int... S>
struct Strides {
  static constexpr std::array<int, sizeof...(S)> values{S...};
};
/// Spacing between the cells of a convolution window (Keras' dilation_rate); default 1.
template <int... D>
struct DilationRate {
  static constexpr std::array<int, sizeof...(D)> values{D...};
};
/// The pooling window (Keras' pool_size); default 2 per axis.
template <int... P>
struct Pool {
  static constexpr std::array<int, sizeof...(P)> values{P...};
};

/// Padding::valid (Keras' default: no padding, trailing cells that fill no window are dropped),
/// Padding::same (output extent ceil(in / stride), TensorFlow's padding: the odd cell at the end) or
/// Padding::causal (Conv1D only: (kernel - 1) * dilation zeros before the first step and none after,
/// so that output t reads inputs up to t alone and the length is kept, ceil(in / stride)).
struct Padding {
  struct valid {
    static constexpr bool is_same = false;
    static constexpr bool is_causal = false;
  };
  struct same {
    static constexpr bool is_same = true;
    static constexpr bool is_causal = false;
  };
  struct causal {
    static constexpr bool is_same = false;
    static constexpr bool is_causal = true;
  };
};

namespace detail {

template <class T>
struct is_kernel : std::false_type {};
template <int... K>
struct is_kernel<Kernel<K...>> : std::true_type {};
template <class T>
struct is_strides : std::false_type {};
template <int... S>
struct is_strides<Strides<S...>> : std::true_type {};
template <class T>
struct is_dilation : std::false_type {};
template <int... D>
struct is_dilation<DilationRate<D...>> : std::true_type {};
template <class T>
struct is_pool : std::false_type {};
template <int... P>
struct is_pool<Pool<P...>> : std::true_type {};
template <class T>
struct is_padding : std::bool_constant<std::is_same_v<T, Padding::valid> || std::is_same_v<T, Padding::same> ||
                                       std::is_same_v<T, Padding::causal>> {};

/// True when a window option has one value or one per axis, each positive.
template <class Opt, int Rank>
constexpr bool window_option_fits() {
  if (Opt::values.size() != 1 && Opt::values.size() != static_cast<std::size_t>(Rank)) return false;
  for (int v : Opt::values)
    if (v <= 0) return false;
  return true;
}

/// A window option's values, one per axis (a single value repeated); 1s for an option that does
/// not fit (window_option_fits), which the layer's option rule reports.
template <class Opt, int Rank>
constexpr std::array<int, Rank> window_values() {
  std::array<int, Rank> out{};
  if (!window_option_fits<Opt, Rank>()) {
    out.fill(1);
    return out;
  }
  for (int i = 0; i < Rank; ++i) out[i] = Opt::values.size() == 1 ? Opt::values[0] : Opt::values[i];
  return out;
}

/// Output extent along one axis (Keras' conv_output_length): 'valid' drops what fills no window;
/// 'same' is ceil(in / stride) whatever the window.
constexpr int window_output(int in, int window, int stride, bool same) {
  return same ? (in + stride - 1) / stride : (in - window) / stride + 1;
}

/// The effective extent of a dilated window: (k - 1) * d + 1.
constexpr int dilated(int k, int d) { return (k - 1) * d + 1; }

}  // namespace detail
}  // namespace tshape
