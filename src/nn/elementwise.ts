import type { Shape, Tensor } from '../tensor/tensor.ts';
import { checkGradOutput, reuse } from './buffers.ts';
import type { Layer, Parameter } from './layer.ts';

/**
 * The shared body of parameter-free elementwise activations. Subclasses give the two kernels; both
 * work from the layer's own *output* (ReLU's y > 0 exactly where x > 0; tanh and sigmoid have
 * derivatives in terms of y), so no activation keeps a reference to its caller's input.
 */
export abstract class ElementwiseActivation implements Layer {
  readonly name: string;
  protected abstract readonly kind: string;
  private output: Tensor | null = null;
  private gradInput: Tensor | null = null;

  constructor(name: string) {
    this.name = name;
  }

  protected abstract apply(input: Float32Array, output: Float32Array): void;
  protected abstract derive(output: Float32Array, gradOutput: Float32Array, gradInput: Float32Array): void;

  outputShape(inputShape: Shape): Shape {
    return inputShape;
  }

  forward(input: Tensor, _training: boolean): Tensor {
    const output = reuse(this.output, input.shape);
    this.output = output;
    this.apply(input.data, output.data);
    return output;
  }

  backward(gradOutput: Tensor): Tensor {
    checkGradOutput(this.kind, this.name, this.output, gradOutput);
    const output = this.output as Tensor;
    const gradInput = reuse(this.gradInput, output.shape);
    this.gradInput = gradInput;
    this.derive(output.data, gradOutput.data, gradInput.data);
    return gradInput;
  }

  parameters(): Parameter[] {
    return [];
  }

  buffers(): Record<string, Tensor> {
    return {};
  }
}
