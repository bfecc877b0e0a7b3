"""POST /usage and /usage/batch: idempotency, validation, Redis down, concurrency.
The customer `cus_42` and the sum meter `api_calls` are usage/tests/conftest.py's."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from prometheus_client import REGISTRY

from plans.models import Meter
from plans.money import format_quantity
from plans.tests.factories import MeterFactory
from subscriptions.tests.factories import CustomerFactory
from tenants.idempotency import BAD_IDEMPOTENCY_KEY
from tenants.parsers import JSON_TOO_DEEP, NULL_CHARACTER, REQUEST_TOO_LARGE
from tenants.tests.utils import concurrently as requests_concurrently
from usage import idempotency
from usage.models import UsageEvent
from usage.parsing import (
    BAD_VALUE,
    MISSING_IDEMPOTENCY_KEY,
    MISSING_UNIQUE_PROPERTY,
    PROPERTIES_MAX_BYTES,
    PROPERTIES_NOT_OBJECT,
    PROPERTIES_TOO_LARGE,
    TIMESTAMP_TOO_EARLY,
    UNKNOWN_CUSTOMER,
    UNKNOWN_METER,
)
from usage.services import BATCH_KEY_REUSED, KEY_IN_FLIGHT, KEY_REUSED
from usage.tests.factories import UsageEventFactory

pytestmark = pytest.mark.django_db


def event(**overrides):
    body = {
        "external_customer_id": "cus_42",
        "meter": "api_calls",
        "value": "1",
        "timestamp": "2026-01-15T10:00:00Z",
        "properties": {"region": "eu"},
    }
    return {**body, **overrides}


def post(client, turl, body, key="key-1"):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(turl("usage"), body, format="json", **headers)


def errors(response):
    return [(e["attr"], e["detail"]) for e in response.json()["errors"]]


def counter(outcome):
    return REGISTRY.get_sample_value("billing_usage_events_total", {"outcome": outcome}) or 0.0


def test_first_event_is_stored_and_answered_201(key_api, turl, customer, meter, tenant):
    response = post(key_api, turl, event(value="2.50"))
    assert response.status_code == 201
    body = response.json()
    stored = UsageEvent.objects.get()
    assert body == {
        "id": stored.id,
        "idempotency_key": "key-1",
        "external_customer_id": "cus_42",
        "meter": "api_calls",
        "value": "2.5",
        "timestamp": "2026-01-15T10:00:00.000000Z",
        "properties": {"region": "eu"},
        "created_at": body["created_at"],
        "revision": 1,
        "voided_at": None,
        "void_reason": "",
    }
    assert stored.tenant_id == tenant.id
    assert stored.customer_id == customer.id
    assert stored.value == Decimal("2.5")
    assert "Idempotent-Replayed" not in response


def test_defaults_value_to_one_and_timestamp_to_now(key_api, turl, customer, meter):
    before = timezone.now()
    response = post(key_api, turl, {"external_customer_id": "cus_42", "meter": "api_calls"})
    assert response.status_code == 201
    stored = UsageEvent.objects.get()
    assert stored.value == 1
    assert before <= stored.timestamp <= timezone.now()
    assert stored.properties == {}


def test_same_key_same_body_replays_the_stored_event(key_api, turl, customer, meter):
    first = post(key_api, turl, event())
    again = post(key_api, turl, event())
    assert again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert UsageEvent.objects.count() == 1


def test_replay_without_timestamp_matches_the_original(key_api, turl, customer, meter):
    body = {"external_customer_id": "cus_42", "meter": "api_calls"}
    assert post(key_api, turl, body).status_code == 201
    assert post(key_api, turl, body).status_code == 200
    assert UsageEvent.objects.count() == 1


def test_same_key_different_body_is_422(key_api, turl, customer, meter):
    post(key_api, turl, event(value="1"))
    response = post(key_api, turl, event(value="2"))
    assert response.status_code == 422
    assert errors(response) == [(None, KEY_REUSED)]
    assert UsageEvent.objects.get().value == 1


def test_same_key_different_body_is_422_even_when_redis_forgot_the_key(key_api, turl, customer, meter):
    post(key_api, turl, event(value="1"))
    idempotency.client().flushdb()
    response = post(key_api, turl, event(value="2"))
    assert response.status_code == 422
    assert UsageEvent.objects.count() == 1


def test_replay_is_200_when_redis_forgot_the_key(key_api, turl, customer, meter):
    first = post(key_api, turl, event())
    idempotency.client().flushdb()
    again = post(key_api, turl, event())
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]


def test_key_in_flight_is_409(key_api, turl, customer, meter, tenant):
    idempotency.claim(tenant.id, "key-1", "someone-else")
    response = post(key_api, turl, event())
    assert response.status_code == 409
    assert errors(response) == [(None, KEY_IN_FLIGHT)]
    assert UsageEvent.objects.count() == 0


def test_a_stored_event_leaves_only_its_short_claim_in_redis(key_api, turl, customer, meter, tenant):
    """One Redis command per new event: the claim is not rewritten once the event is
    committed, so it still says in flight and expires within the in-flight TTL; a
    duplicate asks the database (the tests above: 200 for the same body, 422 for another)."""
    assert post(key_api, turl, event()).status_code == 201
    name = idempotency._key(tenant.id, "key-1")
    assert idempotency.client().get(name).decode().startswith("p|")
    assert 0 < idempotency.client().ttl(name) <= idempotency.IN_FLIGHT_TTL_SECONDS


def test_a_claim_taken_by_a_request_that_stored_nothing_is_409_until_it_is_released(
    key_api, turl, customer, meter, tenant
):
    assert idempotency.claim(tenant.id, "key-1", "x") is idempotency.ClaimState.CLAIMED
    assert post(key_api, turl, event()).status_code == 409
    idempotency.release(tenant.id, "key-1")
    assert post(key_api, turl, event()).status_code == 201
    assert UsageEvent.objects.count() == 1


def test_keys_are_per_tenant(key_api, turl, customer, meter, other_tenant):
    other_customer = CustomerFactory(tenant=other_tenant, external_id="cus_42")
    other_meter = MeterFactory(tenant=other_tenant, code="api_calls")
    UsageEventFactory(customer=other_customer, meter=other_meter, idempotency_key="key-1", value=5)
    assert post(key_api, turl, event()).status_code == 201
    assert UsageEvent.objects.for_tenant(other_tenant).get().value == 5


def test_a_redis_claim_whose_database_write_failed_does_not_swallow_the_retry(
    key_api, turl, customer, meter, monkeypatch
):
    from usage import services

    real_insert = services._insert

    def failing_insert(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "_insert", failing_insert)
    key_api.raise_request_exception = False
    assert post(key_api, turl, event()).status_code == 500
    monkeypatch.setattr(services, "_insert", real_insert)
    retry = post(key_api, turl, event())
    assert retry.status_code == 201
    assert UsageEvent.objects.count() == 1


@pytest.fixture
def redis_down(settings):
    settings.IDEMPOTENCY_REDIS_URL = "redis://127.0.0.1:1/0"
    yield
    idempotency._client.cache_clear()


def test_ingestion_works_with_redis_down(redis_down, key_api, turl, customer, meter):
    first = post(key_api, turl, event())
    again = post(key_api, turl, event())
    other = post(key_api, turl, event(value="3"))
    assert (first.status_code, again.status_code, other.status_code) == (201, 200, 422)
    assert again.json()["id"] == first.json()["id"]
    assert UsageEvent.objects.count() == 1


@pytest.mark.parametrize(
    ("headers", "detail"),
    [
        ({}, MISSING_IDEMPOTENCY_KEY),
        ({"HTTP_IDEMPOTENCY_KEY": "x" * 256}, BAD_IDEMPOTENCY_KEY),
        ({"HTTP_IDEMPOTENCY_KEY": "tab\there"}, BAD_IDEMPOTENCY_KEY),
    ],
)
def test_bad_or_missing_idempotency_key_is_400(key_api, turl, customer, meter, headers, detail):
    response = key_api.post(turl("usage"), event(), format="json", **headers)
    assert response.status_code == 400
    assert errors(response) == [("Idempotency-Key", detail)]


@pytest.mark.parametrize(
    ("overrides", "attr"),
    [
        ({"value": "NaN"}, "value"),
        ({"value": "Infinity"}, "value"),
        ({"value": "1e400"}, "value"),
        ({"value": "-1"}, "value"),
        ({"value": "abc"}, "value"),
        ({"timestamp": "yesterday"}, "timestamp"),
        ({"properties": ["a"]}, "properties"),
        ({"meter": ""}, "meter"),
        ({"external_customer_id": None}, "external_customer_id"),
    ],
)
def test_invalid_fields_are_400_naming_the_field(key_api, turl, customer, meter, overrides, attr):
    before = counter("rejected")
    response = post(key_api, turl, event(**overrides))
    assert response.status_code == 400
    assert [a for a, _ in errors(response)] == [attr]
    assert UsageEvent.objects.count() == 0
    assert counter("rejected") == before + 1


def test_timestamp_more_than_five_minutes_ahead_is_400(key_api, turl, customer, meter):
    soon = (timezone.now() + timedelta(minutes=4)).isoformat()
    later = (timezone.now() + timedelta(minutes=6)).isoformat()
    assert post(key_api, turl, event(timestamp=soon), key="a").status_code == 201
    response = post(key_api, turl, event(timestamp=later), key="b")
    assert response.status_code == 400
    assert [a for a, _ in errors(response)] == ["timestamp"]


def test_properties_over_8kb_are_400(key_api, turl, customer, meter):
    response = post(key_api, turl, event(properties={"blob": "x" * 9000}))
    assert errors(response) == [("properties", PROPERTIES_TOO_LARGE)]


def test_properties_must_be_an_object(key_api, turl, customer, meter):
    assert errors(post(key_api, turl, event(properties="eu"))) == [("properties", PROPERTIES_NOT_OBJECT)]


def test_unknown_customer_and_meter_are_named(key_api, turl, customer, meter):
    response = post(key_api, turl, event(external_customer_id="ghost", meter="nope"))
    assert response.status_code == 400
    assert sorted(errors(response)) == [
        ("external_customer_id", UNKNOWN_CUSTOMER.format(value="ghost")),
        ("meter", UNKNOWN_METER.format(value="nope")),
    ]


def test_another_tenants_customer_is_unknown(key_api, turl, meter, other_tenant):
    CustomerFactory(tenant=other_tenant, external_id="cus_42")
    response = post(key_api, turl, event())
    assert errors(response) == [("external_customer_id", UNKNOWN_CUSTOMER.format(value="cus_42"))]


def test_unique_count_meter_needs_its_property(key_api, turl, customer, tenant):
    MeterFactory(tenant=tenant, code="users", aggregation=Meter.Aggregation.UNIQUE_COUNT, property="user_id")
    response = post(key_api, turl, event(meter="users", properties={"region": "eu"}))
    assert errors(response) == [("properties", MISSING_UNIQUE_PROPERTY.format(meter="users", prop="user_id"))]
    assert post(key_api, turl, event(meter="users", properties={"user_id": "u1"}), key="k2").status_code == 201


def test_counters_move(key_api, turl, customer, meter):
    accepted, duplicate = counter("accepted"), counter("duplicate")
    post(key_api, turl, event())
    post(key_api, turl, event())
    assert counter("accepted") == accepted + 1
    assert counter("duplicate") == duplicate + 1


# Batches


def batch_event(i, **overrides):
    return {"idempotency_key": f"b-{i}", **event(value=str(i)), **overrides}


def post_batch(client, turl, events):
    return client.post(turl("usage/batch"), {"events": events}, format="json")


def test_batch_stores_every_event_with_one_answer(key_api, turl, customer, meter):
    response = post_batch(key_api, turl, [batch_event(i) for i in range(1, 6)])
    assert response.status_code == 200
    assert response.json() == {"accepted": 5, "duplicates": 0}
    assert sorted(UsageEvent.objects.values_list("value", flat=True)) == [1, 2, 3, 4, 5]


def test_batch_counts_stored_keys_as_duplicates(key_api, turl, customer, meter):
    post_batch(key_api, turl, [batch_event(1), batch_event(2)])
    response = post_batch(key_api, turl, [batch_event(1), batch_event(2), batch_event(3)])
    assert response.json() == {"accepted": 1, "duplicates": 2}
    assert UsageEvent.objects.count() == 3


def test_batch_counts_a_key_repeated_in_the_batch_once(key_api, turl, customer, meter):
    response = post_batch(key_api, turl, [batch_event(1), batch_event(1)])
    assert response.json() == {"accepted": 1, "duplicates": 1}


def test_batch_sees_keys_stored_by_the_single_endpoint(key_api, turl, customer, meter):
    post(key_api, turl, event(value="1"), key="b-1")
    response = post_batch(key_api, turl, [batch_event(1), batch_event(2)])
    assert response.json() == {"accepted": 1, "duplicates": 1}


def test_batch_with_a_reused_key_and_another_body_is_422_and_stores_nothing(key_api, turl, customer, meter):
    post_batch(key_api, turl, [batch_event(1)])
    response = post_batch(key_api, turl, [batch_event(5), batch_event(6), batch_event(7, idempotency_key="b-1")])
    assert response.status_code == 422
    assert errors(response) == [("events.2.idempotency_key", BATCH_KEY_REUSED.format(key="b-1"))]
    assert UsageEvent.objects.count() == 1


def test_batch_repeating_a_key_with_two_bodies_is_422(key_api, turl, customer, meter):
    response = post_batch(key_api, turl, [batch_event(1), batch_event(2, idempotency_key="b-1")])
    assert response.status_code == 422
    assert errors(response)[0][0] == "events.1.idempotency_key"
    assert UsageEvent.objects.count() == 0


def test_batch_validation_is_all_or_nothing_naming_the_index(key_api, turl, customer, meter):
    events = [batch_event(i) for i in range(5)]
    events[3]["meter"] = "nope"
    response = post_batch(key_api, turl, events)
    assert response.status_code == 400
    assert errors(response) == [("events.3.meter", UNKNOWN_METER.format(value="nope"))]
    assert UsageEvent.objects.count() == 0


def test_batch_field_errors_name_the_index(key_api, turl, customer, meter):
    events = [batch_event(i) for i in range(3)]
    events[1]["value"] = "NaN"
    del events[2]["idempotency_key"]
    response = post_batch(key_api, turl, events)
    assert sorted(a for a, _ in errors(response)) == ["events.1.value", "events.2.idempotency_key"]
    assert UsageEvent.objects.count() == 0


@pytest.mark.parametrize("events", [[], "nope"])
def test_batch_needs_a_non_empty_list(key_api, turl, customer, meter, events):
    response = post_batch(key_api, turl, events)
    assert response.status_code == 400
    assert errors(response)[0][0] == "events"


def test_batch_of_more_than_1000_is_400(key_api, turl, customer, meter):
    response = post_batch(key_api, turl, [batch_event(i) for i in range(1001)])
    assert response.status_code == 400
    assert errors(response)[0][0] == "events"
    assert UsageEvent.objects.count() == 0


def test_batch_of_1000_is_accepted(key_api, turl, customer, meter):
    response = post_batch(key_api, turl, [batch_event(i) for i in range(1000)])
    assert response.json() == {"accepted": 1000, "duplicates": 0}
    assert UsageEvent.objects.count() == 1000


def test_batch_size_histogram_moves(key_api, turl, customer, meter):
    before = REGISTRY.get_sample_value("billing_usage_batch_size_count") or 0
    post_batch(key_api, turl, [batch_event(1), batch_event(2)])
    assert REGISTRY.get_sample_value("billing_usage_batch_size_count") == before + 1


# Concurrency on real threads against the real database and Redis


def concurrently(count, request, tenant, user):
    """`request(client)` from `count` real threads released at once, with the customer
    and meter the events name; their answers."""
    CustomerFactory(tenant=tenant, external_id="cus_42")
    MeterFactory(tenant=tenant, code="api_calls")
    return requests_concurrently(count, request, user)


@pytest.mark.django_db(transaction=True)
def test_32_concurrent_identical_requests_store_one_event(tenant, admin_user, turl):
    statuses = concurrently(
        32, lambda client: post(client, turl, event(), key="same-key").status_code, tenant, admin_user
    )
    assert UsageEvent.objects.filter(idempotency_key="same-key").count() == 1
    assert statuses.count(201) == 1
    assert set(statuses) <= {201, 200, 409}
    assert len(statuses) == 32


@pytest.mark.django_db(transaction=True)
def test_32_concurrent_identical_requests_store_one_event_with_redis_down(redis_down, tenant, admin_user, turl):
    statuses = concurrently(
        32, lambda client: post(client, turl, event(), key="same-key").status_code, tenant, admin_user
    )
    assert UsageEvent.objects.filter(idempotency_key="same-key").count() == 1
    assert sorted(statuses) == [200] * 31 + [201]


@pytest.mark.django_db(transaction=True)
def test_concurrent_overlapping_batches_store_each_key_once(tenant, admin_user, turl):
    results = concurrently(
        8, lambda client: post_batch(client, turl, [batch_event(i) for i in range(200)]).json(), tenant, admin_user
    )
    assert UsageEvent.objects.count() == 200
    assert sum(r["accepted"] for r in results) == 200
    assert sum(r["duplicates"] for r in results) == 7 * 200


@pytest.mark.parametrize("stamp", ["2026-01-15", "2026-01-15T10:00:00", "15/01/2026 10:00", "2026-13-45T10:00:00Z"])
def test_timestamp_must_be_rfc3339_with_an_offset(key_api, turl, customer, meter, stamp):
    response = post(key_api, turl, event(timestamp=stamp))
    assert response.status_code == 400
    assert [a for a, _ in errors(response)] == ["timestamp"]


def test_timestamp_with_an_offset_is_stored_in_utc(key_api, turl, customer, meter):
    response = post(key_api, turl, event(timestamp="2026-01-15T12:00:00+02:00"))
    assert response.json()["timestamp"] == "2026-01-15T10:00:00.000000Z"


def test_value_keeps_twelve_decimal_places(key_api, turl, customer, meter):
    assert post(key_api, turl, event(value="0.000000000001"), key="a").json()["value"] == "0.000000000001"
    assert post(key_api, turl, event(value="0.0000000000001"), key="b").status_code == 400


def test_an_event_that_is_not_an_object_is_400(key_api, turl, customer, meter):
    response = key_api.post(turl("usage"), ["nope"], format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert response.status_code == 400
    assert UsageEvent.objects.count() == 0


# Timestamps before 1970, like a subscription's start_at. Found by tenants/tests/test_fuzz.py:
# year 1 with a positive offset has no UTC datetime (it was a 500).


@pytest.mark.parametrize("stamp", ["0001-01-01T00:00:00+01:00", "0410-01-19T15:21:45+15:24", "1969-12-31T23:59:59Z"])
def test_it_rejects_a_timestamp_before_1970(api, turl, customer, meter, stamp):
    response = post(api, turl, event(timestamp=stamp))
    assert response.status_code == 400
    assert errors(response) == [("timestamp", TIMESTAMP_TOO_EARLY)]
    assert not UsageEvent.objects.exists()


def test_it_rejects_a_batch_event_before_1970_naming_its_position(api, turl, customer, meter):
    events = [event(idempotency_key="b1"), event(idempotency_key="b2", timestamp="0001-01-01T00:00:00+01:00")]
    response = api.post(turl("usage/batch"), {"events": events}, format="json")
    assert response.status_code == 400
    assert errors(response) == [("events.1.timestamp", TIMESTAMP_TOO_EARLY)]
    assert not UsageEvent.objects.exists()


def test_it_accepts_the_epoch(api, turl, customer, meter):
    response = post(api, turl, event(timestamp="1970-01-01T00:00:00Z"))
    assert response.status_code == 201
    assert response.json()["timestamp"] == "1970-01-01T00:00:00.000000Z"


# Values: one decimal parser (tenants.decimals), |value| < 10^15 with at most 12
# decimal places, so that sums of events fit an invoice (issue #11, items 6 and 16);
# a decimal string or a whole JSON number, never a float (issue #11, item 20).

BAD_VALUES = [
    "1e1000000",
    "1e-1000000",
    "1e250331866695369004172",
    "NaN",
    "-Infinity",
    "1000000000000000",  # 10^15: 16 integer digits
    "1e15",
    "0.0000000000001",
    "1_000",
    " 1",
    "1 ",
    "+1",
    ".5",
    "5.",
    "0x10",
    "١",  # an Arabic-Indic digit one, which Decimal() takes
    "",
    True,
    1e16,
    2.5,  # a float has lost digits on its way here
    1.0,
    1e-05,
    10**15,
]


@pytest.mark.parametrize("value", BAD_VALUES, ids=[repr(v) for v in BAD_VALUES])
def test_a_value_beyond_the_bounds_or_in_a_python_only_spelling_is_400(key_api, turl, customer, meter, value):
    response = post(key_api, turl, event(value=value))
    assert response.status_code == 400
    assert errors(response) == [("value", BAD_VALUE)]
    assert not UsageEvent.objects.exists()


@pytest.mark.parametrize("value", ["1e1000000", "1_000", "1000000000000000"])
def test_a_batch_value_beyond_the_bounds_is_400_naming_its_position(key_api, turl, customer, meter, value):
    response = post_batch(key_api, turl, [batch_event(1), batch_event(2, value=value)])
    assert response.status_code == 400
    assert errors(response) == [("events.1.value", BAD_VALUE)]
    assert not UsageEvent.objects.exists()


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        ("999999999999999.999999999999", "999999999999999.999999999999"),
        ("1E+3", "1000"),
        ("2.50e1", "25"),
        ("1e-05", "0.00001"),
        ("0002.500", "2.5"),
        (7, "7"),
        (0, "0"),
        ("-0", "0"),
        ("-0.000", "0"),
    ],
)
def test_a_value_within_the_bounds_is_stored(key_api, turl, customer, meter, value, stored):
    response = post(key_api, turl, event(value=value))
    assert (response.status_code, response.json()["value"]) == (201, stored)
    assert format_quantity(UsageEvent.objects.get().value) == stored


@pytest.mark.parametrize(("first", "second"), [("0", "-0"), ("1", "1.00"), ("1", 1), ("1000", "1E+3"), ("2.5", "2.50")])
def test_numerically_equal_values_under_one_key_are_a_replay(key_api, turl, customer, meter, first, second):
    created = post(key_api, turl, event(value=first))
    replayed = post(key_api, turl, event(value=second))
    assert (created.status_code, replayed.status_code) == (201, 200)
    assert replayed.headers["Idempotent-Replayed"] == "true"
    assert replayed.json()["id"] == created.json()["id"]
    assert UsageEvent.objects.count() == 1


def test_numerically_equal_values_are_a_duplicate_in_a_batch(key_api, turl, customer, meter):
    post_batch(key_api, turl, [batch_event(0, value="0")])
    response = post_batch(key_api, turl, [batch_event(0, value="-0")])
    assert (response.status_code, response.json()) == (200, {"accepted": 0, "duplicates": 1})


# NUL characters (PostgreSQL text and jsonb refuse them): refused by the JSON reader
# (tenants.parsers) with the place named, before anything reaches the database.

NUL_FIELDS = [
    ({"external_customer_id": "cus\x00"}, "external_customer_id"),
    ({"meter": "api\x00calls"}, "meter"),
    ({"properties": {"region": "e\x00u"}}, "properties.region"),
    ({"properties": {"reg\x00ion": "eu"}}, "properties"),
    ({"properties": {"nested": {"list": ["ok", "\x00"]}}}, "properties.nested.list.1"),
]


@pytest.mark.parametrize(("overrides", "attr"), NUL_FIELDS, ids=[a for _, a in NUL_FIELDS])
def test_a_nul_character_in_any_field_is_400_naming_it(key_api, turl, customer, meter, overrides, attr):
    response = post(key_api, turl, event(**overrides))
    assert response.status_code == 400
    assert errors(response) == [(attr, NULL_CHARACTER)]
    assert not UsageEvent.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "attr"),
    [*NUL_FIELDS, ({"idempotency_key": "b\x00"}, "idempotency_key")],
    ids=[a for _, a in NUL_FIELDS] + ["idempotency_key"],
)
def test_a_nul_character_in_a_batch_event_is_400_naming_its_position(key_api, turl, customer, meter, overrides, attr):
    response = post_batch(key_api, turl, [batch_event(0), batch_event(1, **overrides)])
    assert response.status_code == 400
    assert errors(response) == [(f"events.1.{attr}", NULL_CHARACTER)]
    assert not UsageEvent.objects.exists()


def test_properties_nested_1000_deep_are_400(key_api, turl, customer, meter):
    body = (
        '{"external_customer_id": "cus_42", "meter": "api_calls", "properties": ' + '{"a": ' * 1000 + "1" + "}" * 1001
    )
    response = key_api.post(turl("usage"), body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="deep")
    assert response.status_code == 400
    assert errors(response) == [(None, JSON_TOO_DEEP)]


# Body size: the default MAX_REQUEST_BODY_BYTES fits the largest batch a client should
# send in one piece, 1,000 events with 3 KB of properties each.


def big_batch(properties_bytes: int) -> list[dict[str, object]]:
    blob = "x" * (properties_bytes - len('{"blob":""}'))
    return [batch_event(i, value="1", properties={"blob": blob}) for i in range(1000)]


def test_a_batch_of_1000_events_with_3kb_of_properties_each_is_accepted(key_api, turl, customer, meter, settings):
    events = big_batch(3 * 1024)
    assert len(json.dumps({"events": events})) < settings.MAX_REQUEST_BODY_BYTES
    response = post_batch(key_api, turl, events)
    assert (response.status_code, response.json()) == (200, {"accepted": 1000, "duplicates": 0})
    assert UsageEvent.objects.count() == 1000


def test_a_batch_over_the_body_limit_is_413_and_stores_nothing(key_api, turl, customer, meter, settings):
    events = big_batch(PROPERTIES_MAX_BYTES)  # allowed per event, but 8 MB in all
    assert len(json.dumps({"events": events})) > settings.MAX_REQUEST_BODY_BYTES
    response = post_batch(key_api, turl, events)
    assert response.status_code == 413
    assert response.json() == {
        "type": "client_error",
        "errors": [
            {
                "code": "request_too_large",
                "detail": REQUEST_TOO_LARGE.format(limit=settings.MAX_REQUEST_BODY_BYTES),
                "attr": None,
            }
        ],
    }
    assert not UsageEvent.objects.exists()


def test_reference_errors_carry_a_code(key_api, turl, customer, meter):
    response = post(key_api, turl, event(external_customer_id="nobody", meter="nothing"))
    assert [(e["attr"], e["code"]) for e in response.json()["errors"]] == [
        ("external_customer_id", "does_not_exist"),
        ("meter", "does_not_exist"),
    ]


def test_a_batch_event_key_ending_in_a_newline_is_400(key_api, turl, customer, meter):
    response = post_batch(key_api, turl, [batch_event(1, idempotency_key="key-1\n")])
    assert errors(response) == [("events.0.idempotency_key", BAD_IDEMPOTENCY_KEY)]
