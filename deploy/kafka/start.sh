#!/usr/bin/env bash
# Starts an apache/kafka node secured as compose.yaml runs it (runs as the image's user
# appuser, uid 1000): builds the node's configuration from deploy/kafka/server.properties plus
# the TLS key and certificate, formats the storage on the first start with the SCRAM-SHA-512
# users, and runs the node. Two users:
# - compose.yaml's "kafka" service (the defaults below: files from the secrets volume);
# - the tests' secured broker on the upstream image (devkit/src/containers/server.rs,
#   `Server::kafka_secured`), which sets the variables to its own files.
#
#   KAFKA_BASE_PROPERTIES  default /deploy/kafka/server.properties
#   KAFKA_USERS_FILE       lines "name password"; default: admin, order-service and
#                          contact-service with the passwords of the compose secrets
#   KAFKA_CERT, KAFKA_KEY  the node's certificate and key (PEM); default: the compose secrets
#   KAFKA_ADVERTISED_HOST  when set, the client listener advertises this host with the port of
#                          ADVERTISED_LISTENER_URL (the certificate must name the host);
#                          default: server.properties' kafka:9092
#   KAFKA_EXTRA_PROPERTIES lines appended last (a later line wins)
#   CLUSTER_ID             the KRaft cluster id, used by the format
#
# The users are created only by the format, i.e. on an empty kafka-data volume: new passwords
# (a new secrets volume) need a new kafka-data volume too (`docker compose down -v`).
set -euo pipefail

secrets=/secrets
config=/tmp/kafka/server.properties
base="${KAFKA_BASE_PROPERTIES:-/deploy/kafka/server.properties}"
cert="${KAFKA_CERT:-$secrets/kafka.pem}"
key="${KAFKA_KEY:-$secrets/kafka/kafka-key.pem}"

# One PEM file as a single properties value: Java's properties format turns \n back into line
# breaks.
pem_value() {
  awk 'NF { printf "%s\\n", $0 }' "$1"
}

password() {
  local value
  value="$(cat "$secrets/kafka/$1.password")"
  [ -n "$value" ] || { echo "start.sh: $secrets/kafka/$1.password is empty" >&2; exit 1; }
  printf '%s' "$value"
}

users() {
  if [ -n "${KAFKA_USERS_FILE:-}" ]; then
    cat "$KAFKA_USERS_FILE"
  else
    for user in admin order-service contact-service; do
      echo "$user $(password "kafka-$user")"
    done
  fi
}

umask 077
mkdir -p "$(dirname "$config")"
{
  cat "$base"
  echo
  echo "ssl.keystore.key=$(pem_value "$key")"
  echo "ssl.keystore.certificate.chain=$(pem_value "$cert")"
  if [ -n "${KAFKA_ADVERTISED_HOST:-}" ]; then
    port="${ADVERTISED_LISTENER_URL:?ADVERTISED_LISTENER_URL is not set}"
    port="${port##*:}"
    echo "advertised.listeners=CLIENT://$KAFKA_ADVERTISED_HOST:${port%/},BROKER://127.0.0.1:9094"
  fi
  printf '%s\n' "${KAFKA_EXTRA_PROPERTIES:-}"
} > "$config"

# --ignore-formatted: a formatted volume keeps its cluster id and users. The passwords are
# letters and digits (labs-dev, secrets/init.sh), so they need no quoting here.
scram=()
while read -r name password; do
  scram+=(--add-scram "SCRAM-SHA-512=[name=$name,password=$password]")
done < <(users)
/opt/kafka/bin/kafka-storage.sh format --ignore-formatted \
  --config "$config" --cluster-id "${CLUSTER_ID:?CLUSTER_ID is not set}" "${scram[@]}"
unset scram

exec /opt/kafka/bin/kafka-server-start.sh "$config"
