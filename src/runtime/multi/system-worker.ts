import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { hostNetwork } from './system-host.ts';
import type { PeerMessage, SystemWorkerInit, ToSystemWorker } from './worker-protocol.ts';

/**
 * One network of a two-clock system in a worker thread (the workers schedule), joined to the other
 * by a MessageChannel. A reads B's replies with receiveMessageOnPort, so it never has to yield, and
 * sleeps on a shared counter that B bumps after each reply while it is locked.
 */
const init = workerData as SystemWorkerInit;
const port = parentPort!;
const flag = new Int32Array(init.signal);
const host = hostNetwork(init, {
  toPeer: (message, transfer = []) => {
    init.peer.postMessage(message, transfer);
    if (init.role === 'B') {
      Atomics.add(flag, 0, 1);
      Atomics.notify(flag, 0);
    }
  },
  post: (message) => port.postMessage(message),
  poll: () => receiveMessageOnPort(init.peer)?.message as PeerMessage | undefined,
  wait: async () => {
    Atomics.wait(flag, 0, Atomics.load(flag, 0), 50);
  },
  breathe: async () => {},
});
if (init.role === 'A') port.on('message', (command: ToSystemWorker) => host.command(command));
else init.peer.on('message', host.peer);
port.postMessage({ type: 'ready', role: init.role });
