#!/usr/bin/python3
"""bench/compile: how long tshape programs take to compile.

Each source in this directory is compiled on its own, once per compiler and mode, and the CPU time
of the compiler (user + sys, from /usr/bin/time) is kept: on a shared machine CPU time is steadier
than wall time. Every configuration is compiled --repeat times, interleaved (one round compiles all
of them), and the best of the rounds is reported beside its aim.

  bench/compile/run.py                      # g++-12 and clang++-14, -O2 -c and -fsyntax-only, best of 3
  bench/compile/run.py --repeat 1 cnn50     # one source, one round
  bench/compile/run.py --include other/include --cxx g++-12
"""
import argparse
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

# (source, what it is, aim in CPU seconds on every compiler at -O2)
SOURCES = [
    ("cnn50", "(a) Sequential CNN, 50 layers (16 x Conv2D/BN/ReLU, GAP, Dense)", 5.0),
    ("mlp200", "(b) Sequential MLP, 200 layers (100 x Dense/ReLU)", 5.0),
    ("resnet20", "(c) functional ResNet-20: 21 Conv2D, BN, ReLU, 9 Add", 5.0),
    ("umbrella", "(d) #include <tshape/tshape.hpp> alone", 0.6),
    ("everyday", "(e) everyday 7 layers: Conv1D, pool, Bidirectional GRU, Dense", 4.0),
]
MODES = [("O2", ["-O2", "-c"]), ("syntax", ["-fsyntax-only"])]


def compile_seconds(cxx, flags, source, include, out):
    """CPU seconds (user + sys) of one compile, or None when it fails (its errors go to stderr)."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as t:
        cmd = ["/usr/bin/time", "-f", "%U %S", "-o", t.name, cxx, "-std=c++20", "-march=native",
               "-I" + include, *flags, source]
        if "-c" in flags:
            cmd += ["-o", out]
        r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if r.returncode != 0:
            sys.stderr.write(f"{cxx} {' '.join(flags)} {source} failed:\n{r.stderr[-4000:]}\n")
            return None
        user, sys_ = (float(v) for v in t.read().split()[-2:])
        return user + sys_


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("sources", nargs="*", help="sources to time (default: all)")
    ap.add_argument("--cxx", action="append", help="compiler (repeatable; default g++-12 and clang++-14)")
    ap.add_argument("--repeat", type=int, default=3, help="rounds; the best counts (default 3)")
    ap.add_argument("--include", default=os.path.join(ROOT, "include"), help="tshape's include directory")
    ap.add_argument("--no-syntax", action="store_true", help="skip the -fsyntax-only column")
    args = ap.parse_args()

    compilers = args.cxx or ["g++-12", "clang++-14"]
    sources = [s for s in SOURCES if not args.sources or s[0] in args.sources]
    modes = MODES[:1] if args.no_syntax else MODES
    configs = [(s, c, m) for s in sources for c in compilers for m in modes]
    best = {}
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out.o")
        for r in range(args.repeat):
            for (name, _, _), cxx, (mode, flags) in configs:
                t = compile_seconds(cxx, flags, os.path.join(HERE, name + ".cpp"), args.include, out)
                key = (name, cxx, mode)
                if t is not None:
                    best[key] = min(best.get(key, t), t)
                print(f"round {r + 1}/{args.repeat}: {cxx:<11} {mode:<6} {name:<9} "
                      f"{'failed' if t is None else f'{t:.2f} s'}", file=sys.stderr, flush=True)

    def cell(key):
        return f"{best[key]:.2f}" if key in best else "failed"

    head = "| model | aim (s) |"
    rule = "|---|---|"
    for cxx in compilers:
        for mode, _ in modes:
            head += f" {cxx} {'-O2' if mode == 'O2' else '-fsyntax-only'} |"
            rule += "---|"
    head += " aim met |"
    rule += "---|"
    print(f"CPU seconds (user + sys), best of {args.repeat}; -std=c++20 -march=native")
    print(head)
    print(rule)
    for name, what, aim in sources:
        row = f"| {what} | {aim:g} |"
        for cxx in compilers:
            for mode, _ in modes:
                row += f" {cell((name, cxx, mode))} |"
        times = [best.get((name, cxx, "O2")) for cxx in compilers]
        met = all(t is not None and t <= aim for t in times)
        row += f" {'yes' if met else 'no'} |"
        print(row)


if __name__ == "__main__":
    main()
