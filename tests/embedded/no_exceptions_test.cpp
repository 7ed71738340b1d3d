// Built with -fno-exceptions -fno-rtti (and once more with TSHAPE_NO_HEAP): run-time errors reach the
// installed handler, the try_ forms return them, and nothing allocates under TSHAPE_NO_HEAP (the
// replaced operator new below fails the test). No Catch2 here: it needs exceptions.
#include <tshape/tshape.hpp>

#include <csetjmp>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <string_view>

#ifdef __cpp_exceptions
#error "this test is built with -fno-exceptions"
#endif
#ifndef TSHAPE_NO_EXCEPTIONS
#error "TSHAPE_NO_EXCEPTIONS follows -fno-exceptions"
#endif

using namespace tshape;

namespace {
int failures = 0;
#define CHECK(cond)                                                \
  do {                                                             \
    if (!(cond)) {                                                 \
      std::printf("%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
      ++failures;                                                  \
    }                                                              \
  } while (0)

bool contains(std::string_view text, std::string_view part) { return text.find(part) != std::string_view::npos; }

// The handler leaves through longjmp: no object with a destructor lives between it and setjmp.
std::jmp_buf back;
error_info last_error;
int handled = 0;
void handler(const error_info& e) {
  last_error = e;
  ++handled;
  std::longjmp(back, 1);
}

using Net = Sequential<Input<6>, Dense<8, ReLU>, Dense<3>>;
Net net;  // static storage, zero parameters: the values do not matter here
alignas(64) float in[4 * 6];
alignas(64) float out[4 * 3];
alignas(64) std::byte scratch[Net::arena_bytes(4)];

using Tokens = Sequential<Input<4>, Embedding<10, 3>>;
Tokens tokens;
alignas(64) int ids[2 * 4];
alignas(64) float embedded[2 * 4 * 3];

// A functional model (a residual Add) under the same flags: its call on a static batch runs on the
// stack, forward(x, y, arena) on the caller's memory, and both compute the graph.
constexpr auto graph_in = Input<2>{};
constexpr auto graph_out = Add{}(graph_in, Dense<2>{}(graph_in));
using Graph = decltype(model(graph_in, graph_out));
Graph graph;
alignas(64) float graph_x[3 * 2] = {1, 1, 0, 0, -1, 2};
alignas(64) float graph_y[3 * 2];

// Runs body, which must reach the handler; true when it did. setjmp sits in a function of its own,
// with no locals, so that nothing of the caller's can be clobbered by the longjmp back.
[[gnu::noinline]] bool raises(void (*body)()) {
  if (setjmp(back) != 0) return true;
  body();
  return false;
}
}  // namespace

#ifdef TSHAPE_NO_HEAP
void* operator new(std::size_t) {
  std::puts("operator new called under TSHAPE_NO_HEAP");
  std::abort();
}
void* operator new(std::size_t, std::align_val_t) {
  std::puts("operator new called under TSHAPE_NO_HEAP");
  std::abort();
}
void operator delete(void*) noexcept {}
void operator delete(void*, std::size_t) noexcept {}
void operator delete(void*, std::align_val_t) noexcept {}
void operator delete(void*, std::size_t, std::align_val_t) noexcept {}
#endif

int main() {
  set_error_handler(handler);

  // try_ forms: the error comes back, with the same words as the compile-time rule.
  auto bad = try_view_as<Shape<dyn, 6>>(in, {4, 5});
  CHECK(!bad.ok());
  CHECK(bad.error().code == errc::data_shape_mismatch);
  CHECK(contains(bad.error().what(), "got (4, 5), expected (None, 6)"));
  auto x = try_view_as<Shape<dyn, 6>>(in, {4, 6}).value();
  auto y = try_view_as<Shape<dyn, 3>>(out, {4, 3}).value();
  CHECK(net.try_forward(x, y, std::span<std::byte>(scratch)).ok());
  auto small = net.try_forward(x, y, std::span<std::byte>(scratch).first(16));
  CHECK(!small.ok() && contains(small.error().what(), "this batch needs"));
  auto y3 = try_view_as<Shape<dyn, 3>>(out, {3, 3}).value();
  CHECK(contains(net.try_forward(x, y3, std::span<std::byte>(scratch)).error().what(), "x has a batch of 4, y of 3"));

  // The raising forms call the handler.
  CHECK(raises([] { view_as<Shape<dyn, 6>>(in, {4, 7}); }));
  CHECK(handled == 1 && last_error.code == errc::data_shape_mismatch);
  CHECK(raises([] {
    auto x = view_as<Shape<dyn, 6>>(in, {4, 6});
    auto y = view_as<Shape<dyn, 3>>(out, {4, 3});
    net.forward(x, y, std::span<std::byte>(scratch).first(16));
  }));
  CHECK(handled == 2 && contains(last_error.what(), "this batch needs"));
  CHECK(raises([] {
    static Net::arena<2> two;
    auto x = view_as<Shape<dyn, 6>>(in, {4, 6});
    auto y = view_as<Shape<dyn, 3>>(out, {4, 3});
    net.forward(x, y, two);  // a dyn batch of 4 on an arena for 2
  }));
  CHECK(handled == 3 && contains(last_error.what(), "this batch needs"));

  // Static shapes: checked at compile time, nothing to raise.
  static Net::arena<> one;
  TensorView<const float, Shape<1, 6>> xs(in);
  TensorView<float, Shape<1, 3>> ys(out);
  net.forward(xs, ys, one);
  net.forward(xs, ys);
  Tensor<float, Shape<2, 6>> x2;
  Tensor<float, Shape<2, 3>> y2 = net(x2);
  CHECK(y2(1, 2) == 0.0f);

#ifndef TSHAPE_NO_HEAP
  // With a heap, dyn batches run too; a mismatch in a dyn extent reaches the handler.
  Tensor<float, Shape<dyn, 6>> xd(5);
  CHECK(net(xd).extent(0) == 5);
  auto wide = view_as<Shape<dyn, dyn>>(in, {2, 6});
  CHECK(net(wide).extent(0) == 2);
  CHECK(raises([] {
    auto narrow = view_as<Shape<dyn, dyn>>(in, {4, 5});
    net(narrow);
  }));
  CHECK(handled == 4 && contains(last_error.what(), "at the model's input: got (4, 5), expected (None, 6)"));
#endif

  // Token ids: one outside [0, input_dim) comes back from try_forward and reaches the handler from
  // forward, before anything is read.
  ids[5] = 10;
  TensorView<const int, Shape<2, 4>> xi(ids);
  TensorView<float, Shape<2, 4, 3>> yi(embedded);
  const auto bad_id = tokens.try_forward(xi, yi, std::span<std::byte>(scratch));
  CHECK(!bad_id.ok() && bad_id.error().code == errc::token_id_out_of_range);
  CHECK(contains(bad_id.error().what(), "id 10 at element 5; input_dim is 10"));
  const int before = handled;
  CHECK(raises([] {
    TensorView<const int, Shape<2, 4>> x(ids);
    TensorView<float, Shape<2, 4, 3>> y(embedded);
    tokens.forward(x, y);
  }));
  CHECK(handled == before + 1 && last_error.code == errc::token_id_out_of_range);
  ids[5] = 9;
  CHECK(tokens.try_forward(xi, yi, std::span<std::byte>(scratch)).ok());

  // The graph: kernel [[1, 2], [3, 4]], bias (0.5, -0.5); x = (1, 1) gives x + Dense(x) = (5.5, 6.5).
  auto& dense = layer<0>(graph);
  dense.kernel()(0, 0) = 1.0f;
  dense.kernel()(0, 1) = 2.0f;
  dense.kernel()(1, 0) = 3.0f;
  dense.kernel()(1, 1) = 4.0f;
  dense.bias()(0) = 0.5f;
  dense.bias()(1) = -0.5f;
  Tensor<float, Shape<1, 2>> gx;
  gx.fill(1.0f);
  const Tensor<float, Shape<1, 2>> gy = graph(gx);
  CHECK(gy(0, 0) == 5.5f && gy(0, 1) == 6.5f);
  static Graph::arena<3> graph_scratch;
  graph.forward(view_as<Shape<dyn, 2>>(graph_x, {3, 2}), view_as<Shape<dyn, 2>>(graph_y, {3, 2}), graph_scratch);
  CHECK(graph_y[0] == 5.5f && graph_y[1] == 6.5f && graph_y[2] == 0.5f && graph_y[3] == -0.5f);
  CHECK(graph_y[4] == -1.0f + (-1.0f + 6.0f + 0.5f) && graph_y[5] == 2.0f + (-2.0f + 8.0f - 0.5f));
  const int before_graph = handled;
  CHECK(raises([] {
    static Graph::arena<2> two;
    graph.forward(view_as<Shape<dyn, 2>>(graph_x, {3, 2}), view_as<Shape<dyn, 2>>(graph_y, {3, 2}), two);
  }));
  CHECK(handled == before_graph + 1 && contains(last_error.what(), "this batch needs"));

  std::printf("%s: %d failure(s), %d error(s) handled\n", failures ? "FAILED" : "passed", failures, handled);
  return failures == 0 ? 0 : 1;
}
