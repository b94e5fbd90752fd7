import { backendInfo } from '../tensor/backend-registry.ts';
import { parseCommandArgs } from './args.ts';

export function runInfo(argv: string[]): number {
  const { values } = parseCommandArgs('info', argv, {
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(
      'Usage:\n  dniflow info [--json]\n\nPrints the compute backend in use and its BLAS threads.\n',
    );
    return 0;
  }
  const info = backendInfo();
  if (values.json) {
    process.stdout.write(`${JSON.stringify(info)}\n`);
    return 0;
  }
  process.stdout.write(`backend: ${info.name}\nblas threads: ${info.threads}\n`);
  if (info.blasCore) process.stdout.write(`openblas: ${info.blasCore} (${info.blasConfig ?? ''})\n`);
  if (info.reason) process.stdout.write(`note: ${info.reason}\n`);
  return 0;
}
