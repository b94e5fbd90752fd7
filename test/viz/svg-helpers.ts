import { escapeXml } from '../../viz/svg.ts';

/** Reading generated SVG in tests without a DOM: the groups we emit carry data attributes and classes. */

/** The opening tags of every element with this class (class lists are matched word by word). */
export function elementsWithClass(svg: string, className: string): string[] {
  const tags = svg.match(/<[a-z]+\b[^>]*>/g) ?? [];
  return tags.filter((tag) => {
    const classes = / class="([^"]*)"/.exec(tag)?.[1].split(/\s+/) ?? [];
    return classes.includes(className);
  });
}

export function attribute(tag: string, name: string): string | undefined {
  return new RegExp(` ${name}="([^"]*)"`).exec(tag)?.[1];
}

/** The markup of the `<g>` whose opening tag has `data-<key>="<value>"`, through its matching `</g>`. */
export function groupMarkup(svg: string, key: string, value: string): string | undefined {
  const escaped = escapeXml(value).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const open = svg.search(new RegExp(`<g [^>]*data-${key}="${escaped}"`));
  if (open < 0) return undefined;
  let depth = 0;
  const tag = /<(\/?)g\b[^>]*?(\/?)>/g;
  tag.lastIndex = open;
  for (let match = tag.exec(svg); match; match = tag.exec(svg)) {
    if (match[2] === '/') continue;
    depth += match[1] === '/' ? -1 : 1;
    if (depth === 0) return svg.slice(open, match.index + match[0].length);
  }
  return undefined;
}
