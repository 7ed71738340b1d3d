// The one mechanism that turns a failed shape rule into a compiler error (design section 5).
//
// A rule never asserts. It returns either its result (a Shape) or `mismatch<Kind, Details...>`, a
// value that says what is wrong. A fold over layers tags a mismatch with the layer's position and
// carries it unchanged past every later layer. The class the user wrote (Sequential, Model, a call
// operator, a loss) then reports it once:
//
//     static_assert(no_error<only<error::WRONG_RANK, diagnosis>>, TSHAPE_MSG_WRONG_RANK);
//
// The message is the rule in words; the condition names the diagnosis type, e.g.
// `error::WRONG_RANK<error::at_layer<0>, Conv2D<32, Kernel<3, 3>>, error::expected_rank<3>,
// error::but_got_shape<None, 28, 28>>`, so g++ prints the details on the note under the message
// and clang on the same line. The same words serve run-time checks (diagnostics/runtime.hpp).
#pragma once
#include <array>
#include <cstddef>
#include <string_view>
#include <type_traits>

#include "../shape/shape.hpp"

// The words of each rule, shared by static_assert (which needs a literal) and run-time errors.
#define TSHAPE_MSG_SHAPE_MISMATCH "tshape: the input's shape does not match what the layer expects"
#define TSHAPE_MSG_WRONG_RANK                                                                                     \
  "tshape: the data's rank is not the one the model expects (add a missing axis with expand_dims, e.g. a channel " \
  "axis with expand_dims<-1>; remove an extra axis of 1 with squeeze)"
// The same rule met inside a model's definition: the fix is in the model, not in the data.
#define TSHAPE_MSG_LAYER_WRONG_RANK                                                                        \
  "tshape: the layer's input does not have the rank the layer expects (declare the Input with the axis it " \
  "needs, e.g. Input<100, 1>, or put the Reshape named below before the layer)"
#define TSHAPE_MSG_WINDOW_LARGER_THAN_INPUT \
  "tshape: a 'valid' window is larger than its input (use Padding::same, a smaller window or a larger input)"
#define TSHAPE_MSG_ELEMENT_COUNT_MISMATCH \
  "tshape: the target shape holds a different number of elements than the input"
#define TSHAPE_MSG_INVALID_OPTION "tshape: the layer's options cannot apply to its input"
#define TSHAPE_MSG_UNKNOWN_OPTION \
  "tshape: the layer does not take this option (the option, then the options the layer takes, are named below)"
#define TSHAPE_MSG_NOT_A_LAYER \
  "tshape: a model's list holds something that is not a layer (an option outside its layer's brackets, a second " \
  "Input, or another type), named below with its place"
#define TSHAPE_MSG_REPEATED_OPTION \
  "tshape: the layer is given two options of one kind (two activations, or one option twice): keep one"
#define TSHAPE_MSG_BAD_OPTION_VALUE "tshape: the layer cannot take this value of an option (named below)"
#define TSHAPE_MSG_DTYPE_MISMATCH \
  "tshape: the model computes in float; convert the data first with tshape::cast<float>(x)"
#define TSHAPE_MSG_TOKEN_IDS_NOT_INTEGER                                                                     \
  "tshape: an Embedding reads integer token ids, so it comes first in the model and takes int32 data (convert " \
  "the ids with tshape::cast<int>(x))"
#define TSHAPE_MSG_TOKEN_ID_OUT_OF_RANGE "tshape: a token id is outside [0, input_dim) of the Embedding that reads it"
#define TSHAPE_MSG_LOSS_TARGET_MISMATCH "tshape: the loss target's shape does not match the model's output"
#define TSHAPE_MSG_OUTPUT_KEEPS_SPATIAL_AXES                                                                \
  "tshape: the model's output still has spatial axes and the loss target has none (put GlobalAveragePooling2D " \
  "or Flatten before the last Dense)"
#define TSHAPE_MSG_INVALID_AXIS \
  "tshape: expand_dims and squeeze take an axis the tensor has, and squeeze only an axis of extent 1"
