import { instantiateModule } from '../graph/instantiate.ts';
import type { Network } from '../graph/network.ts';
import type { NetworkPlan } from '../graph/validate.ts';
import type { Prng } from '../tensor/prng.ts';
import { ModuleCompute } from './module-compute.ts';
import { createOptimizer, type OptimizerChoice } from './optimizers.ts';

/**
 * The numeric side of every module in plan order, checking what the graph engine supports: one data
 * source and softmax cross-entropy losses. Parameters come from `prng.stream(<module>)`, the same
 * streams the plain backprop engine uses, so both start from identical parameters.
 */
export function buildModuleComputes(
  network: Network,
  plan: NetworkPlan,
  prng: Prng,
  optimizer: OptimizerChoice,
): Map<string, ModuleCompute> {
  const computes = new Map<string, ModuleCompute>();
  const dataSource = plan.order[0];
  for (const node of plan.order) {
    const spec = network.getNodeAttributes(node);
    if (spec.kind === 'source' && node !== dataSource) {
      throw new Error(`dniflow/runtime: network '${network.getAttribute('name')}' has more than one source`);
    }
    if (spec.kind === 'loss' && spec.loss !== 'softmaxCrossEntropy') {
      throw new Error(
        `dniflow/runtime: loss '${node}' (${spec.loss}) is not supported by the graph engine yet`,
      );
    }
    if (spec.kind !== 'module') continue;
    const [edge] = network.inEdges(node);
    const inputShape = plan.outputShapes.get(network.source(edge))!;
    const layers = instantiateModule(node, spec.layers, inputShape, prng.stream(node));
    computes.set(
      node,
      new ModuleCompute(
        node,
        layers,
        createOptimizer(layers.parameters(), optimizer),
        spec.pUpdate ?? 1,
        prng.stream(`${node}/pUpdate`),
      ),
    );
  }
  return computes;
}
