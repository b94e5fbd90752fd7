import { BatchNorm1d } from '../nn/batch-norm-1d.ts';
import { BatchNorm2d } from '../nn/batch-norm-2d.ts';
import { Conv2d } from '../nn/conv2d.ts';
import { heNormal } from '../nn/init.ts';
import type { Layer } from '../nn/layer.ts';
import { Linear } from '../nn/linear.ts';
import { ReLU } from '../nn/relu.ts';
import { Sequential } from '../nn/sequential.ts';
import type { Prng } from '../tensor/prng.ts';
import { type Shape, sizeOf } from '../tensor/tensor.ts';
import { DEFAULT_CONV_MODEL, type SyntheticModelSpec } from './spec.ts';

/** A spec with its defaults filled in. */
export type ResolvedModelSpec =
  | { kind: 'mlp'; hidden: readonly number[]; batchNorm: boolean }
  | { kind: 'conv'; convLayers: number; channels: number; kernel: number };

/**
 * The network of a synthetic model. Flat networks read [B, D (+ K)] and write [B, prod(outputShape)];
 * conv networks read [B, C (+ K), H, W] and write [B, C', H, W].
 */
export interface ModelStack {
  readonly network: Sequential;
  /** The output layer, whose weights and bias start at exactly zero (paper §2). */
  readonly final: Linear | Conv2d;
  readonly layout: 'flat' | 'conv';
  /** Per-sample shape the network reads, context channels/columns included. */
  readonly networkInputShape: Shape;
  readonly spec: ResolvedModelSpec;
}

export interface ModelStackOptions {
  /** Prefix of every parameter name, e.g. `sg` → `sg.fc1.weight`. */
  name: string;
  /** Per-sample shape of the model's input (h_A, or the network input x), without context. */
  inputShape: Shape;
  /** Per-sample shape of the prediction (δ̂_A or ĥ_A). */
  outputShape: Shape;
  /** cDNI classes appended to the input (0: no context). */
  contextClasses: number;
  /** Hidden layers draw He-normal weights from `prng.stream(layerName)`. */
  prng: Prng;
  /** Zero the output layer's weights and bias (default true). */
  zeroFinal?: boolean;
}

export function resolveModelSpec(spec: SyntheticModelSpec, who: string): ResolvedModelSpec {
  if (spec === 'linear') return { kind: 'mlp', hidden: [], batchNorm: false };
  if (spec === 'conv') return { kind: 'conv', ...DEFAULT_CONV_MODEL };
  if (typeof spec === 'object' && spec !== null && 'hidden' in spec) {
    if (!Array.isArray(spec.hidden) || !spec.hidden.every((h) => Number.isInteger(h) && h > 0)) {
      throw new Error(
        `dniflow/dni: ${who} needs hidden widths that are positive integers, got ${JSON.stringify(spec.hidden)}`,
      );
    }
    return { kind: 'mlp', hidden: [...spec.hidden], batchNorm: spec.batchNorm ?? true };
  }
  if (typeof spec === 'object' && spec !== null && 'convLayers' in spec) {
    const resolved = {
      kind: 'conv' as const,
      convLayers: spec.convLayers,
      channels: spec.channels ?? DEFAULT_CONV_MODEL.channels,
      kernel: spec.kernel ?? DEFAULT_CONV_MODEL.kernel,
    };
    const { convLayers, channels, kernel } = resolved;
    if (!Number.isInteger(convLayers) || convLayers < 1 || !Number.isInteger(channels) || channels < 1) {
      throw new Error(
        `dniflow/dni: ${who} needs convLayers >= 1 and channels >= 1, got ${JSON.stringify(spec)}`,
      );
    }
    // "Same" padding (k − 1)/2 on each side preserves the resolution only for odd kernels.
    if (!Number.isInteger(kernel) || kernel < 1 || kernel % 2 === 0) {
      throw new Error(
        `dniflow/dni: ${who} needs an odd conv kernel to keep the activation's shape, got ${kernel}`,
      );
    }
    return resolved;
  }
  throw new Error(`dniflow/dni: ${who} got an unknown model spec ${JSON.stringify(spec)}`);
}

