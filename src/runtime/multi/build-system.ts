import { DigitStream } from '../../data/digit-stream.ts';
import { loadMnist } from '../../data/mnist.ts';
import { SyntheticGradientModel } from '../../dni/synthetic-gradient.ts';
import { instantiateModule } from '../../graph/instantiate.ts';
import type { LayerSpec } from '../../graph/layers.ts';
import type { Network } from '../../graph/network.ts';
import { LSTM } from '../../nn/lstm.ts';
import { createOptimizer, MODULE_MOMENTUM, type OptimizerSpec } from '../../nn/optim/create.ts';
import type { Prng } from '../../tensor/prng.ts';
import type { Shape } from '../../tensor/tensor.ts';
import { ModuleCompute } from '../module-compute.ts';
import { RecurrentCore } from '../recurrent/recurrent-core.ts';
import { DEFAULT_MAX_LOSS } from '../trainer.ts';
import { NetworkA } from './network-a.ts';
import { NetworkB } from './network-b.ts';
import { type NetworkSpec, readSystem, type SystemSpec } from './system-spec.ts';

/** The odd/3s system ready to run: its two networks and what built them. */
export interface TwoClockSystem {
  spec: SystemSpec;
  a: NetworkA;
  b: NetworkB;
  lanes: number;
}

export interface SystemOptions {
  /** Lanes: independent digit streams run side by side (the batch). */
  lanes: number;
  optimizer: OptimizerSpec;
  clipNorm?: number;
  /** A window loss above this stops the run (default DEFAULT_MAX_LOSS). */
  maxLoss?: number;
}

/**
 * Builds both networks of a two-clock system (paper §3.3) from its graph. Every module draws its
 * parameters from its own named stream of `prng`, so a network built in a worker starts exactly as
 * the same network built here. The digit stream reads MNIST's train split, standardised.
 */
export function buildSystem(network: Network, prng: Prng, options: SystemOptions): TwoClockSystem {
  const spec = readSystem(network);
  const { lanes } = options;
  const maxLoss = options.maxLoss ?? DEFAULT_MAX_LOSS;
  const source = network.getNodeAttributes(spec.source);
  const pixels = source.kind === 'source' ? source.shape.reduce((x, y) => x * y, 1) : 0;
  const module = (name: string, layers: readonly LayerSpec[], input: Shape) => {
    const sequential = instantiateModule(name, layers, input, prng.stream(name));
    const optimizer = createOptimizer(sequential.parameters(), options.optimizer, MODULE_MOMENTUM, name);
    return new ModuleCompute(name, sequential, optimizer, 1);
  };
  const coreOf = (net: NetworkSpec, inputSize: number) => {
    const lstm = new LSTM(net.core.name, inputSize, net.core.units, { prng: prng.stream(net.core.name) });
    const optimizer = createOptimizer(lstm.parameters(), options.optimizer, MODULE_MOMENTUM, net.core.name);
    return new RecurrentCore(net.core.name, lstm, optimizer, null, options.clipNorm);
  };
  const encoder = spec.a.encoder ? module(spec.a.encoder.name, spec.a.encoder.layers, [pixels]) : null;
  const coreA = coreOf(spec.a, encoder === null ? pixels : encoder.layers.outputShape([pixels])[0]);
  const headA = module(spec.a.head.name, spec.a.head.layers, [spec.a.core.units]);
  const synthetic =
    spec.synthetic === undefined
      ? null
      : new SyntheticGradientModel({
          name: `${spec.messageEdge}/sg`,
          spec: spec.synthetic.model,
          shape: [spec.a.core.units],
          context: spec.join === 'cdni' ? { classes: spec.b.loss.classes } : undefined,
          prng: prng.stream(`${spec.messageEdge}/sg`),
          optimizer: spec.synthetic.optimizer,
          // B's true gradient for a message arrives up to a block (T windows) later, more in flight.
          maxPending: 8 * spec.a.core.window,
        });
  const mnist = loadMnist({ standardize: true });
  const a = new NetworkA({
    spec,
    encoder,
    core: coreA,
    head: headA,
    synthetic,
    stream: new DigitStream(mnist.train, lanes, prng.stream('digits')),
    lanes,
    maxLoss,
  });
  const b = new NetworkB({
    spec,
    core: coreOf(spec.b, spec.a.core.units),
    head: module(spec.b.head.name, spec.b.head.layers, [spec.b.core.units]),
    lanes,
    maxLoss,
  });
  return { spec, a, b, lanes };
}
