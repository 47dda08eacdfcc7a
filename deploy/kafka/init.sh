#!/usr/bin/env bash
# compose.yaml, service "kafka-init" (apache/kafka:3.8.0, as appuser): creates the topics and
# the ACLs, as the super user "admin" over SASL_SSL, then exits. Every step is idempotent
# (--if-not-exists; adding an ACL that exists changes nothing), so it runs on every `up`.
#
# Each service gets exactly what it does (src/kafka.rs, src/contact, src/order):
#   contact-service  WRITE the three person topics (its outbox relay), CREATE them (its
#                    ensure_topics at start answers TOPIC_AUTHORIZATION_FAILED without it, even
#                    when the topic exists), IDEMPOTENT_WRITE on the cluster (idempotent producer).
#   order-service    READ the three person topics and the consumer group "order-service"
#                    (person sync), WRITE orderevents (outbox relay) and personevents-dlq (dead
#                    letters), CREATE all five (ensure_topics), IDEMPOTENT_WRITE on the cluster.
# READ and WRITE imply DESCRIBE. Nothing else is allowed (allow.everyone.if.no.acl.found=false):
# the order service cannot write person events, the contact service cannot read anything.
set -euo pipefail

bootstrap=kafka:9092
admin_config=/secrets/kafka/admin-client.properties
person_topics=(--topic personevents-created --topic personevents-changed --topic personevents-deleted)
order_topics=(--topic orderevents --topic personevents-dlq)

topics() { /opt/kafka/bin/kafka-topics.sh --bootstrap-server "$bootstrap" --command-config "$admin_config" "$@"; }
acls() { /opt/kafka/bin/kafka-acls.sh --bootstrap-server "$bootstrap" --command-config "$admin_config" "$@"; }

for topic in personevents-created personevents-changed personevents-deleted personevents-dlq orderevents; do
  topics --create --if-not-exists --topic "$topic" --partitions 3 --replication-factor 1
done

# contact-service
acls --add --allow-principal User:contact-service \
  --operation Write --operation Describe --operation Create "${person_topics[@]}"
acls --add --allow-principal User:contact-service --operation IdempotentWrite --cluster

# order-service
acls --add --allow-principal User:order-service \
  --operation Read --operation Describe --operation Create "${person_topics[@]}"
acls --add --allow-principal User:order-service --operation Read --group order-service
acls --add --allow-principal User:order-service \
  --operation Write --operation Describe --operation Create "${order_topics[@]}"
acls --add --allow-principal User:order-service --operation IdempotentWrite --cluster

topics --describe
acls --list
