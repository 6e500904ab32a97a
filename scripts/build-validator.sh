#!/usr/bin/env bash
# Builds and installs the local Solana validator (tools/solana-validator, its own workspace)
# once, and again only when its sources change. The first build is long (about 30 minutes on
# two cores) and has its own target directory, so the app's builds never rebuild it.
#
# Usage: scripts/build-validator.sh [--background]
#   (none)        makes sure the validator is installed and current: waits for a build already
#                 running, then builds in the foreground if it is still not there.
#   --background  starts the build at a lower priority and returns at once, so that other
#                 builds use the cores it leaves idle (make test overlaps it with the app's
#                 builds); its output goes to vigil-solana-validator.log in the tools directory.
#
# A build holds an flock on vigil-solana-validator.lock in the tools directory for as long as it
# runs: a second build waits for it instead of racing it, and the app and `vigil devnet solana`
# try the lock to say that the validator is on its way.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
tools_dir="${VIGIL_TOOLS_DIR:-$HOME/.cache/vigil/tools}"
mkdir -p "$tools_dir/bin"
lock="$tools_dir/vigil-solana-validator.lock"
log="$tools_dir/vigil-solana-validator.log"
stamp=$(cd tools/solana-validator && cat Cargo.toml Cargo.lock src/*.rs patches/*/Cargo.toml patches/*/src/*.rs | sha256sum | cut -c1-16)
current() {
  [ -x "$tools_dir/bin/vigil-solana-validator" ] && [ "$(cat "$tools_dir/vigil-solana-validator.stamp" 2>/dev/null)" = "$stamp" ]
}
current && exit 0

build() { # runs with the lock held
  current && return 0
  printf '\033[1msetup:\033[0m %s\n' "building the local Solana validator (about 30 minutes on two cores, once)"
  PROTOC=/usr/bin/protoc CARGO_TARGET_DIR="${VIGIL_TOOLS_TARGET_DIR:-$HOME/.cache/vigil/tools-target}" \
    cargo install --path tools/solana-validator --root "$tools_dir" --locked --force --quiet
  echo "$stamp" > "$tools_dir/vigil-solana-validator.stamp"
}

case "${1:-}" in
  --background)
    exec 9>"$lock"
    # Someone is building it already: nothing to start.
    flock --nonblock 9 || exit 0
    printf '\033[1msetup:\033[0m %s\n' "building the local Solana validator in the background (log: $log)"
    # The child inherits the locked descriptor, so the lock is held until the build ends.
    export -f build current
    export stamp tools_dir
    setsid nice -n 10 bash -c build >"$log" 2>&1 </dev/null &
    ;;
  "")
    exec 9>"$lock"
    if ! flock --nonblock 9; then
      printf '\033[1msetup:\033[0m %s\n' "waiting for the Solana validator being built in the background (log: $log)"
      flock 9
      current || { echo "setup: the background build of the Solana validator failed; building it again here:" >&2; }
    fi
    build
    ;;
  *) echo "usage: $0 [--background]" >&2; exit 2 ;;
esac
