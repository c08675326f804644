"""Tables as named numpy columns: what the graph's table methods compute, before pandas.

Importing pandas costs a fresh process about 0.26 CPU s, as much as reading a 300k-model
snapshot's whole file once. The graph computes its tables (growth curves, lineage tables) as
numpy columns in a :class:`Table`; the methods return a ``pandas.DataFrame`` made from it by
default (``as_frame=True``), and ``as_frame=False`` gives the :class:`Table` itself, which
is how the command line answers about one model without loading pandas.

>>> import numpy as np
>>> t = Table({"model": np.array(["a", "b"], dtype=object), "depth": np.array([0, 1])})
>>> len(t), t.columns, t["depth"].tolist(), list(t.rows())
(2, ['model', 'depth'], [0, 1], [('a', 0), ('b', 1)])
>>> t.to_frame().shape
(2, 2)
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd


class Table:
    """Named columns of one length (numpy arrays), in order, with ``attrs`` (as a
    DataFrame's: facts about the whole table).

    Parameters
    ----------
    columns : mapping of str to array-like
        The columns, in order; each becomes a numpy array.
    attrs : dict, optional
        Facts about the table (for growth curves: ``moved``).

    Examples
    --------
    >>> t = Table({"x": [1, 2, 3]}, attrs={"note": "three"})
    >>> t["x"].dtype.kind, t.attrs["note"], t.to_frame().attrs["note"]
    ('i', 'three', 'three')
    """

    def __init__(self, columns: Mapping[str, Any], attrs: dict | None = None) -> None:
        self._columns = {str(name): _column(values) for name, values in columns.items()}
        lengths = {len(v) for v in self._columns.values()}
        if len(lengths) > 1:
            raise ValueError(f"columns of different lengths: {sorted(lengths)}")
        self._length = lengths.pop() if lengths else 0
        self.attrs: dict = dict(attrs or {})

    @property
    def columns(self) -> list[str]:
        """The column names, in order."""
        return list(self._columns)

    def __getitem__(self, name: str) -> np.ndarray:
        return self._columns[name]

    def __contains__(self, name: object) -> bool:
        return name in self._columns

    def __len__(self) -> int:
        return self._length

    def __repr__(self) -> str:
        return f"Table({self._length} rows: {', '.join(self._columns)})"

    def rows(self) -> Iterator[tuple]:
        """The rows as tuples of Python values (numpy scalars converted).

        Examples
        --------
        >>> next(Table({"a": [1.5], "b": [True]}).rows())
        (1.5, True)
        """
        return zip(*(v.tolist() for v in self._columns.values()), strict=True)

    def select(self, rows: np.ndarray | slice) -> Table:
        """The table of these rows (a boolean mask, positions or a slice), ``attrs`` kept.

        Examples
        --------
        >>> Table({"a": [1, 2, 3]}).select(np.array([True, False, True]))["a"].tolist()
        [1, 3]
        """
        return Table({k: v[rows] for k, v in self._columns.items()}, self.attrs)

    @classmethod
    def concat(cls, tables: list[Table], columns: list[str]) -> Table:
        """The rows of ``tables`` one after the other (each has ``columns``); no tables give
        empty columns. ``attrs`` are the first table's.

        Examples
        --------
        >>> t = Table.concat([Table({"a": [1]}), Table({"a": [2, 3]})], ["a"])
        >>> t["a"].tolist(), len(Table.concat([], ["a"]))
        ([1, 2, 3], 0)
        """
        if not tables:
            return cls({c: np.empty(0) for c in columns})
        return cls({c: np.concatenate([t[c] for t in tables]) for c in columns}, tables[0].attrs)

    def to_frame(self) -> pd.DataFrame:
        """The table as a ``pandas.DataFrame`` (``attrs`` kept); text columns with missing
        values (None) stay ``object``, others take pandas's own dtypes.

        Examples
        --------
        >>> Table({"a": [1, 2], "b": ["x", None]}).to_frame().values.tolist()
        [[1, 'x'], [2, None]]
        """
        import pandas as pd

        columns = {  # text with missing values stays object (pandas would make them NaN)
            name: pd.Series(values, dtype=object)
            if values.dtype == object and any(v is None for v in values.tolist())
            else values
            for name, values in self._columns.items()
        }
        frame = pd.DataFrame(columns, columns=self.columns)
        frame.attrs.update(self.attrs)
        return frame

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> Table:
        """The columns of ``frame`` with missing values (NaN, NA, NaT) as None in object
        columns; numeric columns without missing values keep their dtype.

        Examples
        --------
        >>> import pandas as pd
        >>> t = Table.from_frame(pd.DataFrame({"a": [1, None], "b": [1, 2]}))
        >>> t["a"].tolist(), t["b"].dtype.kind
        ([1.0, None], 'i')
        """
        columns = {}
        for name in frame.columns:
            series = frame[name]
            missing = series.isna().to_numpy(dtype=bool)
            if series.dtype.kind in "biuf" and not missing.any():
                columns[str(name)] = series.to_numpy()
            else:
                values = series.to_numpy(dtype=object, copy=True)
                values[missing] = None
                columns[str(name)] = values
        return cls(columns, frame.attrs)


def _column(values: Any) -> np.ndarray:
    """``values`` as a one-dimensional numpy array. A list of one type of number or flag
    becomes a numeric array; text and mixed lists stay Python objects (numpy would make
    fixed-width strings of text, strings of the numbers beside it, and 1.0 of a True).

    >>> _column(["a", 1]).tolist(), _column([1.5, True]).tolist(), _column([1, 2]).dtype.kind
    (['a', 1], [1.5, True], 'i')
    """
    if isinstance(values, np.ndarray):
        array = values
    elif len({type(v) for v in values}) > 1:
        array = np.empty(len(values), dtype=object)
        array[:] = list(values)
        return array
    else:
        array = np.asarray(values)
    if array.dtype.kind in "US":
        array = array.astype(object)
    return array
