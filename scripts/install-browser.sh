#!/usr/bin/env bash
# Install Debian's chromium for the browser test (tests/test_browser.py); safe to run again.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
  echo "install-browser: chromium already installed: $(/usr/bin/chromium --version 2>/dev/null | head -n 1)"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-browser: apt-get not found; install Debian's chromium by hand" >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
  else
    echo "install-browser: need root (or sudo) to run apt-get" >&2
    exit 1
  fi
fi
echo "install-browser: apt-get update"
$SUDO apt-get update -qq
echo "install-browser: apt-get install -y chromium (with its recommended fonts)"
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
echo "install-browser: installed $(/usr/bin/chromium --version 2>/dev/null | head -n 1)"
