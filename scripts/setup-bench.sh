#!/usr/bin/env bash
# Benchmark-only system dependency: PyTorch for Debian's /usr/bin/python3 (the `python3-torch`
# package, 1.13 on Debian 12), used by the training peer bench/peers/fcn_torch.py. Not part of
# scripts/setup.sh: benchmarks are not run in CI.
# The benchmarks call /usr/bin/python3 explicitly: a pyenv python3 earlier on PATH does not see
# Debian's packages. Idempotent: does nothing when torch already imports there.
# Exit status: 0 when torch is present or was installed, 1 when it is missing and could not be had.
set -euo pipefail

PYTHON=/usr/bin/python3

have_torch() {
  [[ -x "$PYTHON" ]] && "$PYTHON" -c 'import torch, numpy' >/dev/null 2>&1
}

if have_torch; then
  echo "dniflow bench setup: torch found ($("$PYTHON" -c 'import torch; print(torch.__version__)'))"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "dniflow bench setup: torch not found for $PYTHON and no apt-get here; install PyTorch and numpy for it" >&2
  exit 1
fi

if [[ "$(id -u)" != "0" ]]; then
  echo "dniflow bench setup: torch not found; run: sudo apt-get update && sudo apt-get install -y python3-torch" >&2
  exit 1
fi

echo "dniflow bench setup: installing python3-torch ..."
export DEBIAN_FRONTEND=noninteractive
if apt-get update -qq && apt-get install -y -qq python3-torch >/dev/null && have_torch; then
  echo "dniflow bench setup: torch installed"
else
  echo "dniflow bench setup: apt-get install python3-torch failed" >&2
  exit 1
fi
