// Tensor<T, Shape> owns its elements; TensorView<T, Shape> refers to someone else's.
//
// Both are row-major and contiguous. Only the `dyn` extents are stored (as mdspan's extents do):
// a fully static tensor is just its elements, inline and aligned for SIMD; a tensor with a `dyn`
// extent owns one aligned heap buffer. A static extent never silently becomes another: views convert
// implicitly only towards `dyn` (static -> dyn), the other way goes through the checked view_as.
#pragma once
#include <algorithm>
#include <array>
#include <cstddef>
#include <initializer_list>
#include <memory>
#include <new>
#include <type_traits>

#include "../config.hpp"
#include "../diagnostics/runtime.hpp"
#include "../shape/shape.hpp"

namespace tshape {

namespace detail {
/// True when a view of shape From may be seen as shape To without a check: same rank, and every
/// axis of To is `dyn` or equal to From's.
template <class From, class To>
inline constexpr bool widens_v = [] {
  if constexpr (From::rank != To::rank) {
    return false;
  } else {
    for (int i = 0; i < From::rank; ++i)
      if (To::extents[i] != dyn && To::extents[i] != From::extents[i]) return false;
    return true;
  }
}();

/// The run-time extents of a shape: stores just the `dyn` ones.
template <class S>
struct extents_store {
  std::array<int, S::dyn_count> dyn_values{};

  static constexpr extents_store make(const std::array<int, S::dyn_count>& d) { return {d}; }
  constexpr int get(int axis) const {
    if (S::extents[axis] != dyn) return S::extents[axis];
    int k = 0;
    for (int i = 0; i < axis; ++i) k += S::extents[i] == dyn;
    return dyn_values[k];
  }
  constexpr std::array<int, S::rank> all() const {
    std::array<int, S::rank> out{};
    for (int i = 0, k = 0; i < S::rank; ++i) out[i] = S::extents[i] == dyn ? dyn_values[k++] : S::extents[i];
    return out;
  }
  constexpr std::ptrdiff_t size() const {
    std::ptrdiff_t n = static_cast<std::ptrdiff_t>(S::static_size);
    for (int v : dyn_values) n *= v;
    return n;
  }
  /// Keeps the extents that are `dyn` in S from a full list of extents.
  template <class Full>
  static constexpr extents_store from_full(const Full& full) {
    extents_store e;
    for (int i = 0, k = 0; i < S::rank; ++i)
      if (S::extents[i] == dyn) e.dyn_values[k++] = static_cast<int>(full[i]);
    return e;
  }
};
/// A static shape stores nothing, so a static tensor is exactly its elements.
template <class S>
  requires(S::dyn_count == 0)
struct extents_store<S> {
  static constexpr std::array<int, 0> dyn_values{};

  static constexpr extents_store make(const std::array<int, 0>&) { return {}; }
  constexpr int get(int axis) const { return S::extents[axis]; }
  constexpr std::array<int, S::rank> all() const { return S::extents; }
  constexpr std::ptrdiff_t size() const { return static_cast<std::ptrdiff_t>(S::static_size); }
  template <class Full>
  static constexpr extents_store from_full(const Full&) {
    return {};
  }
};

/// Row-major offset of an index tuple; static extents fold into constants.
template <class S, class Store, class... I>
constexpr std::ptrdiff_t offset_of(const Store& ext, I... idx) {
  static_assert(sizeof...(I) == S::rank, "tshape: give one index per axis");
  std::ptrdiff_t off = 0;
  int axis = 0;
  ((off = off * ext.get(axis++) + static_cast<std::ptrdiff_t>(idx)), ...);
  return off;
}

struct aligned_delete {
  template <class T>
  void operator()(T* p) const noexcept {
    ::operator delete(static_cast<void*>(p), std::align_val_t{TSHAPE_ALIGN});
  }
};

template <class T>
T* aligned_new(std::ptrdiff_t n) {
  auto bytes = static_cast<std::size_t>(std::max<std::ptrdiff_t>(n, 1)) * sizeof(T);
  return static_cast<T*>(::operator new(bytes, std::align_val_t{TSHAPE_ALIGN}));
}

/// Selects the Tensor constructor that takes over a buffer from aligned_new.
struct adopt_t {
  explicit adopt_t() = default;
};
inline constexpr adopt_t adopt{};
}  // namespace detail

/// A non-owning, contiguous, row-major view of elements of type T (const T for read-only).
template <class T, class S>
class TensorView {
  static_assert(is_shape_v<S>, "tshape: TensorView's second argument is a Shape<...>");

 public:
  using element_type = T;
  using value_type = std::remove_cv_t<T>;
  using shape = S;
  static constexpr int rank = S::rank;

