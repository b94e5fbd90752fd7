import { readFileSync } from 'node:fs';
import { exportNetwork, NETWORK_FORMATS, networkFormatOf } from '../../viz/export-network.ts';
import { type Network, networkFromJSON, resolveParams, validateNetwork } from '../index.ts';
import { keyValuePairs, parseCommandArgs } from './args.ts';
import { loadGraphFile } from './load-graph.ts';
import { UsageError } from './usage-error.ts';
import { writeOutput } from './write-output.ts';

export const VIZ_HELP = `Usage:
  dniflow viz <graph.ts | network.json> [--set key=value]... --out FILE

Draws a network left to right: modules with their layers, each interface styled by kind (backprop,
stop gradient, DNI, cDNI, synthetic input, complete unlock, delayed/recurrent), synthetic-gradient
and synthetic-input models as small nodes on their edges, tensor shapes on the edges, clusters with
their clocks, and a legend. A recurrent module shows its window T (one slot per tick) and its state
loop: a stop bar for truncated BPTT, the SG model for DNI, SG and "aux" for DNI + Aux.
The extension of FILE picks the output:
  .svg    a standalone SVG picture
  .html   a self-contained page (d3 inlined) with zoom/pan and hover details
  .gexf   GEXF 1.3 for Gephi (with the layout's positions and colours)
  .json   graphology JSON (what networkFromJSON reads back)

Options:
  --set key=value    set a graph parameter (repeatable), e.g. --set layers=4
  --out FILE         where to write (required)
  -h, --help         show this help
`;

async function loadNetwork(
  path: string,
  set: Record<string, string>,
): Promise<{ network: Network; title: string }> {
  if (path.toLowerCase().endsWith('.json')) {
    if (Object.keys(set).length > 0)
      throw new UsageError('--set applies to graph files, not to network JSON');
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(path, 'utf8'));
    } catch (error) {
      throw new UsageError(`cannot read network JSON ${path}: ${(error as Error).message}`);
    }
    const network = networkFromJSON(json);
    return { network, title: network.getAttribute('name') };
  }
  const definition = await loadGraphFile(path);
  let params: ReturnType<typeof resolveParams>;
  try {
    params = resolveParams(definition, set);
  } catch (error) {
    throw new UsageError((error as Error).message.replace(/^dniflow\/graph: /, ''));
  }
  const shown = Object.entries(params)
    .map(([key, value]) => `${key}=${value}`)
    .join(', ');
  return { network: definition.build(params), title: `${definition.name}${shown ? ` (${shown})` : ''}` };
}

export async function runViz(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('viz', argv, {
    set: { type: 'string', multiple: true },
    out: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(VIZ_HELP);
    return 0;
  }
  if (positionals.length !== 1) {
    throw new UsageError(`viz takes one graph file, got ${positionals.length} (see dniflow viz --help)`);
  }
  if (values.out === undefined) throw new UsageError('viz needs --out FILE (.svg, .html, .gexf or .json)');
  const format = networkFormatOf(values.out);
  if (!format) {
    throw new UsageError(
      `unknown output extension for --out ${values.out} (use ${NETWORK_FORMATS.map((f) => `.${f}`).join(', ')})`,
    );
  }
  const { network, title } = await loadNetwork(positionals[0], keyValuePairs('--set', values.set));
  const plan = validateNetwork(network);
  writeOutput(values.out, exportNetwork(network, plan, format, { title }));
  process.stderr.write(`dniflow: wrote ${values.out}\n`);
  return 0;
}
