"""Calendar months as the graph counts them: ``YYYY-MM`` labels and absolute month numbers
(``year * 12 + month - 1``, UTC)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np

from lineage.errors import UsageError

if TYPE_CHECKING:  # pandas loads where a timestamp is parsed: counting months needs numpy only
    import pandas as pd

#: numpy's NaT as int64 nanoseconds.
NAT_NS = np.iinfo(np.int64).min


def month_label(month: int) -> str:
    """``YYYY-MM`` of an absolute month number (``year * 12 + month - 1``).

    Parameters
    ----------
    month : int
        ``year * 12 + month - 1``.

    Returns
    -------
    str

    Examples
    --------
    >>> month_label(2023 * 12 + 1)
    '2023-02'
    """
    return f"{month // 12:04d}-{month % 12 + 1:02d}"


def month_number(label: str) -> int:
    """Absolute month number of ``YYYY-MM`` (bad input: :class:`UsageError`).

    Parameters
    ----------
    label : str
        ``YYYY-MM``.

    Returns
    -------
    int
        ``year * 12 + month - 1``.

    Examples
    --------
    >>> month_number("2023-02") == 2023 * 12 + 1
    True
    """
    try:
        year, month = (int(part) for part in str(label).split("-")[:2])
        if not 1 <= month <= 12:
            raise ValueError
    except ValueError as exc:
        raise UsageError(f"bad month {label!r}: use YYYY-MM, e.g. 2024-05") from exc
    return year * 12 + month - 1


def months_of(ns: np.ndarray) -> np.ndarray:
    """Absolute month numbers of UTC instants given as int64 nanoseconds since the epoch,
    ``-1`` for NaT.

    Parameters
    ----------
    ns : numpy.ndarray
        int64 nanoseconds (UTC; :data:`NAT_NS` for none), e.g.
        ``pandas.DatetimeIndex(times).as_unit("ns").asi8``.

    Returns
    -------
    numpy.ndarray
        int64, ``year * 12 + month - 1``.

    Examples
    --------
    >>> ns = np.array(["2024-02-10", "NaT"], dtype="datetime64[ns]").astype(np.int64)
    >>> months_of(ns).tolist()
    [24289, -1]
    """
    ns = np.asarray(ns, dtype=np.int64)
    months = ns.view("datetime64[ns]").astype("datetime64[M]").astype(np.int64) + 1970 * 12
    return np.where(ns == NAT_NS, -1, months)


def month_start_ns(month: int) -> int:
    """The first instant (UTC) of an absolute month number, as int64 nanoseconds.

    Parameters
    ----------
    month : int
        ``year * 12 + month - 1``.

    Returns
    -------
    int

    Examples
    --------
    >>> month_start_ns(1970 * 12 + 1) == 31 * 86_400 * 10**9
    True
    """
    return int(np.datetime64(month - 1970 * 12, "M").astype("datetime64[ns]").astype(np.int64))


def instant_ns(value) -> int | None:
    """A timestamp (``datetime``, ``pandas.Timestamp`` or ISO 8601 text; naive taken as UTC)
    as int64 nanoseconds since the epoch, or None for None/NaT.

    Parameters
    ----------
    value : datetime, str or None
        The instant.

    Returns
    -------
    int or None

    Examples
    --------
    >>> instant_ns("1970-01-01T00:00:01+00:00"), instant_ns(None)
    (1000000000, None)
    """
    import calendar
    import datetime as dt

    if value is None or value != value:  # None, NaT
        return None
    extra_ns = 0
    if isinstance(value, str):  # datetime keeps microseconds: the nanoseconds are added
        digits = re.search(r"[T ][\d:]+\.(\d{7,9})", value)
        extra_ns = int(digits.group(1)[6:].ljust(3, "0")) if digits else 0
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    whole = calendar.timegm(value.utctimetuple())  # whole seconds, rounded down
    # a pandas Timestamp carries nanoseconds beyond the microseconds
    return whole * 10**9 + value.microsecond * 1000 + getattr(value, "nanosecond", extra_ns)


def end_of(date) -> pd.Timestamp:
    """The last instant (UTC) of a date given as ``YYYY-MM`` (the month's last nanosecond) or
    ``YYYY-MM-DD`` (the day's); a timestamp with a time of day is taken as it is.

    Parameters
    ----------
    date : str or timestamp
        ``YYYY-MM``, ``YYYY-MM-DD`` or a timestamp.

    Returns
    -------
    pandas.Timestamp
        In UTC.

    Examples
    --------
    >>> str(end_of("2024-02")), str(end_of("2024-02-10"))
    ('2024-02-29 23:59:59.999999999+00:00', '2024-02-10 23:59:59.999999999+00:00')
    """
    import pandas as pd

    text = str(date).strip()
    try:
        if re.fullmatch(r"\d{4}-\d{1,2}", text):
            start = pd.Timestamp(year=int(text[:4]), month=int(text[5:]), day=1, tz="UTC")
            return start + pd.offsets.MonthBegin(1) - pd.Timedelta(1, "ns")
        stamp = pd.Timestamp(date)
    except (ValueError, TypeError) as exc:
        raise UsageError(f"bad date {date!r}: use YYYY-MM or YYYY-MM-DD, e.g. 2024-05") from exc
    if stamp is pd.NaT:
        raise UsageError(f"bad date {date!r}: use YYYY-MM or YYYY-MM-DD, e.g. 2024-05")
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    if re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", text):
        return stamp.normalize() + pd.Timedelta(1, "D") - pd.Timedelta(1, "ns")
    return stamp