  constexpr TensorView() = default;
  /// A view of static shape over `data`.
  constexpr explicit TensorView(T* data) requires(S::is_static) : data_(data) {}
  /// A view over `data` whose `dyn` extents are given in order (unchecked: use view_as for that).
  constexpr TensorView(T* data, const std::array<int, S::dyn_count>& dyn_extents)
      : data_(data), ext_(detail::extents_store<S>::make(dyn_extents)) {}

  /// Static -> dyn and T -> const T conversions are implicit; nothing else is.
  template <class U, class S2>
    requires(detail::widens_v<S2, S> && std::is_convertible_v<U (*)[], T (*)[]>)
  constexpr TensorView(const TensorView<U, S2>& other)  // NOLINT: implicit by design
      : data_(other.data()), ext_(detail::extents_store<S>::from_full(other.extents())) {}

  constexpr T* data() const noexcept { return data_; }
  constexpr int extent(int axis) const { return ext_.get(axis); }
  template <int Axis>
  constexpr int extent() const {
    constexpr int a = Axis < 0 ? Axis + rank : Axis;
    if constexpr (S::extents[a] != dyn)
      return S::extents[a];
    else
      return ext_.get(a);
  }
  constexpr std::array<int, S::rank> extents() const { return ext_.all(); }
  constexpr std::ptrdiff_t size() const {
    if constexpr (S::is_static)
      return static_cast<std::ptrdiff_t>(S::static_size);
    else
      return ext_.size();
  }
  constexpr std::array<int, S::dyn_count> dyn_extents() const { return ext_.dyn_values; }

  template <class... I>
  constexpr T& operator()(I... idx) const {
    return data_[detail::offset_of<S>(ext_, idx...)];
  }
  constexpr T& operator[](std::ptrdiff_t flat) const { return data_[flat]; }
  constexpr T* begin() const { return data_; }
  constexpr T* end() const { return data_ + size(); }

  /// Sets every element to v.
  void fill(value_type v) const requires(!std::is_const_v<T>) { std::fill(begin(), end(), v); }

 private:
  T* data_ = nullptr;
  detail::extents_store<S> ext_{};
};

/// An owning tensor: inline aligned storage when every extent is static, else one aligned heap buffer.
/// New tensors are zero-filled.
template <class T, class S>
class Tensor {
  static_assert(std::is_arithmetic_v<T>, "tshape: Tensor holds arithmetic elements (float, int, ...)");
  static_assert(is_shape_v<S>, "tshape: Tensor's second argument is a Shape<...>");
#ifdef TSHAPE_NO_HEAP
  static_assert(S::is_static,
                "tshape: TSHAPE_NO_HEAP is set, so a Tensor with a dyn extent cannot own memory; use a static "
                "Shape, or a TensorView over your own buffer");
#endif
  static constexpr bool inline_storage = S::is_static;

 public:
  using value_type = T;
  using shape = S;
  static constexpr int rank = S::rank;

  /// A zero-filled tensor of static shape.
  Tensor() requires(S::is_static) = default;
  /// A zero-filled tensor; `dyn_extents` gives each `dyn` extent, in order.
  template <class... I>
    requires(sizeof...(I) == S::dyn_count && sizeof...(I) > 0 && (std::is_integral_v<I> && ...))
  explicit Tensor(I... dyn_extents) {
    ext_.dyn_values = {static_cast<int>(dyn_extents)...};
    for (int v : ext_.dyn_values)
      if (v < 0) raise(make_error(errc::bad_data, "a tensor extent cannot be negative"));
    allocate();
    std::fill(begin(), end(), T{});
  }
  /// Takes over `buffer` (from detail::aligned_new, at least size() elements, left as they are); the
  /// buffer may be longer, e.g. when a model's call keeps its arena behind its result.
  template <class... I>
    requires(sizeof...(I) == S::dyn_count && sizeof...(I) > 0 && (std::is_integral_v<I> && ...))
  Tensor(detail::adopt_t, std::unique_ptr<T[], detail::aligned_delete> buffer, I... dyn_extents)
      : storage_(std::move(buffer)) {
    ext_.dyn_values = {static_cast<int>(dyn_extents)...};
  }
  /// A static tensor from its elements in row-major order (their count is checked).
  Tensor(std::initializer_list<T> values) requires(S::is_static) {
    if (static_cast<long long>(values.size()) != S::static_size)
      raise(make_error(errc::data_shape_mismatch, "the initializer list has another number of elements than the Shape"));
    std::copy(values.begin(), values.end(), begin());
  }
  /// A copy of a view's elements; the view's extents must fit S (checked where S is static).
  template <class U, class S2>
    requires(S2::rank == S::rank && std::is_convertible_v<U, T>)
  explicit Tensor(const TensorView<U, S2>& from) {
    for (int i = 0; i < rank; ++i)
      if (S::extents[i] != dyn && S::extents[i] != from.extent(i))
        raise(make_error(errc::data_shape_mismatch, "the view's extents do not fit the Tensor's Shape"));
    ext_ = detail::extents_store<S>::from_full(from.extents());
    allocate();
    std::copy(from.begin(), from.end(), begin());
  }

