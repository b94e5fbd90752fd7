import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FromWorker, PartitionInit, ToWorker } from '../workers/protocol.ts';

/** Coordinator → a partition process (ToWorker, plus joining and ending). */
export type ToProcess =
  | ToWorker
  | { type: 'init'; init: PartitionInit }
  | { type: 'refused'; why: string }
  | { type: 'stop' }
  | { type: 'beat' };

/** A partition process → the coordinator (FromWorker, plus joining and heartbeats). */
export type FromProcess =
  | FromWorker
  | { type: 'join'; index: number; code: string; host: string; pid: number }
  | { type: 'beat'; index: number };

let identity: string | undefined;

/**
 * The code a process runs: the package version and a digest of src/. A process started by hand on
 * another host with other code is refused at join: its modules would compute something else.
 */
export function codeIdentity(): string {
  if (identity !== undefined) return identity;
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  const hash = createHash('sha256');
  const files = (readdirSync(join(root, 'src'), { recursive: true }) as string[])
    .filter((file) => file.endsWith('.ts') || file.endsWith('.mjs'))
    .sort();
  for (const file of files) hash.update(file).update(readFileSync(join(root, 'src', file)));
  identity = `${pkg.version}+${hash.digest('hex').slice(0, 12)}`;
  return identity;
}
