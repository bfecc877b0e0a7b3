"""JSON bodies: one reader for every route, the payment webhook and the backfill command,
so that what Python or PostgreSQL cannot take is a 400 here and never a 500 later.

- A NUL character (`\\u0000`) in any string or key: PostgreSQL's text and jsonb refuse
  it. 400 naming the place: the value's path (`events.3.properties.region`), or for a
  key the object that holds it (`metadata`).
- Objects and lists nested deeper than MAX_JSON_DEPTH: Python's parser, encoder and
  DRF recurse, and ~1,000 levels exhaust the interpreter's stack. 400.
- A body over settings.MAX_REQUEST_BODY_BYTES: 413. `RequestGuardMiddleware` refuses
  it by its Content-Length before anything reads it; the parser reads no more either.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from rest_framework import parsers
from rest_framework.exceptions import APIException, ErrorDetail, ParseError, ValidationError
from rest_framework.utils.json import strict_constant

from tenants.api_errors import RequestTooLarge

MAX_JSON_DEPTH = 64
JSON_TOO_DEEP = f"JSON objects and lists may nest at most {MAX_JSON_DEPTH} levels deep."
NULL_CHARACTER = "Null characters (\\u0000) are not allowed in strings or keys."
MALFORMED_JSON = "JSON parse error - {reason}"
REQUEST_TOO_LARGE = "The request body is larger than {limit} bytes."
NULL_CHARACTER_CODE = "null_characters_not_allowed"  # DRF's code for the same problem in a CharField

# JSON spells NUL only as this escape (a raw control character in a string is invalid).
_NUL_ESCAPE = "\\u0000"


class JsonBodyError(ValueError):
    """A body that is not JSON the service can take: `message` and the place (`attr`,
    None for the body as a whole)."""

    def __init__(self, message: str, attr: str | None = None, code: str = "parse_error") -> None:
        super().__init__(message)
        self.message, self.attr, self.code = message, attr, code

    def as_api_error(self) -> APIException:
        if self.attr is None:
            return ParseError(self.message)
        return ValidationError({self.attr: [ErrorDetail(self.message, code=self.code)]})


def loads(text: str) -> Any:
    """`text` parsed as JSON (NaN and Infinity refused, as by DRF), else JsonBodyError
    naming the problem: `{"metadata": {"a": "x\\u0000"}}` → attr `metadata.a`.
    """
    try:
        data = json.loads(text, parse_constant=strict_constant)
    except RecursionError:
        raise JsonBodyError(JSON_TOO_DEEP) from None
    except ValueError as exc:
        raise JsonBodyError(MALFORMED_JSON.format(reason=exc)) from None
    if _NUL_ESCAPE in text:
        _check_strings(data)
    elif _may_nest_too_deep(text, data) and not _depth_ok(data, 1):
        raise JsonBodyError(JSON_TOO_DEEP)
    return data


def _may_nest_too_deep(text: str, data: Any) -> bool:
    # Most bodies have too few brackets to nest that deep: then no walk at all.
    return isinstance(data, dict | list) and text.count("{") + text.count("[") > MAX_JSON_DEPTH


def _depth_ok(node: Any, depth: int) -> bool:
    """Whether `node` nests at most MAX_JSON_DEPTH levels (from `depth`). The hot path of
    a 1,000-event batch: values only, exact types (the parser makes plain dicts and
    lists), no paths. The recursion is bounded by MAX_JSON_DEPTH."""
    if depth > MAX_JSON_DEPTH:
        return False
    for value in node.values() if type(node) is dict else node:
        kind = type(value)
        if (kind is dict or kind is list) and not _depth_ok(value, depth + 1):
            return False
    return True


def _check_strings(data: Any) -> None:
    """NUL and depth, with the place of a NUL (the body has a NUL escape somewhere)."""
    if isinstance(data, dict | list):
        problem = _problem(data, 1, ())
    else:
        problem = (NULL_CHARACTER, ()) if isinstance(data, str) and "\x00" in data else None
    if problem is None:
        return
    message, path = problem
    if message == JSON_TOO_DEEP or not path:  # a path 65 keys long would name nothing useful
        raise JsonBodyError(message)
    raise JsonBodyError(message, ".".join(str(key) for key in path), NULL_CHARACTER_CODE)


def _problem(node: dict[str, Any] | list[Any], depth: int, path: tuple[Any, ...]) -> Any:
    """(message, path) of the first problem under `node`, or None."""
    if depth > MAX_JSON_DEPTH:
        return JSON_TOO_DEEP, path
    items = node.items() if isinstance(node, dict) else enumerate(node)
    for key, value in items:
        if isinstance(key, str) and "\x00" in key:
            return NULL_CHARACTER, path
        if isinstance(value, dict | list):
            found = _problem(value, depth + 1, (*path, key))
            if found is not None:
                return found
        elif isinstance(value, str) and "\x00" in value:
            return NULL_CHARACTER, (*path, key)
    return None


def declared_length(request: HttpRequest) -> int:
    """The body's Content-Length; Django reads no more than that of a body (and none
    when the header is missing or malformed)."""
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def read_limited(stream: Any) -> bytes:
    """At most MAX_REQUEST_BODY_BYTES of `stream`; 413 beyond."""
    limit = settings.MAX_REQUEST_BODY_BYTES
    raw: bytes = stream.read(limit + 1)
    if len(raw) > limit:
        raise RequestTooLarge(REQUEST_TOO_LARGE.format(limit=limit))
    return raw


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser (same media type, same parse errors) through `loads`."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        encoding = parsers.get_encoding(parser_context or {})  # type: ignore[attr-defined]  # (not in the stubs)
        try:
            text = read_limited(stream).decode(encoding)
        except UnicodeDecodeError as exc:
            raise ParseError(MALFORMED_JSON.format(reason=exc)) from None
        try:
            return loads(text)
        except JsonBodyError as exc:
            raise exc.as_api_error() from None