  Tensor(const Tensor& other) : ext_(other.ext_) {
    allocate();
    std::copy(other.begin(), other.end(), begin());
  }
  Tensor(Tensor&& other) noexcept = default;
  Tensor& operator=(const Tensor& other) {
    if (this != &other) {
      if (size() != other.size()) {
        ext_ = other.ext_;
        allocate();
      }
      ext_ = other.ext_;
      std::copy(other.begin(), other.end(), begin());
    }
    return *this;
  }
  Tensor& operator=(Tensor&& other) noexcept = default;
  ~Tensor() = default;

  constexpr T* data() noexcept {
    if constexpr (inline_storage)
      return storage_.values;
    else
      return storage_.get();
  }
  constexpr const T* data() const noexcept {
    if constexpr (inline_storage)
      return storage_.values;
    else
      return storage_.get();
  }
  int extent(int axis) const { return ext_.get(axis); }
  template <int Axis>
  constexpr int extent() const {
    return view().template extent<Axis>();
  }
  std::array<int, S::rank> extents() const { return ext_.all(); }
  constexpr std::ptrdiff_t size() const {
    if constexpr (S::is_static)
      return static_cast<std::ptrdiff_t>(S::static_size);
    else
      return ext_.size();
  }

  template <class... I>
  T& operator()(I... idx) {
    return data()[detail::offset_of<S>(ext_, idx...)];
  }
  template <class... I>
  const T& operator()(I... idx) const {
    return data()[detail::offset_of<S>(ext_, idx...)];
  }
  constexpr T& operator[](std::ptrdiff_t flat) { return data()[flat]; }
  constexpr const T& operator[](std::ptrdiff_t flat) const { return data()[flat]; }
  constexpr T* begin() { return data(); }
  constexpr T* end() { return data() + size(); }
  constexpr const T* begin() const { return data(); }
  constexpr const T* end() const { return data() + size(); }

  void fill(T v) { std::fill(begin(), end(), v); }

  constexpr TensorView<T, S> view() { return TensorView<T, S>(data(), ext_.dyn_values); }
  constexpr TensorView<const T, S> view() const { return TensorView<const T, S>(data(), ext_.dyn_values); }
  /// A tensor converts to any view it could be seen as without a check (static -> dyn).
  template <class U, class S2>
    requires(detail::widens_v<S, S2> && std::is_convertible_v<T (*)[], U (*)[]>)
  operator TensorView<U, S2>() {  // NOLINT: implicit by design
    return view();
  }
  template <class U, class S2>
    requires(detail::widens_v<S, S2> && std::is_convertible_v<const T (*)[], U (*)[]>)
  operator TensorView<U, S2>() const {  // NOLINT: implicit by design
    return view();
  }

 private:
  void allocate() {
    if constexpr (!inline_storage) storage_.reset(detail::aligned_new<T>(size()));
  }
  struct inline_values {
    alignas(TSHAPE_ALIGN) T values[S::static_size > 0 ? S::static_size : 1]{};
  };
  using storage_type = std::conditional_t<inline_storage, inline_values, std::unique_ptr<T[], detail::aligned_delete>>;

  [[no_unique_address]] detail::extents_store<S> ext_{};
  storage_type storage_{};
};

template <class T>
struct is_tensor : std::false_type {};
template <class T, class S>
struct is_tensor<Tensor<T, S>> : std::true_type {};
template <class T, class S>
struct is_tensor<TensorView<T, S>> : std::true_type {};

namespace detail {
/// The view type of a tensor or view X (const for a const tensor), and that view.
template <class T>
struct view_of;
template <class T, class S>
struct view_of<TensorView<T, S>> {
  using type = TensorView<T, S>;
};
template <class T, class S>
struct view_of<Tensor<T, S>> {
  using type = TensorView<T, S>;
};
template <class T, class S>
struct view_of<const TensorView<T, S>> {
  using type = TensorView<T, S>;
};
template <class T, class S>
struct view_of<const Tensor<T, S>> {
  using type = TensorView<const T, S>;
};
template <class X>
using view_of_t = typename view_of<std::remove_reference_t<X>>::type;

template <class X>
auto as_view(X& x) {
  return view_of_t<X>(x);
}

/// The diagnosis when a function at Place that returns a view of X's elements is given a temporary
/// Tensor (whose elements are gone before the view is used); void for a named tensor or any view.
template <class Place, class X>
using temporary_tensor_diagnosis =
    std::conditional_t<!std::is_lvalue_reference_v<X> && !std::is_same_v<view_of_t<X>, std::remove_cvref_t<X>>,
                       error::VIEW_OF_TEMPORARY<Place, error::got_tensor<typename view_of_t<X>::shape>>, void>;

}  // namespace detail

}  // namespace tshape
