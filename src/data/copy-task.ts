import type { Prng } from '../tensor/prng.ts';
import { Tensor } from '../tensor/tensor.ts';

/**
 * Copy and Repeat Copy (paper §3.2, from the Neural Turing Machine tasks), generated as an endless
 * stream: B independent lanes, each running one episode after another with no gap, so that a
 * recurrent net can run on without ever resetting its state (the paper's setting).
 *
 * Encoding of one episode at difficulty (N, R), one tick per row:
 *
 *   tick            inputs [bits 0–7 | start | R/10]     targets [bits 0–7 | end]   mask
 *   0               0…0 | 1 | 0                           —                          0
 *   1 … N           pattern[i] | 0 | 0                    —                          0
 *   N+1             0…0 | 0 | R/10                        pattern[0] | 0             1
 *   N+2 … N+N·R     0…0 | 0 | 0                           pattern[k mod N] | 0       1
 *   N+N·R+1         0…0 | 0 | 0                           0…0 | 1                    1
 *
 * so an episode lasts N·R + N + 2 ticks. The R/10 channel carries the repeat count on the first
 * output tick, after the pattern as in the NTM's Repeat Copy, and that pulse is also the only cue
 * that the pattern has ended: N changes with the curriculum and a pattern tick may be all zeros,
 * so without it the net could not tell where the output phase starts. Copy uses the same encoding
 * with R = 1 (the pulse is 0.1), so one net and one loss serve both tasks. Target values on masked
 * ticks are 0 and carry no meaning.
 */
export type CopyTaskKind = 'copy' | 'repeatCopy';

export const COPY_BITS = 8;
/** Input channels: the 8 bits, the start flag, R/10. */
export const COPY_INPUT_CHANNELS = COPY_BITS + 2;
/** Target channels: the 8 bits, the end marker. */
export const COPY_TARGET_CHANNELS = COPY_BITS + 1;
const START = COPY_BITS;
const REPEATS = COPY_BITS + 1;
const END = COPY_BITS;
/** Bounds on N and R: far past the lengths the paper solved (Copy 19, Repeat Copy 67). */
export const COPY_MAX_N = 64;
export const COPY_MAX_R = 20;
/**
 * With `stagger`, each lane first idles a uniform number of ticks below this, so that lanes sit at
 * every phase of a truncation window (T ≤ 64).
 */
export const COPY_STAGGER_TICKS = 64;
/** The curriculum's threshold, in bits per target tick (paper, appendix). */
export const COPY_CURRICULUM_THRESHOLD = 0.15;

/** A difficulty: pattern length N and repeat count R (always 1 for Copy). */
export interface CopyLevel {
  readonly n: number;
  readonly r: number;
}

/** The paper's task length: N+3 for Copy, N·R+3 for Repeat Copy. */
export function copyTaskLength(kind: CopyTaskKind, level: CopyLevel): number {
  return kind === 'copy' ? level.n + 3 : level.n * level.r + 3;
}

/** Ticks in one episode: start flag, N pattern ticks, N·R output ticks, the end marker. */
export function copyEpisodeTicks(level: CopyLevel): number {
  return level.n * level.r + level.n + 2;
}

/**
 * The next curriculum step, or null at the ceiling. Copy: N+1. Repeat Copy: R+1 while R < N, else
 * N+1, so N and R grow in turn: (1,1) → (2,1) → (2,2) → (3,2) → (3,3) → …
 */
export function harderCopyLevel(kind: CopyTaskKind, level: CopyLevel): CopyLevel | null {
  const { n, r } = level;
  if (kind === 'repeatCopy' && r < n && r < COPY_MAX_R) return { n, r: r + 1 };
  return n < COPY_MAX_N ? { n: n + 1, r } : null;
}

/** Throws unless (N, R) is a valid difficulty for `kind`. */
export function checkCopyLevel(kind: CopyTaskKind, level: CopyLevel): void {
  if (kind !== 'copy' && kind !== 'repeatCopy') {
    throw new Error(`dniflow/data: copy task kind must be 'copy' or 'repeatCopy', got ${String(kind)}`);
  }
  const { n, r } = level;
  if (!Number.isInteger(n) || n < 1 || n > COPY_MAX_N) {
    throw new Error(`dniflow/data: copy task N must be an integer in 1..${COPY_MAX_N}, got ${n}`);
  }
  if (!Number.isInteger(r) || r < 1 || r > COPY_MAX_R) {
    throw new Error(`dniflow/data: copy task R must be an integer in 1..${COPY_MAX_R}, got ${r}`);
  }
  if (kind === 'copy' && r !== 1) {
    throw new Error(`dniflow/data: the Copy task has R = 1, got R = ${r} (use kind 'repeatCopy')`);
  }
}

