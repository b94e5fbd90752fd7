/**
 * What crosses between the two networks (DESIGN.md, "Messages"): plain data, every array its own
 * buffer, so that a message moves between threads or processes with its buffers transferred.
 * - forward: A's message at the end of A's window `step` (A's tick `tick`), [lanes, units];
 * - target: B's count targets for B's window `step`, travelling from the source to B's loss;
 * - backward: ∂L_B/∂(A's messages) for the T messages B read in its window `step`, [T, lanes, units].
 */
export type SystemMessage =
  | { direction: 'forward'; edge: string; step: number; tick: number; shape: number[]; data: Float32Array }
  | { direction: 'target'; edge: string; step: number; tick: number; labels: Int32Array }
  | {
      direction: 'backward';
      edge: string;
      step: number;
      tick: number;
      shape: number[];
      data: Float32Array;
      kind: 'true';
    };

/** The buffers a message can give away when it crosses a thread. */
export function transferables(message: SystemMessage): ArrayBuffer[] {
  const array = message.direction === 'target' ? message.labels : message.data;
  return [array.buffer as ArrayBuffer];
}
