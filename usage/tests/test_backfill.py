import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from plans.tests.factories import MeterFactory
from subscriptions.tests.factories import CustomerFactory
from tenants.parsers import JSON_TOO_DEEP, NULL_CHARACTER
from usage.models import UsageEvent
from usage.parsing import BAD_VALUE, UNKNOWN_METER
from usage.selectors import clear_reference_cache
from usage.services import BATCH_KEY_REUSED

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _setup(tenant):
    clear_reference_cache()
    CustomerFactory(tenant=tenant, external_id="cus_1")
    MeterFactory(tenant=tenant, code="api_calls")


def run(tenant, path):
    out = StringIO()
    call_command("backfill_usage", "--tenant", str(tenant.id), str(path), "--no-progress", stdout=out)
    return out.getvalue()


def test_jsonl_backfill_loads_valid_lines_and_reports_the_rest(tenant, tmp_path):
    lines = [
        {
            "idempotency_key": "k1",
            "external_customer_id": "cus_1",
            "meter": "api_calls",
            "value": "2",
            "timestamp": "2025-06-01T00:00:00Z",
        },
        {"idempotency_key": "k2", "external_customer_id": "cus_1", "meter": "nope"},
        "not json",
        {"idempotency_key": "k3", "external_customer_id": "cus_1", "meter": "api_calls", "value": "NaN"},
        {
            "idempotency_key": "k4",
            "external_customer_id": "cus_1",
            "meter": "api_calls",
            "timestamp": "2025-06-02T00:00:00Z",
        },
    ]
    path = tmp_path / "usage.jsonl"
    path.write_text("\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n")
    out = run(tenant, path)
    assert "accepted: 2" in out
    assert "duplicates: 0" in out
    assert "rejected: 3" in out
    assert f"line 2: meter: {UNKNOWN_METER.format(value='nope')}" in out
    assert "line 3: invalid JSON" in out
    assert "line 4: value:" in out
    assert sorted(UsageEvent.objects.values_list("idempotency_key", "value")) == [
        ("k1", Decimal(2)),
        ("k4", Decimal(1)),
    ]


def test_backfill_twice_stores_nothing_twice(tenant, tmp_path):
    path = tmp_path / "usage.jsonl"
    path.write_text(
        "\n".join(
            json.dumps(
                {
                    "idempotency_key": f"k{i}",
                    "external_customer_id": "cus_1",
                    "meter": "api_calls",
                    "timestamp": "2025-06-01T00:00:00Z",
                }
            )
            for i in range(2500)
        )
    )
    assert "accepted: 2500" in run(tenant, path)
    second = run(tenant, path)
    assert "accepted: 0" in second
    assert "duplicates: 2500" in second
    assert UsageEvent.objects.count() == 2500


def test_csv_backfill_and_a_key_reused_with_another_body(tenant, tmp_path):
    path = tmp_path / "usage.csv"
    path.write_text(
        "idempotency_key,external_customer_id,meter,value,timestamp,properties\n"
        'a,cus_1,api_calls,3,2025-06-01T00:00:00Z,"{""region"": ""eu""}"\n'
        "b,cus_1,api_calls,,2025-06-01T00:00:00Z,\n"
    )
    assert "accepted: 2" in run(tenant, path)
    assert UsageEvent.objects.get(idempotency_key="a").properties == {"region": "eu"}
    path.write_text(
        "idempotency_key,external_customer_id,meter,value,timestamp,properties\n"
        "a,cus_1,api_calls,4,2025-06-01T00:00:00Z,\n"
        "c,cus_1,api_calls,1,2025-06-01T00:00:00Z,\n"
    )
    out = run(tenant, path)
    assert "accepted: 1" in out
    assert f"line 2: {BATCH_KEY_REUSED.format(key='a')}" in out
    assert UsageEvent.objects.get(idempotency_key="a").value == 3


def test_backfill_of_an_unknown_tenant_fails(tmp_path):
    path = tmp_path / "usage.jsonl"
    path.write_text("")
    with pytest.raises(CommandError, match="no tenant"):
        call_command("backfill_usage", "--tenant", "00000000-0000-0000-0000-000000000000", str(path))


def line(key, **fields):
    return {"idempotency_key": key, "external_customer_id": "cus_1", "meter": "api_calls", **fields}


def test_backfill_applies_the_api_bounds_and_refuses_what_postgresql_cannot_store(tenant, tmp_path):
    path = tmp_path / "usage.jsonl"
    lines = [
        json.dumps(line("big", value="1000000000000000")),  # 10^15
        json.dumps(line("python", value="1_000")),
        json.dumps(line("nul", properties={"region": "e\x00u"})),
        '{"idempotency_key": "deep", "properties": ' + '{"a": ' * 1000 + "1" + "}" * 1001,
        json.dumps(line("ok", value="999999999999999.999999999999")),
    ]
    path.write_text("\n".join(lines) + "\n")
    out = run(tenant, path)
    assert "accepted: 1" in out
    assert "rejected: 4" in out
    assert f"line 1: value: {BAD_VALUE}" in out
    assert f"line 2: value: {BAD_VALUE}" in out
    assert f"line 3: properties.region: {NULL_CHARACTER}" in out
    assert f"line 4: invalid JSON: {JSON_TOO_DEEP}" in out
    assert list(UsageEvent.objects.values_list("idempotency_key", "value")) == [
        ("ok", Decimal("999999999999999.999999999999"))
    ]


def test_csv_backfill_refuses_nul_in_any_column(tenant, tmp_path):
    path = tmp_path / "usage.csv"
    path.write_text(
        "idempotency_key,external_customer_id,meter,value,timestamp,properties\n"
        "k1,cus\x001,api_calls,1,,\n"
        'k2,cus_1,api_calls,1,,"{""region"": ""e\\u0000u""}"\n'
        "k3,cus_1,api_calls,1,,\n"
    )
    out = run(tenant, path)
    assert "accepted: 1" in out
    assert f"line 2: external_customer_id: {NULL_CHARACTER}" in out
    assert f"line 3: properties.region: {NULL_CHARACTER}" in out
    assert list(UsageEvent.objects.values_list("idempotency_key", flat=True)) == ["k3"]
