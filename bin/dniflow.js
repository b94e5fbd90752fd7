#!/usr/bin/env node
// The CLI and user graph files are TypeScript; tsx lets `npx dniflow` run them without a build step.
import { register } from 'tsx/esm/api';

// A reader that stops early (`dniflow train … | head`) is not an error.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});
register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
