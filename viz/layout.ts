/**
 * A layered, left-to-right layout (Sugiyama style, kept small): columns by longest path over
 * undelayed edges, a few barycentre sweeps to order each column, and one horizontal band per
 * cluster so that the networks of a multi-network system never share space.
 */
import { type Box, type Cubic, type Point, pointAt, tAtX } from './geometry.ts';
import type { VizEdge, VizModel, VizNode } from './model.ts';

export const NODE_WIDTH = 150;
export const COLUMN_GAP = 150;
const ROW_GAP = 36;
const TITLE_HEIGHT = 24;
const LINE_HEIGHT = 14;
export const MAX_LINES = 6;
/** Room under a recurrent module's layers for its window marker (T slots, one per tick). */
export const WINDOW_ROW = 18;
const SELF_LOOP_ROOM = 56;
const LOOP_STEP = 22;
const PADDING = 28;
const CLUSTER_HEADER = 30;
const CLUSTER_GAP = 26;

export interface NodeLayout extends Box {
  node: VizNode;
  column: number;
}

export interface EdgeLayout {
  edge: VizEdge;
  curve: Cubic;
  /** Where the synthetic-gradient model sits on the edge (near the sender: it answers the sender). */
  gradientAnchor: Point;
  /** Where the synthetic-input model sits (near the receiver: it feeds the receiver). */
  inputAnchor: Point;
  /** Where the tensor shape (and delay) label goes. */
  labelAnchor: Point;
  /** 'forward' between columns, 'loop' for delayed edges that point back, 'self' for self-loops. */
  route: 'forward' | 'loop' | 'self';
}

export interface ClusterLayout extends Box {
  name: string;
  clock?: number;
}

export interface NetworkLayout {
  width: number;
  height: number;
  nodes: Map<string, NodeLayout>;
  edges: EdgeLayout[];
  clusters: ClusterLayout[];
}

export function nodeHeight(node: VizNode): number {
  const lines = Math.min(node.lines.length, MAX_LINES);
  return TITLE_HEIGHT + lines * LINE_HEIGHT + 10 + (node.window === undefined ? 0 : WINDOW_ROW);
}

function assignColumns(model: VizModel): Map<string, number> {
  const column = new Map<string, number>();
  for (const id of model.order) column.set(id, 0);
  for (const id of model.order) {
    for (const edge of model.edges) {
      if (edge.delay === 0 && edge.source === id) {
        column.set(edge.target, Math.max(column.get(edge.target)!, column.get(id)! + 1));
      }
    }
  }
  return column;
}

/** Orders each column of a cluster by the mean row of its neighbours (two sweeps each way). */
function orderColumns(model: VizModel, members: VizNode[], column: Map<string, number>): VizNode[][] {
  const columns: VizNode[][] = [];
  for (const node of members) {
    const c = column.get(node.id)!;
    if (!columns[c]) columns[c] = [];
    columns[c].push(node);
  }
  const rows = new Map<string, number>();
  const index = () => {
    for (const nodes of columns) {
      nodes?.forEach((node, row) => {
        rows.set(node.id, row);
      });
    }
  };
  index();
  const neighbours = (id: string, upstream: boolean) =>
    model.edges
      .filter((e) => e.delay === 0 && (upstream ? e.target === id : e.source === id))
      .map((e) => rows.get(upstream ? e.source : e.target))
      .filter((row): row is number => row !== undefined);
  for (let sweep = 0; sweep < 4; sweep++) {
    const upstream = sweep % 2 === 0;
    for (const nodes of columns) {
      if (!nodes || nodes.length < 2) continue;
      const weight = new Map(
        nodes.map((node, row) => {
          const near = neighbours(node.id, upstream);
          return [node.id, near.length ? near.reduce((a, b) => a + b, 0) / near.length : row];
        }),
      );
      nodes.sort((a, b) => weight.get(a.id)! - weight.get(b.id)!);
      index();
    }
  }
  return columns;
}

