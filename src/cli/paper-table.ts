/**
 * Jaderberg et al. 2017, Table 1 (MNIST test error %, every layer decoupled), as summarised in
 * shared/seed. Reference values printed beside ours; nothing is computed from them.
 */
export type Method = 'nobprop' | 'bprop' | 'dni' | 'cdni';

export const PAPER_MNIST: Record<'FCN' | 'CNN', Record<number, Record<Method, number>>> = {
  FCN: {
    3: { nobprop: 9.3, bprop: 2.0, dni: 1.9, cdni: 2.2 },
    4: { nobprop: 12.6, bprop: 1.8, dni: 2.2, cdni: 1.9 },
    5: { nobprop: 16.2, bprop: 1.8, dni: 3.4, cdni: 1.7 },
    6: { nobprop: 21.4, bprop: 1.8, dni: 4.3, cdni: 1.6 },
  },
  CNN: {
    3: { nobprop: 0.9, bprop: 0.8, dni: 0.9, cdni: 1.0 },
    4: { nobprop: 2.8, bprop: 0.6, dni: 0.7, cdni: 0.8 },
  },
};

export const METHODS: readonly Method[] = ['nobprop', 'bprop', 'dni', 'cdni'];

/** How sure PAPER.md is of a figure: checked against the paper, recalled, or from the seed summary. */
export type PaperCertainty = 'checked' | 'recalled' | 'seed';
export type RecurrentMethod = 'bptt' | 'dni' | 'dni-aux';
export const RECURRENT_METHODS: readonly RecurrentMethod[] = ['bptt', 'dni', 'dni-aux'];
export type RecurrentTask = 'copy' | 'repeat-copy';

/**
 * The paper's Copy / Repeat Copy table (§3.2): the largest task length solved, per truncation window
 * T and method, with PAPER.md's certainty for each figure. Printed beside ours; nothing is computed
 * from them.
 */
export const PAPER_RECURRENT: Record<
  RecurrentTask,
  Record<number, Record<RecurrentMethod, { value: number; certainty: PaperCertainty }>>
> = {
  copy: {
    2: { bptt: c(7), dni: c(16), 'dni-aux': r(15) },
    3: { bptt: c(8), dni: c(14), 'dni-aux': r(17) },
    4: { bptt: c(10), dni: c(18), 'dni-aux': r(19) },
    5: { bptt: c(8), dni: c(18), 'dni-aux': r(18) },
  },
  'repeat-copy': {
    2: { bptt: c(7), dni: c(39), 'dni-aux': r(39) },
    3: { bptt: c(5), dni: c(33), 'dni-aux': { value: 59, certainty: 'seed' } },
    4: { bptt: c(19), dni: c(39), 'dni-aux': r(67) },
    5: { bptt: c(23), dni: c(59), 'dni-aux': r(59) },
  },
};

function c(value: number) {
  return { value, certainty: 'checked' as const };
}

function r(value: number) {
  return { value, certainty: 'recalled' as const };
}
