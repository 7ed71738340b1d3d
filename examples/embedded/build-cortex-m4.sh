#!/usr/bin/env bash
# Builds the embedded example for a Cortex-M4 (arm-none-eabi-g++, newlib-nano): the inference firmware,
# the same on the model quantized to int8, and the one that fine-tunes the model's last layer on the
# device. Prints their sizes and fails if any links the heap (malloc, _sbrk or operator new), if the
# float model's inference code outgrows 1 KiB or if the fine-tuning firmware's RAM (.data + .bss)
# outgrows its 32 KiB budget.
#   bash examples/embedded/build-cortex-m4.sh [output directory, default build/cortex-m4]
# Needs the packages gcc-arm-none-eabi and libstdc++-arm-none-eabi-newlib, and Boost's headers.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${1:-$root/build/cortex-m4}
source "$root/examples/cortex-m4.sh"

"$cxx" "${flags[@]}" "$here/firmware.cpp" "$here/sensor_model.cpp" "${link[@]}" -Wl,-Map="$out/firmware.map" \
  -o "$out/firmware.elf"
"$cxx" "${flags[@]}" "$here/firmware_int8.cpp" "$here/sensor_int8.cpp" "${link[@]}" -Wl,-Map="$out/firmware_int8.map" \
  -o "$out/firmware_int8.elf"
"$cxx" "${flags[@]}" "$here/finetune.cpp" "$here/sensor_finetune.cpp" "${link[@]}" -Wl,-Map="$out/finetune.map" \
  -o "$out/finetune.elf"
"$cxx" "${flags[@]}" "$here/startup_only.cpp" "${link[@]}" -o "$out/startup_only.elf"

text=$(section "$out/firmware.elf" .text)
base=$(section "$out/startup_only.elf" .text)
echo "Cortex-M4 firmware ($out/firmware.elf):"
printf '  %-8s %6s B   (the C runtime alone: %s B, so %s B for the model and the loop)\n' .text "$text" "$base" $((text - base))
printf '  %-8s %6s B   (the model: its parameters, in flash)\n' .rodata "$(section "$out/firmware.elf" .rodata)"
printf '  %-8s %6s B\n' .data "$(section "$out/firmware.elf" .data)"
printf '  %-8s %6s B   (the arena: 256 B)\n' .bss "$(section "$out/firmware.elf" .bss)"


q8=$out/firmware_int8.elf
q8_text=$(section "$q8" .text)
echo "Cortex-M4 firmware, the model quantized to int8 ($q8):"
printf '  %-8s %6s B   (%s B for the int8 model and the loop)\n' .text "$q8_text" $((q8_text - base))
printf '  %-8s %6s B   (the int8 model: weights, per-channel requantization, in flash)\n' .rodata "$(section "$q8" .rodata)"
printf '  %-8s %6s B\n' .data "$(section "$q8" .data)"
printf '  %-8s %6s B   (the arena: 128 B)\n' .bss "$(section "$q8" .bss)"

ft=$out/finetune.elf
ft_text=$(section "$ft" .text)
ft_ram=$(($(section "$ft" .data) + $(section "$ft" .bss)))
echo "Cortex-M4 fine-tuning firmware ($ft):"
printf '  %-8s %6s B   (%s B beyond the C runtime: the training step, its loss and SGD, and inference)\n' .text "$ft_text" \
  $((ft_text - base))
printf '  %-8s %6s B   (the factory model, in flash)\n' .rodata "$(section "$ft" .rodata)"
printf '  %-8s %6s B\n' .data "$(section "$ft" .data)"
printf '  %-8s %6s B   (the model'"'"'s copy that trains, its gradients, SGD'"'"'s slot, the step'"'"'s memory, the windows)\n' .bss \
  "$(section "$ft" .bss)"

for elf in "$out/firmware.elf" "$q8" "$ft"; do
  heap=$(heap_symbols "$elf")
  if [[ -n "$heap" ]]; then
    echo "FAILED: $elf links the heap:" $heap
    exit 1
  fi
done
if ((text - base > 1024)); then
  echo "FAILED: the model and its loop take $((text - base)) B of code, more than the 1 KiB budget"
  exit 1
fi
if ((ft_ram > 32 * 1024)); then
  echo "FAILED: the fine-tuning firmware takes $ft_ram B of RAM, more than its 32 KiB budget"
  exit 1
fi
echo "  no malloc, _sbrk or operator new linked in any of them"
