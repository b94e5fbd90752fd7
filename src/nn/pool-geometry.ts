import type { Shape } from '../tensor/tensor.ts';
import { formatShape, layerError, pair } from './buffers.ts';

/** Window geometry of an unpadded 2-D pool (floor mode, as PyTorch's default). */
export interface PoolGeometry {
  readonly channels: number;
  readonly height: number;
  readonly width: number;
  readonly kernelH: number;
  readonly kernelW: number;
  readonly strideH: number;
  readonly strideW: number;
  readonly outH: number;
  readonly outW: number;
}

export function poolWindow(
  kind: string,
  name: string,
  kernel: number | readonly [number, number],
  stride: number | readonly [number, number] | undefined,
): { kernel: [number, number]; stride: [number, number] } {
  const k = pair(kernel);
  const s = pair(stride ?? kernel);
  if (![...k, ...s].every((v) => Number.isInteger(v) && v >= 1)) {
    throw layerError(
      kind,
      name,
      `needs positive integer kernel and stride, got kernel ${k.join('x')}, stride ${s.join(',')}`,
    );
  }
  return { kernel: k, stride: s };
}

export function poolGeometry(
  kind: string,
  name: string,
  inputShape: Shape,
  kernel: readonly [number, number],
  stride: readonly [number, number],
): PoolGeometry {
  if (inputShape.length !== 3) {
    throw layerError(
      kind,
      name,
      `expects per-sample input [channels, height, width], got ${formatShape(inputShape)}`,
    );
  }
  const [channels, height, width] = inputShape;
  const [kernelH, kernelW] = kernel;
  const [strideH, strideW] = stride;
  if (height < kernelH || width < kernelW) {
    throw layerError(kind, name, `window ${kernelH}x${kernelW} does not fit input ${height}x${width}`);
  }
  const outH = Math.floor((height - kernelH) / strideH) + 1;
  const outW = Math.floor((width - kernelW) / strideW) + 1;
  return { channels, height, width, kernelH, kernelW, strideH, strideW, outH, outW };
}

/** Whether a batch input shape [batch, C, H, W] has the geometry already computed (no allocation). */
export function sameInput(g: PoolGeometry | null, batchShape: Shape): g is PoolGeometry {
  return (
    g !== null &&
    batchShape.length === 4 &&
    g.channels === batchShape[1] &&
    g.height === batchShape[2] &&
    g.width === batchShape[3]
  );
}
