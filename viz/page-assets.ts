/** What the self-contained HTML pages inline: d3's own UMD build from the installed package, and our client scripts. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const cache = new Map<string, string>();

function cached(key: string, load: () => string): string {
  let value = cache.get(key);
  if (value === undefined) {
    value = load();
    cache.set(key, value);
  }
  return value;
}

/** d3 v7's minified UMD bundle (defines the global `d3`), read from the installed package. */
export function d3Source(): string {
  return cached('d3', () => {
    // d3's package exports only its entry points; the UMD file sits beside the ESM entry.
    const entry = createRequire(import.meta.url).resolve('d3');
    return readFileSync(join(dirname(entry), 'd3.min.js'), 'utf8');
  });
}

/** A browser script from viz/client/. */
export function clientScript(name: string): string {
  return cached(name, () => readFileSync(new URL(`./client/${name}`, import.meta.url), 'utf8'));
}

/** A `<script>` element whose content cannot close it early. */
export function inlineScript(code: string): string {
  return `<script>${code.replace(/<\/(script)/gi, '<\\/$1')}</script>`;
}

/** JSON for a `<script>`: `<` is escaped so no `</script>` or `<!--` can appear in it. */
export function inlineJson(name: string, value: unknown): string {
  return inlineScript(`window.${name} = ${JSON.stringify(value).replace(/</g, '\\u003c')};`);
}

export const PAGE_STYLE = `
  body { margin: 0; font-family: Helvetica, Arial, sans-serif; background: #fafafa; color: #222; }
  #tooltip { position: fixed; pointer-events: none; display: none; background: #fff; border: 1px solid #999;
    border-radius: 4px; padding: 6px 9px; font-size: 12px; box-shadow: 0 2px 6px rgba(0,0,0,0.15); max-width: 380px; z-index: 10; }
  #tooltip.visible { display: block; }
  #tooltip table { border-collapse: collapse; }
  #tooltip td { padding: 1px 6px 1px 0; vertical-align: top; }
  #tooltip td:first-child { color: #666; white-space: nowrap; }
  #tooltip h4 { margin: 0 0 4px; font-size: 13px; }
  .hint { font-size: 12px; color: #666; padding: 6px 12px; }
`;
