import { tanhBackward, tanhForward } from '../tensor/activations.ts';
import { ElementwiseActivation } from './elementwise.ts';

export class Tanh extends ElementwiseActivation {
  protected readonly kind = 'Tanh';

  constructor(name = 'tanh') {
    super(name);
  }

  protected apply(input: Float32Array, output: Float32Array): void {
    tanhForward(input, output);
  }

  protected derive(output: Float32Array, gradOutput: Float32Array, gradInput: Float32Array): void {
    tanhBackward(output, gradOutput, gradInput);
  }
}
