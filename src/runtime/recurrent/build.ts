import { COPY_INPUT_CHANNELS, COPY_TARGET_CHANNELS, CopyTaskStream } from '../../data/copy-task.ts';
import { BoundarySyntheticGradient } from '../../dni/boundary-gradient.ts';
import { instantiateModule } from '../../graph/instantiate.ts';
import type { Network } from '../../graph/network.ts';
import { isStreamDataset, recurrentUnits, stateLoopOf } from '../../graph/recurrent.ts';
import type { NetworkPlan } from '../../graph/validate.ts';
import { MaskedSigmoidBCE } from '../../nn/losses/masked-sigmoid-bce.ts';
import { LSTM } from '../../nn/lstm.ts';
import { createOptimizer, MODULE_MOMENTUM, type OptimizerSpec } from '../../nn/optim/create.ts';
import type { Prng } from '../../tensor/prng.ts';
import { ModuleCompute } from '../module-compute.ts';
import { CopyCurriculum } from './curriculum.ts';
import { RecurrentCore } from './recurrent-core.ts';
import { RecurrentEngine } from './recurrent-engine.ts';

/** Whether a network has a recurrent module (and so needs this runtime). */
export function isRecurrentNetwork(network: Network): boolean {
  return network.someNode((node) => recurrentUnits(network, node) !== null);
}

/** A recurrent network ready to train: its window engine, its data stream and the curriculum. */
export interface RecurrentRun {
  engine: RecurrentEngine;
  stream: CopyTaskStream;
  curriculum: CopyCurriculum;
  /** The core's truncation window T. */
  window: number;
  /** 'bptt', 'dni' or 'dni-aux': what the state loop does. */
  method: 'bptt' | 'dni' | 'dni-aux';
}

function refuse(network: Network, why: string): never {
  throw new Error(`dniflow/runtime: network '${network.getAttribute('name')}': ${why}`);
}

/**
 * Builds what the recurrent runtime runs today, and refuses the rest before any work: one stream
 * source (Copy or Repeat Copy) into one recurrent module, whose per-tick output feeds one
 * feed-forward readout over a backprop edge, into a sigmoid-BCE loss on the task's target bits.
 */
export function buildRecurrentRun(
  network: Network,
  plan: NetworkPlan,
  prng: Prng,
  options: { batch: number; optimizer: OptimizerSpec },
): RecurrentRun {
  const cores = network.filterNodes((node) => recurrentUnits(network, node) !== null);
  if (cores.length !== 1)
    refuse(network, `has ${cores.length} recurrent modules; the recurrent runtime takes one`);
  const core = cores[0];
  const sources = network.filterNodes((_n, spec) => spec.kind === 'source');
  const source = network.getNodeAttributes(sources[0]);
  if (sources.length !== 1 || source.kind !== 'source' || !isStreamDataset(source.dataset))
    refuse(network, `a recurrent network reads one stream source (copy or repeatCopy)`);
  if (source.shape.length !== 1 || source.shape[0] !== COPY_INPUT_CHANNELS)
    refuse(
      network,
      `source '${sources[0]}' of ${source.dataset} has [${COPY_INPUT_CHANNELS}] channels per tick`,
    );
  const coreInput = network.filterInEdges(core, (_e, attrs) => attrs.delay === 0);
  if (network.source(coreInput[0]) !== sources[0])
    refuse(network, `recurrent module '${core}' must read the source '${sources[0]}' directly`);
  const outs = network.filterOutEdges(core, (_e, attrs) => attrs.delay === 0);
  const readout = outs.length === 1 ? network.target(outs[0]) : '';
  const readoutSpec = readout ? network.getNodeAttributes(readout) : undefined;
  if (readoutSpec?.kind !== 'module' || network.getEdgeAttribute(outs[0], 'interface').kind !== 'backprop')
    refuse(network, `recurrent module '${core}' must feed one feed-forward readout module over backprop()`);
  const lossEdges = network.outEdges(readout);
  const lossNode = lossEdges.length === 1 ? network.target(lossEdges[0]) : '';
  const lossSpec = lossNode ? network.getNodeAttributes(lossNode) : undefined;
  if (lossSpec?.kind !== 'loss' || lossSpec.loss !== 'sigmoidBce')
    refuse(network, `readout '${readout}' must feed one sigmoidBce loss (the task's per-tick bits)`);
  const readoutShape = plan.outputShapes.get(readout)!;
  if (readoutShape.length !== 1 || readoutShape[0] !== COPY_TARGET_CHANNELS)
    refuse(
      network,
      `readout '${readout}' outputs [${readoutShape.join(', ')}]; the task's targets are [${COPY_TARGET_CHANNELS}]`,
    );

  const coreSpec = network.getNodeAttributes(core);
  const window = coreSpec.kind === 'module' ? coreSpec.window! : 1;
  const units = recurrentUnits(network, core)!;
  const lstm = new LSTM(core, COPY_INPUT_CHANNELS, units, { prng: prng.stream(core) });
  const loop = network.getEdgeAttribute(stateLoopOf(network, core)!, 'interface');
  const boundary =
    loop.kind === 'dni'
      ? new BoundarySyntheticGradient({
          name: core,
          hidden: units,
          spec: loop.model,
          optimizer: loop.optimizer,
          sgScale: loop.scale,
          bootstrapGamma: loop.bootstrapGamma ?? 1,
          aux: loop.aux ?? false,
          prng: prng.stream(`${core}/state-loop`),
        })
      : null;
  const recurrentCore = new RecurrentCore(
    core,
    lstm,
    createOptimizer(lstm.parameters(), options.optimizer, MODULE_MOMENTUM, core),
    boundary,
  );
  const layers = instantiateModule(readout, readoutSpec.layers, [units], prng.stream(readout));
  const readoutCompute = new ModuleCompute(
    readout,
    layers,
    createOptimizer(layers.parameters(), options.optimizer, MODULE_MOMENTUM, readout),
    1,
  );
  const engine = new RecurrentEngine(recurrentCore, readoutCompute, new MaskedSigmoidBCE(lossNode), lossNode);
  const stream = new CopyTaskStream(prng.stream('data'), {
    kind: source.dataset,
    batch: options.batch,
    n: source.level?.n,
    r: source.level?.r,
  });
  const method = boundary === null ? 'bptt' : boundary.auxHead === null ? 'dni' : 'dni-aux';
  return { engine, stream, curriculum: new CopyCurriculum(stream), window, method };
}
