import type { CharIds } from '../../data/vocabulary.ts';
import { Tensor } from '../../tensor/tensor.ts';
import type { TextRun } from './build.ts';
import type { RecurrentEngine } from './recurrent-engine.ts';
import { modelParameters } from './sample.ts';
import { TextWindows } from './text-windows.ts';
import type { TokenWindow } from './window-loss.ts';

/**
 * Bits per character of a split under the current parameters: one pass of contiguous windows from
 * a zero state carried across them (as in training, apart from the training state), over as many
 * lanes as training uses, or fewer for a short split.
 */
export function evaluateText(run: TextRun, ids: CharIds): number {
  const { engine, window, train } = run;
  const lanes = Math.max(1, Math.min(train.batcher.batch, Math.floor(ids.length / (window + 1))));
  const windows = new TextWindows(ids, run.corpus.vocabulary.size, lanes, window);
  const H = engine.core.lstm.hiddenSize;
  const state = { h: Tensor.zeros([lanes, H]), c: Tensor.zeros([lanes, H]) };
  let bits = 0;
  let chars = 0;
  for (let i = 0; i < windows.windowsPerPass; i++) {
    const result = engine.evaluate(windows.next(), state);
    bits += result.bits;
    chars += result.ticks;
  }
  return bits / chars;
}

/** A copy of the core's and the readout's parameters (the best validation point), to restore later. */
export class ParameterSnapshot {
  private readonly live: Record<string, Tensor>;
  /** The copies, by modelParameters' names: what a checkpoint keeps for the test figure and sampling. */
  readonly saved: Record<string, Tensor>;

  constructor(engine: RecurrentEngine<TokenWindow>) {
    this.live = modelParameters(engine);
    this.saved = Object.fromEntries(Object.entries(this.live).map(([name, t]) => [name, t.clone()]));
  }

  take(): void {
    for (const [name, t] of Object.entries(this.live)) this.saved[name].data.set(t.data);
  }

  restore(): void {
    for (const [name, t] of Object.entries(this.live)) t.data.set(this.saved[name].data);
  }

  /** Replaces the copies by `from`'s (a resumed run's best point); checks every name and size first. */
  load(from: Record<string, Tensor>): void {
    for (const [name, t] of Object.entries(this.saved))
      if (from[name]?.size !== t.size)
        throw new Error(`dniflow/runtime: best parameters have no tensor '${name}' of ${t.size} values`);
    for (const [name, t] of Object.entries(this.saved)) t.data.set(from[name].data);
  }
}
