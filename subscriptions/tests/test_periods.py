"""Period math: table tests and hypothesis properties. No database."""

from __future__ import annotations

import calendar
import doctest
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from subscriptions import periods
from subscriptions.periods import (
    BEFORE_ANCHOR,
    MONTH,
    NAIVE_DATETIME,
    NEGATIVE_INDEX,
    NEGATIVE_TRIAL_DAYS,
    TRIAL_NOT_AFTER_START,
    UNKNOWN_INTERVAL,
    YEAR,
    billing_anchor,
    first_period,
    period_bounds,
    period_containing,
    period_start,
    trial_end_for,
)
from tenants.tests.utils import at


@pytest.mark.parametrize(
    ("anchor", "interval", "n", "start", "end"),
    [
        # Month-end anchors clamp, then come back: never drift to the 28th.
        (at(2026, 1, 31), MONTH, 0, at(2026, 1, 31), at(2026, 2, 28)),
        (at(2026, 1, 31), MONTH, 1, at(2026, 2, 28), at(2026, 3, 31)),
        (at(2026, 1, 31), MONTH, 2, at(2026, 3, 31), at(2026, 4, 30)),
        (at(2026, 1, 31), MONTH, 3, at(2026, 4, 30), at(2026, 5, 31)),
        (at(2026, 1, 31), MONTH, 12, at(2027, 1, 31), at(2027, 2, 28)),
        (at(2028, 1, 31), MONTH, 1, at(2028, 2, 29), at(2028, 3, 31)),
        (at(2026, 1, 30), MONTH, 1, at(2026, 2, 28), at(2026, 3, 30)),
        (at(2026, 3, 31), MONTH, 1, at(2026, 4, 30), at(2026, 5, 31)),
        (at(2026, 8, 31), MONTH, 1, at(2026, 9, 30), at(2026, 10, 31)),
        # Ordinary days, the time of day kept, across a year end.
        (at(2026, 1, 15, 9, 30), MONTH, 0, at(2026, 1, 15, 9, 30), at(2026, 2, 15, 9, 30)),
        (at(2026, 12, 1), MONTH, 0, at(2026, 12, 1), at(2027, 1, 1)),
        (at(2026, 11, 15), MONTH, 1, at(2026, 12, 15), at(2027, 1, 15)),
        # Years: Feb 29 clamps to Feb 28 in common years, returns in leap years.
        (at(2024, 2, 29), YEAR, 0, at(2024, 2, 29), at(2025, 2, 28)),
        (at(2024, 2, 29), YEAR, 1, at(2025, 2, 28), at(2026, 2, 28)),
        (at(2024, 2, 29), YEAR, 3, at(2027, 2, 28), at(2028, 2, 29)),
        (at(2024, 2, 29), YEAR, 4, at(2028, 2, 29), at(2029, 2, 28)),
        (at(2026, 1, 31), YEAR, 0, at(2026, 1, 31), at(2027, 1, 31)),
        # Century rule: 2100 is not a leap year, 2000 was.
        (at(2096, 2, 29), YEAR, 4, at(2100, 2, 28), at(2101, 2, 28)),
        (at(1996, 2, 29), YEAR, 4, at(2000, 2, 29), at(2001, 2, 28)),
    ],
)
def test_period_bounds_table(anchor, interval, n, start, end):
    assert period_bounds(anchor, interval, n) == (start, end)


@pytest.mark.parametrize(
    ("anchor", "interval", "moment", "expected"),
    [
        (at(2026, 1, 31), MONTH, at(2026, 1, 31), (0, at(2026, 1, 31), at(2026, 2, 28))),
        (at(2026, 1, 31), MONTH, at(2026, 2, 27, 23, 59, 59), (0, at(2026, 1, 31), at(2026, 2, 28))),
        # The end is exclusive: the end instant belongs to the next period.
        (at(2026, 1, 31), MONTH, at(2026, 2, 28), (1, at(2026, 2, 28), at(2026, 3, 31))),
        (at(2026, 1, 31), MONTH, at(2026, 3, 30), (1, at(2026, 2, 28), at(2026, 3, 31))),
        (at(2026, 1, 31), MONTH, at(2026, 3, 31), (2, at(2026, 3, 31), at(2026, 4, 30))),
        # Same calendar month as a start, but before its time of day.
        (at(2026, 1, 15, 12), MONTH, at(2026, 3, 15, 11), (1, at(2026, 2, 15, 12), at(2026, 3, 15, 12))),
        (at(2024, 2, 29), YEAR, at(2027, 3, 1), (3, at(2027, 2, 28), at(2028, 2, 29))),
        (at(2024, 2, 29), YEAR, at(2028, 2, 28, 23), (3, at(2027, 2, 28), at(2028, 2, 29))),
    ],
)
def test_period_containing_table(anchor, interval, moment, expected):
    assert period_containing(anchor, interval, moment) == expected


def test_bounds_are_in_utc_whatever_the_anchors_offset():
    anchor = datetime(2026, 2, 1, 1, 0, tzinfo=timezone(timedelta(hours=2)))  # Jan 31 23:00 UTC
    start, end = period_bounds(anchor, MONTH, 1)
    assert start == at(2026, 2, 28, 23)
    assert start.tzinfo is UTC
    assert end == at(2026, 3, 31, 23)


def test_naive_datetimes_are_refused():
    naive = datetime(2026, 1, 1)  # naive on purpose
    with pytest.raises(ValueError, match="timezone-aware") as info:
        period_bounds(naive, MONTH, 0)
    assert str(info.value) == NAIVE_DATETIME.format(value=naive)


