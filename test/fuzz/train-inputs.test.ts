/**
 * Fuzzing `dniflow train` (issue 15, item 5): random graph files and random flag sets, run in
 * process through `main`. Every case must either train (an epoch line: at least one step) or be
 * refused by a dniflow error: exit code 2 with `dniflow: …` (a usage error) or exit code 1 with
 * `dniflow/<module>: …`. Never a raw exception (TypeError, RangeError, a bare message without the
 * prefix), a stack trace, a crash, or a case still running after CASE_TIMEOUT (a hang; the timeout
 * catches a run that waits forever, not a synchronous endless loop, which it cannot interrupt).
 * Flag cases that hold a mistake (a bad value, an unknown --set key, an unusable run directory) must
 * also not train. Left out: --dashboard, --scheduler workers/nats and the --nats-* flags (servers,
 * processes); every --out is inside a fresh temporary directory.
 *
 * Bounds: fast-check seed 15005, 100 graph cases + 100 flag cases = 200 cases, each on tiny data
 * (--train-limit ≤ 48, --test-limit ≤ 16, 1–2 epochs, layers of ≤ 8 units). With this seed 22 graph
 * and 21 flag cases train, the rest are refused. Measured on the 2-core dev machine with one core
 * busy elsewhere: 12–20 s of tests, 21–32 s wall time for `npx vitest run` of this file.
 *
 * Found and fixed with it (regression tests in test/graph/validate.test.ts and
 * test/graph/training-defaults.test.ts): an `unlock` interface without its gradient/input specs and
 * a null layer were raw TypeErrors; a source shape of NaN or 784.5 reached the memory estimate
 * ("NaN GiB") or a layer constructor; `--set constructor=1` was accepted and `--set __proto__=1`
 * dropped silently. Two cases failed cleanly but only once training had begun, and are now refused
 * before it (test/cli/run-safety.test.ts, test/graph/validate.test.ts): a batch of one example for
 * batch norm (an epoch's last batch of one is now skipped), and a synthetic input into a loss.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMain } from '../helpers/run-main.ts';

const SEED = 15_005;
const GRAPH_RUNS = 100;
const FLAG_RUNS = 100;
const CASE_TIMEOUT = 15_000;

const ROOT = mkdtempSync(join(tmpdir(), 'dniflow-fuzz-'));
afterAll(() => rmSync(ROOT, { recursive: true, force: true }));
const INDEX = fileURLToPath(new URL('../../src/index.ts', import.meta.url));
let caseNumber = 0;
const caseDir = () => {
  const dir = join(ROOT, `case-${++caseNumber}`);
  mkdirSync(dir);
  return dir;
};

/** A JavaScript literal for plain data, NaN and ±Infinity included (JSON has neither). */
function literal(value: unknown): string {
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'NaN';
    if (value === Number.POSITIVE_INFINITY) return 'Infinity';
    if (value === Number.NEGATIVE_INFINITY) return '-Infinity';
    return String(value);
  }
  if (value === undefined) return 'undefined';
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(literal).join(', ')}]`;
  const fields = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  return `{ ${fields.map(([k, v]) => `${JSON.stringify(k)}: ${literal(v)}`).join(', ')} }`;
}

/** How a run ended must be a trained run or a dniflow error; returns which, for the tally. */
function judge(
  result: { code: number; stdout: string; stderr: string },
  args: string[],
): 'trained' | 'refused' {
  const context = `dniflow ${args.map((a) => JSON.stringify(a)).join(' ')}\n--- stderr:\n${result.stderr}`;
  expect(result.stderr, context).not.toMatch(/\n\s+at .+[:(]\d+/); // a stack trace
  expect(result.stderr, context).not.toMatch(/\b(TypeError|RangeError|ReferenceError|SyntaxError)\b/);
  if (result.code === 0) {
    // At least one epoch of at least one step was reported.
    expect(result.stdout, context).toMatch(/"epoch":\s*1\b|^epoch 1 /m);
    return 'trained';
  }
  expect([1, 2], context).toContain(result.code);
  const message = result.stderr.trim().split('\n').at(-1) ?? '';
  if (result.code === 2) expect(message, context).toMatch(/^dniflow: \S/);
  else expect(message, context).toMatch(/^dniflow\/[a-z-]+: \S/);
  return 'refused';
}

/** runMain with a timeout: a run that neither ends nor fails within CASE_TIMEOUT is a hang. */
async function runCase(args: string[]) {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`hang: no result after ${CASE_TIMEOUT} ms`)), CASE_TIMEOUT);
  });
  try {
    return await Promise.race([runMain(...args), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

// ---------------------------------------------------------------------------------------------
// (a) Random graph definitions. Each field is valid with high odds and otherwise wrong (zero,
// negative, fractional, NaN, infinite, huge, misspelt, missing), so that a case carries about one
// fault on average: enough cases train, and each fault is met on its own as well as with others.

const ODDS = 40;
/** Valid with odds ODDS : 1 (or `odds`), otherwise from `bad`. */
const rarely = <T, U>(valid: fc.Arbitrary<T>, bad: fc.Arbitrary<U>, odds = ODDS) =>
  fc.oneof({ weight: odds, arbitrary: valid as fc.Arbitrary<T | U> }, { weight: 1, arbitrary: bad });
const badNumber = fc.constantFrom(0, -1, 0.5, Number.NaN, Number.POSITIVE_INFINITY, -3.5, 1e9, 2 ** 31);
const size = rarely(fc.integer({ min: 1, max: 8 }), badNumber);
const maybe = <T>(arbitrary: fc.Arbitrary<T>, freq = 3) => fc.option(arbitrary, { nil: undefined, freq });

/** Any layer spec, valid or not: what a module gets injected by a fault. */
const anyLayer = fc.oneof(
  fc.record({ kind: fc.constant('linear'), units: size, bias: maybe(fc.boolean()) }),
  fc.constantFrom(
    { kind: 'relu' },
    { kind: 'batchNorm' },
    { kind: 'tanh' },
    { kind: 'sigmoid' },
    { kind: 'flatten' },
  ),
  fc.record({
    kind: fc.constant('conv2d'),
    filters: size,
    kernel: fc.oneof(fc.constantFrom(1, 3, 5, 29), badNumber),
    stride: maybe(fc.oneof(fc.constantFrom(1, 2), badNumber)),
    padding: maybe(fc.constantFrom<number | string>(0, 1, 'same', -1, 0.5, 'valid')),
  }),
  fc.record({
    kind: fc.constantFrom('maxPool2d', 'avgPool2d'),
    kernel: fc.oneof(fc.constantFrom(2, 3, 29), badNumber),
    stride: maybe(fc.oneof(fc.constantFrom(1, 2, 3), badNumber)),
  }),
  fc.record({ kind: fc.constant('lstm'), units: size }),
  fc.constantFrom({ kind: 'dense', units: 4 }, { kind: '' }, {}, null),
);

/**
 * A hidden module: dense (linear, optional batch norm, activation) or, on an image, conv (3×3
 * "same" conv, optional batch norm, ReLU, optional 2×2 max pool); a conv block on a flat input
 * becomes dense. A fault may inject any layer at some position, or a bad pUpdate or window.
 */
const block = fc.record({
  kind: fc.constantFrom('dense', 'conv'),
  units: size,
  batchNorm: fc.boolean(),
  activation: fc.constantFrom('relu', 'tanh', 'sigmoid'),
  pool: fc.boolean(),
  inject: rarely(fc.constant(undefined), fc.record({ layer: anyLayer, at: fc.nat(4) }), 15),
  pUpdate: fc.oneof(
    { weight: 30, arbitrary: fc.constant<number | undefined>(undefined) },
    { weight: 3, arbitrary: fc.constantFrom(0.5, 1) },
    { weight: 1, arbitrary: fc.constantFrom(0, -0.5, 1.5, Number.NaN) },
  ),
  window: rarely(fc.constant(undefined), fc.constantFrom(1, 0, 2.5)),
});
type Block = typeof block extends fc.Arbitrary<infer T> ? T : never;

const syntheticModel = rarely(
  fc.constantFrom<unknown>('linear', 'linear', { hidden: [4] }, { convLayers: 1, channels: 4, kernel: 3 }),
  fc.constantFrom<unknown>(
    'mlp',
    { hidden: [] },
    { hidden: [0] },
    { hidden: [Number.NaN] },
    { convLayers: 1, kernel: 2 },
    { convLayers: 0 },
    null,
    undefined,
  ),
  20,
);
const sgOptimizer = rarely(
  fc.constantFrom<unknown>(undefined, { kind: 'adam', lr: 1e-3 }, { kind: 'sgd', lr: 0.01 }),
  fc.constantFrom<unknown>(
    { kind: 'adam', lr: Number.NaN },
    { kind: 'sgd', lr: -1 },
    { kind: 'adam', lr: 1e9 },
    { kind: 'rmsprop', lr: 1e-3 },
    { kind: 'adam' },
  ),
);
const dniSpec = fc.record(
  {
    kind: fc.constant('dni'),
    model: syntheticModel,
    scale: rarely(fc.constantFrom(1, 0.1, 0), fc.constantFrom(-1, Number.NaN, 1e12)),
    context: rarely(fc.constantFrom(undefined, 'label'), fc.constant('input')),
    optimizer: sgOptimizer,
    bootstrapGamma: rarely(fc.constant(undefined), fc.constantFrom(0.1, -1)),
    aux: rarely(fc.constant(undefined), fc.boolean()),
    state: rarely(fc.constant(undefined), fc.constantFrom('hc', 'h', 'x')),
  },
  { requiredKeys: ['kind', 'model', 'scale'] },
);
const syntheticInputSpec = fc.record({
  kind: fc.constant('syntheticInput'),
  model: syntheticModel,
  optimizer: sgOptimizer,
});
/** What sits on an edge: every kind the code knows, and now and then one it does not. */
const iface = fc.oneof(
  { weight: 30, arbitrary: fc.constant<unknown>({ kind: 'backprop' }) },
  { weight: 8, arbitrary: fc.constant<unknown>({ kind: 'stopGradient' }) },
  { weight: 12, arbitrary: dniSpec },
  { weight: 4, arbitrary: syntheticInputSpec },
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constant('unlock'), gradient: dniSpec, input: syntheticInputSpec }),
  },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('staleGradient'),
      decay: rarely(fc.constantFrom(0, 0.5, 0.9), fc.constantFrom(1, -0.1, Number.NaN)),
      target: rarely(fc.constantFrom('true', 'bootstrapped'), fc.constant('false')),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom<unknown>({ kind: 'cdni' }, { kind: 'unlock' }, {}, null, undefined),
  },
);
const delay = rarely(fc.constant(0), fc.constantFrom(1, 2, -1, 0.5, Number.NaN));

const EPOCH_SCHEDULES = {
  one: '() => 1',
  halving: '(epoch) => 0.5 ** epoch',
  nan: '() => NaN',
  infinite: '() => Infinity',
  negative: '() => -1',
  nanAfterFirst: '(epoch) => (epoch === 0 ? 1 : NaN)',
  notAFunction: '"cosine"',
} as const;
const STEP_SCHEDULES = {
  one: '() => 1',
  cosine: '(step, total) => 0.5 * (1 + Math.cos((Math.PI * step) / total))',
  nan: '() => NaN',
  negativeLate: '(step) => (step >= 100 ? -1 : 1)',
  nanAtStep3: '(step) => (step === 3 ? NaN : 1)',
  notAFunction: '"step:1:0.5"',
} as const;
type EpochSchedule = keyof typeof EPOCH_SCHEDULES;
type StepSchedule = keyof typeof STEP_SCHEDULES;

/** The graph file's own training block (--epochs and --batch, when given, override its values). */
const training = fc.record(
  {
    epochs: rarely(fc.constantFrom(1, 2), fc.constantFrom(0, -1, 1.5, Number.NaN)),
    batch: rarely(fc.integer({ min: 1, max: 32 }), fc.constantFrom(0, -4, 2.5, Number.NaN, 1e9)),
    lr: rarely(
      fc.constantFrom(1e-3, 0.01, 0.1),
      fc.constantFrom(0, -1, Number.NaN, Number.POSITIVE_INFINITY, 1e6),
    ),
    optimizer: rarely(fc.constantFrom('adam', 'sgd'), fc.constantFrom('adma', '', 'SGD')),
    momentum: rarely(fc.constantFrom(undefined, 0.9), fc.constantFrom(1, -0.5, Number.NaN)),
    ticksPerEpoch: rarely(fc.constant(undefined), fc.constantFrom(8, 0, 1.5)),
    clipNorm: rarely(fc.constant(undefined), fc.constantFrom(1, 0, Number.NaN)),
  },
  { requiredKeys: ['epochs', 'batch', 'lr', 'optimizer'] },
);
const epochSchedule = fc.oneof(
  { weight: 12, arbitrary: fc.constant<EpochSchedule | undefined>(undefined) },
  { weight: 3, arbitrary: fc.constantFrom<EpochSchedule>('one', 'halving') },
  {
    weight: 1,
    arbitrary: fc.constantFrom<EpochSchedule>('nan', 'infinite', 'negative', 'nanAfterFirst', 'notAFunction'),
  },
);
const stepSchedule = fc.oneof(
  { weight: 12, arbitrary: fc.constant<StepSchedule | undefined>(undefined) },
  { weight: 3, arbitrary: fc.constantFrom<StepSchedule>('one', 'cosine') },
  {
    weight: 1,
    arbitrary: fc.constantFrom<StepSchedule>('nan', 'negativeLate', 'nanAtStep3', 'notAFunction'),
  },
);

const extraEdge = fc.record({
  from: fc.integer({ min: -1, max: 6 }),
  to: fc.integer({ min: -1, max: 6 }),
  iface,
  delay,
});
const graphCase = fc.record({
  source: fc.record({
    dataset: rarely(fc.constant('mnist'), fc.constantFrom('cifar10', 'copy', 'text', 'imagenet', '')),
    shape: rarely(
      fc.constantFrom([784], [1, 28, 28]),
      fc.constantFrom([28, 28], [5], [], [0], [-784], [Number.NaN], [784.5], [1, 784], [3, 28, 28]),
    ),
    classes: rarely(
      fc.constant<number | undefined>(10),
      fc.constantFrom(2, 0, -1, Number.NaN, undefined, 11),
    ),
    examples: rarely(
      fc.constant<number | undefined>(undefined),
      fc.constantFrom(60_000, 48, 0, -1, 0.5, Number.NaN),
    ),
  }),
  hidden: fc.array(block, { maxLength: 3 }),
  /** The classifier: flatten → linear(10), or now and then any layers. */
  head: rarely(fc.constant(undefined), fc.array(anyLayer, { maxLength: 2 }), 20),
  loss: fc.record({
    loss: rarely(fc.constant('softmaxCrossEntropy'), fc.constantFrom('mse', 'sigmoidBce', 'hinge')),
    target: rarely(fc.constant(undefined), fc.constantFrom('odd', 'labels')),
    every: rarely(fc.constant(undefined), fc.constantFrom(1, 2, 0, 1.5)),
  }),
  /** The interface and delay on each edge of the chain source → hidden… → head → loss. */
  chain: fc.array(fc.record({ iface, delay }), { minLength: 6, maxLength: 6 }),
  /** Extra edges between random nodes (duplicates, cycles, self-loops); index -1 names no node. */
  extraEdges: rarely(
    fc.array(extraEdge, { maxLength: 0 }),
    fc.array(extraEdge, { minLength: 1, maxLength: 2 }),
    12,
  ),
  dropEdge: rarely(fc.constant(undefined), fc.nat(5)),
  /** A second module under an existing name. */
  duplicate: rarely(fc.constant(false), fc.constant(true)),
  clusters: rarely(
    fc.constant(undefined),
    fc.record({
      members: fc.array(fc.boolean(), { minLength: 7, maxLength: 7 }),
      clocks: fc.dictionary(fc.constantFrom('a', 'b', 'c'), fc.constantFrom(1, 2, 3, 0, Number.NaN), {
        maxKeys: 2,
      }),
    }),
    12,
  ),
  training,
  trainingAsFunction: fc.boolean(),
  epochSchedule,
  stepSchedule,
  flags: fc.record({
    epochs: fc.boolean(),
    batch: fc.option(fc.integer({ min: 1, max: 16 }), { nil: undefined }),
    trainLimit: fc.integer({ min: 1, max: 48 }),
    testLimit: fc.integer({ min: 1, max: 16 }),
    out: fc.boolean(),
    scheduler: fc.constantFrom('lockstep', 'lockstep', 'async'),
  }),
});
type GraphCase = typeof graphCase extends fc.Arbitrary<infer T> ? T : never;

/** A block's layers for the per-example shape it gets ([n] or [C, H, W]), and the shape it gives. */
function blockLayers(b: Block, image: boolean): { layers: unknown[]; image: boolean } {
  const layers: unknown[] =
    b.kind === 'conv' && image
      ? [
          { kind: 'conv2d', filters: b.units, kernel: 3, padding: 'same' },
          ...(b.batchNorm ? [{ kind: 'batchNorm' }] : []),
          { kind: 'relu' },
          ...(b.pool ? [{ kind: 'maxPool2d', kernel: 2 }] : []),
        ]
      : [
          ...(image ? [{ kind: 'flatten' }] : []),
          { kind: 'linear', units: b.units },
          ...(b.batchNorm ? [{ kind: 'batchNorm' }] : []),
          { kind: b.activation },
        ];
  if (b.inject) layers.splice(b.inject.at % (layers.length + 1), 0, b.inject.layer);
  return { layers, image: b.kind === 'conv' && image };
}

/** The graph file of a case: its data as literals, built through the public NetworkBuilder. */
function graphFile(c: GraphCase, name: string): string {
  let image = c.source.shape.length === 3;
  const modules: { name: string; layers: unknown[]; pUpdate?: number; window?: number }[] = c.hidden.map(
    (b, i) => {
      const built = blockLayers(b, image);
      image = built.image;
      return { name: `m${i}`, layers: built.layers, pUpdate: b.pUpdate, window: b.window };
    },
  );
  modules.push({ name: 'head', layers: c.head ?? [{ kind: 'flatten' }, { kind: 'linear', units: 10 }] });
  if (c.duplicate) modules.push({ ...modules[0] });
  const nodes = ['data', ...modules.map((m) => m.name), 'loss'];
  const clusterOf = (i: number) => {
    if (!c.clusters?.members[i]) return undefined;
    const names = Object.keys(c.clusters.clocks);
    return names.length === 0 ? 'a' : names[i % names.length];
  };
  const spec = {
    source: { ...c.source, cluster: clusterOf(0) },
    modules: modules.map((m, i) => ({ ...m, cluster: clusterOf(i + 1) })),
    loss: { ...c.loss, cluster: clusterOf(nodes.length - 1) },
    edges: [
      ...nodes.slice(1).map((to, i) => ({ from: nodes[i], to, ...c.chain[i % c.chain.length] })),
      ...c.extraEdges.map((e) => ({
        from: nodes[e.from] ?? 'nowhere',
        to: nodes[e.to] ?? 'nowhere',
        iface: e.iface,
        delay: e.delay,
      })),
    ].filter((_, i) => i !== c.dropEdge),
    clocks: c.clusters?.clocks ?? {},
  };
  const schedules = [
    c.epochSchedule ? `lrSchedule: ${EPOCH_SCHEDULES[c.epochSchedule]}` : '',
    c.stepSchedule ? `lrScheduleSteps: ${STEP_SCHEDULES[c.stepSchedule]}` : '',
  ].filter(Boolean);
  const trainingBlock = `{ ...${literal(c.training)}${schedules.map((s) => `, ${s}`).join('')} }`;
  return `import { defineGraph, network } from ${JSON.stringify(INDEX)};
