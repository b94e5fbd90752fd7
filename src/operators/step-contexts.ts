import type { ContextMessage, ForwardMessage } from './messages.ts';

/**
 * The step contexts an interface declared it needs (cDNI's labels, the stale table's example
 * indices), which arrive on their own 'context' messages: each activation gets its step's context
 * attached. An activation that arrives before its context (schedulers that run modules in parallel do
 * not order the two) is held until the context comes. An activation that already carries a context
 * (operators used on their own) is taken as it is.
 */
export function stepContexts(who: string) {
  const contexts = new Map<number, ContextMessage['context']>();
  const waiting = new Map<number, ForwardMessage>();
  return {
    /** Stores a step's context; returns the activation that waited for it, context attached. */
    arrive(message: ContextMessage): ForwardMessage | undefined {
      const held = waiting.get(message.step);
      if (held === undefined) {
        contexts.set(message.step, message.context);
        return undefined;
      }
      waiting.delete(message.step);
      return { ...held, context: message.context };
    },
    /** The activation with its step's context attached, or undefined while it waits for it. */
    attach(message: ForwardMessage): ForwardMessage | undefined {
      if (message.context !== undefined) return message;
      const context = contexts.get(message.step);
      if (context === undefined) {
        if (waiting.has(message.step))
          throw new Error(
            `dniflow/operators: ${who} got a second activation for step ${message.step} before its context`,
          );
        waiting.set(message.step, message);
        return undefined;
      }
      contexts.delete(message.step);
      return { ...message, context };
    },
    clear(): void {
      contexts.clear();
      waiting.clear();
    },
  };
}
