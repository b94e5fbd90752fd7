/**
 * Per-step diagnostics of a DNI graph's interfaces: for every DNI edge, the RMS of the target δ_A the
 * receiver sends back, the RMS of the synthetic gradient δ̂_A the sender gets, and their cosine.
 * Issue 4 (conv DNI on the MNIST CNN) used it to see whether synthetic gradients were the right size.
 *
 *   node --import tsx bench/dni-diagnose.ts graphs/mnist-cnn.ts [--every 5] [--train-limit N]
 *        [--test-limit N] [--epochs N] [--set key=value ...]
 */
import { pathToFileURL } from 'node:url';
import type { GraphDefinition } from '../src/graph/define.ts';
import type { EdgeTraffic, GraphEngine } from '../src/runtime/graph-engine.ts';
import { runGraph } from '../src/runtime/run.ts';

const args = process.argv.slice(2);
const file = args[0];
const set: Record<string, string> = {};
let every = 5;
let trainLimit = 5000;
let testLimit = 2000;
let epochs = 1;
for (let i = 1; i < args.length; i += 2) {
  const [flag, value] = [args[i], args[i + 1]];
  if (flag === '--set') {
    const [key, v] = value.split('=');
    set[key] = v;
  } else if (flag === '--every') every = Number(value);
  else if (flag === '--train-limit') trainLimit = Number(value);
  else if (flag === '--test-limit') testLimit = Number(value);
  else if (flag === '--epochs') epochs = Number(value);
  else throw new Error(`bench/dni-diagnose: unknown flag '${flag}'`);
}

const definition = (await import(pathToFileURL(file).href)).default as GraphDefinition;

function rms(x: Float32Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  return Math.sqrt(s / x.length);
}

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0;
}

// Lockstep: the receiver's target for a step is sent before the sender gets that step's δ̂.
/** RMS over channels of each channel's mean over batch and positions ([B, C, H, W]; [B, D]: per feature). */
function channelMeanRms(x: Float32Array, shape: readonly number[]): number {
  const [batch, channels] = shape;
  const plane = x.length / (batch * channels);
  let s = 0;
  for (let c = 0; c < channels; c++) {
    let m = 0;
    for (let b = 0; b < batch; b++) for (let i = 0; i < plane; i++) m += x[(b * channels + c) * plane + i];
    m /= batch * plane;
    s += m * m;
  }
  return Math.sqrt(s / channels);
}

const targets = new Map<string, Float32Array>();
const started = performance.now();
const result = await runGraph(definition, {
  set,
  epochs,
  trainLimit,
  testLimit,
  clock: { now: () => (performance.now() - started) / 1000 },
  onReady: ({ engine }) => {
    (engine as GraphEngine).traffic.subscribe((t: EdgeTraffic) => {
      if (t.direction !== 'backward' || t.step % every !== 0) return;
      const key = `${t.edge}@${t.step}`;
      if (t.stage === 'sent') {
        targets.set(key, t.tensor.data.slice());
        return;
      }
      const target = targets.get(key);
      if (t.kind !== 'synthetic' || target === undefined) return;
      targets.delete(key);
      console.log(
        JSON.stringify({
          step: t.step,
          edge: t.edge,
          target_rms: Number(rms(target).toExponential(3)),
          synthetic_rms: Number(rms(t.tensor.data).toExponential(3)),
          cosine: Number(cosine(t.tensor.data, target).toFixed(3)),
          target_mean: Number(channelMeanRms(target, t.tensor.shape).toExponential(2)),
          synthetic_mean: Number(channelMeanRms(t.tensor.data, t.tensor.shape).toExponential(2)),
        }),
      );
    });
  },
  onEvent: (event) => {
    if (event.type === 'epoch') console.log(JSON.stringify({ ...event, type: undefined }));
  },
});
console.log(JSON.stringify({ test_error: result.history.at(-1)?.test_error }));
