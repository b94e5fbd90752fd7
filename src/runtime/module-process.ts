import { initialTransition, transition } from 'xstate';
import type { BackwardMessage, EdgeEvent, ForwardMessage, GradientKind } from '../operators/messages.ts';
import type { ModuleCompute } from './module-compute.ts';
import { type ModuleContext, type ModuleEvent, moduleMachine } from './module-machine.ts';

/** A message a process puts on one of its edges; the router applies that edge's interface to it. */
export interface Outbound {
  edge: string;
  event: EdgeEvent;
}

export interface ModuleWiring {
  /** Labels of the output edges, in graph order. */
  outEdges: string[];
  /** How many output edges send a gradient back (all but stop-gradient). */
  gradientEdges: number;
  /** Labels of the input edges whose sender reads a gradient (not the data source's). */
  gradientInEdges: string[];
  /**
   * Whether each message gets its own copy of the module's buffer (a fresh Float32Array costs V8
   * ~0.1 ms at 128×256, mostly allocation and GC: a quarter of a bprop epoch before lockstep went
   * without). Lockstep is safe without: a step's whole queue drains before the next step starts, each
   * module forwards and backpropagates once per step (one input edge each, validateNetwork) and each
   * loss runs once, so a buffer sent at step s is next rewritten at step s+1 (or by predict between
   * steps), when every reader of step s is done with it: the receiver's layer caches, the gradient sum,
   * the operators (synthetic models copy their inputs and learn at once; the stale table copies into
   * its rows) and traffic subscribers (who copy what they keep). Nobody writes to a received tensor.
   * Every other scheduler copies: a message may wait in a mailbox or a port while its sender runs any
   * number of further steps. test/runtime/message-buffers.test.ts fails if a message is overwritten
   * in flight.
   */
  copyMessages: boolean;
}

type Snapshot = ReturnType<typeof moduleMachine.getInitialSnapshot>;
type ActionParams = { message?: ForwardMessage | BackwardMessage; step?: number; kind?: GradientKind };

/**
 * A module as a process (DESIGN.md, "The runtime"): `handle(event)` runs the module's pure logic with
 * xstate's `transition()` and executes the actions it returns over the module's compute, returning
 * the messages they produce. All of the module's state is its snapshot plus its compute; it never
 * calls into an engine, so a scheduler can run it in order, on a virtual clock or in a worker.
 */
export class ModuleProcess {
  readonly name: string;
  readonly compute: ModuleCompute;
  private readonly wiring: ModuleWiring;
  private snapshot: Snapshot;

  constructor(compute: ModuleCompute, wiring: ModuleWiring) {
    this.name = compute.name;
    this.compute = compute;
    this.wiring = wiring;
    [this.snapshot] = initialTransition(moduleMachine, { gradientEdges: wiring.gradientEdges });
  }

  /** Whether the module awaits nothing: it takes its next activation at once. */
  get ready(): boolean {
    return this.snapshot.value === 'ready';
  }

  get context(): Readonly<ModuleContext> {
    return this.snapshot.context;
  }

  /** The event a forward message becomes: the runtime draws this step's `p_update` coin here. */
  forwardEvent(message: ForwardMessage): ModuleEvent {
    return { type: 'FORWARD', message, update: this.compute.updatesThisStep() };
  }

  handle(event: ModuleEvent): Outbound[] {
    const [next, actions] = transition(moduleMachine, this.snapshot, event);
    this.snapshot = next;
    const out: Outbound[] = [];
    for (const action of actions) {
      // xstate types an action's params as the union over all actions: narrow by its type.
      const params = action.params as ActionParams;
      switch (action.type) {
        case 'runForward':
          this.forward(params.message as ForwardMessage, out);
          break;
        case 'accumulateGradient': {
          const message = params.message as BackwardMessage;
          this.compute.accumulate(message.gradient, message.update);
          break;
        }
        case 'runBackward':
          this.backward(params.step!, params.kind!, out);
          break;
        case 'skipUpdate':
          this.compute.skip();
          break;
      }
    }
    return out;
  }

  private forward(message: ForwardMessage, out: Outbound[]): void {
    const output = this.compute.forward(message.activation, true);
    this.wiring.outEdges.forEach((edge, i) => {
      // A second receiver gets its own copy all the same (fan-out is rare and off the hot path).
      const activation = i === 0 && !this.wiring.copyMessages ? output : output.clone();
      out.push({ edge, event: { type: 'forward', message: { ...message, activation } } });
    });
  }

  private backward(step: number, kind: GradientKind, out: Outbound[]): void {
    if (this.wiring.gradientInEdges.length === 0) {
      // Nobody reads a gradient with respect to the data: don't compute or copy it.
      this.compute.updateWithoutInputGradient();
      return;
    }
    const computed = this.compute.backwardAndUpdate();
    const gradient = this.wiring.copyMessages ? computed.clone() : computed;
    for (const edge of this.wiring.gradientInEdges) {
      out.push({ edge, event: { type: 'backward', message: { step, tick: 0, gradient, kind } } });
    }
  }
}
