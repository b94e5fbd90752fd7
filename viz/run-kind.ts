/**
 * Which plots a run folder gets. Newer epoch lines say so in their "task" field ("text" for a
 * language model, "copy" for Copy / Repeat Copy, "multi" for a multi-network system); older ones are told apart by the fields they have.
 */
import { VizInputError } from './errors.ts';
import { epochLines, type RunFiles } from './metrics.ts';
import { isRecurrentRun } from './recurrent-metrics.ts';

export type RunKind = 'text' | 'copy' | 'multi' | 'feed-forward';

/** Fields only a text epoch line has, for lines written before "task" was. */
const TEXT_MARKERS = ['chars', 'train_bpc', 'valid_bpc'];

function bad(why: string): never {
  throw new VizInputError(`dniflow/viz: ${why}`);
}

export function runKind(files: RunFiles): RunKind {
  const first = epochLines(files.metricsText, files.metricsPath)[0];
  // Without an epoch line the kind is unknown, and there is nothing to draw whatever it is.
  if (first === undefined) bad(`no run in ${files.dir}: ${files.metricsPath} has no epoch lines yet`);
  const { task } = first.line;
  if (task === 'text' || task === 'copy' || task === 'multi') return task;
  if (task !== undefined)
    bad(`${first.where}: unknown "task" ${JSON.stringify(task)} (expected "text", "copy" or "multi")`);
  if (TEXT_MARKERS.some((key) => key in first.line)) return 'text';
  // A text run's run.json has a window too, so this comes after the text checks.
  return isRecurrentRun(files) ? 'copy' : 'feed-forward';
}
