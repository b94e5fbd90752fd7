import type { Network } from '../graph/network.ts';
import type { Tensor } from '../tensor/tensor.ts';
import type { Edge } from './graph-edges.ts';
import type { ModuleProcess } from './module-process.ts';

/**
 * Logits for a batch in evaluation mode, module by module in plan order. On the 'synthetic' path every
 * module whose input edge has a synthetic-input model reads I_B(x) instead of its sender's output:
 * the fully synthetic forward path of complete unlock (paper §3.1, DESIGN item 5).
 */
export function predictThroughGraph(
  network: Network,
  order: readonly string[],
  edges: readonly Edge[],
  modules: ReadonlyMap<string, ModuleProcess>,
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
    outputs.set(node, modules.get(node)!.compute.layers.forward(input, false));
  }
  return logits!;
}
