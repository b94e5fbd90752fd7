import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import { PartitionHost } from './partition-host.ts';
import { listenInTurn } from './ports-in-turn.ts';
import type { FromWorker, ToWorker, WorkerInit } from './protocol.ts';

/**
 * One worker of the workers scheduler: a PartitionHost whose links are MessagePorts, to the
 * coordinator (parentPort) and to every other worker (peers, by index), read in turn.
 */
const init = workerData as WorkerInit;
const port = parentPort!;
const host = new PartitionHost(init, {
  send: (index, envelope, transfer) =>
    init.peers[index]!.postMessage({ type: 'work', envelope } satisfies ToWorker, transfer),
  post: (message: FromWorker, transfer) => port.postMessage(message, transfer),
  exit: () => process.exit(1),
});
const peers = init.peers.filter((peer): peer is MessagePort => peer !== null);
listenInTurn<ToWorker>([port, ...peers], (message) => host.handle(message));
port.postMessage({ type: 'ready', index: init.index } satisfies FromWorker);
