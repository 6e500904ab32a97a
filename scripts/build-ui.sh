#!/usr/bin/env bash
# Builds (or serves, for `tauri dev`) the Leptos UI with trunk, offline, using the project's
# own wasm-bindgen (cargo-installed at the version pinned in Cargo.toml) and wasm-opt (npm).
# Usage: scripts/build-ui.sh [--release | --serve]
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
export PATH="$repo/node_modules/.bin:${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
export TRUNK_OFFLINE=true
command -v trunk >/dev/null || { echo "trunk is missing: run 'make setup'" >&2; exit 2; }
cd "$repo/ui"
case "${1:-}" in
  --release) exec trunk build --release ;;
  --serve) exec trunk serve ;;
  "") exec trunk build ;;
  *) echo "usage: $0 [--release | --serve]" >&2; exit 2 ;;
esac
