#!/usr/bin/env bash
# Everything a fresh clone needs: system packages (OpenBLAS for the native backend, Chromium for the
# browser tests), then the npm packages from the lock file (which also builds the native addon, or
# says in one line why the TypeScript backend is used).
#
# `npm install` rather than `npm ci`: npm ci insists that the lock file list every platform binary
# of @biomejs/biome, and the registry reachable here does not serve the non-Linux ones.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-native.sh
bash scripts/setup-chromium.sh
npm install --no-audit --no-fund
