/**
 * A multi-network run (`dniflow train graphs/odd-threes.ts`): run.json names the join, T and the
 * scheduler; each epoch line of metrics.jsonl is a SystemEpochMetrics ("task": "multi"), measured
 * against ticks of the fast clock: both networks' held-out count accuracy and updates, the
 * synthetic gradient's cosine to B's true gradient, and A's locked time where a clock measured it.
 */
import { VizInputError } from './errors.ts';
import { epochLines, isNumber, optionalNumber, type RunFiles, type RunInfo } from './metrics.ts';

export interface MultiEpochRecord {
  epoch: number;
  ticks: number;
  a_accuracy: number;
  b_accuracy: number;
  a_updates: number;
  b_updates: number;
  sg_cosine?: number;
  a_locked_seconds?: number;
}

export interface MultiRunRecord {
  dir: string;
  run: RunInfo & { join?: string; T?: number; scheduler?: string; time?: string };
  epochs: MultiEpochRecord[];
}

const REQUIRED = ['epoch', 'ticks', 'a_accuracy', 'b_accuracy', 'a_updates', 'b_updates'] as const;

function bad(why: string): never {
  throw new VizInputError(`dniflow/viz: ${why}`);
}

/** Parses a multi-network run's metrics.jsonl text; `source` names the file in errors. */
export function parseMultiMetrics(text: string, source: string): MultiEpochRecord[] {
  return epochLines(text, source).map(({ line, where }) => {
    const record: Record<string, number | undefined> = {};
    for (const key of REQUIRED) {
      if (!isNumber(line[key])) bad(`${where}: a multi-network epoch line needs a number "${key}"`);
      record[key] = line[key] as number;
    }
    for (const key of ['sg_cosine', 'a_locked_seconds']) {
      const value = line[key];
      if (value !== undefined && value !== null && !isNumber(value))
        bad(`${where}: "${key}" must be a number or null, got ${JSON.stringify(value)}`);
      record[key] = optionalNumber(value);
    }
    return record as unknown as MultiEpochRecord;
  });
}

export function multiRunRecord(files: RunFiles): MultiRunRecord {
  const epochs = parseMultiMetrics(files.metricsText, files.metricsPath);
  if (epochs.length === 0) bad(`no run in ${files.dir}: ${files.metricsPath} has no epoch lines yet`);
  const { run } = files;
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  return {
    dir: files.dir,
    run: {
      ...run,
      join: text(run.join),
      T: isNumber(run.T) ? run.T : undefined,
      scheduler: text(run.scheduler),
    },
    epochs,
  };
}
