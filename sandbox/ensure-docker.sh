#!/bin/sh
# Make sure a Docker engine answers. On Debian or Ubuntu, as root or with sudo, install
# Debian's docker.io and start the engine; anywhere else, say exactly what to install.
set -eu
docker info >/dev/null 2>&1 && exit 0
if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo"; else SUDO="none"; fi
if ! command -v dockerd >/dev/null 2>&1; then
  if [ "$SUDO" = "none" ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "Docker is needed to grade code. Install a Docker engine (on Debian/Ubuntu: sudo apt-get install docker.io), start it, and make sure your user may use it (sudo usermod -aG docker \$USER)." >&2
    exit 1
  fi
  echo "Installing Debian's docker.io ..."
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q docker.io
fi
if [ "$SUDO" = "none" ]; then
  echo "The Docker engine is installed but not running, or your user may not use it. Start it (sudo systemctl start docker) and add yourself to the docker group (sudo usermod -aG docker \$USER)." >&2
  exit 1
fi
if command -v systemctl >/dev/null 2>&1 && systemctl is-system-running >/dev/null 2>&1; then
  $SUDO systemctl start docker || true
fi
if ! docker info >/dev/null 2>&1; then
  # No systemd (containers, CI machines): run the engine in the background.
  $SUDO sh -c 'nohup dockerd >/var/log/hirebench-dockerd.log 2>&1 &'
fi
i=0
while [ $i -lt 60 ]; do
  docker info >/dev/null 2>&1 && { echo "Docker engine is running."; exit 0; }
  sleep 1; i=$((i + 1))
done
echo "The Docker engine did not start; see /var/log/hirebench-dockerd.log" >&2
exit 1
