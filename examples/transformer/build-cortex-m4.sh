#!/usr/bin/env bash
# Builds the transformer example's firmware for a Cortex-M4 (arm-none-eabi-g++, newlib-nano), prints its
# sections and fails if it links the heap (malloc, _sbrk or operator new) or if it outgrows a small
# part's memory: 1 MiB of flash (.text + .rodata + .data) and 256 KiB of RAM (.data + .bss).
#   bash examples/transformer/build-cortex-m4.sh [output directory, default build/cortex-m4]
# Needs the packages gcc-arm-none-eabi and libstdc++-arm-none-eabi-newlib, and Boost's headers.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${1:-$root/build/cortex-m4}
source "$root/examples/cortex-m4.sh"

elf=$out/transformer.elf
"$cxx" "${flags[@]}" "$here/firmware.cpp" "$here/classifier.cpp" "${link[@]}" -Wl,-Map="$out/transformer.map" -o "$elf"
example_firmware "transformer firmware" "$elf" "the model built by the compiler: its 80,904 B of parameters, in flash" \
  "the arena, 45,056 B, and the sequence of token ids, 128 B"
