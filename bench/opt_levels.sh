#!/bin/sh
# bench/opt_levels.sh: the same benches built at -O2 and at -O3, with g++ and with clang, side by side.
#
# CMake's RelWithDebInfo and many projects build at -O2, so tshape's kernels must not need -O3 to be
# fast. This compiles bench/everyday_model.cpp (the everyday model of bench/compile/everyday.cpp and
# each of its layers) and bench/recurrent.cpp (GRU and LSTM steps and sequences) five times each
# (-std=c++20 -march=native -DNDEBUG, OpenBLAS linked as the tests do), one compile at a time, then
# runs the ten binaries in interleaved rounds (each round runs every binary once) and keeps each
# case's best time over the rounds: on a shared machine the minimum is the steadiest figure. It
# prints a Markdown table with the -O2 / -O3 ratio per compiler (above 1: -O2 is slower), and a fifth
# build, clang -O2 -fno-unroll-loops, with its ratio to clang -O2: the flag that makes clang's code
# (and compile time) much smaller, since tshape's kernels unroll their own tiles (docs/guide.md).
#
# Usage: bench/opt_levels.sh [rounds] [seconds per run]     (defaults 3 and 1; ~5 min of compiles)
# Environment: GXX (default g++), CLANGXX (default clang++), OUT (build directory, default
# build/opt_levels), EIGEN (Eigen's include directory, default /usr/include/eigen3),
# PROGRAMS (default "everyday_model recurrent"), TSHAPE_INCLUDE (the headers to build with, default
# this tree's include/: point it at another tree's to compare two versions).
set -eu

rounds=${1:-3}
seconds=${2:-1}
src=$(cd "$(dirname "$0")/.." && pwd)
out=${OUT:-$src/build/opt_levels}
gxx=${GXX:-g++}
clangxx=${CLANGXX:-clang++}
eigen=${EIGEN:-/usr/include/eigen3}
programs=${PROGRAMS:-"everyday_model recurrent"}
headers=${TSHAPE_INCLUDE:-$src/include}
configs="gcc-O2 gcc-O3 clang-O2 clang-O3 clang-O2nu"
mkdir -p "$out"

for p in $programs; do
  for c in $configs; do
    case $c in gcc-*) cxx=$gxx ;; *) cxx=$clangxx ;; esac
    case $c in *-O2nu) opt="-O2 -fno-unroll-loops" ;; *) opt="-${c#*-}" ;; esac
    echo "building $p ($c)" >&2
    # shellcheck disable=SC2086 # opt is one or two flags
    "$cxx" -std=c++20 $opt -march=native -DNDEBUG -I"$headers" -I"$eigen" \
      "$src/bench/$p.cpp" -o "$out/$p.$c" -lopenblas -lpthread
  done
done

results=$out/results.tsv
: >"$results"
r=1
while [ "$r" -le "$rounds" ]; do
  echo "round $r of $rounds" >&2
  for p in $programs; do
    for c in $configs; do
      "$out/$p.$c" --tsv --seconds "$seconds" | sed "s/^/$c	/" >>"$results"
    done
  done
  r=$((r + 1))
done

# results: config <TAB> case <TAB> ns. Best per (case, config), cases in the order first seen.
awk -F '\t' '
  !($2 in seen) { seen[$2] = 1; order[++n] = $2 }
  { k = $2 SUBSEP $1; if (!(k in best) || $3 < best[k]) best[k] = $3 }
  function t(ns) {
    if (ns < 1e3) return sprintf("%.0f ns", ns)
    if (ns < 1e6) return sprintf("%.1f us", ns / 1e3)
    return sprintf("%.2f ms", ns / 1e6)
  }
  END {
    print "| case | g++ -O2 | g++ -O3 | g++ -O2/-O3 | clang -O2 | clang -O3 | clang -O2/-O3 | clang -O2 -fno-unroll-loops | that / clang -O2 |"
    print "|---|---|---|---|---|---|---|---|---|"
    for (i = 1; i <= n; ++i) {
      c = order[i]
      g2 = best[c, "gcc-O2"]; g3 = best[c, "gcc-O3"]; c2 = best[c, "clang-O2"]; c3 = best[c, "clang-O3"]
      cn = best[c, "clang-O2nu"]
      printf "| %s | %s | %s | %.2f | %s | %s | %.2f | %s | %.2f |\n", c, t(g2), t(g3), g2 / g3, t(c2), t(c3), c2 / c3, t(cn), cn / c2
    }
  }' "$results"
