import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import charLm from '../../graphs/char-lm.ts';
import { resolveParams } from '../../src/graph/define.ts';
import { validateNetwork } from '../../src/graph/validate.ts';
import { ManualClock } from '../../src/runtime/clock.ts';
import { buildRecurrentRun, type TextRun } from '../../src/runtime/recurrent/build.ts';
import { type TextEpochMetrics, trainRecurrent } from '../../src/runtime/recurrent/recurrent-trainer.ts';
import { TextWindows } from '../../src/runtime/recurrent/text-windows.ts';
import { TokenLoss } from '../../src/runtime/recurrent/window-loss.ts';
import { Prng } from '../../src/tensor/prng.ts';
import { Tensor } from '../../src/tensor/tensor.ts';

const dir = mkdtempSync(join(tmpdir(), 'dniflow-text-'));
const corpusPath = join(dir, 'tiny.txt');
// A small corpus with structure to learn: repeated phrases.
writeFileSync(corpusPath, 'the cat sat on the mat. the dog sat on the log. '.repeat(60));

function build(set: Record<string, string>, seed = 1): TextRun {
  const network = charLm.build(resolveParams(charLm, { text: corpusPath, units: '16', T: '5', ...set }));
  const run = buildRecurrentRun(network, validateNetwork(network), new Prng(seed).stream('init'), {
    batch: 4,
    optimizer: { kind: 'adam', lr: 1e-2 },
  });
  if (run.kind !== 'text') throw new Error('expected a text run');
  return run;
}

const train = (run: TextRun, epochs: number, ticksPerEpoch: number, patience?: number) =>
  trainRecurrent(run, { epochs, ticksPerEpoch, clock: new ManualClock(), patience }) as Promise<{
    history: TextEpochMetrics[];
    text: { best_epoch: number; test_bpc: number };
  }>;

describe('character-level language model on the recurrent runtime', () => {
  it('counts bits per character: uniform logits cost log2(V) bits, the gradient sums over the window', async () => {
    const loss = new TokenLoss('next');
    const V = 8;
    const T = 3;
    const B = 2;
    const value = loss.forward(
      Tensor.zeros([T * B, V]),
      { inputs: Tensor.zeros([T, B, V]), labels: new Int32Array(T * B) },
      B,
    );
    expect(loss.bits / loss.ticks).toBeCloseTo(3, 6);
    // Summed over T ticks, averaged over B lanes: T·ln V.
    expect(value).toBeCloseTo(T * Math.log(V), 5);
    // Row gradients are those of one tick's loss averaged over lanes: (softmax − onehot) / B.
    expect(loss.backward().data[0]).toBeCloseTo(((1 / V - 1) / B) * 1, 6);
  });

  it('carries state across windows and resets it, marked fresh, when the lanes start over', async () => {
    const ids = new Uint8Array(Array.from({ length: 41 }, (_, i) => i % 5));
    const windows = new TextWindows(ids, 5, 2, 4);
    const fresh = Array.from({ length: 2 * windows.windowsPerPass + 1 }, () => windows.next().fresh);
    // 20 characters per lane give 4 whole windows of 4 (19 predictions): fresh at 0, 4 and 8.
    expect(windows.windowsPerPass).toBe(4);
    expect(fresh).toEqual([true, false, false, false, true, false, false, false, true]);
    expect(windows.passes).toBe(2);
  });

  it('learns: validation bits per character fall, and the best epoch is scored on test', async () => {
    const { history, text } = await train(build({ method: 'dni' }), 4, 150);
    expect(history[3].valid_bpc).toBeLessThan(history[0].valid_bpc - 0.5);
    expect(history[3].train_bpc).toBeLessThan(history[0].train_bpc);
    expect(text.best_epoch).toBeGreaterThan(0);
    expect(Number.isFinite(text.test_bpc)).toBe(true);
    expect(history[3].chars).toBe(4 * Math.ceil(150 / 5) * 5 * 4);
  });

  it('the same seed gives the same numbers twice (DNI + Aux)', async () => {
    const a = await train(build({ method: 'dni-aux' }, 3), 2, 50);
    const b = await train(build({ method: 'dni-aux' }, 3), 2, 50);
    expect(b).toEqual(a);
  });

  it('stops early after `patience` epochs without a better validation figure', async () => {
    // A learning rate of 0 never improves on the first epoch.
    const network = charLm.build(resolveParams(charLm, { text: corpusPath, units: '8', method: 'bptt' }));
    const run = buildRecurrentRun(network, validateNetwork(network), new Prng(1).stream('init'), {
      batch: 4,
      optimizer: { kind: 'sgd', lr: 1e-12 },
    }) as TextRun;
    const { history } = await train(run, 10, 20, 2);
    expect(history.length).toBeLessThan(10);
  });

  it('refuses a missing, empty, binary or too-short text file, naming it', async () => {
    const empty = join(dir, 'empty.txt');
    writeFileSync(empty, '');
    const binary = join(dir, 'image.bin');
    writeFileSync(binary, Buffer.from([0x50, 0x4e, 0x47, 0x00, 0x00, 0x41]));
    const latin1 = join(dir, 'latin1.txt');
    writeFileSync(latin1, Buffer.from([0x63, 0x61, 0x66, 0xe9]));
    const short = join(dir, 'short.txt');
    writeFileSync(short, 'abcdefghijklmnopqrstuvwxyz');
    const load = (path: string) => build({ text: path });
    expect(() => load(join(dir, 'absent.txt'))).toThrow(/dniflow\/data: .*absent\.txt/);
    expect(() => load(empty)).toThrow(`dniflow/data: text file ${empty} is empty`);
    expect(() => load(binary)).toThrow(`looks binary (it has NUL bytes)`);
    expect(() => load(latin1)).toThrow('is not valid UTF-8');
    expect(() => load(short)).toThrow('a window of 5 ticks needs at least 6 per lane');
  });
});
