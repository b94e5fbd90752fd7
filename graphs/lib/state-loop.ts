import { dni, type InterfaceSpec, type ParamSpec, type ParamValues, stopGradient } from 'dniflow';

/**
 * The parameters of a recurrent core's state loop (its self-edge, delayed by one window; paper
 * §3.2), shared by the Copy and language-model graphs. `method` picks what crosses a window
 * boundary backwards:
 *   bptt     stopGradient(): truncated BPTT;
 *   dni      a synthetic gradient on the state at the boundary, injected at `scale` (the paper's 0.1);
 *   dni-aux  the same, plus the aux head predicting the synthetic gradient at the window's end.
 */
export const stateLoopParams: Record<string, ParamSpec> = {
  method: {
    type: 'choice',
    default: 'dni',
    choices: ['bptt', 'dni', 'dni-aux'],
    description: 'what crosses a window boundary backwards',
  },
  sg: {
    type: 'choice',
    default: 'linear',
    choices: ['linear', 'mlp'],
    description: 'the synthetic-gradient model (mlp: one hidden layer of `units`)',
  },
  scale: {
    type: 'number',
    default: 0.1,
    min: 0,
    max: 10,
    description: 'scale of the synthetic gradient injected into BPTT (paper: 0.1)',
  },
  gamma: {
    type: 'number',
    default: 0.1,
    min: 0,
    max: 1,
    description:
      'share of the synthetic gradient in the bootstrapped target (0.1 = what the paper’s code did by reusing the injected gradient; 1 diverged here, see docs/RESULTS.md)',
  },
  sgState: {
    type: 'choice',
    default: 'hc',
    choices: ['hc', 'h'],
    description:
      'what the synthetic gradient covers: the state (h, c) or h alone (c unbounded: see docs/RESULTS.md)',
  },
  sgLr: {
    type: 'number',
    default: 1e-3,
    min: 0,
    max: 1,
    description: 'Adam learning rate of the synthetic-gradient models',
  },
};

/** The state loop's interface for these parameters (`units` sizes the MLP model's hidden layer). */
export function stateLoop(params: ParamValues): InterfaceSpec {
  if (params.method === 'bptt') return stopGradient();
  return dni({
    model: params.sg === 'mlp' ? { hidden: [params.units as number] } : 'linear',
    scale: params.scale as number,
    bootstrapGamma: params.gamma as number,
    aux: params.method === 'dni-aux',
    state: params.sgState as 'hc' | 'h',
    optimizer: { kind: 'adam', lr: params.sgLr as number },
  });
}
