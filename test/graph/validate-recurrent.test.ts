import { describe, expect, it } from 'vitest';
import type { InterfaceSpec, LayerSpec } from '../../src/index.ts';
import { dni, linear, lstm, network, stopGradient, validateNetwork } from '../../src/index.ts';

/** Source → core → readout → loss, with the core's state loop (or none). */
function copyNet(
  options: {
    core?: LayerSpec[];
    window?: number;
    loop?: InterfaceSpec | null;
    delay?: number;
    level?: { n: number; r: number };
    stagger?: boolean;
    dataset?: string;
  } = {},
) {
  const builder = network('rnn')
    .source('task', {
      dataset: options.dataset ?? 'repeatCopy',
      shape: [10],
      ...(options.level ? { level: options.level } : {}),
      ...(options.stagger === undefined ? {} : { stagger: options.stagger }),
    })
    .module(
      'core',
      options.core ?? [lstm(8)],
      'window' in options ? { window: options.window } : { window: 3 },
    )
    .module('readout', [linear(9)])
    .loss('bits', 'sigmoidBce')
    .chain(['task', 'core', 'readout', 'bits']);
  if (options.loop !== null)
    builder.connect('core', 'core', options.loop ?? stopGradient(), { delay: options.delay ?? 1 });
  return builder.build();
}

describe('recurrent modules (paper §3.2)', () => {
  it('accept an LSTM core with a window and a state loop (stopGradient or dni)', () => {
    expect(validateNetwork(copyNet()).outputShapes.get('core')).toEqual([8]);
    expect(() =>
      validateNetwork(copyNet({ loop: dni({ scale: 0.1, bootstrapGamma: 0.5, aux: true }) })),
    ).not.toThrow();
  });

  it('refuse a window T < 1, a fractional one, or none', () => {
    expect(() => validateNetwork(copyNet({ window: 0 }))).toThrow(
      "network 'rnn': recurrent module 'core' has window T = 0; it must be an integer >= 1",
    );
    expect(() => validateNetwork(copyNet({ window: 2.5 }))).toThrow('window T = 2.5');
    expect(() => validateNetwork(copyNet({ window: undefined }))).toThrow(
      "recurrent module 'core' declares no window T",
    );
  });

  it('refuse a recurrent module without a state loop, or with a loop of another delay', () => {
    expect(() => validateNetwork(copyNet({ loop: null }))).toThrow(
      "recurrent module 'core' has no state loop: connect('core', 'core', stopGradient() or dni(...), { delay: 1 })",
    );
    expect(() => validateNetwork(copyNet({ delay: 2 }))).toThrow(
      "state loop of 'core' has delay 2; the state crosses exactly one window (delay 1)",
    );
  });

  it('refuse a state loop whose shape differs from the state', () => {
    expect(() => validateNetwork(copyNet({ core: [lstm(8), linear(4)] }))).toThrow(
      "state loop of 'core' carries [4], but the state is (h, c) of [8] each",
    );
    expect(() => validateNetwork(copyNet({ core: [linear(8), lstm(8)] }))).toThrow(
      "module 'core' is recurrent: its only layer must be the lstm",
    );
  });

  it('refuse dni on a state loop of a non-recurrent module, and recurrent options elsewhere', () => {
    const feedForwardLoop = network('ff')
      .source('task', { dataset: 'repeatCopy', shape: [10] })
      .module('core', [linear(10)])
      .module('readout', [linear(9)])
      .loss('bits', 'sigmoidBce')
      .chain(['task', 'core', 'readout', 'bits'])
      .connect('core', 'core', dni(), { delay: 1 })
      .build();
    expect(() => validateNetwork(feedForwardLoop)).toThrow(
      "module 'core' has dni on a state loop but is not recurrent (no lstm layer)",
    );
    const auxOnAnEdge = network('ff')
      .source('data', { dataset: 'mnist', shape: [784], classes: 10 })
      .module('a', [linear(10)])
      .loss('loss', 'softmaxCrossEntropy')
      .connect('data', 'a')
      .connect('a', 'loss', dni({ aux: true }))
      .build();
    expect(() => validateNetwork(auxOnAnEdge)).toThrow(
      "edge a -> loss: bootstrapGamma, aux and state belong to a recurrent module's state loop",
    );
    expect(() => validateNetwork(copyNet({ loop: dni({ context: 'label' }) }))).toThrow(
      'edge core -> core asks for label context, but no data source has labels',
    );
    expect(() => validateNetwork(copyNet({ loop: { kind: 'backprop' } }))).toThrow(
      "state loop of 'core' has interface 'backprop'",
    );
    expect(() => validateNetwork(copyNet({ window: 3, core: [linear(8)] }))).toThrow(
      "module 'core' has a window (3) but no lstm layer",
    );
  });

  it('refuse Copy or Repeat Copy started with N or R out of range', () => {
    expect(() => validateNetwork(copyNet({ level: { n: 0, r: 1 } }))).toThrow(
      "source 'task': copy task N must be an integer in 1..64, got 0",
    );
    expect(() => validateNetwork(copyNet({ level: { n: 3, r: 21 } }))).toThrow(
      'copy task R must be an integer in 1..20, got 21',
    );
    expect(() => validateNetwork(copyNet({ dataset: 'copy', level: { n: 3, r: 2 } }))).toThrow(
      'the Copy task has R = 1, got R = 2',
    );
  });

  it('refuse staggered lanes on a source other than Copy or Repeat Copy', () => {
    expect(() => validateNetwork(copyNet({ stagger: true }))).not.toThrow();
    expect(() => validateNetwork(copyNet({ dataset: 'mobyDick', stagger: true }))).toThrow(
      "source 'task' staggers its lanes, which only Copy and Repeat Copy do",
    );
  });
});
