import { describe, expect, it } from 'vitest';
import {
  Batcher,
  CharVocabulary,
  CIFAR10_CLASSES,
  loadCifar10,
  loadMnist,
  loadMobyDick,
  loadPtb,
  loadTextFile,
  orderedBatches,
  parseIdx,
  readIdx,
  shuffledBatches,
  subset,
} from '../../src/data/index.ts';

describe('dniflow/data entry point', () => {
  it('exports the loaders, the batcher and the vocabulary by name', () => {
    const exported = [
      readIdx,
      parseIdx,
      loadMnist,
      loadCifar10,
      loadMobyDick,
      loadTextFile,
      loadPtb,
      Batcher,
      shuffledBatches,
      orderedBatches,
      subset,
      CharVocabulary,
    ];
    for (const value of exported) expect(typeof value).toBe('function');
    expect(CIFAR10_CLASSES.length).toBe(10);
  });
});
