import { AvgPool2d } from '../nn/avg-pool-2d.ts';
import { BatchNorm1d } from '../nn/batch-norm-1d.ts';
import { BatchNorm2d } from '../nn/batch-norm-2d.ts';
import { Conv2d } from '../nn/conv2d.ts';
import { Flatten } from '../nn/flatten.ts';
import { glorotUniform, heNormal, type Initialiser as InitFn, zeros } from '../nn/init.ts';
import type { Layer } from '../nn/layer.ts';
import { Linear } from '../nn/linear.ts';
import { MaxPool2d } from '../nn/max-pool-2d.ts';
import { ReLU } from '../nn/relu.ts';
import { Sequential } from '../nn/sequential.ts';
import { Sigmoid } from '../nn/sigmoid.ts';
import { Tanh } from '../nn/tanh.ts';
import type { Prng } from '../tensor/prng.ts';
import type { Shape } from '../tensor/tensor.ts';
import { convPadding, type Initialiser, type LayerSpec, layerOutputShape } from './layers.ts';

const INITIALISERS: Record<Initialiser, InitFn> = { he: heNormal, glorot: glorotUniform, zeros };

/**
 * The default weight init: He for a layer a ReLU follows (its fan-in variance keeps activations from
 * shrinking through depth), Glorot otherwise.
 */
function defaultInit(specs: readonly LayerSpec[], index: number): InitFn {
  const next = specs.slice(index + 1).find((s) => s.kind !== 'batchNorm');
  return next?.kind === 'relu' ? heNormal : glorotUniform;
}

function instantiateLayer(specs: readonly LayerSpec[], index: number, input: Shape, prng: Prng): Layer {
  const spec = specs[index];
  const name = `${index}_${spec.kind}`;
  const layerPrng = prng.stream(name);
  switch (spec.kind) {
    case 'linear':
      return new Linear(name, input[0], spec.units, {
        prng: layerPrng,
        bias: spec.bias ?? true,
        init: spec.init ? INITIALISERS[spec.init] : defaultInit(specs, index),
      });
    case 'batchNorm':
      return input.length === 1 ? new BatchNorm1d(name, input[0]) : new BatchNorm2d(name, input[0]);
    case 'relu':
      return new ReLU(name);
    case 'tanh':
      return new Tanh(name);
    case 'sigmoid':
      return new Sigmoid(name);
    case 'flatten':
      return new Flatten(name);
    case 'conv2d':
      return new Conv2d(name, input[0], spec.filters, spec.kernel, {
        prng: layerPrng,
        stride: spec.stride ?? 1,
        padding: convPadding(spec),
        init: defaultInit(specs, index),
      });
    case 'maxPool2d':
      return new MaxPool2d(name, spec.kernel, spec.stride ?? spec.kernel);
    case 'avgPool2d':
      return new AvgPool2d(name, spec.kernel, spec.stride ?? spec.kernel);
    case 'lstm':
      // Validation keeps lstm to recurrent modules, which the recurrent runtime builds itself.
      throw new Error(`dniflow/graph: ${name} (lstm) runs only in a recurrent module, not as a layer`);
  }
}

/** A module's layers with fresh parameters, drawn from `prng` (one named stream per layer). */
export function instantiateModule(
  name: string,
  specs: readonly LayerSpec[],
  input: Shape,
  prng: Prng,
): Sequential {
  const layers: Layer[] = [];
  let shape = input;
  specs.forEach((spec, index) => {
    layers.push(instantiateLayer(specs, index, shape, prng));
    shape = layerOutputShape(spec, shape, `module '${name}' layer ${index}`);
  });
  return new Sequential(name, layers);
}
