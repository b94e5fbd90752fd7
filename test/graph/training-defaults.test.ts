import { describe, expect, it } from 'vitest';
import { keyValuePairs } from '../../src/cli/args.ts';
import {
  defineGraph,
  resolveParams,
  type TrainingDefaults,
  trainingDefaults,
} from '../../src/graph/define.ts';
import { linear, network } from '../../src/index.ts';

const withTraining = (training: Partial<TrainingDefaults> & Record<string, unknown>) =>
  defineGraph({
    name: 'checked',
    description: 'a graph whose training block is under test',
    params: {},
    training: { epochs: 2, batch: 32, lr: 1e-3, optimizer: 'adam', ...training } as TrainingDefaults,
    build: () =>
      network('checked')
        .source('data', { dataset: 'mnist', shape: [4], classes: 2 })
        .module('a', [linear(2)])
        .loss('loss', 'softmaxCrossEntropy')
        .chain(['data', 'a', 'loss'])
        .build(),
  });

describe("a graph file's training settings are checked before any work", () => {
  it('accepts every graph in graphs/ as it ships', async () => {
    for (const file of [
      'cifar-cnn',
      'cifar-fcn',
      'mnist-cnn',
      'mnist-complete-unlock',
      'mnist-fcn',
      'mnist-sparse',
    ]) {
      const graph = (await import(`../../graphs/${file}.ts`)).default;
      expect(() => trainingDefaults(graph, resolveParams(graph, {})), file).not.toThrow();
    }
  });

  for (const [field, value, message] of [
    ['optimizer', 'adma', "training.optimizer must be 'adam' or 'sgd', got 'adma'"],
    ['epochs', 0, 'training.epochs must be a positive integer, got 0'],
    ['epochs', 1.5, 'training.epochs must be a positive integer, got 1.5'],
    ['batch', -1, 'training.batch must be a positive integer, got -1'],
    ['lr', Number.NaN, 'training.lr must be a positive number, got NaN'],
    ['momentum', 1, 'training.momentum must be in [0, 1), got 1'],
    [
      'lrSchedule',
      (epoch: number) => (epoch === 1 ? Number.POSITIVE_INFINITY : 1),
      'at every epoch (epoch 1), got Infinity',
    ],
    [
      'lrScheduleSteps',
      (step: number) => (step >= 1000 ? -1 : 1),
      'at every step (step 1000 of 500000), got -1',
    ],
    ['lrScheduleSteps', 'cosine', 'must be a function of the step, got string'],
  ] as const) {
    it(`refuses training.${field} = ${String(value)}, naming the graph`, () => {
      const graph = withTraining({ [field]: value });
      expect(() => trainingDefaults(graph, {})).toThrow("dniflow/graph: graph 'checked' training.");
      expect(() => trainingDefaults(graph, {})).toThrow(message);
    });
  }

  it('refuses a schedule on epochs and one on steps together', () => {
    const graph = withTraining({ lrSchedule: () => 1, lrScheduleSteps: () => 1 });
    expect(() => trainingDefaults(graph, {})).toThrow('training.lrScheduleSteps excludes lrSchedule');
  });
});

// Found by test/fuzz/train-inputs.test.ts: `--set constructor=1` found Object.prototype.constructor as
// a parameter spec and was accepted (the value dropped), and `--set __proto__=1` vanished in parsing.
describe('--set keys are the graph’s own parameters only', () => {
  const graph = withTraining({});

  it.each(['constructor', 'toString', 'hasOwnProperty'])('refuses --set %s=1 as an unknown key', (key) => {
    expect(() => resolveParams(graph, { [key]: '1' })).toThrow(
      `dniflow/graph: unknown --set key '${key}' for graph 'checked' (known: (none))`,
    );
  });

  it('keeps a --set __proto__=1 pair as a key, which is then refused', () => {
    const pairs = keyValuePairs('--set', ['__proto__=1']);
    expect(Object.keys(pairs)).toEqual(['__proto__']);
    expect(() => resolveParams(graph, pairs)).toThrow("unknown --set key '__proto__'");
  });
});
