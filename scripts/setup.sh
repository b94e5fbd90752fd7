#!/usr/bin/env bash
# Everything a fresh clone needs: system packages (OpenBLAS for the native backend, Chromium for the
# browser tests, nats-server for the nats scheduler), then the npm packages from the lock file (which also builds the native addon, or
# says in one line why the TypeScript backend is used).
#
# `npm ci`: installs exactly what package-lock.json records into an empty node_modules and never
# rewrites the lock file, so a fresh setup leaves the working tree clean. The lock file lists every
# platform binary of @biomejs/biome and esbuild (npm ci requires that); only this platform's are
# downloaded. After changing package.json, run `npm install` and commit the updated lock file.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-native.sh
bash scripts/setup-chromium.sh
bash scripts/setup-nats.sh
npm ci --no-audit --no-fund