const spec = ${literal(spec)};
export default defineGraph({
  name: ${JSON.stringify(name)},
  description: 'a fuzzed graph',
  params: {},
  training: ${c.trainingAsFunction ? `() => (${trainingBlock})` : trainingBlock},
  build: () => {
    const net = network(${JSON.stringify(name)});
    const { dataset, shape, classes, examples, cluster } = spec.source;
    net.source('data', { dataset, shape, classes, examples, cluster });
    for (const { name, layers, ...options } of spec.modules) net.module(name, layers, options);
    net.loss('loss', spec.loss.loss, { target: spec.loss.target, every: spec.loss.every, cluster: spec.loss.cluster });
    for (const [cluster, every] of Object.entries(spec.clocks)) net.clock(cluster, every);
    for (const { from, to, iface, delay } of spec.edges) net.connect(from, to, iface, { delay });
    return net.build();
  },
});
`;
}

// ---------------------------------------------------------------------------------------------
// (b) Random flag sets, on a small graph with one parameter of each type.

const FLAG_GRAPH = `import { batchNorm, defineGraph, linear, methodInterface, METHODS, network, relu, backprop } from ${JSON.stringify(INDEX)};
export default defineGraph({
  name: 'fuzz-flags',
  description: 'a small MNIST network for flag fuzzing',
  params: {
    hidden: { type: 'int', default: 8, min: 1, max: 16 },
    method: { type: 'choice', default: 'bprop', choices: METHODS },
    bn: { type: 'boolean', default: true },
    rate: { type: 'number', default: 1e-3, min: 0, max: 1 },
    note: { type: 'string', default: '' },
  },
  training: { epochs: 1, batch: 16, lr: 1e-3, optimizer: 'adam' },
  build: (p) =>
    network('fuzz-flags')
      .source('data', { dataset: 'mnist', shape: [784], classes: 10 })
      .module('hidden', p.bn ? [linear(Number(p.hidden)), batchNorm(), relu()] : [linear(Number(p.hidden)), relu()])
      .module('head', [linear(10)])
      .loss('loss', 'softmaxCrossEntropy')
      .connect('data', 'hidden', backprop())
      .connect('hidden', 'head', methodInterface(String(p.method), { optimizer: { kind: 'adam', lr: Number(p.rate) } }))
      .connect('head', 'loss', backprop())
      .build(),
});
`;

/** A flag's value: valid with odds 12 : 1, otherwise one the command must refuse (`ok: false`). */
const value = (valid: fc.Arbitrary<string>, invalid: string[]) =>
  fc.oneof(
    { weight: 12, arbitrary: valid.map((text) => ({ text, ok: true })) },
    { weight: 1, arbitrary: fc.constantFrom(...invalid).map((text) => ({ text, ok: false })) },
  );
const notANumber = ['', ' ', 'NaN', 'Infinity', '1e400', 'abc', '--json', '-1', '-0'];
const notAPositiveInteger = [...notANumber, '0', '1.5', '0x10', '1e3', '9007199254740993'];
const notAPositiveNumber = [...notANumber, '0', '1e-400'];
const flagPool = {
  epochs: value(fc.constantFrom('1', '2'), notAPositiveInteger),
  batch: value(fc.constantFrom('1', '2', '7', '16', '64', '100000'), notAPositiveInteger),
  lr: value(fc.constantFrom('1e-3', '0.01', '0.5', '1e6'), notAPositiveNumber),
  'lr-schedule': value(fc.constantFrom('constant', 'step:2:0.5', 'cosine', 'cosine:0.1'), [
    '',
    'step',
    'step:0:0.5',
    'step:2:2',
    'step:2:-1',
    'cosine:1',
    'cosine:NaN',
    'linear',
    'step:1e400:0.5',
  ]),
  seed: value(fc.constantFrom('0', '1', '42', '4294967296'), [...notANumber, '1.5', '9007199254740993']),
  'max-loss': value(fc.constantFrom('1e6', '100', '0.5', '1e-9'), notAPositiveNumber),
  scheduler: value(fc.constantFrom('lockstep', 'async'), ['', 'fast', 'LOCKSTEP', 'thread']),
  // Refused with this graph whatever their value: --placement needs workers or nats, --port needs
  // --dashboard, --ticks, --patience and --clip apply to recurrent graphs.
  placement: value(fc.constantFrom('hidden|head', 'hidden,head'), ['', '|', 'nope']),
  port: value(fc.constantFrom('0', '8737'), ['-1', '65536', 'x']),
  ticks: value(fc.constantFrom('8'), ['0', 'x']),
  patience: value(fc.constantFrom('2'), ['0', 'x']),
  clip: value(fc.constantFrom('1'), ['0', '-1', 'x']),
} as const;
const setPair = fc.oneof(
  {
    weight: 12,
    arbitrary: fc
      .constantFrom(
        'hidden=4',
        'hidden=16',
        ' hidden = 4 ',
        'method=dni',
        'method=cdni',
        'method=nobprop',
        'method=stale',
        'bn=false',
        'rate=0',
        'note=a=b',
        'note=',
      )
      .map((text) => ({ text, ok: true })),
  },
  {
    weight: 2,
    arbitrary: fc
      .constantFrom(
        'hidden=0',
        'hidden=17',
        'hidden=2.5',
        'hidden=',
        'method=unlock',
        'bn=yes',
        'rate=NaN',
        'rate=-1',
        'depth=3',
        '=4',
        'hidden',
        '',
        'constructor=1',
        'toString=x',
        '__proto__=1',
      )
      .map((text) => ({ text, ok: false })),
  },
);
/** Flags that fit this graph; the others (parallel, dashboard and recurrent only) are refused with it. */
const COMMON_FLAGS = ['epochs', 'batch', 'lr', 'lr-schedule', 'seed', 'max-loss', 'scheduler'] as const;
const OTHER_FLAGS = ['placement', 'port', 'ticks', 'patience', 'clip'] as const;
const flagCase = fc.record({
  flags: fc.uniqueArray(
    fc.oneof(
      { weight: 8, arbitrary: fc.constantFrom(...COMMON_FLAGS) },
      { weight: 1, arbitrary: fc.constantFrom(...OTHER_FLAGS) },
    ),
    { maxLength: 4 },
  ),
  values: fc.record(flagPool),
  sets: fc.array(setPair, { maxLength: 3 }),
  trainLimit: value(fc.integer({ min: 1, max: 48 }).map(String), notAPositiveInteger),
  testLimit: value(fc.integer({ min: 1, max: 16 }).map(String), notAPositiveInteger),
  json: fc.boolean(),
  /** Where the run goes: nowhere, a fresh directory, one holding a finished run, a file, … */
  out: fc.oneof(
    { weight: 10, arbitrary: fc.constantFrom('none', 'fresh') },
    { weight: 1, arbitrary: fc.constantFrom('holds-run', 'file', 'foreign-files') },
  ),
  overwrite: fc.oneof(
    { weight: 10, arbitrary: fc.constant(false) },
    { weight: 1, arbitrary: fc.constant(true) },
  ),
  resume: fc.oneof(
    { weight: 14, arbitrary: fc.constant('none') },
    { weight: 2, arbitrary: fc.constant('holds-run') },
    { weight: 1, arbitrary: fc.constantFrom('fresh', 'file') },
  ),
  /** A mistake every command line must refuse. */
  extra: fc.oneof(
    { weight: 16, arbitrary: fc.constant(undefined) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        ['--epoch', '1'],
        ['-x'],
        ['second.ts'],
        ['--json=yes'],
        ['--dashboard=1'],
        ['--out'],
        ['--set'],
      ),
    },
  ),
  graph: fc.oneof(
    { weight: 16, arbitrary: fc.constant('flag-graph') },
    { weight: 1, arbitrary: fc.constantFrom('missing', 'not-a-graph') },
  ),
});
type FlagCase = typeof flagCase extends fc.Arbitrary<infer T> ? T : never;

let flagGraph = '';
let notAGraph = '';
let finishedRun = '';

/**
 * The command line of a case, and whether it holds a mistake that must be refused (a bad value, a
 * flag this graph does not take, an unusable run directory, a missing graph): then it may not train.
 */
function flagArgs(c: FlagCase): { args: string[]; mustRefuse: boolean } {
  const dir = caseDir();
  const graph =
    c.graph === 'flag-graph' ? flagGraph : c.graph === 'missing' ? join(dir, 'none.ts') : notAGraph;
  // Every valid limit is tiny: the default (all 60k examples) never runs.
  const args = ['train', graph, '--train-limit', c.trainLimit.text, '--test-limit', c.testLimit.text];
  let mustRefuse = c.graph !== 'flag-graph' || !c.trainLimit.ok || !c.testLimit.ok || c.extra !== undefined;
  for (const flag of c.flags) {
    args.push(`--${flag}`, c.values[flag].text);
    mustRefuse ||= !c.values[flag].ok || (OTHER_FLAGS as readonly string[]).includes(flag);
  }
  // A later --set of a key overrides an earlier one: a bad value is refused only if it is the last.
  const lastSet = new Map<string, boolean>();
  for (const pair of c.sets) {
    args.push('--set', pair.text);
    const eq = pair.text.indexOf('=');
    lastSet.set(eq <= 0 ? `malformed ${pair.text}` : pair.text.slice(0, eq).trim(), pair.ok);
  }
  mustRefuse ||= [...lastSet.values()].includes(false);
  if (c.json) args.push('--json');
  const place = (kind: string) => {
    const path = join(dir, 'run');
    if (kind === 'holds-run') cpSync(finishedRun, path, { recursive: true });
    if (kind === 'file') writeFileSync(path, 'not a directory');
    if (kind === 'foreign-files') {
      mkdirSync(path);
      writeFileSync(join(path, 'notes.txt'), 'mine');
    }
    return path;
  };
  // With --resume, --out (if given) names the same directory.
  if (c.resume !== 'none') args.push('--resume', place(c.resume));
  if (c.out !== 'none') args.push('--out', c.resume === 'none' ? place(c.out) : join(dir, 'run'));
  if (c.overwrite) args.push('--overwrite');
  if (c.extra) args.push(...c.extra);
  if (c.resume === 'none') {
    mustRefuse ||= c.out === 'file' || c.out === 'foreign-files' || (c.out === 'holds-run' && !c.overwrite);
    mustRefuse ||= c.overwrite && c.out === 'none';
  } else {
    mustRefuse ||= c.resume !== 'holds-run' || c.overwrite;
  }
  return { args, mustRefuse };
}

// ---------------------------------------------------------------------------------------------

describe('fuzz: dniflow train trains or refuses with a dniflow error (issue 15)', () => {
  beforeAll(async () => {
    flagGraph = join(ROOT, 'flag-graph.ts');
    writeFileSync(flagGraph, FLAG_GRAPH);
    notAGraph = join(ROOT, 'not-a-graph.ts');
    writeFileSync(notAGraph, 'export default { name: 42 };\n');
    finishedRun = join(ROOT, 'finished-run');
    const made = await runMain(
      'train',
      flagGraph,
      '--train-limit',
      '8',
      '--test-limit',
      '4',
      '--out',
      finishedRun,
      '--json',
    );
    expect(made.code, made.stderr).toBe(0);
  });

  it(`random graph definitions (${GRAPH_RUNS} cases)`, async () => {
    const tally = { trained: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(graphCase, async (c) => {
        const dir = caseDir();
        const file = join(dir, 'graph.ts');
        writeFileSync(file, graphFile(c, `fuzz-${caseNumber}`));
        const args = [
          'train',
          file,
          '--train-limit',
          String(c.flags.trainLimit),
          '--test-limit',
          String(c.flags.testLimit),
          '--json',
        ];
        args.push('--scheduler', c.flags.scheduler);
        if (c.flags.epochs) args.push('--epochs', '1');
        if (c.flags.batch !== undefined) args.push('--batch', String(c.flags.batch));
        if (c.flags.out) args.push('--out', join(dir, 'run'));
        const r = await runCase(args);
        tally[judge(r, args)]++;
      }),
      { seed: SEED, numRuns: GRAPH_RUNS, endOnFailure: true },
    );
    // Both outcomes occur in fair numbers, or the generators drifted into testing one path only.
    expect(tally.trained).toBeGreaterThanOrEqual(GRAPH_RUNS / 10);
    expect(tally.refused).toBeGreaterThanOrEqual(GRAPH_RUNS / 10);
  }, 120_000);

  it(`random flag sets (${FLAG_RUNS} cases)`, async () => {
    const tally = { trained: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(flagCase, async (c) => {
        const { args, mustRefuse } = flagArgs(c);
        const r = await runCase(args);
        if (mustRefuse) expect(r.code, `must be refused: dniflow ${args.join(' ')}`).not.toBe(0);
        tally[judge(r, args)]++;
      }),
      { seed: SEED, numRuns: FLAG_RUNS, endOnFailure: true },
    );
    expect(tally.trained).toBeGreaterThanOrEqual(FLAG_RUNS / 10);
    expect(tally.refused).toBeGreaterThanOrEqual(FLAG_RUNS / 10);
  }, 120_000);
});
