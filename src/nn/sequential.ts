import type { Shape, Tensor } from '../tensor/tensor.ts';
import type { Layer, Parameter } from './layer.ts';

/**
 * Layers applied in order; backward runs them in reverse. Parameters and buffers are collected once,
 * their names prefixed with the sequence's name (`net.fc1.weight`; nested sequences nest the prefix).
 * The Parameter objects share their tensors with the layers, so optimisers and checkpoints see the
 * same memory the layers compute with.
 */
export class Sequential implements Layer {
  readonly name: string;
  readonly layers: readonly Layer[];
  private readonly parameterList: Parameter[];

  constructor(name: string, layers: readonly Layer[]) {
    this.name = name;
    this.layers = [...layers];
    const seen = new Set<string>();
    for (const layer of this.layers) {
      if (seen.has(layer.name)) {
        throw new Error(
          `dniflow/nn: Sequential '${name}' has two layers named '${layer.name}'; names must be unique`,
        );
      }
      seen.add(layer.name);
    }
    this.parameterList = this.layers.flatMap((layer) =>
      layer.parameters().map((p) => ({ name: `${name}.${p.name}`, value: p.value, grad: p.grad })),
    );
  }

  outputShape(inputShape: Shape): Shape {
    let shape = inputShape;
    this.layers.forEach((layer, index) => {
      try {
        shape = layer.outputShape(shape);
      } catch (error) {
        throw this.wrap(error, index, layer);
      }
    });
    return shape;
  }

  forward(input: Tensor, training: boolean): Tensor {
    let activation = input;
    for (let i = 0; i < this.layers.length; i++) {
      try {
        activation = this.layers[i].forward(activation, training);
      } catch (error) {
        throw this.wrap(error, i, this.layers[i]);
      }
    }
    return activation;
  }

  backward(gradOutput: Tensor): Tensor {
    let gradient = gradOutput;
    for (let i = this.layers.length - 1; i >= 0; i--) {
      try {
        gradient = this.layers[i].backward(gradient);
      } catch (error) {
        throw this.wrap(error, i, this.layers[i]);
      }
    }
    return gradient;
  }

  /**
   * `backward` for a sequence whose input gradient nobody reads (a module on the data source): the
   * first layer only adds its parameter gradients when it can (Layer.backwardParameters).
   */
  backwardParameters(gradOutput: Tensor): void {
    let gradient = gradOutput;
    for (let i = this.layers.length - 1; i >= 0; i--) {
      const layer = this.layers[i];
      try {
        if (i === 0 && layer.backwardParameters !== undefined) layer.backwardParameters(gradient);
        else gradient = layer.backward(gradient);
      } catch (error) {
        throw this.wrap(error, i, layer);
      }
    }
  }

  parameters(): Parameter[] {
    return this.parameterList;
  }

  buffers(): Record<string, Tensor> {
    const all: Record<string, Tensor> = {};
    for (const layer of this.layers) {
      for (const [key, tensor] of Object.entries(layer.buffers())) all[`${this.name}.${key}`] = tensor;
    }
    return all;
  }

  /** Adds where in the sequence the failure happened, keeping the layer's own message. */
  private wrap(error: unknown, index: number, layer: Layer): Error {
    const message = error instanceof Error ? error.message : String(error);
    return new Error(`dniflow/nn: Sequential '${this.name}' layer ${index} ('${layer.name}'): ${message}`, {
      cause: error,
    });
  }
}
