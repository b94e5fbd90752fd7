/** dniflow/operators: one RxJS operator per interface kind, plus the stream shapers (named re-exports only). */

export { backprop } from './backprop.ts';
export {
  checkDniOptions,
  type DniOptions,
  type DniSettings,
  dni,
  type SyntheticGradientState,
  syntheticGradientState,
} from './dni.ts';
export type {
  BackwardMessage,
  BatchContext,
  EdgeEvent,
  ForwardMessage,
  GradientKind,
  InputMessage,
  InterfaceMetric,
  RoutedMessage,
} from './messages.ts';
export { type Emit, type Operation, operate } from './operate.ts';
export { type EdgeRouter, type Route, routeEdge, toMetrics, toReceiver, toSender } from './route-edge.ts';
export { sparse } from './sparse.ts';
export { type StaleGradientOptions, staleGradient } from './stale-gradient.ts';
export { StaleGradientTable } from './stale-gradient-table.ts';
export { stopGradient } from './stop-gradient.ts';
export { type SyntheticInputState, syntheticInput, syntheticInputState } from './synthetic-input.ts';
export { unlock } from './unlock.ts';
