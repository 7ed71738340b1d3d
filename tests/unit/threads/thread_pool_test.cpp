// The thread pool: every task runs once, on any pool size, with concurrent callers; a convolution
// split across it gives the same numbers as on one thread, for one sample and for several.
#include <catch2/catch.hpp>
#include <tshape/tshape.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>
#include <vector>

using namespace tshape;

TEST_CASE("thread pool: every task runs exactly once, whatever the pool's size", "[threads]") {
  for (int threads : {1, 2, 3, 5}) {
    thread_pool pool(threads);
    CHECK(pool.size() == threads);
    for (int tasks : {0, 1, 2, 7, 64, 1000}) {
      std::vector<std::atomic<int>> runs(static_cast<std::size_t>(tasks));
      pool.run(tasks, [&](int t, float*) { runs[static_cast<std::size_t>(t)].fetch_add(1); });
      for (auto& r : runs) REQUIRE(r.load() == 1);
    }
  }
}

TEST_CASE("thread pool: callers on several threads at once all finish (a busy pool runs inline)", "[threads]") {
  thread_pool pool(2);
  std::atomic<long long> total{0};
  std::vector<std::thread> callers;
  for (int c = 0; c < 4; ++c)
    callers.emplace_back([&] {
      for (int round = 0; round < 200; ++round) pool.run(9, [&](int t, float*) { total.fetch_add(t + 1); });
    });
  for (auto& t : callers) t.join();
  CHECK(total.load() == 4LL * 200 * 45);
}

namespace {
template <class Net, class X>
std::vector<float> run_with_threads(int threads, const X& x) {
  set_threads(threads);
  auto net = make_model<Net>(7);
  const auto y = net(x);
  return std::vector<float>(y.data(), y.data() + y.size());
}
}  // namespace

TEST_CASE("thread pool: a Conv2D or DepthwiseConv2D split across threads gives one thread's numbers", "[threads][conv]") {
  // Work above the threshold: 32 x 32 x 16 -> 32 with a 3 x 3 window is 4.7 M multiply-adds per sample.
  using Same = Sequential<Input<32, 32, 16>, Conv2D<32, Kernel<3, 3>, Padding::same, ReLU>>;
  using Strided = Sequential<Input<33, 31, 16>, Conv2D<24, Kernel<3, 5>, Strides<2, 2>>>;
  Tensor<float, Shape<1, 32, 32, 16>> one;
  Tensor<float, Shape<3, 32, 32, 16>> three;
  Tensor<float, Shape<2, 33, 31, 16>> two;
  for (std::ptrdiff_t i = 0; i < one.size(); ++i) one.data()[i] = static_cast<float>((i * 7) % 13) * 0.1f - 0.6f;
  for (std::ptrdiff_t i = 0; i < three.size(); ++i) three.data()[i] = static_cast<float>((i * 5) % 11) * 0.1f - 0.5f;
  for (std::ptrdiff_t i = 0; i < two.size(); ++i) two.data()[i] = static_cast<float>((i * 3) % 17) * 0.1f - 0.8f;
  const int before = threads();
  for (int threads : {2, 3, 4}) {
    CHECK(run_with_threads<Same>(threads, one) == run_with_threads<Same>(1, one));
    CHECK(run_with_threads<Same>(threads, three) == run_with_threads<Same>(1, three));
    CHECK(run_with_threads<Strided>(threads, two) == run_with_threads<Strided>(1, two));
  }
  // DepthwiseConv2D, with its channels repeated per sample (a depth multiplier of 2), and padded.
  using Depthwise = Sequential<Input<40, 36, 48>, DepthwiseConv2D<Kernel<3, 3>, DepthMultiplier<2>, Padding::same, ReLU6>>;
  using StridedDepthwise = Sequential<Input<41, 39, 64>, DepthwiseConv2D<Kernel<3, 3>, Strides<2, 2>>>;
  Tensor<float, Shape<1, 40, 36, 48>> d1;
  Tensor<float, Shape<3, 41, 39, 64>> d3;
  for (std::ptrdiff_t i = 0; i < d1.size(); ++i) d1.data()[i] = static_cast<float>((i * 7) % 23) * 0.1f - 1.1f;
  for (std::ptrdiff_t i = 0; i < d3.size(); ++i) d3.data()[i] = static_cast<float>((i * 5) % 29) * 0.1f - 1.4f;
  for (int threads : {2, 3}) {
    CHECK(run_with_threads<Depthwise>(threads, d1) == run_with_threads<Depthwise>(1, d1));
    CHECK(run_with_threads<StridedDepthwise>(threads, d3) == run_with_threads<StridedDepthwise>(1, d3));
  }
  set_threads(before);
  CHECK(tshape::threads() == before);
}

TEST_CASE("thread pool: a task that asks the pool for more runs them inline", "[threads]") {
  thread_pool pool(3);
  std::atomic<int> inner{0};
  pool.run(6, [&](int, float*) { pool.run(4, [&](int, float*) { inner.fetch_add(1); }); });
  CHECK(inner.load() == 24);
}

TEST_CASE("thread pool: Dense split by rows gives one thread's numbers", "[threads][dense]") {
  // 64 x 512 x 96: 3.1 M multiply-adds, below BLAS' threshold, above the pool's.
  using Net = Sequential<Input<512>, Dense<96, ReLU>>;
  Tensor<float, Shape<dyn, 512>> x(67);
  for (std::ptrdiff_t i = 0; i < x.size(); ++i) x.data()[i] = static_cast<float>((i * 7) % 19) * 0.05f - 0.4f;
  const int before = threads();
  const auto one = run_with_threads<Net>(1, x);
  CHECK(run_with_threads<Net>(2, x) == one);
  CHECK(run_with_threads<Net>(3, x) == one);
  set_threads(before);
}

