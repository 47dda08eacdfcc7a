"""Prints every record of a topic that is there now, one value per line, then exits.

Run inside the Kafka stand-in's container of the compose stack (it reads the admin user's
password from the secrets volume and talks SASL_SSL to kafka:9092):
    docker compose exec -T kafka /opt/kafka-tools/bin/python /usr/local/lib/nisshi/read-topic.py orderevents
"""
import os
import sys

from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition

topic = sys.argv[1]
with open("/secrets/kafka/kafka-admin.password", encoding="utf-8") as f:
    password = f.read().strip()
consumer = Consumer(
    {
        "bootstrap.servers": os.environ.get("READ_TOPIC_BOOTSTRAP", "kafka:9092"),
        "security.protocol": "SASL_SSL",
        "sasl.mechanisms": "SCRAM-SHA-512",
        "sasl.username": "admin",
        "sasl.password": password,
        "ssl.ca.location": "/secrets/ca.pem",
        "group.id": "read-topic",
        "enable.auto.commit": False,
    }
)
partitions = consumer.list_topics(topic, timeout=30).topics[topic].partitions
ends = {p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=30)[1] for p in partitions}
consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in partitions])
remaining = {p for p, end in ends.items() if end > 0}
while remaining:
    message = consumer.poll(30)
    if message is None:
        sys.exit(f"read-topic: no record within 30 s; partitions left: {sorted(remaining)}")
    if message.error():
        sys.exit(f"read-topic: {message.error()}")
    print(message.value().decode("utf-8"), flush=True)
    if message.offset() + 1 >= ends[message.partition()]:
        remaining.discard(message.partition())
consumer.close()
