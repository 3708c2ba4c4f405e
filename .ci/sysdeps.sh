#!/usr/bin/env bash
# Install the Debian packages the tests drive, when running as root (as CI does).
# Elsewhere, print the one command to run and stop.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
{ command -v pg_ctl >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; } || need+=(postgresql)
command -v java >/dev/null 2>&1 || need+=(openjdk-17-jre-headless)
if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -eq 0 ]; then
  echo "sysdeps: installing Debian packages the tests need: ${need[*]}"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
else
  echo "sysdeps: the tests need ${need[*]}; install them once with:" >&2
  echo "  sudo apt-get install -y ${need[*]}" >&2
  exit 1
fi
