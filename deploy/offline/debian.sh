#!/bin/sh
# Debootstraps a Debian bookworm minbase into the empty or missing directory $1, with the host's
# own mirrors as its apt sources, without any container registry.
#
# hirebench.ops.compose runs this once and imports the result as hirebench-debian:<hash>; each
# image of docker-compose.offline.yml then adds its packages to a copy (install.sh). The hash
# covers this file. Needs root (debootstrap).
set -eu

SUITE=bookworm
rootfs=${1:?usage: debian.sh ROOTFS_DIR}

# "URI SUITE" for every enabled deb source of the host, one-line and deb822 alike.
sources=$(apt-get indextargets --format '$(REPO_URI) $(RELEASE)' 'Identifier: Packages' \
    'Target-Of: deb' | sed 's#/* # #' | sort -u)
mirror=${HIREBENCH_DEBIAN_MIRROR:-$(printf '%s\n' "$sources" | awk -v s="$SUITE" '$2 == s { print $1; exit }')}
if [ -z "$mirror" ]; then
    echo "debian.sh: no '$SUITE' deb source in the host's apt sources;" \
        "set HIREBENCH_DEBIAN_MIRROR to a Debian mirror URL" >&2
    exit 2
fi

debootstrap --variant=minbase "$SUITE" "$rootfs" "$mirror"

printf '%s\n' "$sources" | awk -v s="$SUITE" '
    $2 == s || $2 == s "-updates" || $2 == s "-security" { print "deb", $1, $2, "main" }
' > "$rootfs/etc/apt/sources.list"
[ -s "$rootfs/etc/apt/sources.list" ] || echo "deb $mirror $SUITE main" > "$rootfs/etc/apt/sources.list"

# Packages install into a chroot and later run as containers: no init system starts services
# at install time, and PostgreSQL's cluster is made by the image's entrypoint on its volume at
# first start (postgres-entrypoint.sh), not by postgresql-common's postinst in the image.
printf '#!/bin/sh\nexit 101\n' > "$rootfs/usr/sbin/policy-rc.d"
chmod 0755 "$rootfs/usr/sbin/policy-rc.d"
mkdir -p "$rootfs/etc/postgresql-common"
echo "create_main_cluster = false" > "$rootfs/etc/postgresql-common/createcluster.conf"

rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/log/*
