import { type Shape, sameShape, Tensor } from '../tensor/tensor.ts';

/**
 * Buffer ownership for layers: a layer keeps its output and input-gradient tensors between calls and
 * allocates new ones only when the shape changes (in practice: when the batch size changes). This
 * is what keeps the per-batch hot path free of allocation.
 */
export function reuse(current: Tensor | null, shape: Shape): Tensor {
  if (current !== null && sameShape(current.shape, shape)) return current;
  return Tensor.zeros(shape);
}

export function formatShape(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

/** An error from src/nn naming the layer kind and instance, e.g. `dniflow/nn: Linear 'fc1' …`. */
export function layerError(kind: string, name: string, message: string): Error {
  return new Error(`dniflow/nn: ${kind} '${name}' ${message}`);
}

/** Throws unless `gradOutput` has the shape of the output the layer last produced. */
export function checkGradOutput(kind: string, name: string, output: Tensor | null, gradOutput: Tensor): void {
  if (output === null) throw layerError(kind, name, 'backward called before forward');
  if (!sameShape(output.shape, gradOutput.shape)) {
    throw layerError(
      kind,
      name,
      `expects gradOutput of shape ${formatShape(output.shape)}, got ${formatShape(gradOutput.shape)}`,
    );
  }
}

/** Parses a kernel/stride/padding argument that is either one number or [height, width]. */
export function pair(value: number | readonly [number, number]): [number, number] {
  return typeof value === 'number' ? [value, value] : [value[0], value[1]];
}
