"""PostgreSQL's constant expressions evaluated in Python, with PostgreSQL's rules.

The defog scripts (:mod:`momq.databases.defog`) fill some columns with expressions of
the clock (``CURRENT_DATE - INTERVAL '5 days'``, ``TO_CHAR(NOW() - ..., ...)``,
``DATE_TRUNC('week', ...)``, ``EXTRACT``). MySQL cannot be given them as written (sqlglot
renders ``TO_CHAR``, ``DATE_TRUNC('week')`` and ``INTERVAL '15 MIN'`` wrongly or not at
all), so :class:`PgConstEvaluator` computes their values as PostgreSQL would, given one
reference time: interval arithmetic with month clamping, DATE_TRUNC with Monday weeks,
EXTRACT, and the TO_CHAR patterns the scripts use (:func:`to_char`).

:func:`script_dialect` is PostgreSQL as sqlglot reads it, except that TO_CHAR stays a
plain call (its format is evaluated here, not rewritten by sqlglot).
"""

from __future__ import annotations

import calendar
import datetime as dt
import decimal
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable


def is_clock(node) -> bool:
    from sqlglot import exp

    if isinstance(node, (exp.CurrentDate, exp.CurrentTimestamp, exp.CurrentTime)):
        return True
    return isinstance(node, exp.Anonymous) and node.name.upper() in {"NOW", "LOCALTIMESTAMP"}


@lru_cache(maxsize=1)
def script_dialect():
    """PostgreSQL as sqlglot reads it, except that TO_CHAR stays a plain function call:
    sqlglot would rewrite its format into strftime codes and lose what PostgreSQL
    does with the scripts' odd formats."""
    from sqlglot.dialects.postgres import Postgres

    class ScriptPostgres(Postgres):
        class Parser(Postgres.Parser):
            FUNCTIONS = {k: v for k, v in Postgres.Parser.FUNCTIONS.items() if k != "TO_CHAR"}

    return ScriptPostgres


_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


@dataclass(frozen=True)
class Interval:
    months: int = 0
    days: int = 0
    seconds: float = 0.0

    def scaled(self, sign: int) -> "Interval":
        return Interval(sign * self.months, sign * self.days, sign * self.seconds)


_UNITS = {
    "YEAR": (12, 0, 0),
    "MONTH": (1, 0, 0),
    "WEEK": (0, 7, 0),
    "DAY": (0, 1, 0),
    "HOUR": (0, 0, 3600),
    "MINUTE": (0, 0, 60),
    "MIN": (0, 0, 60),
    "SECOND": (0, 0, 1),
    "SEC": (0, 0, 1),
}


def parse_interval(text: str) -> Interval:
    """``'5 days'``, ``'1 year 2 months'``, ``'15 min'`` (PostgreSQL's input syntax)."""
    parts = text.replace(",", " ").split()
    months = days = 0
    seconds = 0.0
    if len(parts) % 2:
        raise ValueError(f"unsupported interval {text!r}")
    for amount, unit in zip(parts[::2], parts[1::2]):
        unit = unit.upper().rstrip("S") if unit.upper() not in {"S"} else "SECOND"
        if unit not in _UNITS:
            raise ValueError(f"unsupported interval unit in {text!r}")
        m, d, s = _UNITS[unit]
        value = decimal.Decimal(amount)
        if value != int(value) and (m or d):
            raise ValueError(f"fractional month/day intervals are not supported: {text!r}")
        months += int(value) * m
        days += int(value) * d
        seconds += float(value) * s
    return Interval(months, days, seconds)


def add_months(value: dt.datetime, months: int) -> dt.datetime:
    """PostgreSQL's month arithmetic: the day is clamped to the month's last day."""
    total = value.year * 12 + value.month - 1 + months
    year, month = divmod(total, 12)
    day = min(value.day, calendar.monthrange(year, month + 1)[1])
    return value.replace(year=year, month=month + 1, day=day)


def as_datetime(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time())
    raise ValueError(f"not a date/time value: {value!r}")


def shift(value: Any, interval: Interval) -> dt.datetime:
    """``timestamp + interval``: months first, then days, then the time part."""
    out = add_months(as_datetime(value), interval.months)
    return out + dt.timedelta(days=interval.days, seconds=interval.seconds)


_CASED_PATTERNS: list[tuple[str, Callable[[dt.datetime], str]]] = [
    # their case changes the output, so they match exactly
    ("FMMonth", lambda v: _MONTHS[v.month - 1]),
    ("MONTH", lambda v: _MONTHS[v.month - 1].upper().ljust(9)),
    ("Month", lambda v: _MONTHS[v.month - 1].ljust(9)),
    ("month", lambda v: _MONTHS[v.month - 1].lower().ljust(9)),
    ("DAY", lambda v: _DAYS[v.weekday()].upper().ljust(9)),
    ("Day", lambda v: _DAYS[v.weekday()].ljust(9)),
    ("day", lambda v: _DAYS[v.weekday()].lower().ljust(9)),
    ("MON", lambda v: _MONTHS[v.month - 1][:3].upper()),
    ("Mon", lambda v: _MONTHS[v.month - 1][:3]),
    ("mon", lambda v: _MONTHS[v.month - 1][:3].lower()),
]
_PATTERNS: list[tuple[str, Callable[[dt.datetime], str]]] = [
    # matched case-insensitively, longest first
    ("YYYY", lambda v: f"{v.year:04d}"),
    ("HH24", lambda v: f"{v.hour:02d}"),
    ("HH12", lambda v: f"{(v.hour % 12) or 12:02d}"),
    ("YYY", lambda v: f"{v.year % 1000:03d}"),
    ("YY", lambda v: f"{v.year % 100:02d}"),
    ("MM", lambda v: f"{v.month:02d}"),
    ("MI", lambda v: f"{v.minute:02d}"),
    ("SS", lambda v: f"{v.second:02d}"),
    ("DD", lambda v: f"{v.day:02d}"),
    ("HH", lambda v: f"{(v.hour % 12) or 12:02d}"),
    ("Y", lambda v: str(v.year % 10)),
    ("D", lambda v: str(v.isoweekday() % 7 + 1)),  # day of the week, Sunday = 1
    ("I", lambda v: str(v.isocalendar()[0] % 10)),  # last digit of the ISO year
]


