#!/usr/bin/env bash
# System dependency of the nats scheduler (train --scheduler nats) and its tests: Debian's nats-server.
# Installs it when it is missing and we are root with apt-get; otherwise prints the command to run.
# The package's systemd unit is not used: dniflow starts its own server per run, on 127.0.0.1 only.
# Exit status: 0 when nats-server is present or cannot be installed from here (everything else
# still works; the nats tests say they are skipped), 1 when an install was attempted and failed.
set -euo pipefail

if command -v nats-server >/dev/null 2>&1 || [[ -x /usr/sbin/nats-server ]]; then
  echo "dniflow setup: nats-server found"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "dniflow setup: nats-server not found and no apt-get here; install nats-server (2.9 or later)" \
    "with your package manager to use --scheduler nats"
  exit 0
fi

if [[ "$(id -u)" != "0" ]]; then
  echo "dniflow setup: nats-server not found; run: sudo apt-get update && sudo apt-get install -y nats-server"
  exit 0
fi

echo "dniflow setup: installing nats-server ..."
export DEBIAN_FRONTEND=noninteractive
if apt-get update -qq && apt-get install -y -qq --no-install-recommends nats-server >/dev/null; then
  echo "dniflow setup: nats-server installed"
else
  echo "dniflow setup: apt-get install nats-server failed" >&2
  exit 1
fi
