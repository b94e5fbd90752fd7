import { type Shape, sizeOf } from '../tensor/tensor.ts';
import { STALE_GRADIENT_TARGETS } from './interfaces.ts';
import type { Network, NodeSpec } from './network.ts';

/** Training examples of the datasets the runtime loads by name (src/runtime/datasets.ts). */
export const DATASET_TRAINING_EXAMPLES: Readonly<Record<string, number>> = { mnist: 60000, cifar10: 50000 };

/**
 * The most memory one stale-gradient table may take. The table holds one activation-sized gradient
 * per training example (paper §3.1 keeps each example's last gradient), so it grows with both; 2 GiB
 * is what a 2-core, few-GiB machine can spare per edge while training.
 */
export const STALE_GRADIENT_MAX_BYTES = 2 * 1024 ** 3;

/** Examples a source yields per epoch: its declared `examples`, or its named dataset's known count. */
export function sourceExampleCount(spec: NodeSpec): number | undefined {
  if (spec.kind !== 'source') return undefined;
  return spec.examples ?? DATASET_TRAINING_EXAMPLES[spec.dataset];
}

/** Bytes of one table: float32 gradients, plus one "seen" byte per example. */
export function staleGradientTableBytes(examples: number, activation: Shape): number {
  return examples * (sizeOf(activation) * 4 + 1);
}

const gib = (bytes: number): string => `${(bytes / 1024 ** 3).toFixed(2)} GiB`;

/**
 * Checks every stale-gradient edge: its decay lies in [0, 1), its target is 'true' or
 * 'bootstrapped' (a graph serialised before targets existed must say which it means), the data source (`dataSource`, the one
 * the runtime feeds) has a known example count, and the table fits under STALE_GRADIENT_MAX_BYTES.
 * `fail` throws with the network's name; `label` names an edge.
 */
export function checkStaleGradients(
  network: Network,
  shapes: ReadonlyMap<string, Shape>,
  dataSource: string,
  fail: (why: string) => never,
  label: (edge: string) => string,
): void {
  const sourceSpec = network.getNodeAttributes(dataSource);
  const examples = sourceExampleCount(sourceSpec);
  network.forEachEdge((edge, attrs, source) => {
    const iface = attrs.interface;
    if (iface.kind !== 'staleGradient') return;
    const where = `edge ${label(edge)} has a staleGradient interface`;
    if (!(typeof iface.decay === 'number' && iface.decay >= 0 && iface.decay < 1)) {
      fail(`${where} with decay ${iface.decay}; it must lie in [0, 1)`);
    }
    if (!STALE_GRADIENT_TARGETS.includes(iface.target)) {
      fail(
        `${where} with target ${JSON.stringify(iface.target)}; it must be one of ${STALE_GRADIENT_TARGETS.map((t) => `'${t}'`).join(', ')}`,
      );
    }
    if (examples === undefined) {
      const dataset = sourceSpec.kind === 'source' ? sourceSpec.dataset : '?';
      fail(
        `${where}, which keeps one gradient per training example, but source '${dataSource}' (dataset '${dataset}') has no known example count; give the source \`examples\``,
      );
    }
    const activation = shapes.get(source)!;
    const bytes = staleGradientTableBytes(examples, activation);
    if (bytes > STALE_GRADIENT_MAX_BYTES) {
      fail(
        `${where} whose table would take ${gib(bytes)} (${examples} examples × ${sizeOf(activation)} floats of [${activation.join(', ')}]); the cap is ${gib(STALE_GRADIENT_MAX_BYTES)}: use fewer examples or put it on a smaller activation`,
      );
    }
  });
}
