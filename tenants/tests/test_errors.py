"""Domain errors: services raise them, one handler renders them in the envelope."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from tenants.errors import Conflict, DomainError, Invalid, Message, NotFound, Unprocessable

ROOT = Path(__file__).resolve().parents[2]
# Where business rules live: none of them may speak HTTP.
DOMAIN_MODULES = ("services.py", "selectors.py", "billing.py", "calculation.py", "totals.py", "pricing.py")


def answer(error: DomainError):
    class Raises(APIView):
        authentication_classes: list = []
        permission_classes: list = []

        def get(self, request):
            raise error

    response = Raises.as_view()(APIRequestFactory().get("/x"))
    return response.status_code, response.data


@pytest.mark.parametrize(
    ("error", "status", "body"),
    [
        (NotFound("No such invoice."), 404, {"type": "client_error", "errors": [
            {"code": "not_found", "detail": "No such invoice.", "attr": None}]}),
        (Conflict("Only open invoices.", code="invoice_not_open"), 409, {"type": "client_error", "errors": [
            {"code": "invoice_not_open", "detail": "Only open invoices.", "attr": None}]}),
        (Conflict({"plan_id": "taken"}, code="meter_taken"), 409, {"type": "client_error", "errors": [
            {"code": "meter_taken", "detail": "taken", "attr": "plan_id"}]}),
        (Invalid({"start_at": ["too early"]}, code="out_of_range"), 400, {"type": "validation_error", "errors": [
            {"code": "out_of_range", "detail": "too early", "attr": "start_at"}]}),
        (Invalid({"charges": [{}, {"meter": [Message("unknown", code="unknown_meter")]}]}), 400, {
            "type": "validation_error", "errors": [
                {"code": "unknown_meter", "detail": "unknown", "attr": "charges.1.meter"}]}),
        (Unprocessable("reused", code="idempotency_key_reused"), 422, {"type": "client_error", "errors": [
            {"code": "idempotency_key_reused", "detail": "reused", "attr": None}]}),
        (Unprocessable({"events": {"3": {"idempotency_key": ["reused"]}}}, code="idempotency_key_reused"), 422, {
            "type": "validation_error", "errors": [
                {"code": "idempotency_key_reused", "detail": "reused", "attr": "events.3.idempotency_key"}]}),
    ],
)  # fmt: skip
def test_each_domain_error_is_rendered_in_the_envelope(error, status, body):
    assert answer(error) == (status, body)


def test_a_domain_error_reads_as_its_sentences_and_codes():
    error = Invalid({"charges": [{"meter": [Message("unknown", code="unknown_meter")]}], "amount": ["too big"]})
    assert str(error) == "charges.meter: unknown; amount: too big"
    assert error.get_codes() == {"charges": [{"meter": ["unknown_meter"]}], "amount": ["invalid"]}
    assert str(NotFound()) == "Not found."


def test_no_business_module_imports_drf():
    offenders = []
    for path in ROOT.glob("*/*.py"):
        if path.name not in DOMAIN_MODULES or ".venv" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            offenders += [f"{path.relative_to(ROOT)}: {n}" for n in names if n.split(".")[0] == "rest_framework"]
    assert offenders == []


def test_found_passes_an_object_through_and_turns_none_into_not_found():
    from tenants.errors import found

    marker = object()
    assert found(marker, "No such thing.") is marker
    with pytest.raises(NotFound) as missing:
        found(None, "No such thing.")
    assert (missing.value.detail, missing.value.code) == ("No such thing.", "not_found")


HOST_REFUSED = "The Host header is missing or names no host this service answers."


@pytest.mark.parametrize(
    ("headers", "code", "attr"),
    [
        ({"HTTP_HOST": ""}, "invalid_host", "Host"),
        ({"HTTP_HOST": "evil.example\\x00"}, "invalid_host", "Host"),
        ({"HTTP_HOST": "not a host"}, "invalid_host", "Host"),
    ],
)
@pytest.mark.django_db
def test_requests_django_refuses_before_any_view_get_the_envelope(client, headers, code, attr):
    response = client.post("/v1/tenants/00000000-0000-0000-0000-000000000000/usage", data={}, **headers)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"type": "client_error", "errors": [{"code": code, "detail": HOST_REFUSED, "attr": attr}]}
