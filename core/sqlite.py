"""SQLite (the embedded default) refuses what PostgreSQL answers: values a visitor can type that
SQLite cannot hold are made to match nothing, as they do on PostgreSQL, instead of raising.

- An integer beyond 64 bits ("99999999999999999999" in a query string, a form's choice or a path)
  cannot be bound by Python's ``sqlite3`` (``OverflowError``); PostgreSQL compares it and finds no
  row. It is bound as text, which SQLite compares numerically with an integer column: no match.
- An aware date-time at the edge of the calendar (a filter's "0001-01-01" in UTC+7) cannot be
  turned into the naive UTC that Django stores on SQLite (year 0); it is clamped to the first or
  last moment SQLite's text can hold, which sorts and compares as the same edge.
"""

import datetime
import sqlite3
from typing import Any

_INT64 = range(-(2**63), 2**63)
_FIRST = "0001-01-01 00:00:00"
_LAST = "9999-12-31 23:59:59.999999"


def _int_adapt(value: int) -> int | str:
    return value if value in _INT64 else str(value)


def sqlite_connection_harden(sender: Any, connection: Any, **kwargs: Any) -> None:
    """``connection_created`` receiver: harden a new SQLite connection (others are left alone)."""
    if connection.vendor != "sqlite" or getattr(connection.ops, "_hardened", False):
        return
    sqlite3.register_adapter(int, _int_adapt)
    original = connection.ops.adapt_datetimefield_value

    def adapt_datetimefield_value(value: Any) -> Any:
        try:
            return original(value)
        except OverflowError:
            return _FIRST if isinstance(value, datetime.datetime) and value.year < 5000 else _LAST

    connection.ops.adapt_datetimefield_value = adapt_datetimefield_value
    connection.ops._hardened = True
