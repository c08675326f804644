"""Calendar months as the graph counts them: ``YYYY-MM`` labels and absolute month numbers
(``year * 12 + month - 1``, UTC)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from lineage.errors import UsageError


def month_label(month: int) -> str:
    """``YYYY-MM`` of an absolute month number (``year * 12 + month - 1``).

    >>> month_label(2023 * 12 + 1)
    '2023-02'
    """
    return f"{month // 12:04d}-{month % 12 + 1:02d}"


def month_number(label: str) -> int:
    """Absolute month number of ``YYYY-MM`` (bad input: :class:`UsageError`).

    >>> month_number("2023-02") == 2023 * 12 + 1
    True
    """
    try:
        year, month = (int(part) for part in str(label).split("-")[:2])
        if not 1 <= month <= 12:
            raise ValueError
    except ValueError:
        raise UsageError(f"bad month {label!r}: use YYYY-MM, e.g. 2024-05") from None
    return year * 12 + month - 1


def months_of(times: pd.Series) -> np.ndarray:
    """Absolute month numbers of UTC timestamps, ``-1`` for NaT."""
    out = (times.dt.year * 12 + times.dt.month - 1).to_numpy(dtype=float, na_value=np.nan)
    return np.where(np.isnan(out), -1, out).astype(np.int64)

