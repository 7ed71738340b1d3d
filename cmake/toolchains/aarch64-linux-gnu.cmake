# Cross build for 64-bit Arm Linux (NEON kernels); tests run under qemu-aarch64 (package qemu-user).
#   cmake -S . -B build/aarch64 -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/aarch64-linux-gnu.cmake
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64 -L /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)  # Catch2's and Boost's CMake configs live in /usr/lib/cmake
# Host headers (Boost, Catch2) are searched last, after the cross compiler's own.
set(CMAKE_CXX_FLAGS_INIT "-idirafter /usr/include")
list(APPEND CMAKE_CXX_IMPLICIT_INCLUDE_DIRECTORIES /usr/include)
# Boost.Hana is headers only: the host's Boost package config serves the cross build too.
file(GLOB _tshape_host_boost LIST_DIRECTORIES true /usr/lib/x86_64-linux-gnu/cmake/Boost-*)
if(_tshape_host_boost)
  list(GET _tshape_host_boost 0 Boost_DIR)
endif()
