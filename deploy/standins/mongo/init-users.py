# The stand-in's version of deploy/mongo/init-users.js (mongosh does not run on the MongoDB
# stand-in image): one user per service, each limited to its own database, with the passwords
# from the files CONTACT_DB_PASSWORD_FILE and ORDER_DB_PASSWORD_FILE name. Run once, on the
# first start, by the image's entrypoint (MONGO_INIT_URI: the server without authentication).
import os

import pymongo

client = pymongo.MongoClient(os.environ["MONGO_INIT_URI"], serverSelectionTimeoutMS=20000)
for user, database, variable in [
    ("contact_service", "contacts", "CONTACT_DB_PASSWORD_FILE"),
    ("order_service", "orders", "ORDER_DB_PASSWORD_FILE"),
]:
    with open(os.environ[variable], encoding="utf-8") as f:
        password = f.read().strip()
    if not password:
        raise SystemExit(f"{os.environ[variable]} ({variable}) is empty: the service users cannot be created")
    client[database].command("createUser", user, pwd=password, roles=[{"role": "readWrite", "db": database}])
    print(f"created user {user} with readWrite on {database}")
