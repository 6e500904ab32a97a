#!/usr/bin/env bash
# Installs whatever Vigil needs to build, run and test that is missing, and nothing else.
# Idempotent: a second run checks and returns in seconds. Needs Debian 12+ or Ubuntu 24.04+
# on x86_64 (anvil's npm package is built for it), with rustup.
set -euo pipefail
if [ "$(uname -m)" != x86_64 ]; then
  echo "setup: Vigil's build and devnet support x86_64 Linux only (this is $(uname -m))" >&2
  exit 1
fi
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
say() { printf '\033[1msetup:\033[0m %s\n' "$*"; }

# Debian packages: the WebKitGTK/Tauri build set, the desktop services of the test harness
# (D-Bus, gnome-keyring, Xvfb, dunst), WebKit's WebDriver, and headers for -sys crates.
apt_packages=(
  build-essential pkg-config curl wget file libssl-dev libwebkit2gtk-4.1-dev libxdo-dev
  libayatana-appindicator3-dev librsvg2-dev libdbus-1-dev libudev-dev
  dbus-daemon dbus-bin gnome-keyring libsecret-tools xvfb xauth dunst libnotify-bin
  webkit2gtk-driver procps util-linux
  clang libclang-dev protobuf-compiler
)
command -v node >/dev/null && command -v npm >/dev/null || apt_packages+=(nodejs npm)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing Debian packages: ${missing[*]}"
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

command -v rustup >/dev/null || { echo "setup: Rust is missing: install it with rustup (https://rustup.rs)" >&2; exit 1; }
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32 target"
  rustup target add wasm32-unknown-unknown
fi

# npm packages (anvil, the Tauri CLI, wasm-opt), exactly as locked.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error
fi

# Cargo-installed tools, at the versions the build needs. wasm-bindgen must equal the
# version in Cargo.lock, or trunk would try to download one.
wasm_bindgen_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' Cargo.lock)
installed_crates=$(cargo install --list)
need_tool() { # need_tool CRATE VERSION: true unless cargo installed CRATE at VERSION
  ! grep -qx "$1 v$2:" <<<"$installed_crates"
}
if need_tool wasm-bindgen-cli "$wasm_bindgen_version"; then
  say "installing wasm-bindgen-cli $wasm_bindgen_version (a few minutes, once)"
  # Not --locked: the registry lacks one of its locked dependencies.
  cargo install wasm-bindgen-cli --version "$wasm_bindgen_version" --force
fi
if need_tool trunk 0.21.14; then
  say "installing trunk 0.21.14 (10-20 minutes on two cores, once)"
  cargo install trunk --version 0.21.14 --locked --force
fi
if need_tool tauri-driver 2.1.0; then
  say "installing tauri-driver 2.1.0"
  cargo install tauri-driver --version 2.1.0 --locked --force
fi
if ! cargo nextest --version >/dev/null 2>&1; then
  say "installing cargo-nextest"
  cargo install cargo-nextest --locked
fi
# The local Solana validator (tools/solana-validator, its own workspace): built once and reused
# until its sources change. The build is long (about 40 minutes on two cores) and is kept in
# its own target directory, so the app's builds never rebuild it.
tools_dir="${VIGIL_TOOLS_DIR:-$HOME/.cache/vigil/tools}"
validator_stamp=$(cd tools/solana-validator && cat Cargo.toml Cargo.lock src/*.rs patches/*/Cargo.toml patches/*/src/*.rs | sha256sum | cut -c1-16)
if [ ! -x "$tools_dir/bin/vigil-solana-validator" ] || [ "$(cat "$tools_dir/vigil-solana-validator.stamp" 2>/dev/null)" != "$validator_stamp" ]; then
  say "building the local Solana validator (about 40 minutes on two cores, once)"
  PROTOC=/usr/bin/protoc CARGO_TARGET_DIR="${VIGIL_TOOLS_TARGET_DIR:-$HOME/.cache/vigil/tools-target}" \
    cargo install --path tools/solana-validator --root "$tools_dir" --locked --force --quiet
  echo "$validator_stamp" > "$tools_dir/vigil-solana-validator.stamp"
fi
say "everything is installed"
