#!/bin/sh
# First start: create the cluster and the kadai database; then run the server in the foreground.
set -e
BIN=$(ls -d /usr/lib/postgresql/*/bin | tail -n 1)
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  "$BIN/initdb" -D "$PGDATA" -U postgres -E UTF8 --locale=C.UTF-8 --auth-local=trust --auth-host=scram-sha-256 --pwfile=/dev/stdin <<PW
${POSTGRES_PASSWORD:-kadai}
PW
  echo "listen_addresses = '*'" >> "$PGDATA/postgresql.conf"
  echo "host all all 0.0.0.0/0 scram-sha-256" >> "$PGDATA/pg_hba.conf"
  "$BIN/pg_ctl" -D "$PGDATA" -w start -o "-c listen_addresses=''"
  psql -v ON_ERROR_STOP=1 -U postgres -c "CREATE DATABASE kadai"
  "$BIN/pg_ctl" -D "$PGDATA" -w stop
fi
exec "$BIN/postgres" -D "$PGDATA"
