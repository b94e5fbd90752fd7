import type { LabelArray } from '../data/dataset.ts';
import { instantiateModule } from '../graph/instantiate.ts';
import type { Network } from '../graph/network.ts';
import type { NetworkPlan } from '../graph/validate.ts';
import { SoftmaxCrossEntropy } from '../nn/losses/softmax-cross-entropy.ts';
import { createOptimizer, MODULE_MOMENTUM, type OptimizerSpec } from '../nn/optim/create.ts';
import type { Optimizer } from '../nn/optim/optimizer.ts';
import { Sequential } from '../nn/sequential.ts';
import type { Prng } from '../tensor/prng.ts';
import { allFinite } from '../tensor/reduce.ts';
import type { Tensor } from '../tensor/tensor.ts';
import type { ModuleReport, StepEngine, StepReport } from './engine.ts';
import { captureState, restoreState } from './state.ts';

/**
 * The plain backprop network: a chain of modules joined by backprop interfaces, fused into one
 * Sequential with one optimiser. It is the reference the graph runtime must match bit for bit
 * (DESIGN.md, algorithm 4).
 */
export class BackpropEngine implements StepEngine {
  private readonly net: Sequential;
  private readonly loss = new SoftmaxCrossEntropy('loss');
  private readonly optimizer: Optimizer;
  private readonly baseLr: number;
  private readonly moduleNames: string[];
  private steps = 0;

  constructor(network: Network, plan: NetworkPlan, prng: Prng, optimizer: OptimizerSpec) {
    const name = network.getAttribute('name');
    const modules: Sequential[] = [];
    let inputShape = plan.outputShapes.get(plan.order[0])!;
    for (const node of plan.order) {
      const spec = network.getNodeAttributes(node);
      network.forEachInEdge(node, (_edge, attrs, source) => {
        if (attrs.interface.kind !== 'backprop' || attrs.delay !== 0) {
          throw new Error(
            `dniflow/runtime: the backprop engine runs chains of backprop edges; edge ${source} -> ${node} is '${attrs.interface.kind}'`,
          );
        }
      });
      if (network.outDegree(node) > 1) {
        throw new Error(
          `dniflow/runtime: the backprop engine runs chains; '${node}' has ${network.outDegree(node)} outputs`,
        );
      }
      if (spec.kind === 'module') {
        modules.push(instantiateModule(node, spec.layers, inputShape, prng.stream(node)));
        inputShape = plan.outputShapes.get(node)!;
      } else if (spec.kind === 'loss' && spec.loss !== 'softmaxCrossEntropy') {
        throw new Error(
          `dniflow/runtime: network '${name}': loss '${node}' (${spec.loss}) is not a classifier loss`,
        );
      }
    }
    this.moduleNames = modules.map((m) => m.name);
    this.net = new Sequential(name, modules);
    this.optimizer = createOptimizer(this.net.parameters(), optimizer, MODULE_MOMENTUM);
    this.baseLr = optimizer.lr;
  }

  trainStep(_step: number, inputs: Tensor, labels: LabelArray): StepReport {
    // Module by module, so that a NaN is blamed on the first module that produced one and nothing
    // is updated from it.
    let activation = inputs;
    for (const module of this.net.layers) {
      activation = module.forward(activation, true);
      if (allFinite(activation.data) !== -1) return { loss: Number.NaN, nonFinite: module.name };
    }
    const loss = this.loss.forward(activation, labels);
    if (!Number.isFinite(loss)) return { loss, nonFinite: 'loss' };
    this.optimizer.zeroGrad();
    this.net.backward(this.loss.backward());
    this.optimizer.step();
    this.steps++;
    return { loss };
  }

  predict(inputs: Tensor): Tensor {
    return this.net.forward(inputs, false);
  }

  scaleLearningRate(factor: number): void {
    this.optimizer.lr = this.baseLr * factor;
  }

  modules(): ModuleReport[] {
    return this.moduleNames.map((name) => ({ name, updates: this.steps }));
  }

  state(): Record<string, Tensor> {
    const state: Record<string, Tensor> = {};
    captureState('', this.net, this.optimizer, state);
    return state;
  }

  loadState(state: Record<string, Tensor>): void {
    restoreState('', this.net, this.optimizer, state);
  }
}