TEST_CASE("thread pool: BLAS products run on one BLAS thread, split by rows over the pool", "[threads][dense]") {
  // 300 x 2048 x 600: 8 MiB of weights, past the inline kernel's reach, so Dense calls sgemm; and
  // the transposed products of a backward pass. Each block of rows is a one-thread BLAS call; the
  // blocks together give the unsplit product's numbers (up to BLAS' own order within a block,
  // which a block boundary does not change).
  using Net = Sequential<Input<2048>, Dense<600, ReLU>>;
  Tensor<float, Shape<dyn, 2048>> x(300);
  for (std::ptrdiff_t i = 0; i < x.size(); ++i) x.data()[i] = static_cast<float>((i * 5) % 23) * 0.03f - 0.3f;
  const int before = threads();
  const auto one = run_with_threads<Net>(1, x);
#ifndef TSHAPE_NO_BLAS
  CHECK(blas_threads() == 1);  // tshape's choice: the program chose no count
#endif
  const auto two = run_with_threads<Net>(2, x);
  REQUIRE(two.size() == one.size());
  for (std::size_t i = 0; i < one.size(); ++i) REQUIRE(two[i] == Approx(one[i]).margin(1e-5));

  // One row: sgemv in blocks of columns.
  using Wide = Sequential<Input<1024>, Dense<1000, ReLU>>;
  Tensor<float, Shape<1, 1024>> v;
  for (std::ptrdiff_t i = 0; i < v.size(); ++i) v.data()[i] = static_cast<float>((i * 3) % 29) * 0.02f - 0.25f;
  const auto v1 = run_with_threads<Wide>(1, v), v2 = run_with_threads<Wide>(2, v);
  for (std::size_t i = 0; i < v1.size(); ++i) REQUIRE(v2[i] == Approx(v1[i]).margin(1e-5));

  // gemm_nt and gemm_tn accumulate into C: the same sums on 1 and 2 threads.
  const int M = 257, N = 130, K = 96;
  std::vector<float> A(static_cast<std::size_t>(M) * K), Bt(static_cast<std::size_t>(N) * K), At(A.size()),
      B(static_cast<std::size_t>(K) * N);
  for (std::size_t i = 0; i < A.size(); ++i) A[i] = At[i] = static_cast<float>((i * 11) % 17) * 0.1f - 0.8f;
  for (std::size_t i = 0; i < Bt.size(); ++i) Bt[i] = B[i] = static_cast<float>((i * 3) % 13) * 0.1f - 0.6f;
  auto products = [&](int n) {
    set_threads(n);
    std::vector<float> nt(static_cast<std::size_t>(M) * N, 1.0f), tn(nt.size(), 1.0f);
    kernels::gemm::gemm_nt(M, N, K, A.data(), Bt.data(), nt.data());
    kernels::gemm::gemm_tn(M, N, K, At.data(), B.data(), tn.data());  // At read as (K x M)
    nt.insert(nt.end(), tn.begin(), tn.end());
    return nt;
  };
  const auto p1 = products(1), p2 = products(2);
  for (std::size_t i = 0; i < p1.size(); ++i) REQUIRE(p2[i] == Approx(p1[i]).margin(1e-4));
  // and against the plain sums
  for (int i : {0, 128, 256})
    for (int j : {0, 77, 129}) {
      double nt = 1, tn = 1;
      for (int k = 0; k < K; ++k) {
        nt += static_cast<double>(A[static_cast<std::size_t>(i) * K + k]) * Bt[static_cast<std::size_t>(j) * K + k];
        tn += static_cast<double>(At[static_cast<std::size_t>(k) * M + i]) * B[static_cast<std::size_t>(k) * N + j];
      }
      CHECK(p2[static_cast<std::size_t>(i) * N + j] == Approx(nt).margin(1e-4));
      CHECK(p2[static_cast<std::size_t>(M) * N + static_cast<std::size_t>(i) * N + j] == Approx(tn).margin(1e-4));
    }
  set_threads(before);
}

TEST_CASE("thread pool: a worker's buffer is its own, of the size the job asked for", "[threads]") {
  thread_pool pool(3);
  for (std::size_t floats : {16u, 1000u, 64u}) {
    std::atomic<int> on_workers{0}, wrong{0};
    pool.run(
        60,
        [&](int t, float* own) {
          std::this_thread::sleep_for(std::chrono::microseconds(50));  // time for every thread to take some
          if (!own) return;  // the calling thread: the caller's own memory
          on_workers.fetch_add(1);
          if (reinterpret_cast<std::uintptr_t>(own) % 64 != 0) wrong.fetch_add(1);
          for (std::size_t i = 0; i < floats; ++i) own[i] = static_cast<float>(t);
          std::this_thread::sleep_for(std::chrono::microseconds(20));
          for (std::size_t i = 0; i < floats; ++i)
            if (own[i] != static_cast<float>(t)) wrong.fetch_add(1);  // another task wrote into it
        },
        floats);
    CHECK(on_workers.load() > 0);
    CHECK(wrong.load() == 0);
  }
}
