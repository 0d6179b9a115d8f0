#!/usr/bin/env bash
# Install (when missing) and start the services the tests use: PostgreSQL, Redis, the Docker
# engine and Chromium. Idempotent: safe to run again. Needs root (as CI is) or sudo.
# Source it to get the HIREBENCH_TEST_* variables exported.
set -euo pipefail

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

need=()
command -v pg_ctlcluster >/dev/null 2>&1 || need+=(postgresql)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v dockerd >/dev/null 2>&1 || need+=(docker.io)
# Debian's docker-compose (1.29) runs docker-compose.yml in `make compose-test`.
command -v docker-compose >/dev/null 2>&1 || need+=(docker-compose)
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v debootstrap >/dev/null 2>&1 || need+=(debootstrap)
[ -d /usr/share/fonts/opentype/noto ] || need+=(fonts-noto-cjk)
if [ "${#need[@]}" -gt 0 ]; then
  echo "services: installing ${need[*]}"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${need[@]}"
fi

# PostgreSQL: Debian's default cluster, with a password login for the tests.
cluster_version=$(pg_lsclusters --no-header | awk 'NR==1 {print $1}')
if [ -z "$cluster_version" ]; then
  cluster_version=$(ls /usr/lib/postgresql | sort -n | tail -1)
  $SUDO pg_createcluster "$cluster_version" main
fi
if ! pg_lsclusters --no-header | awk '$1=="'"$cluster_version"'" && $2=="main"' | grep -q online; then
  $SUDO pg_ctlcluster "$cluster_version" main start
fi
for _ in $(seq 1 30); do
  pg_isready -q -h 127.0.0.1 -p 5432 && break
  sleep 1
done
as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi
}
as_postgres psql -q -v ON_ERROR_STOP=1 -c "DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'hirebench') THEN
    CREATE ROLE hirebench LOGIN CREATEDB PASSWORD 'hirebench';
  END IF; END \$\$;"
export HIREBENCH_TEST_POSTGRES_URL="postgresql+psycopg://hirebench:hirebench@127.0.0.1:5432/postgres"

# Redis on its default port, kept in memory only.
if ! redis-cli -p 6379 ping >/dev/null 2>&1; then
  redis-server --port 6379 --bind 127.0.0.1 --save "" --appendonly no --daemonize yes
fi
export HIREBENCH_TEST_REDIS_URL="redis://127.0.0.1:6379/15"

# Docker engine.
if ! docker info >/dev/null 2>&1; then
  $SUDO sh -c 'nohup dockerd >/var/log/hirebench-dockerd.log 2>&1 &'
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && break
    sleep 1
  done
fi
docker info >/dev/null 2>&1 || { echo "services: the Docker engine did not start" >&2; exit 1; }
echo "services: postgresql, redis, docker, docker-compose and chromium are ready"
