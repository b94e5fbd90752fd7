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
