import { parseLrSchedule } from 'dniflow';

/**
 * The FCN and CNN graphs' default learning-rate schedule (issue 14): half a cosine from the base
 * rate down to 0 over the run's iterations, whatever its length. The old default halved the rate
 * every epoch, so by epoch 10 it was 1/1000 of its start and longer runs learned nothing more; a
 * cosine anneals at the end of every run, short or long (FCN-3 at 5 epochs: bprop 1.57%, cDNI 2.82%,
 * against 1.76% and 3.03% for the halving; docs/RESULTS.md). It reads the run's length, so a resume
 * to more epochs is refused (it would change the rate of steps already trained); give
 * `--lr-schedule constant` or `step:EVERY:FACTOR` to a run that is meant to be extended.
 */
export const COSINE_OVER_THE_RUN = parseLrSchedule('cosine');
