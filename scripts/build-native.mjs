#!/usr/bin/env node
// Builds the native backend (native/, a Node-API addon on OpenBLAS) with node-gyp.
// This is the package's own `install` script, so it must never fail an install: the TypeScript
// backend works everywhere, and the native one is only faster. On any failure it prints one line
// saying why and exits 0. `--strict` (used by `npm run build:native`) exits 1 instead.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const nativeDir = join(root, 'native');
const addonPath = join(nativeDir, 'build', 'Release', 'dniflow_native.node');
const strict = process.argv.includes('--strict');
const verbose = strict || process.argv.includes('--verbose') || process.env.DNIFLOW_NATIVE_VERBOSE === '1';
const setupHint = 'as root: bash scripts/setup-native.sh (installs libopenblas-dev)';

function giveUp(reason) {
  console.log(`dniflow: native backend not built (${reason}); using the TypeScript backend`);
  process.exit(strict ? 1 : 0);
}

if (process.env.DNIFLOW_SKIP_NATIVE === '1') {
  // Skipping leaves an earlier build in place (and in use); say so rather than claim TS is used.
  if (existsSync(addonPath)) {
    console.log('dniflow: native backend build skipped (DNIFLOW_SKIP_NATIVE=1); the earlier build is kept');
    process.exit(0);
  }
  giveUp('DNIFLOW_SKIP_NATIVE=1');
}

// cblas.h on the usual system paths (Debian puts it under /usr/include/<triplet>/). Only used to
// explain a failed build: a build against headers elsewhere (e.g. Homebrew) is still attempted.
function findCblasHeader() {
  const roots = ['/usr/include', '/usr/local/include', '/opt/homebrew/opt/openblas/include'];
  for (const dir of roots) {
    if (existsSync(join(dir, 'cblas.h')) || existsSync(join(dir, 'openblas', 'cblas.h'))) return true;
    if (!existsSync(dir)) continue;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory() && existsSync(join(dir, entry.name, 'cblas.h'))) return true;
    }
  }
  return false;
}

function findNodeGyp() {
  const require = createRequire(import.meta.url);
  try {
    return require.resolve('node-gyp/bin/node-gyp.js');
  } catch {
    // npm sets this to its bundled node-gyp while it runs lifecycle scripts.
    const bundled = process.env.npm_config_node_gyp;
    return bundled && existsSync(bundled) ? bundled : undefined;
  }
}

// Build against the headers that ship with this Node (Debian's nodejs, and official tarballs,
// have them under <prefix>/include/node): node-gyp would otherwise try to download them, and
// the network may be closed.
function localNodeDir() {
  if (process.env.npm_config_nodedir) return process.env.npm_config_nodedir;
  const prefix = resolve(dirname(process.execPath), '..');
  return existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? prefix : undefined;
}

const nodeGyp = findNodeGyp();
if (!nodeGyp) giveUp('node-gyp not found; run npm install first');

const args = [nodeGyp, 'rebuild', `--directory=${nativeDir}`];
const nodeDir = localNodeDir();
if (nodeDir) args.push(`--nodedir=${nodeDir}`);
console.log('dniflow: building the native backend (native/, OpenBLAS) ...');
const build = spawnSync(process.execPath, args, { cwd: nativeDir, encoding: 'utf8', env: process.env });

if (build.error) giveUp(`could not run node-gyp: ${build.error.message}`);
if (build.status !== 0 || !existsSync(addonPath)) {
  const output = `${build.stdout ?? ''}\n${build.stderr ?? ''}`;
  if (verbose) process.stderr.write(output);
  let reason;
  if (!findCblasHeader() || /cblas\.h: No such file/.test(output))
    reason = `OpenBLAS not found; ${setupHint}`;
  else if (/cannot find -lopenblas/.test(output)) reason = `libopenblas not found; ${setupHint}`;
  else if (/not found: (make|python|g\+\+|c\+\+)|Could not find any Python/i.test(output)) {
    reason = 'no C++ toolchain (needs python3, make and g++)';
  } else {
    const firstError = output.split('\n').find((line) => /error/i.test(line)) ?? `exit code ${build.status}`;
    reason = `node-gyp failed: ${firstError.trim().slice(0, 200)}${verbose ? '' : '; rerun with --verbose'}`;
  }
  giveUp(reason);
}

// Load it once here so that a build that links but cannot load (missing shared library) is
// reported at install time rather than at first use.
const check = spawnSync(
  process.execPath,
  ['-e', `const a = require(${JSON.stringify(addonPath)}); console.log(a.blasInfo().config)`],
  { encoding: 'utf8' },
);
if (check.status !== 0) {
  const line = (check.stderr ?? '').split('\n').find((l) => /Error/.test(l)) ?? 'unknown error';
  giveUp(`built but does not load: ${line.trim().slice(0, 200)}`);
}
console.log(`dniflow: native backend built (${check.stdout.trim()})`);
