#!/bin/sh
# Makes the virtualenv /opt/hirebench/venv in the root filesystem $1 from its Debian python3 and
# installs every wheel of the folder $2 in it, with no index: the app image's dependencies.
# hirebench.ops.compose fetches those wheels with the host's pip running that very python3, so
# that environment markers (python_full_version) are those of the image. Needs root (chroot).
set -eu

rootfs=${1:?usage: venv.sh ROOTFS WHEELS_DIR}
wheels=${2:?usage: venv.sh ROOTFS WHEELS_DIR}

mkdir -p "$rootfs/tmp/wheels"
cp "$wheels"/*.whl "$rootfs/tmp/wheels/"
chroot "$rootfs" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 sh -c '
    set -eu
    python3 -m venv /opt/hirebench/venv
    cd /tmp/wheels
    # Every wheel is named, so pip installs exactly this set and fails if one is missing.
    /opt/hirebench/venv/bin/pip install --no-index --no-cache-dir --disable-pip-version-check \
        --quiet --find-links . ./*.whl
    /opt/hirebench/venv/bin/pip check --disable-pip-version-check'
rm -rf "$rootfs/tmp/wheels"
