#!/usr/bin/env bash
# Wraps the mongo image's entrypoint: makes sure the replica-set keyfile exists with the
# ownership and mode mongod insists on (owned by the mongodb user, uid/gid 999, mode 400),
# then hands over to docker-entrypoint.sh with the original command.
#
# The keyfile is generated once, into a volume, on the first start. Members of a replica set
# must share one keyfile; this stack has a single member, so generating it locally is enough.
set -euo pipefail

keyfile="${MONGO_KEYFILE:-/data/keyfile/mongo-keyfile}"

if [ "$(id -u)" = '0' ]; then
  mkdir -p "$(dirname "$keyfile")"
  if [ ! -s "$keyfile" ]; then
    # 756 base64 characters: within mongod's limit of 6 to 1024 characters of the base64 set.
    umask 077
    head -c 567 /dev/urandom | base64 -w 0 > "$keyfile"
    echo "keyfile-entrypoint: generated $keyfile"
  fi
  chown 999:999 "$keyfile"
  chmod 400 "$keyfile"
elif [ ! -r "$keyfile" ]; then
  echo "keyfile-entrypoint: $keyfile is missing or unreadable and this container does not run as root" >&2
  exit 1
fi

exec /usr/local/bin/docker-entrypoint.sh "$@"
