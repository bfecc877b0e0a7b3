"""POST …/usage/{id}/void and /amend, GET …/usage/{id}/revisions (issue #15, item 1):
revisions kept with actor and reason, 400 for what never changes, 409 for a voided
event, idempotent replays, voided events counted nowhere. Billing of corrections:
invoices/tests/test_corrections.py."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from plans.models import Meter
from plans.tests.factories import MeterFactory
from subscriptions.tests.factories import CustomerFactory
from tenants.tests.utils import concurrently
from usage.models import UsageEvent, UsageEventRevision
from usage.parsing import BAD_REASON, BAD_VALUE, IMMUTABLE_FIELD, MISSING_UNIQUE_PROPERTY
from usage.services import ALREADY_VOIDED, AMEND_VOIDED, USAGE_EVENT_NOT_FOUND
from usage.tests.test_ingest_api import event

pytestmark = pytest.mark.django_db

BODY = event(value="5")  # cus_42's 5 api_calls on 2026-01-15, region eu


@pytest.fixture
def stored(api, turl, customer, meter):
    """The event of BODY, ingested with the key `evt-1`: its answer's body."""
    response = api.post(turl("usage"), BODY, format="json", HTTP_IDEMPOTENCY_KEY="evt-1")
    assert response.status_code == 201
    return response.json()


def errors(response):
    return [(e["attr"], e["code"], e["detail"]) for e in response.json()["errors"]]


