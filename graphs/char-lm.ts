/**
 * A character-level language model (paper §3.2, the Penn Treebank experiment; Moby Dick here, which
 * is what can be had offline): an LSTM reads one character per tick (one-hot), a linear readout
 * gives the logits of the next one, and the loss is softmax cross-entropy per tick, summed over each
 * truncation window of T ticks. The state loop picks the method (graphs/lib/state-loop.ts): bptt,
 * dni (a synthetic gradient on the state at the boundary) or dni-aux.
 *
 * Size: the paper used 1024 units; 256 is the default here because a window of 1024 units costs
 * about 16× the compute on this 2-core CPU, and the BPTT-vs-DNI comparison is about truncation, not
 * size. `--set text=PATH` trains on a UTF-8 file instead (split 90/5/5 like Moby Dick).
 */
import { defineGraph, linear, lstm, network, sharedCorpus } from 'dniflow';
import { stateLoop, stateLoopParams } from './lib/state-loop.ts';

export default defineGraph({
  name: 'char-lm',
  description:
    'Character-level LSTM language model, truncated BPTT or DNI at the window boundary (paper §3.2)',
  params: {
    ...stateLoopParams,
    T: { type: 'int', default: 5, min: 1, max: 200, description: 'truncation window, in characters' },
    units: { type: 'int', default: 256, min: 1, max: 4096, description: 'LSTM size (paper: 1024)' },
    text: { type: 'string', default: '', description: 'a UTF-8 text file (default: Moby Dick)' },
  },
  training: { epochs: 10, batch: 32, lr: 2e-3, optimizer: 'adam', ticksPerEpoch: 2000 },
  build: (params) => {
    const path = params.text as string;
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
      .connect('core', 'core', stateLoop(params), { delay: 1 })
      .build();
  },
});
