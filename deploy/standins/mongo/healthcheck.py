"""The image's healthcheck: SecantusDB answers `hello` as a writable primary."""
import os
import sys

import pymongo

host = os.environ.get("SECANTUS_HOST", "0.0.0.0")
host = "127.0.0.1" if host in ("0.0.0.0", "") else host
client = pymongo.MongoClient(host, 27017, directConnection=True, serverSelectionTimeoutMS=5000)
sys.exit(0 if client.admin.command("hello").get("isWritablePrimary") else 1)
