import { type CopyTaskStream, copyEpisodeTicks } from '../../data/copy-task.ts';

export interface CurriculumState {
  bits: number;
  ticks: number;
  settling: number;
}

/**
 * Drives the Copy / Repeat Copy curriculum (DESIGN.md, "Data") from the training error: the error
 * in bits per target tick is averaged over about one episode's targets per lane, then reported to
 * the stream, which makes the task harder below the threshold. After a change, episodes that began
 * at the old level still run to their end; their ticks are skipped (one old episode's length per
 * lane) so that the new level is judged on its own episodes only.
 */
export class CopyCurriculum {
  private bits = 0;
  private ticks = 0;
  private settling = 0;

  constructor(readonly stream: CopyTaskStream) {}

  /** The error summed toward the next report and the ticks still to skip: a checkpoint's. */
  state(): CurriculumState {
    return { bits: this.bits, ticks: this.ticks, settling: this.settling };
  }

  loadState(state: CurriculumState): void {
    this.bits = state.bits;
    this.ticks = state.ticks;
    this.settling = state.settling;
  }

  /** Adds one window's error; returns whether the task got harder. */
  observe(windowTicks: number, bits: number, targetTicks: number): boolean {
    if (this.settling > 0) {
      this.settling -= windowTicks;
      return false;
    }
    this.bits += bits;
    this.ticks += targetTicks;
    const { n, r } = this.stream;
    if (this.ticks < this.stream.batch * (n * r + 1)) return false;
    const error = this.bits / this.ticks;
    this.bits = 0;
    this.ticks = 0;
    const changed = this.stream.reportError(error);
    if (changed) this.settling = copyEpisodeTicks({ n, r });
    return changed;
  }
}
