import { reluBackward, reluForward } from '../tensor/activations.ts';
import { ElementwiseActivation } from './elementwise.ts';

/** max(0, x). The subgradient at 0 is 0. */
export class ReLU extends ElementwiseActivation {
  protected readonly kind = 'ReLU';

  constructor(name = 'relu') {
    super(name);
  }

  protected apply(input: Float32Array, output: Float32Array): void {
    reluForward(input, output);
  }

  protected derive(output: Float32Array, gradOutput: Float32Array, gradInput: Float32Array): void {
    // y > 0 exactly where x > 0, so the output serves as the mask.
    reluBackward(output, gradOutput, gradInput);
  }
}
