#!/usr/bin/python3
"""bench/compile: how long tshape programs take to compile.

Each source in this directory is compiled on its own, once per compiler and mode, and the CPU time
of the compiler (user + sys, from /usr/bin/time) is kept: on a shared machine CPU time is steadier
than wall time. Every configuration is compiled --repeat times, interleaved (one round compiles all
of them), and the best of the rounds is reported beside its aim.

  bench/compile/run.py                      # g++-12 and clang++-14, -O2 -c and -fsyntax-only, best of 3
  bench/compile/run.py --pch                # and -O2 with <tshape/tshape.hpp> precompiled, as
                                            # CMake's target_precompile_headers does it
  bench/compile/run.py --repeat 1 cnn50     # one source, one round
  bench/compile/run.py --include other/include --cxx g++-12
  bench/compile/run.py --no-syntax --extra -fno-unroll-loops   # and -O2 with these flags added
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
    ("everyday", "(e) everyday 7 layers: Conv1D, pool, Bidirectional GRU, Dense; a train step", 4.0),
    ("everyday_inference", "(f) the same model without training: summary, save_weights, a forward", 4.0),
]
MODES = [("O2", ["-O2", "-c"]), ("syntax", ["-fsyntax-only"])]
PCH_MODE = ("pch", ["-O2", "-c"])
EXTRA_MODE = ("extra", ["-O2", "-c"])
COLUMN = {"O2": "-O2", "syntax": "-fsyntax-only", "pch": "-O2, umbrella precompiled", "extra": "-O2 {extra}"}


def precompile(cxx, include, tmp):
    """Precompiles <tshape/tshape.hpp> for cxx at -O2; returns the flags that use it and the CPU
    seconds it took (once per project and set of flags, not per file)."""
    d = os.path.join(tmp, "pch-" + os.path.basename(cxx))
    os.makedirs(d, exist_ok=True)
    header = os.path.join(d, "umbrella.hpp")
    with open(header, "w") as f:
        f.write("#include <tshape/tshape.hpp>\n")
    clang = "clang" in os.path.basename(cxx)
    out = header + (".pch" if clang else ".gch")
    seconds = compile_seconds(cxx, ["-O2", "-c", "-x", "c++-header"], header, include, out)
    use = ["-include-pch", out] if clang else ["-include", header, "-Winvalid-pch"]
    return use, seconds


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
    ap.add_argument("--pch", action="store_true", help="add a column at -O2 with the umbrella header precompiled")
    ap.add_argument("--extra", action="append", default=[],
                    help="add a column at -O2 with this flag too (repeatable), e.g. --extra=-fno-unroll-loops")
    args = ap.parse_args()

    compilers = args.cxx or ["g++-12", "clang++-14"]
    sources = [s for s in SOURCES if not args.sources or s[0] in args.sources]
    modes = (MODES[:1] if args.no_syntax else MODES) + ([PCH_MODE] if args.pch else [])
    if args.extra:
        modes.append((EXTRA_MODE[0], EXTRA_MODE[1] + args.extra))
    configs = [(s, c, m) for s in sources for c in compilers for m in modes]
    best = {}
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out.o")
        pch = {}
        if args.pch:
            for cxx in compilers:
                pch[cxx] = precompile(cxx, args.include, tmp)
                t = pch[cxx][1]
                print(f"precompiling the umbrella header with {cxx}: {'failed' if t is None else f'{t:.2f} s'}",
                      file=sys.stderr, flush=True)
        for r in range(args.repeat):
            for (name, _, _), cxx, (mode, flags) in configs:
                if mode == "pch":
                    flags = flags + pch[cxx][0]
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
            head += f" {cxx} {COLUMN[mode].format(extra=' '.join(args.extra))} |"
            rule += "---|"
    head += " aim met |" + (" aim met, precompiled |" if args.pch else "")
    rule += "---|" + ("---|" if args.pch else "")
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
        if args.pch:
            times = [best.get((name, cxx, "pch")) for cxx in compilers]
            row += f" {'yes' if all(t is not None and t <= aim for t in times) else 'no'} |"
        print(row)
    if args.pch:
        print("\nPrecompiling the umbrella header (once per project and flags), CPU seconds: " +
              ", ".join(f"{cxx} {pch[cxx][1]:.2f}" if pch[cxx][1] is not None else f"{cxx} failed"
                        for cxx in compilers))


if __name__ == "__main__":
    main()
