# Shared by the Cortex-M4 build scripts (sourced, not run): the firmware's compiler and flags, and
# the checks every image gets. The sourcing script sets `root` (the repository) and `out` (the build
# directory) first. Needs gcc-arm-none-eabi and libstdc++-arm-none-eabi-newlib, and Boost's headers.
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

# section ELF NAME: the size of one section in bytes (0 when it is absent).
section() { arm-none-eabi-size -A "$1" | awk -v s="$2" '$1 == s { print $2; found = 1 } END { if (!found) print 0 }'; }

# heap_symbols ELF: the allocator's symbols the image links, if any.
heap_symbols() { arm-none-eabi-nm "$1" | awk '{ print $NF }' | grep -E '^(_?malloc|_malloc_r|_sbrk|_sbrk_r|_Znw.*|_Zna.*)$' || true; }

# example_firmware TITLE ELF RODATA_NOTE BSS_NOTE: an example's firmware sections, and a failure if it
# links the heap or outgrows a small part's memory: 1 MiB of flash (.text + .rodata + .data) and
# 256 KiB of RAM (.data + .bss).
example_firmware() {
  local title=$1 elf=$2 rodata_note=$3 bss_note=$4
  local text rodata data bss flash ram heap
  text=$(section "$elf" .text)
  rodata=$(section "$elf" .rodata)
  data=$(section "$elf" .data)
  bss=$(section "$elf" .bss)
  flash=$((text + rodata + data))
  ram=$((data + bss))
  echo "Cortex-M4 $title ($elf):"
  printf '  %-8s %6s B   (the C runtime, the loop and the layers'"'"' compact kernels)\n' .text "$text"
  printf '  %-8s %6s B   (%s)\n' .rodata "$rodata" "$rodata_note"
  printf '  %-8s %6s B\n' .data "$data"
  printf '  %-8s %6s B   (%s)\n' .bss "$bss" "$bss_note"
  printf '  flash %d B (%d KiB), RAM %d B (%d KiB)\n' "$flash" $((flash / 1024)) "$ram" $((ram / 1024))
  heap=$(heap_symbols "$elf")
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
}