def test_void_answers_the_event_voided_and_keeps_it(api, turl, stored, admin_user):
    response = api.post(turl(f"usage/{stored['id']}/void"), {"reason": "duplicate send"}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["voided_at"] is not None
    assert (body["void_reason"], body["revision"], body["value"]) == ("duplicate send", 2, "5")
    assert {k: body[k] for k in ("id", "idempotency_key", "timestamp", "external_customer_id", "meter")} == {
        k: stored[k] for k in ("id", "idempotency_key", "timestamp", "external_customer_id", "meter")
    }
    event = UsageEvent.objects.get()
    assert event.voided_at is not None and event.seq > 0
    revisions = api.get(turl(f"usage/{stored['id']}/revisions")).json()
    assert revisions["next"] is None and revisions["previous"] is None
    assert [(r["revision"], r["action"], r["value"], r["actor"], r["reason"]) for r in revisions["results"]] == [
        (1, "created", "5", "", ""),
        (2, "voided", "5", f"user:{admin_user.pk}", "duplicate send"),
    ]
    assert revisions["results"][0]["created_at"] == stored["created_at"]


def test_a_second_void_is_409_and_changes_nothing(api, turl, stored):
    api.post(turl(f"usage/{stored['id']}/void"), {"reason": "first"}, format="json")
    before = UsageEvent.objects.get()
    response = api.post(turl(f"usage/{stored['id']}/void"), {"reason": "second"}, format="json")
    assert response.status_code == 409
    assert errors(response) == [(None, "already_voided", ALREADY_VOIDED)]
    after = UsageEvent.objects.get()
    assert (after.seq, after.revision, after.void_reason) == (before.seq, 2, "first")
    assert UsageEventRevision.objects.count() == 2


def test_amend_keeps_every_revision_with_its_actor_and_reason(api, key_api, turl, stored, admin_user):
    first = api.post(turl(f"usage/{stored['id']}/amend"), {"value": "7.5", "reason": "meter fix"}, format="json")
    assert first.status_code == 200
    assert (first.json()["value"], first.json()["revision"], first.json()["properties"]) == ("7.5", 2, {"region": "eu"})
    second = key_api.post(
        turl(f"usage/{stored['id']}/amend"), {"properties": {"region": "us"}, "reason": "wrong region"}, format="json"
    )
    assert (second.json()["value"], second.json()["revision"], second.json()["properties"]) == (
        "7.5",
        3,
        {"region": "us"},
    )
    event = UsageEvent.objects.get()
    assert (event.value, event.properties, event.revision) == (Decimal("7.5"), {"region": "us"}, 3)
    results = api.get(turl(f"usage/{stored['id']}/revisions")).json()["results"]
    assert [(r["revision"], r["action"], r["value"], r["properties"], r["reason"]) for r in results] == [
        (1, "created", "5", {"region": "eu"}, ""),
        (2, "amended", "7.5", {"region": "eu"}, "meter fix"),
        (3, "amended", "7.5", {"region": "us"}, "wrong region"),
    ]
    assert results[1]["actor"] == f"user:{admin_user.pk}"
    assert results[2]["actor"].startswith("apikey:")


def test_an_amend_or_void_takes_a_new_storage_number(api, turl, stored):
    seq = UsageEvent.objects.get().seq
    api.post(turl(f"usage/{stored['id']}/amend"), {"value": "6", "reason": "r"}, format="json")
    amended = UsageEvent.objects.get().seq
    api.post(turl(f"usage/{stored['id']}/void"), {"reason": "r"}, format="json")
    assert seq < amended < UsageEvent.objects.get().seq


def test_an_event_never_corrected_is_its_own_revision_1_and_ingestion_writes_no_revision(api, turl, stored):
    assert not UsageEventRevision.objects.exists()
    results = api.get(turl(f"usage/{stored['id']}/revisions")).json()["results"]
    assert results == [
        {
            "revision": 1,
            "action": "created",
            "value": "5",
            "properties": {"region": "eu"},
            "actor": "",
            "reason": "",
            "created_at": stored["created_at"],
        }
    ]


@pytest.mark.parametrize(
    ("field", "value"),
    [("timestamp", "2026-01-16T10:00:00Z"), ("external_customer_id", "cus_43"), ("meter", "other")],
)
def test_amend_refuses_to_change_what_places_the_event(api, turl, stored, field, value):
    response = api.post(turl(f"usage/{stored['id']}/amend"), {field: value, "value": "2", "reason": "r"}, format="json")
    assert response.status_code == 400
    assert errors(response) == [(field, "immutable", IMMUTABLE_FIELD.format(name=field))]
    assert UsageEvent.objects.get().value == Decimal(5)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"value": "2"}, [("reason", "required", BAD_REASON)]),
        ({"value": "2", "reason": ""}, [("reason", "invalid", BAD_REASON)]),
        ({"value": "2", "reason": 5}, [("reason", "invalid", BAD_REASON)]),
        ({"value": "2", "reason": "x" * 501}, [("reason", "invalid", BAD_REASON)]),
        ({"value": "-1", "reason": "r"}, [("value", "invalid", BAD_VALUE)]),
        ({"value": 2.5, "reason": "r"}, [("value", "invalid", BAD_VALUE)]),
        ({"properties": [1], "reason": "r"}, [("properties", "invalid", "properties must be a JSON object.")]),
    ],
)
def test_amend_input_errors_name_the_field(api, turl, stored, body, expected):
    response = api.post(turl(f"usage/{stored['id']}/amend"), body, format="json")
    assert response.status_code == 400
    assert errors(response) == expected
    assert UsageEvent.objects.get().revision == 1


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": None}, []])
def test_void_needs_a_reason(api, turl, stored, body):
    response = api.post(turl(f"usage/{stored['id']}/void"), body, format="json")
    assert response.status_code == 400
    assert [e[0] for e in errors(response)] == ["reason"]
    assert UsageEvent.objects.get().voided_at is None


def test_a_unique_count_event_keeps_its_property(api, turl, customer, tenant):
    MeterFactory(tenant=tenant, code="users", aggregation=Meter.Aggregation.UNIQUE_COUNT, property="user")
    body = {**BODY, "meter": "users", "properties": {"user": "u1"}}
    event_id = api.post(turl("usage"), body, format="json", HTTP_IDEMPOTENCY_KEY="u-1").json()["id"]
    response = api.post(turl(f"usage/{event_id}/amend"), {"properties": {"x": 1}, "reason": "r"}, format="json")
    assert response.status_code == 400
    message = MISSING_UNIQUE_PROPERTY.format(meter="users", prop="user")
    assert errors(response) == [("properties", "required", message)]
    ok = api.post(turl(f"usage/{event_id}/amend"), {"properties": {"user": "u2"}, "reason": "r"}, format="json")
    assert ok.json()["properties"] == {"user": "u2"}


def test_a_voided_event_cannot_be_amended(api, turl, stored):
    api.post(turl(f"usage/{stored['id']}/void"), {"reason": "r"}, format="json")
    response = api.post(turl(f"usage/{stored['id']}/amend"), {"value": "1", "reason": "r"}, format="json")
    assert response.status_code == 409
    assert errors(response) == [(None, "voided", AMEND_VOIDED)]


