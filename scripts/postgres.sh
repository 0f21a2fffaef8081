#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the test suite, from Debian's packages.
#
#   eval "$(scripts/postgres.sh start)"   # prints DURANDWATCH_TEST_POSTGRES=... and PGCLUSTER=...
#   scripts/postgres.sh stop "$PGCLUSTER"
#
# The cluster lives in a new temporary folder, listens on a free port of 127.0.0.1 only,
# and runs as the unprivileged 'postgres' user that Debian's package creates (PostgreSQL
# refuses to run as root). Nothing outside the folder is touched; 'stop' removes it.
set -euo pipefail

bindir() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [[ -z "$dir" ]]; then
    echo "postgres.sh: no PostgreSQL server (apt-get install postgresql)" >&2
    exit 1
  fi
  echo "$dir"
}

as_postgres() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

case "${1:-}" in
  start)
    bin=$(bindir)
    folder=$(mktemp -d /tmp/durandwatch-pg.XXXXXX)
    chmod 755 "$folder"
    [[ $(id -u) -eq 0 ]] && chown postgres: "$folder"
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    as_postgres "$bin/initdb" -D "$folder/data" -U durandwatch -A trust -E UTF8 --no-locale >"$folder/initdb.log"
    as_postgres "$bin/pg_ctl" -D "$folder/data" -l "$folder/server.log" -w -t 60 \
      -o "-p $port -k $folder -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" \
      start >/dev/null
    as_postgres "$bin/createdb" -h 127.0.0.1 -p "$port" -U durandwatch durandwatch
    echo "export DURANDWATCH_TEST_POSTGRES=postgresql://durandwatch@127.0.0.1:$port/durandwatch"
    echo "export PGCLUSTER=$folder"
    ;;
  stop)
    folder=${2:?"usage: postgres.sh stop FOLDER"}
    [[ -d "$folder/data" ]] || exit 0
    as_postgres "$(bindir)/pg_ctl" -D "$folder/data" -m fast -w stop >/dev/null || true
    rm -rf "$folder"
    ;;
  *)
    echo "usage: postgres.sh start | stop FOLDER" >&2
    exit 2
    ;;
esac
