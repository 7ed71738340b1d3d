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
mkdir -p "$out"

# Only Boost may come from the host's /usr/include: its C headers would shadow newlib's.
boost=$(dirname "$(find /usr/include -maxdepth 2 -name hana.hpp -path '*boost*' | head -n1)")
[[ -d "$boost" ]] || { echo "Boost.Hana not found under /usr/include"; exit 1; }
mkdir -p "$out/include"
ln -sfn "$boost" "$out/include/boost"

# The firmware's flags; -nostartfiles: linux_start.hpp is the entry, newlib (nano) links only for
# memcpy, memset and the float model's expf.
build() {
  arm-none-eabi-g++ -std=c++20 -mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16 -Os -fno-exceptions -fno-rtti \
    -ffunction-sections -fdata-sections -Wall -Wextra -Werror -DTSHAPE_NO_HEAP -I"$root/include" -isystem "$out/include" \
    -nostartfiles -specs=nano.specs -static -Wl,--gc-sections "$@"
}
# qemu's Cortex-M4 exists only as a board; its user mode runs the same instructions on a Cortex-A15.
build "$here/int8_kernels_test.cpp" -o "$out/int8_kernels_test.elf"
qemu-arm -cpu cortex-a15 "$out/int8_kernels_test.elf"
build "$here/sensor_int8_test.cpp" "$root/examples/embedded/sensor_int8.cpp" "$root/examples/embedded/sensor_model.cpp" \
  -o "$out/sensor_int8_test.elf"
qemu-arm -cpu cortex-a15 "$out/sensor_int8_test.elf"
build "$here/examples_test.cpp" "$root/examples/mobilenet/classifier.cpp" "$root/examples/transformer/classifier.cpp" \
  -o "$out/examples_test.elf"
qemu-arm -cpu cortex-a15 "$out/examples_test.elf"
