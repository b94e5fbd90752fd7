import type { TwoClockSystem } from './build-system.ts';
import type { SystemMessage } from './messages.ts';

/** Which network a message goes to: A's messages and B's targets to B, B's gradients to A. */
export function deliver(system: TwoClockSystem, message: SystemMessage): SystemMessage[] {
  return message.direction === 'backward' ? system.a.handle(message) : system.b.handle(message);
}

/**
 * The lockstep schedule of a two-clock system: A runs its next unit of work (a window, or a whole
 * block under backprop), and what it sends is delivered in FIFO order until the system is quiet,
 * then A runs again. No re-entrancy and no clock: the same seed gives the same bits. Runs `blocks`
 * of B's windows (T² ticks each); `tap` sees every message as it is delivered (the dashboard).
 */
export function runLockstep(
  system: TwoClockSystem,
  blocks: number,
  tap?: (message: SystemMessage) => void,
): void {
  const unitsPerBlock = system.a.join === 'backprop' ? 1 : system.spec.a.core.window;
  for (let block = 0; block < blocks; block++) {
    for (let unit = 0; unit < unitsPerBlock; unit++) {
      const queue = system.a.advance();
      for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
        tap?.(next);
        queue.push(...deliver(system, next));
      }
    }
  }
}