#define TSHAPE_MSG_NOT_RECURRENT "tshape: Bidirectional wraps a recurrent layer (GRU, LSTM or SimpleRNN)"
#define TSHAPE_MSG_OUTPUT_MISMATCH \
  "tshape: forward(x, y): y does not have the shape of the model's output for x's batch"
#define TSHAPE_MSG_VIEW_OF_TEMPORARY                                                                      \
  "tshape: this returns a view of its argument's elements: give it a named Tensor or a view, not a temporary " \
  "Tensor (whose elements are gone before the view is used)"
#define TSHAPE_MSG_TARGET_DTYPE_MISMATCH                                                                      \
  "tshape: the loss takes targets of another element type: integer class indices for a sparse loss, floats " \
  "for the others (the fix is named below)"
#define TSHAPE_MSG_SAMPLE_COUNT_MISMATCH "tshape: the data and the targets hold different numbers of samples"
#define TSHAPE_MSG_INPUT_SAMPLES_MISMATCH \
  "tshape: the model's inputs hold different numbers of samples (every input has one row per sample, in the same order)"
#define TSHAPE_MSG_NOT_TRAINABLE "tshape: a layer of this model has no backward pass, so the model cannot train"
#define TSHAPE_MSG_MERGE_SHAPE_MISMATCH \
  "tshape: a merge layer's inputs have shapes it cannot combine (equal shapes, or axes of 1 that broadcast)"
#define TSHAPE_MSG_INPUT_NOT_STATIC                                                                          \
  "tshape: Input<...> gives one sample's extents, each static and positive: the batch axis is not among " \
  "them, and sequences of varying length are padded to one length (Keras' pad_sequences) or run as a stream"
#define TSHAPE_MSG_MERGE_IN_SEQUENTIAL                                                                         \
  "tshape: a merge layer (Add, Concatenate, Multiply, ...) combines several tensors, and a Sequential passes " \
  "one: call it on tensors in a functional model, or write x + f(x) as Residual<...>"
#define TSHAPE_MSG_CONCATENATE_MISMATCH \
  "tshape: Concatenate's inputs must have the same shape except along the concatenation axis"
#define TSHAPE_MSG_DOT_MISMATCH "tshape: Dot's inputs differ in extent along the axes it multiplies together"
#define TSHAPE_MSG_SHARED_LAYER_MISMATCH \
  "tshape: a shared layer is applied to tensors of different shapes (its one set of weights fits one shape)"
#define TSHAPE_MSG_GRAPH_DISCONNECTED "tshape: an output depends on an Input that is not among the model's inputs"
#define TSHAPE_MSG_INPUT_NOT_USED "tshape: an Input of the model is not used by any of its outputs"
#define TSHAPE_MSG_INPUT_REPEATED \
  "tshape: one Input is given to the model twice (a tensor is its type: Inputs of one shape need names, Input<16>::named<\"left\">)"
#define TSHAPE_MSG_INPUT_NAME \
  "tshape: each named Input of a model has a name of its own, of 1 to 40 characters (Keras: layer names are unique)"
#define TSHAPE_MSG_WRONG_TENSOR_COUNT "tshape: the model is called with a different number of tensors than it has Inputs"
#define TSHAPE_MSG_WRONG_TENSOR_COUNT_IN_TRAINING \
  "tshape: a training step needs one tensor per Input, one target per output and, with losses{...}, one loss per output"
#define TSHAPE_MSG_BAD_DATA "tshape: the data is not what it claims to be"
// Data read from a file or viewed in a buffer: no layer is involved yet.
#define TSHAPE_MSG_DATA_SHAPE_MISMATCH "tshape: the data's shape is not the one its tensor type declares"
#define TSHAPE_MSG_DATA_DTYPE_MISMATCH "tshape: the file's element type is not the one its tensor type declares"
#define TSHAPE_MSG_UNSUPPORTED_DATA "tshape: the file is in a form tshape does not read"
#define TSHAPE_MSG_INVALID_ARGUMENT "tshape: an argument is outside the values the call accepts"
#define TSHAPE_MSG_LOSS_NOT_FINITE \
  "tshape: the loss is not a finite number (a learning rate too large, or NaN or inf in the data or the targets)"
