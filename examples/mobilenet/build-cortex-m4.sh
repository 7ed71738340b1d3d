#!/usr/bin/env bash
# Builds the MobileNet example's firmware for a Cortex-M4 (arm-none-eabi-g++, newlib-nano), prints its
# sections and fails if it links the heap (malloc, _sbrk or operator new) or if it outgrows a small
# part's memory: 1 MiB of flash (.text + .rodata + .data) and 256 KiB of RAM (.data + .bss).
#   bash examples/mobilenet/build-cortex-m4.sh [output directory, default build/cortex-m4]
# Needs the packages gcc-arm-none-eabi and libstdc++-arm-none-eabi-newlib, and Boost's headers.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${1:-$root/build/cortex-m4}
source "$root/examples/cortex-m4.sh"

elf=$out/mobilenet.elf
"$cxx" "${flags[@]}" "$here/firmware.cpp" "$here/classifier.cpp" "${link[@]}" -Wl,-Map="$out/mobilenet.map" -o "$elf"
example_firmware "MobileNet firmware" "$elf" "the model built by the compiler: its 71,848 B of parameters, in flash" \
  "the arena, 65,792 B, and the frame, 12,288 B"
