import { sigmoidBackward, sigmoidForward } from '../tensor/activations.ts';
import { ElementwiseActivation } from './elementwise.ts';

export class Sigmoid extends ElementwiseActivation {
  protected readonly kind = 'Sigmoid';

  constructor(name = 'sigmoid') {
    super(name);
  }

  protected apply(input: Float32Array, output: Float32Array): void {
    sigmoidForward(input, output);
  }

  protected derive(output: Float32Array, gradOutput: Float32Array, gradInput: Float32Array): void {
    sigmoidBackward(output, gradOutput, gradInput);
  }
}
