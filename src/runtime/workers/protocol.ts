import type { MessagePort } from 'node:worker_threads';
import type { SerializedGraph } from 'graphology-types';
import type { EdgeSpec, NetworkAttributes, NodeSpec } from '../../graph/network.ts';
import type { OptimizerSpec } from '../../nn/optim/create.ts';
import type { InterfaceStepMetric, TrafficSummary } from '../edge-traffic.ts';
import type { LossRecord } from '../partition.ts';
import type { Envelope } from './envelope.ts';

/** A tensor as plain data (its buffer transferable). */
export interface PlainTensor {
  shape: number[];
  data: Float32Array;
}

/** What a partition is started with (a worker's `workerData`, a NATS process's join answer). */
export interface PartitionInit {
  index: number;
  network: SerializedGraph<NodeSpec, EdgeSpec, NetworkAttributes>;
  /** The run's initialisation stream (seed and name): the worker's models are built from it, then overwritten by `state`. */
  prng: { seed: number; name: string };
  optimizer: OptimizerSpec;
  /** Module and loss names this worker runs. */
  nodes: string[];
  nodeWorker: [string, number][];
  /** By route (see Placement.edgeWorker). */
  edgeWorker: [string, number][];
  /** Complete-unlock edges split across workers. */
  split: string[];
  /** Its modules' and edges' state, split from the coordinator's copy of the network. */
  state: Record<string, PlainTensor>;
  /** Extra milliseconds per message, by module (WorkerOptions.delays). */
  delays: Record<string, number>;
}

/** What a worker thread is started with (`workerData`). */
export interface WorkerInit extends PartitionInit {
  /** A port to every other worker, by index (null at its own). */
  peers: (MessagePort | null)[];
}

/** Coordinator → worker. */
export type ToWorker =
  | { type: 'work'; envelope: Envelope }
  | { type: 'scale'; factor: number }
  /** Start reporting every message on the hosted edges (a dashboard is watching). */
  | { type: 'tap'; id: number }
  | { type: 'sync'; id: number }
  | { type: 'state'; id: number }
  /** Fault injection for tests: throw an uncaught error, or end the thread, as a crash would. */
  | { type: 'fault'; mode: 'throw' | 'exit' };

/** Worker → coordinator. */
export type FromWorker =
  | { type: 'ready'; index: number }
  | {
      type: 'results';
      losses: LossRecord[];
      metrics: InterfaceStepMetric[];
      /** One entry per module forward or loss handled: its step (the coordinator's credits). */
      done: number[];
      /** One entry per gradient sent to another thread, by step (credits: the step waits for it). */
      gradientsSent: number[];
      /** One entry per gradient taken from another thread, by step. */
      gradientsTaken: number[];
      traffic: TrafficSummary[];
    }
  | {
      type: 'synced';
      id: number;
      sent: number;
      received: number;
      waiting: string[];
      /**
       * Over every message from another thread so far: the most steps its step trailed the newest
       * step that had already reached this partition. The credits bound it by maxInFlight − 1.
       */
      lateness: number;
    }
  | { type: 'state'; id: number; state: Record<string, PlainTensor> }
  | { type: 'nonFinite'; module: string; step: number }
  | { type: 'failed'; index: number; message: string; node: string | undefined; step: number | undefined };
