// Creates one MongoDB user per service, each limited to its own database.
//
// Run by the mongo image's entrypoint from /docker-entrypoint-initdb.d/, only on the first start
// with an empty data directory, while mongod still runs standalone without authentication (the
// replica set is initiated afterwards by the healthcheck, deploy/mongo/healthcheck.js). The
// passwords are read from the files named by CONTACT_DB_PASSWORD_FILE and ORDER_DB_PASSWORD_FILE:
// compose.yaml points them at /secrets/mongo/, written by the secrets-init service from the
// passwords labs-dev generated, the same ones the services' connection URIs carry. To change a
// password later, use db.updateUser() as the admin user: this script does not run again.

const fs = require('fs');

function passwordFromFile(variable) {
  const path = process.env[variable];
  if (!path) {
    throw new Error(`${variable} is not set: the service users cannot be created`);
  }
  const value = fs.readFileSync(path, 'utf8').trim();
  if (!value) {
    throw new Error(`${path} (${variable}) is empty: the service users cannot be created`);
  }
  return value;
}

const users = [
  { user: 'contact_service', db: 'contacts', passwordFileVar: 'CONTACT_DB_PASSWORD_FILE' },
  { user: 'order_service', db: 'orders', passwordFileVar: 'ORDER_DB_PASSWORD_FILE' },
];

for (const { user, db: dbName, passwordFileVar } of users) {
  // The user lives in its own database, hence authSource=<db> in the services' URIs.
  db.getSiblingDB(dbName).createUser({
    user,
    pwd: passwordFromFile(passwordFileVar),
    roles: [{ role: 'readWrite', db: dbName }],
  });
  print(`created user ${user} with readWrite on ${dbName}`);
}
