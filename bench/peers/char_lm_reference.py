#!/usr/bin/env python3
"""PyTorch reference for graphs/char-lm.ts's bits per character (issue 11): the character-level LM
of the paper's §3.2 trained with truncated BPTT the way a PyTorch user writes it, on the same
characters dniflow trains on, at the same size, window, batch, optimiser and budget.

    node --import tsx bench/export-corpus.ts /tmp/moby-corpus
    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/peers/char_lm_reference.py --data /tmp/moby-corpus \
        --ticks 20 [--epochs 40] [--ticks-per-epoch 1000] [--batch 32] [--hidden 256] [--lr 2e-3]
        [--clip X] [--seed 1] [--threads 1]

The data are bench/export-corpus.ts's files: the train / validation / test splits of dniflow's
loader (Moby Dick split 90/5/5) and their vocabulary (the .txt files are encoded with it and checked
against the .ids files), so that both models see the same characters. Nothing of dniflow's order of
work is reproduced: this is the textbook loop, with PyTorch's own initialisation and loss.

Model and step (as bench/peers/char_lm_torch.py): F.one_hot of the window's ids -> nn.LSTM(V, H)
(sequence first) from the carried state, detached between windows (truncation) -> nn.Linear(H, V)
-> F.cross_entropy (mean) over all T*B ticks -> zero_grad, backward, [clip_grad_norm_ when --clip],
Adam(lr).step().

Data and evaluation, as PyTorch's word-language-model example does them: the split cut into B
contiguous lanes ("batchify"), a window the next T characters of every lane and targets their
successors, the state carried along the lanes and reset when the split wraps; an "epoch" is
ceil(ticks_per_epoch / T) windows; after each, validation bits per character over one pass of the
validation split from a zero state; the best epoch's weights (strictly lower figure) scored the
same way on the test split at the end.

Prints one JSON line per epoch ({epoch, chars, train_bpc, valid_bpc, best_valid_bpc, seconds}) and a
final {"summary": ...} line with the best epoch, its validation figure and the test figure.
"""

import argparse
import copy
import json
import math
import os
import sys
import time


def _pin_blas_threads():
    early = argparse.ArgumentParser(add_help=False)
    early.add_argument('--threads', type=int, default=1)
    known, _ = early.parse_known_args(sys.argv[1:])
    os.environ.setdefault('OPENBLAS_NUM_THREADS', str(known.threads))


_pin_blas_threads()

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402
from char_lm_torch import CharLSTM  # noqa: E402  (the timing peer's model: the same textbook module)


def load_corpus(directory):
    with open(os.path.join(directory, 'vocabulary.json'), encoding='utf-8') as f:
        meta = json.load(f)
    chars = meta['chars']
    index = {c: i for i, c in enumerate(chars)}
    dtype = {1: torch.uint8, 2: torch.int16}[meta['id_bytes']]
    splits = {}
    for name in ('train', 'valid', 'test'):
        with open(os.path.join(directory, f'{name}.txt'), encoding='utf-8', newline='') as f:
            text = f.read()
        ids = torch.tensor([index[c] for c in text], dtype=torch.long)
        with open(os.path.join(directory, f'{name}.ids'), 'rb') as f:
            raw = f.read()
        stored = torch.frombuffer(bytearray(raw), dtype=dtype).long()
        if meta['id_bytes'] == 2:
            stored = stored & 0xFFFF
        if not torch.equal(ids, stored) or len(ids) != meta['lengths'][name]:
            raise SystemExit(f'char_lm_reference: {name}.txt does not encode to {name}.ids')
        splits[name] = ids
    return meta, splits


def lanes_of(ids, batch):
    """[L, B]: lane b is ids[b*L:(b+1)*L], time-major."""
    length = len(ids) // batch
    return ids[: length * batch].view(batch, length).t().contiguous()


