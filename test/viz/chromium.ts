/** Headless Debian chromium driven by playwright-core; the browser tests skip (visibly) only off CI. */
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** Why browser tests cannot run here, or undefined when they can (on CI they must: no skip there). */
export function chromiumSkipReason(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  if (process.env.CI) return undefined; // fail loudly in CI rather than skip
  return `${CHROMIUM} is absent (run scripts/setup-chromium.sh); browser tests skipped`;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}
