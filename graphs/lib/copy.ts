import { dni, linear, lstm, network, type ParamSpec, type ParamValues, stopGradient } from 'dniflow';

/**
 * Copy and Repeat Copy (paper §3.2): an LSTM core reads the task's 10 channels one tick at a time,
 * a linear readout maps every tick's h to the 9 target bits, and the loss is sigmoid cross-entropy
 * per bit on the output ticks, summed over each truncation window of T ticks. The core's state loop
 * (its self-edge, delayed by one window) picks the method:
 *   bptt     stopGradient(): truncated BPTT, nothing crosses a window boundary backwards;
 *   dni      a synthetic gradient on (h, c) at the boundary, injected at `scale` (the paper's 0.1);
 *   dni-aux  the same, plus the aux head predicting the synthetic gradient at the window's end.
 */
export const copyParams: Record<string, ParamSpec> = {
  method: {
    type: 'choice',
    default: 'dni',
    choices: ['bptt', 'dni', 'dni-aux'],
    description: 'what crosses a window boundary backwards',
  },
  T: { type: 'int', default: 3, min: 1, max: 64, description: 'truncation window, in ticks' },
  units: { type: 'int', default: 256, min: 1, max: 4096, description: 'LSTM size (paper: 256)' },
  sg: {
    type: 'choice',
    default: 'linear',
    choices: ['linear', 'mlp'],
    description: 'the synthetic-gradient model (mlp: one hidden layer of `units`)',
  },
  scale: {
    type: 'number',
    default: 0.1,
    min: 0,
    max: 10,
    description: 'scale of the synthetic gradient injected into BPTT (paper: 0.1)',
  },
  gamma: {
    type: 'number',
    default: 0.1,
    min: 0,
    max: 1,
    description:
      'share of the synthetic gradient in the bootstrapped target (0.1 = what the paper’s code did by reusing the injected gradient; 1 diverged here, see docs/RESULTS.md)',
  },
  N: {
    type: 'int',
    default: 1,
    min: 1,
    max: 64,
    description: 'the curriculum’s starting N (patterns per episode)',
  },
  R: {
    type: 'int',
    default: 1,
    min: 1,
    max: 20,
    description: 'the curriculum’s starting R (repeats; Copy: 1)',
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
};

export function buildCopy(name: string, dataset: 'copy' | 'repeatCopy', params: ParamValues) {
  const method = params.method as string;
  const units = params.units as number;
  const model = params.sg === 'mlp' ? { hidden: [units] } : 'linear';
  const loop =
    method === 'bptt'
      ? stopGradient()
      : dni({
          model,
          scale: params.scale as number,
          bootstrapGamma: params.gamma as number,
          aux: method === 'dni-aux',
          state: params.sgState as 'hc' | 'h',
          optimizer: { kind: 'adam', lr: params.sgLr as number },
        });
  return network(name)
    .source('task', { dataset, shape: [10], level: { n: params.N as number, r: params.R as number } })
    .module('core', [lstm(units)], { window: params.T as number })
    .module('readout', [linear(9)])
    .loss('bits', 'sigmoidBce')
    .chain(['task', 'core', 'readout', 'bits'])
    .connect('core', 'core', loop, { delay: 1 })
    .build();
}