export function buildModelStack(spec: ResolvedModelSpec, options: ModelStackOptions): ModelStack {
  return spec.kind === 'mlp' ? buildMlp(spec, options) : buildConvStack(spec, options);
}

/** Linear (→ BN → ReLU) per hidden width, then the zero-initialised output Linear. 'linear' has no hidden layer. */
function buildMlp(spec: ResolvedModelSpec & { kind: 'mlp' }, options: ModelStackOptions): ModelStack {
  const inputWidth = sizeOf(options.inputShape) + options.contextClasses;
  const outputWidth = sizeOf(options.outputShape);
  const layers: Layer[] = [];
  let width = inputWidth;
  spec.hidden.forEach((hidden, i) => {
    const name = `fc${i + 1}`;
    // BN's shift β makes a bias before it redundant, so hidden layers followed by BN have none.
    layers.push(
      new Linear(name, width, hidden, {
        prng: options.prng.stream(name),
        init: heNormal,
        bias: !spec.batchNorm,
      }),
    );
    if (spec.batchNorm) layers.push(new BatchNorm1d(`bn${i + 1}`, hidden));
    layers.push(new ReLU(`relu${i + 1}`));
    width = hidden;
  });
  const final = new Linear('out', width, outputWidth, { prng: options.prng.stream('out') });
  layers.push(final);
  if (options.zeroFinal ?? true) zeroLayer(final);
  return {
    network: new Sequential(options.name, layers),
    final,
    layout: 'flat',
    networkInputShape: [inputWidth],
    spec,
  };
}

/**
 * "Same"-padded convolutions with BN + ReLU between them and none after the last, which maps back to
 * the output's channels (paper §3.1: resolution preserving, no pooling). One conv layer is a linear
 * conv model.
 */
function buildConvStack(spec: ResolvedModelSpec & { kind: 'conv' }, options: ModelStackOptions): ModelStack {
  const { inputShape, outputShape, name: who } = options;
  if (inputShape.length !== 3 || outputShape.length !== 3) {
    throw new Error(
      `dniflow/dni: ${who}: a conv model needs [C, H, W] input and output shapes, got [${inputShape.join(', ')}] → [${outputShape.join(', ')}]`,
    );
  }
  if (inputShape[1] !== outputShape[1] || inputShape[2] !== outputShape[2]) {
    throw new Error(
      `dniflow/dni: ${who}: a conv model preserves height and width, but input [${inputShape.join(', ')}] and output [${outputShape.join(', ')}] differ`,
    );
  }
  const padding = (spec.kernel - 1) / 2;
  const layers: Layer[] = [];
  let channels = inputShape[0] + options.contextClasses;
  for (let i = 1; i < spec.convLayers; i++) {
    const name = `conv${i}`;
    layers.push(
      new Conv2d(name, channels, spec.channels, spec.kernel, {
        prng: options.prng.stream(name),
        padding,
        init: heNormal,
        bias: false, // followed by BN
      }),
    );
    layers.push(new BatchNorm2d(`bn${i}`, spec.channels));
    layers.push(new ReLU(`relu${i}`));
    channels = spec.channels;
  }
  const final = new Conv2d('out', channels, outputShape[0], spec.kernel, {
    prng: options.prng.stream('out'),
    padding,
  });
  layers.push(final);
  if (options.zeroFinal ?? true) zeroLayer(final);
  return {
    network: new Sequential(options.name, layers),
    final,
    layout: 'conv',
    networkInputShape: [inputShape[0] + options.contextClasses, inputShape[1], inputShape[2]],
    spec,
  };
}

/** Weights *and* bias to exactly zero, so the first prediction is exactly zero (paper §2). */
function zeroLayer(layer: Linear | Conv2d): void {
  layer.weight.value.data.fill(0);
  layer.bias?.value.data.fill(0);
}
