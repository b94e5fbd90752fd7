/**
 * Where one training epoch of graphs/mnist-fcn.ts spends its time, by category, with simple timers:
 *
 *   node --import tsx bench/train-profile.ts [--mode bprop|dni] [--sg mlp|linear] [--batches N]
 *
 * (--sg defaults to mlp, the paper's 2×1024 synthetic-gradient models, not the graph's linear default.)
 *
 * Prototype methods (and the backend's gemm) are wrapped with timers that keep *exclusive* time (a
 * wrapped call's time minus that of wrapped calls inside it), so the categories add up: gemm, the
 * rest of Linear (bias, sums), BatchNorm, ReLU, optimiser steps and zeroGrad, the loss, message
 * copies (Tensor.clone, the DNI operator's copy of δ̂), synthetic-model bookkeeping (L2 regression,
 * input copy), and the remainder: the engine itself (xstate actors, RxJS edges, message objects),
 * batch gathering, the trainer and GC. The timers add ~0.1 µs per wrapped call (a few hundred calls
 * per step), negligible against a step of tens of milliseconds. Evaluation is not included.
 */
import { performance } from 'node:perf_hooks';
import mnistFcn from '../graphs/mnist-fcn.ts';
import { RegressionModel } from '../src/dni/regression-model.ts';
import { BatchNorm } from '../src/nn/batch-norm.ts';
import { Linear } from '../src/nn/linear.ts';
import { SoftmaxCrossEntropy } from '../src/nn/losses/softmax-cross-entropy.ts';
import { Optimizer } from '../src/nn/optim/optimizer.ts';
import { ReLU } from '../src/nn/relu.ts';
import { loadSourceData } from '../src/runtime/datasets.ts';
import { ModuleCompute } from '../src/runtime/module-compute.ts';
import { runGraph } from '../src/runtime/run.ts';
import { backend } from '../src/tensor/backend-registry.ts';
import { Tensor } from '../src/tensor/tensor.ts';

const args = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const index = args.indexOf(name);
  return index >= 0 ? args[index + 1] : undefined;
};
const mode = option('--mode') ?? 'dni';
const sg = option('--sg') ?? 'mlp';
const batches = Number(option('--batches') ?? 469);

const exclusive = new Map<string, number>();
const calls = new Map<string, number>();
/** Time spent in wrapped calls nested inside each open wrapped call. */
const nested: number[] = [];
let timing = false;

// biome-ignore lint/suspicious/noExplicitAny: wrapping arbitrary methods
function wrap(target: any, method: string, category: string): void {
  const original = target[method];
  // biome-ignore lint/suspicious/noExplicitAny: wrapping arbitrary methods
  target[method] = function (this: unknown, ...callArgs: any[]) {
    if (!timing) return original.apply(this, callArgs);
    const started = performance.now();
    nested.push(0);
    try {
      return original.apply(this, callArgs);
    } finally {
      const elapsed = performance.now() - started;
      const inner = nested.pop()!;
      exclusive.set(category, (exclusive.get(category) ?? 0) + elapsed - inner);
      calls.set(category, (calls.get(category) ?? 0) + 1);
      if (nested.length > 0) nested[nested.length - 1] += elapsed;
    }
  };
}

loadSourceData('mnist');
const active = backend();
wrap(active, 'gemm', 'gemm (BLAS)');
wrap(Linear.prototype, 'forward', 'Linear without gemm (bias add, checks)');
wrap(Linear.prototype, 'backward', 'Linear without gemm (bias sums, checks)');
wrap(BatchNorm.prototype, 'forward', 'BatchNorm forward');
wrap(BatchNorm.prototype, 'backward', 'BatchNorm backward');
wrap(ReLU.prototype, 'forward', 'ReLU forward');
wrap(ReLU.prototype, 'backward', 'ReLU backward');
wrap(Optimizer.prototype, 'step', 'optimiser step (Adam)');
wrap(Optimizer.prototype, 'zeroGrad', 'zeroGrad');
wrap(SoftmaxCrossEntropy.prototype, 'forward', 'loss');
wrap(SoftmaxCrossEntropy.prototype, 'backward', 'loss');
wrap(Tensor.prototype, 'clone', 'message copies (Tensor.clone)');
wrap(ModuleCompute.prototype, 'forward', 'module output check (allFinite)');
wrap(ModuleCompute.prototype, 'accumulate', 'message copies (Tensor.clone)');
wrap(RegressionModel.prototype, 'predict', 'SG model: input copy, output view');
wrap(RegressionModel.prototype, 'learn', 'SG model: L2 regression, bookkeeping');

let stepStarted = 0;
let stepTime = 0;
let steps = 0;
const clock = { now: () => performance.now() / 1000 };
const started = performance.now();
const cpuStarted = process.cpuUsage();
await runGraph(mnistFcn, {
  set: { method: mode, sg },
  epochs: 1,
  trainLimit: batches * 128,
  testLimit: 1,
  clock,
  onEvent: (event) => {
    if (event.type !== 'batch') return;
    const now = performance.now();
    if (steps > 0) stepTime += now - stepStarted;
    steps++;
    stepStarted = now;
    timing = steps < batches; // time steps 2..N (step 1 warms the JIT and allocates buffers)
  },
});
const cpu = process.cpuUsage(cpuStarted);
timing = false;
const timedSteps = steps - 1;
const measured = [...exclusive.values()].reduce((a, b) => a + b, 0);
exclusive.set('rest: engine (xstate, RxJS, messages), batching, trainer, GC', stepTime - measured);
calls.set('rest: engine (xstate, RxJS, messages), batching, trainer, GC', timedSteps);
console.log(
  `train-profile: mnist-fcn method=${mode} sg=${sg}, backend '${active.name}' (${active.threads} BLAS threads), ${timedSteps} timed steps of batch 128; ${(stepTime / timedSteps).toFixed(2)} ms/step wall; whole run ${((performance.now() - started) / 1000).toFixed(1)} s wall, ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s CPU`,
);
console.log('');
console.log('| category | ms/step | share | calls/step |');
console.log('|---|--:|--:|--:|');
for (const [category, ms] of [...exclusive.entries()].sort((a, b) => b[1] - a[1])) {
  console.log(
    `| ${category} | ${(ms / timedSteps).toFixed(2)} | ${((100 * ms) / stepTime).toFixed(1)}% | ${((calls.get(category) ?? 0) / timedSteps).toFixed(0)} |`,
  );
}
