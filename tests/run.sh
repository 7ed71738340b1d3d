#!/usr/bin/env bash
# Builds and runs every test in every configuration, on a fresh Debian 12 machine (installs what is
# missing). Each configuration gets its own build directory under build/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tests/install-deps.sh
start=$SECONDS
jobs=$(nproc)

# configure NAME [cmake options...]
configure() {
  local name=$1
  shift
  cmake -S . -B "build/$name" -G Ninja "$@" >"build/$name.configure.log" 2>&1 || {
    cat "build/$name.configure.log"
    return 1
  }
}
# step NAME: prints a header with the elapsed time
step() { printf '\n== %s  (%ds)\n' "$1" $((SECONDS - start)); }
mkdir -p build

step "g++, AVX-512 or the widest SIMD here, OpenBLAS: every test, compile-fail included; the benches' smoke runs"
# The kernels' unit tests at -O3 (Release), the others at -O2: the code most projects ship
# (RelWithDebInfo), a quarter less compile time than -O3.
configure gcc -DCMAKE_CXX_COMPILER=g++ -DCMAKE_BUILD_TYPE=Release -DTSHAPE_BUILD_BENCH=ON -DTSHAPE_TEST_OPTIMIZE=-O2
cmake --build build/gcc -j "$jobs"
ctest --test-dir build/gcc -j "$jobs" --output-on-failure
./build/gcc/bench/dense --quick
./build/gcc/bench/int8 --quick
./build/gcc/bench/conv --quick --threads 1
./build/gcc/bench/recurrent --quick
./build/gcc/bench/attention --quick
./build/gcc/bench/depthwise --quick

step "clang, AddressSanitizer + UndefinedBehaviorSanitizer: every test, compile-fail included, and the file readers fuzzed for 40 s"
# Sanitizer builds: -O0 with line tables. Unoptimised, tshape does not force its kernels inline
# (config.hpp), and the ASan build and run take 4 minutes instead of 18 at -O1. The optimised kernels
# are tested in the g++, AVX2 and aarch64 configurations; the scalar ones only here, under TSan.
sanitized=(-DCMAKE_BUILD_TYPE=Debug "-DCMAKE_CXX_FLAGS_DEBUG=-O0 -g1")
configure clang-asan -DCMAKE_CXX_COMPILER=clang++ "${sanitized[@]}" -DTSHAPE_SANITIZE=address,undefined
cmake --build build/clang-asan -j "$jobs"
ctest --test-dir build/clang-asan -j "$jobs" --output-on-failure

step "clang 16: the compile-fail tests (one error each, within the line budget, as on clang 14 and g++)"
configure clang16 -DCMAKE_CXX_COMPILER=clang++-16 "${sanitized[@]}"
ctest --test-dir build/clang16 -j "$jobs" --output-on-failure -L compile_fail

if grep -qw avx2 /proc/cpuinfo && grep -qw avx512f /proc/cpuinfo; then
  step "g++, AVX2 kernels (-march=x86-64-v3): the kernels', layers' and threads' unit tests"
  # -O1: the same AVX2 code paths as -O3, in about half the compile time (the optimised kernels are
  # timed by the benches, not here).
  configure gcc-avx2 -DCMAKE_CXX_COMPILER=g++ -DCMAKE_BUILD_TYPE=Release "-DCMAKE_CXX_FLAGS_RELEASE=-O1 -DNDEBUG" \
    -DTSHAPE_ARCH=x86-64-v3 "-DTSHAPE_UNIT_TEST_DIRS=kernels;layers;threads"
  cmake --build build/gcc-avx2 -j "$jobs" --target tshape_unit_tests
  ctest --test-dir build/gcc-avx2 -j "$jobs" --output-on-failure -R '^unit\.'
fi

step "clang, ThreadSanitizer, portable scalar kernels without BLAS or zlib: the kernels', threads' and models' unit tests (the pool, inference from several threads)"
configure clang-tsan -DCMAKE_CXX_COMPILER=clang++ "${sanitized[@]}" -DTSHAPE_USE_BLAS=OFF -DTSHAPE_USE_ZLIB=OFF \
  -DTSHAPE_SANITIZE=thread "-DTSHAPE_UNIT_TEST_DIRS=kernels;threads;model" \
  -DCMAKE_CXX_FLAGS=-DTSHAPE_FORCE_SCALAR
