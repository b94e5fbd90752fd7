import { backend } from '../tensor/backend-registry.ts';
import { ElementwiseActivation } from './elementwise.ts';

/**
 * max(0, x). The subgradient at 0 is 0. The kernels are the backend's branch-free `relu` and
 * `reluBackward` (src/tensor/relu-kernels.ts, which documents the values: −∞ gives NaN, not 0).
 */
export class ReLU extends ElementwiseActivation {
  protected readonly kind = 'ReLU';

  constructor(name = 'relu') {
    super(name);
  }

  protected apply(input: Float32Array, output: Float32Array): void {
    backend().relu(input, output);
  }

  protected derive(output: Float32Array, gradOutput: Float32Array, gradInput: Float32Array): void {
    backend().reluBackward(output, gradOutput, gradInput);
  }
}
