import { performance } from 'node:perf_hooks';
import { countsOver, DigitStream } from '../../data/digit-stream.ts';
import { loadMnist } from '../../data/mnist.ts';
import { networkFromJSON } from '../../graph/serialize.ts';
import { setBackendThreads } from '../../tensor/backend-registry.ts';
import { Prng } from '../../tensor/prng.ts';
import { Tensor } from '../../tensor/tensor.ts';
import { buildSystem, type SystemOptions } from './build-system.ts';
import { transferables } from './messages.ts';
import { takeCounts } from './schedule.ts';
import { DIGIT_COUNTS } from './system-spec.ts';
import type { FromSystemWorker, PeerMessage, ToSystemWorker } from './worker-protocol.ts';

/** Blocks A may run ahead of B's finished windows. */
const CREDITS = 2;

/** How a network's host talks: to the other network, to the coordinator, and how A waits for B. */
export interface HostTransport {
  toPeer(message: PeerMessage, transfer?: ArrayBuffer[]): void;
  post(message: FromSystemWorker): void;
  /** A: the next message from B that has arrived, if any, without waiting. */
  poll(): PeerMessage | undefined;
  /** A: returns once a message from B may have arrived (or after a short while). */
  wait(): Promise<void>;
  /** A: lets messages from B in between two windows (a no-op where poll reads them directly). */
  breathe(): Promise<void>;
}

/**
 * One network of a two-clock system hosted apart from the other, in a thread or a process (the
 * workers and nats schedules): A drives itself through its windows and waits for B only when the
 * join locks it (backprop); B reacts to what A sends. Both build the whole system from the same
 * seed, so each starts exactly as on lockstep, and use only their half. One OpenBLAS thread each:
 * the networks are the parallelism. Returns the handlers of the coordinator's commands (A) and of
 * A's messages (B).
 */
export function hostNetwork(
  init: { role: 'A' | 'B'; network: unknown; seed: number; options: SystemOptions },
  transport: HostTransport,
): { command: (command: ToSystemWorker) => Promise<void>; peer: (message: PeerMessage) => void } {
  setBackendThreads(1);
  const system = buildSystem(networkFromJSON(init.network), new Prng(init.seed).stream('init'), init.options);
  const T = system.spec.a.core.window;
  let busy = 0;
  let locked = 0;
  /** Blocks A has sent, and B's windows done: A stays at most CREDITS blocks ahead of B. */
  let sentBlocks = 0;
  let doneBlocks = 0;

  const handleA = (message: PeerMessage) => {
    if (message.type === 'done') {
      doneBlocks++;
      return;
    }
    const started = performance.now();
    system.a.handle((message as Extract<PeerMessage, { type: 'system' }>).message);
    busy += performance.now() - started;
  };

  /** A handles B's messages as they arrive while `blocked` holds. */
  const handleWhile = async (blocked: () => boolean) => {
    while (blocked()) {
      const message = transport.poll();
      if (message === undefined) await transport.wait();
      else handleA(message);
    }
  };

  /** Waits until B's gradient releases A: A's locked time (paper §3.3). */
  const waitWhileLocked = async () => {
    // Only a real lock counts: timing an empty wait would add the scheduler's noise to dni's zero.
    if (!system.a.locked) return;
    const started = performance.now();
    await handleWhile(() => system.a.locked);
    locked += performance.now() - started;
  };

  /**
   * Back-pressure (DESIGN.md, "workers", "nats"): memory in flight stays bounded, and B's gradients
   * arrive while A's synthetic-gradient model still holds the predictions they are targets for.
   * Not locking: A waits here only when B falls behind, never for a gradient.
   */
  const waitForCredit = (limit: number) => handleWhile(() => sentBlocks - doneBlocks > limit);

  const runA = async (blocks: number) => {
    const units = blocks * (system.a.join === 'backprop' ? 1 : T);
    for (let unit = 0; unit < units; unit++) {
      await transport.breathe();
      for (let message = transport.poll(); message !== undefined; message = transport.poll())
        handleA(message);
      await waitWhileLocked();
      await waitForCredit(CREDITS);
      const started = performance.now();
      const sent = system.a.advance();
      busy += performance.now() - started;
      if (sent[0]?.direction === 'target') sentBlocks++;
      for (const message of sent) transport.toPeer({ type: 'system', message }, transferables(message));
    }
    await waitWhileLocked();
    // The epoch ends with B caught up: its counts and the next evaluation see every window.
    await waitForCredit(0);
    transport.toPeer({ type: 'flush' });
    const { a } = takeCounts(system, null);
    transport.post({ type: 'counts', role: 'A', counts: a, locked: locked / 1000, busy: busy / 1000 });
  };

  const evaluateA = (lanes: number, blocks: number) => {
    const test = loadMnist({ standardize: true }).test;
    const stream = new DigitStream(test, lanes, new Prng(init.seed).stream('evaluation'));
    const units = system.spec.a.core.units;
    const state = { h: Tensor.zeros([lanes, units]), c: Tensor.zeros([lanes, units]) };
    let correct = 0;
    for (let block = -1; block < blocks; block++) {
      const digits = stream.next(T * T);
      const result = system.a.evaluateBlock(digits, state);
      const labels = countsOver(digits, T * T, DIGIT_COUNTS[system.spec.b.loss.target]);
      const { shape, data } = result.messages;
      const message: PeerMessage = {
        type: 'evaluate',
        shape: [...shape],
        data,
        labels,
        counts: block >= 0,
        first: block < 0,
      };
      transport.toPeer(message, [data.buffer as ArrayBuffer, labels.buffer as ArrayBuffer]);
      if (block >= 0) correct += result.correct;
    }
    transport.toPeer({ type: 'evaluated' });
    transport.post({ type: 'accuracy', role: 'A', correct, predictions: blocks * T * lanes });
  };

  let evaluation = { correct: 0, predictions: 0, state: null as { h: Tensor; c: Tensor } | null };
  const handleB = (message: PeerMessage) => {
    const { b } = system;
    switch (message.type) {
      case 'system': {
        const started = performance.now();
        const updates = b.updates;
        const replies = b.handle(message.message);
        busy += performance.now() - started;
        for (const reply of replies)
          transport.toPeer({ type: 'system', message: reply }, transferables(reply));
        if (b.updates > updates) transport.toPeer({ type: 'done' });
        return;
      }
      case 'flush': {
        const { b: counts } = takeCounts(system, null);
        transport.post({ type: 'counts', role: 'B', counts, busy: busy / 1000 });
        return;
      }
      case 'evaluate': {
        const lanes = message.shape[1];
        const units = system.spec.b.core.units;
        if (message.first) {
          const state = { h: Tensor.zeros([lanes, units]), c: Tensor.zeros([lanes, units]) };
          evaluation = { correct: 0, predictions: 0, state };
        }
        const messages = new Tensor(message.data, message.shape);
        const right = b.evaluateWindow(messages, message.labels, evaluation.state!);
        if (message.counts) {
          evaluation.correct += right;
          evaluation.predictions += lanes;
        }
        return;
      }
      case 'evaluated':
        transport.post({
          type: 'accuracy',
          role: 'B',
          correct: evaluation.correct,
          predictions: evaluation.predictions,
        });
    }
  };

  return {
    command: async (command) => {
      if (command.type === 'run') await runA(command.blocks);
      else evaluateA(command.lanes, command.blocks);
    },
    peer: handleB,
  };
}