function routeEdge(edge: VizEdge, nodes: Map<string, NodeLayout>, loopDepth: number): EdgeLayout {
  const s = nodes.get(edge.source)!;
  const t = nodes.get(edge.target)!;
  if (edge.source === edge.target) {
    const top = s.y;
    const curve: Cubic = {
      from: { x: s.x + s.width * 0.68, y: top },
      control1: { x: s.x + s.width * 0.68 + 34, y: top - SELF_LOOP_ROOM + 4 },
      control2: { x: s.x + s.width * 0.32 - 34, y: top - SELF_LOOP_ROOM + 4 },
      to: { x: s.x + s.width * 0.32, y: top },
    };
    const apex = pointAt(curve, 0.5);
    return {
      edge,
      curve,
      route: 'self',
      gradientAnchor: pointAt(curve, 0.3),
      inputAnchor: pointAt(curve, 0.7),
      labelAnchor: { x: apex.x, y: apex.y - 6 },
    };
  }
  if (t.column > s.column) {
    const from = { x: s.x + s.width, y: s.y + s.height / 2 };
    const to = { x: t.x, y: t.y + t.height / 2 };
    const middle = from.x + COLUMN_GAP / 2;
    const curve: Cubic = { from, control1: { x: middle, y: from.y }, control2: { x: middle, y: to.y }, to };
    const at = (x: number) => pointAt(curve, tAtX(curve, x));
    const mid = at(middle);
    return {
      edge,
      curve,
      route: 'forward',
      gradientAnchor: at(middle - 24),
      inputAnchor: at(middle + 24),
      labelAnchor: { x: mid.x, y: mid.y + 26 },
    };
  }
  // A delayed edge that points back (or down a column): a loop under both nodes.
  const from = { x: s.x + s.width / 2, y: s.y + s.height };
  const to = { x: t.x + t.width / 2, y: t.y + t.height };
  const dip = loopDepth;
  const curve: Cubic = { from, control1: { x: from.x, y: dip }, control2: { x: to.x, y: dip }, to };
  const bottom = pointAt(curve, 0.5);
  return {
    edge,
    curve,
    route: 'loop',
    gradientAnchor: pointAt(curve, 0.35),
    inputAnchor: pointAt(curve, 0.65),
    labelAnchor: { x: bottom.x, y: bottom.y + 16 },
  };
}

export function layoutNetwork(model: VizModel): NetworkLayout {
  const column = assignColumns(model);
  const columnCount = Math.max(...column.values()) + 1;
  const named = model.clusters.length > 1 || model.clusters.some((c) => c.name !== '');
  const nodes = new Map<string, NodeLayout>();
  const clusters: ClusterLayout[] = [];
  const loops: { edge: VizEdge; depth: number }[] = [];
  let top = PADDING;
  for (const cluster of model.clusters) {
    const members = model.nodes.filter((n) => n.cluster === cluster.name);
    const columns = orderColumns(model, members, column);
    const selfLooped = new Set(model.edges.filter((e) => e.source === e.target).map((e) => e.source));
    const room = (node: VizNode) => (selfLooped.has(node.id) ? SELF_LOOP_ROOM : 0);
    // Stacks are centred on one line per band, so a chain of single nodes draws straight; a
    // self-loop's room above a node counts only inside a stack, or once at the band's top.
    const stackHeight = (nodes: VizNode[] | undefined) =>
      (nodes ?? []).reduce((sum, node, i) => sum + nodeHeight(node) + (i ? room(node) + ROW_GAP : 0), 0);
    const stacks = Array.from({ length: columnCount }, (_, i) => columns[i] ?? []);
    const half = Math.max(...stacks.map(stackHeight)) / 2;
    const topRoom = Math.max(0, ...stacks.map((nodes) => (nodes.length ? room(nodes[0]) : 0)));
    const header = named ? CLUSTER_HEADER : 0;
    const bandTop = top + header;
    const centre = bandTop + topRoom + half;
    const bandInner = topRoom + 2 * half;
    stacks.forEach((stack, c) => {
      let y = centre - stackHeight(stack) / 2;
      stack.forEach((node, i) => {
        if (i > 0) y += room(node);
        const height = nodeHeight(node);
        nodes.set(node.id, {
          node,
          column: c,
          x: PADDING + c * (NODE_WIDTH + COLUMN_GAP),
          y,
          width: NODE_WIDTH,
          height,
        });
        y += height + ROW_GAP;
      });
    });
    // Back-pointing delayed edges loop under the band, one lane each.
    const memberIds = new Set(members.map((m) => m.id));
    const backEdges = model.edges.filter(
      (e) =>
        e.source !== e.target && memberIds.has(e.source) && column.get(e.target)! <= column.get(e.source)!,
    );
    backEdges.forEach((edge, i) => {
      loops.push({ edge, depth: bandTop + bandInner + 30 + i * LOOP_STEP });
    });
    const loopRoom = backEdges.length ? 30 + backEdges.length * LOOP_STEP + 16 : 0;
    const bottom = bandTop + bandInner + loopRoom;
    if (named) {
      clusters.push({
        name: cluster.name,
        clock: cluster.clock,
        x: PADDING / 2,
        y: top - 8,
        width: columnCount * (NODE_WIDTH + COLUMN_GAP) - COLUMN_GAP + PADDING,
        height: bottom - top + 16,
      });
    }
    top = bottom + (named ? CLUSTER_GAP : 0);
  }
  const loopDepth = new Map(loops.map((l) => [l.edge.key, l.depth]));
  const edges = model.edges.map((edge) => routeEdge(edge, nodes, loopDepth.get(edge.key) ?? 0));
  return {
    width: PADDING * 2 + columnCount * (NODE_WIDTH + COLUMN_GAP) - COLUMN_GAP,
    height: top + PADDING,
    nodes,
    edges,
    clusters,
  };
}
