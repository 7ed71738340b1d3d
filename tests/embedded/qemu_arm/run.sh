#!/usr/bin/env bash
# Builds code for the Cortex-M4 with arm-none-eabi-g++ (Thumb-2, DSP extension, hard float, the
# firmware's flags) and runs it under qemu-arm's user mode (see linux_start.hpp): the int8 kernels'
# DSP path, the int8 sensor model, and the MobileNet and transformer examples' classifiers.
#   bash tests/embedded/qemu_arm/run.sh [output directory, default build/cortex-m4]
# Needs gcc-arm-none-eabi, libstdc++-arm-none-eabi-newlib and qemu-user.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
out=${1:-$root/build/cortex-m4}
source "$root/examples/cortex-m4.sh"

# The firmware's flags; -nostartfiles: linux_start.hpp is the entry, newlib (nano) links only for
# memcpy, memset and the float models' expf.
build() { "$cxx" "${flags[@]}" -nostartfiles -specs=nano.specs -static -Wl,--gc-sections "$@"; }
# qemu's Cortex-M4 exists only as a board; its user mode runs the same instructions on a Cortex-A15.
build "$here/int8_kernels_test.cpp" -o "$out/int8_kernels_test.elf"
qemu-arm -cpu cortex-a15 "$out/int8_kernels_test.elf"
build "$here/sensor_int8_test.cpp" "$root/examples/embedded/sensor_int8.cpp" "$root/examples/embedded/sensor_model.cpp" \
  -o "$out/sensor_int8_test.elf"
qemu-arm -cpu cortex-a15 "$out/sensor_int8_test.elf"
build "$here/examples_test.cpp" "$root/examples/mobilenet/classifier.cpp" "$root/examples/transformer/classifier.cpp" \
  -o "$out/examples_test.elf"
qemu-arm -cpu cortex-a15 "$out/examples_test.elf"
