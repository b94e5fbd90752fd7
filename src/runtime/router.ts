import { Subject, type Subscription } from 'rxjs';
import type { EdgeEvent, RoutedMessage } from '../operators/messages.ts';
import type { Edge } from './graph-edges.ts';

/**
 * Applies each edge's interface operator (backprop, dni, syntheticInput, …) to the messages put on
 * that edge, and returns what the operator routed, as data: the scheduler decides when and where each
 * routed message is delivered. Operators are synchronous, so `route` collects everything an event
 * produces before it returns; nothing is delivered from inside an operator (no re-entrancy).
 */
export class Router {
  private readonly subjects = new Map<string, Subject<EdgeEvent>>();
  private readonly subscriptions: Subscription[] = [];
  private collected: RoutedMessage[] = [];
  private failure: { error: unknown } | null = null;

  constructor(edges: readonly Edge[]) {
    for (const edge of edges) {
      const subject = new Subject<EdgeEvent>();
      this.subjects.set(edge.route, subject);
      this.subscriptions.push(
        subject.pipe(edge.wired.operator).subscribe({
          next: (routed) => this.collected.push(routed),
          error: (error) => {
            this.failure ??= { error };
          },
        }),
      );
    }
  }

  /** What the operator on `route` (an edge, or half of one) routes for one event, in order. */
  route(route: string, event: EdgeEvent): RoutedMessage[] {
    const subject = this.subjects.get(route);
    if (!subject) throw new Error(`dniflow/runtime: no edge '${route}' is routed here`);
    this.collected = [];
    subject.next(event);
    if (this.failure) throw this.failure.error;
    return this.collected;
  }

  /** Ends every operator's subscription (operators forget their pending predictions). */
  dispose(): void {
    for (const subscription of this.subscriptions) subscription.unsubscribe();
  }
}
