import type { OperatorFunction } from 'rxjs';
import { createSyntheticModel } from '../dni/factory.ts';
import type { SyntheticModel } from '../dni/synthetic-model.ts';
import type { DniSpec, InterfaceSpec, SyntheticInputSpec } from '../graph/interfaces.ts';
import { backprop } from '../operators/backprop.ts';
import { dni } from '../operators/dni.ts';
import type { EdgeEvent, RoutedMessage } from '../operators/messages.ts';
import { staleGradient } from '../operators/stale-gradient.ts';
import { StaleGradientTable } from '../operators/stale-gradient-table.ts';
import { stopGradient } from '../operators/stop-gradient.ts';
import { syntheticInput } from '../operators/synthetic-input.ts';
import { unlock } from '../operators/unlock.ts';
import type { Prng } from '../tensor/prng.ts';
import { type Shape, sizeOf } from '../tensor/tensor.ts';

/** Which half of a complete-unlock edge split across threads an operator is (undefined: the whole edge). */
export type EdgeHalf = 'sender' | 'receiver';

/** An edge's operator and the synthetic models behind it (kept for checkpoints and evaluation). */
export interface WiredInterface {
  operator: OperatorFunction<EdgeEvent, RoutedMessage>;
  gradientModel?: SyntheticModel;
  inputModel?: SyntheticModel;
  /** The stale-gradient baseline's per-example table (not checkpointed: it is rebuilt by one epoch). */
  staleTable?: StaleGradientTable;
  /** Whether the sender gets a gradient back on this edge (all but stop-gradient). */
  returnsGradient: boolean;
}

export interface InterfaceShapes {
  /** The activation on the edge, h_A. */
  activation: Shape;
  /** The network input x, for synthetic inputs. */
  input: Shape;
  classes?: number;
  /** Training examples of the data source, for per-example state (the stale-gradient table). */
  examples?: number;
}

/**
 * Under sparse updates a receiver may skip a step for good; a prediction still unanswered this many
 * steps later is forgotten rather than kept forever.
 */
const FORGET_AFTER_STEPS = 8;

function gradientModelFor(spec: DniSpec, shapes: InterfaceShapes, prng: Prng, name: string): SyntheticModel {
  return createSyntheticModel(spec.model, {
    role: 'gradient',
    inputShape: shapes.activation,
    outputShape: shapes.activation,
    context: spec.context === 'label' ? { classes: shapes.classes! } : undefined,
    prng: prng.stream('gradient'),
    optimizer: spec.optimizer,
    name,
  });
}

function inputModelFor(
  spec: SyntheticInputSpec,
  shapes: InterfaceShapes,
  prng: Prng,
  name: string,
): SyntheticModel {
  return createSyntheticModel(spec.model, {
    role: 'input',
    inputShape: shapes.input,
    outputShape: shapes.activation,
    prng: prng.stream('input'),
    optimizer: spec.optimizer,
    name,
  });
}

/** The RxJS operator for an interface spec (DESIGN.md, "The algorithms"), with fresh models. */
export function wireInterface(
  spec: InterfaceSpec,
  shapes: InterfaceShapes,
  prng: Prng,
  name: string,
  half?: EdgeHalf,
): WiredInterface {
  switch (spec.kind) {
    case 'backprop':
      return { operator: backprop(), returnsGradient: true };
    case 'stopGradient':
      return { operator: stopGradient(), returnsGradient: false };
    case 'dni': {
      const gradientModel = gradientModelFor(spec, shapes, prng, name);
      const operator = dni(gradientModel, {
        scale: spec.scale,
        context: spec.context,
        forgetAfter: FORGET_AFTER_STEPS,
      });
      return { operator, gradientModel, returnsGradient: true };
    }
    case 'syntheticInput': {
      const inputModel = inputModelFor(spec, shapes, prng, name);
      return { operator: syntheticInput(inputModel), inputModel, returnsGradient: true };
    }
    case 'unlock': {
      const options = {
        scale: spec.gradient.scale,
        context: spec.gradient.context,
        forgetAfter: FORGET_AFTER_STEPS,
      };
      // Split across threads: the synthetic gradient beside the sender, the synthetic input beside
      // the receiver, each half with only its own model (drawn from the same streams as whole).
      if (half === 'sender') {
        const gradientModel = gradientModelFor(spec.gradient, shapes, prng, name);
        const operator = dni(gradientModel, { ...options, holdEarlyTargets: true });
        return { operator, gradientModel, returnsGradient: true };
      }
      if (half === 'receiver') {
        const inputModel = inputModelFor(spec.input, shapes, prng, name);
        return { operator: syntheticInput(inputModel), inputModel, returnsGradient: true };
      }
      const gradientModel = gradientModelFor(spec.gradient, shapes, prng, name);
      const inputModel = inputModelFor(spec.input, shapes, prng, name);
      const operator = unlock(gradientModel, inputModel, options);
      return { operator, gradientModel, inputModel, returnsGradient: true };
    }
    case 'staleGradient': {
      if (shapes.examples === undefined) {
        throw new Error(
          `dniflow/runtime: staleGradient on ${name} needs the data source's example count (validateNetwork checks it)`,
        );
      }
      const table = new StaleGradientTable(shapes.examples, sizeOf(shapes.activation), spec.decay, name);
      const operator = staleGradient(table, { forgetAfter: FORGET_AFTER_STEPS, target: spec.target });
      return { operator, staleTable: table, returnsGradient: true };
    }
  }
}
