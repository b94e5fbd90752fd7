import { spawn } from 'node:child_process';

const BIN = new URL('../../bin/dniflow.js', import.meta.url).pathname;

/**
 * Starts `dniflow ...args`, waits for its first line on stdout (an epoch has ended: training is
 * under way), sends `signal`, and resolves with the exit code, stderr and the milliseconds from the
 * signal to the exit.
 */
export async function interruptAfterFirstLine(
  args: string[],
  signal: NodeJS.Signals = 'SIGTERM',
): Promise<{ code: number | null; stderr: string; milliseconds: number }> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await new Promise<void>((resolve) =>
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      if (stdout.includes('\n')) resolve();
    }),
  );
  const sent = performance.now();
  child.kill(signal);
  const code = await exited;
  return { code, stderr, milliseconds: performance.now() - sent };
}
