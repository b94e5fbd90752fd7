import { COPY_INPUT_CHANNELS, COPY_TARGET_CHANNELS, CopyTaskStream } from '../../data/copy-task.ts';
import { type CharCorpus, sharedCorpus } from '../../data/text.ts';
import { BoundarySyntheticGradient } from '../../dni/boundary-gradient.ts';
import { instantiateModule } from '../../graph/instantiate.ts';
import type { Network } from '../../graph/network.ts';
import { isStreamDataset, recurrentUnits, STREAM_DATASETS, stateLoopOf } from '../../graph/recurrent.ts';
import type { NetworkPlan } from '../../graph/validate.ts';
import { LSTM } from '../../nn/lstm.ts';
import { createOptimizer, MODULE_MOMENTUM, type OptimizerSpec } from '../../nn/optim/create.ts';
import type { Prng } from '../../tensor/prng.ts';
import { ModuleCompute } from '../module-compute.ts';
import { CopyCurriculum } from './curriculum.ts';
import { RecurrentCore } from './recurrent-core.ts';
import { RecurrentEngine } from './recurrent-engine.ts';
import { TextWindows } from './text-windows.ts';
import { BitsLoss, type BitsWindow, TokenLoss, type TokenWindow } from './window-loss.ts';

/** Whether a network has a recurrent module (and so needs this runtime). */
export function isRecurrentNetwork(network: Network): boolean {
  return network.someNode((node) => recurrentUnits(network, node) !== null);
}

const isTextDataset = (dataset: string) => dataset === 'mobyDick' || dataset === 'text';

/** Whether a recurrent network is a language model (reads text) rather than a Copy task. */
export function readsText(network: Network): boolean {
  return network.someNode((_n, spec) => spec.kind === 'source' && isTextDataset(spec.dataset));
}

interface RunCommon {
  /** The core's truncation window T. */
  window: number;
  /** 'bptt', 'dni' or 'dni-aux': what the state loop does. */
  method: 'bptt' | 'dni' | 'dni-aux';
}

/** Copy / Repeat Copy: an endless stream with its curriculum. */
export interface CopyRun extends RunCommon {
  kind: 'copy';
  engine: RecurrentEngine<BitsWindow>;
  stream: CopyTaskStream;
  curriculum: CopyCurriculum;
}

/** A character-level language model on a corpus's train / validation / test splits. */
export interface TextRun extends RunCommon {
  kind: 'text';
  engine: RecurrentEngine<TokenWindow>;
  corpus: CharCorpus;
  train: TextWindows;
}

/** A recurrent network ready to train. */
export type RecurrentRun = CopyRun | TextRun;

function refuse(network: Network, why: string): never {
  throw new Error(`dniflow/runtime: network '${network.getAttribute('name')}': ${why}`);
}

/**
 * Builds what the recurrent runtime runs today, and refuses the rest before any work: one stream
 * source (Copy, Repeat Copy, or a text) into one recurrent module, whose per-tick output feeds one
 * feed-forward readout over a backprop edge, into the task's loss: sigmoid BCE on Copy's target
 * bits, softmax cross-entropy on a text's next character.
 */
export function buildRecurrentRun(
  network: Network,
  plan: NetworkPlan,
  prng: Prng,
  options: { batch: number; optimizer: OptimizerSpec; clipNorm?: number },
): RecurrentRun {
  const cores = network.filterNodes((node) => recurrentUnits(network, node) !== null);
  if (cores.length !== 1)
    refuse(network, `has ${cores.length} recurrent modules; the recurrent runtime takes one`);
  const core = cores[0];
  const sources = network.filterNodes((_n, spec) => spec.kind === 'source');
  const source = network.getNodeAttributes(sources[0]);
  if (sources.length !== 1 || source.kind !== 'source' || !isStreamDataset(source.dataset))
    refuse(network, `a recurrent network reads one stream source (${STREAM_DATASETS.join(', ')})`);
  const text = isTextDataset(source.dataset);
  const corpus = text ? loadCorpus(network, sources[0], source) : undefined;
  const channels = corpus ? corpus.vocabulary.size : COPY_INPUT_CHANNELS;
  if (source.shape.length !== 1 || source.shape[0] !== channels)
    refuse(
      network,
      `source '${sources[0]}' of ${source.dataset} has [${channels}] channels per tick, not [${source.shape.join(', ')}]`,
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
  const lossKind = text ? 'softmaxCrossEntropy' : 'sigmoidBce';
  if (lossSpec?.kind !== 'loss' || lossSpec.loss !== lossKind)
    refuse(
      network,
      `readout '${readout}' must feed one ${lossKind} loss (the task's per-tick ${text ? 'next character' : 'bits'})`,
    );
  const outputs = corpus ? corpus.vocabulary.size : COPY_TARGET_CHANNELS;
  const readoutShape = plan.outputShapes.get(readout)!;
  if (readoutShape.length !== 1 || readoutShape[0] !== outputs)
    refuse(
      network,
      `readout '${readout}' outputs [${readoutShape.join(', ')}]; the task's targets are [${outputs}]`,
    );

  const coreSpec = network.getNodeAttributes(core);
  const window = coreSpec.kind === 'module' ? coreSpec.window! : 1;
  const units = recurrentUnits(network, core)!;
  const lstm = new LSTM(core, channels, units, { prng: prng.stream(core) });
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
          state: loop.state,
          prng: prng.stream(`${core}/state-loop`),
        })
      : null;
  const recurrentCore = new RecurrentCore(
    core,
    lstm,
    createOptimizer(lstm.parameters(), options.optimizer, MODULE_MOMENTUM, core),
    boundary,
    options.clipNorm,
  );
  const layers = instantiateModule(readout, readoutSpec.layers, [units], prng.stream(readout));
  const readoutCompute = new ModuleCompute(
    readout,
    layers,
    createOptimizer(layers.parameters(), options.optimizer, MODULE_MOMENTUM, readout),
    1,
  );
  const method = boundary === null ? 'bptt' : boundary.auxHead === null ? 'dni' : 'dni-aux';
  if (corpus) {
    return {
      kind: 'text',
      engine: new RecurrentEngine(recurrentCore, readoutCompute, new TokenLoss(lossNode)),
      corpus,
      train: new TextWindows(corpus.train, corpus.vocabulary.size, options.batch, window),
      window,
      method,
    };
  }
  const stream = new CopyTaskStream(prng.stream('data'), {
    kind: source.dataset as 'copy' | 'repeatCopy',
    batch: options.batch,
    n: source.level?.n,
    r: source.level?.r,
    stagger: source.stagger,
  });
  return {
    kind: 'copy',
    engine: new RecurrentEngine(recurrentCore, readoutCompute, new BitsLoss(lossNode)),
    stream,
    curriculum: new CopyCurriculum(stream),
    window,
    method,
  };
}

function loadCorpus(network: Network, node: string, source: { dataset: string; path?: string }): CharCorpus {
  if (source.dataset === 'mobyDick') return sharedCorpus();
  if (source.path === undefined) refuse(network, `source '${node}' reads a text file but names no path`);
  return sharedCorpus(source.path);
}
