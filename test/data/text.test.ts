import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { corpusFromText, loadMobyDick, loadPtb, loadTextFile, splitByFraction } from '../../src/data/text.ts';
import { CharVocabulary } from '../../src/data/vocabulary.ts';
import { tempDir } from './helpers.ts';

const temp = tempDir('text');
afterAll(() => temp.remove());

describe('loadMobyDick', () => {
  const corpus = loadMobyDick();

  it('reads the whole book, about 1.2M characters, in order', () => {
    expect(corpus.ids.length).toBeGreaterThan(1_150_000);
    expect(corpus.ids.length).toBeLessThan(1_250_000);
    expect(corpus.text.startsWith('CONTENTS')).toBe(true);
    const call = corpus.text.indexOf('CHAPTER 1. Loomings.\n\nCall me Ishmael.');
    const chase = corpus.text.indexOf('CHAPTER 135. The Chase.—Third Day.\n\nThe morning of the third day');
    const epilogue = corpus.text.indexOf("The drama's done.");
    expect(call).toBeGreaterThan(0);
    expect(chase).toBeGreaterThan(call);
    expect(epilogue).toBeGreaterThan(chase);
    expect(corpus.text.trimEnd().endsWith('another orphan.')).toBe(true);
  });

  it('builds a sorted vocabulary and an encoding that round-trips', () => {
    const { vocabulary, ids, text } = corpus;
    expect(vocabulary.size).toBeGreaterThan(60);
    expect(vocabulary.size).toBeLessThan(120);
    const points = vocabulary.chars.map((c) => c.codePointAt(0)!);
    expect(points).toEqual([...points].sort((a, b) => a - b));
    expect(ids).toBeInstanceOf(Uint8Array);
    expect(vocabulary.decode(ids.subarray(0, 2000))).toBe(text.slice(0, 2000));
    expect(vocabulary.decode(corpus.test)).toBe(text.slice(text.length - corpus.test.length));
  });

  it('splits 90/5/5 into contiguous views of the encoding', () => {
    const { ids, train, valid, test } = corpus;
    expect(train.length + valid.length + test.length).toBe(ids.length);
    expect(train.length / ids.length).toBeCloseTo(0.9, 5);
    expect(valid.length / ids.length).toBeCloseTo(0.05, 5);
    expect(train.buffer).toBe(ids.buffer);
    expect(valid.byteOffset).toBe(train.length);
    expect(test.byteOffset).toBe(train.length + valid.length);
  });
});

describe('loadTextFile', () => {
  it('loads a user file with its own vocabulary and split', () => {
    const path = temp.path('tiny.txt');
    writeFileSync(path, 'abracadabra\n'.repeat(10));
    const corpus = loadTextFile(path, { split: [0.5, 0.25, 0.25] });
    expect(corpus.vocabulary.chars).toEqual(['\n', 'a', 'b', 'c', 'd', 'r']);
    expect(corpus.ids.length).toBe(120);
    expect([corpus.train.length, corpus.valid.length, corpus.test.length]).toEqual([60, 30, 30]);
    expect(Array.from(corpus.ids.subarray(0, 4))).toEqual([1, 2, 5, 1]);
    expect(corpus.source).toBe(path);
  });

  it('keeps characters outside the BMP whole', () => {
    const path = temp.path('emoji.txt');
    writeFileSync(path, 'a🐋b🐋');
    const corpus = loadTextFile(path, { split: [1, 0, 0] });
    expect(corpus.vocabulary.chars).toEqual(['a', 'b', '🐋']);
    expect(Array.from(corpus.ids)).toEqual([0, 2, 1, 2]);
    expect(corpus.vocabulary.decode(corpus.ids)).toBe('a🐋b🐋');
  });

  it('names a missing, empty or non-UTF-8 file', () => {
    const missing = temp.path('missing.txt');
    expect(() => loadTextFile(missing)).toThrow(`dniflow/data: text file not found: ${missing}`);
    const empty = temp.path('empty.txt');
    writeFileSync(empty, '');
    expect(() => loadTextFile(empty)).toThrow(`dniflow/data: text file ${empty} is empty`);
    const latin1 = temp.path('latin1.txt');
    writeFileSync(latin1, Uint8Array.from([0x63, 0x61, 0x66, 0xe9]));
    expect(() => loadTextFile(latin1)).toThrow(`dniflow/data: text file ${latin1} is not valid UTF-8`);
    expect(() => loadTextFile(temp.dir)).toThrow(`text file ${temp.dir} is a directory, expected a file`);
  });

  it('rejects bad split fractions', () => {
    const path = temp.path('short.txt');
    writeFileSync(path, 'hello');
    expect(() => loadTextFile(path, { split: [0.5, 0.5, 0.5] })).toThrow(
      'must be three non-negative numbers summing to 1',
    );
    expect(() => loadTextFile(path, { split: [0.05, 0.95, 0] })).toThrow('training split of it is empty');
  });
});

