import type { SyntheticModel } from '../dni/synthetic-model.ts';
import type { Layer } from '../nn/layer.ts';
import type { Optimizer } from '../nn/optim/optimizer.ts';
import { Tensor } from '../tensor/tensor.ts';

/** What captureState reads of a layer (an LSTM core has no forward/backward of Layer's shape). */
type Stateful = Pick<Layer, 'parameters' | 'buffers'>;

/** Everything a layer and its optimiser hold, as copies keyed by stable names (structure stays apart). */
export function captureState(
  prefix: string,
  layer: Stateful,
  optimizer: Optimizer,
  into: Record<string, Tensor>,
): void {
  for (const p of layer.parameters()) into[`${prefix}param.${p.name}`] = p.value.clone();
  for (const [name, buffer] of Object.entries(layer.buffers()))
    into[`${prefix}buffer.${name}`] = buffer.clone();
  const optimizerState = optimizer.state();
  for (const [name, slot] of Object.entries(optimizerState.slots)) into[`${prefix}optim.${name}`] = slot;
  into[`${prefix}optim.step`] = Tensor.from([optimizerState.step], [1]);
}

/** Restores what captureState saved; checks every name and shape before writing anything. */
export function restoreState(
  prefix: string,
  layer: Stateful,
  optimizer: Optimizer,
  from: Record<string, Tensor>,
): void {
  const targets: [string, Tensor][] = [
    ...layer.parameters().map((p): [string, Tensor] => [`${prefix}param.${p.name}`, p.value]),
    ...Object.entries(layer.buffers()).map(([name, t]): [string, Tensor] => [`${prefix}buffer.${name}`, t]),
  ];
  for (const [name, target] of targets) {
    const saved = from[name];
    if (!saved) throw new Error(`dniflow/runtime: checkpoint has no tensor '${name}'`);
    if (saved.size !== target.size) {
      throw new Error(
        `dniflow/runtime: checkpoint tensor '${name}' has ${saved.size} values, expected ${target.size}`,
      );
    }
  }
  const current = optimizer.state();
  const slots: Record<string, Tensor> = {};
  for (const name of Object.keys(current.slots)) {
    const saved = from[`${prefix}optim.${name}`];
    if (!saved) throw new Error(`dniflow/runtime: checkpoint has no optimiser slot '${prefix}optim.${name}'`);
    slots[name] = saved;
  }
  const step = from[`${prefix}optim.step`];
  if (!step) throw new Error(`dniflow/runtime: checkpoint has no '${prefix}optim.step'`);
  optimizer.loadState({ ...current, step: step.data[0], slots });
  for (const [name, target] of targets) target.data.set(from[name].data);
}

/** A synthetic model's parameters, BN statistics and its own optimiser's moments and step count. */
export function captureModelState(prefix: string, model: SyntheticModel, into: Record<string, Tensor>): void {
  const saved = model.state();
  for (const [name, tensor] of Object.entries(saved.tensors)) into[`${prefix}${name}`] = tensor;
  for (const [name, slot] of Object.entries(saved.optimizer.slots)) into[`${prefix}optim.${name}`] = slot;
  into[`${prefix}optim.step`] = Tensor.from([saved.optimizer.step], [1]);
}

/** Restores what captureModelState saved (the model checks shapes before changing anything). */
export function restoreModelState(prefix: string, model: SyntheticModel, from: Record<string, Tensor>): void {
  const need = (name: string): Tensor => {
    const saved = from[name];
    if (!saved) throw new Error(`dniflow/runtime: checkpoint has no tensor '${name}'`);
    return saved;
  };
  const current = model.state();
  const tensors: Record<string, Tensor> = {};
  for (const name of Object.keys(current.tensors)) tensors[name] = need(`${prefix}${name}`);
  const slots: Record<string, Tensor> = {};
  for (const name of Object.keys(current.optimizer.slots)) slots[name] = need(`${prefix}optim.${name}`);
  const step = need(`${prefix}optim.step`).data[0];
  model.loadState({ tensors, optimizer: { ...current.optimizer, step, slots } });
}
