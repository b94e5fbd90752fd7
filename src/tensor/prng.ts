/**
 * Seeded randomness with explicit, independent streams (as Flax NNX's rngs, d3's lcg).
 * xoshiro128** for the bits; every stream is derived from (seed, name) with splitmix32 so that adding a
 * stream never shifts the numbers another stream draws.
 */
function splitmix32(state: number): () => number {
  return () => {
    state = (state + 0x9e3779b9) | 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

function hashString(text: string, seed: number): number {
  let h = seed ^ 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  }
  return h >>> 0;
}

export class Prng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spareNormal: number | null = null;
  readonly seed: number;
  readonly name: string;

  constructor(seed: number, name = 'root') {
    if (!Number.isFinite(seed))
      throw new Error(`dniflow/tensor: PRNG seed must be a finite number, got ${seed}`);
    this.seed = seed;
    this.name = name;
    const mix = splitmix32(hashString(name, seed >>> 0));
    this.s0 = mix();
    this.s1 = mix();
    this.s2 = mix();
    this.s3 = mix();
  }

  /**
   * The generator's position: its four state words as eight 16-bit halves, then the cached second
   * normal deviate as four 16-bit quarters of its float64 bits (all NaN when none is cached). Every
   * value is an integer below 2^16, so a float32 checkpoint holds it exactly.
   */
  position(): Float32Array {
    const out = new Float32Array(12);
    [this.s0, this.s1, this.s2, this.s3].forEach((word, i) => {
      out[2 * i] = word >>> 16;
      out[2 * i + 1] = word & 0xffff;
    });
    if (this.spareNormal === null) out.fill(Number.NaN, 8);
    else out.set(new Uint16Array(new Float64Array([this.spareNormal]).buffer), 8);
    return out;
  }

  /** Moves the generator to a `position()`. */
  seek(position: ArrayLike<number>): void {
    if (position.length !== 12)
      throw new Error(`dniflow/tensor: a PRNG position has 12 values, got ${position.length}`);
    const word = (i: number) => ((position[2 * i] << 16) | position[2 * i + 1]) >>> 0;
    [this.s0, this.s1, this.s2, this.s3] = [word(0), word(1), word(2), word(3)];
    this.spareNormal = Number.isNaN(position[8])
      ? null
      : new Float64Array(Uint16Array.from([position[8], position[9], position[10], position[11]]).buffer)[0];
  }

  /** An independent stream named `name`, a pure function of this stream's seed and name. */
  stream(name: string): Prng {
    return new Prng(this.seed, `${this.name}/${name}`);
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** Standard normal by Box–Muller (the pair's second value is kept for the next call). */
  normal(): number {
    if (this.spareNormal !== null) {
      const value = this.spareNormal;
      this.spareNormal = null;
      return value;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const radius = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = radius * Math.sin(2 * Math.PI * v);
    return radius * Math.cos(2 * Math.PI * v);
  }

  fillUniform(target: Float32Array, low = 0, high = 1): Float32Array {
    for (let i = 0; i < target.length; i++) target[i] = low + (high - low) * this.uniform();
    return target;
  }

  fillNormal(target: Float32Array, mean = 0, std = 1): Float32Array {
    for (let i = 0; i < target.length; i++) target[i] = mean + std * this.normal();
    return target;
  }

  /** Fisher–Yates shuffle in place. */
  shuffle<T extends { length: number; [index: number]: number }>(items: T): T {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = items[i];
      items[i] = items[j];
      items[j] = tmp;
    }
    return items;
  }

  /** A uniform index permutation of 0..n-1. */
  permutation(n: number): Uint32Array {
    const order = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    return this.shuffle(order);
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
