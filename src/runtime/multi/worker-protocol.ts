import type { MessagePort } from 'node:worker_threads';
import type { SystemOptions } from './build-system.ts';
import type { SystemMessage } from './messages.ts';
import type { EpochCounts, NetworkCounts } from './schedule.ts';

/** What a network's worker is started with. */
export interface SystemWorkerInit {
  role: 'A' | 'B';
  /** The network as graphology JSON, and the seed its parameters come from (as on lockstep). */
  network: unknown;
  seed: number;
  options: SystemOptions;
  /** A's and B's end of the channel between them. */
  peer: MessagePort;
  /** A waits on it for B's replies; B bumps and notifies it after each. */
  signal: SharedArrayBuffer;
}

export type ToSystemWorker =
  | { type: 'run'; blocks: number }
  | { type: 'evaluate'; lanes: number; blocks: number };

export type FromSystemWorker =
  | { type: 'ready'; role: 'A' | 'B' }
  /** A process's heartbeat (nats schedule), twice a second. */
  | { type: 'beat'; role: 'A' | 'B' }
  | { type: 'counts'; role: 'A'; counts: EpochCounts['a']; locked: number; busy: number }
  | { type: 'counts'; role: 'B'; counts: NetworkCounts; busy: number }
  | { type: 'accuracy'; role: 'A' | 'B'; correct: number; predictions: number };

/** Between A's and B's workers, over their own channel (FIFO: a flush follows everything before it). */
export type PeerMessage =
  | { type: 'system'; message: SystemMessage }
  /** A's epoch is over: B reports its counts once it has handled everything A sent before. */
  | { type: 'flush' }
  /** B finished a window: a credit back to A, which may run only so far ahead of B. */
  | { type: 'done' }
  /** Held-out evaluation: A's messages for one block, B's labels, and whether it counts (warm-up not). */
  | {
      type: 'evaluate';
      shape: number[];
      data: Float32Array;
      labels: Int32Array;
      counts: boolean;
      first: boolean;
    }
  | { type: 'evaluated' };

/** What a network's OS process reads at start (nats schedule): as a thread's, plus the run id. */
export interface SystemProcessInit {
  role: 'A' | 'B';
  network: unknown;
  seed: number;
  options: import('./build-system.ts').SystemOptions;
  run: string;
}
