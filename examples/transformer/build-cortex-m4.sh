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
mkdir -p "$out/include"

# Only Boost may come from the host's /usr/include: its C headers would shadow newlib's.
boost=$(dirname "$(find /usr/include -maxdepth 2 -name hana.hpp -path '*boost*' | head -n1)")
[[ -d "$boost" ]] || { echo "Boost.Hana not found under /usr/include"; exit 1; }
ln -sfn "$boost" "$out/include/boost"

cxx=arm-none-eabi-g++
flags=(-std=c++20 -mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16 -fno-exceptions -fno-rtti -Os
       -ffunction-sections -fdata-sections -Wall -Wextra -Werror -DTSHAPE_NO_HEAP
       -I"$root/include" -isystem "$out/include")
link=(-specs=nano.specs -specs=nosys.specs -Wl,--gc-sections)

elf=$out/transformer.elf
"$cxx" "${flags[@]}" "$here/firmware.cpp" "$here/classifier.cpp" "${link[@]}" -Wl,-Map="$out/transformer.map" -o "$elf"

section() { arm-none-eabi-size -A "$1" | awk -v s="$2" '$1 == s { print $2; found = 1 } END { if (!found) print 0 }'; }
text=$(section "$elf" .text)
rodata=$(section "$elf" .rodata)
data=$(section "$elf" .data)
bss=$(section "$elf" .bss)
flash=$((text + rodata + data))
ram=$((data + bss))
echo "Cortex-M4 transformer firmware ($elf):"
printf '  %-8s %6s B   (the C runtime, the loop and the layers'"'"' compact kernels)\n' .text "$text"
printf '  %-8s %6s B   (the model built by the compiler: its 80,904 B of parameters, in flash)\n' .rodata "$rodata"
printf '  %-8s %6s B\n' .data "$data"
printf '  %-8s %6s B   (the arena, 45,056 B, and the sequence of token ids, 128 B)\n' .bss "$bss"
printf '  flash %d B (%d KiB), RAM %d B (%d KiB)\n' "$flash" $((flash / 1024)) "$ram" $((ram / 1024))

heap=$(arm-none-eabi-nm "$elf" | awk '{ print $NF }' | grep -E '^(_?malloc|_malloc_r|_sbrk|_sbrk_r|_Znw.*|_Zna.*)$' || true)
if [[ -n "$heap" ]]; then
  echo "FAILED: $elf links the heap:" $heap
  exit 1
fi
if ((flash > 1024 * 1024)); then
  echo "FAILED: the firmware takes $flash B of flash, more than 1 MiB"
  exit 1
fi
if ((ram > 256 * 1024)); then
  echo "FAILED: the firmware takes $ram B of RAM, more than 256 KiB"
  exit 1
fi
echo "  no malloc, _sbrk or operator new linked; within 1 MiB of flash and 256 KiB of RAM"
