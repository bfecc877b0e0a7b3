"""What `OPTIONS` answers on every API route."""

from __future__ import annotations

from typing import Any

from rest_framework.metadata import SimpleMetadata
from rest_framework.request import Request


class RouteMetadata(SimpleMetadata):
    """DRF's name, description, renders and parses, without `actions`: DRF builds those
    from `view.get_serializer()`, which views with a serializer per operation do not
    have (an AssertionError, a 500). /v1/schema documents every field instead."""

    def determine_actions(self, request: Request, view: Any) -> dict[str, Any]:
        return {}
