// compose.yaml's healthcheck of "mongo" (`mongosh --nodb --quiet /deploy/healthcheck.js`, run
// as root in the container): initiates the replica set when it is not initiated yet, and
// succeeds only once this member is a writable primary. The admin password is read from the
// secrets volume here rather than passed on a command line.
//
// During the image's first-start initialisation mongod runs without --replSet and without
// users, the login fails, and so does the check (start_period covers it).

const fs = require('fs');

const password = fs.readFileSync('/secrets/mongo/mongo-admin.password', 'utf8').trim();
const admin = connect(
  `mongodb://admin:${encodeURIComponent(password)}@127.0.0.1:27017/admin` +
    '?authSource=admin&directConnection=true&serverSelectionTimeoutMS=5000',
);

// The shell may throw a command error or return it ({ ok: 0, codeName }); both look alike here.
function command(cmd) {
  try {
    return admin.adminCommand(cmd);
  } catch (e) {
    return e;
  }
}

const status = command({ replSetGetStatus: 1 });
if (status.codeName === 'NotYetInitialized') {
  const initiated = command({ replSetInitiate: { _id: 'rs0', members: [{ _id: 0, host: 'mongo:27017' }] } });
  if (initiated.ok !== 1) {
    print(`replSetInitiate failed: ${initiated.codeName || initiated.message}`);
  }
  quit(1); // primary only after an election; the next check sees it
} else if (status.ok !== 1) {
  print(`replSetGetStatus failed: ${status.codeName || status.message}`);
  quit(1);
}
if (!admin.hello().isWritablePrimary) {
  quit(1);
}
