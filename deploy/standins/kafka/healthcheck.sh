#!/bin/bash
# The Kafka stand-in's healthcheck: the broker's listener (LISTENER_URL) accepts a connection.
port="${LISTENER_URL##*:}"
exec 3<>"/dev/tcp/127.0.0.1/${port%/}"
