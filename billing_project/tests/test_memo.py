"""`billing_project.memo.by_identity`: made once per object, by identity, not equality."""

from billing_project.memo import by_identity


def test_a_value_is_made_once_per_object_and_again_for_an_equal_other():
    made: list[dict[str, str]] = []

    def make(obj: dict[str, str]) -> str:
        made.append(obj)
        return ",".join(obj)

    memo = by_identity(make, limit=2)
    first, equal = {"a": "1"}, {"a": "1"}
    assert memo(first) == memo(first) == "a"
    assert made == [first]
    assert memo(equal) == "a" and len(made) == 2 and made[1] is equal  # an unhashable dict, by identity
    memo({"b": "2"})  # a third: past the limit, the entries start again
    assert memo(first) == "a" and len(made) == 4
