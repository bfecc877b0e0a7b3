"""Alerts through the HTTP API (API.md Part 2, "Alerts"): create, list, read and delete,
who may, every bad input a 400 naming its field, other tenants' objects 404, audit."""

from __future__ import annotations

from decimal import Decimal

import pytest

from audit.models import AuditEntry
from metrics import alerts
from metrics.models import Alert
from plans.models import Meter
from plans.pricing import ChargeSpec
from plans.tests.factories import MeterFactory, PlanFactory, add_charge
from subscriptions.tests.factories import SubscriptionFactory
from tenants.tests.utils import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def sub(tenant):
    plan = PlanFactory(tenant=tenant, amount=Decimal("49.00"))
    add_charge(plan, ChargeSpec.per_unit(Decimal("0.10")), meter="api_calls", aggregation=Meter.Aggregation.SUM)
    return SubscriptionFactory(tenant=tenant, plan=plan, start_at=at(2026, 1, 1))


def url(turl, sub, alert_id=None) -> str:
    return turl(f"subscriptions/{sub.pk}/alerts" + (f"/{alert_id}" if alert_id else ""))


def only_error(response) -> tuple[str | None, str, str]:
    errors = response.json()["errors"]
    assert len(errors) == 1, errors
    return errors[0]["attr"], errors[0]["code"], errors[0]["detail"]


def test_a_member_creates_each_type_and_reads_them_back(member_api, viewer_api, turl, sub):
    bodies = [
        {"type": "usage_amount", "thresholds": ["100", "50.5"], "step": "25"},
        {"type": "meter_quantity", "meter": "api_calls", "thresholds": ["1000"]},
        {"type": "credit_balance", "thresholds": ["10.00", "0"]},
    ]
    created = []
    for body in bodies:
        response = member_api.post(url(turl, sub), body, format="json")
        assert response.status_code == 201, response.content
        created.append(response.json())

    shown = [{k: c[k] for k in ("subscription_id", "type", "meter", "thresholds", "step")} for c in created]
    assert shown == [
        {"subscription_id": str(sub.pk), "type": "usage_amount", "meter": None, "thresholds": ["50.50", "100.00"],
         "step": "25.00"},
        {"subscription_id": str(sub.pk), "type": "meter_quantity", "meter": "api_calls", "thresholds": ["1000"],
         "step": None},
        {"subscription_id": str(sub.pk), "type": "credit_balance", "meter": None, "thresholds": ["0.00", "10.00"],
         "step": None},
    ]  # fmt: skip
    listed = viewer_api.get(url(turl, sub)).json()["results"]
    assert listed == created
    assert viewer_api.get(url(turl, sub, created[1]["id"])).json() == created[1]
    stored = Alert.objects.get(pk=created[0]["id"])
    assert stored.thresholds == [Decimal("50.5"), Decimal("100")]
    assert stored.step == Decimal(25)


def test_a_viewer_cannot_create_or_delete(viewer_api, turl, sub):
    alert = alerts.alert_create(tenant=sub.tenant_id, subscription_id=sub.pk, type="usage_amount", thresholds=[1])

    assert (
        viewer_api.post(url(turl, sub), {"type": "usage_amount", "thresholds": ["1"]}, format="json").status_code == 403
    )
    assert viewer_api.delete(url(turl, sub, alert.pk)).status_code == 403
    assert Alert.objects.count() == 1


def test_delete_removes_it_and_both_changes_are_audited(member_api, turl, sub):
    created = member_api.post(url(turl, sub), {"type": "usage_amount", "thresholds": ["5"]}, format="json").json()

    response = member_api.delete(url(turl, sub, created["id"]))

    assert response.status_code == 204
    assert not Alert.objects.exists()
    assert member_api.get(url(turl, sub, created["id"])).status_code == 404
    assert member_api.delete(url(turl, sub, created["id"])).status_code == 404
    entries = sorted(AuditEntry.objects.filter(object_type="alert"), key=lambda e: e.action)  # created, deleted
    assert [(e.action, e.object_id) for e in entries] == [
        ("alert.created", created["id"]),
        ("alert.deleted", created["id"]),
    ]
    assert entries[0].changes["type"] == [None, "usage_amount"]
    assert entries[0].changes["thresholds"] == [None, ["5.000000000000"]]
    assert entries[1].changes["thresholds"] == [["5.000000000000"], None]


