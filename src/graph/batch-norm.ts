import type { SyntheticModelSpec } from '../dni/spec.ts';
import type { InterfaceSpec } from './interfaces.ts';
import type { Network } from './network.ts';

/** Whether a synthetic model normalises over the batch: an MLP's batch norm is on unless turned off; conv stacks have it. */
function modelNormalises(model: SyntheticModelSpec): boolean {
  if (model === 'linear') return false;
  return typeof model === 'object' && 'hidden' in model ? model.batchNorm !== false : true;
}

function interfaceNormalises(iface: InterfaceSpec): boolean {
  if (iface.kind === 'dni' || iface.kind === 'syntheticInput') return modelNormalises(iface.model);
  if (iface.kind === 'unlock')
    return modelNormalises(iface.gradient.model) || modelNormalises(iface.input.model);
  return false;
}

/**
 * The first module or interface whose batch norm trains on batch statistics (a module's batchNorm
 * layer, or a synthetic model's), named for errors; undefined when there is none. Batch norm over a
 * single example has no variance to normalise by (BatchNorm1d refuses it), so a run that has one
 * needs at least two examples in every training batch. Conservative: a conv batch norm, which also
 * averages over positions, counts too.
 */
export function batchNormUser(network: Network): string | undefined {
  const module = network.findNode(
    (_n, spec) => spec.kind === 'module' && spec.layers.some((layer) => layer.kind === 'batchNorm'),
  );
  if (module !== undefined) return `module '${module}'`;
  const edge = network.findEdge((_e, attrs) => interfaceNormalises(attrs.interface));
  return edge === undefined ? undefined : `the synthetic model on edge ${edge}`;
}
