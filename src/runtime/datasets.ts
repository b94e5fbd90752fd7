import { subset } from '../data/batches.ts';
import { loadCifar10 } from '../data/cifar10.ts';
import type { Dataset } from '../data/dataset.ts';
import { loadMnist } from '../data/mnist.ts';

export interface TrainTestData {
  train: Dataset;
  test: Dataset;
}

/**
 * CIFAR-10 cannot be downloaded here (DESIGN.md, "Data"): the user unpacks cifar-10-binary.tar.gz
 * and names the directory in this environment variable. An environment variable rather than a graph
 * parameter, so that every CIFAR graph finds the data without repeating a path on each command.
 */
export const CIFAR10_DIR_ENV = 'DNIFLOW_CIFAR10_DIR';

export const KNOWN_DATASETS = ['mnist', 'cifar10'] as const;

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
    case 'cifar10':
      data = loadCifar10FromEnvironment();
      break;
    default:
      throw new Error(`dniflow/runtime: unknown dataset '${dataset}' (known: ${KNOWN_DATASETS.join(', ')})`);
  }
  return {
    train:
      limits.train === undefined ? data.train : subset(data.train, Math.min(limits.train, data.train.count)),
    test: limits.test === undefined ? data.test : subset(data.test, Math.min(limits.test, data.test.count)),
  };
}

function loadCifar10FromEnvironment(): TrainTestData {
  const dir = process.env[CIFAR10_DIR_ENV];
  if (dir === undefined || dir === '') {
    throw new Error(
      `dniflow/runtime: dataset 'cifar10' needs the CIFAR-10 binary files, which cannot be downloaded here: unpack cifar-10-binary.tar.gz and set ${CIFAR10_DIR_ENV} to its cifar-10-batches-bin directory`,
    );
  }
  try {
    return loadCifar10({ dir, standardize: true });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`${message} (from ${CIFAR10_DIR_ENV}=${dir})`);
  }
}
