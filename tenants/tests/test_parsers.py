"""The one JSON reader (tenants.parsers) on its own: the route-wide answers are in
test_request_guards.py."""

import json

import pytest

from tenants.parsers import JSON_TOO_DEEP, MAX_JSON_DEPTH, NULL_CHARACTER, JsonBodyError, loads


def problem(text):
    with pytest.raises(JsonBodyError) as error:
        loads(text)
    return error.value.attr, error.value.message


@pytest.mark.parametrize(
    ("text", "attr"),
    [
        ('{"a": "x\\u0000"}', "a"),
        ('{"a": {"b\\u0000": 1}}', "a"),
        ('{"a": [1, {"b": ["ok", "\\u0000"]}]}', "a.1.b.1"),
        ('[{"k": "v"}, "\\u0000"]', "1"),
        ('"\\u0000"', None),
        ('{"\\u0000": 1}', None),
    ],
)
def test_a_nul_is_named_at_its_place(text, attr):
    assert problem(text) == (attr, NULL_CHARACTER)


def test_an_escaped_backslash_before_u0000_is_not_a_nul():
    assert loads('{"path": "C:\\\\u0000"}') == {"path": "C:\\u0000"}


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 999, 100_000])
def test_nesting_beyond_the_limit_is_refused_however_deep(depth):
    assert problem("[" * depth + "]" * depth) == (None, JSON_TOO_DEEP)
    assert problem('{"a": "\\u0000", "b": ' + "[" * depth + "]" * depth + "}") in (
        ("a", NULL_CHARACTER),
        (None, JSON_TOO_DEEP),
    )


def test_nesting_at_the_limit_is_read():
    text = "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH
    assert loads(text) == json.loads(text)


@pytest.mark.parametrize("text", ['{"a": NaN}', '{"a": Infinity}', "{", ""])
def test_malformed_json_and_non_standard_constants_are_refused(text):
    attr, message = problem(text)
    assert attr is None
    assert message.startswith("JSON parse error - ")
