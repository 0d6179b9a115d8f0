#!/bin/sh
# Installs the Debian packages listed in $2 (one or more a line, '#' starts a comment) into the
# root filesystem $1, a copy of hirebench-debian, through a chroot and the host's network.
#
# hirebench.ops.compose runs this (and for the app venv.sh after it) and imports the result as
# hirebench-<image>-base:<hash>; the hash covers this file and the package list. Needs root.
set -eu

rootfs=${1:?usage: install.sh ROOTFS PACKAGES_FILE}
packages=$(sed 's/#.*//' "${2:?usage: install.sh ROOTFS PACKAGES_FILE}")

in_root() {
    chroot "$rootfs" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 \
        DEBIAN_FRONTEND=noninteractive "$@"
}
cp /etc/resolv.conf "$rootfs/etc/resolv.conf"
# Snapshot mirrors serve Release files past their Valid-Until date.
apt_opts="-o Acquire::Check-Valid-Until=false -o Acquire::Languages=none -o APT::Install-Recommends=false"
# shellcheck disable=SC2086
in_root apt-get $apt_opts update
# shellcheck disable=SC2086
in_root apt-get $apt_opts -y install $packages
in_root apt-get clean

# Containers never run apt, and nobody reads docs in them. Copyright files stay, as Debian asks.
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/* "$rootfs"/var/cache/debconf/*-old \
    "$rootfs"/var/log/* "$rootfs"/tmp/* "$rootfs"/etc/resolv.conf \
    "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/*
find "$rootfs/usr/share/doc" ! -type d ! -name copyright -delete
find "$rootfs/usr/share/doc" -depth -type d -empty -delete
