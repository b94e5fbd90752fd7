#!/usr/bin/env bash
# Everything a fresh clone needs: system packages (OpenBLAS for the native backend, chromium for the
# viz browser tests), then a clean `npm ci` (which also builds the native addon, or says in one line
# why the TS backend is used).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-native.sh
bash scripts/setup-chromium.sh
npm ci --no-audit --no-fund
