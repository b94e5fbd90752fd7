import type { DashboardFigure } from '../../viz/dashboard/page.ts';
import type { Dashboard } from '../../viz/dashboard/server.ts';
import type { Network } from '../graph/network.ts';
import type { Clock } from '../runtime/clock.ts';
import type { RecurrentEpochMetrics } from '../runtime/recurrent/recurrent-trainer.ts';

/** Seconds between two windows shown on the page: a window takes milliseconds, its animation longer. */
const WINDOW_EVERY_SECONDS = 0.1;

/** The recurrent page's per-epoch curve: validation bits per character, or Copy's error in bits. */
export function recurrentFigure(text: boolean): DashboardFigure {
  return text
    ? { heading: 'Validation bits per character per epoch', axis: 'valid bits/char', per: 'window' }
    : { heading: 'Training error per epoch (bits per target tick)', axis: 'bits/tick', per: 'window' };
}

/**
 * The live page of a recurrent run (paper §3.2): a window now and then, its ticks lit in turn and
 * the state crossing the loop (the page animates from the window's length), its loss on the curve;
 * every epoch's figure of merit and what `train` prints of it.
 */
export function recurrentDashboardFeed(
  dashboard: Dashboard,
  network: Network,
  clock: Clock,
  describe: (metrics: RecurrentEpochMetrics) => string,
) {
  const module = network.findNode((_n, spec) => spec.kind === 'module' && spec.window !== undefined)!;
  const spec = network.getNodeAttributes(module);
  const ticks = spec.kind === 'module' ? spec.window! : 1;
  let shownAt = Number.NEGATIVE_INFINITY;
  return {
    window: (epoch: number, window: number, loss: number) => {
      const now = clock.now();
      if (now - shownAt < WINDOW_EVERY_SECONDS) return;
      shownAt = now;
      dashboard.publish({ type: 'window', module, epoch, window, ticks, loss });
    },
    epoch: (m: RecurrentEpochMetrics) =>
      dashboard.publish({
        type: 'figure',
        epoch: m.epoch,
        value: m.task === 'copy' ? m.bits_per_tick : m.valid_bpc,
        status: describe(m),
      }),
  };
}