export interface CopyTaskOptions {
  kind: CopyTaskKind;
  /** Independent lanes (the batch size). */
  batch: number;
  /** Starting N (default 1). */
  n?: number;
  /** Starting R (default 1; must be 1 for Copy). */
  r?: number;
  /** Curriculum threshold in bits per target tick (default 0.15). */
  threshold?: number;
  /**
   * Start the lanes at staggered phases (default false: every lane starts its first episode on the
   * first tick). In step, an episode whose length is a multiple of T (at T = 3: (2, 1), (4, 3), …)
   * falls on the same window phase in every lane, and when that phase puts each output in another
   * window than its pattern, no BPTT gradient ever links the two, in any lane.
   */
  stagger?: boolean;
}

/**
 * One window of T ticks, time-major. The tensors are views on the stream's buffers: the next call
 * to `next` overwrites them.
 */
export interface CopyWindow {
  readonly ticks: number;
  /** [T, B, 10]. */
  readonly inputs: Tensor;
  /** [T, B, 9]. */
  readonly targets: Tensor;
  /** [T, B]: 1 on ticks with a target (the output phase and end marker), else 0. */
  readonly mask: Tensor;
  /** Episodes (over all lanes) whose last tick fell in this window. */
  readonly episodesEnded: number;
}

/** A CopyTaskStream's position (see `state`): counters as plain numbers, per-lane arrays as tensors. */
export interface CopyStreamState {
  counters: Record<'n' | 'r' | 'steps' | 'solved' | 'ended' | 'endedAtLevel' | 'ticks', number>;
  tensors: Record<string, Tensor>;
}

/** The Copy / Repeat Copy stream with its curriculum; see the encoding at the top of this file. */
export class CopyTaskStream {
  readonly kind: CopyTaskKind;
  readonly batch: number;
  readonly threshold: number;
  private level: CopyLevel;
  private steps = 0;
  private solved = 0;
  private ended = 0;
  private endedAtLevel = 0;
  private tickCount = 0;
  // Per lane: one PRNG stream each, so a lane's patterns depend on neither B nor the other lanes.
  private readonly lanePrngs: Prng[];
  private readonly laneN: Int32Array;
  private readonly laneR: Int32Array;
  private readonly laneStep: Int32Array;
  private readonly lanePos: Int32Array;
  private readonly laneTicks: Int32Array;
  /** Idle ticks left before the lane's first episode (stagger). */
  private readonly laneIdle: Int32Array;
  private readonly patterns: Uint8Array;
  private capacity = 0;
  private inputBuffer = new Float32Array(0);
  private targetBuffer = new Float32Array(0);
  private maskBuffer = new Float32Array(0);

  constructor(prng: Prng, options: CopyTaskOptions) {
    const { kind, batch } = options;
    const level = { n: options.n ?? 1, r: options.r ?? 1 };
    checkCopyLevel(kind, level);
    if (!Number.isInteger(batch) || batch < 1) {
      throw new Error(`dniflow/data: copy task batch must be a positive integer, got ${batch}`);
    }
    const threshold = options.threshold ?? COPY_CURRICULUM_THRESHOLD;
    if (!(threshold > 0) || !Number.isFinite(threshold)) {
      throw new Error(`dniflow/data: copy task threshold must be a positive number, got ${threshold}`);
    }
    this.kind = kind;
    this.batch = batch;
    this.threshold = threshold;
    this.level = level;
    this.lanePrngs = Array.from({ length: batch }, (_, b) => prng.stream(`${kind}/lane${b}`));
    this.laneN = new Int32Array(batch);
    this.laneR = new Int32Array(batch);
    this.laneStep = new Int32Array(batch);
    // pos === ticks means "episode over": every lane starts its first episode on the first tick.
    this.lanePos = new Int32Array(batch);
    this.laneTicks = new Int32Array(batch);
    // Its own PRNG stream: staggering changes when the lanes start, not their patterns.
    const stagger = prng.stream(`${kind}/stagger`);
    this.laneIdle = Int32Array.from({ length: batch }, () =>
      options.stagger === true ? stagger.int(COPY_STAGGER_TICKS) : 0,
    );
    this.patterns = new Uint8Array(batch * COPY_MAX_N);
  }

