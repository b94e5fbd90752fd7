import type { SyntheticModel } from '../dni/synthetic-model.ts';
import { Tensor } from '../tensor/tensor.ts';
import type { Edge } from './graph-edges.ts';
import type { ModuleProcess } from './module-process.ts';
import { captureModelState, captureState, restoreModelState, restoreState } from './state.ts';

/**
 * `split`/`merge` for a running network (DESIGN.md, "State"): everything a run has learned or drawn,
 * keyed by stable names, apart from the graph's structure. Per module: parameters, buffers, optimiser
 * moments, its `p_update` stream's position and its update count. Per edge: each synthetic model's
 * parameters, BN statistics and its own optimiser's moments, and the stale-gradient table. A round
 * trip restores a run bit for bit; checkpoints and moving modules into workers use it.
 */
export function captureGraphState(
  modules: ReadonlyMap<string, ModuleProcess>,
  edges: readonly Edge[],
): Record<string, Tensor> {
  const state: Record<string, Tensor> = {};
  for (const [node, { compute }] of modules) {
    captureState(`${node}/`, compute.layers, compute.optimizer, state);
    state[`${node}/updates`] = Tensor.from([compute.updates], [1]);
    if (compute.coin) state[`${node}/pUpdate.prng`] = new Tensor(compute.coin.position(), [12]);
  }
  for (const edge of edges) {
    for (const [role, model] of syntheticModels(edge))
      captureModelState(`${edge.label}/${role}/`, model, state);
    const table = edge.wired.staleTable;
    if (table) {
      const { rows, seen } = table.state();
      state[`${edge.label}/stale/rows`] = rows;
      state[`${edge.label}/stale/seen`] = seen;
    }
  }
  return state;
}

/** Restores what captureGraphState saved, for the modules and edges given (a worker restores its own). */
export function restoreGraphState(
  modules: ReadonlyMap<string, ModuleProcess>,
  edges: readonly Edge[],
  state: Record<string, Tensor>,
): void {
  // Every name and size checked before anything is written, so a bad state changes nothing.
  for (const [name, current] of Object.entries(captureGraphState(modules, edges))) {
    const saved = state[name];
    if (!saved) throw new Error(`dniflow/runtime: checkpoint has no tensor '${name}'`);
    if (saved.size !== current.size)
      throw new Error(
        `dniflow/runtime: checkpoint tensor '${name}' has ${saved.size} values, expected ${current.size}`,
      );
  }
  const need = (name: string): Tensor => state[name];
  for (const [node, { compute }] of modules) {
    restoreState(`${node}/`, compute.layers, compute.optimizer, state);
    compute.updates = need(`${node}/updates`).data[0];
    if (compute.coin) compute.coin.seek(need(`${node}/pUpdate.prng`).data);
  }
  for (const edge of edges) {
    for (const [role, model] of syntheticModels(edge))
      restoreModelState(`${edge.label}/${role}/`, model, state);
    const table = edge.wired.staleTable;
    if (table)
      table.loadState({ rows: need(`${edge.label}/stale/rows`), seen: need(`${edge.label}/stale/seen`) });
  }
}

function syntheticModels(edge: Edge): [string, SyntheticModel][] {
  const models: [string, SyntheticModel][] = [];
  if (edge.wired.gradientModel) models.push(['gradient', edge.wired.gradientModel]);
  if (edge.wired.inputModel) models.push(['input', edge.wired.inputModel]);
  return models;
}
