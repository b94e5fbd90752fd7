import type { Partition, Work } from './partition.ts';

/**
 * The lockstep scheduler (DESIGN.md, "The runtime"): a FIFO of work drained until quiet. Each unit
 * of work returns what it produced, which joins the back of the queue, so the order of a step is the
 * queue's order and nothing re-enters: the same seed gives the same bits.
 */
export function drainLockstep(partition: Partition, initial: Work[]): void {
  const queue = [...initial];
  for (let next = 0; next < queue.length; next++) {
    for (const produced of partition.handle(queue[next])) queue.push(produced);
  }
}