@pytest.mark.parametrize(
    ("body", "attr", "code", "detail"),
    [
        ({"thresholds": ["1"]}, "type", "required", None),
        ({"type": "bytes", "thresholds": ["1"]}, "type", "invalid_choice", None),
        ({"type": "meter_quantity", "thresholds": ["1"]}, "meter", "required", alerts.METER_REQUIRED),
        ({"type": "usage_amount", "meter": "api_calls", "thresholds": ["1"]}, "meter", "not_allowed",
         alerts.METER_NOT_ALLOWED),
        ({"type": "credit_balance", "meter": "api_calls", "thresholds": ["1"]}, "meter", "not_allowed",
         alerts.METER_NOT_ALLOWED),
        ({"type": "meter_quantity", "meter": "nope", "thresholds": ["1"]}, "meter", "does_not_exist",
         "No meter with code 'nope'."),
        ({"type": "meter_quantity", "meter": 7, "thresholds": ["1"]}, "meter", "invalid", None),
        ({"type": "usage_amount"}, "thresholds", "required", None),
        ({"type": "usage_amount", "thresholds": []}, "thresholds", "min_length", alerts.THRESHOLDS_EMPTY),
        ({"type": "usage_amount", "thresholds": "100"}, "thresholds", "not_a_list", None),
        ({"type": "usage_amount", "thresholds": [100]}, "thresholds", "invalid", None),
        ({"type": "usage_amount", "thresholds": ["ten"]}, "thresholds.0", "invalid", None),
        ({"type": "usage_amount", "thresholds": ["1", "-1"]}, "thresholds.1", "min_value", alerts.THRESHOLD_NEGATIVE),
        ({"type": "usage_amount", "thresholds": ["100", "5", "100.0"]}, "thresholds.2", "duplicate",
         "Threshold 100 is given twice."),
        ({"type": "usage_amount", "thresholds": [str(n) for n in range(21)]}, "thresholds", "max_length",
         alerts.THRESHOLDS_TOO_MANY),
        ({"type": "usage_amount", "thresholds": ["1e400"]}, "thresholds.0", "max_whole_digits", None),
        ({"type": "usage_amount", "thresholds": ["1"], "step": "0"}, "step", "min_value", alerts.STEP_NOT_POSITIVE),
        ({"type": "usage_amount", "thresholds": ["1"], "step": 5}, "step", "invalid", None),
        ({"type": "credit_balance", "thresholds": ["1"], "step": "5"}, "step", "not_allowed", alerts.STEP_NOT_ALLOWED),
    ],
)  # fmt: skip
def test_bad_input_is_a_400_naming_the_field(member_api, turl, sub, body, attr, code, detail):
    MeterFactory(tenant=sub.tenant, code="other")

    response = member_api.post(url(turl, sub), body, format="json")

    assert response.status_code == 400, response.content
    got_attr, got_code, got_detail = only_error(response)
    assert (got_attr, got_code) == (attr, code)
    if detail:
        assert got_detail == detail
    assert not Alert.objects.exists()


def test_a_canceled_subscription_takes_no_alert(member_api, turl, sub):
    sub.status, sub.canceled_at = "canceled", at(2026, 1, 5)
    sub.save()

    response = member_api.post(url(turl, sub), {"type": "usage_amount", "thresholds": ["1"]}, format="json")

    assert response.status_code == 409
    assert only_error(response)[:2] == (None, "subscription_canceled")


def test_other_tenants_subscriptions_meters_and_alerts_are_404(member_api, other_api, turl, sub, other_tenant):
    theirs = SubscriptionFactory(tenant=other_tenant, start_at=at(2026, 1, 1))
    MeterFactory(tenant=other_tenant, code="their_meter")
    their_alert = alerts.alert_create(
        tenant=other_tenant.pk, subscription_id=theirs.pk, type="usage_amount", thresholds=[Decimal(1)]
    )
    mine = alerts.alert_create(tenant=sub.tenant_id, subscription_id=sub.pk, type="usage_amount", thresholds=[1])

    assert member_api.get(url(turl, theirs)).status_code == 404
    assert (
        member_api.post(url(turl, theirs), {"type": "usage_amount", "thresholds": ["1"]}, format="json").status_code
        == 404
    )
    assert member_api.get(url(turl, theirs, their_alert.pk)).status_code == 404
    assert member_api.delete(url(turl, theirs, their_alert.pk)).status_code == 404
    assert member_api.get(url(turl, sub, their_alert.pk)).status_code == 404  # their alert under my subscription
    meter = member_api.post(url(turl, sub), {"type": "meter_quantity", "meter": "their_meter", "thresholds": ["1"]},
                            format="json")  # fmt: skip
    assert only_error(meter)[:2] == ("meter", "does_not_exist")
    assert other_api.get(url(turl, sub)).status_code == 403  # my tenant's path
    assert [a["id"] for a in member_api.get(url(turl, sub)).json()["results"]] == [str(mine.pk)]
    assert Alert.objects.filter(pk=their_alert.pk).exists()
