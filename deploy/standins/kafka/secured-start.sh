#!/bin/bash
# The secured Kafka stand-in's start, one script for its two users:
# - compose.stand-ins.yaml, service "kafka" (the defaults below): the stand-in's version of
#   deploy/kafka/start.sh and deploy/kafka/init.sh;
# - the tests' secured broker (devkit/src/containers/server.rs, `Server::kafka_secured`), which
#   sets the variables to its own files and creates no topics.
# The first start on an empty data volume creates the SCRAM-SHA-512 users (and the topics)
# through a plaintext broker on the container's loopback interface (nisshi takes users only
# without --authentication); then the broker runs TLS-only with SASL required, its data in
# SQLite on the volume. nisshi enforces no ACLs: every authenticated user may use every topic
# (deploy/kafka/init.sh's ACLs apply to the real Kafka only).
#
#   KAFKA_USERS_FILE       lines "name password"; default: admin, order-service and
#                          contact-service with the passwords of the compose secrets
#   KAFKA_TOPICS           topics to create (3 partitions each); default: the system's five
#   KAFKA_CERT, KAFKA_KEY  the broker's certificate and key (PEM); default: the compose secrets
#   KAFKA_ADVERTISED_HOST  the host name it advertises, which the certificate must name;
#                          default `kafka`. The port is that of ADVERTISED_LISTENER_URL
#                          (the image's default: 9092).
set -euo pipefail
secrets=/secrets
topics="${KAFKA_TOPICS-personevents-created personevents-changed personevents-deleted personevents-dlq orderevents}"
cert="${KAFKA_CERT:-$secrets/kafka.pem}"
key="${KAFKA_KEY:-$secrets/kafka/kafka-key.pem}"
host="${KAFKA_ADVERTISED_HOST:-kafka}"
port="${ADVERTISED_LISTENER_URL:-tcp://localhost:9092}"
port="${port##*:}"
port="${port%/}"
storage=sqlite://nisshi.db # relative to the working directory, the data volume
cd /var/lib/kafka/data

users() {
  if [ -n "${KAFKA_USERS_FILE:-}" ]; then
    cat "$KAFKA_USERS_FILE"
  else
    for user in admin order-service contact-service; do
      echo "$user $(cat "$secrets/kafka/kafka-$user.password")"
    done
  fi
}

if [ ! -e .users-created ]; then
  setup=tcp://127.0.0.1:19092
  nisshi broker --listener-url "$setup" --advertised-listener-url "$setup" --storage-engine "$storage" &
  pid=$!
  for _ in $(seq 1 100); do
    (exec 3<>/dev/tcp/127.0.0.1/19092) 2>/dev/null && break
    sleep 0.2
  done
  users | while read -r name password; do
    # nisshi takes the password as an argument; this runs once, inside the container.
    nisshi user create --broker "$setup" --mechanism scram512 "$name" "$password" >/dev/null
  done
  for topic in $topics; do
    nisshi topic create --broker "$setup" --partitions 3 "$topic"
  done
  kill -TERM "$pid"
  wait "$pid" || true
  touch .users-created
fi

exec nisshi broker --listener-url tcp://0.0.0.0:9092 --advertised-listener-url "tcp://$host:$port" \
  --storage-engine "$storage" --authentication --cert "$cert" --key "$key"
