#!/bin/sh
# compose.yaml, service `secrets-init`: creates the development secrets in the `secrets` volume
# (mounted at /secrets) and hands each secret to the one container user that reads it. Runs as
# root in the dev-tools image on every `docker compose up`; files that exist are kept, so the
# secrets (and the users created from them on the first start) stay the same until the volumes
# are removed together (`docker compose down -v`).
#
# What it leaves in /secrets (every other container mounts the volume read-only):
#   ca.pem, contact-service.pem, order-service.pem, kafka.pem, jwks.json   public, mode 0644
#   ca-key.pem, jwt-signing-key.pem, *.password (labs-dev's originals)     root only, 0600
#   contact-service/  uid 10001  key.pem, mongodb-uri, kafka.password
#   order-service/    uid 10002  key.pem, mongodb-uri, kafka.password
#   mongo/            uid 999    mongo-admin.password, mongo-{contact,order}-service.password
#   kafka/            uid 1000   kafka-key.pem, kafka-{admin,contact-service,order-service}.password,
#                                admin-client.properties (for kafka-init)
#   grafana/          uid 472    admin.password
# The uids are those of the images' users (mongo:7.0 mongodb, apache/kafka appuser,
# grafana/grafana grafana) and the ones compose.yaml runs the two services as.
set -eu

dir=/secrets
# The replica set's name in the services' URIs: rs0 (compose.yaml's mongod --replSet); the
# MongoDB stand-in names itself secantus (deploy/standins/compose.stand-ins.yaml sets it).
replica_set="${MONGO_REPLICA_SET:-rs0}"
contact_uid=10001
order_uid=10002
mongo_uid=999
kafka_uid=1000
grafana_uid=472

# CA and certificates, JWT signing key and JWKS, passwords of mongo-admin,
# mongo-{order,contact}-service and kafka-{order,contact}-service (devkit/).
umask 022
labs-dev init "$dir"
chmod 0755 "$dir"
chmod 0644 "$dir/ca.pem" "$dir/contact-service.pem" "$dir/order-service.pem" "$dir/kafka.pem" "$dir/jwks.json"

umask 077
# The passwords labs-dev does not know about: Kafka's admin user (topics and ACLs only) and
# Grafana's admin. Letters and digits, like labs-dev's.
for name in kafka-admin grafana-admin; do
  if [ ! -s "$dir/$name.password" ]; then
    head -c 48 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 32 > "$dir/$name.password.tmp"
    mv "$dir/$name.password.tmp" "$dir/$name.password"
  fi
done

# subdir NAME UID GID: an existing or new directory only UID can read.
subdir() {
  mkdir -p "$dir/$1"
  chown "$2:$3" "$dir/$1"
  chmod 0500 "$dir/$1"
}

# put SOURCE DEST UID GID: copies SOURCE to DEST, readable by UID only (replaced atomically).
put() {
  cp "$1" "$2.tmp"
  chown "$3:$4" "$2.tmp"
  chmod 0400 "$2.tmp"
  mv -f "$2.tmp" "$2"
}

# write DEST UID GID: stdin to DEST, readable by UID only.
write() {
  cat > "$1.tmp"
  chown "$2:$3" "$1.tmp"
  chmod 0400 "$1.tmp"
  mv -f "$1.tmp" "$1"
}

password() {
  cat "$dir/$1.password"
}

# The services: their private key, their MongoDB URI (it holds the password, hence a file:
# <PREFIX>_MONGODB__URI_FILE) and their Kafka password. Each user lives in its own database
# (deploy/mongo/init-users.js), hence authSource=<database>.
subdir contact-service "$contact_uid" "$contact_uid"
put "$dir/contact-service-key.pem" "$dir/contact-service/key.pem" "$contact_uid" "$contact_uid"
put "$dir/kafka-contact-service.password" "$dir/contact-service/kafka.password" "$contact_uid" "$contact_uid"
printf 'mongodb://contact_service:%s@mongo:27017/contacts?replicaSet=%s&authSource=contacts' \
  "$(password mongo-contact-service)" "$replica_set" | write "$dir/contact-service/mongodb-uri" "$contact_uid" "$contact_uid"

subdir order-service "$order_uid" "$order_uid"
put "$dir/order-service-key.pem" "$dir/order-service/key.pem" "$order_uid" "$order_uid"
put "$dir/kafka-order-service.password" "$dir/order-service/kafka.password" "$order_uid" "$order_uid"
printf 'mongodb://order_service:%s@mongo:27017/orders?replicaSet=%s&authSource=orders' \
  "$(password mongo-order-service)" "$replica_set" | write "$dir/order-service/mongodb-uri" "$order_uid" "$order_uid"

# MongoDB: the root user's password (MONGO_INITDB_ROOT_PASSWORD_FILE, healthcheck) and the
# service users' passwords (init-users.js).
subdir mongo "$mongo_uid" "$mongo_uid"
for name in mongo-admin mongo-contact-service mongo-order-service; do
  put "$dir/$name.password" "$dir/mongo/$name.password" "$mongo_uid" "$mongo_uid"
done

# Kafka: the broker's TLS key and the SCRAM users' passwords (deploy/kafka/start.sh), and the
# admin client's settings (deploy/kafka/init.sh).
subdir kafka "$kafka_uid" "$kafka_uid"
put "$dir/kafka-key.pem" "$dir/kafka/kafka-key.pem" "$kafka_uid" "$kafka_uid"
for name in kafka-admin kafka-contact-service kafka-order-service; do
  put "$dir/$name.password" "$dir/kafka/$name.password" "$kafka_uid" "$kafka_uid"
done
write "$dir/kafka/admin-client.properties" "$kafka_uid" "$kafka_uid" <<PROPERTIES
security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$(password kafka-admin)";
ssl.truststore.type=PEM
ssl.truststore.location=$dir/ca.pem
PROPERTIES

# Grafana (GF_SECURITY_ADMIN_PASSWORD__FILE); the image runs as 472:0.
subdir grafana "$grafana_uid" 0
put "$dir/grafana-admin.password" "$dir/grafana/admin.password" "$grafana_uid" 0

echo "secrets-init: development secrets ready in $dir"
