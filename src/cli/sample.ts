import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { networkFromJSON } from '../graph/serialize.ts';
import { validateNetwork } from '../graph/validate.ts';
import { readCheckpoint } from '../runtime/checkpoint.ts';
import { buildRecurrentRun } from '../runtime/recurrent/build.ts';
import { modelParameters, sampleText } from '../runtime/recurrent/sample.ts';
import { Prng } from '../tensor/prng.ts';
import { nonNegativeInteger, parseCommandArgs, positiveInteger, positiveNumber } from './args.ts';
import { UsageError } from './usage-error.ts';

export const SAMPLE_HELP = `Usage:
  dniflow sample <run-dir> [--chars N] [--prime TEXT] [--temperature X] [--seed S]

Generates text from a character-level language model trained with dniflow train --out DIR
(graphs/char-lm.ts): the parameters of its best validation epoch (kept in DIR/checkpoint.ckpt,
also across a --resume) read the prime, then write N characters, one per tick, each drawn from the
softmax of the logits. The same seed gives the same text.

Options:
  --chars N          characters to generate (default 200)
  --prime TEXT       text read first (default: none; its characters must be in the run's vocabulary)
  --temperature X    softmax temperature, > 0 (default 1; lower is more conservative)
  --seed S           seed of the draws (default 1)
`;

export function runSample(argv: string[]): number {
  const { values, positionals } = parseCommandArgs('sample', argv, {
    chars: { type: 'string' },
    prime: { type: 'string' },
    temperature: { type: 'string' },
    seed: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(SAMPLE_HELP);
    return 0;
  }
  if (positionals.length !== 1)
    throw new UsageError(`sample takes one run directory, got ${positionals.length}`);
  const dir = positionals[0];
  const chars = positiveInteger('--chars', values.chars) ?? 200;
  const temperature = positiveNumber('--temperature', values.temperature) ?? 1;
  const seed = nonNegativeInteger('--seed', values.seed) ?? 1;
  const runPath = join(dir, 'run.json');
  if (!existsSync(runPath))
    throw new UsageError(`${dir} holds no run (no run.json); train with --out ${dir} first`);
  const run = JSON.parse(readFileSync(runPath, 'utf8')) as {
    vocabulary?: string;
    network?: unknown;
    checkpoint?: string | null;
  };
  if (typeof run.vocabulary !== 'string' || run.network === undefined)
    throw new UsageError(`${dir} is not a character-level language model's run (no vocabulary in run.json)`);
  if (!run.checkpoint)
    throw new UsageError(`${dir} has no checkpoint yet (it saves one after its first epoch)`);
  const network = networkFromJSON(run.network as Parameters<typeof networkFromJSON>[0]);
  const built = buildRecurrentRun(network, validateNetwork(network), new Prng(0), {
    batch: 1,
    optimizer: { kind: 'sgd', lr: 1 },
  });
  if (built.kind !== 'text') throw new UsageError(`${dir} is not a character-level language model's run`);
  const vocabulary = built.corpus.vocabulary;
  if (vocabulary.chars.join('') !== run.vocabulary)
    throw new Error(
      `dniflow/cli: the text ${built.corpus.source} has changed since the run in ${dir} (another vocabulary)`,
    );
  const saved = readCheckpoint(join(dir, run.checkpoint)).state;
  for (const [name, live] of Object.entries(modelParameters(built.engine))) {
    // The run's checkpoint keeps the best parameters under best/ (runs before resume had only them).
    const tensor = saved[`best/${name}`] ?? saved[name];
    if (tensor === undefined || tensor.size !== live.size)
      throw new Error(`dniflow/cli: checkpoint in ${dir} has no tensor '${name}' of ${live.size} values`);
    live.data.set(tensor.data);
  }
  const prime = values.prime ?? '';
  try {
    vocabulary.encode(prime, '--prime');
  } catch (error) {
    throw new UsageError((error as Error).message.replace(/^dniflow\/data: /, ''));
  }
  const text = sampleText(built.engine, vocabulary, {
    chars,
    prime,
    temperature,
    prng: new Prng(seed).stream('sample'),
  });
  process.stdout.write(`${prime}${text}\n`);
  return 0;
}
