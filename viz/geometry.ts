/** Cubic Bézier edges: every edge route is one cubic, so paths, anchors and hit tests share one form. */
import { path } from 'd3';

export interface Point {
  x: number;
  y: number;
}

export interface Cubic {
  from: Point;
  control1: Point;
  control2: Point;
  to: Point;
}

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export function cubicPath(curve: Cubic): string {
  const p = path();
  p.moveTo(curve.from.x, curve.from.y);
  p.bezierCurveTo(
    curve.control1.x,
    curve.control1.y,
    curve.control2.x,
    curve.control2.y,
    curve.to.x,
    curve.to.y,
  );
  return p.toString();
}

export function pointAt(curve: Cubic, t: number): Point {
  const u = 1 - t;
  const a = u * u * u;
  const b = 3 * u * u * t;
  const c = 3 * u * t * t;
  const d = t * t * t;
  return {
    x: a * curve.from.x + b * curve.control1.x + c * curve.control2.x + d * curve.to.x,
    y: a * curve.from.y + b * curve.control1.y + c * curve.control2.y + d * curve.to.y,
  };
}

/** Parameter t where a left-to-right curve (x monotone in t) crosses `x`, by bisection. */
export function tAtX(curve: Cubic, x: number): number {
  let low = 0;
  let high = 1;
  for (let i = 0; i < 40; i++) {
    const mid = (low + high) / 2;
    if (pointAt(curve, mid).x < x) low = mid;
    else high = mid;
  }
  return (low + high) / 2;
}

/** Unit tangent direction at t (for perpendicular marks such as a stopped gradient's bar). */
export function tangentAt(curve: Cubic, t: number): Point {
  const a = pointAt(curve, Math.max(0, t - 1e-3));
  const b = pointAt(curve, Math.min(1, t + 1e-3));
  const length = Math.hypot(b.x - a.x, b.y - a.y) || 1;
  return { x: (b.x - a.x) / length, y: (b.y - a.y) / length };
}

export function boxesOverlap(a: Box, b: Box, margin = 0): boolean {
  return (
    a.x < b.x + b.width + margin &&
    b.x < a.x + a.width + margin &&
    a.y < b.y + b.height + margin &&
    b.y < a.y + a.height + margin
  );
}
