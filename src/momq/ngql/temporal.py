"""Date, time and datetime arithmetic with integers and durations (NebulaGraph 3.8).

NebulaGraph's ``Value`` operators (``src/common/datatypes/Value.cpp``) allow
``date + int`` / ``int + date`` / ``date - int`` (days), ``date - date`` (the number of
days between them, an INT), ``date|time|datetime +/- duration`` and
``duration +/- duration``; every other temporal mix is a BAD_TYPE NULL. Adding a
duration follows ``Date::addDuration``, ``Time::addDuration`` and
``DateTime::addDuration`` (``src/common/datatypes/Date.cpp``) field by field, carries
included, so that e.g. ``date("2020-01-31") + duration({months: 1})`` is 2020-03-02
as in NebulaGraph (the day is not clamped to the month's length first). A date only
takes the months and whole days of a duration, a time only its seconds and
microseconds. ``duration(map)`` follows ``TimeUtils::durationFromMap``.
"""

from __future__ import annotations

import calendar
import datetime as _dt
from typing import Any

from momq.ngql.values import BAD_DATA, BAD_TYPE, Duration

SECONDS_OF_DAY = 86400
_EPOCH = _dt.date(1970, 1, 1)


def _tdiv(a: int, b: int) -> int:
    """C++ integer division (truncates toward zero)."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


def _tmod(a: int, b: int) -> int:
    """C++ ``%`` (the sign of the dividend)."""
    return a - b * _tdiv(a, b)


def _carry(value: int, base: int, strict: bool = False) -> tuple[int, int]:
    """Split ``value`` into ``(field, carry)`` as NebulaGraph's addDuration does:
    truncating division, then borrow one when the field went negative (or, for
    ``strict`` fields that start at 1 like months, when it is not positive)."""
    carry = 0
    field = value
    if (abs(value) > base) if strict else (abs(value) >= base):
        carry = _tdiv(value, base)
        field = _tmod(value, base)
    if field <= 0 if strict else field < 0:
        carry -= 1
        field += base
    return field, carry


def _dom(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def _add_days(year: int, month: int, day: int) -> tuple[int, int, int]:
    """Normalise a day count that may run past the month (forwards or backwards)."""
    if day > 0:
        dom = _dom(year, month)
        while day > dom:
            day -= dom
            month += 1
            if month > 12:
                year, month = year + 1, 1
            dom = _dom(year, month)
    else:
        while day <= 0:
            prev_year, prev_month = (year - 1, 12) if month == 1 else (year, month - 1)
            day += _dom(prev_year, prev_month)
            year, month = prev_year, prev_month
    return year, month, day


def _date_plus_duration(d: _dt.date, dur: Duration) -> tuple[int, int, int]:
    month, carry = _carry(d.month + dur.months, 12, strict=True)
    return _add_days(d.year + carry, month, d.day + _tdiv(dur.seconds, SECONDS_OF_DAY))


def _clock_plus_duration(hour: int, minute: int, sec: int, micro: int, dur: Duration) -> tuple[int, ...]:
    """``(hour, minute, sec, micro, day_carry)`` after adding the duration's seconds."""
    micro, carry = _carry(micro + dur.microseconds, 1_000_000)
    sec, carry = _carry(sec + dur.seconds + carry, 60)
    minute, carry = _carry(minute + carry, 60)
    hour, carry = _carry(hour + carry, 24)
    return hour, minute, sec, micro, carry


def add_duration(value: Any, dur: Duration, sign: int = 1) -> Any:
    """``value + dur`` (``sign`` 1) or ``value - dur`` (``sign`` -1) for a date, time or datetime."""
    if sign < 0:
        dur = Duration(-dur.months, -dur.seconds, -dur.microseconds)
    try:
        if value.__class__ is _dt.date:
            return _dt.date(*_date_plus_duration(value, dur))
        if value.__class__ is _dt.time:
            h, mi, s, us, _ = _clock_plus_duration(value.hour, value.minute, value.second, value.microsecond, dur)
            return _dt.time(h, mi, s, us)
        if value.__class__ is _dt.datetime:
            month, carry = _carry(value.month + dur.months, 12, strict=True)
            year = value.year + carry
            h, mi, s, us, day_carry = _clock_plus_duration(
                value.hour, value.minute, value.second, value.microsecond, dur
            )
            year, month, day = _add_days(year, month, value.day + day_carry)
            return _dt.datetime(year, month, day, h, mi, s, us)
    except (ValueError, OverflowError):
        return BAD_DATA
    return BAD_TYPE


def date_plus_days(d: _dt.date, days: int) -> Any:
    """``Date + int``: the date ``days`` days later (``Date(toInt() + days)``)."""
    try:
        return d + _dt.timedelta(days=days)
    except (ValueError, OverflowError):
        return BAD_DATA


def days_between(a: _dt.date, b: _dt.date) -> int:
    """``Date - Date``: the difference of the two dates' day numbers."""
    return (a - _EPOCH).days - (b - _EPOCH).days


def add_durations(a: Duration, b: Duration, sign: int = 1) -> Duration:
    return Duration(a.months + sign * b.months, a.seconds + sign * b.seconds, a.microseconds + sign * b.microseconds)


_DURATION_UNITS = {
    "years": (12, 0),
    "quarters": (3, 0),
    "months": (1, 0),
    "weeks": (0, 7 * SECONDS_OF_DAY),
    "days": (0, SECONDS_OF_DAY),
    "hours": (0, 3600),
    "minutes": (0, 60),
    "seconds": (0, 1),
}


def duration_from_map(m: dict) -> Any:
    """``duration({years: 1, days: 2, ...})``; BAD_DATA for a non-integer value or an unknown key."""
    months = seconds = micros = 0
    for key, value in m.items():
        if not isinstance(value, int) or isinstance(value, bool):
            return BAD_DATA
        if key in _DURATION_UNITS:
            per_month, per_second = _DURATION_UNITS[key]
            months += per_month * value
            seconds += per_second * value
        elif key == "milliseconds":
            seconds += _tdiv(value, 1000)
            micros += _tmod(value, 1000) * 1000
        elif key == "microseconds":
            micros += value
        else:
            return BAD_DATA
    return Duration(months, seconds, micros)
