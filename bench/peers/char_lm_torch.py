#!/usr/bin/env python3
"""PyTorch peer for bench/char-lm-step.ts: the paper's character-level LM (§3.2) trained with
truncated BPTT, written as a PyTorch user writes it.

    /usr/bin/python3 bench/peers/char_lm_torch.py --vocab V [--hidden 256] [--batch 32] [--ticks 5]
        [--threads N] [--blas-threads M] [--windows W] [--warmup K] [--seed S]

One training step per window of T characters: F.one_hot on the window's ids, nn.LSTM (sequence
first) from the state carried from the previous window and detached (truncation), nn.Linear to the
logits, F.cross_entropy over every tick, optimizer.zero_grad(set_to_none=True), loss.backward(),
Adam's step. Nothing of dniflow's order of work is reproduced: this is the textbook loop. Data are
random ids (the timing does not depend on the text). OpenBLAS picks its own kernels.

Threads: torch.set_num_threads(--threads); OPENBLAS_NUM_THREADS=--blas-threads (default --threads),
set before torch loads (Debian's torch does its matmuls in the system OpenBLAS, whose pool ignores
set_num_threads). Prints one JSON object: {torch, threads, blas_threads, windows, seconds} with
seconds the median wall time of one step.
"""

import argparse
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
    os.environ['OPENBLAS_NUM_THREADS'] = str(known.blas_threads or known.threads)


# Run as a script: before torch loads OpenBLAS. Imported (char_lm_reference.py takes CharLSTM from
# here), the importer has sized its threads already.
if __name__ == '__main__':
    _pin_blas_threads()

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402


class CharLSTM(nn.Module):
    def __init__(self, vocab, hidden):
        super().__init__()
        self.vocab = vocab
        self.lstm = nn.LSTM(vocab, hidden)
        self.readout = nn.Linear(hidden, vocab)

    def forward(self, ids, state):
        out, state = self.lstm(F.one_hot(ids, self.vocab).float(), state)
        return self.readout(out), state


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--vocab', type=int, required=True)
    parser.add_argument('--hidden', type=int, default=256)
    parser.add_argument('--batch', type=int, default=32)
    parser.add_argument('--ticks', type=int, default=5)
    parser.add_argument('--threads', type=int, default=1)
    parser.add_argument('--blas-threads', type=int, default=None)
    parser.add_argument('--windows', type=int, default=200)
    parser.add_argument('--warmup', type=int, default=20)
    parser.add_argument('--seed', type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    T, B, V = args.ticks, args.batch, args.vocab
    model = CharLSTM(V, args.hidden)
    optimizer = torch.optim.Adam(model.parameters(), lr=2e-3)
    text = torch.randint(V, (T * (args.windows + args.warmup) + 1, B))
    state = None
    times = []
    for w in range(args.warmup + args.windows):
        start = time.perf_counter()
        ids, targets = text[w * T:(w + 1) * T], text[w * T + 1:(w + 1) * T + 1]
        logits, state = model(ids, state)
        loss = F.cross_entropy(logits.reshape(-1, V), targets.reshape(-1))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        state = tuple(s.detach() for s in state)
        if w >= args.warmup:
            times.append(time.perf_counter() - start)
    print(json.dumps({
        'torch': torch.__version__,
        'threads': args.threads,
        'blas_threads': int(os.environ['OPENBLAS_NUM_THREADS']),
        'windows': args.windows,
        'seconds': statistics.median(times),
    }))


if __name__ == '__main__':
    main()
