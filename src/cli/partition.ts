import { NatsUnreachableError, NatsUrlError } from '../runtime/nats/nats-link.ts';
import { runPartitionProcess } from '../runtime/nats/partition-process.ts';
import { nonNegativeInteger, parseCommandArgs } from './args.ts';
import { PARTITION_HELP } from './help.ts';
import { UsageError } from './usage-error.ts';

/**
 * `dniflow partition`: one partition of a `train --scheduler nats` run, as its own process. The
 * coordinator spawns these itself; a user starts them by hand on other hosts (--nats-remote).
 */
export async function runPartition(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('partition', argv, {
    'nats-url': { type: 'string' },
    'nats-creds': { type: 'string' },
    'run-id': { type: 'string' },
    partition: { type: 'string' },
    'exit-with-stdin': { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(PARTITION_HELP);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError('partition takes no positional arguments');
  // A coordinator hands the URL of the processes it spawns over in the environment (it may hold a password).
  const url = values['nats-url'] ?? process.env.DNIFLOW_NATS_URL;
  const run = values['run-id'];
  const partition = nonNegativeInteger('--partition', values.partition);
  if (url === undefined || run === undefined || partition === undefined)
    throw new UsageError('partition needs --nats-url URL, --run-id ID and --partition N');
  try {
    return await runPartitionProcess({
      url,
      creds: values['nats-creds'],
      run,
      partition,
      exitWithStdin: values['exit-with-stdin'] === true,
    });
  } catch (error) {
    if (error instanceof NatsUrlError) throw new UsageError(error.message.replace(/^dniflow\/runtime: /, ''));
    if (error instanceof NatsUnreachableError) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  }
}
