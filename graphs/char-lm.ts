/**
 * A character-level language model (paper §3.2, the Penn Treebank experiment; Moby Dick here, which
 * is what can be had offline): an LSTM reads one character per tick (one-hot), a linear readout
 * gives the logits of the next one, and the loss is softmax cross-entropy per tick, summed over each
 * truncation window of T ticks. The state loop picks the method, as in graphs/lib/copy.ts: bptt
 * (stopGradient), dni (a synthetic gradient on (h, c) at the boundary) or dni-aux.
 *
 * Size: the paper used 1024 units; 256 is the default here because a window of 1024 units costs
 * about 16× the compute on this 2-core CPU, and the BPTT-vs-DNI comparison is about truncation, not
 * size. `--set text=PATH` trains on a UTF-8 file instead (split 90/5/5 like Moby Dick).
 */
import { defineGraph, dni, linear, lstm, network, sharedCorpus, stopGradient } from 'dniflow';

export default defineGraph({
  name: 'char-lm',
  description:
    'Character-level LSTM language model, truncated BPTT or DNI at the window boundary (paper §3.2)',
  params: {
    method: {
      type: 'choice',
      default: 'dni',
      choices: ['bptt', 'dni', 'dni-aux'],
      description: 'what crosses a window boundary backwards',
    },
    T: { type: 'int', default: 5, min: 1, max: 200, description: 'truncation window, in characters' },
    units: { type: 'int', default: 256, min: 1, max: 4096, description: 'LSTM size (paper: 1024)' },
    text: { type: 'string', default: '', description: 'a UTF-8 text file (default: Moby Dick)' },
    scale: {
      type: 'number',
      default: 0.1,
      min: 0,
      max: 10,
      description: 'scale of the injected synthetic gradient (paper: 0.1)',
    },
    gamma: {
      type: 'number',
      default: 0.1,
      min: 0,
      max: 1,
      description: 'share of the synthetic gradient in the bootstrapped target (see graphs/lib/copy.ts)',
    },
    sgState: {
      type: 'choice',
      default: 'hc',
      choices: ['hc', 'h'],
      description:
        'what the synthetic gradient covers: the state (h, c) or h alone (c unbounded: see docs/RESULTS.md)',
    },
    sgLr: {
      type: 'number',
      default: 1e-3,
      min: 0,
      max: 1,
      description: 'Adam learning rate of the synthetic-gradient models',
    },
  },
  training: { epochs: 10, batch: 32, lr: 2e-3, optimizer: 'adam', ticksPerEpoch: 2000 },
  build: (params) => {
    const path = params.text as string;
    const loop =
      params.method === 'bptt'
        ? stopGradient()
        : dni({
            scale: params.scale as number,
            bootstrapGamma: params.gamma as number,
            aux: params.method === 'dni-aux',
            state: params.sgState as 'hc' | 'h',
            optimizer: { kind: 'adam', lr: params.sgLr as number },
          });
    const vocabulary = sharedCorpus(path || undefined).vocabulary.size;
    return network('char-lm')
      .source(
        'chars',
        path ? { dataset: 'text', path, shape: [vocabulary] } : { dataset: 'mobyDick', shape: [vocabulary] },
      )
      .module('core', [lstm(params.units as number)], { window: params.T as number })
      .module('readout', [linear(vocabulary)])
      .loss('next', 'softmaxCrossEntropy')
      .chain(['chars', 'core', 'readout', 'next'])
      .connect('core', 'core', loop, { delay: 1 })
      .build();
  },
});
