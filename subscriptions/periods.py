"""Calendar billing periods: pure functions, no ORM, settings, clock or I/O.

A subscription's periods are counted from one **anchor** (its `start_at`, or its
`trial_end` when it has a trial). The n-th period (n = 0, 1, 2, ...) is

    [anchor + n intervals, anchor + (n + 1) intervals)

where an interval is one calendar month or one calendar year, added with dateutil's
`relativedelta`, which clamps the day to the end of a shorter month. Every bound is
computed from the anchor, never from the previous bound, so a month-end anchor never
drifts: an anchor on Jan 31 gives Feb 28 (29 in a leap year), then Mar 31, Apr 30,
May 31, and never Mar 28. A yearly anchor on Feb 29 gives Feb 28 in common years and
Feb 29 again in the next leap year. Periods are half-open and in UTC.

Trials (the same choice as Stripe): while a subscription is in its trial, its current
period is the trial window `[start_at, trial_end)`, which is free and is not one of the
numbered periods; the first billed period (n = 0) starts at `trial_end`. See
`first_period`.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta
from typing import Final

from dateutil.relativedelta import relativedelta

MONTH: Final = "month"
YEAR: Final = "year"
MONTHS_PER_INTERVAL: Final[dict[str, int]] = {MONTH: 1, YEAR: 12}

NAIVE_DATETIME = "Billing times must be timezone-aware; got {value!r}."
UNKNOWN_INTERVAL = "The interval must be 'month' or 'year'; got {value!r}."
NEGATIVE_INDEX = "A period index counts from 0; got {value!r}."
BEFORE_ANCHOR = "{moment} is before the anchor {anchor}: no period contains it."
NEGATIVE_TRIAL_DAYS = "trial_days must be 0 or more; got {value!r}."
TRIAL_NOT_AFTER_START = "trial_end ({trial_end}) must be after start_at ({start_at})."


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(NAIVE_DATETIME.format(value=value))
    return value.astimezone(UTC)


def _months(interval: str) -> int:
    try:
        return MONTHS_PER_INTERVAL[interval]
    except KeyError:
        raise ValueError(UNKNOWN_INTERVAL.format(value=interval)) from None


@functools.lru_cache(maxsize=4096)  # pure; an invoice run asks it the same (anchor, months) thousands of times
def _shift(anchor: datetime, months: int) -> datetime:
    # From the anchor every time: relativedelta clamps Jan 31 + 1 month to Feb 28 but
    # Jan 31 + 2 months to Mar 31, which chaining (Feb 28 + 1 month) would not.
    return anchor + relativedelta(months=months)


def period_start(anchor: datetime, interval: str, n: int) -> datetime:
    """The start of the n-th period (n ≥ 0); the end of period n is the start of n + 1.

    >>> period_start(datetime(2026, 1, 31, tzinfo=UTC), "month", 1)
    datetime.datetime(2026, 2, 28, 0, 0, tzinfo=datetime.timezone.utc)
    """
    if n < 0:
        raise ValueError(NEGATIVE_INDEX.format(value=n))
    return _shift(_utc(anchor), n * _months(interval))


def period_bounds(anchor: datetime, interval: str, n: int) -> tuple[datetime, datetime]:
    """The n-th period `(start, end)` of `anchor`, half-open, in UTC.

    >>> jan31 = datetime(2026, 1, 31, tzinfo=UTC)
    >>> [d.date().isoformat() for d in period_bounds(jan31, "month", 1)]
    ['2026-02-28', '2026-03-31']
    """
    return period_start(anchor, interval, n), period_start(anchor, interval, n + 1)


def period_containing(anchor: datetime, interval: str, moment: datetime) -> tuple[int, datetime, datetime]:
    """`(n, start, end)` of the period with `start <= moment < end`.

    Raises ValueError for a moment before the anchor (it is in no period).

    >>> jan31 = datetime(2026, 1, 31, tzinfo=UTC)
    >>> n, start, end = period_containing(jan31, "month", datetime(2026, 3, 1, tzinfo=UTC))
    >>> n, start.date().isoformat(), end.date().isoformat()
    (1, '2026-02-28', '2026-03-31')
    """
    anchor, moment = _utc(anchor), _utc(moment)
    if moment < anchor:
        raise ValueError(BEFORE_ANCHOR.format(moment=moment.isoformat(), anchor=anchor.isoformat()))
    months = _months(interval)
    # A first guess from the calendar months between the two, then at most a step or
    # two to fix the day/time of month (and the clamping) that the guess ignores.
    elapsed = (moment.year - anchor.year) * 12 + moment.month - anchor.month
    n = max(elapsed // months, 0)
    while n > 0 and period_start(anchor, interval, n) > moment:
        n -= 1
    while period_start(anchor, interval, n + 1) <= moment:
        n += 1
    start, end = period_bounds(anchor, interval, n)
    return n, start, end


def trial_end_for(start_at: datetime, trial_days: int) -> datetime | None:
    """The end of a trial of `trial_days` whole days from `start_at`, or None for 0."""
    if trial_days < 0:
        raise ValueError(NEGATIVE_TRIAL_DAYS.format(value=trial_days))
    return _utc(start_at) + timedelta(days=trial_days) if trial_days else None


def billing_anchor(start_at: datetime, trial_end: datetime | None) -> datetime:
    """What the numbered periods count from: `trial_end` with a trial, else `start_at`."""
    if trial_end is None:
        return _utc(start_at)
    if _utc(trial_end) <= _utc(start_at):
        raise ValueError(TRIAL_NOT_AFTER_START.format(trial_end=trial_end, start_at=start_at))
    return _utc(trial_end)


def first_period(start_at: datetime, trial_end: datetime | None, interval: str) -> tuple[datetime, datetime]:
    """The current period of a new subscription: the trial window `[start_at, trial_end)`
    when there is a trial, else period 0 of `start_at`.

    It is always the *first* period, even for a `start_at` long in the past (a
    backfill): the invoice run then catches up every period that has ended since,
    one invoice each, instead of silently skipping them.

    >>> start = datetime(2026, 1, 1, tzinfo=UTC)
    >>> [d.date().isoformat() for d in first_period(start, datetime(2026, 1, 15, tzinfo=UTC), "month")]
    ['2026-01-01', '2026-01-15']
    >>> [d.date().isoformat() for d in first_period(start, None, "month")]
    ['2026-01-01', '2026-02-01']
    """
    anchor = billing_anchor(start_at, trial_end)
    if trial_end is not None:
        return _utc(start_at), anchor
    return period_bounds(anchor, interval, 0)