describe('loadPtb', () => {
  it('keeps the three files as the three splits, one sentence a line', () => {
    const dir = temp.path('ptb');
    mkdirSync(dir);
    writeFileSync(join(dir, 'ptb.train.txt'), ' the cat sat\n the dog ran\n');
    writeFileSync(join(dir, 'ptb.valid.txt'), ' a cat\n');
    writeFileSync(join(dir, 'ptb.test.txt'), ' zebra <unk>\n');
    const corpus = loadPtb({ dir });
    expect(corpus.vocabulary.decode(corpus.train)).toBe(' the cat sat\n the dog ran\n');
    expect(corpus.vocabulary.decode(corpus.valid)).toBe(' a cat\n');
    expect(corpus.vocabulary.decode(corpus.test)).toBe(' zebra <unk>\n');
    expect(corpus.vocabulary.chars).toContain('z'); // only in test, still encodable
    expect(corpus.ids.length).toBe(corpus.text.length);

    const alone = temp.path('valid-only.txt');
    writeFileSync(alone, ' x\n');
    const mixed = loadPtb({ dir, valid: alone });
    expect(mixed.vocabulary.decode(mixed.valid)).toBe(' x\n');
  });

  it('names a missing PTB file or directory', () => {
    const dir = temp.path('ptb-partial');
    mkdirSync(dir);
    writeFileSync(join(dir, 'ptb.train.txt'), 'x\n');
    expect(() => loadPtb({ dir })).toThrow(`dniflow/data: PTB file not found: ${join(dir, 'ptb.valid.txt')}`);
    expect(() => loadPtb({ dir: temp.path('no-ptb') })).toThrow('PTB directory not found');
    expect(() => loadPtb({})).toThrow('loadPtb needs { dir } or an explicit { train } path');
  });
});

describe('CharVocabulary and splits', () => {
  it('reports a character outside the vocabulary with its position', () => {
    const vocabulary = CharVocabulary.fromText('abc');
    expect(() => vocabulary.encode('abx', 'sample')).toThrow(
      'dniflow/data: sample: character "x" (U+0078) at offset 2 is not in the vocabulary',
    );
    expect(vocabulary.idOf('c')).toBe(2);
    expect(vocabulary.idOf('x')).toBe(-1);
  });

  it('uses 16-bit ids when more than 256 characters occur', () => {
    const text = Array.from({ length: 300 }, (_, i) => String.fromCharCode(0x100 + i)).join('');
    const corpus = corpusFromText(text, 'wide', { split: [0.8, 0.1, 0.1] });
    expect(corpus.ids).toBeInstanceOf(Uint16Array);
    expect(corpus.ids[299]).toBe(299);
  });

  it('splits by rounding the boundaries', () => {
    const [a, b, c] = splitByFraction(new Uint8Array(10), [0.34, 0.33, 0.33]);
    expect([a.length, b.length, c.length]).toEqual([3, 4, 3]);
  });
});
