#!/bin/sh
# Entry point of the MongoDB stand-in image (see its Dockerfile): the first start with a root
# user configured creates the users without authentication on the loopback interface only,
# then SecantusDB starts for real (with --auth when there is a root user). Extra arguments go
# to SecantusDB. exec: SecantusDB is PID 1 and closes WiredTiger cleanly on SIGTERM.
set -eu
data=/data/db
py=/opt/secantus/bin/python
host="${SECANTUS_HOST:-0.0.0.0}"
root_user="${MONGO_INITDB_ROOT_USERNAME:-}"

if [ -n "$root_user" ] && [ ! -e "$data/.users-created" ]; then
  if [ -n "${MONGO_INITDB_ROOT_PASSWORD_FILE:-}" ]; then
    MONGO_INITDB_ROOT_PASSWORD="$(cat "$MONGO_INITDB_ROOT_PASSWORD_FILE")"
  fi
  export MONGO_INITDB_ROOT_PASSWORD="${MONGO_INITDB_ROOT_PASSWORD:?MONGO_INITDB_ROOT_PASSWORD(_FILE) is needed with MONGO_INITDB_ROOT_USERNAME}"
  echo "secantus-entrypoint: first start: creating the users"
  "$py" -m secantus --host 127.0.0.1 --port 27017 --storage-path "$data" &
  pid=$!
  export MONGO_INIT_URI="mongodb://127.0.0.1:27017/?directConnection=true"
  "$py" - <<'PY'
import os, pymongo
c = pymongo.MongoClient(os.environ["MONGO_INIT_URI"], serverSelectionTimeoutMS=60000)
c.admin.command("createUser", os.environ["MONGO_INITDB_ROOT_USERNAME"], pwd=os.environ["MONGO_INITDB_ROOT_PASSWORD"], roles=["root"])
PY
  for script in /docker-entrypoint-initdb.d/*.py; do
    [ -e "$script" ] || continue
    echo "secantus-entrypoint: running $script"
    "$py" "$script"
  done
  kill -TERM "$pid"
  wait "$pid" || true
  touch "$data/.users-created"
  unset MONGO_INITDB_ROOT_PASSWORD
fi

auth=""
[ -n "$root_user" ] && auth="--auth"
exec "$py" -m secantus --host "$host" --port 27017 --storage-path "$data" $auth "$@"
