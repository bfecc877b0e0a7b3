"""Tax rates (API.md Part 2, "Taxes"): create, list, detail, PATCH name and active only,
and the tenant's default rates through `PATCH /v1/tenants/{tid}`."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from plans.models import DefaultTaxRate, TaxRate
from plans.services import (
    TAX_RATE_CODE_TAKEN,
    TAX_RATE_IMMUTABLE,
    TAX_RATE_INACTIVE,
    TAX_RATE_LISTED_TWICE,
    TAX_RATE_UNKNOWN,
)
from plans.tax_api import PERCENTAGE_INVALID
from tenants.scoping import ROLE_TOO_LOW

pytestmark = pytest.mark.django_db


def errors(response) -> list[tuple[str, str]]:
    return [(e["attr"], e["detail"]) for e in response.json()["errors"]]


def create(api, turl, code, percentage, name=None):
    response = api.post(turl("tax-rates"), {"code": code, "name": name or code.title(), "percentage": percentage})
    assert response.status_code == 201, response.json()
    return response.json()


def test_create_returns_the_rate_with_its_percentage_as_sent(member_api, turl, tenant):
    response = member_api.post(
        turl("tax-rates"), {"code": "us-il-chicago", "name": "Chicago city tax", "percentage": "2.6250"}
    )
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "code", "name", "percentage", "active", "created_at"}
    assert (body["code"], body["name"], body["percentage"], body["active"]) == (
        "us-il-chicago",
        "Chicago city tax",
        "2.625",
        True,
    )
    assert TaxRate.objects.get(tenant=tenant).percentage == Decimal("2.625")


@pytest.mark.parametrize(("sent", "shown"), [("0", "0"), ("100", "100"), ("19.0", "19"), ("8.8750", "8.875")])
def test_percentages_from_0_to_100_are_shown_without_trailing_zeros(api, turl, sent, shown):
    assert create(api, turl, "vat", sent)["percentage"] == shown


@pytest.mark.parametrize("percentage", ["100.0001", "-1", "1.23456", "abc", "1e3", "", None])
def test_a_percentage_out_of_range_or_too_precise_is_400_naming_it(api, turl, percentage):
    response = api.post(turl("tax-rates"), {"code": "vat", "name": "VAT", "percentage": percentage})
    assert response.status_code == 400
    [(attr, _)] = errors(response)
    assert attr == "percentage"
    assert not TaxRate.objects.exists()


def test_a_bad_percentage_says_what_is_expected(api, turl):
    response = api.post(turl("tax-rates"), {"code": "vat", "name": "VAT", "percentage": "101"})
    assert errors(response) == [("percentage", PERCENTAGE_INVALID)]


def test_code_and_name_are_required_and_the_code_is_a_slug(api, turl):
    response = api.post(turl("tax-rates"), {"code": "not a slug", "percentage": "5"})
    assert {attr for attr, _ in errors(response)} == {"code", "name"}


def test_a_duplicate_code_is_409(api, turl, other_api, other_tenant):
    create(api, turl, "vat", "20")
    response = api.post(turl("tax-rates"), {"code": "vat", "name": "Other", "percentage": "19"})
    assert response.status_code == 409
    assert errors(response) == [(None, TAX_RATE_CODE_TAKEN)]
    # Codes are unique per tenant only.
    theirs = other_api.post(
        f"/v1/tenants/{other_tenant.id}/tax-rates", {"code": "vat", "name": "VAT", "percentage": "7"}
    )
    assert theirs.status_code == 201


def test_viewers_read_and_may_not_create(viewer_api, turl):
    response = viewer_api.post(turl("tax-rates"), {"code": "vat", "name": "VAT", "percentage": "20"})
    assert response.status_code == 403
    assert response.json()["errors"][0]["detail"] == ROLE_TOO_LOW.format(role="viewer", needed="member")
    assert viewer_api.get(turl("tax-rates")).status_code == 200


def test_list_newest_first_with_filters_and_detail(api, turl):
    state = create(api, turl, "state", "6.25")
    city = create(api, turl, "city", "2.625")
    api.patch(turl(f"tax-rates/{city['id']}"), {"active": False})
    assert [r["code"] for r in api.get(turl("tax-rates")).json()["results"]] == ["city", "state"]
    assert [r["code"] for r in api.get(turl("tax-rates?active=true")).json()["results"]] == ["state"]
    assert [r["code"] for r in api.get(turl("tax-rates?code=city")).json()["results"]] == ["city"]
    assert api.get(turl(f"tax-rates/{state['id']}")).json() == state


def test_another_tenants_rate_is_404_and_never_listed(api, turl, other_api, other_tenant):
    theirs = other_api.post(
        f"/v1/tenants/{other_tenant.id}/tax-rates", {"code": "vat", "name": "VAT", "percentage": "7"}
    )
    rate_id = theirs.json()["id"]
    assert api.get(turl(f"tax-rates/{rate_id}")).status_code == 404
    assert api.patch(turl(f"tax-rates/{rate_id}"), {"name": "Mine"}).status_code == 404
    assert api.get(turl(f"tax-rates/{uuid.uuid4()}")).status_code == 404
    assert api.get(turl("tax-rates")).json()["results"] == []
    assert TaxRate.objects.get(pk=rate_id).name == "VAT"


def test_patch_changes_name_and_active_only(api, turl):
    rate = create(api, turl, "vat", "20", name="VAT")
    response = api.patch(turl(f"tax-rates/{rate['id']}"), {"name": "Value added tax", "active": False})
    assert response.status_code == 200
    assert (response.json()["name"], response.json()["active"], response.json()["percentage"]) == (
        "Value added tax",
        False,
        "20",
    )


@pytest.mark.parametrize(("field", "value"), [("percentage", "19"), ("percentage", "20"), ("code", "vat2")])
def test_patching_the_percentage_or_the_code_is_400_naming_it(api, turl, field, value):
    rate = create(api, turl, "vat", "20", name="VAT")
    response = api.patch(turl(f"tax-rates/{rate['id']}"), {field: value, "name": "Changed"})
    assert response.status_code == 400
    assert errors(response) == [(field, TAX_RATE_IMMUTABLE.format(field=field))]
    stored = TaxRate.objects.get()
    assert (stored.code, stored.percentage, stored.name) == ("vat", Decimal(20), "VAT")


# The tenant's default rates: PATCH /v1/tenants/{tid} {default_tax_rates} -------------------


def test_the_tenant_shows_and_sets_its_default_rates_in_order(api, turl, tenant):
    create(api, turl, "state", "6.25")
    create(api, turl, "city", "2.625")
    assert api.get(turl()).json()["default_tax_rates"] == []
    response = api.patch(turl(), {"default_tax_rates": ["city", "state"]})
    assert response.status_code == 200
    assert response.json()["default_tax_rates"] == ["city", "state"]
    assert set(response.json()) == {"id", "name", "default_currency", "sandbox", "created_at", "default_tax_rates"}
    assert api.get(turl()).json()["default_tax_rates"] == ["city", "state"]
    assert api.patch(turl(), {"default_tax_rates": ["state"]}).json()["default_tax_rates"] == ["state"]
    assert api.patch(turl(), {"default_tax_rates": []}).json()["default_tax_rates"] == []
    assert not DefaultTaxRate.objects.exists()


def test_a_patch_without_default_tax_rates_changes_nothing(api, turl):
    create(api, turl, "vat", "20")
    api.patch(turl(), {"default_tax_rates": ["vat"]})
    assert api.patch(turl(), {"name": "ignored"}).json()["default_tax_rates"] == ["vat"]


def test_unknown_inactive_and_repeated_codes_are_400_at_their_place(api, turl, other_api, other_tenant):
    create(api, turl, "state", "6.25")
    old = create(api, turl, "old", "5")
    api.patch(turl(f"tax-rates/{old['id']}"), {"active": False})
    other_api.post(f"/v1/tenants/{other_tenant.id}/tax-rates", {"code": "theirs", "name": "T", "percentage": "7"})
    api.patch(turl(), {"default_tax_rates": ["state"]})
    response = api.patch(turl(), {"default_tax_rates": ["state", "nope", "old", "theirs", "state"]})
    assert response.status_code == 400
    assert errors(response) == [
        ("default_tax_rates.1", TAX_RATE_UNKNOWN.format(code="nope")),
        ("default_tax_rates.2", TAX_RATE_INACTIVE.format(code="old")),
        ("default_tax_rates.3", TAX_RATE_UNKNOWN.format(code="theirs")),
        ("default_tax_rates.4", TAX_RATE_LISTED_TWICE.format(code="state")),
    ]
    assert api.get(turl()).json()["default_tax_rates"] == ["state"]  # unchanged


def test_default_tax_rates_must_be_a_list_of_codes(api, turl):
    assert errors(api.patch(turl(), {"default_tax_rates": "vat"}))[0][0] == "default_tax_rates"
    assert errors(api.patch(turl(), {"default_tax_rates": ["not a code"]}))[0][0] == "default_tax_rates.0"
    too_many = [f"r{i}" for i in range(11)]
    assert errors(api.patch(turl(), {"default_tax_rates": too_many}))[0][0] == "default_tax_rates"


def test_a_rate_deactivated_later_stays_on_the_list(api, turl):
    """As Stripe's: deactivating stops new uses, not the lists it is already on."""
    rate = create(api, turl, "vat", "20")
    api.patch(turl(), {"default_tax_rates": ["vat"]})
    api.patch(turl(f"tax-rates/{rate['id']}"), {"active": False})
    assert api.get(turl()).json()["default_tax_rates"] == ["vat"]


def test_only_admins_set_the_default_rates(member_api, viewer_api, turl):
    response = member_api.patch(turl(), {"default_tax_rates": []})
    assert response.status_code == 403
    assert response.json()["errors"][0]["detail"] == ROLE_TOO_LOW.format(role="member", needed="admin")
    assert viewer_api.get(turl()).json()["default_tax_rates"] == []
