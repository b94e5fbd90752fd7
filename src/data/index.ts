/** dniflow/data: datasets and their loaders (named re-exports only). */

export {
  type Batch,
  Batcher,
  type BatchOptions,
  orderedBatches,
  shuffledBatches,
  subset,
} from './batches.ts';
export { CharBatcher, type CharBatchOptions, type CharWindow } from './char-batches.ts';
export {
  CIFAR10_CLASSES,
  CIFAR10_MEAN,
  CIFAR10_STD,
  type Cifar10,
  type Cifar10Options,
  loadCifar10,
  readCifar10Files,
} from './cifar10.ts';
export {
  COPY_BITS,
  COPY_CURRICULUM_THRESHOLD,
  COPY_INPUT_CHANNELS,
  COPY_MAX_N,
  COPY_MAX_R,
  COPY_TARGET_CHANNELS,
  type CopyLevel,
  type CopyTaskKind,
  type CopyTaskOptions,
  CopyTaskStream,
  type CopyWindow,
  checkCopyLevel,
  copyEpisodeTicks,
  copyTaskLength,
  harderCopyLevel,
} from './copy-task.ts';
export { checkDataset, checkLabels, type Dataset, type LabelArray } from './dataset.ts';
export { expectIdx, type IdxData, type IdxFile, type IdxType, parseIdx, readIdx } from './idx.ts';
export {
  clearMnistCache,
  loadMnist,
  MNIST_MEAN,
  MNIST_STD,
  type Mnist,
  type MnistOptions,
  mnistPackageDir,
} from './mnist.ts';
export {
  type CharCorpus,
  type CorpusOptions,
  corpusFromText,
  loadMobyDick,
  loadPtb,
  loadTextFile,
  type PtbOptions,
  type SplitFractions,
  splitByFraction,
} from './text.ts';
export { type CharIds, CharVocabulary } from './vocabulary.ts';
