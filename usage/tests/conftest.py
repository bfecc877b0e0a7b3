"""Fixtures of the usage API tests: cus_42 and the `api_calls` sum meter they name,
and a fresh reference cache (usage.selectors remembers customers and meters a minute)."""

import pytest

from plans.models import Meter
from plans.tests.factories import MeterFactory
from subscriptions.tests.factories import CustomerFactory
from usage.selectors import clear_reference_cache


@pytest.fixture(autouse=True)
def _fresh_references():
    clear_reference_cache()
    yield
    clear_reference_cache()


@pytest.fixture
def customer(tenant):
    return CustomerFactory(tenant=tenant, external_id="cus_42")


@pytest.fixture
def meter(tenant):
    return MeterFactory(tenant=tenant, code="api_calls", aggregation=Meter.Aggregation.SUM)
