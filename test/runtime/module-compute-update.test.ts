import { describe, expect, it } from 'vitest';
import { instantiateModule } from '../../src/graph/instantiate.ts';
import { linear, relu } from '../../src/index.ts';
import { createOptimizer } from '../../src/nn/optim/create.ts';
import { ModuleCompute } from '../../src/runtime/module-compute.ts';
import { Prng } from '../../src/tensor/prng.ts';
import { Tensor } from '../../src/tensor/tensor.ts';

// A module whose output edges mix the stale-gradient baseline's true target (gradient + separate
// update) with other kinds (gradient only): its input gradient backpropagates the sum of the
// gradients, and its parameter update the sum of each edge's update (the gradient where an edge
// gives no separate one).

const LR = 0.1;
const SPECS = [linear(3), relu()];

function moduleAt(seed: number): ModuleCompute {
  const layers = instantiateModule('m', SPECS, [4], new Prng(seed));
  return new ModuleCompute(
    'm',
    layers,
    createOptimizer(layers.parameters(), { kind: 'sgd', lr: LR, momentum: 0 }, 0),
    1,
  );
}

const input = new Prng(2).fillNormal(new Float32Array(2 * 4));
const tensor = (seed: number) => new Tensor(new Prng(seed).fillNormal(new Float32Array(2 * 3)), [2, 3]);
const plus = (x: Tensor, y: Tensor) =>
  new Tensor(
    x.data.map((v, i) => v + y.data[i]),
    x.shape,
  );

/** What plain backprop of `upstream` gives: the input gradient, and the parameters after θ − lr·g. */
function reference(upstream: Tensor): { inputGradient: number[]; params: number[][] } {
  const compute = moduleAt(1);
  compute.forward(new Tensor(input.slice(), [2, 4]), true);
  compute.accumulate(upstream);
  const inputGradient = Array.from(compute.backwardAndUpdate().data);
  return { inputGradient, params: compute.layers.parameters().map((p) => Array.from(p.value.data)) };
}

describe('ModuleCompute with a separate parameter update (stale gradients, true target)', () => {
  const backpropEdge = tensor(10);
  const staleTrue = tensor(11);
  const staleAnswer = tensor(12);

  for (const order of ['other edge first', 'stale edge first']) {
    it(`backpropagates the gradient sum and updates with the update sum (${order})`, () => {
      const compute = moduleAt(1);
      compute.forward(new Tensor(input.slice(), [2, 4]), true);
      if (order === 'other edge first') {
        compute.accumulate(backpropEdge);
        compute.accumulate(staleTrue, staleAnswer);
      } else {
        compute.accumulate(staleTrue, staleAnswer);
        compute.accumulate(backpropEdge);
      }
      const inputGradient = Array.from(compute.backwardAndUpdate().data);
      const down = reference(plus(backpropEdge, staleTrue));
      const step = reference(plus(backpropEdge, staleAnswer));
      expect(inputGradient).toEqual(down.inputGradient);
      expect(compute.layers.parameters().map((p) => Array.from(p.value.data))).toEqual(step.params);
      // The messages' tensors are not written to.
      expect(Array.from(staleAnswer.data)).toEqual(Array.from(tensor(12).data));
      expect(Array.from(backpropEdge.data)).toEqual(Array.from(tensor(10).data));
    });
  }

  it('on the data (no input gradient wanted) steps with the update sum; the next step starts afresh', () => {
    const compute = moduleAt(1);
    compute.forward(new Tensor(input.slice(), [2, 4]), true);
    compute.accumulate(staleTrue, staleAnswer);
    compute.updateWithoutInputGradient();
    expect(compute.layers.parameters().map((p) => Array.from(p.value.data))).toEqual(
      reference(staleAnswer).params,
    );
    // A later step with no separate update uses its gradient again (nothing left over).
    const again = moduleAt(1);
    again.forward(new Tensor(input.slice(), [2, 4]), true);
    again.accumulate(staleTrue, staleAnswer);
    again.skip();
    again.accumulate(backpropEdge);
    again.backwardAndUpdate();
    expect(again.layers.parameters().map((p) => Array.from(p.value.data))).toEqual(
      reference(backpropEdge).params,
    );
  });
});
