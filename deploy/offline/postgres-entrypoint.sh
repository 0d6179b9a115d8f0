#!/bin/sh
# The offline postgres image's entrypoint: on an empty data folder, make the cluster the way the
# official image does from POSTGRES_USER, POSTGRES_PASSWORD and POSTGRES_DB, then run the server
# as the postgres user. Local (socket) connections are trusted, as in the official image, so
# pg_isready and `docker-compose exec postgres psql` work; network ones need the password.
set -eu

if [ "$(id -u)" = 0 ]; then
    # A volume may come up owned by root: give it to postgres, then drop root for good.
    mkdir -p "$PGDATA" /var/run/postgresql
    chown postgres:postgres "$PGDATA" /var/run/postgresql
    chmod 0700 "$PGDATA"
    exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi

if [ "${1:-}" = postgres ] && [ ! -s "$PGDATA/PG_VERSION" ]; then
    : "${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD for the database superuser}"
    user=${POSTGRES_USER:-postgres}
    database=${POSTGRES_DB:-$user}
    pwfile=$(mktemp)
    printf '%s\n' "$POSTGRES_PASSWORD" > "$pwfile"
    initdb --username="$user" --pwfile="$pwfile" --auth-local=trust --auth-host=scram-sha-256 \
        --encoding=UTF8 --locale=C.UTF-8 -D "$PGDATA" >/dev/null
    rm -f "$pwfile"
    echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
    echo "listen_addresses = '*'" >> "$PGDATA/postgresql.conf"
    if [ "$database" != postgres ]; then
        printf 'CREATE DATABASE "%s" OWNER "%s";\n' "$database" "$user" \
            | postgres --single -D "$PGDATA" postgres >/dev/null
    fi
    echo "hirebench-postgres: created the cluster in $PGDATA with database $database"
fi
exec "$@"
