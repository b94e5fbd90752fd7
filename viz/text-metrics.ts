/**
 * A text run (`dniflow train graphs/char-lm.ts`): run.json names the method and window T like a
 * Copy run, but each epoch line of metrics.jsonl is a TextEpochMetrics ("task": "text"), measured
 * against characters seen: training and validation bits per character, and the state loop's SG.
 */
import { VizInputError } from './errors.ts';
import { epochLines, type RunFiles } from './metrics.ts';
import {
  parseEpochLine,
  type RecurrentRunInfo,
  recurrentRunInfo,
  type SyntheticFields,
} from './recurrent-metrics.ts';

export interface TextEpochRecord extends SyntheticFields {
  epoch: number;
  /** Characters predicted in training so far: the x axis of the text plots. */
  chars: number;
  train_bpc: number;
  valid_bpc: number;
  best_valid_bpc: number;
}

export interface TextRunRecord {
  dir: string;
  run: RecurrentRunInfo;
  epochs: TextEpochRecord[];
}

const REQUIRED = ['epoch', 'chars', 'train_bpc', 'valid_bpc', 'best_valid_bpc'] as const;

function bad(why: string): never {
  throw new VizInputError(`dniflow/viz: ${why}`);
}

/** Parses a text run's metrics.jsonl text; `source` names the file in errors. */
export function parseTextMetrics(text: string, source: string): TextEpochRecord[] {
  return epochLines(text, source).map(({ line, where }) => parseEpochLine(line, where, 'a text', REQUIRED));
}

export function textRunRecord(files: RunFiles): TextRunRecord {
  const epochs = parseTextMetrics(files.metricsText, files.metricsPath);
  if (epochs.length === 0) bad(`no run in ${files.dir}: ${files.metricsPath} has no epoch lines yet`);
  return { dir: files.dir, run: recurrentRunInfo(files), epochs };
}
