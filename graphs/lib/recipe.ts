import { stepDecay } from 'dniflow/nn';

/**
 * The FCN and CNN graphs' default learning-rate schedule, on iterations (issue 14): the rate halves every
 * 5,000 iterations (about 10.7 epochs at batch 128). The old default halved it every epoch, so by
 * epoch 10 it was 1/1000 of its start and learning had stopped; this one keeps learning to the
 * ≤ 50k-iteration budgets of the table (1/1024 of the start at 50k) and, unlike a cosine over the
 * run, does not depend on the run's length, so a resume to more epochs continues the same schedule
 * exactly. For a fixed budget the cosine does better: `--lr-schedule cosine` (docs/RESULTS.md).
 */
export const HALVED_EVERY_5000_ITERATIONS = stepDecay(5000, 0.5);
