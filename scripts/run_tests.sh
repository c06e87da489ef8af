#!/usr/bin/env bash
# Run the test command inside a private D-Bus session with an unlocked GNOME keyring, so the
# tests use the real OS keyring (Secret Service). pytest's "no tests ran" (exit 5) is a failure.
set -uo pipefail
export QT_QPA_PLATFORM=offscreen
if command -v dbus-run-session >/dev/null && command -v gnome-keyring-daemon >/dev/null; then
  dbus-run-session -- sh -c 'printf "pw\n" | gnome-keyring-daemon --unlock --components=secrets >/dev/null; exec "$@"' sh "$@"
else
  echo "run_tests: no dbus-run-session/gnome-keyring-daemon; keyring tests will be skipped" >&2
  "$@"
fi
status=$?
if [ "$status" = 5 ]; then echo "run_tests: no tests were collected" >&2; exit 1; fi
exit "$status"
