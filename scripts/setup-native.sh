#!/usr/bin/env bash
# System dependency of the native backend: OpenBLAS (headers + library) from Debian's packages.
# Installs libopenblas-dev when it is missing and we are root with apt-get; otherwise prints the
# command to run. It never builds anything: `npm ci` (the package's install script) does that.
# Exit status: 0 when OpenBLAS is present or cannot be installed from here (the TypeScript backend
# still works), 1 when an install was attempted and failed.
set -euo pipefail

have_openblas() {
  local header lib
  header=$(find /usr/include /usr/local/include -maxdepth 3 -name cblas.h -print -quit 2>/dev/null || true)
  lib=$( (ldconfig -p 2>/dev/null | grep -m1 -E 'libopenblas\.so \(') || true)
  [[ -z "$lib" ]] && lib=$(find /usr/lib /usr/local/lib -maxdepth 3 -name 'libopenblas.so' -print -quit 2>/dev/null || true)
  [[ -n "$header" && -n "$lib" ]]
}

if have_openblas; then
  echo "dniflow setup: OpenBLAS found"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "dniflow setup: OpenBLAS not found and no apt-get here; install OpenBLAS (headers and library)" \
    "with your package manager, then run: npm run build:native"
  exit 0
fi

if [[ "$(id -u)" != "0" ]]; then
  echo "dniflow setup: OpenBLAS not found; run: sudo apt-get update && sudo apt-get install -y libopenblas-dev"
  exit 0
fi

echo "dniflow setup: installing libopenblas-dev ..."
export DEBIAN_FRONTEND=noninteractive
if apt-get update -qq && apt-get install -y -qq --no-install-recommends libopenblas-dev >/dev/null; then
  echo "dniflow setup: OpenBLAS installed"
else
  echo "dniflow setup: apt-get install libopenblas-dev failed" >&2
  exit 1
fi
