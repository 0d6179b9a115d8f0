#!/bin/sh
# Builds the sandbox base root filesystem (Debian minbase + the Python data stack)
# into the empty or missing directory $1, without any container registry.
#
# hirebench.sandbox.image runs this, `docker import`s the result as
# hirebench-sandbox-base:<hash> and applies the final steps of sandbox/Dockerfile.
# The image hash covers this file, so editing PACKAGES or SUITE rebuilds the base.
# Needs root (debootstrap, chroot).
set -eu

SUITE=bookworm
# Debian's builds of what sandbox/Dockerfile pip-installs. python3-zmq depends on a
# virtual package, which debootstrap --include cannot resolve, hence apt-get below.
# The importable libraries and their versions are promised to graders as a library set:
# change hirebench/sandbox/libraries.json with this list (docs/sandbox-image.md).
PACKAGES="python3 python3-numpy python3-pandas python3-sklearn python3-ipykernel
python3-nbclient python3-nbformat python3-matplotlib"
# Empty stand-ins for dependencies that nothing in the sandbox uses at run time (see below).
# To add one of these to the image, take it off this list.
#   python3-pythran  scipy's ahead-of-time compiler: gcc, g++ and the boost headers (600 MB)
#   gdb              debugpy (ipykernel) attaches to processes with it
#   python3-pil.imagetk  matplotlib's Tk backend: Tk, Tcl and X11 (no display here)
#   libjs-jquery libjs-jquery-ui  matplotlib's WebAgg backend, which serves a browser
#   fonts-lyx        more TeX fonts; matplotlib's own data already has the cm fonts
#   python3-sympy python3-lxml unicode-data  fontTools' optional extras (symbolic fonts,
#                    UFO/XML, Unicode tables; lxml brings ICU): 110 MB matplotlib never
#                    needs, since it uses fontTools only to subset fonts for PDF and PS
STUBS="python3-pythran gdb python3-pil.imagetk libjs-jquery libjs-jquery-ui fonts-lyx
python3-sympy python3-lxml unicode-data"

rootfs=${1:?usage: build_offline.sh ROOTFS_DIR}

# Prints "URI SUITE" for every enabled deb source of the host, deb822 and one-line.
host_sources() {
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        awk '
            function flush(  n, m, i, j, u, s) {
                if (types ~ /(^|[ \t])deb([ \t]|$)/ && tolower(enabled) != "no") {
                    n = split(uris, u); m = split(suites, s)
                    for (i = 1; i <= n; i++) for (j = 1; j <= m; j++) print u[i], s[j]
                }
                types = uris = suites = enabled = ""
            }
            /^[ \t]*#/ { next }
            /^[ \t]*$/ { flush(); next }
            { key = tolower($1); val = substr($0, index($0, ":") + 1) }
            key == "types:" { types = val }
            key == "uris:" { uris = val }
            key == "suites:" { suites = val }
            key == "enabled:" { enabled = val; gsub(/[ \t]/, "", enabled) }
            END { flush() }
        ' "$f"
    done
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -f "$f" ] || continue
        awk '$1 == "deb" {
            i = 2
            if ($i ~ /^\[/) { while (i < NF && $i !~ /\]$/) i++; i++ }
            print $i, $(i + 1)
        }' "$f"
    done
}

sources=$(host_sources | sed 's#/* # #')
mirror=${HIREBENCH_DEBIAN_MIRROR:-$(printf '%s\n' "$sources" | awk -v s="$SUITE" '$2 == s { print $1; exit }')}
if [ -z "$mirror" ]; then
    echo "build_offline.sh: no '$SUITE' deb source in the host's apt sources;" \
        "set HIREBENCH_DEBIAN_MIRROR to a Debian mirror URL" >&2
    exit 2
fi

debootstrap --variant=minbase "$SUITE" "$rootfs" "$mirror"

# Same mirrors as the host for the release, its updates and its security suite.
printf '%s\n' "$sources" | awk -v s="$SUITE" '
    $2 == s || $2 == s "-updates" || $2 == s "-security" { print "deb", $1, $2, "main" }
' | sort -u > "$rootfs/etc/apt/sources.list"
[ -s "$rootfs/etc/apt/sources.list" ] || echo "deb $mirror $SUITE main" > "$rootfs/etc/apt/sources.list"
cp /etc/resolv.conf "$rootfs/etc/resolv.conf"

in_root() {
    chroot "$rootfs" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 \
        DEBIAN_FRONTEND=noninteractive "$@"
}
# Snapshot mirrors serve Release files past their Valid-Until date.
apt_opts="-o Acquire::Check-Valid-Until=false -o Acquire::Languages=none -o APT::Install-Recommends=false"
# shellcheck disable=SC2086
in_root apt-get $apt_opts update

# Empty stand-in packages satisfy the dependencies on $STUBS, which keeps a compiler, a
# debugger and a GUI toolkit out of the sandbox, with most of the size they would add.
for stub in $STUBS; do
    mkdir -p "$rootfs/tmp/stub/$stub/DEBIAN"
    printf 'Package: %s\nVersion: 999\nArchitecture: all\nMaintainer: hirebench\nDescription: %s\n' \
        "$stub" "empty stand-in, see hirebench sandbox/build_offline.sh" \
        > "$rootfs/tmp/stub/$stub/DEBIAN/control"
    in_root dpkg-deb --build "/tmp/stub/$stub" "/tmp/stub/$stub.deb"
    in_root dpkg --install "/tmp/stub/$stub.deb"
done
# shellcheck disable=SC2086
in_root apt-get $apt_opts -y --no-install-recommends install $PACKAGES
in_root apt-get clean

# The image never runs apt again, nobody reads docs in it, and candidate code never
# imports the packages' own test suites. Copyright files stay, as Debian asks.
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/* "$rootfs"/var/cache/debconf/*-old \
    "$rootfs"/var/log/* "$rootfs"/tmp/* "$rootfs"/etc/resolv.conf \
    "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* "$rootfs"/usr/share/locale/*
find "$rootfs/usr/share/doc" ! -type d ! -name copyright -delete
find "$rootfs/usr/share/doc" -depth -type d -empty -delete
find "$rootfs/usr/lib/python3/dist-packages" -depth -type d -name tests -exec rm -rf {} +
