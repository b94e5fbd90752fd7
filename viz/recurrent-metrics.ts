/**
 * A recurrent run (`dniflow train` on graphs/copy.ts or graphs/repeat-copy.ts): run.json names the
 * method and window T, and each epoch line of metrics.jsonl is a RecurrentEpochMetrics (the
 * curriculum's N, R and task length, the largest length solved, bits per tick, the state loop's SG
 * loss and cosine, the aux head's loss) measured against ticks seen rather than epochs.
 */
import { VizInputError } from './errors.ts';
import { epochLines, isNumber, optionalNumber, type RunFiles, type RunInfo } from './metrics.ts';

export interface RecurrentEpochRecord extends SyntheticFields {
  epoch: number;
  /** Ticks per lane seen so far: the x axis of every recurrent plot. */
  ticks: number;
  n: number;
  r: number;
  task_length: number;
  solved_length: number;
  bits_per_tick: number;
}

export interface RecurrentRunInfo extends RunInfo {
  method?: string;
  window?: number;
  ticks_per_epoch?: number;
}

export interface RecurrentRunRecord {
  dir: string;
  run: RecurrentRunInfo;
  epochs: RecurrentEpochRecord[];
}

const REQUIRED = ['epoch', 'ticks', 'n', 'r', 'task_length', 'solved_length', 'bits_per_tick'] as const;
/** Fields only a recurrent epoch line has; any of them marks the run as recurrent. */
const MARKERS = ['ticks', 'solved_length', 'task_length', 'bits_per_tick'];

function bad(why: string): never {
  throw new VizInputError(`dniflow/viz: ${why}`);
}

/** A recurrent run says so in run.json (its window T, ticks per epoch) or in its epoch lines. */
export function isRecurrentRun(files: RunFiles): boolean {
  const { run } = files;
  if (run.window !== undefined || run.ticks_per_epoch !== undefined) return true;
  const first = epochLines(files.metricsText, files.metricsPath)[0]?.line;
  return first !== undefined && MARKERS.some((key) => key in first);
}

/**
 * The state loop's measurements on a recurrent epoch line: absent (null in the file) under BPTT, and
 * aux_loss without the aux head; seconds since training started.
 */
export interface SyntheticFields {
  sg_loss?: number;
  sg_cosine?: number;
  aux_loss?: number;
  seconds?: number;
}

/**
 * Checks one epoch line of a recurrent run (Copy or text): the `required` fields are numbers, the
 * synthetic-gradient fields numbers or null (how the trainer writes "not measured": BPTT has no SG).
 * `kind` names the line in errors ("a recurrent", "a text").
 */
export function parseEpochLine<K extends string>(
  line: Record<string, unknown>,
  where: string,
  kind: string,
  required: readonly K[],
): Record<K, number> & SyntheticFields {
  const record: Record<string, number | undefined> = {};
  for (const key of required) {
    if (!isNumber(line[key])) bad(`${where}: ${kind} epoch line needs a number "${key}"`);
    record[key] = line[key] as number;
  }
  for (const key of ['sg_loss', 'sg_cosine', 'aux_loss', 'seconds']) {
    const value = line[key];
    if (value !== undefined && value !== null && !isNumber(value))
      bad(`${where}: "${key}" must be a number or null, got ${JSON.stringify(value)}`);
    record[key] = optionalNumber(value);
  }
  return record as Record<K, number> & SyntheticFields;
}

/** Parses a recurrent run's metrics.jsonl text; `source` names the file in errors. */
export function parseRecurrentMetrics(text: string, source: string): RecurrentEpochRecord[] {
  return epochLines(text, source).map(({ line, where }) =>
    parseEpochLine(line, where, 'a recurrent', REQUIRED),
  );
}

/**
 * What run.json says about a recurrent run (Copy, Repeat Copy or a text model): its method and
 * window T, checked, and its ticks per epoch.
 */
export function recurrentRunInfo(files: RunFiles): RecurrentRunInfo {
  const { run } = files;
  // Older run.json files lack "method" and "window"; the graph's parameters say the same.
  const window = run.window ?? run.params.T;
  const method = run.method ?? run.params.method;
  if (window !== undefined && !(Number.isInteger(window) && (window as number) >= 1))
    bad(`${files.dir}/run.json: "window" must be an integer >= 1, got ${JSON.stringify(window)}`);
  return {
    ...run,
    method: typeof method === 'string' ? method : undefined,
    window: window as number | undefined,
    ticks_per_epoch: isNumber(run.ticks_per_epoch) ? run.ticks_per_epoch : undefined,
  };
}

export function recurrentRunRecord(files: RunFiles): RecurrentRunRecord {
  const epochs = parseRecurrentMetrics(files.metricsText, files.metricsPath);
  if (epochs.length === 0) bad(`no run in ${files.dir}: ${files.metricsPath} has no epoch lines yet`);
  return { dir: files.dir, run: recurrentRunInfo(files), epochs };
}
