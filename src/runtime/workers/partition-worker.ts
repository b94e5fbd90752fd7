import { parentPort, workerData } from 'node:worker_threads';
import { networkFromJSON } from '../../graph/serialize.ts';
import { validateNetwork } from '../../graph/validate.ts';
import { setBackendThreads } from '../../tensor/backend-registry.ts';
import { Prng } from '../../tensor/prng.ts';
import { Tensor } from '../../tensor/tensor.ts';
import type { TrafficSummary } from '../edge-traffic.ts';
import { buildEdges } from '../graph-edges.ts';
import { buildProcesses } from '../graph-processes.ts';
import { captureGraphState, restoreGraphState } from '../graph-state.ts';
import { NonFiniteOutput } from '../module-compute.ts';
import { Partition, type Work } from '../partition.ts';
import { fromEnvelope, toEnvelope } from './envelope.ts';
import { workerOf } from './placement.ts';
import type { FromWorker, PlainTensor, ToWorker, WorkerInit } from './protocol.ts';

/**
 * One worker of the workers scheduler: a Partition of the network (its modules, their losses, the
 * interface operators it hosts) fed by envelopes from the coordinator and from the other workers.
 * Each message is handled to quiet at once: local work runs here in FIFO order, work owned by
 * another worker leaves as an envelope on that worker's port.
 */
const init = workerData as WorkerInit;
const port = parentPort!;
// One BLAS thread per worker: the workers are the parallelism (DESIGN.md, "Performance").
setBackendThreads(1);

const network = networkFromJSON(init.network);
const plan = validateNetwork(network);
const source = plan.order[0];
const sourceSpec = network.getNodeAttributes(source);
const classes = sourceSpec.kind === 'source' ? sourceSpec.classes : undefined;
const placement = {
  nodeWorker: new Map(init.nodeWorker),
  edgeWorker: new Map(init.edgeWorker),
  split: new Set(init.split),
};
const prng = new Prng(init.prng.seed, init.prng.name);
const ownNodes = new Set(init.nodes);
const edges = buildEdges(
  network,
  plan,
  prng,
  source,
  classes,
  (route) => placement.edgeWorker.get(route) === init.index,
  placement.split,
);
const { modules, losses } = buildProcesses(network, plan, prng, init.optimizer, {
  copyMessages: true,
  hosted: (node) => ownNodes.has(node),
});
restoreGraphState(modules, edges, fromPlain(init.state));
const partition = new Partition(source, modules, losses, edges, placement.split);
let sent = 0;
let received = 0;
let lastStep: number | undefined;
let lastNode: string | undefined;
let traffic: TrafficSummary[] = [];

function post(message: FromWorker, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer);
}

function run(first: Work): void {
  const queue = [first];
  // Steps of the module forwards, losses and split edges' real activations handled here: the
  // coordinator's credits (StepWindow).
  const done: number[] = [];
  for (let next = 0; next < queue.length; next++) {
    const work = queue[next];
    lastStep = work.to === 'edge' ? work.event.message.step : work.message.step;
    lastNode = work.to === 'node' ? work.node : undefined;
    const takesActivation =
      work.to === 'node'
        ? work.direction === 'forward'
        : work.half === 'receiver' && work.event.type === 'forward';
    if (takesActivation) done.push(lastStep);
    const results = partition.handle(work);
    if (work.to === 'node') delay(init.delays[work.node]);
    for (const produced of results) {
      if (partition.owns(produced)) {
        queue.push(produced);
        continue;
      }
      const { envelope, transfer } = toEnvelope(produced);
      init.peers[workerOf(produced, placement)]!.postMessage(
        { type: 'work', envelope } satisfies ToWorker,
        transfer,
      );
      sent++;
    }
  }
  const { losses: computed, metrics } = partition.takeResults();
  if (computed.length > 0 || metrics.length > 0 || done.length > 0 || traffic.length > 0) {
    post({ type: 'results', losses: computed, metrics, done, traffic });
    traffic = [];
  }
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));
/** Blocks this thread, as a slower module would. */
function delay(milliseconds: number | undefined): void {
  if (milliseconds !== undefined && milliseconds > 0) Atomics.wait(sleeper, 0, 0, milliseconds);
}

function onMessage(message: ToWorker): void {
  try {
    switch (message.type) {
      case 'work':
        received++;
        run(fromEnvelope(message.envelope));
        return;
      case 'scale':
        for (const process of modules.values()) process.compute.scaleLearningRate(message.factor);
        return;
      case 'tap':
        partition.onTraffic = ({ tensor: _tensor, update: _update, ...summary }) => traffic.push(summary);
        post({ type: 'synced', id: message.id, sent, received, waiting: partition.waiting() });
        return;
      case 'sync':
        post({ type: 'synced', id: message.id, sent, received, waiting: partition.waiting() });
        return;
      case 'state': {
        const state = toPlain(captureGraphState(modules, edges));
        post(
          { type: 'state', id: message.id, state },
          Object.values(state).map((t) => t.data.buffer as ArrayBuffer),
        );
        return;
      }
      case 'fault':
        if (message.mode === 'exit') process.exit(1);
        setImmediate(() => {
          throw new Error('dniflow/runtime: injected fault');
        });
        return;
    }
  } catch (error) {
    if (error instanceof NonFiniteOutput) {
      post({ type: 'nonFinite', module: error.module, step: lastStep ?? -1 });
      return;
    }
    post({
      type: 'failed',
      message: (error as Error).message ?? String(error),
      node: lastNode,
      step: lastStep,
    });
  }
}

function fromPlain(state: Record<string, PlainTensor>): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const [name, { shape, data }] of Object.entries(state)) out[name] = new Tensor(data, shape);
  return out;
}

function toPlain(state: Record<string, Tensor>): Record<string, PlainTensor> {
  const out: Record<string, PlainTensor> = {};
  for (const [name, tensor] of Object.entries(state))
    out[name] = { shape: [...tensor.shape], data: tensor.data };
  return out;
}

port.on('message', onMessage);
for (const peer of init.peers) peer?.on('message', onMessage);
post({ type: 'ready', index: init.index });
