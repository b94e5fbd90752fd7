import type { Layer } from '../nn/layer.ts';
import type { Optimizer } from '../nn/optim/optimizer.ts';
import { Tensor } from '../tensor/tensor.ts';

/** Everything a layer and its optimiser hold, as copies keyed by stable names (structure stays apart). */
export function captureState(
  prefix: string,
  layer: Layer,
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
  layer: Layer,
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