class Windows:
    """Whole windows of T ticks over contiguous lanes; wraps to the start (fresh state) at the end."""

    def __init__(self, ids, batch, ticks):
        self.data = lanes_of(ids, batch)
        self.ticks = ticks
        self.per_pass = (self.data.shape[0] - 1) // ticks
        self.index = 0

    def next(self):
        """(inputs [T, B], targets [T, B], fresh)."""
        if self.index == self.per_pass:
            self.index = 0
        start = self.index * self.ticks
        fresh = self.index == 0
        self.index += 1
        return (
            self.data[start:start + self.ticks],
            self.data[start + 1:start + self.ticks + 1],
            fresh,
        )


@torch.no_grad()
def evaluate(model, ids, batch, ticks):
    """Bits per character over one pass of whole windows from zero state."""
    lanes = max(1, min(batch, len(ids) // (ticks + 1)))
    windows = Windows(ids, lanes, ticks)
    state = None
    nats = 0.0
    count = 0
    for _ in range(windows.per_pass):
        inputs, targets, _fresh = windows.next()
        logits, state = model(inputs, state)
        nats += F.cross_entropy(logits.reshape(-1, model.vocab), targets.reshape(-1), reduction='sum').item()
        count += targets.numel()
    return nats / count / math.log(2)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--data', required=True, help="bench/export-corpus.ts's output directory")
    parser.add_argument('--ticks', type=int, default=20, help='truncation window T')
    parser.add_argument('--epochs', type=int, default=40)
    parser.add_argument('--ticks-per-epoch', type=int, default=1000)
    parser.add_argument('--batch', type=int, default=32)
    parser.add_argument('--hidden', type=int, default=256)
    parser.add_argument('--lr', type=float, default=2e-3)
    parser.add_argument('--clip', type=float, default=None, help='clip_grad_norm_ of all parameters')
    parser.add_argument('--seed', type=int, default=1)
    parser.add_argument('--threads', type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    meta, splits = load_corpus(args.data)
    V, T, B = meta['size'], args.ticks, args.batch
    model = CharLSTM(V, args.hidden)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    train = Windows(splits['train'], B, T)
    windows_per_epoch = -(-args.ticks_per_epoch // T)

    best_valid = math.inf
    best_epoch = 0
    best_state = copy.deepcopy(model.state_dict())
    state = None
    chars = 0
    start = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        model.train()
        nats = 0.0
        count = 0
        for _ in range(windows_per_epoch):
            inputs, targets, fresh = train.next()
            if fresh:
                state = None
            logits, state = model(inputs, state)
            loss = F.cross_entropy(logits.reshape(-1, V), targets.reshape(-1))
            nats += loss.item() * targets.numel()
            count += targets.numel()
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if args.clip is not None:
                nn.utils.clip_grad_norm_(model.parameters(), args.clip)
            optimizer.step()
            state = tuple(s.detach() for s in state)
        chars += count
        model.eval()
        valid = evaluate(model, splits['valid'], B, T)
        if valid < best_valid:
            best_valid = valid
            best_epoch = epoch
            best_state = copy.deepcopy(model.state_dict())
        print(json.dumps({
            'epoch': epoch,
            'chars': chars,
            'train_bpc': nats / count / math.log(2),
            'valid_bpc': valid,
            'best_valid_bpc': best_valid,
            'seconds': time.perf_counter() - start,
        }), flush=True)

    model.load_state_dict(best_state)
    test = evaluate(model, splits['test'], B, T)
    print(json.dumps({'summary': {
        'torch': torch.__version__,
        'threads': args.threads,
        'blas_threads': int(os.environ['OPENBLAS_NUM_THREADS']),
        'source': meta['source'],
        'vocabulary': V,
        'hidden': args.hidden,
        'ticks': T,
        'batch': B,
        'lr': args.lr,
        'clip': args.clip,
        'seed': args.seed,
        'epochs': args.epochs,
        'ticks_per_epoch': args.ticks_per_epoch,
        'chars': chars,
        'best_epoch': best_epoch,
        'best_valid_bpc': best_valid,
        'test_bpc': test,
        'seconds': time.perf_counter() - start,
    }}), flush=True)


if __name__ == '__main__':
    main()
