"""The suite runs in pytest-xdist workers (`make pytest`): each worker has a test database
and a Redis database of its own, and `--shuffle-seed` orders files and tests alike in
every worker."""

from __future__ import annotations

import os
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.db import connection

from billing_project.settings_test import redis_url_of_worker
from conftest import pytest_collection_modifyitems


@pytest.mark.parametrize(
    ("url", "worker", "expected"),
    [
        ("redis://127.0.0.1:6379/15", "", "redis://127.0.0.1:6379/15"),
        ("redis://127.0.0.1:6379/15", "gw0", "redis://127.0.0.1:6379/15"),
        ("redis://127.0.0.1:6379/15", "gw1", "redis://127.0.0.1:6379/14"),
        ("redis://:secret@redis.internal:6380/10", "gw3", "redis://:secret@redis.internal:6380/7"),
    ],
)
def test_each_worker_takes_the_redis_database_n_below_the_suites(url, worker, expected):
    assert redis_url_of_worker(url, worker) == expected


def test_a_worker_past_database_0_is_refused():
    with pytest.raises(ValueError, match="no Redis database for pytest-xdist worker gw3"):
        redis_url_of_worker("redis://127.0.0.1:6379/2", "gw3")


@pytest.mark.django_db
def test_this_process_uses_its_workers_database_and_redis_database():
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    database = os.environ.get("TEST_DATABASE_NAME", "test_billing")  # settings read .env into it
    assert connection.settings_dict["NAME"] == (f"{database}_{worker}" if worker else database)
    base = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    expected = redis_url_of_worker(base, worker)
    used = {name: getattr(settings, name) for name in ("CELERY_BROKER_URL", "IDEMPOTENCY_REDIS_URL")}
    assert used | {"cache": settings.CACHES["default"]["LOCATION"]} == {
        "CELERY_BROKER_URL": expected,
        "IDEMPOTENCY_REDIS_URL": expected,
        "cache": expected,
    }


def _order(seed: int | None, nodeids: list[str]) -> list[str]:
    config = SimpleNamespace(getoption=lambda name: seed)
    items = [SimpleNamespace(nodeid=nodeid) for nodeid in nodeids]
    pytest_collection_modifyitems(config, items)
    return [item.nodeid for item in items]


NODEIDS = [f"{app}/tests/test_{n}.py::test_{t}" for app in ("plans", "usage") for n in range(3) for t in "abcd"]


def test_a_shuffle_seed_keeps_each_files_tests_together_and_is_the_same_for_the_same_seed():
    once, again, other = _order(7, NODEIDS), _order(7, NODEIDS), _order(8, NODEIDS)

    assert once == again
    assert sorted(once) == sorted(NODEIDS)
    assert once != NODEIDS
    assert other != once
    files = [nodeid.split("::")[0] for nodeid in once]
    runs = [name for i, name in enumerate(files) if i == 0 or files[i - 1] != name]
    assert len(runs) == len(set(files)) == 6  # each file's tests in one stretch


def test_without_a_seed_the_order_is_the_files():
    assert _order(None, NODEIDS) == NODEIDS
