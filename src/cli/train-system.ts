import type { Dashboard, DashboardEvent } from '../../viz/dashboard/server.ts';
import { periodOf } from '../graph/clocks.ts';
import { type GraphDefinition, resolveParams } from '../graph/define.ts';
import type { Network } from '../graph/network.ts';
import type { SystemMessage } from '../runtime/multi/messages.ts';
import type { SystemEpochMetrics } from '../runtime/multi/run-system.ts';
import { runSystemGraph } from '../runtime/multi/run-system.ts';
import { ResumeMismatchError } from '../runtime/resume.ts';
import type { RunOptions } from '../runtime/run.ts';
import { RunDirectoryError } from '../runtime/run-directory.ts';
import { InterruptedError } from '../runtime/trainer.ts';
import { UsageError } from './usage-error.ts';

/** Every how many of A's messages the page is shown one (and B's gradient for its window). */
const DASHBOARD_EVERY = 8;

/**
 * The live page of a multi-network run (paper §3.3): each cluster's label counts the ticks of its
 * clock, A's messages and B's gradients travel along the edge between them, and every epoch adds
 * B's held-out count error to the curve and both cores' updates to their boxes.
 */
function dashboardFeed(dashboard: Dashboard, network: Network) {
  const clusterOf = (node: string) => network.getNodeAttribute(node, 'cluster') ?? '';
  // A's core ticks on the faster clock, B's on the slower one.
  const [source, target] = network
    .filterNodes((_n, spec) => spec.kind === 'module' && spec.window !== undefined)
    .sort((x, y) => periodOf(network, x) - periodOf(network, y));
  const T = periodOf(network, target) / periodOf(network, source);
  let updates = { a: 0, b: 0 };
  return {
    message: (message: SystemMessage) => {
      if (message.direction === 'target') return;
      // B's gradient for block j answers A's messages jT .. jT + T − 1: shown with the first's.
      const shown = message.direction === 'forward' ? message.step : message.step * T;
      if (shown % DASHBOARD_EVERY !== 0) return;
      const kind = message.direction === 'forward' ? 'activation' : message.kind;
      const { edge, direction, step } = message;
      dashboard.publish({ type: 'message', edge, direction, kind, step });
      if (direction === 'forward') {
        // A has run to the message's tick; B reads it at its own next tick (one per message).
        dashboard.publish({ type: 'clock', cluster: clusterOf(source), tick: message.tick + 1 });
        dashboard.publish({ type: 'clock', cluster: clusterOf(target), tick: message.step + 1 });
      }
    },
    epoch: (m: SystemEpochMetrics) => {
      const delta = { a: m.a_updates - updates.a, b: m.b_updates - updates.b };
      updates = { a: m.a_updates, b: m.b_updates };
      dashboard.publish({
        type: 'epoch',
        epoch: m.epoch + 1,
        // The page's curve is a test error: B's held-out count error, the system's figure of merit.
        test_error: 100 * (1 - m.b_accuracy),
        train_loss: m.b_loss,
        seconds: m.seconds,
        modules: [
          { name: source, updates: delta.a },
          { name: target, updates: delta.b },
        ],
        interfaces: [],
      } as unknown as DashboardEvent);
    },
  };
}

const percent = (x: number) => `${(100 * x).toFixed(1)}%`;

function formatSystemEpoch(m: SystemEpochMetrics): string {
  const sg =
    m.sg_loss === null ? '' : `  sg loss ${m.sg_loss.toExponential(2)} cos ${m.sg_cosine!.toFixed(3)}`;
  const locked =
    m.a_locked_seconds === null ? '' : `  A locked ${m.a_locked_seconds.toFixed(2)}s of ${m.time} time`;
  return (
    `epoch ${m.epoch}  ticks ${m.ticks}  A ${percent(m.a_accuracy)} (${m.a_updates} updates)` +
    `  B ${percent(m.b_accuracy)} (${m.b_updates} updates)${sg}${locked}  ${m.seconds.toFixed(1)}s`
  );
}

/**
 * `train` on a multi-network system (the odd/3s pair, paper §3.3): one line per epoch of ticks with
 * both networks' held-out count accuracy, their updates, the synthetic gradient's fit, and A's
 * locked time where the scheduler has a clock. SIGINT/SIGTERM stop it between epochs.
 */
export async function trainSystemCommand(
  definition: GraphDefinition,
  options: Omit<RunOptions, 'clock'> & { ticksPerEpoch?: number; clipNorm?: number },
  context: {
    json: boolean;
    clock: RunOptions['clock'];
    exitCode: (signal: string) => number;
    dashboard?: Dashboard;
    /** What an interrupted run with a directory prints after its message: how to continue it. */
    continueHint?: string;
  },
): Promise<number> {
  const interrupt = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    if (interrupt.signal.aborted) process.exit(context.exitCode(signal));
    interrupt.abort(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const network = definition.build(resolveParams(definition, options.set ?? {}));
    const feed = context.dashboard && dashboardFeed(context.dashboard, network);
    const result = await runSystemGraph(definition, {
      ...options,
      clock: context.clock,
      signal: interrupt.signal,
      onSystemMessage: feed?.message,
      onSystemEpoch: (m) => {
        feed?.epoch(m);
        process.stdout.write(`${context.json ? JSON.stringify(m) : formatSystemEpoch(m)}\n`);
      },
    });
    const last = result.history.at(-1)!;
    if (context.json) {
      const { history: _history, ...summary } = result;
      process.stdout.write(
        `${JSON.stringify({ done: true, ...summary, a_accuracy: last.a_accuracy, b_accuracy: last.b_accuracy })}\n`,
      );
    } else {
      process.stdout.write(
        `${result.graph} (join ${result.join}, T=${result.T}, ${result.scheduler}): A ${percent(last.a_accuracy)}, B ${percent(last.b_accuracy)} on held-out digits after ${last.ticks} ticks\n`,
      );
    }
    return 0;
  } catch (error) {
    if (error instanceof InterruptedError) {
      process.stderr.write(`${error.message}${context.continueHint ?? ''}\n`);
      return context.exitCode(error.reason);
    }
    if (error instanceof RunDirectoryError || error instanceof ResumeMismatchError)
      throw new UsageError(error.message.replace(/^dniflow\/runtime: /, ''));
    throw error;
  } finally {
    await context.dashboard?.close();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