def to_char(value: Any, fmt: str) -> str:
    """The subset of PostgreSQL's TO_CHAR template patterns the defog scripts use (and
    close neighbours); other characters are copied as they are, as PostgreSQL does.
    The scripts hold MySQL-style formats (``'%Y%m%d %H:%i:%s'``) that PostgreSQL reads
    its own way (``%Y`` -> ``%`` + last digit of the year, ``%d`` -> day of the week,
    ``%i`` -> last digit of the ISO year): reproduced here."""
    value = as_datetime(value)
    out, i = [], 0
    while i < len(fmt):
        for pattern, render in _CASED_PATTERNS:  # noqa: B007
            if fmt.startswith(pattern, i):
                break
        else:
            for pattern, render in _PATTERNS:  # noqa: B007
                if fmt[i : i + len(pattern)].upper() == pattern:
                    break
            else:
                out.append(fmt[i])
                i += 1
                continue
        out.append(render(value))
        i += len(pattern)
    return "".join(out)


class PgConstEvaluator:
    """Evaluates the constant expressions of the defog INSERTs with PostgreSQL's rules,
    given the reference time. Raises ValueError on anything it does not know, so a new
    construct in a script fails loudly instead of loading a wrong value."""

    def __init__(self, ref: dt.datetime):
        self.ref = ref

    def value(self, node) -> Any:
        from sqlglot import exp

        if isinstance(node, exp.Null):
            return None
        if isinstance(node, exp.Boolean):
            return bool(node.this)
        if isinstance(node, exp.Literal):
            if node.is_string:
                return node.this
            text = node.this
            return int(text) if text.lstrip("-").isdigit() else decimal.Decimal(text)
        if isinstance(node, exp.Neg):
            return -self.value(node.this)
        if isinstance(node, exp.Paren):
            return self.value(node.this)
        if isinstance(node, exp.CurrentDate):
            return self.ref.date()
        if is_clock(node):
            return self.ref
        if isinstance(node, exp.Interval):
            unit = node.args.get("unit")
            text = node.this.name if isinstance(node.this, exp.Literal) else node.this.sql()
            return parse_interval(f"{text} {unit.name}" if unit is not None else text)
        if isinstance(node, (exp.Add, exp.Sub)):
            left, right = self.value(node.this), self.value(node.expression)
            sign = 1 if isinstance(node, exp.Add) else -1
            if isinstance(right, Interval):
                return shift(left, right.scaled(sign))
            if isinstance(left, Interval):
                return shift(right, left) if sign == 1 else None
            return left + sign * right
        if isinstance(node, exp.Mul):
            return self.value(node.this) * self.value(node.expression)
        if isinstance(node, exp.Div):
            return decimal.Decimal(self.value(node.this)) / decimal.Decimal(self.value(node.expression))
        if isinstance(node, exp.TimestampTrunc) or isinstance(node, exp.DateTrunc):
            unit = node.args.get("unit")
            return self._trunc(unit.name.upper() if unit is not None else "DAY", self.value(node.this))
        if isinstance(node, exp.Extract):
            part = node.this.name.upper()
            value = as_datetime(self.value(node.expression))
            if part == "EPOCH":
                aware = value.astimezone()  # the load session's time zone is the local one
                return decimal.Decimal(int(aware.timestamp())) + decimal.Decimal(value.microsecond) / 1_000_000
            return {
                "YEAR": value.year,
                "MONTH": value.month,
                "DAY": value.day,
                "HOUR": value.hour,
                "MINUTE": value.minute,
                "DOW": value.isoweekday() % 7,
            }[part]
        if isinstance(node, exp.Anonymous) and node.name.upper() == "TO_CHAR" and len(node.expressions) == 2:
            return to_char(self.value(node.expressions[0]), self.value(node.expressions[1]))
        if isinstance(node, exp.Cast) and isinstance(node.this, exp.Literal):
            target = node.to.this.name
            text = self.value(node.this)
            if target == "DATE":
                return dt.date.fromisoformat(str(text))
            if target.startswith("TIMESTAMP") or target == "DATETIME":
                return dt.datetime.fromisoformat(str(text)).replace(tzinfo=None)
            return text
        raise ValueError(f"cannot evaluate {node.sql(script_dialect())!r} for MySQL")

    @staticmethod
    def _trunc(unit: str, value: Any) -> dt.datetime:
        value = as_datetime(value)
        if unit == "YEAR":
            return value.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
        if unit == "QUARTER":
            return value.replace(month=(value.month - 1) // 3 * 3 + 1, day=1, hour=0, minute=0, second=0, microsecond=0)
        if unit == "MONTH":
            return value.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        if unit == "WEEK":  # ISO weeks start on Monday
            day = value - dt.timedelta(days=value.weekday())
            return day.replace(hour=0, minute=0, second=0, microsecond=0)
        if unit == "DAY":
            return value.replace(hour=0, minute=0, second=0, microsecond=0)
        if unit == "HOUR":
            return value.replace(minute=0, second=0, microsecond=0)
        raise ValueError(f"unsupported DATE_TRUNC unit {unit}")
