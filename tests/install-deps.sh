#!/usr/bin/env bash
# Installs the Debian 12 packages tshape's build needs, skipping those already present.
#   bash tests/install-deps.sh            everything the tests and the bench need
#   bash tests/install-deps.sh --example  only what the flagship example needs
set -euo pipefail

packages=(cmake ninja-build g++ libboost1.81-dev libopenblas-dev zlib1g-dev)
if [[ "${1:-}" != "--example" ]]; then
  # oneDNN's CMake package asks for OpenCL (Debian builds it with the OpenCL GPU runtime).
  packages+=(clang clang-16 catch2 python3 python3-numpy python3-onnx python3-torch libclang-rt-14-dev libeigen3-dev libdnnl-dev ocl-icd-opencl-dev)
  # Cross builds: the Cortex-M4 firmware, and the tests on aarch64 under an emulator.
  packages+=(gcc-arm-none-eabi libstdc++-arm-none-eabi-newlib g++-aarch64-linux-gnu qemu-user)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "== installing: ${missing[*]}"
  sudo=""
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
