import { describe, expect, it } from 'vitest';
import oddThrees from '../../graphs/odd-threes.ts';
import { resolveParams } from '../../src/graph/define.ts';
import { validateNetwork } from '../../src/graph/validate.ts';
import { ManualClock } from '../../src/runtime/clock.ts';
import { buildSystem, type TwoClockSystem } from '../../src/runtime/multi/build-system.ts';
import { runLockstep } from '../../src/runtime/multi/lockstep.ts';
import type { SystemMessage } from '../../src/runtime/multi/messages.ts';
import { NatsSystemSchedule } from '../../src/runtime/multi/nats-system.ts';
import { runSystemGraph } from '../../src/runtime/multi/run-system.ts';
import { LockstepSchedule } from '../../src/runtime/multi/schedule.ts';
import { VirtualTimeSchedule } from '../../src/runtime/multi/virtual-time.ts';
import { SystemWorkerFailed, startWorkerSchedule } from '../../src/runtime/multi/workers.ts';
import { natsServerPath } from '../../src/runtime/nats/nats-server.ts';
import { Prng } from '../../src/tensor/prng.ts';

const JOINS = ['backprop', 'dni', 'cdni', 'none'] as const;
const small = (join: string, T = 2) =>
  oddThrees.build(resolveParams(oddThrees, { join, T: String(T), units: '16', encoder: '16' }));

function system(
  join: string,
  options: { T?: number; lr?: number; seed?: number; sgd?: boolean } = {},
): TwoClockSystem {
  const network = small(join, options.T);
  validateNetwork(network);
  const optimizer = options.sgd
    ? { kind: 'sgd' as const, lr: options.lr ?? 0.1 }
    : { kind: 'adam' as const, lr: options.lr ?? 3e-3 };
  return buildSystem(network, new Prng(options.seed ?? 1).stream('init'), { lanes: 8, optimizer });
}

