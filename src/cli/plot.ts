import { existsSync, statSync } from 'node:fs';
import { VizInputError } from '../../viz/errors.ts';
import { exportRunPlots, exportTablePlot, PLOT_FORMATS, plotFormatOf } from '../../viz/export-plots.ts';
import { parseCommandArgs } from './args.ts';
import { UsageError } from './usage-error.ts';
import { writeOutput } from './write-output.ts';

export const PLOT_HELP = `Usage:
  dniflow plot <run-dir> [<run-dir> ...] --out FILE
  dniflow plot <table.json> --out FILE

With a run folder (written by dniflow train --out DIR: run.json and metrics.jsonl), draws train
loss and test error per epoch, synthetic-gradient loss and cos(synthetic, true gradient) for each
interface, and updates per module. A recurrent run (graphs/copy.ts, graphs/repeat-copy.ts) is
drawn against ticks seen instead: the largest task length solved and the current one, the error in
bits per tick, and the state loop's synthetic-gradient loss (with the aux head's) and cosine.
A text run (graphs/char-lm.ts) gets validation bits per character against characters seen and
against seconds, training bits per character, and, when a run has a synthetic gradient, its
cosine to its target. Give several text run folders to compare them: one line per run in every
panel, labelled by method and T (e.g. "bptt T=5", "dni T=5"). Runs in one picture must be of one
kind; feed-forward and Copy runs are plotted one folder at a time.
With a feed-forward table (written by dniflow table feedforward), draws test error per model and
method as grouped bars, with the paper's numbers, and one panel per network of each method's test
error against iterations (the learning curves its cells recorded). With a recurrent table (dniflow table
recurrent), draws the largest length solved per task x T and method beside the paper's (* marks a
recalled figure, † one from the seed summary), and one panel per task x T of each method's length
solved against ticks seen.
The extension of FILE picks the output: .svg (a picture) or .html (a page with hover values).

Options:
  --out FILE         where to write (required)
  -h, --help         show this help
`;

export async function runPlot(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('plot', argv, {
    out: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(PLOT_HELP);
    return 0;
  }
  if (positionals.length === 0) {
    throw new UsageError('plot takes run folders or one table file, got none (see dniflow plot --help)');
  }
  if (values.out === undefined) throw new UsageError('plot needs --out FILE (.svg or .html)');
  const format = plotFormatOf(values.out);
  if (!format) {
    throw new UsageError(
      `unknown output extension for --out ${values.out} (use ${PLOT_FORMATS.map((f) => `.${f}`).join(' or ')})`,
    );
  }
  const isFile = (input: string) => existsSync(input) && statSync(input).isFile();
  const tables = positionals.filter(isFile);
  if (tables.length > 0 && positionals.length > 1) {
    throw new UsageError(
      `plot draws one table file on its own, got ${positionals.length} inputs: ${positionals.join(' ')}`,
    );
  }
  let content: string;
  try {
    content = tables.length ? exportTablePlot(tables[0], format) : exportRunPlots(positionals, format);
  } catch (error) {
    if (error instanceof VizInputError) throw new UsageError(error.message.replace(/^dniflow\/viz: /, ''));
    throw error;
  }
  writeOutput(values.out, content);
  process.stderr.write(`dniflow: wrote ${values.out}\n`);
  return 0;
}
