#!/usr/bin/env bash
# Entry point of compose.yaml's "kafka" service (apache/kafka:3.8.0, runs as its user appuser,
# uid 1000): builds the node's configuration from deploy/kafka/server.properties plus the TLS
# key and certificate from the secrets volume, formats the storage on the first start with the
# SCRAM-SHA-512 users, and runs the node.
#
# The users are created only by the format, i.e. on an empty kafka-data volume: new passwords
# (a new secrets volume) need a new kafka-data volume too (`docker compose down -v`).
set -euo pipefail

secrets=/secrets
config=/tmp/kafka/server.properties

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

umask 077
mkdir -p "$(dirname "$config")"
{
  cat /deploy/kafka/server.properties
  echo
  echo "ssl.keystore.key=$(pem_value "$secrets/kafka/kafka-key.pem")"
  echo "ssl.keystore.certificate.chain=$(pem_value "$secrets/kafka.pem")"
} > "$config"

# --ignore-formatted: a formatted volume keeps its cluster id and users. The passwords are
# letters and digits (labs-dev, secrets/init.sh), so they need no quoting here.
admin_password="$(password kafka-admin)"
order_password="$(password kafka-order-service)"
contact_password="$(password kafka-contact-service)"
/opt/kafka/bin/kafka-storage.sh format --ignore-formatted \
  --config "$config" --cluster-id "${CLUSTER_ID:?CLUSTER_ID is not set}" \
  --add-scram "SCRAM-SHA-512=[name=admin,password=$admin_password]" \
  --add-scram "SCRAM-SHA-512=[name=order-service,password=$order_password]" \
  --add-scram "SCRAM-SHA-512=[name=contact-service,password=$contact_password]"
unset admin_password order_password contact_password

exec /opt/kafka/bin/kafka-server-start.sh "$config"
