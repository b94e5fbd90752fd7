import { performance } from 'node:perf_hooks';
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { countsOver, DigitStream } from '../../data/digit-stream.ts';
import { loadMnist } from '../../data/mnist.ts';
import { networkFromJSON } from '../../graph/serialize.ts';
import { setBackendThreads } from '../../tensor/backend-registry.ts';
import { Prng } from '../../tensor/prng.ts';
import { Tensor } from '../../tensor/tensor.ts';
import { buildSystem } from './build-system.ts';
import { transferables } from './messages.ts';
import { takeCounts } from './schedule.ts';
import { DIGIT_COUNTS } from './system-spec.ts';
import type { FromSystemWorker, PeerMessage, SystemWorkerInit, ToSystemWorker } from './worker-protocol.ts';

/**
 * One network of a two-clock system in its own thread (the workers schedule): A drives itself
 * through its windows and never waits for B unless the join locks it (backprop); B reacts to what
 * A sends. Both build the whole system from the same seed, so each starts exactly as on lockstep,
 * and use only their half. One OpenBLAS thread each: the two networks share this machine's cores.
 */
const init = workerData as SystemWorkerInit;
const port = parentPort!;
const peer = init.peer;
setBackendThreads(1);
const system = buildSystem(networkFromJSON(init.network), new Prng(init.seed).stream('init'), init.options);
const flag = new Int32Array(init.signal);
const post = (message: FromSystemWorker) => port.postMessage(message);
const toPeer = (message: PeerMessage, transfer: ArrayBuffer[] = []) => peer.postMessage(message, transfer);
const T = system.spec.a.core.window;
let busy = 0;
let locked = 0;

if (init.role === 'A') {
  port.on('message', (command: ToSystemWorker) =>
    command.type === 'run' ? runA(command.blocks) : evaluateA(command),
  );
} else {
  peer.on('message', handleB);
}
post({ type: 'ready', role: init.role });

/** Hands A what B has sent so far, without waiting. */
function drainA(): void {
  for (let got = receiveMessageOnPort(peer); got !== undefined; got = receiveMessageOnPort(peer)) {
    const started = performance.now();
    system.a.handle((got.message as Extract<PeerMessage, { type: 'system' }>).message);
    busy += performance.now() - started;
  }
}

/** Blocks until B's gradient releases A: the time is A's locked time (paper §3.3). */
function waitWhileLocked(): void {
  const started = performance.now();
  while (system.a.locked) {
    const seen = Atomics.load(flag, 0);
    const got = receiveMessageOnPort(peer);
    if (got === undefined) {
      Atomics.wait(flag, 0, seen, 50);
      continue;
    }
    const handling = performance.now();
    system.a.handle((got.message as Extract<PeerMessage, { type: 'system' }>).message);
    busy += performance.now() - handling;
  }
  locked += performance.now() - started;
}

function runA(blocks: number): void {
  const units = blocks * (system.a.join === 'backprop' ? 1 : T);
  for (let unit = 0; unit < units; unit++) {
    drainA();
    waitWhileLocked();
    const started = performance.now();
    const sent = system.a.advance();
    busy += performance.now() - started;
    for (const message of sent) toPeer({ type: 'system', message }, transferables(message));
  }
  waitWhileLocked();
  toPeer({ type: 'flush' });
  const { a } = takeCounts(system, null);
  post({ type: 'counts', role: 'A', counts: a, locked: locked / 1000, busy: busy / 1000 });
}

function evaluateA(command: { lanes: number; blocks: number }): void {
  const { lanes, blocks } = command;
  const stream = new DigitStream(
    loadMnist({ standardize: true }).test,
    lanes,
    new Prng(init.seed).stream('evaluation'),
  );
  const units = system.spec.a.core.units;
  const state = { h: Tensor.zeros([lanes, units]), c: Tensor.zeros([lanes, units]) };
  let correct = 0;
  for (let block = -1; block < blocks; block++) {
    const digits = stream.next(T * T);
    const result = system.a.evaluateBlock(digits, state);
    const labels = countsOver(digits, T * T, DIGIT_COUNTS[system.spec.b.loss.target]);
    const { shape, data } = result.messages;
    toPeer({ type: 'evaluate', shape: [...shape], data, labels, counts: block >= 0, first: block < 0 }, [
      data.buffer as ArrayBuffer,
      labels.buffer as ArrayBuffer,
    ]);
    if (block >= 0) correct += result.correct;
  }
  toPeer({ type: 'evaluated' });
  post({ type: 'accuracy', role: 'A', correct, predictions: blocks * T * lanes });
}

let evaluation = { correct: 0, predictions: 0, state: null as { h: Tensor; c: Tensor } | null };

function handleB(message: PeerMessage): void {
  const { b } = system;
  switch (message.type) {
    case 'system': {
      const started = performance.now();
      const replies = b.handle(message.message);
      busy += performance.now() - started;
      for (const reply of replies) toPeer({ type: 'system', message: reply }, transferables(reply));
      if (replies.length > 0) {
        Atomics.add(flag, 0, 1);
        Atomics.notify(flag, 0);
      }
      return;
    }
    case 'flush': {
      const { b: counts } = takeCounts(system, null);
      post({ type: 'counts', role: 'B', counts, busy: busy / 1000 });
      return;
    }
    case 'evaluate': {
      const lanes = message.shape[1];
      const units = system.spec.b.core.units;
      if (message.first)
        evaluation = {
          correct: 0,
          predictions: 0,
          state: { h: Tensor.zeros([lanes, units]), c: Tensor.zeros([lanes, units]) },
        };
      const right = b.evaluateWindow(
        new Tensor(message.data, message.shape),
        message.labels,
        evaluation.state!,
      );
      if (message.counts) {
        evaluation.correct += right;
        evaluation.predictions += lanes;
      }
      return;
    }
    case 'evaluated':
      post({ type: 'accuracy', role: 'B', correct: evaluation.correct, predictions: evaluation.predictions });
  }
}