def test_unknown_interval_is_refused():
    with pytest.raises(ValueError) as info:
        period_bounds(at(2026, 1, 1), "week", 0)
    assert str(info.value) == UNKNOWN_INTERVAL.format(value="week")


def test_negative_index_is_refused():
    with pytest.raises(ValueError) as info:
        period_start(at(2026, 1, 1), MONTH, -1)
    assert str(info.value) == NEGATIVE_INDEX.format(value=-1)


def test_moment_before_the_anchor_is_in_no_period():
    with pytest.raises(ValueError) as info:
        period_containing(at(2026, 1, 1), MONTH, at(2025, 12, 31))
    assert str(info.value) == BEFORE_ANCHOR.format(
        moment="2025-12-31T00:00:00+00:00", anchor="2026-01-01T00:00:00+00:00"
    )


def test_trial_end_is_whole_days_after_start():
    assert trial_end_for(at(2026, 1, 31, 10), 14) == at(2026, 2, 14, 10)
    assert trial_end_for(at(2026, 1, 31, 10), 0) is None
    with pytest.raises(ValueError) as info:
        trial_end_for(at(2026, 1, 31), -1)
    assert str(info.value) == NEGATIVE_TRIAL_DAYS.format(value=-1)


def test_billing_anchor_is_the_trial_end_with_a_trial_else_the_start():
    assert billing_anchor(at(2026, 1, 1), None) == at(2026, 1, 1)
    assert billing_anchor(at(2026, 1, 1), at(2026, 1, 15)) == at(2026, 1, 15)
    with pytest.raises(ValueError) as info:
        billing_anchor(at(2026, 1, 15), at(2026, 1, 15))
    assert str(info.value) == TRIAL_NOT_AFTER_START.format(trial_end=at(2026, 1, 15), start_at=at(2026, 1, 15))


def test_first_period_is_the_trial_window_then_billed_periods_count_from_trial_end():
    start, trial_end = at(2026, 1, 17), at(2026, 1, 31)
    assert first_period(start, trial_end, MONTH) == (start, trial_end)
    anchor = billing_anchor(start, trial_end)
    assert period_bounds(anchor, MONTH, 0) == (at(2026, 1, 31), at(2026, 2, 28))
    assert period_bounds(anchor, MONTH, 1) == (at(2026, 2, 28), at(2026, 3, 31))


def test_first_period_of_a_backfill_is_the_first_period_not_the_current_one():
    assert first_period(at(2025, 1, 31), None, MONTH) == (at(2025, 1, 31), at(2025, 2, 28))


def test_the_docstring_examples_hold():
    result = doctest.testmod(periods)
    assert result.attempted >= 5
    assert result.failed == 0


# Properties ---------------------------------------------------------------------------

anchors = st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(2400, 12, 31), timezones=st.just(UTC))
intervals = st.sampled_from([MONTH, YEAR])
indexes = st.integers(min_value=0, max_value=1200)


def _months_of(interval: str) -> int:
    return 1 if interval == MONTH else 12


def _expected_start(anchor: datetime, interval: str, n: int) -> datetime:
    """An independent spelling of the rule: the same day of the month (or the month's
    last day if shorter), the same time, n intervals of calendar months later."""
    month_index = anchor.year * 12 + (anchor.month - 1) + n * _months_of(interval)
    year, month = divmod(month_index, 12)
    day = min(anchor.day, calendar.monthrange(year, month + 1)[1])
    return anchor.replace(year=year, month=month + 1, day=day)


@given(anchor=anchors, interval=intervals, n=indexes)
def test_periods_are_contiguous_and_never_overlap(anchor, interval, n):
    start, end = period_bounds(anchor, interval, n)
    next_start, next_end = period_bounds(anchor, interval, n + 1)
    assert start < end == next_start < next_end


@given(anchor=anchors, interval=intervals, n=indexes)
def test_the_nth_period_never_drifts_from_the_anchor(anchor, interval, n):
    start = period_start(anchor, interval, n)
    assert start == _expected_start(anchor, interval, n)
    assert start.time() == anchor.time()


@given(anchor=anchors, interval=intervals, n=indexes)
def test_each_period_lasts_one_calendar_interval(anchor, interval, n):
    start, end = period_bounds(anchor, interval, n)
    months_between = (end.year - start.year) * 12 + end.month - start.month
    assert months_between == _months_of(interval)
    if interval == MONTH:
        # Clamping moves only the start or the end day: Jan 31 → Feb 28 is 28 days, Feb 28 → Mar 31 is 31.
        assert 28 <= (end - start).days <= 31
    else:
        assert 365 <= (end - start).days <= 366


@given(anchor=anchors, interval=intervals, n=indexes)
def test_month_ends_and_leap_days_hold(anchor, interval, n):
    start = period_start(anchor, interval, n)
    last_day = calendar.monthrange(start.year, start.month)[1]
    if anchor.day >= last_day:
        assert start.day == last_day
    else:
        assert start.day == anchor.day
    if anchor.month == 2 and anchor.day == 29 and interval == YEAR:
        assert start.day == (29 if calendar.isleap(start.year) else 28)


@given(
    anchor=anchors, interval=intervals, offset=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=36500))
)
def test_period_containing_finds_the_one_period_with_the_moment(anchor, interval, offset):
    moment = anchor + offset
    n, start, end = period_containing(anchor, interval, moment)
    assert start <= moment < end
    assert (start, end) == period_bounds(anchor, interval, n)


@given(anchor=anchors, interval=intervals, n=indexes)
def test_period_containing_a_start_is_that_period(anchor, interval, n):
    start, end = period_bounds(anchor, interval, n)
    assert period_containing(anchor, interval, start) == (n, start, end)
    assert period_containing(anchor, interval, end - timedelta(microseconds=1)) == (n, start, end)
