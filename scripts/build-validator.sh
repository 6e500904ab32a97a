#!/usr/bin/env bash
# Builds and installs the local Solana validator (tools/solana-validator, its own workspace)
# once, and again only when its sources change. The build is long the first time (about 15 to
# 40 minutes on two cores) and has its own target directory, so the app's builds never rebuild
# it. While it builds, `vigil-solana-validator.building` exists in the tools directory: the app
# and `vigil devnet solana` read it to say that the validator is on its way.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
tools_dir="${VIGIL_TOOLS_DIR:-$HOME/.cache/vigil/tools}"
mkdir -p "$tools_dir"
stamp=$(cd tools/solana-validator && cat Cargo.toml Cargo.lock src/*.rs patches/*/Cargo.toml patches/*/src/*.rs | sha256sum | cut -c1-16)
if [ -x "$tools_dir/bin/vigil-solana-validator" ] && [ "$(cat "$tools_dir/vigil-solana-validator.stamp" 2>/dev/null)" = "$stamp" ]; then
  exit 0
fi
printf '\033[1msetup:\033[0m %s\n' "building the local Solana validator (15 to 40 minutes on two cores, once)"
building="$tools_dir/vigil-solana-validator.building"
echo $$ > "$building"
trap 'rm -f "$building"' EXIT
PROTOC=/usr/bin/protoc CARGO_TARGET_DIR="${VIGIL_TOOLS_TARGET_DIR:-$HOME/.cache/vigil/tools-target}" \
  cargo install --path tools/solana-validator --root "$tools_dir" --locked --force --quiet
echo "$stamp" > "$tools_dir/vigil-solana-validator.stamp"
