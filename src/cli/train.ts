import { performance } from 'node:perf_hooks';
import type { DashboardFigure } from '../../viz/dashboard/page.ts';
import { type Dashboard, DashboardPortInUseError, startDashboard } from '../../viz/dashboard/server.ts';
import { type GraphDefinition, ParamError, resolveParams } from '../graph/define.ts';
import type { Network } from '../graph/network.ts';
import { validateNetwork } from '../graph/validate.ts';
import type { StepEngine } from '../runtime/engine.ts';
import { isMultiNetworkGraph } from '../runtime/multi/run-system.ts';
import { checkRunId, NatsUrlError } from '../runtime/nats/nats-link.ts';
import { readsText } from '../runtime/recurrent/build.ts';
import type { RecurrentEpochMetrics } from '../runtime/recurrent/recurrent-trainer.ts';
import { isRecurrentGraph, runRecurrentGraph } from '../runtime/recurrent/run-recurrent.ts';
import { ResumeMismatchError } from '../runtime/resume.ts';
import { type RunOptions, type RunResult, runGraph } from '../runtime/run.ts';
import { checkRunDirectory, RunDirectoryError } from '../runtime/run-directory.ts';
import { InterruptedError, type TrainEvent } from '../runtime/trainer.ts';
import { PlacementError } from '../runtime/workers/placement.ts';
import {
  keyValuePairs,
  lrScheduleFlag,
  nonNegativeInteger,
  parseCommandArgs,
  positiveInteger,
  positiveNumber,
  writableDirectory,
} from './args.ts';
import { TRAIN_HELP } from './help.ts';
import { loadGraphFile } from './load-graph.ts';
import { progressBar } from './progress.ts';
import { recurrentDashboardFeed, recurrentFigure } from './recurrent-dashboard.ts';
import { trainSystemCommand } from './train-system.ts';
import { UsageError } from './usage-error.ts';

const wallClock = { now: () => performance.now() / 1000 };

