"""Request and response examples of the API's write routes, keyed by operationId, and
the drf-spectacular postprocessing hook that puts them into `/v1/schema`
(`SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]`).

One module per area holds the data (`EXAMPLES = {operation_id: {"summary", "request",
"responses": {status: body}}}`); a new write route adds its entry there (or a module
here, merged below), and `billing_project/tests/test_openapi_examples.py` fails while
a write operation lacks a request example (when it takes a body) or a 2xx response
example (when that response has a body), names an operation the schema does not have,
or does not match its own schema. They live beside the URL router rather than in the
apps because the document is the whole API's, and one place keeps the story of the
examples (Acme bills Globex on Pro, as in the README's tours) consistent.
"""

from __future__ import annotations

from typing import Any

from billing_project.openapi_examples import accounts, catalog, customers, invoices, usage, webhooks

EXAMPLES: dict[str, dict[str, Any]] = {
    **accounts.EXAMPLES,
    **catalog.EXAMPLES,
    **customers.EXAMPLES,
    **usage.EXAMPLES,
    **invoices.EXAMPLES,
    **webhooks.EXAMPLES,
}

MEDIA_TYPE = "application/json"


def _named(summary: str, value: Any) -> dict[str, Any]:
    # OpenAPI 3.0 `examples` (a map) rather than `example`, so that the docs show the summary.
    return {"example": {"summary": summary, "value": value}}


def attach_examples(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """The schema with each operation's examples in its JSON request body and responses."""
    for methods in result.get("paths", {}).values():
        for operation in methods.values():
            examples = EXAMPLES.get(operation.get("operationId", ""))
            if examples is None:
                continue
            summary = examples["summary"]
            body = operation.get("requestBody", {}).get("content", {}).get(MEDIA_TYPE)
            if body is not None and "request" in examples:
                body["examples"] = _named(summary, examples["request"])
            for status, value in examples.get("responses", {}).items():
                content = operation.get("responses", {}).get(status, {}).get("content", {}).get(MEDIA_TYPE)
                if content is not None:
                    content["examples"] = _named(summary, value)
    return result
