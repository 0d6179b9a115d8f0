#!/bin/sh
# Install Debian packages when we are root or have sudo; otherwise say exactly what to run.
set -eu
if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo"; else
  echo "Please install these packages, then run make again:  sudo apt-get install $*" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "No apt-get here. Install the equivalent of these Debian packages: $*" >&2
  exit 1
fi
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "$@"
