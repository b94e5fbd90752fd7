import { type Shape, sameShape, sizeOf, Tensor } from '../tensor/tensor.ts';
import { formatShape, layerError } from './buffers.ts';
import type { Layer, Parameter } from './layer.ts';

/**
 * [batch, ...rest] → [batch, prod(rest)] as a zero-copy view. The views are cached per underlying
 * array, so repeated calls on the same buffers allocate nothing.
 */
export class Flatten implements Layer {
  readonly name: string;
  private inputShape: Shape | null = null;
  private outputView: Tensor | null = null;
  private gradInputView: Tensor | null = null;

  constructor(name = 'flatten') {
    this.name = name;
  }

  outputShape(inputShape: Shape): Shape {
    return [sizeOf(inputShape)];
  }

  forward(input: Tensor, _training: boolean): Tensor {
    if (input.rank < 1)
      throw layerError('Flatten', this.name, 'expects an input with a batch dimension, got a scalar');
    this.inputShape = input.shape;
    const width = input.rank === 1 ? 1 : input.size / input.shape[0];
    this.outputView = view(this.outputView, input.data, input.shape[0], width);
    return this.outputView;
  }

  backward(gradOutput: Tensor): Tensor {
    const inputShape = this.inputShape;
    if (inputShape === null) throw layerError('Flatten', this.name, 'backward called before forward');
    if (gradOutput.size !== sizeOf(inputShape) || gradOutput.shape[0] !== inputShape[0]) {
      throw layerError(
        'Flatten',
        this.name,
        `expects gradOutput of shape ${formatShape(this.outputView?.shape ?? [])}, got ${formatShape(gradOutput.shape)}`,
      );
    }
    const cached = this.gradInputView;
    if (cached !== null && cached.data === gradOutput.data && sameShape(cached.shape, inputShape))
      return cached;
    this.gradInputView = new Tensor(gradOutput.data, inputShape);
    return this.gradInputView;
  }

  parameters(): Parameter[] {
    return [];
  }

  buffers(): Record<string, Tensor> {
    return {};
  }
}

function view(cached: Tensor | null, data: Float32Array, batch: number, width: number): Tensor {
  if (cached !== null && cached.data === data && cached.shape[0] === batch && cached.shape[1] === width)
    return cached;
  return new Tensor(data, [batch, width]);
}
