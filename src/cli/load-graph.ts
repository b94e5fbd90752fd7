import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { GraphDefinition } from '../graph/define.ts';
import { UsageError } from './usage-error.ts';

/** Imports a graph file and checks that its default export is a graph definition. */
export async function loadGraphFile(path: string): Promise<GraphDefinition> {
  const absolute = resolve(path);
  if (!existsSync(absolute)) throw new UsageError(`graph file not found: ${path}`);
  const module = (await import(pathToFileURL(absolute).href)) as { default?: Partial<GraphDefinition> };
  const definition = module.default;
  if (!definition || typeof definition.build !== 'function' || typeof definition.name !== 'string') {
    throw new UsageError(
      `${path} does not default-export a graph definition (use defineGraph from 'dniflow')`,
    );
  }
  return definition as GraphDefinition;
}
