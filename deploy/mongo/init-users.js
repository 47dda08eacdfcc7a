// Creates one MongoDB user per service, each limited to its own database.
//
// Run by the mongo image's entrypoint from /docker-entrypoint-initdb.d/, only on the first start
// with an empty data directory, while mongod still runs standalone without authentication (the
// replica set is initiated afterwards by the healthcheck in compose.yaml). The passwords come
// from the container environment (compose.yaml passes them from .env). To change a password
// later, use db.updateUser() as the root user: this script does not run again.

function requiredEnv(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: the service users cannot be created`);
  }
  return value;
}

const users = [
  { user: 'contact_service', db: 'contacts', passwordVar: 'CONTACT_DB_PASSWORD' },
  { user: 'order_service', db: 'orders', passwordVar: 'ORDER_DB_PASSWORD' },
];

for (const { user, db: dbName, passwordVar } of users) {
  // The user lives in its own database, hence authSource=<db> in the services' URIs.
  db.getSiblingDB(dbName).createUser({
    user,
    pwd: requiredEnv(passwordVar),
    roles: [{ role: 'readWrite', db: dbName }],
  });
  print(`created user ${user} with readWrite on ${dbName}`);
}
