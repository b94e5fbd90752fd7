import type { Shape } from '../tensor/tensor.ts';

/**
 * Layer specs: the serialisable structure of a module (no weights). `instantiateLayer` turns a spec
 * into an nn Layer with fresh parameters; structure and state stay apart (as Flax NNX split/merge).
 */
export type Initialiser = 'he' | 'glorot' | 'zeros';

export type LayerSpec =
  | { kind: 'linear'; units: number; bias?: boolean; init?: Initialiser }
  | { kind: 'batchNorm' }
  | { kind: 'relu' }
  | { kind: 'tanh' }
  | { kind: 'sigmoid' }
  | { kind: 'flatten' }
  | { kind: 'conv2d'; filters: number; kernel: number; stride?: number; padding?: number | 'same' }
  | { kind: 'maxPool2d'; kernel: number; stride?: number }
  | { kind: 'avgPool2d'; kernel: number; stride?: number }
  /** An LSTM core (paper §3.2): only as the one layer of a recurrent module (see graph/recurrent.ts). */
  | { kind: 'lstm'; units: number };

export const linear = (units: number, options: { bias?: boolean; init?: Initialiser } = {}): LayerSpec => ({
  kind: 'linear',
  units,
  ...options,
});
export const batchNorm = (): LayerSpec => ({ kind: 'batchNorm' });
export const relu = (): LayerSpec => ({ kind: 'relu' });
export const tanh = (): LayerSpec => ({ kind: 'tanh' });
export const sigmoid = (): LayerSpec => ({ kind: 'sigmoid' });
export const flatten = (): LayerSpec => ({ kind: 'flatten' });
export const conv2d = (
  filters: number,
  kernel: number,
  options: { stride?: number; padding?: number | 'same' } = {},
): LayerSpec => ({ kind: 'conv2d', filters, kernel, ...options });
export const maxPool2d = (kernel: number, stride?: number): LayerSpec => ({
  kind: 'maxPool2d',
  kernel,
  stride,
});
export const avgPool2d = (kernel: number, stride?: number): LayerSpec => ({
  kind: 'avgPool2d',
  kernel,
  stride,
});

export const lstm = (units: number): LayerSpec => ({ kind: 'lstm', units });

export function convPadding(spec: { kernel: number; padding?: number | 'same' }): number {
  if (spec.padding === 'same') return Math.floor(spec.kernel / 2);
  return spec.padding ?? 0;
}

/** The size fields of a layer spec, each of which must be a positive integer. */
function sizesOf(spec: LayerSpec): [string, unknown][] {
  switch (spec.kind) {
    case 'linear':
    case 'lstm':
      return [['units', spec.units]];
    case 'conv2d':
      return [
        ['filters', spec.filters],
        ['kernel', spec.kernel],
        ['stride', spec.stride ?? 1],
      ];
    case 'maxPool2d':
    case 'avgPool2d':
      return [
        ['kernel', spec.kernel],
        ['stride', spec.stride ?? spec.kernel],
      ];
    default:
      return [];
  }
}

/** Per-sample output shape of a layer spec; `where` names the layer for the error. */
export function layerOutputShape(spec: LayerSpec, input: Shape, where: string): Shape {
  const fail = (why: string): never => {
    throw new Error(`dniflow/graph: ${where} (${spec.kind}) ${why}, input shape [${input.join(', ')}]`);
  };
  for (const [field, value] of sizesOf(spec)) {
    if (!(typeof value === 'number' && Number.isInteger(value) && value >= 1))
      fail(`has ${field} ${String(value)}; it must be a positive integer`);
  }
  switch (spec.kind) {
    case 'linear':
      if (input.length !== 1) fail('expects a flat input; add flatten() first');
      return [spec.units];
    case 'lstm':
      if (input.length !== 1) fail('expects a flat input per tick');
      return [spec.units];
    case 'batchNorm':
      if (input.length !== 1 && input.length !== 3) fail('expects [features] or [channels, height, width]');
      return input;
    case 'relu':
    case 'tanh':
    case 'sigmoid':
      return input;
    case 'flatten':
      return [input.reduce((a, b) => a * b, 1)];
    case 'conv2d': {
      if (input.length !== 3) fail('expects [channels, height, width]');
      const pad = convPadding(spec);
      const stride = spec.stride ?? 1;
      const outH = Math.floor((input[1] + 2 * pad - spec.kernel) / stride) + 1;
      const outW = Math.floor((input[2] + 2 * pad - spec.kernel) / stride) + 1;
      if (outH < 1 || outW < 1) fail(`kernel ${spec.kernel} does not fit`);
      return [spec.filters, outH, outW];
    }
    case 'maxPool2d':
    case 'avgPool2d': {
      if (input.length !== 3) fail('expects [channels, height, width]');
      const stride = spec.stride ?? spec.kernel;
      const outH = Math.floor((input[1] - spec.kernel) / stride) + 1;
      const outW = Math.floor((input[2] - spec.kernel) / stride) + 1;
      if (outH < 1 || outW < 1) fail(`pool ${spec.kernel} does not fit`);
      return [input[0], outH, outW];
    }
    default:
      return fail(`is an unknown layer kind '${(spec as { kind: string }).kind}'`);
  }
}
