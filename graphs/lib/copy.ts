import { linear, lstm, network, type ParamSpec, type ParamValues } from 'dniflow';
import { stateLoop, stateLoopParams } from './state-loop.ts';

/**
 * Copy and Repeat Copy (paper §3.2): an LSTM core reads the task's 10 channels one tick at a time,
 * a linear readout maps every tick's h to the 9 target bits, and the loss is sigmoid cross-entropy
 * per bit on the output ticks, summed over each truncation window of T ticks. The core's state loop
 * picks the method (see ./state-loop.ts).
 */
export const copyParams: Record<string, ParamSpec> = {
  ...stateLoopParams,
  T: { type: 'int', default: 3, min: 1, max: 64, description: 'truncation window, in ticks' },
  units: { type: 'int', default: 256, min: 1, max: 4096, description: 'LSTM size (paper: 256)' },
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
  stagger: {
    type: 'boolean',
    default: false,
    description:
      'start the lanes at staggered window phases (else all in step, so an episode whose length is a multiple of T meets the windows at one phase in every lane)',
  },
};

export function buildCopy(name: string, dataset: 'copy' | 'repeatCopy', params: ParamValues) {
  const units = params.units as number;
  return network(name)
    .source('task', {
      dataset,
      shape: [10],
      level: { n: params.N as number, r: params.R as number },
      stagger: params.stagger as boolean,
    })
    .module('core', [lstm(units)], { window: params.T as number })
    .module('readout', [linear(9)])
    .loss('bits', 'sigmoidBce')
    .chain(['task', 'core', 'readout', 'bits'])
    .connect('core', 'core', stateLoop(params), { delay: 1 })
    .build();
}
