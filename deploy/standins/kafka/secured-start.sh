#!/bin/bash
# compose.stand-ins.yaml, service "kafka": the stand-in's version of deploy/kafka/start.sh and
# deploy/kafka/init.sh. The first start on an empty kafka-data volume creates the SCRAM-SHA-512
# users admin, order-service and contact-service (passwords from the secrets volume) and the
# topics, through a plaintext broker on the container's loopback interface (nisshi takes users
# only without --authentication); then the broker runs TLS-only with SASL required on
# kafka:9092, its data in SQLite on the volume. nisshi enforces no ACLs: every authenticated
# user may use every topic (deploy/kafka/init.sh's ACLs apply to the real Kafka only).
set -euo pipefail
secrets=/secrets
storage=sqlite://nisshi.db # relative to the working directory, the data volume
cd /var/lib/kafka/data

if [ ! -e .users-created ]; then
  setup=tcp://127.0.0.1:19092
  nisshi broker --listener-url "$setup" --advertised-listener-url "$setup" --storage-engine "$storage" &
  pid=$!
  for _ in $(seq 1 100); do
    (exec 3<>/dev/tcp/127.0.0.1/19092) 2>/dev/null && break
    sleep 0.2
  done
  for user in admin order-service contact-service; do
    # nisshi takes the password as an argument; this runs once, inside the container.
    nisshi user create --broker "$setup" --mechanism scram512 "$user" "$(cat "$secrets/kafka/kafka-$user.password")"
  done
  for topic in personevents-created personevents-changed personevents-deleted personevents-dlq orderevents; do
    nisshi topic create --broker "$setup" --partitions 3 "$topic"
  done
  kill -TERM "$pid"
  wait "$pid" || true
  touch .users-created
fi

exec nisshi broker --listener-url tcp://0.0.0.0:9092 --advertised-listener-url tcp://kafka:9092 \
  --storage-engine "$storage" --authentication --cert "$secrets/kafka.pem" --key "$secrets/kafka/kafka-key.pem"
