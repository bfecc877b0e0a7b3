"""The thin overlay pytest uses: the base settings with APP_ENV=test and test-friendly knobs."""

import os

os.environ.setdefault("APP_ENV", "test")
os.environ.setdefault("WEBHOOK_ALLOW_PRIVATE_URLS", "true")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")
os.environ.setdefault("PAYMENT_PROVIDER_URL", "")
os.environ.setdefault("TENANT_SIGNUP_TOKEN", "")

from billing_project.settings import *  # noqa: F403
from billing_project.settings import CACHES, REDIS_URL

# Fast hashing: the suite creates many users; production keeps Django's PBKDF2 default.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# A Redis database of its own so that running the suite never touches development data.
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", REDIS_URL.rsplit("/", 1)[0] + "/15")
CACHES["default"]["LOCATION"] = TEST_REDIS_URL
IDEMPOTENCY_REDIS_URL = TEST_REDIS_URL
ALERTS_REDIS_URL = TEST_REDIS_URL
CELERY_BROKER_URL = TEST_REDIS_URL
CELERY_RESULT_BACKEND = TEST_REDIS_URL
