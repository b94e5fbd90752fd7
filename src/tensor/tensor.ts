/** A dense row-major float32 tensor: a shape over a Float32Array that may be shared (views are zero-copy). */
export type Shape = readonly number[];

export function sizeOf(shape: Shape): number {
  let size = 1;
  for (const dim of shape) {
    if (!Number.isInteger(dim) || dim < 0) {
      throw new Error(`dniflow/tensor: bad dimension ${dim} in shape [${shape.join(', ')}]`);
    }
    size *= dim;
  }
  return size;
}

export class Tensor {
  readonly data: Float32Array;
  readonly shape: Shape;

  constructor(data: Float32Array, shape: Shape) {
    const size = sizeOf(shape);
    if (data.length !== size) {
      throw new Error(
        `dniflow/tensor: data of length ${data.length} does not fit shape [${shape.join(', ')}] (size ${size})`,
      );
    }
    this.data = data;
    this.shape = [...shape];
  }

  static zeros(shape: Shape): Tensor {
    return new Tensor(new Float32Array(sizeOf(shape)), shape);
  }

  static from(values: ArrayLike<number>, shape: Shape): Tensor {
    return new Tensor(Float32Array.from(values), shape);
  }

  get size(): number {
    return this.data.length;
  }

  get rank(): number {
    return this.shape.length;
  }

  /** A view with another shape over the same memory. */
  reshape(shape: Shape): Tensor {
    return new Tensor(this.data, shape);
  }

  clone(): Tensor {
    return new Tensor(this.data.slice(), this.shape);
  }

  /** Rows [start, end) of the leading dimension, as a zero-copy view. */
  rows(start: number, end: number): Tensor {
    const rowSize = this.shape.length === 0 ? 1 : this.size / this.shape[0];
    return new Tensor(this.data.subarray(start * rowSize, end * rowSize), [
      end - start,
      ...this.shape.slice(1),
    ]);
  }

  fill(value: number): this {
    this.data.fill(value);
    return this;
  }

  copyFrom(other: Tensor): this {
    if (other.size !== this.size) {
      throw new Error(`dniflow/tensor: copy of size ${other.size} into size ${this.size}`);
    }
    this.data.set(other.data);
    return this;
  }
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((dim, i) => dim === b[i]);
}
