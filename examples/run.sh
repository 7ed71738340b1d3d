#!/usr/bin/env bash
# Builds and runs the flagship example on a fresh Debian 12 machine (installs what is missing).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tests/install-deps.sh --example
cmake -S . -B build/example -G Ninja -DCMAKE_BUILD_TYPE=Release -DTSHAPE_BUILD_TESTS=OFF >/dev/null
cmake --build build/example --target flagship
./build/example/examples/flagship
