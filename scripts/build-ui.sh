#!/usr/bin/env bash
# Builds the Leptos UI into ui/dist: cargo for wasm32, the project's own wasm-bindgen
# (cargo-installed at the version pinned in Cargo.toml) and, for release, wasm-opt (npm).
# Nothing is downloaded, and no bundler is needed: the page is index.html, style.css, a
# three-line module that starts the wasm, and wasm-bindgen's output.
# Usage: scripts/build-ui.sh [--release | --serve]
#   --serve  builds, serves ui/dist on 127.0.0.1:1420 for `tauri dev`, and rebuilds when
#            ui/ or crates/api change (reload the window to see it).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
export PATH="$repo/node_modules/.bin:${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
target_dir="${CARGO_TARGET_DIR:-$repo/target}"
mode="${1:-}"
case "$mode" in
  --release) profile=release; cargo_flags=(--release) ;;
  ""|--serve) profile=debug; cargo_flags=() ;;
  *) echo "usage: $0 [--release | --serve]" >&2; exit 2 ;;
esac
command -v wasm-bindgen >/dev/null || { echo "wasm-bindgen is missing: run 'make setup'" >&2; exit 2; }

build() {
  cargo build --quiet -p vigil-ui --target wasm32-unknown-unknown "${cargo_flags[@]}" \
    --manifest-path "$repo/Cargo.toml"
  local dist="$repo/ui/dist" staging
  staging="$(mktemp -d "$repo/ui/.dist.XXXXXX")"
  wasm-bindgen --target web --no-typescript --out-dir "$staging" --out-name vigil-ui \
    "$target_dir/wasm32-unknown-unknown/$profile/vigil-ui.wasm"
  if [ "$profile" = release ]; then
    command -v wasm-opt >/dev/null || { echo "wasm-opt is missing: run 'make setup'" >&2; exit 2; }
    # Features come from the wasm's target_features section (kept: the wasm is not stripped).
    wasm-opt -Os "$staging/vigil-ui_bg.wasm" -o "$staging/vigil-ui_bg.wasm"
  fi
  cp "$repo/ui/index.html" "$repo/ui/style.css" "$staging/"
  # An external module, not an inline script: the CSP allows scripts from 'self' only.
  printf '%s\n' 'import init from "./vigil-ui.js";' \
    'init({ module_or_path: new URL("./vigil-ui_bg.wasm", import.meta.url) })' \
    '  .catch((e) => console.error("Vigil UI failed to start", e));' > "$staging/boot.js"
  rm -rf "$dist"
  mv "$staging" "$dist"
  chmod 755 "$dist"
}

build
if [ "$mode" = --serve ]; then
  python3 -m http.server --bind 127.0.0.1 --directory "$repo/ui/dist" 1420 >/dev/null 2>&1 &
  server=$!
  trap 'kill $server 2>/dev/null' EXIT
  stamp() { find "$repo/ui/src" "$repo/ui/index.html" "$repo/ui/style.css" "$repo/crates/api/src" -newer "$repo/ui/dist/boot.js" -print -quit; }
  while kill -0 "$server" 2>/dev/null; do
    sleep 1
    if [ -n "$(stamp)" ]; then build || echo "build-ui: the UI does not build; fix it and save again" >&2; fi
  done
fi
