/**
 * A text run (`dniflow train graphs/char-lm.ts`): run.json names the method and window T like a
 * Copy run, but each epoch line of metrics.jsonl is a TextEpochMetrics ("task": "text"), measured
 * against characters seen: training and validation bits per character, and the state loop's SG.
 */
import { VizInputError } from './errors.ts';
import { epochLines, isNumber, optionalNumber, type RunFiles } from './metrics.ts';
import { type RecurrentRunInfo, recurrentRunInfo } from './recurrent-metrics.ts';

export interface TextEpochRecord {
  epoch: number;
  /** Characters predicted in training so far: the x axis of the text plots. */
  chars: number;
  train_bpc: number;
  valid_bpc: number;
  best_valid_bpc: number;
  /** Absent (null in the file) under BPTT; aux_loss is absent without the aux head. */
  sg_loss?: number;
  sg_cosine?: number;
  aux_loss?: number;
  /** Wall-clock seconds since training started, at the epoch's end. */
  seconds?: number;
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

function parseLine(line: Record<string, unknown>, where: string): TextEpochRecord {
  for (const key of REQUIRED) {
    if (!isNumber(line[key])) bad(`${where}: a text epoch line needs a number "${key}"`);
  }
  // null is how the trainer writes "not measured" (BPTT has no SG); anything else must be a number.
  for (const key of ['sg_loss', 'sg_cosine', 'aux_loss', 'seconds']) {
    const value = line[key];
    if (value !== undefined && value !== null && !isNumber(value))
      bad(`${where}: "${key}" must be a number or null, got ${JSON.stringify(value)}`);
  }
  return {
    epoch: line.epoch as number,
    chars: line.chars as number,
    train_bpc: line.train_bpc as number,
    valid_bpc: line.valid_bpc as number,
    best_valid_bpc: line.best_valid_bpc as number,
    sg_loss: optionalNumber(line.sg_loss),
    sg_cosine: optionalNumber(line.sg_cosine),
    aux_loss: optionalNumber(line.aux_loss),
    seconds: optionalNumber(line.seconds),
  };
}

/** Parses a text run's metrics.jsonl text; `source` names the file in errors. */
export function parseTextMetrics(text: string, source: string): TextEpochRecord[] {
  return epochLines(text, source).map(({ line, where }) => parseLine(line, where));
}

export function textRunRecord(files: RunFiles): TextRunRecord {
  const epochs = parseTextMetrics(files.metricsText, files.metricsPath);
  if (epochs.length === 0) bad(`no run in ${files.dir}: ${files.metricsPath} has no epoch lines yet`);
  return { dir: files.dir, run: recurrentRunInfo(files), epochs };
}
