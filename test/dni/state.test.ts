import { describe, expect, it } from 'vitest';
import { createSyntheticModel, SyntheticGradientModel, SyntheticInputModel } from '../../src/dni/index.ts';
import { Prng } from '../../src/tensor/prng.ts';
import { normalTensor } from './fixtures.ts';

const optimizer = { kind: 'adam', lr: 1e-2 } as const;

function trained(seed: number): SyntheticGradientModel {
  const m = new SyntheticGradientModel({
    spec: { hidden: [16, 16] },
    shape: [6],
    prng: new Prng(seed),
    optimizer,
  });
  for (let s = 0; s < 5; s++) {
    m.predict(s, normalTensor([8, 6], s));
    m.learn(s, normalTensor([8, 6], s + 100));
  }
  return m;
}

describe('determinism and state', () => {
  it('the same seed gives identical predictions; another seed does not', () => {
    const probe = normalTensor([8, 6], 999);
    const a = trained(1).predict(9, probe).clone();
    const b = trained(1).predict(9, probe).clone();
    const c = trained(2).predict(9, probe).clone();
    expect(a.data.some((v) => v !== 0)).toBe(true);
    expect(b.data).toEqual(a.data);
    expect(c.data).not.toEqual(a.data);
  });

  it('conv models are deterministic too', () => {
    const run = () => {
      const m = new SyntheticGradientModel({
        spec: { convLayers: 2, channels: 3, kernel: 3 },
        shape: [2, 4, 4],
        prng: new Prng(3),
        optimizer,
      });
      m.predict(0, normalTensor([2, 2, 4, 4], 1));
      m.learn(0, normalTensor([2, 2, 4, 4], 2));
      return m.predict(1, normalTensor([2, 2, 4, 4], 3)).clone();
    };
    const first = run();
    expect(first.data.some((v) => v !== 0)).toBe(true);
    expect(run().data).toEqual(first.data);
  });

  it('state() / loadState() round-trips parameters, BN statistics and the optimiser', () => {
    const source = trained(1);
    const restored = trained(5);
    restored.loadState(source.state());
    const probe = normalTensor([8, 6], 7);
    expect(restored.predict(20, probe).clone().data).toEqual(source.predict(20, probe).clone().data);
    // One more identical step proves the Adam moments and step count came along.
    const target = normalTensor([8, 6], 8);
    expect(restored.learn(20, target)).toEqual(source.learn(20, target));
    expect(restored.predict(21, probe).clone().data).toEqual(source.predict(21, probe).clone().data);
  });

  it('loadState rejects a state of another architecture before changing anything', () => {
    const target = trained(1);
    const before = target.parameters().map((p) => p.value.data.slice());
    const other = new SyntheticGradientModel({
      spec: { hidden: [4] },
      shape: [6],
      prng: new Prng(1),
      optimizer,
    });
    expect(() => target.loadState(other.state())).toThrow(
      /dniflow\/dni: model 'sg' state tensor 'sg.fc1.weight' has shape \[4, 6\], expected \[16, 6\]/,
    );
    expect(target.parameters().map((p) => p.value.data)).toEqual(before);
  });

  it('parameter names carry the model name and layer', () => {
    const m = new SyntheticGradientModel({
      spec: { hidden: [4] },
      shape: [3],
      prng: new Prng(1),
      name: 'sg.layer1',
    });
    expect(m.parameters().map((p) => p.name)).toEqual([
      'sg.layer1.fc1.weight',
      'sg.layer1.bn1.weight',
      'sg.layer1.bn1.bias',
      'sg.layer1.out.weight',
      'sg.layer1.out.bias',
      'sg.layer1.bn1.runningMean',
      'sg.layer1.bn1.runningVar',
    ]);
  });
});

describe('createSyntheticModel', () => {
  it('maps the graph specs to models', () => {
    const prng = new Prng(1);
    const linear = createSyntheticModel('linear', { inputShape: [10], outputShape: [10], prng });
    expect(linear).toBeInstanceOf(SyntheticGradientModel);
    expect(linear.network.layers.map((l) => l.name)).toEqual(['out']);
    const mlp = createSyntheticModel(
      { hidden: [1024, 1024] },
      { inputShape: [20], outputShape: [20], context: { classes: 10 }, prng },
    );
    expect(mlp.network.layers.map((l) => l.name)).toEqual([
      'fc1',
      'bn1',
      'relu1',
      'fc2',
      'bn2',
      'relu2',
      'out',
    ]);
    expect(mlp.classes).toBe(10);
    const conv = createSyntheticModel('conv', { inputShape: [4, 6, 6], outputShape: [4, 6, 6], prng });
    expect(conv.network.layers.map((l) => l.name)).toEqual([
      'conv1',
      'bn1',
      'relu1',
      'conv2',
      'bn2',
      'relu2',
      'out',
    ]);
    expect(conv.network.parameters()[0].value.shape).toEqual([128, 4, 5, 5]);
    const input = createSyntheticModel(
      { hidden: [8] },
      { role: 'input', inputShape: [1, 4, 4], outputShape: [8], prng },
    );
    expect(input).toBeInstanceOf(SyntheticInputModel);
  });

  it('uses the given optimiser, Adam by default', () => {
    const prng = new Prng(1);
    expect(
      createSyntheticModel('linear', { inputShape: [3], outputShape: [3], prng }).optimizer.constructor.name,
    ).toBe('Adam');
    const sgd = createSyntheticModel('linear', {
      inputShape: [3],
      outputShape: [3],
      prng,
      optimizer: { kind: 'sgd', lr: 0.1, momentum: 0.9 },
    });
    expect(sgd.optimizer.constructor.name).toBe('SGD');
    expect(sgd.optimizer.lr).toBe(0.1);
  });

  it('rejects impossible combinations with messages naming the model', () => {
    const prng = new Prng(1);
    expect(() => createSyntheticModel('linear', { inputShape: [3], outputShape: [4], prng })).toThrow(
      /dniflow\/dni: a synthetic-gradient model maps h_A to δ̂_A of the same shape/,
    );
    expect(() => createSyntheticModel('conv', { inputShape: [12], outputShape: [12], prng })).toThrow(
      /dniflow\/dni: sg: a conv model needs \[C, H, W\]/,
    );
    expect(() =>
      createSyntheticModel(
        { convLayers: 2, kernel: 4 },
        { inputShape: [1, 4, 4], outputShape: [1, 4, 4], prng },
      ),
    ).toThrow(/odd conv kernel/);
    expect(() => createSyntheticModel({ hidden: [0] }, { inputShape: [3], outputShape: [3], prng })).toThrow(
      /positive integers/,
    );
    expect(() =>
      createSyntheticModel('linear', {
        role: 'input',
        inputShape: [3],
        outputShape: [3],
        context: { classes: 2 },
        prng,
      }),
    ).toThrow(/no label context/);
  });
});
