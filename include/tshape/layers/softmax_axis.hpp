// Softmax::axis<A>: Keras' Softmax(axis=A), the softmax along any axis of the sample.
//
//   Sequential<Input<4, 5>, Softmax::axis<1>>     Keras' Softmax(axis=1): each of the 5 columns sums to 1
//   Sequential<Input<6, 4, 3>, Softmax::axis<-2>>  Keras' Softmax(axis=-2)
//
// A is counted as Keras counts it, the batch being axis 0 (as Dot's Axes and Permute count), and a
// negative A from the end; Softmax::axis<-1> is Softmax itself (the last axis, layers/activation.hpp).
// The type is SoftmaxAxis<A>, spelled Softmax::axis<A> as LeakyReLU::alpha<1, 10> spells another
// alpha: the layer Keras names Softmax, with the option Keras gives it. Its summary row is Keras':
// `softmax (Softmax)`, no parameters.
//
// The layer only: an activation option of Dense or Conv2D acts on the last axis, as in Keras.
//
// Rule: A names an axis of the sample (1 to rank, or -rank to -1); otherwise INVALID_OPTION with
// axis_out_of_range and the sample's shape (the batch, axis 0, is not one: a softmax across samples
// would mix them).
#pragma once
#include <cstddef>
#include <string_view>

#include "../kernels/activation/softmax_axis.hpp"
#include "layer.hpp"

namespace tshape {

template <int Axis>
struct SoftmaxAxis : detail::functional_call<SoftmaxAxis<Axis>> {
  static constexpr std::string_view keras_class = "Softmax";
  static constexpr std::string_view keras_name = "softmax";
  /// The axis as Keras counts it (the batch is 0; negative from the end).
  static constexpr int axis = Axis;

  template <int... D>
  static constexpr auto infer(Shape<D...> s) {
    constexpr int rank = static_cast<int>(sizeof...(D));
    if constexpr ((Axis >= 1 && Axis <= rank) || (Axis < 0 && Axis >= -rank))
      return s;
    else
      return mismatch<error::INVALID_OPTION, error::axis_out_of_range, error::got<Shape<D...>>>{};
  }

  template <class In>
  class bind : public detail::no_parameters {
    // The sample as (before, n, after) around the axis; a batch is (batch * before, n, after).
    static constexpr int a = Axis > 0 ? Axis - 1 : Axis + In::rank;
    static constexpr std::ptrdiff_t n = In::extents[a];
    static constexpr std::ptrdiff_t after = [] {
      std::ptrdiff_t p = 1;
      for (int i = a + 1; i < In::rank; ++i) p *= In::extents[i];
      return p;
    }();
    static constexpr std::ptrdiff_t before = detail::sample_size<In> / (n * after);

   public:
    using input_shape = In;
    using output_shape = In;
    static constexpr std::size_t scratch_floats(int) { return kernels::activation::softmax_axis_scratch(after); }

    void forward(const float* x, float* y, int batch, float* scratch) const {
      kernels::activation::softmax_axis(x, y, batch * before, n, after, scratch);
    }

    // Training: the derivative comes from the output alone.
    static constexpr std::size_t backward_scratch_floats(int) {
      return kernels::activation::softmax_axis_grad_scratch(after);
    }
    void backward(const float*, const float* y, const float* dy, float* dx, int batch, const float*, float* scratch, bind&,
                  const train_context&) const {
      if (dx) kernels::activation::softmax_axis_grad(y, dy, dx, batch * before, n, after, scratch);
    }
  };
};

}  // namespace tshape