export async function runTrain(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('train', argv, {
    set: { type: 'string', multiple: true },
    epochs: { type: 'string' },
    batch: { type: 'string' },
    lr: { type: 'string' },
    'lr-schedule': { type: 'string' },
    seed: { type: 'string' },
    'train-limit': { type: 'string' },
    'test-limit': { type: 'string' },
    out: { type: 'string' },
    resume: { type: 'string' },
    overwrite: { type: 'boolean' },
    'max-loss': { type: 'string' },
    scheduler: { type: 'string' },
    placement: { type: 'string' },
    'nats-url': { type: 'string' },
    'nats-creds': { type: 'string' },
    'run-id': { type: 'string' },
    'nats-remote': { type: 'string' },
    dashboard: { type: 'boolean' },
    port: { type: 'string' },
    ticks: { type: 'string' },
    patience: { type: 'string' },
    clip: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(TRAIN_HELP);
    return 0;
  }
  if (positionals.length !== 1) {
    throw new UsageError(`train takes one graph file, got ${positionals.length} (see dniflow train --help)`);
  }
  const options = {
    set: keyValuePairs('--set', values.set),
    epochs: positiveInteger('--epochs', values.epochs),
    batch: positiveInteger('--batch', values.batch),
    lr: positiveNumber('--lr', values.lr),
    lrSchedule: lrScheduleFlag(values['lr-schedule']),
    seed: nonNegativeInteger('--seed', values.seed),
    trainLimit: positiveInteger('--train-limit', values['train-limit']),
    testLimit: positiveInteger('--test-limit', values['test-limit']),
    outDir: runDirectoryFlag(values.out, values.resume, values.overwrite === true),
    resume: values.resume !== undefined,
    overwrite: values.overwrite === true,
    maxLoss: positiveNumber('--max-loss', values['max-loss']),
    scheduler: schedulerFlag(values.scheduler),
    workers: values.placement === undefined ? undefined : { placement: values.placement },
    nats: natsFlags(values['nats-url'], values['run-id'], values['nats-remote'], values['nats-creds']),
  };
  const parallel = options.scheduler === 'workers' || options.scheduler === 'nats';
  if (values.placement !== undefined && !parallel)
    throw new UsageError('--placement needs --scheduler workers or nats');
  if (options.nats !== undefined && options.scheduler !== 'nats')
    throw new UsageError('--nats-url, --nats-creds, --run-id and --nats-remote need --scheduler nats');
  const port = nonNegativeInteger('--port', values.port) ?? 8737;
  if (port > 65535) throw new UsageError(`--port must be at most 65535, got ${port}`);
  if (values.port !== undefined && !values.dashboard) throw new UsageError('--port needs --dashboard');
  const definition = await loadGraphFile(positionals[0]);
  const json = values.json === true;
  const ticksPerEpoch = positiveInteger('--ticks', values.ticks);
  const patience = positiveInteger('--patience', values.patience);
  const clipNorm = positiveNumber('--clip', values.clip);
  if (setErrorsAsUsage(() => isMultiNetworkGraph(definition, options.set))) {
    if (values.dashboard && parallel)
      throw new UsageError(
        '--dashboard follows a multi-network system on lockstep or async (its messages cross threads or processes otherwise)',
      );
    if (patience !== undefined) throw new UsageError('--patience applies to text (recurrent) graphs only');
    if (options.lrSchedule !== undefined)
      throw new UsageError('--lr-schedule applies to feed-forward graphs only');
    const dashboard = values.dashboard ? await openDashboard(definition, options.set, port) : undefined;
    if (dashboard) process.stderr.write(`dashboard: ${dashboard.url}\n`);
    // Only lockstep and async systems checkpoint (runSystemGraph's RESUMABLE): no hint for the others.
    const resumable = !parallel;
    const continueHint = resumable ? continueHintFor(positionals[0], options.outDir) : '';
    const context = { json, clock: wallClock, exitCode: signalExitCode, dashboard, continueHint };
    return trainSystemCommand(definition, { ...options, ticksPerEpoch, clipNorm }, context);
  }
  if (setErrorsAsUsage(() => isRecurrentGraph(definition, options.set))) {
    if (options.lrSchedule !== undefined)
      throw new UsageError('--lr-schedule applies to feed-forward graphs only');
    const dashboard = values.dashboard
      ? await openDashboard(definition, options.set, port, (network) => recurrentFigure(readsText(network)))
      : undefined;
    if (dashboard) process.stderr.write(`dashboard: ${dashboard.url}\n`);
    return trainRecurrentCommand(
      positionals[0],
      definition,
      { ...options, ticksPerEpoch, patience, clipNorm },
      json,
      dashboard,
    );
  }
  if (ticksPerEpoch !== undefined) throw new UsageError('--ticks applies to recurrent graphs only');
  if (patience !== undefined) throw new UsageError('--patience applies to text (recurrent) graphs only');
  if (clipNorm !== undefined) throw new UsageError('--clip applies to recurrent graphs only');
  const bar = progressBar(process.stderr, !json);
  const onEvent = (event: TrainEvent): void => {
    if (event.type === 'batch') {
      bar.update(event.batch, event.batches, `epoch ${event.epoch}`);
      return;
    }
    bar.clear();
    const { type: _type, ...metrics } = event;
    if (json) {
      process.stdout.write(`${JSON.stringify(metrics)}\n`);
    } else {
      const synthetic =
        metrics.test_error_synthetic === undefined
          ? ''
          : `  synthetic-path error ${metrics.test_error_synthetic.toFixed(2)}%`;
      process.stdout.write(
        `epoch ${metrics.epoch}  train loss ${metrics.train_loss.toFixed(4)}  test error ${metrics.test_error.toFixed(2)}%${synthetic}  ${metrics.seconds.toFixed(1)}s\n`,
      );
    }
  };
  // SIGINT/SIGTERM stop training at the next batch boundary: every file write is synchronous and
  // atomic, so the directory is left whole and marked 'interrupted'. A second signal stops at once.
  const interrupt = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    if (interrupt.signal.aborted) process.exit(signalExitCode(signal));
    interrupt.abort(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let result: RunResult;
  let dashboard: Dashboard | undefined;
  try {
    const run = { ...options, clock: wallClock, signal: interrupt.signal };
    if (values.dashboard) {
      dashboard = await openDashboard(definition, options.set, port);
      process.stderr.write(`dashboard: ${dashboard.url}\n`);
      const live = dashboard;
      result = await runGraph(definition, {
        ...run,
        onEvent: (event) => {
          live.publish(event);
          onEvent(event);
        },
        onReady: ({ engine }) => publishMessages(engine, live),
      });
    } else {
      result = await runGraph(definition, { ...run, onEvent });
    }
  } catch (error) {
    bar.clear();
    if (error instanceof InterruptedError) {
      process.stderr.write(`${error.message}${continueHintFor(positionals[0], options.outDir)}\n`);
      return signalExitCode(error.reason);
    }
    if (error instanceof RunDirectoryError || error instanceof ResumeMismatchError)
      throw new UsageError(error.message.replace(/^dniflow\/runtime: /, ''));
    const message = (error as Error).message;
    if (error instanceof PlacementError)
      throw new UsageError(`--placement: ${message.replace(/^dniflow\/runtime: /, '')}`);
    if (error instanceof NatsUrlError) throw new UsageError(message.replace(/^dniflow\/runtime: /, ''));
    throw error;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    // On every path: an open server would keep the process alive after the error is reported.
    await dashboard?.close();
  }
  const last = result.history.at(-1);
  if (json) {
    const { history: _history, ...summary } = result;
    process.stdout.write(`${JSON.stringify({ done: true, ...summary, test_error: last?.test_error })}\n`);
  } else if (last) {
    process.stdout.write(
      `${result.graph}: test error ${last.test_error.toFixed(2)}% after ${result.epochs} epochs\n`,
    );
  }
  return 0;
}

/** `train` on a recurrent graph: one line per epoch of ticks (task difficulty, error, the state loop's SG). */
async function trainRecurrentCommand(
  graphFile: string,
  definition: GraphDefinition,
  options: Omit<RunOptions, 'clock'> & { ticksPerEpoch?: number; patience?: number; clipNorm?: number },
  json: boolean,
  dashboard?: Dashboard,
): Promise<number> {
  const network = () => definition.build(resolveParams(definition, options.set ?? {}));
  const feed = dashboard && recurrentDashboardFeed(dashboard, network(), wallClock, formatRecurrentEpoch);
  const interrupt = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    if (interrupt.signal.aborted) process.exit(signalExitCode(signal));
    interrupt.abort(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const result = await runRecurrentGraph(definition, {
      ...options,
      clock: wallClock,
      signal: interrupt.signal,
      onRecurrentWindow: feed?.window,
      onRecurrentEpoch: (m) => {
        feed?.epoch(m);
        if (json) {
          process.stdout.write(`${JSON.stringify(m)}\n`);
          return;
        }
        process.stdout.write(`${formatRecurrentEpoch(m)}\n`);
      },
    });
    const last = result.history.at(-1);
    const outcome =
      last?.task === 'copy'
        ? { solved_length: last.solved_length, ticks: last.ticks }
        : { ...result.text, chars: last?.chars ?? 0 };
    if (json) {
      const { history: _history, text: _text, ...summary } = result;
      process.stdout.write(`${JSON.stringify({ done: true, ...summary, ...outcome })}\n`);
    } else {
      const what =
        last?.task === 'copy'
          ? `largest task length solved ${last.solved_length} after ${last.ticks} ticks`
          : `test ${result.text?.test_bpc.toFixed(3)} bits/char with the best validation epoch (${result.text?.best_epoch})`;
      process.stdout.write(`${result.graph} (${result.method}, T=${result.window}): ${what}\n`);
    }
    return 0;
  } catch (error) {
    if (error instanceof InterruptedError) {
      process.stderr.write(`${error.message}${continueHintFor(graphFile, options.outDir)}\n`);
      return signalExitCode(error.reason);
    }
    if (error instanceof RunDirectoryError || error instanceof ResumeMismatchError)
      throw new UsageError(error.message.replace(/^dniflow\/runtime: /, ''));
    throw error;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await dashboard?.close();
  }
}

/** What an interrupted run with a directory prints after its message: how to continue it. */
function continueHintFor(graphFile: string, outDir: string | undefined): string {
  return outDir === undefined ? '' : ` (continue with: dniflow train ${graphFile} --resume ${outDir})`;
}

/** A bad --set key or value is a usage mistake, like a bad flag (exit code 2). */
function setErrorsAsUsage<T>(work: () => T): T {
  try {
    return work();
  } catch (error) {
    if (error instanceof ParamError) throw new UsageError(error.message.replace(/^dniflow\/graph: /, ''));
    throw error;
  }
}

function formatRecurrentEpoch(m: RecurrentEpochMetrics): string {
  const sg =
    m.sg_loss === null ? '' : `  sg loss ${m.sg_loss.toExponential(2)} cos ${m.sg_cosine!.toFixed(3)}`;
  const aux = m.aux_loss === null ? '' : `  aux loss ${m.aux_loss.toExponential(2)}`;
  const progress =
    m.task === 'copy'
      ? `ticks ${m.ticks}  N ${m.n} R ${m.r} (length ${m.task_length})  solved ${m.solved_length}  error ${m.bits_per_tick.toFixed(3)} bits/tick`
      : `chars ${m.chars}  train ${m.train_bpc.toFixed(3)}  valid ${m.valid_bpc.toFixed(3)} bits/char (best ${m.best_valid_bpc.toFixed(3)})`;
  return `epoch ${m.epoch}  ${progress}${sg}${aux}  ${m.seconds.toFixed(1)}s`;
}

/** 128 + the signal's number, as a shell reports a process a signal ended. */
function signalExitCode(signal: string): number {
  return signal === 'SIGINT' ? 130 : signal === 'SIGTERM' ? 143 : 1;
}

/**
 * The run directory from --out or --resume, checked before any work: a new run refuses one that
 * holds another run (unless --overwrite), a resume needs one that holds a run.
 */
function runDirectoryFlag(out: string | undefined, resume: string | undefined, overwrite: boolean) {
  if (resume !== undefined && overwrite) throw new UsageError('--resume and --overwrite exclude each other');
  if (resume !== undefined && out !== undefined && out !== resume)
    throw new UsageError(`--resume ${resume} writes to its own directory; drop --out ${out}`);
  if (overwrite && out === undefined) throw new UsageError('--overwrite needs --out DIR');
  const dir = resume ?? writableDirectory('--out', out);
  if (dir === undefined) return undefined;
  try {
    checkRunDirectory(dir, resume !== undefined ? 'resume' : overwrite ? 'overwrite' : 'new');
  } catch (error) {
    if (error instanceof RunDirectoryError)
      throw new UsageError(error.message.replace(/^dniflow\/runtime: /, ''));
    throw error;
  }
  return resume === undefined ? dir : writableDirectory('--resume', dir);
}

function schedulerFlag(raw: string | undefined): 'lockstep' | 'async' | 'workers' | 'nats' | undefined {
  if (raw === undefined || raw === 'lockstep' || raw === 'async' || raw === 'workers' || raw === 'nats')
    return raw;
  throw new UsageError(`--scheduler must be lockstep, async, workers or nats, got '${raw}'`);
}

/** The nats scheduler's flags, checked before any work. */
function natsFlags(url?: string, run?: string, remote?: string, creds?: string) {
  if (url === undefined && run === undefined && remote === undefined && creds === undefined) return undefined;
  if (creds !== undefined && url === undefined)
    throw new UsageError('--nats-creds needs --nats-url: the server started for a run takes no credentials');
  if (remote !== undefined && url === undefined)
    throw new UsageError(
      '--nats-remote needs --nats-url: the server started for a run listens on 127.0.0.1 only, out of reach of other hosts',
    );
  try {
    if (run !== undefined) checkRunId(run);
  } catch (error) {
    throw new UsageError(`--run-id: ${(error as Error).message.replace(/^dniflow\/runtime: /, '')}`);
  }
  return { url, creds, run, remote: remote?.split(',').map((p) => p.trim()) };
}

async function openDashboard(
  definition: GraphDefinition,
  set: Record<string, string>,
  port: number,
  figure?: (network: Network) => DashboardFigure,
) {
  const network = definition.build(resolveParams(definition, set));
  const plan = validateNetwork(network);
  try {
    return await startDashboard({ port, network, plan, title: definition.name, figure: figure?.(network) });
  } catch (error) {
    // A taken port is a usage mistake (exit 2), whichever kind of graph the page follows.
    if (error instanceof DashboardPortInUseError)
      throw new UsageError(error.message.replace(/^dniflow\/viz: /, ''));
    throw error;
  }
}

/** Streams what crosses each interface to the page; every 4th step, so the page keeps up. */
function publishMessages(engine: StepEngine, dashboard: Dashboard): void {
  engine.traffic?.subscribe((t) => {
    if (t.stage === 'delivered' && t.step % 4 === 0) {
      dashboard.publish({
        type: 'message',
        edge: t.edge,
        direction: t.direction,
        kind: t.kind,
        step: t.step,
      });
    }
  });
}