describe('the odd/3s system on a short stream (paper §3.3)', () => {
  it.each(JOINS)('join=%s trains: both networks’ losses fall', (join) => {
    const s = system(join);
    runLockstep(s, 25);
    const first = { a: s.a.tally.loss / s.a.tally.windows, b: s.b.tally.loss / s.b.tally.windows };
    s.a.tally.reset();
    s.b.tally.reset();
    runLockstep(s, 300);
    s.a.tally.reset();
    s.b.tally.reset();
    runLockstep(s, 50);
    expect(s.a.tally.loss / s.a.tally.windows).toBeLessThan(first.a * 0.8);
    expect(s.b.tally.loss / s.b.tally.windows).toBeLessThan(first.b * 0.8);
  });

  it.each([2, 3, 4])('update counts follow the clocks exactly, and B runs only at its ticks (T=%i)', (T) => {
    for (const join of JOINS) {
      const s = system(join, { T });
      const blocks = 5;
      runLockstep(s, blocks);
      // A: every T ticks, or every T² when locked by backprop; B: every T of its ticks (T² digits).
      expect(s.a.updates, join).toBe(join === 'backprop' ? blocks : blocks * T);
      expect(s.b.updates, join).toBe(blocks);
      expect(s.a.ticks).toBe(blocks * T * T);
      // B read one message per tick of its clock (period T), at that tick: never in between.
      expect(s.b.ticksRead).toEqual(Array.from({ length: blocks * T }, (_, k) => k * T + T - 1));
    }
  });

  it('the message tap sees A’s messages at A’s window ends and B’s gradient once per B window', async () => {
    const seen: SystemMessage[] = [];
    for (const schedule of [
      new LockstepSchedule(system('dni', { T: 3 }), (m) => seen.push(m)),
      new VirtualTimeSchedule(system('dni', { T: 3 }), {}, (m) => seen.push(m)),
    ]) {
      seen.length = 0;
      await schedule.run(2);
      const of = (direction: string) => seen.filter((m) => m.direction === direction);
      expect(of('forward').map((m) => m.tick)).toEqual([2, 5, 8, 11, 14, 17]);
      expect(of('target').map((m) => m.step)).toEqual([0, 1]);
      expect(of('backward').map((m) => m.step)).toEqual([0, 1]);
    }
  });

  it('under backprop, A is locked until B’s gradient for its block arrives; under dni it never is', () => {
    const locked = system('backprop');
    locked.a.advance();
    expect(locked.a.locked).toBe(true);
    expect(() => locked.a.advance()).toThrow("network A is locked until B's gradient for block 0 arrives");
    const free = system('dni');
    for (let i = 0; i < 2; i++) {
      free.a.advance();
      expect(free.a.locked).toBe(false);
    }
  });

  it('B’s gradient for each message is the finite difference of its loss in that message', () => {
    const s = system('dni', { T: 3 });
    const sent: SystemMessage[] = [];
    for (let i = 0; i < 3; i++) sent.push(...s.a.advance());
    const forward = sent.filter((m) => m.direction === 'forward');
    const target = sent.find((m) => m.direction === 'target')!;
    // B's loss for a copy of its state and parameters: a fresh system of the same seed is B's twin.
    const lossOf = (messages: SystemMessage[]) => {
      const twin = system('dni', { T: 3 });
      twin.b.handle(target);
      for (const m of messages) twin.b.handle(m);
      return twin.b.tally.loss;
    };
    const replies: SystemMessage[] = [];
    replies.push(...s.b.handle(target));
    for (const m of forward) replies.push(...s.b.handle(m));
    const gradient = replies.find((m) => m.direction === 'backward')!;
    expect(gradient.shape).toEqual([3, 8, 16]);
    const epsilon = 1e-2;
    for (const [message, lane, unit] of [
      [0, 0, 0],
      [1, 3, 5],
      [2, 7, 15],
      [2, 1, 9],
    ]) {
      const perturbed = (sign: number) =>
        forward.map((m, i) => {
          if (i !== message || m.direction !== 'forward') return m;
          const data = m.data.slice();
          data[lane * 16 + unit] += sign * epsilon;
          return { ...m, data };
        });
      const fd = (lossOf(perturbed(1)) - lossOf(perturbed(-1))) / (2 * epsilon);
      const analytic =
        gradient.direction === 'backward' ? gradient.data[(message * 8 + lane) * 16 + unit] : 0;
      expect(analytic).toBeCloseTo(fd, 4);
    }
  });

  it('under backprop, A’s update is the gradient of both losses (B’s through the rate-changing edge)', () => {
    // Plain SGD at lr 1: A's parameter change over one block is minus the gradient of L_A + L_B.
    const trained = system('backprop', { sgd: true, lr: 1, T: 2 });
    const before = trained.a.parameters().map((p) => p.value.data.slice());
    runLockstep(trained, 1);
    const lossOf = (param: number, index: number, delta: number) => {
      const twin = system('backprop', { sgd: true, lr: 1, T: 2 });
      twin.a.parameters()[param].value.data[index] += delta;
      runLockstep(twin, 1);
      return twin.a.tally.loss + twin.b.tally.loss;
    };
    const lossAOf = (param: number, index: number, delta: number) => {
      const twin = system('backprop', { sgd: true, lr: 1, T: 2 });
      twin.a.parameters()[param].value.data[index] += delta;
      runLockstep(twin, 1);
      return twin.a.tally.loss;
    };
    const params = trained.a.parameters();
    const epsilon = 1e-2;
    let checked = 0;
    let bMatters = 0;
    for (let param = 0; param < params.length; param++) {
      const data = params[param].value.data;
      for (const index of [0, Math.floor(data.length / 2), data.length - 1]) {
        const step = before[param][index] - data[index];
        const fd = (lossOf(param, index, epsilon) - lossOf(param, index, -epsilon)) / (2 * epsilon);
        if (Math.abs(fd) < 1e-3) continue;
        expect(Math.abs(step - fd), `${params[param].name}[${index}]: ${step} vs ${fd}`).toBeLessThan(
          0.02 * Math.abs(fd) + 2e-4,
        );
        const fdA = (lossAOf(param, index, epsilon) - lossAOf(param, index, -epsilon)) / (2 * epsilon);
        if (Math.abs(fd - fdA) > 0.05 * Math.abs(fd)) bMatters++;
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(4);
    // Without B's part the update would match L_A alone: the check above must see B's share.
    expect(bMatters).toBeGreaterThan(0);
  });

  it('the same seed gives the same numbers twice on lockstep, and on the async schedule', async () => {
    const clock = new ManualClock();
    const run = (scheduler: 'lockstep' | 'async') =>
      runSystemGraph(oddThrees, {
        set: { join: 'dni', T: '2', units: '16', encoder: '16' },
        epochs: 2,
        batch: 8,
        ticksPerEpoch: 64,
        seed: 7,
        scheduler,
        clock,
      });
    for (const scheduler of ['lockstep', 'async'] as const) {
      const [first, second] = [await run(scheduler), await run(scheduler)];
      expect(second.history).toEqual(first.history);
    }
  });

  it('async (virtual time): A is never locked under dni; under backprop, locked for B’s window each block', async () => {
    const costs = { defaultCost: { forward: 1, backward: 2 }, latency: 0.5 };
    const dni = new VirtualTimeSchedule(system('dni'), costs);
    expect((await dni.run(4)).timing!.aLocked).toBe(0);
    const backprop = new VirtualTimeSchedule(system('backprop'), costs);
    const counts = await backprop.run(4);
    // Per block: A's forward ends, its 2 messages travel (0.5), B runs 2 ticks of (1 + 2) × 2
    // modules (12), the gradient travels back (0.5): 13 locked per block.
    expect(counts.timing!.aLocked).toBeCloseTo(4 * 13, 9);
    expect(counts.a.updates).toBe(4);
    // The order of work differs from lockstep only in timing: backprop's numbers are identical.
    const lockstep = await new LockstepSchedule(system('backprop')).run(4);
    expect(counts.a.loss).toBe(lockstep.a.loss);
    expect(counts.b.loss).toBe(lockstep.b.loss);
  });
});

describe('the odd/3s system on the workers schedule (A and B in two threads)', () => {
  it('trains with the clocks’ update counts; A is locked only under backprop', async () => {
    for (const join of ['dni', 'backprop'] as const) {
      const schedule = await startWorkerSchedule({
        network: small(join),
        seed: 1,
        options: { lanes: 8, optimizer: { kind: 'adam', lr: 3e-3 } },
      });
      try {
        const counts = await schedule.run(20);
        expect(counts.a.updates).toBe(join === 'backprop' ? 20 : 40);
        expect(counts.b.updates).toBe(20);
        if (join === 'dni') expect(counts.timing!.aLocked).toBe(0);
        else expect(counts.timing!.aLocked).toBeGreaterThan(0);
        const held = await schedule.evaluate(undefined as never, undefined as never, { lanes: 8, blocks: 2 });
        expect(held.a).toBeGreaterThanOrEqual(0);
        expect(held.b).toBeLessThanOrEqual(1);
      } finally {
        await schedule.dispose();
      }
    }
  }, 60_000);

  it('backprop on workers gives lockstep’s numbers exactly (nothing depends on timing)', async () => {
    const schedule = await startWorkerSchedule({
      network: small('backprop'),
      seed: 3,
      options: { lanes: 8, optimizer: { kind: 'adam', lr: 3e-3 } },
    });
    try {
      const threads = await schedule.run(6);
      const lockstep = await new LockstepSchedule(system('backprop', { seed: 3 })).run(6);
      expect(threads.a.loss).toBe(lockstep.a.loss);
      expect(threads.b.loss).toBe(lockstep.b.loss);
    } finally {
      await schedule.dispose();
    }
  }, 60_000);

  it('a network’s worker that dies ends the run within seconds, naming the network', async () => {
    const schedule = await startWorkerSchedule({
      network: small('dni'),
      seed: 1,
      options: { lanes: 8, optimizer: { kind: 'adam', lr: 3e-3 } },
    });
    try {
      const running = schedule.run(100_000);
      const started = performance.now();
      await schedule.threadOf('B').terminate();
      await expect(running).rejects.toThrow(SystemWorkerFailed);
      await expect(running).rejects.toThrow("network B's worker failed");
      expect(performance.now() - started).toBeLessThan(5000);
    } finally {
      await schedule.dispose();
    }
  }, 60_000);
});

describe.skipIf(natsServerPath() === undefined)(
  'the odd/3s system on the nats schedule (A and B as OS processes)',
  () => {
    const options = { lanes: 8, optimizer: { kind: 'adam' as const, lr: 3e-3 } };

    it('backprop gives lockstep’s numbers exactly; dni follows the clocks and A is never locked', async () => {
      const backprop = await NatsSystemSchedule.start({ network: small('backprop'), seed: 3, options });
      try {
        const processes = await backprop.run(6);
        const lockstep = await new LockstepSchedule(system('backprop', { seed: 3 })).run(6);
        expect(processes.a.loss).toBe(lockstep.a.loss);
        expect(processes.b.loss).toBe(lockstep.b.loss);
        expect(processes.timing!.aLocked).toBeGreaterThan(0);
      } finally {
        await backprop.dispose();
      }
      const dni = await NatsSystemSchedule.start({ network: small('dni'), seed: 1, options });
      try {
        const counts = await dni.run(20);
        expect([counts.a.updates, counts.b.updates]).toEqual([40, 20]);
        expect(counts.timing!.aLocked).toBe(0);
        const held = await dni.evaluate(undefined, undefined, { lanes: 8, blocks: 2 });
        expect(held.b).toBeGreaterThanOrEqual(0);
      } finally {
        await dni.dispose();
      }
    }, 60_000);

    it('kill -9 of a network’s process ends the run within 5 s, naming the network and its pid; no orphan', async () => {
      const schedule = await NatsSystemSchedule.start({ network: small('dni'), seed: 1, options });
      const a = schedule.processOf('A');
      try {
        const running = schedule.run(100_000);
        const b = schedule.processOf('B');
        const started = performance.now();
        b.kill('SIGKILL');
        await expect(running).rejects.toThrow(`network B's process (pid ${b.pid}) exited (SIGKILL)`);
        expect(performance.now() - started).toBeLessThan(5000);
      } finally {
        await schedule.dispose();
      }
      expect(a.exitCode !== null || a.signalCode !== null).toBe(true);
    }, 60_000);

    it('a hung process (SIGSTOP) ends the run within 5 s by heartbeat, naming the network', async () => {
      const schedule = await NatsSystemSchedule.start({ network: small('dni'), seed: 1, options });
      try {
        const running = schedule.run(100_000);
        const b = schedule.processOf('B');
        const started = performance.now();
        b.kill('SIGSTOP');
        await expect(running).rejects.toThrow(`network B's process (pid ${b.pid}) has been silent`);
        expect(performance.now() - started).toBeLessThan(5000);
      } finally {
        await schedule.dispose();
      }
    }, 60_000);
  },
);
