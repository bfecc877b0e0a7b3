"""The list envelope: `?limit=` and cursors (tenants.pagination.LimitPagination)."""

import base64

import pytest

from tenants.pagination import INVALID_CURSOR, INVALID_LIMIT


def _cursor(raw: str) -> str:
    return base64.b64encode(raw.encode()).decode()


@pytest.mark.django_db
def test_limit_pages_and_next_cursor_continues(api, turl, tenant):
    from plans.tests.factories import MeterFactory

    MeterFactory.create_batch(3, tenant=tenant)
    first = api.get(turl("meters"), {"limit": 2}).json()
    assert len(first["results"]) == 2
    second = api.get(first["next"]).json()
    assert len(second["results"]) == 1
    assert second["next"] is None


@pytest.mark.django_db
@pytest.mark.parametrize("limit", ["0", "501", "ten", " 10", "1_0", "+10", "١٠"])
def test_limit_out_of_range_is_a_400_naming_limit(api, turl, limit):
    response = api.get(turl("users"), {"limit": limit})
    assert response.status_code == 400
    assert response.json()["errors"] == [{"code": "invalid", "detail": INVALID_LIMIT.format(max=500), "attr": "limit"}]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "cursor"),
    [
        ("users", "not base64!"),  # DRF answers 404 "Invalid cursor"
        ("meters", _cursor("p=abc")),  # no datetime: reached the database, a 500
        ("usage", _cursor("o=5&p=yesterday")),
        ("customers", _cursor("p=2026-01-01T00:00:00\x00")),
    ],
)
def test_a_cursor_the_api_did_not_issue_is_a_400_naming_cursor(api, turl, path, cursor):
    api.raise_request_exception = False
    response = api.get(turl(path), {"cursor": cursor})
    assert response.status_code == 400
    assert response.json() == {
        "type": "validation_error",
        "errors": [{"code": "invalid", "detail": INVALID_CURSOR, "attr": "cursor"}],
    }