@pytest.mark.parametrize("route", ["void", "amend", "revisions"])
def test_an_unknown_event_is_404(api, turl, route):
    call = api.get if route == "revisions" else api.post
    response = call(turl(f"usage/999999/{route}"), {"value": "1", "reason": "r"}, format="json")
    assert response.status_code == 404
    assert response.json()["errors"][0]["detail"] == USAGE_EVENT_NOT_FOUND


def test_a_replay_of_the_ingestion_answers_the_current_event(api, turl, stored):
    api.post(turl(f"usage/{stored['id']}/amend"), {"value": "9", "reason": "r"}, format="json")
    replay = api.post(turl("usage"), BODY, format="json", HTTP_IDEMPOTENCY_KEY="evt-1")
    assert replay.status_code == 200
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert (replay.json()["id"], replay.json()["value"], replay.json()["revision"]) == (stored["id"], "9", 2)
    other = api.post(turl("usage"), {**BODY, "value": "9"}, format="json", HTTP_IDEMPOTENCY_KEY="evt-1")
    assert other.status_code == 422  # the amended body is not the key's body
    assert UsageEvent.objects.count() == 1


def test_a_replayed_correction_request_is_applied_once(api, turl, stored):
    url = turl(f"usage/{stored['id']}/amend")
    first = api.post(url, {"value": "6", "reason": "r"}, format="json", HTTP_IDEMPOTENCY_KEY="fix-1")
    again = api.post(url, {"value": "6", "reason": "r"}, format="json", HTTP_IDEMPOTENCY_KEY="fix-1")
    assert again.status_code == 200 and again.json() == first.json()
    assert UsageEvent.objects.get().revision == 2
    void = turl(f"usage/{stored['id']}/void")
    voided = api.post(void, {"reason": "r"}, format="json", HTTP_IDEMPOTENCY_KEY="void-1")
    assert api.post(void, {"reason": "r"}, format="json", HTTP_IDEMPOTENCY_KEY="void-1").json() == voided.json()


def test_voided_events_count_nowhere(api, turl, stored, customer):
    api.post(turl("usage"), {**BODY, "value": "2"}, format="json", HTTP_IDEMPOTENCY_KEY="evt-2")
    usage_url = turl(f"customers/{customer.id}/usage?from=2026-01-01&to=2026-02-01")
    assert api.get(usage_url).json()["meters"][0]["quantity"] == "7"
    api.post(turl(f"usage/{stored['id']}/void"), {"reason": "r"}, format="json")
    assert api.get(usage_url).json()["meters"][0]["quantity"] == "2"
    listed = api.get(turl("usage")).json()["results"]  # still listed, marked voided
    assert sorted((e["value"], e["voided_at"] is not None) for e in listed) == [("2", False), ("5", True)]


def test_a_viewer_cannot_correct(viewer_api, turl, stored):
    response = viewer_api.post(turl(f"usage/{stored['id']}/void"), {"reason": "r"}, format="json")
    assert response.status_code == 403
    assert UsageEvent.objects.get().voided_at is None


@pytest.mark.django_db(transaction=True)
def test_concurrent_voids_void_once(tenant, admin_user, turl):
    customer = CustomerFactory(tenant=tenant, external_id="cus_42")
    meter = MeterFactory(tenant=tenant, code="api_calls")
    event = UsageEvent.objects.create(
        tenant=tenant, customer=customer, meter=meter, idempotency_key="k", timestamp="2026-01-15T10:00:00Z"
    )
    statuses = concurrently(
        8, lambda c: c.post(turl(f"usage/{event.pk}/void"), {"reason": "r"}, format="json").status_code, admin_user
    )
    assert sorted(statuses) == [200] + [409] * 7
    assert UsageEventRevision.objects.filter(event=event).count() == 2
    assert UsageEvent.objects.get().revision == 2


def test_the_admin_shows_an_events_revisions_read_only(api, turl, stored, staff_client):
    api.post(turl(f"usage/{stored['id']}/amend"), {"value": "8", "reason": "meter fix"}, format="json")
    page = staff_client.get(reverse("admin:usage_usageevent_change", args=[stored["id"]]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "meter fix" in text and "amended" in text.lower()
    assert 'name="_save"' not in text
