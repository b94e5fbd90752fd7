/**
 * Reading a training run written by `dniflow train --out DIR`: DIR/run.json (what ran) and
 * DIR/metrics.jsonl (one JSON object per line; the `epoch` lines are plotted, others are skipped).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { VizInputError } from './errors.ts';

export interface RunInfo {
  graph: string;
  params: Record<string, unknown>;
  network?: unknown;
  epochs?: number;
  batch?: number;
  lr?: number;
  seed?: number;
}

export interface InterfaceMetrics {
  edge: string;
  kind: string;
  sg_loss?: number;
  cosine?: number;
}

export interface EpochRecord {
  epoch: number;
  train_loss: number;
  test_error: number;
  seconds?: number;
  test_error_synthetic?: number;
  modules: { name: string; updates: number }[];
  interfaces: InterfaceMetrics[];
}

export interface RunRecord {
  dir: string;
  run: RunInfo;
  epochs: EpochRecord[];
}

function bad(why: string): never {
  throw new VizInputError(`dniflow/viz: ${why}`);
}

export const isNumber = (value: unknown): value is number =>
  typeof value === 'number' && Number.isFinite(value);
export const optionalNumber = (value: unknown): number | undefined => (isNumber(value) ? value : undefined);

function parseEpoch(line: Record<string, unknown>, where: string): EpochRecord {
  for (const key of ['epoch', 'train_loss', 'test_error']) {
    if (!isNumber(line[key])) bad(`${where}: epoch line needs a number "${key}"`);
  }
  const modules = Array.isArray(line.modules) ? line.modules : [];
  const interfaces = Array.isArray(line.interfaces) ? line.interfaces : [];
  return {
    epoch: line.epoch as number,
    train_loss: line.train_loss as number,
    test_error: line.test_error as number,
    seconds: optionalNumber(line.seconds),
    test_error_synthetic: optionalNumber(line.test_error_synthetic),
    modules: modules
      .filter(
        (m): m is { name: string; updates: number } => typeof m?.name === 'string' && isNumber(m.updates),
      )
      .map(({ name, updates }) => ({ name, updates })),
    interfaces: interfaces
      .filter((i): i is InterfaceMetrics => typeof i?.edge === 'string')
      .map((i) => ({
        edge: i.edge,
        kind: typeof i.kind === 'string' ? i.kind : 'dni',
        sg_loss: optionalNumber(i.sg_loss),
        cosine: optionalNumber(i.cosine),
      })),
  };
}

/** The epoch lines of metrics.jsonl text, each with where it is; `source` names the file in errors. */
export function epochLines(text: string, source: string): { line: Record<string, unknown>; where: string }[] {
  const lines: { line: Record<string, unknown>; where: string }[] = [];
  text.split('\n').forEach((raw, index) => {
    const trimmed = raw.trim();
    if (trimmed === '') return;
    const where = `${source} line ${index + 1}`;
    let line: unknown;
    try {
      line = JSON.parse(trimmed);
    } catch {
      bad(`${where} is not JSON`);
    }
    if (typeof line !== 'object' || line === null || Array.isArray(line))
      bad(`${where} is not a JSON object`);
    const record = line as Record<string, unknown>;
    if (record.type === 'epoch' || (record.type === undefined && 'epoch' in record)) {
      lines.push({ line: record, where });
    }
  });
  return lines;
}

/** Parses metrics.jsonl text; `source` names the file in errors. */
export function parseMetrics(text: string, source: string): EpochRecord[] {
  return epochLines(text, source).map(({ line, where }) => parseEpoch(line, where));
}

/** A run folder's two files, read but not yet interpreted (feed-forward and recurrent runs share them). */
export interface RunFiles {
  dir: string;
  run: RunInfo & Record<string, unknown>;
  metricsText: string;
  metricsPath: string;
}

/** Reads DIR/run.json and DIR/metrics.jsonl; a folder without a run is an error that says so. */
export function readRunFiles(dir: string): RunFiles {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) bad(`no run directory at ${dir}`);
  const runPath = join(dir, 'run.json');
  const metricsPath = join(dir, 'metrics.jsonl');
  if (!existsSync(runPath) || !existsSync(metricsPath)) {
    bad(`no run in ${dir}: expected run.json and metrics.jsonl (written by dniflow train --out ${dir})`);
  }
  let run: RunFiles['run'];
  try {
    run = JSON.parse(readFileSync(runPath, 'utf8'));
  } catch {
    bad(`${runPath} is not JSON`);
  }
  if (typeof run !== 'object' || run === null || Array.isArray(run) || typeof run.graph !== 'string') {
    bad(`${runPath} has no "graph" name`);
  }
  return {
    dir,
    run: { ...run, params: run.params ?? {} },
    metricsText: readFileSync(metricsPath, 'utf8'),
    metricsPath,
  };
}

/** A feed-forward run from its files; no epoch lines yet is an error that says so. */
export function runRecord(files: RunFiles): RunRecord {
  const epochs = parseMetrics(files.metricsText, files.metricsPath);
  if (epochs.length === 0) bad(`no run in ${files.dir}: ${files.metricsPath} has no epoch lines yet`);
  return { dir: files.dir, run: files.run, epochs };
}

/** Reads a feed-forward run folder (see readRunFiles). */
export function readRun(dir: string): RunRecord {
  return runRecord(readRunFiles(dir));
}
