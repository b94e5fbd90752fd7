import type { CharIds } from '../../data/vocabulary.ts';
import { Tensor } from '../../tensor/tensor.ts';
import type { TextRun } from './build.ts';
import type { RecurrentEngine } from './recurrent-engine.ts';
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
  private readonly live: Tensor[];
  private readonly saved: Float32Array[];

  constructor(engine: RecurrentEngine<TokenWindow>) {
    this.live = [...engine.core.lstm.parameters(), ...engine.readout.layers.parameters()].map((p) => p.value);
    this.saved = this.live.map((t) => t.data.slice());
  }

  take(): void {
    for (let i = 0; i < this.live.length; i++) this.saved[i].set(this.live[i].data);
  }

  restore(): void {
    for (let i = 0; i < this.live.length; i++) this.live[i].data.set(this.saved[i]);
  }
}