cmake --build build/clang-tsan -j "$jobs" --target tshape_unit_tests
ctest --test-dir build/clang-tsan -j "$jobs" --output-on-failure -R '^unit\.'

step "Cortex-M4 (arm-none-eabi-g++, newlib-nano): the embedded, MobileNet and transformer examples' firmware images, their sizes, no heap linked; the int8 kernels' DSP path and the int8 sensor model run under qemu-arm"
bash examples/embedded/build-cortex-m4.sh build/cortex-m4
bash examples/mobilenet/build-cortex-m4.sh build/cortex-m4
bash examples/transformer/build-cortex-m4.sh build/cortex-m4
bash tests/embedded/qemu_arm/run.sh build/cortex-m4

step "aarch64 under qemu-aarch64, NEON kernels without BLAS: the kernels', layers', threads' and formats' unit tests, the embedded tests, the int8 sensor model, the MobileNet and transformer examples"
# The unit tests of the folders with NEON code or per-architecture behaviour (kernels, layers,
# threads, file formats), at -O1 as in the AVX2 configuration: the same NEON paths in half the
# compile time. Training and models are the same C++ over those kernels, tested on x86-64.
configure aarch64 -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/aarch64-linux-gnu.cmake -DCMAKE_BUILD_TYPE=Release \
  "-DCMAKE_CXX_FLAGS_RELEASE=-O1 -DNDEBUG" "-DTSHAPE_UNIT_TEST_DIRS=kernels;layers;threads;io" \
  -DTSHAPE_USE_BLAS=OFF -DTSHAPE_USE_ZLIB=OFF -DTSHAPE_ARCH=
cmake --build build/aarch64 -j "$jobs" --target tshape_unit_tests tshape_allocations_test tshape_no_exceptions_test \
  tshape_no_exceptions_no_heap_test tshape_training_no_exceptions_test tshape_training_no_exceptions_no_heap_test \
  embedded_sensor embedded_sensor_compact embedded_sensor_finetune embedded_sensor_finetune_compact embedded_sensor_int8 \
  mobilenet mobilenet_firmware mobilenet_firmware_compact transformer transformer_firmware transformer_firmware_compact
ctest --test-dir build/aarch64 -j "$jobs" --output-on-failure -R '^(unit|embedded|example\.(embedded_sensor|mobilenet|transformer))'

step "consumers: find_package(tshape) after install; add_subdirectory with strict warnings and the umbrella header precompiled, on g++ and clang"
rm -rf build/prefix
cmake --install build/gcc --prefix build/prefix >/dev/null
configure consumer-find -DCMAKE_PREFIX_PATH="$PWD/build/prefix" -S tests/consumer
cmake --build build/consumer-find
./build/consumer-find/consumer
# Through add_subdirectory the headers are not system headers: the consumers' strict warnings
# (-Wshadow -Wconversion ... -Werror, tests/consumer) see the library's code, at -O3 on both compilers.
configure consumer-subdir -DCMAKE_CXX_COMPILER=g++ -DCMAKE_BUILD_TYPE=Release -DTSHAPE_VIA_SUBDIRECTORY=ON \
  -DTSHAPE_SOURCE_DIR="$PWD" -DTSHAPE_CONSUMER_PRECOMPILE=ON -S tests/consumer
cmake --build build/consumer-subdir
./build/consumer-subdir/consumer
./build/consumer-subdir/consumer_precompiled
configure consumer-pch -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=Release -DTSHAPE_VIA_SUBDIRECTORY=ON \
  -DTSHAPE_SOURCE_DIR="$PWD" -DTSHAPE_CONSUMER_PRECOMPILE=ON -S tests/consumer
cmake --build build/consumer-pch
./build/consumer-pch/consumer
./build/consumer-pch/consumer_precompiled

step "all configurations passed"
