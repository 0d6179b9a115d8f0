#!/bin/sh
# The offline redis image's entrypoint. Redis started without a configuration file answers only
# on loopback while it has no password (protected mode), and the other services reach it over
# the compose network; like the official image, turn that off. The port is published nowhere.
set -eu
if [ "${1:-}" = redis-server ]; then
    shift
    exec redis-server --protected-mode no "$@"
fi
exec "$@"
