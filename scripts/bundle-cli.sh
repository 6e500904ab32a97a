#!/usr/bin/env bash
# Tauri's beforeBundleCommand: builds the `vigil` command line (release) and puts it where the
# .deb takes it from (src-tauri/bundle-extra/vigil, installed as /usr/bin/vigil), so the
# package ships both front-ends.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
target_dir="${CARGO_TARGET_DIR:-$repo/target}"
cargo build --quiet --release -p vigil-cli --manifest-path "$repo/Cargo.toml"
mkdir -p "$repo/src-tauri/bundle-extra"
install -m 755 "$target_dir/release/vigil" "$repo/src-tauri/bundle-extra/vigil"
