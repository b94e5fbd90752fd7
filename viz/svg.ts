/**
 * A tiny SVG string builder. We render without a browser by generating markup directly: d3-scale,
 * d3-shape and d3-path compute the geometry, and no DOM implementation is needed in Node (fewer
 * dependencies, deterministic output, fast `dniflow viz`). The browser pages then use d3-selection,
 * d3-axis and d3-zoom on the real DOM.
 */
export type Attributes = Record<string, string | number | boolean | undefined | null>;

/** Children may be nested arrays; null/undefined/false children are skipped. */
export type Child = string | null | undefined | false | Child[];

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/** Rounds coordinates so output is short and stable across platforms. */
export function num(value: number): string {
  return String(Math.round(value * 100) / 100);
}

function attributes(attrs: Attributes): string {
  let out = '';
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    const text = typeof value === 'number' ? num(value) : value === true ? key : value;
    out += ` ${key}="${escapeXml(text)}"`;
  }
  return out;
}

function flatten(children: Child[]): string {
  let out = '';
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    out += Array.isArray(child) ? flatten(child) : child;
  }
  return out;
}

/** An element; children are markup strings (use `text()` for character data). */
export function el(tag: string, attrs: Attributes = {}, ...children: Child[]): string {
  const inner = flatten(children);
  return inner === '' ? `<${tag}${attributes(attrs)}/>` : `<${tag}${attributes(attrs)}>${inner}</${tag}>`;
}

export function text(content: string): string {
  return escapeXml(content);
}

/** A `<text>` element with escaped content. */
export function label(x: number, y: number, content: string, attrs: Attributes = {}): string {
  return el('text', { x, y, ...attrs }, text(content));
}

/** A root `<svg>` with the namespace set, so the file opens standalone. */
export function svgRoot(width: number, height: number, attrs: Attributes, ...children: Child[]): string {
  return el(
    'svg',
    {
      xmlns: 'http://www.w3.org/2000/svg',
      width,
      height,
      viewBox: `0 0 ${num(width)} ${num(height)}`,
      'font-family': 'Helvetica, Arial, sans-serif',
      ...attrs,
    },
    ...children,
  );
}

/** Rough width of a string in a sans-serif font; enough to size boxes without measuring text. */
export function textWidth(content: string, fontSize: number): number {
  return content.length * fontSize * 0.58;
}

export function truncate(content: string, maxWidth: number, fontSize: number): string {
  if (textWidth(content, fontSize) <= maxWidth) return content;
  const keep = Math.max(1, Math.floor(maxWidth / (fontSize * 0.58)) - 1);
  return `${content.slice(0, keep)}…`;
}
