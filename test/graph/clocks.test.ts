import { describe, expect, it } from 'vitest';
import oddThrees from '../../graphs/odd-threes.ts';
import { resolveParams } from '../../src/graph/define.ts';
import { validateNetwork } from '../../src/graph/validate.ts';
import { linear, lstm, network, stopGradient } from '../../src/index.ts';
import { readSystem } from '../../src/runtime/multi/system-spec.ts';

/** Two clustered chains joined by one edge; `edit` changes the builder before it is built. */
function twoClusters(
  periods: { a?: number; b?: number } = {},
  options: { clockB?: boolean; target?: string } = {},
) {
  const builder = network('two')
    .source('x', { dataset: 'digitStream', shape: [4], classes: 10, targets: { odd: 3 }, cluster: 'a' })
    .module('m', [linear(3)], { cluster: 'a' })
    .loss('l', 'softmaxCrossEntropy', { cluster: 'a', target: options.target ?? 'odd' })
    .module('n', [linear(3)], { cluster: 'b' })
    .loss('k', 'softmaxCrossEntropy', { cluster: 'b', target: 'odd' })
    .chain(['x', 'm', 'n', 'k'])
    .connect('m', 'l')
    .clock('a', periods.a ?? 1);
  if (options.clockB !== false) builder.clock('b', periods.b ?? 4);
  return builder.build();
}

describe('clusters and clocks are checked before any work (DESIGN.md, "Clocks")', () => {
  it('accepts clocks whose periods divide along every edge', () => {
    expect(() => validateNetwork(twoClusters({ a: 2, b: 6 }))).not.toThrow();
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses a clock period of %s, naming the cluster', (period) => {
    expect(() => validateNetwork(twoClusters({ b: period }))).toThrow(
      `dniflow/graph: network 'two': cluster 'b' has a clock of period ${period}; it must be an integer >= 1`,
    );
  });

  it('refuses an edge between clusters whose periods do not divide', () => {
    expect(() => validateNetwork(twoClusters({ a: 2, b: 3 }))).toThrow(
      'edge m -> n joins clocks of periods 2 and 3; one must divide the other',
    );
  });

  it('refuses a cluster named on a node but without a clock', () => {
    expect(() => validateNetwork(twoClusters({}, { clockB: false }))).toThrow(
      "node 'n' is in cluster 'b', which has no clock: add .clock('b', period)",
    );
  });

  it('refuses a clock that names no cluster (a misspelt cluster would tick at period 1)', () => {
    const net = twoClusters();
    net.updateAttribute('clocks', (clocks) => ({ ...clocks, B: 4 }));
    expect(() => validateNetwork(net)).toThrow("clock 'B' names no cluster of any node");
  });

  it('refuses a loss whose target stream no source provides', () => {
    expect(() => validateNetwork(twoClusters({}, { target: 'threes' }))).toThrow(
      "loss 'l' compares with target stream 'threes', which no source provides",
    );
  });

  it('refuses a loss that fires every non-integer number of ticks', () => {
    const net = twoClusters();
    net.mergeNodeAttributes('k', { every: 0 } as never);
    expect(() => validateNetwork(net)).toThrow("loss 'k' fires every 0 ticks; it must be an integer >= 1");
  });
});

describe('the two-clock runtime refuses what it cannot run, naming it', () => {
  const graph = (set: Record<string, string> = {}) => oddThrees.build(resolveParams(oddThrees, set));

  it('reads graphs/odd-threes.ts for every join', () => {
    for (const join of ['backprop', 'dni', 'cdni', 'none']) {
      const spec = readSystem(graph({ join }));
      expect(spec.join).toBe(join);
      expect([spec.a.period, spec.b.period, spec.a.core.window, spec.b.core.window]).toEqual([1, 4, 4, 4]);
      expect([spec.a.loss.classes, spec.b.loss.classes]).toEqual([5, 17]);
    }
  });

  it('refuses a B clock that is not A’s window', () => {
    const net = graph();
    net.updateAttribute('clocks', (clocks) => ({ ...clocks, B: 2 }));
    expect(() => readSystem(net)).toThrow("B ticks every 2 ticks but A's window is 4");
  });

  it('refuses a target stream whose classes do not match its count', () => {
    const net = graph();
    net.mergeNodeAttributes('digits', { targets: { odd: 5, threes: 16 } } as never);
    expect(() => readSystem(net)).toThrow(
      "target stream 'threes' counts over 16 ticks, so it has 17 classes (0..16), not 16",
    );
  });

  it('refuses a state loop that is not stopGradient, and a join it does not know', () => {
    const net = graph();
    net.dropEdge(net.edges('coreB', 'coreB')[0]);
    net.addEdge('coreB', 'coreB', { interface: { kind: 'dni', model: 'linear', scale: 1 }, delay: 1 });
    expect(() => readSystem(net)).toThrow("the state loop of 'coreB' must be stopGradient()");
    const other = graph();
    other.replaceEdgeAttributes(other.edges('coreA', 'coreB')[0], {
      interface: { kind: 'syntheticInput', model: 'linear' },
      delay: 0,
    });
    expect(() => readSystem(other)).toThrow('the join coreA -> coreB is syntheticInput');
  });

  it('needs a recurrent core per network', () => {
    const net = network('flat')
      .source('digits', {
        dataset: 'digitStream',
        shape: [4],
        classes: 10,
        targets: { odd: 3 },
        cluster: 'A',
      })
      .module('a', [lstm(4)], { cluster: 'A', window: 2 })
      .module('b', [linear(3)], { cluster: 'B' })
      .loss('k', 'softmaxCrossEntropy', { cluster: 'B', target: 'odd' })
      .chain(['digits', 'a', 'b', 'k'])
      .connect('a', 'a', stopGradient(), { delay: 1 })
      .clock('A', 1)
      .clock('B', 2)
      .build();
    expect(() => readSystem(net)).toThrow('has 1 recurrent modules; the runtime takes one per network');
  });
});