  /** The current difficulty, which episodes starting from now on get. */
  get n(): number {
    return this.level.n;
  }

  get r(): number {
    return this.level.r;
  }

  /** Curriculum steps taken so far. */
  get stepsTaken(): number {
    return this.steps;
  }

  /** The current task length (N+3 or N·R+3). */
  get taskLength(): number {
    return copyTaskLength(this.kind, this.level);
  }

  /**
   * The metric: the largest task length solved, where a level counts as solved once an error
   * reported at it fell below the threshold (the report that moves the curriculum past it). 0
   * until the first such report.
   */
  get solvedLength(): number {
    return this.solved;
  }

  /** Episodes finished on all lanes since the stream began. */
  get episodesCompleted(): number {
    return this.ended;
  }

  /**
   * Episodes finished that started at the current difficulty. Episodes begun before a step still
   * run to their end at the old difficulty, so a caller should measure the error of the new level
   * only from here on (for example, wait until this reaches B before reporting).
   */
  get episodesAtLevel(): number {
    return this.endedAtLevel;
  }

  /** Ticks generated per lane since the stream began. */
  get ticks(): number {
    return this.tickCount;
  }

  /**
   * The next T ticks of every lane. Episodes run on across windows: splitting a run of ticks
   * into windows of any sizes gives the same ticks as one window would, for as long as the
   * difficulty is unchanged.
   */
  next(ticks: number): CopyWindow {
    if (!Number.isInteger(ticks) || ticks < 1) {
      throw new Error(
        `dniflow/data: copy task window must be a positive integer number of ticks, got ${ticks}`,
      );
    }
    const B = this.batch;
    this.ensureCapacity(ticks);
    const inputs = this.inputBuffer.subarray(0, ticks * B * COPY_INPUT_CHANNELS).fill(0);
    const targets = this.targetBuffer.subarray(0, ticks * B * COPY_TARGET_CHANNELS).fill(0);
    const mask = this.maskBuffer.subarray(0, ticks * B).fill(0);
    const ended = this.ended;
    for (let t = 0; t < ticks; t++) {
      for (let b = 0; b < B; b++) {
        if (this.laneIdle[b] > 0) {
          // An idle tick: no input, no target, masked out.
          this.laneIdle[b]--;
          continue;
        }
        if (this.lanePos[b] === this.laneTicks[b]) this.startEpisode(b);
        this.writeTick(b, t * B + b, inputs, targets, mask);
      }
    }
    this.tickCount += ticks;
    return {
      ticks,
      inputs: new Tensor(inputs, [ticks, B, COPY_INPUT_CHANNELS]),
      targets: new Tensor(targets, [ticks, B, COPY_TARGET_CHANNELS]),
      mask: new Tensor(mask, [ticks, B]),
      episodesEnded: this.ended - ended,
    };
  }

  /**
   * The curriculum: give the mean error in bits per target tick over recent episodes (see
   * nn's MaskedSigmoidBCE). Below the threshold, the current level counts as solved and the task gets
   * harder for episodes that start after this call. Returns whether the difficulty changed (false
   * also at the ceiling N = 64).
   */
  reportError(bitsPerTick: number): boolean {
    if (Number.isNaN(bitsPerTick) || bitsPerTick < 0) {
      throw new Error(
        `dniflow/data: copy task error must be a non-negative number of bits, got ${bitsPerTick}`,
      );
    }
    if (!(bitsPerTick < this.threshold)) return false;
    this.solved = Math.max(this.solved, this.taskLength);
    const harder = harderCopyLevel(this.kind, this.level);
    if (harder === null) return false;
    this.level = harder;
    this.steps++;
    this.endedAtLevel = 0;
    return true;
  }

  /**
   * Everything the next windows depend on, for a checkpoint: the counters (exact in JSON), and per
   * lane its episode (difficulty, position, length, pattern), stagger idle ticks and PRNG position.
   */
  state(): CopyStreamState {
    const lanes = (values: Int32Array) => Tensor.from(values, [this.batch]);
    return {
      counters: {
        n: this.level.n,
        r: this.level.r,
        steps: this.steps,
        solved: this.solved,
        ended: this.ended,
        endedAtLevel: this.endedAtLevel,
        ticks: this.tickCount,
      },
      tensors: {
        laneN: lanes(this.laneN),
        laneR: lanes(this.laneR),
        laneStep: lanes(this.laneStep),
        lanePos: lanes(this.lanePos),
        laneTicks: lanes(this.laneTicks),
        laneIdle: lanes(this.laneIdle),
        patterns: Tensor.from(this.patterns, [this.batch, COPY_MAX_N]),
        prngs: Tensor.from(
          this.lanePrngs.flatMap((prng) => [...prng.position()]),
          [this.batch, 12],
        ),
      },
    };
  }

