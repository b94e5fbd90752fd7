#!/usr/bin/env python3
"""PyTorch reference for bench/lstm-window.ts: forward + backward of an nn.LSTM over one window.

    /usr/bin/python3 bench/peers/lstm_torch.py --input I [--hidden 256] [--batch 256] [--ticks 5]
        [--threads N] [--blas-threads M] [--reps R] [--warmup W] [--no-input-grad] [--mkldnn on|off]
        [--profile]

Run it with Debian's /usr/bin/python3 (the `python3-torch` package, see scripts/setup-bench.sh).

Written as a PyTorch user writes one truncated-BPTT window: nn.LSTM(I, H) (sequence-first, [T, B, I]),
run from the carried state (h0, c0), detached (no gradient at the window's start), then one backward
from the per-tick output gradients, out.backward(g): the same as loss = (out·g).sum() without the
extra elementwise work. Nothing is injected at the final state.
Parameter gradients are cleared with zero_grad(set_to_none=True) before each window, as an optimiser
step would. The inputs require grad unless --no-input-grad (inputs straight from the data).

Threads: torch.set_num_threads(--threads) (intra-op, OpenMP) and OPENBLAS_NUM_THREADS=--blas-threads
(default --threads): Debian's torch does its matmuls in the system OpenBLAS, whose own thread pool
ignores torch.set_num_threads and is sized when the library loads, so it is set before torch is
imported. OpenBLAS picks its own kernels (reported as blas_core).

--mkldnn sets torch.backends.mkldnn.enabled (PyTorch 1.13's CPU LSTM does not use oneDNN either way;
the flag is there so that the bench can show it).

Timing: each window (zero_grad, forward, backward) is timed on the wall clock and the process CPU
clock after --warmup untimed windows; prints one JSON object with the medians:
  {torch, threads, blas_threads, input, hidden, batch, ticks, input_grad, mkldnn, reps,
   seconds, forward_seconds, backward_seconds, cpu_seconds, blas_core}
With --profile, also `profile`: self CPU seconds per window of torch's operators, grouped into
gemm (aten::mm, aten::addmm, aten::matmul), elementwise (gate activations and products, their
backward) and other (cat, copies, sums, autograd).
"""

import argparse
import ctypes
import json
import os
import statistics
import sys
import time


def _pin_blas_threads():
    early = argparse.ArgumentParser(add_help=False)
    early.add_argument('--threads', type=int, default=1)
    early.add_argument('--blas-threads', type=int, default=None)
    known, _ = early.parse_known_args(sys.argv[1:])
    blas = known.blas_threads if known.blas_threads is not None else known.threads
    os.environ['OPENBLAS_NUM_THREADS'] = str(blas)


_pin_blas_threads()

import torch  # noqa: E402
from torch import nn  # noqa: E402

GEMM_OPS = {'aten::mm', 'aten::addmm', 'aten::matmul', 'aten::bmm'}
ELEMENTWISE_OPS = {
    'aten::sigmoid',
    'aten::sigmoid_',
    'aten::tanh',
    'aten::tanh_',
    'aten::mul',
    'aten::mul_',
    'aten::add',
    'aten::add_',
    'aten::sigmoid_backward',
    'aten::tanh_backward',
    'aten::unsafe_chunk',
    'aten::chunk',
}


def blas_core():
    """The kernels the OpenBLAS that torch loaded chose (openblas_get_corename), or 'unknown'."""
    try:
        with open('/proc/self/maps') as maps:
            paths = {line.split()[-1] for line in maps if 'libopenblas' in line}
        for path in paths:
            lib = ctypes.CDLL(path)
            lib.openblas_get_corename.restype = ctypes.c_char_p
            return lib.openblas_get_corename().decode()
    except (OSError, AttributeError):
        pass
    return 'unknown'


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--input', type=int, required=True)
    parser.add_argument('--hidden', type=int, default=256)
    parser.add_argument('--batch', type=int, default=256)
    parser.add_argument('--ticks', type=int, default=5)
    parser.add_argument('--threads', type=int, default=1)
    parser.add_argument('--blas-threads', type=int, default=None)
    parser.add_argument('--reps', type=int, default=30)
    parser.add_argument('--warmup', type=int, default=10)
    parser.add_argument('--no-input-grad', action='store_true')
    parser.add_argument('--mkldnn', choices=('on', 'off'), default='on')
    parser.add_argument('--profile', action='store_true')
    parser.add_argument('--seed', type=int, default=1)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.backends.mkldnn.enabled = args.mkldnn == 'on'
    torch.manual_seed(args.seed)
    T, B, I, H = args.ticks, args.batch, args.input, args.hidden

    lstm = nn.LSTM(I, H)
    x = torch.randn(T, B, I, requires_grad=not args.no_input_grad)
    h0 = torch.randn(1, B, H)
    c0 = torch.randn(1, B, H)
    grad_out = torch.randn(T, B, H)
    leaves = [x] if x.requires_grad else []

    def window():
        lstm.zero_grad(set_to_none=True)
        for leaf in leaves:
            leaf.grad = None
        out, _ = lstm(x, (h0, c0))
        return out

    def backward(out):
        out.backward(grad_out)

    for _ in range(args.warmup):
        backward(window())

    walls, forwards, backwards, cpus = [], [], [], []
    for _ in range(args.reps):
        cpu0 = time.process_time()
        t0 = time.perf_counter()
        result = window()
        t1 = time.perf_counter()
        backward(result)
        t2 = time.perf_counter()
        cpus.append(time.process_time() - cpu0)
        walls.append(t2 - t0)
        forwards.append(t1 - t0)
        backwards.append(t2 - t1)

    summary = {
        'torch': torch.__version__,
        'threads': args.threads,
        'blas_threads': int(os.environ['OPENBLAS_NUM_THREADS']),
        'blas_core': blas_core(),
        'input': I,
        'hidden': H,
        'batch': B,
        'ticks': T,
        'input_grad': not args.no_input_grad,
        'mkldnn': args.mkldnn,
        'reps': args.reps,
        'seconds': statistics.median(walls),
        'forward_seconds': statistics.median(forwards),
        'backward_seconds': statistics.median(backwards),
        'cpu_seconds': statistics.median(cpus),
    }
    if args.profile:
        windows = 10
        with torch.autograd.profiler.profile() as prof:
            for _ in range(windows):
                backward(window())
        groups = {'gemm': 0.0, 'elementwise': 0.0, 'other': 0.0}
        for event in prof.key_averages():
            group = 'gemm' if event.key in GEMM_OPS else 'elementwise' if event.key in ELEMENTWISE_OPS else 'other'
            groups[group] += event.self_cpu_time_total / 1e6 / windows
        summary['profile'] = groups
    print(json.dumps(summary))


if __name__ == '__main__':
    main()
