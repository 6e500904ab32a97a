#!/usr/bin/env bash
# Runs a command in a private network namespace where only loopback exists, so that no test
# can reach (or even try to reach) any address beyond 127.0.0.1: a public RPC endpoint named
# in a default config fails at once instead of leaving the machine. Cargo runs offline there
# (build and fetch first, outside). VIGIL_OFFLINE=1 tells the tests they are inside.
#
# Usage: scripts/offline.sh COMMAND [ARGS...]
set -euo pipefail
if ! unshare -n true 2>/dev/null; then
  echo "offline: cannot create a network namespace here (it needs root or user namespaces)" >&2
  exit 2
fi
exec unshare -n bash -c 'ip link set lo up && VIGIL_OFFLINE=1 CARGO_NET_OFFLINE=true exec "$@"' offline "$@"
