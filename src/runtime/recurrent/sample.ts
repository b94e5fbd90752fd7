import type { CharVocabulary } from '../../data/vocabulary.ts';
import type { Prng } from '../../tensor/prng.ts';
import { Tensor } from '../../tensor/tensor.ts';
import type { RecurrentEngine } from './recurrent-engine.ts';
import type { TokenWindow } from './window-loss.ts';

export interface SampleOptions {
  /** Characters to generate. */
  chars: number;
  /** Text fed first (its characters must be in the vocabulary); empty starts from a zero state. */
  prime: string;
  /** Softmax temperature: below 1 sharper, above 1 flatter. */
  temperature: number;
  prng: Prng;
}

/**
 * Generates text from a trained character model, one character per tick with the state carried:
 * the prime is read first, then each sampled character is fed back. Draws come from `prng` only, so
 * a seed reproduces the text.
 */
export function sampleText(
  engine: RecurrentEngine<TokenWindow>,
  vocabulary: CharVocabulary,
  options: SampleOptions,
): string {
  const V = vocabulary.size;
  const H = engine.core.lstm.hiddenSize;
  const state = { h: Tensor.zeros([1, H]), c: Tensor.zeros([1, H]) };
  const input = Tensor.zeros([1, 1, V]);
  const probabilities = new Float64Array(V);
  const feed = (id: number): Float32Array => {
    input.data.fill(0);
    input.data[id] = 1;
    const outputs = engine.core.evaluate(input, state);
    return engine.readout.layers.forward(new Tensor(outputs.data, [1, H]), false).data;
  };
  const prime = vocabulary.encode(options.prime, '--prime');
  // With no prime the first input is a newline if the text has one (a paragraph start), else id 0.
  const start = vocabulary.idOf('\n');
  let logits = feed(prime.length > 0 ? prime[0] : Math.max(start, 0));
  for (let i = 1; i < prime.length; i++) logits = feed(prime[i]);
  const out: number[] = [];
  for (let n = 0; n < options.chars; n++) {
    let max = Number.NEGATIVE_INFINITY;
    for (let v = 0; v < V; v++) max = Math.max(max, logits[v] / options.temperature);
    let total = 0;
    for (let v = 0; v < V; v++) {
      probabilities[v] = Math.exp(logits[v] / options.temperature - max);
      total += probabilities[v];
    }
    let draw = options.prng.uniform() * total;
    let id = V - 1;
    for (let v = 0; v < V; v++) {
      draw -= probabilities[v];
      if (draw < 0) {
        id = v;
        break;
      }
    }
    out.push(id);
    logits = feed(id);
  }
  return vocabulary.decode(out);
}

/** The core's and the readout's parameters by checkpoint name, live (for writing and loading). */
export function modelParameters(engine: RecurrentEngine): Record<string, Tensor> {
  const named: Record<string, Tensor> = {};
  for (const p of engine.core.lstm.parameters()) named[`core/${p.name}`] = p.value;
  for (const p of engine.readout.layers.parameters()) named[`readout/${p.name}`] = p.value;
  return named;
}
