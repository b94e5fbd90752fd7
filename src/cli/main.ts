import { readFileSync } from 'node:fs';
import { MAIN_HELP } from './help.ts';
import { runInfo } from './info.ts';
import { runPartition } from './partition.ts';
import { runPlot } from './plot.ts';
import { runSample } from './sample.ts';
import { runTable } from './table.ts';
import { runTrain } from './train.ts';
import { EXIT_USAGE, UsageError } from './usage-error.ts';
import { runViz } from './viz.ts';

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/** The `dniflow` command; returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        process.stdout.write(MAIN_HELP);
        return command === undefined ? EXIT_USAGE : 0;
      case '-v':
      case '--version':
        process.stdout.write(`${version()}\n`);
        return 0;
      case 'train':
        return await runTrain(rest);
      case 'info':
        return runInfo(rest);
      case 'table':
        return await runTable(rest);
      case 'viz':
        return await runViz(rest);
      case 'plot':
        return await runPlot(rest);
      case 'sample':
        return runSample(rest);
      case 'partition':
        return await runPartition(rest);
      default:
        throw new UsageError(`unknown command '${command}' (see dniflow --help)`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`dniflow: ${error.message}\n`);
      return EXIT_USAGE;
    }
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`${message}\n`);
    return 1;
  }
}
