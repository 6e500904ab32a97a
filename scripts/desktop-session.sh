#!/usr/bin/env bash
# Runs a command inside a private desktop session owned by this script:
#   - a throwaway HOME and XDG_RUNTIME_DIR (nothing touches the user's real keyring or config),
#   - a private D-Bus session bus with no service activation (nothing auto-starts),
#   - gnome-keyring's Secret Service, unlocked,
#   - Xvfb and the dunst notification server on it.
# The command runs with DISPLAY unset, so a locked keyring can never pop up a prompt and hang;
# programs that need the screen (the desktop app under test) find it in VIGIL_TEST_DISPLAY,
# and its pixels in VIGIL_TEST_SCREEN.
# Everything started here is stopped on exit, whatever happens to the command.
#
# Usage: scripts/desktop-session.sh COMMAND [ARGS...]
set -euo pipefail

for tool in dbus-daemon dbus-send gnome-keyring-daemon Xvfb dunst; do
  command -v "$tool" >/dev/null || { echo "desktop-session: '$tool' is missing: run 'make setup'" >&2; exit 2; }
done

root=$(mktemp -d /tmp/vigil-session.XXXXXX)
pids=()
session=""
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  # Whatever the command left running in its session (e.g. a detached devnet), then our services.
  if [ -n "$session" ]; then pkill -KILL -s "$session" 2>/dev/null || true; fi
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid" 2>/dev/null || true; fi
  done
  rm -rf "$root"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Tools found through HOME (cargo, rustup, npm) keep working with the throwaway HOME.
export CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}" RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}"
export npm_config_cache="${npm_config_cache:-$HOME/.npm}"
export HOME="$root/home" XDG_RUNTIME_DIR="$root/run"
export XDG_CONFIG_HOME="$HOME/.config" XDG_DATA_HOME="$HOME/.local/share" XDG_CACHE_HOME="$HOME/.cache"
mkdir -p "$HOME" "$XDG_CONFIG_HOME" "$XDG_DATA_HOME" "$XDG_CACHE_HOME"
mkdir -m 700 "$XDG_RUNTIME_DIR"

wait_for_name() { # wait until a D-Bus name has an owner, at most 10 s
  for _ in $(seq 100); do
    if dbus-send --session --dest=org.freedesktop.DBus --print-reply /org/freedesktop/DBus \
        org.freedesktop.DBus.NameHasOwner "string:$1" 2>/dev/null | grep -q 'boolean true'; then
      return 0
    fi
    sleep 0.1
  done
  echo "desktop-session: $1 did not appear on the bus" >&2
  return 1
}

cat > "$root/bus.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=$root/bus</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
CONF
dbus-daemon --config-file="$root/bus.conf" --nofork --nopidfile --nosyslog 2>"$root/dbus.log" &
pids+=($!)
export DBUS_SESSION_BUS_ADDRESS="unix:path=$root/bus"
for _ in $(seq 100); do [ -S "$root/bus" ] && break; sleep 0.05; done

# The login keyring, created and unlocked with a throwaway password.
printf 'vigil-session' | gnome-keyring-daemon --foreground --unlock --components=secrets \
  >"$root/keyring.log" 2>&1 &
pids+=($!)
wait_for_name org.freedesktop.secrets

exec 3>"$root/display"
mkdir "$root/framebuffer"
# Wide enough that the notifications (top right) do not cover the app window (top left) in
# screenshots; no cursor drawn over it either.
Xvfb -displayfd 3 -screen 0 1600x900x24 -nocursor -fbdir "$root/framebuffer" -nolisten tcp >"$root/xvfb.log" 2>&1 &
pids+=($!)
exec 3>&-
for _ in $(seq 100); do [ -s "$root/display" ] && break; sleep 0.05; done
[ -s "$root/display" ] || { echo "desktop-session: Xvfb did not start: $(cat "$root/xvfb.log")" >&2; exit 1; }
display=":$(head -n1 "$root/display")"

# dunst opens a notification's actions through dmenu; this stand-in answers with the first
# line containing what a test wrote to VIGIL_TEST_MENU_PICK, so tests can pick "Snooze 1 h".
export VIGIL_TEST_MENU_PICK="$root/menu-pick"
cat > "$root/dmenu" <<'SH'
#!/bin/sh
grep -m1 -F -- "$(cat "$VIGIL_TEST_MENU_PICK" 2>/dev/null)"
SH
chmod +x "$root/dmenu"
mkdir -p "$XDG_CONFIG_HOME/dunst"
cat > "$XDG_CONFIG_HOME/dunst/dunstrc" <<CONF
[global]
    stack_duplicates = false
    history_length = 100
    dmenu = $root/dmenu
CONF
DISPLAY="$display" dunst -config "$XDG_CONFIG_HOME/dunst/dunstrc" >"$root/dunst.log" 2>&1 &
pids+=($!)
wait_for_name org.freedesktop.Notifications

# The screen as Xvfb draws it (XWD), for screenshots of what a user would see.
export VIGIL_TEST_SESSION=1 VIGIL_TEST_DISPLAY="$display" VIGIL_TEST_SCREEN="$root/framebuffer/Xvfb_screen0"
unset DISPLAY WAYLAND_DISPLAY
# The command runs in a session of its own, so that cleanup can find everything it started.
setsid "$@" &
session=$!
wait "$session"
