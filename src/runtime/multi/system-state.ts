import { Tensor } from '../../tensor/tensor.ts';
import type { Checkpoint } from '../checkpoint.ts';
import type { ModuleCompute } from '../module-compute.ts';
import type { RecurrentCore } from '../recurrent/recurrent-core.ts';
import { captureModelState, captureState, restoreModelState, restoreState } from '../state.ts';
import type { TwoClockSystem } from './build-system.ts';

/**
 * `split`/`merge` for a two-clock system at an epoch boundary: everything its next tick depends on.
 * An epoch is whole blocks of B's windows run until the system is quiet (lockstep and async), so
 * at its end A is not locked (backprop: B's gradient for the last block has come back), B holds no
 * message of an unfinished window, and the SG model (dni / cdni) has learned from B's gradient for
 * every message A sent, so no prediction awaits one; capture refuses otherwise, rather than save a
 * state this format does not hold. Tensors: per module (A's encoder, core and head, B's core and
 * head) the parameters and optimiser moments and step counts, each core's carried h and c per
 * lane, the SG model with its own optimiser, and the digit stream's PRNG position. Counters go
 * into the meta as JSON numbers.
 */
export interface SystemCounters {
  a: { windows: number; updates: number };
  b: { windows: number; updates: number };
  /** Windows each core has run, and updates each feed-forward module has made, by checkpoint role. */
  cores: Record<string, number>;
  modules: Record<string, number>;
  /** The schedule's own (async: the virtual clock and cumulative busy and locked time). */
  schedule?: Record<string, number>;
}

/** Progress at an epoch boundary: epochs done and the metrics so far. */
export interface SystemProgress<Metrics> {
  epoch: number;
  history: Metrics[];
}

function parts(system: TwoClockSystem) {
  const { a, b } = system;
  const modules: [string, ModuleCompute][] = [
    ['a/head', a.parts.head],
    ['b/head', b.parts.head],
  ];
  if (a.parts.encoder !== null) modules.unshift(['a/encoder', a.parts.encoder]);
  const cores: [string, RecurrentCore][] = [
    ['a/core', a.parts.core],
    ['b/core', b.parts.core],
  ];
  return { modules, cores, synthetic: a.parts.synthetic };
}

/** The checkpoint of `system` after the epoch `progress` ends; `identity` names the run (RunIdentity). */
export function captureSystemCheckpoint<Metrics>(
  system: TwoClockSystem,
  progress: SystemProgress<Metrics>,
  identity: Record<string, unknown>,
  schedule?: Record<string, number>,
): Checkpoint {
  const { a, b } = system;
  const { modules, cores, synthetic } = parts(system);
  const pending = synthetic?.pendingSteps() ?? [];
  if (!a.quiet || !b.quiet || pending.length > 0)
    throw new Error(
      `dniflow/runtime: a two-clock system is checkpointed between blocks, with no message in flight (A ${a.quiet ? 'quiet' : 'mid-block or locked'}, B ${b.quiet ? 'quiet' : 'mid-window'}, SG predictions awaiting B's gradient: [${pending.join(', ')}])`,
    );
  const state: Record<string, Tensor> = {};
  const counters: SystemCounters = {
    a: a.position(),
    b: b.position(),
    cores: {},
    modules: {},
    ...(schedule === undefined ? {} : { schedule }),
  };
  for (const [role, core] of cores) {
    captureState(`${role}/`, core.lstm, core.optimizer, state);
    const carried = core.carried;
    if (carried !== null) {
      state[`${role}/carried.h`] = carried.h.clone();
      state[`${role}/carried.c`] = carried.c.clone();
    }
    counters.cores[role] = core.windows;
  }
  for (const [role, module] of modules) {
    captureState(`${role}/`, module.layers, module.optimizer, state);
    counters.modules[role] = module.updates;
  }
  if (synthetic !== null) captureModelState('a/sg/', synthetic, state);
  state['a/digits.prng'] = new Tensor(a.parts.stream.position(), [12]);
  const meta = { ...identity, epoch: progress.epoch, history: progress.history, system: counters };
  return { meta, state };
}

/**
 * Restores what captureSystemCheckpoint saved into a freshly built system of the same graph and
 * settings, and returns the progress to start from and the schedule's counters. A checkpoint of
 * another shape is refused, naming the tensor; the system may then be half restored, so the caller
 * drops it (nothing has been trained or written yet).
 */
export function restoreSystemCheckpoint<Metrics>(
  system: TwoClockSystem,
  checkpoint: Checkpoint,
): SystemProgress<Metrics> & { schedule?: Record<string, number> } {
  const { meta, state } = checkpoint;
  const counters = meta.system as SystemCounters | undefined;
  if (counters === undefined || !Array.isArray(meta.history))
    throw new Error('dniflow/runtime: checkpoint does not hold a two-clock system (no system counters)');
  const need = (name: string): Tensor => {
    const saved = state[name];
    if (!saved) throw new Error(`dniflow/runtime: checkpoint has no tensor '${name}'`);
    return saved;
  };
  const { modules, cores, synthetic } = parts(system);
  for (const [role, core] of cores) {
    restoreState(`${role}/`, core.lstm, core.optimizer, state);
    if (state[`${role}/carried.h`] !== undefined)
      core.carry(need(`${role}/carried.h`), need(`${role}/carried.c`));
    core.windows = counters.cores[role] ?? 0;
  }
  for (const [role, module] of modules) {
    restoreState(`${role}/`, module.layers, module.optimizer, state);
    module.updates = counters.modules[role] ?? 0;
  }
  if (synthetic !== null) restoreModelState('a/sg/', synthetic, state);
  system.a.parts.stream.seek(need('a/digits.prng').data);
  system.a.seek(counters.a);
  system.b.seek(counters.b);
  return { epoch: meta.epoch as number, history: meta.history as Metrics[], schedule: counters.schedule };
}
