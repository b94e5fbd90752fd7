import type { Shape } from '../tensor/tensor.ts';
import type { SyntheticModelSpec } from './interfaces.ts';
import { type LayerSpec, layerOutputShape } from './layers.ts';
import type { Network } from './network.ts';
import type { NetworkPlan } from './validate.ts';

/** One part of a network's memory, for the error that names the largest. */
export interface MemoryPart {
  what: string;
  bytes: number;
}

const FLOAT = 4;
/** A parameter's value, gradient and Adam's two moments. */
const PER_PARAMETER = 4 * FLOAT;
/** An activation's forward cache and its gradient buffer. */
const PER_ACTIVATION = 2 * FLOAT;

const size = (shape: Shape) => shape.reduce((a, b) => a * b, 1);

function layerParameters(spec: LayerSpec, input: Shape): number {
  switch (spec.kind) {
    case 'linear':
      return (size(input) + 1) * spec.units;
    case 'lstm':
      return 4 * spec.units * (size(input) + spec.units + 1);
    case 'conv2d':
      return (input[0] * spec.kernel * spec.kernel + 1) * spec.filters;
    case 'batchNorm':
      return 4 * input[0];
    default:
      return 0;
  }
}

function syntheticParameters(model: SyntheticModelSpec, features: number, activation: Shape): number {
  if (model === 'linear') return (features + 1) * features;
  if (model === 'conv' || 'convLayers' in model) {
    // "Same" convolutions over the activation's channels (DESIGN.md: 5×5, 128 channels by default).
    const channels = model === 'conv' ? 128 : (model.channels ?? 128);
    const kernel = model === 'conv' ? 5 : (model.kernel ?? 5);
    return kernel * kernel * channels * (channels + 2 * activation[0]);
  }
  const widths = [features, ...model.hidden, features];
  let total = 0;
  for (let i = 0; i + 1 < widths.length; i++) total += (widths[i] + 1) * widths[i + 1];
  return total;
}

/**
 * An estimate of what training `network` at `batch` holds in memory: every module's parameters with
 * their gradients and Adam moments, its activations at the batch size (× T for a recurrent window),
 * and the synthetic-gradient models on its edges. Approximate by design: it is there to refuse a
 * network that cannot fit before anything is allocated, not to budget memory precisely.
 */
export function estimateMemory(network: Network, plan: NetworkPlan, batch: number): MemoryPart[] {
  const parts: MemoryPart[] = [];
  for (const node of plan.order) {
    const spec = network.getNodeAttributes(node);
    if (spec.kind !== 'module') continue;
    const [input] = network.filterInEdges(node, (_e, attrs) => attrs.delay === 0);
    let shape = plan.outputShapes.get(network.source(input))!;
    let parameters = 0;
    let activations = 0;
    spec.layers.forEach((layer, i) => {
      parameters += layerParameters(layer, shape);
      shape = layerOutputShape(layer, shape, `module '${node}' layer ${i}`);
      // An LSTM keeps its gates (4H) and cell values per tick of the window.
      activations += size(shape) * (layer.kind === 'lstm' ? 6 * (spec.window ?? 1) : 1);
    });
    parts.push({
      what: `module '${node}': parameters and optimiser state`,
      bytes: parameters * PER_PARAMETER,
    });
    parts.push({
      what: `module '${node}': activations at batch ${batch}`,
      bytes: activations * batch * PER_ACTIVATION,
    });
  }
  network.forEachEdge((_edge, attrs, source, target) => {
    const iface = attrs.interface;
    const model =
      iface.kind === 'dni' ? iface.model : iface.kind === 'unlock' ? iface.gradient.model : undefined;
    if (model === undefined) return;
    const activation = plan.outputShapes.get(source)!;
    const parameters = syntheticParameters(model, size(activation), activation);
    parts.push({
      what: `synthetic-gradient model on ${source} -> ${target}`,
      bytes: parameters * PER_PARAMETER,
    });
  });
  return parts;
}

/** Refuses, naming the largest part, a network whose estimate exceeds `available` bytes. */
export function checkMemory(network: Network, plan: NetworkPlan, batch: number, available: number): void {
  const parts = estimateMemory(network, plan, batch);
  const total = parts.reduce((sum, part) => sum + part.bytes, 0);
  if (total <= available) return;
  const largest = parts.reduce((a, b) => (b.bytes > a.bytes ? b : a));
  const gb = (bytes: number) => `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
  throw new Error(
    `dniflow/graph: network '${network.getAttribute('name')}' needs about ${gb(total)} to train at batch ${batch}, more than the ${gb(available)} this machine has; the largest part is ${largest.what} (${gb(largest.bytes)})`,
  );
}
