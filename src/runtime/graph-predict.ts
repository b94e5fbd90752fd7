import type { Network } from '../graph/network.ts';
import type { Tensor } from '../tensor/tensor.ts';
import type { Edge } from './graph-edges.ts';
import type { ModuleCompute } from './module-compute.ts';
import { captureState } from './state.ts';

/**
 * Logits for a batch in evaluation mode, module by module in plan order. On the 'synthetic' path every
 * module whose input edge has a synthetic-input model reads I_B(x) instead of its sender's output:
 * the fully synthetic forward path of complete unlock (paper §3.1, DESIGN item 5).
 */
export function predictThroughGraph(
  network: Network,
  order: readonly string[],
  edges: readonly Edge[],
  computes: ReadonlyMap<string, ModuleCompute>,
  inputs: Tensor,
  path: 'real' | 'synthetic',
): Tensor {
  const outputs = new Map<string, Tensor>([[order[0], inputs]]);
  let logits: Tensor | undefined;
  for (const node of order) {
    const spec = network.getNodeAttributes(node);
    if (spec.kind === 'source') continue;
    const edge = edges.find((e) => e.target === node)!;
    let input = outputs.get(edge.source)!;
    if (path === 'synthetic' && edge.wired.inputModel) {
      // A reserved negative step: evaluation predictions never collide with training ones.
      input = edge.wired.inputModel.predict(-1, inputs).clone();
      edge.wired.inputModel.forget(-1);
    }
    if (spec.kind === 'loss') {
      logits = input;
      continue;
    }
    outputs.set(node, computes.get(node)!.layers.forward(input, false));
  }
  return logits!;
}

/** Modules' parameters, buffers and optimiser slots, then each edge's synthetic models' state. */
export function captureGraphState(
  computes: ReadonlyMap<string, ModuleCompute>,
  edges: readonly Edge[],
): Record<string, Tensor> {
  const state: Record<string, Tensor> = {};
  for (const [node, compute] of computes) captureState(`${node}/`, compute.layers, compute.optimizer, state);
  for (const edge of edges) {
    for (const [role, model] of [
      ['gradient', edge.wired.gradientModel],
      ['input', edge.wired.inputModel],
    ] as const) {
      if (!model) continue;
      const saved = model.state();
      for (const [name, tensor] of Object.entries(saved.tensors))
        state[`${edge.label}/${role}/${name}`] = tensor;
    }
  }
  return state;
}