#define TSHAPE_MSG_CLASS_INDEX_OUT_OF_RANGE "tshape: a class index is outside [0, classes) of the loss that reads it"
#define TSHAPE_MSG_FILE_ERROR "tshape: a file cannot be opened, read or written"
#define TSHAPE_MSG_WEIGHTS_MISMATCH "tshape: the weights do not fit the model"
#define TSHAPE_MSG_NOT_BUILT_IN "tshape: this needs an optional library that this build was made without"
#define TSHAPE_MSG_NEEDS_HEAP \
  "tshape: TSHAPE_NO_HEAP is set and this call needs heap memory: give it your own output and arena with forward(x, y, arena)"

namespace tshape {

/// Run-time twin of the error kinds, carried by shape_error and result<T>.
enum class errc {
  ok = 0,
  shape_mismatch,
  wrong_rank,
  window_larger_than_input,
  element_count_mismatch,
  invalid_option,
  invalid_axis,
  dtype_mismatch,
  loss_target_mismatch,
  output_mismatch,
  bad_data,  // a file or buffer that is not what it claims to be
  file_error,
  weights_mismatch,  // weights or a training state saved from another model
  not_built_in,      // an optional library (zlib) the build was made without
  token_id_out_of_range,  // an Embedding's id outside [0, input_dim)
  data_shape_mismatch,    // a file's array or a buffer whose extents are not its tensor type's
  data_dtype_mismatch,    // a file's array of another element type
  unsupported_data,       // a valid file in a form tshape does not read (big-endian, HDF5, ...)
  sample_count_mismatch,  // data and targets of different sample counts
  input_samples_mismatch, // a model's inputs of different sample counts
  invalid_argument,       // a call's argument out of range (fit's batch_size, an arena too small)
  loss_not_finite,        // training met a NaN or infinite loss
  class_index_out_of_range,  // a sparse label outside [0, classes)
};

/// The words of an error kind (the same text the compile-time report prints).
constexpr std::string_view message(errc e) noexcept {
  switch (e) {
    case errc::ok: return "tshape: no error";
    case errc::shape_mismatch: return TSHAPE_MSG_SHAPE_MISMATCH;
    case errc::wrong_rank: return TSHAPE_MSG_WRONG_RANK;
    case errc::window_larger_than_input: return TSHAPE_MSG_WINDOW_LARGER_THAN_INPUT;
    case errc::element_count_mismatch: return TSHAPE_MSG_ELEMENT_COUNT_MISMATCH;
    case errc::invalid_option: return TSHAPE_MSG_INVALID_OPTION;
    case errc::invalid_axis: return TSHAPE_MSG_INVALID_AXIS;
    case errc::dtype_mismatch: return TSHAPE_MSG_DTYPE_MISMATCH;
    case errc::loss_target_mismatch: return TSHAPE_MSG_LOSS_TARGET_MISMATCH;
    case errc::output_mismatch: return TSHAPE_MSG_OUTPUT_MISMATCH;
    case errc::bad_data: return TSHAPE_MSG_BAD_DATA;
    case errc::file_error: return TSHAPE_MSG_FILE_ERROR;
    case errc::weights_mismatch: return TSHAPE_MSG_WEIGHTS_MISMATCH;
    case errc::not_built_in: return TSHAPE_MSG_NOT_BUILT_IN;
    case errc::token_id_out_of_range: return TSHAPE_MSG_TOKEN_ID_OUT_OF_RANGE;
    case errc::data_shape_mismatch: return TSHAPE_MSG_DATA_SHAPE_MISMATCH;
    case errc::data_dtype_mismatch: return TSHAPE_MSG_DATA_DTYPE_MISMATCH;
    case errc::unsupported_data: return TSHAPE_MSG_UNSUPPORTED_DATA;
    case errc::sample_count_mismatch: return TSHAPE_MSG_SAMPLE_COUNT_MISMATCH;
    case errc::input_samples_mismatch: return TSHAPE_MSG_INPUT_SAMPLES_MISMATCH;
    case errc::invalid_argument: return TSHAPE_MSG_INVALID_ARGUMENT;
    case errc::loss_not_finite: return TSHAPE_MSG_LOSS_NOT_FINITE;
    case errc::class_index_out_of_range: return TSHAPE_MSG_CLASS_INDEX_OUT_OF_RANGE;
  }
  return "tshape: unknown error";
}

template <int... D>
struct Reshape;  // named by fix_with_layer_before_it

/// The vocabulary of diagnoses. Names read as a sentence in compiler output.
namespace error {

/// How a `dyn` extent prints in a diagnosis: `None`, as Keras prints it.
enum none_t { None };
template <int D>
inline constexpr auto extent = D;
template <>
inline constexpr auto extent<dyn> = None;

// Kinds: the head of a diagnosis, one per rule family, each with its words above.
template <class... Details> struct SHAPE_MISMATCH {};
template <class... Details> struct WRONG_RANK {};
template <class... Details> struct WINDOW_LARGER_THAN_INPUT {};
template <class... Details> struct ELEMENT_COUNT_MISMATCH {};
template <class... Details> struct INVALID_OPTION {};
template <class... Details> struct INVALID_AXIS {};
template <class... Details> struct NOT_RECURRENT {};
template <class... Details> struct NOT_STREAMABLE {};
template <class... Details> struct STREAM_OF_TEMPORARY {};
template <class... Details> struct DTYPE_MISMATCH {};
template <class... Details> struct TOKEN_IDS_NOT_INTEGER {};
template <class... Details> struct UNKNOWN_OPTION {};
template <class... Details> struct NOT_A_LAYER {};
template <class... Details> struct REPEATED_OPTION {};
template <class... Details> struct BAD_OPTION_VALUE {};
template <class... Details> struct LOSS_TARGET_MISMATCH {};
template <class... Details> struct OUTPUT_KEEPS_SPATIAL_AXES {};
template <class... Details> struct OUTPUT_MISMATCH {};
template <class... Details> struct NEEDS_HEAP {};
template <class... Details> struct VIEW_OF_TEMPORARY {};
template <class... Details> struct TARGET_DTYPE_MISMATCH {};
template <class... Details> struct SAMPLE_COUNT_MISMATCH {};
template <class... Details> struct INPUT_SAMPLES_MISMATCH {};
template <class... Details> struct NOT_TRAINABLE {};
template <class... Details> struct MERGE_SHAPE_MISMATCH {};
template <class... Details> struct MERGE_IN_SEQUENTIAL {};
template <class... Details> struct INPUT_NOT_STATIC {};
template <class... Details> struct CONCATENATE_MISMATCH {};
template <class... Details> struct DOT_MISMATCH {};
template <class... Details> struct SHARED_LAYER_MISMATCH {};
template <class... Details> struct GRAPH_DISCONNECTED {};
template <class... Details> struct INPUT_NOT_USED {};
template <class... Details> struct INPUT_REPEATED {};
template <class... Details> struct INPUT_NAME {};
template <class... Details> struct WRONG_TENSOR_COUNT {};
/// Not a rule: a model nested in another that has reported its own error (in model(...), or in its
/// class). No static_assert checks this kind, so the model around it stays quiet (and runs nothing):
/// one mistake, one error.
template <class... Details> struct REPORTED_INSIDE {};

// Places. at_layer counts from 0 in Sequential's argument list, Input excluded (as Keras' summary).
template <int I> struct at_layer {};
struct at_model_input {};
struct at_model_output {};
struct at_stream_input {};
struct in_reshape {};
struct in_squeeze {};
struct in_expand_dims {};
struct in_view_as {};
template <class Loss> struct in_loss {};
struct at_model_call {};
struct at_make_stream {};
struct in_training {};

// Details.
template <auto... D> struct expected_input_shape {};
template <auto... D> struct expected_output_shape {};
template <class FrameShape> struct expected_frame_shape {};
template <auto... D> struct but_got_shape {};
template <long long N> struct with_element_count {};
template <int Rank> struct expected_rank {};
template <int Rank> struct expected_rank_at_least {};
template <int N> struct expected_element_count {};
template <int N> struct element_count_not_divisible_by {};
template <int... D> struct target_shape {};
template <int Axis, int Extent> struct axis {};
template <auto... D> struct window {};
template <auto... D> struct input_extent {};
template <class T> struct expected_dtype {};
template <class T> struct but_got_dtype {};
template <auto... D> struct model_output_shape {};
template <auto... D> struct loss_target_shape {};
template <auto N> struct data_samples {};
template <auto N> struct target_samples {};
template <int Input, auto N> struct input_samples {};  // Input J (counted from 0) holds N samples
template <class Layer> struct layer_has_no_backward {};
template <auto... D> struct input_shape {};        // one input of a merge, per sample: input_shape<None, 8, 8, 16>
template <int Axis> struct concatenation_axis {};
template <int... Axes> struct dot_axes {};
template <class... Layers> struct inputs_from {};    // the layers that produced a merge's inputs
template <class Layer> struct unknown_input {};      // an Input an output depends on, not given to the model
template <class Layer> struct unused_input {};
template <int Position, class Layer> struct repeated_input {};
template <int Position, class Layer> struct named_input {};  // model input Position, whose name breaks the rule
struct name_is_empty {};
struct name_over_40_characters {};
template <int Position> struct name_also_given_to_input {};  // the model input that has the name first  // model input Position is one given before
template <int N> struct model_inputs {};
template <int N> struct but_called_with {};
template <int N> struct model_outputs {};
template <int N> struct but_given_targets {};
template <int N> struct but_given_losses {};
template <auto... D> struct first_applied_to {};
template <auto... D> struct then_applied_to {};
struct more_than_one_inferred_axis {};
struct axes_are_not_a_permutation {};
struct axis_out_of_range {};
struct axis_extent_is_not_1 {};
template <class Layer> struct layer_is_not_recurrent {};
template <auto... D> struct result_shape {};
template <long long Bytes> struct arena_bytes {};
template <long long Bytes> struct arena_bytes_per_sample {};
template <long long Bytes> struct stack_arena_bytes {};
struct reads_whole_sequence {};  // a layer a stream cannot run one timestep at a time
struct reads_timesteps_to_come {};  // Padding::same over time: an output reads later timesteps
struct strides_over_time {};  // a Conv1D with Strides > 1 in a stream's timed layers
struct mixes_timesteps {};  // a Reshape or Flatten that moves elements across timesteps
struct fed_floats_by_the_layer_before_it {};  // an Embedding after another layer
struct reads_the_token_ids_an_embedding_reads {};  // a float layer on an Input of token ids
struct streams_take_float_frames {};  // an Embedding in a stream (its frames are floats)
struct streams_run_a_Sequential_model {};  // make_stream on a functional model
struct combines_several_tensors {};  // a merge layer in a Sequential
template <auto... D> struct input_extents {};  // an Input's, None where it was dyn
/// The diagnosis of a call, step or fit on a model that reports its own error: no static_assert
/// reports it (it is of no kind), and no code runs on the broken model (it is not void). So one
/// mistake is one error, whatever the program does with the model.
struct the_model_reports_its_error {};
template <class Option> struct not_an_option_of_it {};
template <class... Options> struct it_takes {};         // Kernel<> stands for Kernel<...>
template <class... Options> struct given_together {};
struct an_activation {};
template <int N> struct units {};
template <int Num, int Den> struct epsilon {};  // Epsilon<Num, Den>: a positive fraction
template <class Momentum> struct momentum_in_0_1 {};  // Momentum<Num, Den>: a fraction in [0, 1)
template <int Den> struct scale_denominator_must_be_positive {};  // Rescaling<Num, Den>
struct scale_is_zero_write_the_fraction_as_Rescaling_Num_Den {};  // Rescaling<1/255>, which is Rescaling<0>
template <class Offset> struct offset_denominator_must_be_positive {};  // Offset<Num, Den>
template <int... A> struct axes_gives_one_axis_or_one_per_input {};  // Dot's Axes<a> or Axes<a0, a1>
template <class First> struct first_argument_is_Axes {};  // Dot<Axes<1>>, Keras' Dot(axes=1)
template <int N> struct input_dim {};
template <int N> struct output_dim {};
template <int N> struct num_heads {};
template <int N> struct key_dim {};
template <int N> struct value_dim {};
struct attends_over_timesteps_of_feature_vectors {};  // MultiHeadAttention's samples are (T, d_model)
template <int N> struct filters {};
template <int N> struct depth_multiplier {};
template <class... Options> struct values_must_be_positive_one_per_axis_or_one_for_all {};
template <class... Options> struct strides_and_dilation_together {};
template <class Option> struct needs_option {};
template <class Activation> struct acts_on_a_whole_row {};
template <class Layer> struct embeds_every_id_without_TimeDistributed {};  // TimeDistributed<Embedding<...>>
struct takes_one_or_more_layers {};  // Residual<> (x + f(x) needs an f)
template <class Example> struct takes_an_activation_such_as {};  // RecurrentActivation<Dense<3>>  // Softmax where each unit acts alone
template <int... C> struct cropping {};  // Cropping1D's (left, right), Cropping2D's (top, bottom, left, right)
template <int Num, int Den> struct alpha_denominator_must_be_positive {};  // LeakyReLU::alpha<Num, Den>, ELU::alpha
template <class Rate> struct rate_in_0_1 {};          // Dropout<Rate<Num, Den>>: a fraction in [0, 1)
template <int N> struct repeats {};                   // RepeatVector<N>: N > 0
template <int N> struct size {};                      // UpSampling1D<size>: size > 0
template <int... P> struct padding_one_or_two_values_not_negative {};    // ZeroPadding1D<p> or <left, right>
template <int... C> struct cropping_one_or_two_values_not_negative {};   // Cropping1D<c> or <left, right>
template <int... P> struct padding_one_two_or_four_values_not_negative {};   // ZeroPadding2D
template <int... C> struct cropping_one_two_or_four_values_not_negative {};  // Cropping2D
template <int... D> struct extents_positive_or_one_minus_1 {};          // Reshape<D...>
struct cropping_must_leave_at_least_one_cell_of_each_axis {};
template <class OutputPadding, class Strides> struct output_padding_must_be_smaller_than_strides {};

// Fixes, spelled out inside the diagnosis where one is certain.
template <int Axis> struct fix_with_expand_dims {};
template <int Axis> struct fix_with_squeeze {};
template <class T> struct fix_with_cast {};   // the targets converted once: tshape::cast<T>(y)
template <class Loss> struct fix_with_loss {};
template <class Shape> struct expected_class_indices {};  // what a sparse loss reads: one index per row  // integer class indices: the sparse loss reads them as they are
template <class Layer> struct fix_with_layer_before_it {};  // a model fix: e.g. Reshape<100, 1>
struct fix_with_your_own_output_and_arena {};
struct fix_with_your_own_arena {};

namespace detail {
template <class S, int Batch>
struct got_shape;
template <int... D, int Batch>
struct got_shape<Shape<D...>, Batch> {
  using type = but_got_shape<extent<Batch>, extent<D>...>;
  using expected = expected_input_shape<extent<Batch>, extent<D>...>;
  using expected_output = expected_output_shape<extent<Batch>, extent<D>...>;
  using no_batch = but_got_shape<extent<D>...>;
  using model_output = model_output_shape<extent<D>...>;
  using loss_target = loss_target_shape<extent<D>...>;
  using result = result_shape<extent<Batch>, extent<D>...>;
  using input = input_shape<extent<Batch>, extent<D>...>;
  using first_applied = first_applied_to<extent<Batch>, extent<D>...>;
  using then_applied = then_applied_to<extent<Batch>, extent<D>...>;
};
}  // namespace detail

/// `but_got_shape<None, D...>` for the per-sample shape S (a layer sees no batch; Keras prints None).
template <class S, int Batch = dyn>
using got = typename detail::got_shape<S, Batch>::type;
/// `expected_input_shape<None, D...>` for the per-sample shape S.
template <class S, int Batch = dyn>
using expected = typename detail::got_shape<S, Batch>::expected;
/// `expected_output_shape<Batch, D...>` for the per-sample output shape S.
template <class S, int Batch = dyn>
using expected_output = typename detail::got_shape<S, Batch>::expected_output;
/// `but_got_shape<D...>` for a whole tensor's shape (its batch axis included).
template <class S>
using got_tensor = typename detail::got_shape<S, 0>::no_batch;
/// `result_shape<None, D...>` for the per-sample output shape S.
template <class S, int Batch = dyn>
using result = typename detail::got_shape<S, Batch>::result;

}  // namespace error

/// A rule's failure before it is placed: the kind and the details.
template <template <class...> class Kind, class... Details>
struct mismatch {};

template <class T>
struct is_mismatch : std::false_type {};
template <template <class...> class Kind, class... Details>
struct is_mismatch<mismatch<Kind, Details...>> : std::true_type {};
template <class T>
inline constexpr bool is_mismatch_v = is_mismatch<T>::value;

namespace detail {
/// A mismatch placed at a layer: what the shape fold carries past later layers.
template <int Index, class Layer, class Mismatch>
struct failure {};

template <class T>
struct is_failure : std::false_type {};
template <int I, class L, class M>
struct is_failure<failure<I, L, M>> : std::true_type {};

template <class Place, class Layer, class M>
struct place;
template <class Place, class Layer, template <class...> class Kind, class... D>
struct place<Place, Layer, mismatch<Kind, D...>> {
  using type = Kind<Place, Layer, D...>;
};
template <class Place, template <class...> class Kind, class... D>
struct place<Place, void, mismatch<Kind, D...>> {
  using type = Kind<Place, D...>;
};
template <class Place, class Layer, int... D>
struct place<Place, Layer, Shape<D...>> {  // a rule that gave a shape: nothing to report
  using type = void;
};

template <class R>
struct diagnose {
  using type = void;
};
template <int I, class L, class M>
struct diagnose<failure<I, L, M>> {
  using type = typename place<error::at_layer<I>, L, M>::type;
};
template <template <class...> class Kind, class... D>
struct diagnose<mismatch<Kind, D...>> {
  using type = Kind<D...>;
};

template <template <class...> class Kind, class D>
struct only_kind {
  using type = void;
};
template <template <class...> class Kind, class... X>
struct only_kind<Kind, Kind<X...>> {
  using type = Kind<X...>;
};
}  // namespace detail

/// The diagnosis type of a rule's or a fold's result: `void` when there is no error.
template <class R>
using diagnosis_t = typename detail::diagnose<R>::type;

/// The diagnosis placed at Place (e.g. `error::at_model_input`), naming Layer when it is not void;
/// void when M is a Shape (the rule passed).
template <class Place, class Layer, class M>
using placed_t = typename detail::place<Place, Layer, M>::type;

/// D when it is of kind Kind, else void: one static_assert per kind reports only its own kind.
template <template <class...> class Kind, class D>
using only = typename detail::only_kind<Kind, D>::type;

/// False exactly for a diagnosis; the condition of every reporting static_assert.
template <class D>
inline constexpr bool no_error = false;
template <>
inline constexpr bool no_error<void> = true;

namespace detail {
/// The first two of a model's inputs whose static sample counts differ, as {i, j}; {-1, -1} when none do.
template <std::size_t N>
constexpr std::array<int, 2> differing_samples(std::array<int, N> samples) {
  int first = -1;
  for (std::size_t i = 0; i < N; ++i) {
    if (samples[i] == dyn) continue;
    if (first < 0)
      first = static_cast<int>(i);
    else if (samples[i] != samples[static_cast<std::size_t>(first)])
      return {first, static_cast<int>(i)};
  }
  return {-1, -1};
}
/// The diagnosis of data X... given to a model's inputs (at Place) whose batches are known and differ.
template <class Place, class... X>
constexpr auto input_samples_rule() {
  constexpr std::array<int, sizeof...(X)> samples{(X::shape::rank > 0 ? X::shape::extents[0] : 1)...};
  constexpr std::array<int, 2> at = differing_samples(samples);
  if constexpr (at[0] < 0)
    return std::type_identity<void>{};
  else
    return std::type_identity<error::INPUT_SAMPLES_MISMATCH<Place, error::input_samples<at[0], samples[at[0]]>,
                                                            error::input_samples<at[1], samples[at[1]]>>>{};
}
}  // namespace detail

}  // namespace tshape
