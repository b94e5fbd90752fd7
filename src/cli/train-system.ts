import type { GraphDefinition } from '../graph/define.ts';
import type { SystemEpochMetrics } from '../runtime/multi/run-system.ts';
import { runSystemGraph } from '../runtime/multi/run-system.ts';
import type { RunOptions } from '../runtime/run.ts';
import { RunDirectoryError } from '../runtime/run-directory.ts';
import { InterruptedError } from '../runtime/trainer.ts';
import { UsageError } from './usage-error.ts';

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
  context: { json: boolean; clock: RunOptions['clock']; exitCode: (signal: string) => number },
): Promise<number> {
  const interrupt = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    if (interrupt.signal.aborted) process.exit(context.exitCode(signal));
    interrupt.abort(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const result = await runSystemGraph(definition, {
      ...options,
      clock: context.clock,
      signal: interrupt.signal,
      onSystemEpoch: (m) =>
        process.stdout.write(`${context.json ? JSON.stringify(m) : formatSystemEpoch(m)}\n`),
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
      process.stderr.write(`${error.message}\n`);
      return context.exitCode(error.reason);
    }
    if (error instanceof RunDirectoryError)
      throw new UsageError(error.message.replace(/^dniflow\/runtime: /, ''));
    throw error;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
