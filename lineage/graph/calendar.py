"""Calendar months as the graph counts them: ``YYYY-MM`` labels and absolute month numbers
(``year * 12 + month - 1``, UTC)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from lineage.errors import UsageError


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


def months_of(times: pd.Series) -> np.ndarray:
    """Absolute month numbers of UTC timestamps, ``-1`` for NaT.

    Parameters
    ----------
    times : pandas.Series
        Timestamps (datetime64, UTC).

    Returns
    -------
    numpy.ndarray
        int64, ``year * 12 + month - 1``.

    Examples
    --------
    >>> months_of(pd.Series(pd.to_datetime(["2024-02-10", None], utc=True))).tolist()
    [24289, -1]
    """
    out = (times.dt.year * 12 + times.dt.month - 1).to_numpy(dtype=float, na_value=np.nan)
    return np.where(np.isnan(out), -1, out).astype(np.int64)


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
