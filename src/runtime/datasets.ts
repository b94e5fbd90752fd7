import { subset } from '../data/batches.ts';
import type { Dataset } from '../data/dataset.ts';
import { loadMnist } from '../data/mnist.ts';

export interface TrainTestData {
  train: Dataset;
  test: Dataset;
}

/** The data a source node names, optionally cut to the first examples for quick runs. */
export function loadSourceData(
  dataset: string,
  limits: { train?: number; test?: number } = {},
): TrainTestData {
  let data: TrainTestData;
  switch (dataset) {
    case 'mnist':
      data = loadMnist({ standardize: true });
      break;
    default:
      throw new Error(`dniflow/runtime: unknown dataset '${dataset}' (known: mnist)`);
  }
  return {
    train:
      limits.train === undefined ? data.train : subset(data.train, Math.min(limits.train, data.train.count)),
    test: limits.test === undefined ? data.test : subset(data.test, Math.min(limits.test, data.test.count)),
  };
}
