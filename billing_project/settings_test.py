"""The thin overlay pytest uses: the base settings with APP_ENV=test and test-friendly knobs."""

import os

os.environ.setdefault("APP_ENV", "test")
os.environ.setdefault("WEBHOOK_ALLOW_PRIVATE_URLS", "true")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")
os.environ.setdefault("PAYMENT_PROVIDER_URL", "")
os.environ.setdefault("TENANT_SIGNUP_TOKEN", "")

from billing_project.settings import *  # noqa: F403
from billing_project.settings import CACHES, DATABASES, REDIS_URL

# Fast hashing: the suite creates many users; production keeps Django's PBKDF2 default.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# A Redis database of its own so that running the suite never touches development data.
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", REDIS_URL.rsplit("/", 1)[0] + "/15")


def redis_url_of_worker(url: str, worker: str) -> str:
    """The Redis database of one pytest-xdist worker: `gwN` takes N below the suite's
    (15, 14, 13, … by default), so that workers never flush or consume each other's
    cache, idempotency keys or Celery queue. A serial run (no worker) keeps `url`."""
    if not worker:
        return url
    base, _, number = url.rpartition("/")
    database = int(number or 0) - int(worker.removeprefix("gw"))
    if database < 0:
        raise ValueError(f"TEST_REDIS_URL {url!r} leaves no Redis database for pytest-xdist worker {worker}")
    return f"{base}/{database}"


# Set by pytest-xdist in each worker before settings load; inherited by the servers and
# Celery workers the tests start, so they share their worker's database.
TEST_REDIS_URL = redis_url_of_worker(TEST_REDIS_URL, os.environ.get("PYTEST_XDIST_WORKER", ""))
CACHES["default"]["LOCATION"] = TEST_REDIS_URL
IDEMPOTENCY_REDIS_URL = TEST_REDIS_URL
ALERTS_REDIS_URL = TEST_REDIS_URL
CELERY_BROKER_URL = TEST_REDIS_URL
CELERY_RESULT_BACKEND = TEST_REDIS_URL

# The read replica's alias exists in tests as a mirror of the test database (a second
# connection to it), whether REPLICA_DATABASE_URL is set or not; nothing is routed there
# unless a test sets DATABASE_REPLICA = "replica" (billing_project/tests/test_db_router.py):
# the suite's tests run inside a transaction the second connection could not see.
DATABASES["replica"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}
DATABASE_REPLICA = None
