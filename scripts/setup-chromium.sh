#!/usr/bin/env bash
# System dependency of the viz browser tests: Debian's chromium at /usr/bin/chromium, driven by
# playwright-core (which downloads no browser of its own). Installs it when it is missing and we are
# root with apt-get; otherwise prints the command to run. Idempotent.
# Exit status: 0 when chromium is present or cannot be installed from here (the browser tests then
# skip locally with a reason, but fail under CI=true), 1 when an install was attempted and failed.
set -euo pipefail

if [[ -x /usr/bin/chromium ]]; then
  echo "dniflow setup: chromium found"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "dniflow setup: /usr/bin/chromium not found and no apt-get here; install Chromium there for the browser tests"
  exit 0
fi

if [[ "$(id -u)" != "0" ]]; then
  echo "dniflow setup: chromium not found; run: sudo apt-get update && sudo apt-get install -y chromium"
  exit 0
fi

echo "dniflow setup: installing chromium (for the viz browser tests) ..."
export DEBIAN_FRONTEND=noninteractive
if apt-get update -qq && apt-get install -y -qq chromium >/dev/null; then
  echo "dniflow setup: chromium installed"
else
  echo "dniflow setup: apt-get install chromium failed" >&2
  exit 1
fi
