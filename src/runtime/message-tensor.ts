import type { Tensor } from '../tensor/tensor.ts';

/**
 * What a message on an edge carries: the sending module's (or loss's) own buffer in lockstep, a
 * copy under the asynchronous scheduler. A copy costs V8 a fresh Float32Array (~0.1 ms at 128×256,
 * mostly allocation and GC, not the memcpy): a quarter of a bprop epoch before lockstep went without.
 *
 * Why lockstep is safe without:
 * - A step's whole cascade runs before the next step starts (GraphEngine checks every module is
 *   ready), and in it each module forwards and backpropagates at most once (one input edge each,
 *   validateNetwork) and each loss node (its own SoftmaxCrossEntropy) runs once. So a buffer sent at
 *   step s is next rewritten at step s+1, or by predict between steps.
 * - By then every reader of step s is done with it: the receiver's layer caches (Linear keeps its
 *   input for its backward, in step s), the gradient sum (taken in step s), the operators (SG and
 *   synthetic-input models copy their inputs into their own buffers and learn from a target at
 *   once; the stale table copies into its rows) and traffic subscribers (who copy what they keep).
 * - Nobody writes to a received tensor (a gradient was already shared by all of a module's inputs).
 *
 * Why the asynchronous scheduler still copies: a message may wait in a mailbox while its sender runs
 * any number of further steps (e.g. a slow module behind a synthetic input: its output is not what
 * lands the loss, so the source keeps emitting while its mailbox grows), so no fixed ring of buffers
 * is provably large enough. test/runtime/message-buffers.test.ts fails if a message is overwritten
 * in flight.
 */
export function messageTensor(tensor: Tensor, asynchronous: boolean): Tensor {
  return asynchronous ? tensor.clone() : tensor;
}
