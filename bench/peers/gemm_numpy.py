"""numpy float32 matmul on the shapes of bench/gemm-shapes.json: median seconds and GFLOP/s as JSON.

Usage: python3 bench/peers/gemm_numpy.py [--threads N] [--reps R] [--clock wall|cpu]
--threads sets OPENBLAS_NUM_THREADS (and friends) before numpy is imported; omit it for numpy's default.
--clock cpu times with process CPU time (summed over threads) instead of wall time, which is steadier
on a loaded machine; for a multi-threaded run it then measures throughput per CPU-second.
Transposed operands are passed as .T views, which numpy hands to sgemm as transpose flags (no copy),
and C is preallocated (out=), so that only the multiplication is timed, as in bench/gemm.ts.
"""

import argparse
import json
import os
import pathlib
import statistics
import time

parser = argparse.ArgumentParser()
parser.add_argument("--threads", type=int, default=None)
parser.add_argument("--reps", type=int, default=9)
parser.add_argument("--clock", choices=("wall", "cpu"), default="wall")
args = parser.parse_args()
if args.threads is not None:
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(args.threads)

import numpy as np  # noqa: E402  (after the thread variables)

shapes = json.loads((pathlib.Path(__file__).resolve().parent.parent / "gemm-shapes.json").read_text())["shapes"]
clock = time.perf_counter if args.clock == "wall" else time.process_time
rng = np.random.default_rng(0)
results = []
for shape in shapes:
    m, n, k = shape["m"], shape["n"], shape["k"]
    a_stored = rng.standard_normal((k, m) if shape["transA"] else (m, k), dtype=np.float32)
    b_stored = rng.standard_normal((n, k) if shape["transB"] else (k, n), dtype=np.float32)
    a = a_stored.T if shape["transA"] else a_stored
    b = b_stored.T if shape["transB"] else b_stored
    c = np.empty((m, n), dtype=np.float32)
    flops = 2.0 * m * n * k
    # Enough calls per repetition for ~20 ms, so that timer resolution does not matter.
    inner = max(1, int(4e8 / flops))
    for _ in range(3):
        np.matmul(a, b, out=c)
    times = []
    for _ in range(args.reps):
        start = clock()
        for _ in range(inner):
            np.matmul(a, b, out=c)
        times.append((clock() - start) / inner)
    median = statistics.median(times)
    results.append({"name": shape["name"], "seconds": median, "gflops": flops / median / 1e9})

print(
    json.dumps(
        {
            "numpy": np.__version__,
            "threads": args.threads if args.threads is not None else "default",
            "reps": args.reps,
            "clock": args.clock,
            "results": results,
        }
    )
)
