import { type MessagePort, receiveMessageOnPort } from 'node:worker_threads';

/** Rounds over the ports after one message before the thread yields to its event loop again. */
const ROUNDS = 64;

/**
 * Listens on every port and takes their messages in turn, one per port per round, as one FIFO fed
 * by all of them would interleave them (NATS's single subscription per partition does).
 *
 * Plain listeners do not: Node hands a port's queued messages to its listener in one uninterrupted
 * batch (at least 1000), and messages that arrive meanwhile join the batch. A port fed as fast as it
 * is read, like the coordinator's once a worker is the pipeline's slowest, then starves the others:
 * the targets of the synthetic-gradient models beside a worker's senders, sent back by the receivers,
 * waited for hundreds of steps while the sender ran on, and were dropped as forgotten.
 */
export function listenInTurn<T>(ports: readonly MessagePort[], handle: (message: T) => void): void {
  const onMessage = (message: T) => {
    handle(message);
    for (let round = 0; round < ROUNDS; round++) {
      let took = false;
      for (const port of ports) {
        const next = receiveMessageOnPort(port);
        if (next === undefined) continue;
        took = true;
        handle(next.message as T);
      }
      if (!took) return;
    }
  };
  for (const port of ports) port.on('message', onMessage);
}