  /** Restores a `state()` of a stream of the same kind and batch; checks every size first. */
  loadState(state: CopyStreamState): void {
    const { counters: c, tensors: t } = state;
    const sizes: Record<string, number> = {
      laneN: this.batch,
      laneR: this.batch,
      laneStep: this.batch,
      lanePos: this.batch,
      laneTicks: this.batch,
      laneIdle: this.batch,
      patterns: this.batch * COPY_MAX_N,
      prngs: this.batch * 12,
    };
    for (const [name, size] of Object.entries(sizes))
      if (t[name]?.size !== size)
        throw new Error(`dniflow/data: copy task state '${name}' must have ${size} values`);
    const level = { n: c.n, r: c.r };
    checkCopyLevel(this.kind, level);
    this.level = level;
    this.steps = c.steps;
    this.solved = c.solved;
    this.ended = c.ended;
    this.endedAtLevel = c.endedAtLevel;
    this.tickCount = c.ticks;
    this.laneN.set(t.laneN.data);
    this.laneR.set(t.laneR.data);
    this.laneStep.set(t.laneStep.data);
    this.lanePos.set(t.lanePos.data);
    this.laneTicks.set(t.laneTicks.data);
    this.laneIdle.set(t.laneIdle.data);
    this.patterns.set(t.patterns.data);
    for (const [b, prng] of this.lanePrngs.entries()) prng.seek(t.prngs.data.subarray(12 * b, 12 * b + 12));
  }

  private startEpisode(b: number): void {
    const { n, r } = this.level;
    this.laneN[b] = n;
    this.laneR[b] = r;
    this.laneStep[b] = this.steps;
    this.lanePos[b] = 0;
    this.laneTicks[b] = copyEpisodeTicks(this.level);
    const prng = this.lanePrngs[b];
    const base = b * COPY_MAX_N;
    // One uniform byte per pattern tick: its 8 bits are 8 fair coin flips.
    for (let i = 0; i < n; i++) this.patterns[base + i] = prng.int(256);
  }

  /** Writes lane b's current tick into row `row` (= t·B + b) and advances the lane. */
  private writeTick(
    b: number,
    row: number,
    inputs: Float32Array,
    targets: Float32Array,
    mask: Float32Array,
  ): void {
    const n = this.laneN[b];
    const r = this.laneR[b];
    const pos = this.lanePos[b];
    const inAt = row * COPY_INPUT_CHANNELS;
    const outAt = row * COPY_TARGET_CHANNELS;
    if (pos === 0) {
      inputs[inAt + START] = 1;
    } else if (pos <= n) {
      writeBits(this.patterns[b * COPY_MAX_N + pos - 1], inputs, inAt);
    } else if (pos <= n + n * r) {
      const k = pos - n - 1;
      if (k === 0) inputs[inAt + REPEATS] = r / 10;
      writeBits(this.patterns[b * COPY_MAX_N + (k % n)], targets, outAt);
      mask[row] = 1;
    } else {
      targets[outAt + END] = 1;
      mask[row] = 1;
    }
    this.lanePos[b] = pos + 1;
    if (pos + 1 === this.laneTicks[b]) {
      this.ended++;
      if (this.laneStep[b] === this.steps) this.endedAtLevel++;
    }
  }

  private ensureCapacity(ticks: number): void {
    if (ticks <= this.capacity) return;
    // Grows only when a longer window than any before is asked for; the buffers are reused otherwise.
    const B = this.batch;
    this.capacity = ticks;
    this.inputBuffer = new Float32Array(ticks * B * COPY_INPUT_CHANNELS);
    this.targetBuffer = new Float32Array(ticks * B * COPY_TARGET_CHANNELS);
    this.maskBuffer = new Float32Array(ticks * B);
  }
}

function writeBits(byte: number, out: Float32Array, at: number): void {
  for (let i = 0; i < COPY_BITS; i++) out[at + i] = (byte >> i) & 1;
}
