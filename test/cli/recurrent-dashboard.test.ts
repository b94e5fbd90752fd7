/** What a recurrent run sends to its live page: windows now and then, every epoch's figure. */
import { describe, expect, it } from 'vitest';
import { recurrentDashboardFeed, recurrentFigure } from '../../src/cli/recurrent-dashboard.ts';
import type { GraphDefinition } from '../../src/index.ts';
import { resolveParams } from '../../src/index.ts';
import type { CopyEpochMetrics } from '../../src/runtime/recurrent/recurrent-trainer.ts';
import type { DashboardEvent } from '../../viz/dashboard/server.ts';

async function feedOf(time: { now: number }) {
  const { default: definition } = (await import('../../graphs/copy.ts')) as { default: GraphDefinition };
  const network = definition.build(resolveParams(definition, { T: '4' }));
  const events: DashboardEvent[] = [];
  const dashboard = { url: '', publish: (e: DashboardEvent) => events.push(e), close: async () => {} };
  const feed = recurrentDashboardFeed(dashboard, network, { now: () => time.now }, (m) => `epoch ${m.epoch}`);
  return { feed, events };
}

describe('the recurrent dashboard feed', () => {
  it('shows the first window, then at most one every tenth of a second, with the core and its T', async () => {
    const time = { now: 0 };
    const { feed, events } = await feedOf(time);
    for (let window = 1; window <= 10; window++) {
      feed.window(1, window, 1 / window);
      time.now += 0.03;
    }
    expect(events.map((e) => (e.type === 'window' ? e.window : -1))).toEqual([1, 5, 9]);
    expect(events[0]).toEqual({ type: 'window', module: 'core', epoch: 1, window: 1, ticks: 4, loss: 1 });
  });

  it('sends each epoch’s figure of merit with the line train prints', async () => {
    const { feed, events } = await feedOf({ now: 0 });
    feed.epoch({ task: 'copy', epoch: 3, bits_per_tick: 0.25 } as CopyEpochMetrics);
    expect(events).toEqual([{ type: 'figure', epoch: 3, value: 0.25, status: 'epoch 3' }]);
    expect(recurrentFigure(true).axis).toBe('valid bits/char');
  });
});
