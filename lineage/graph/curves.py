"""Monthly derivative counts and the long growth-curve frame they become
(``model, scope, month, age_months, count, cumulative, complete``: the contract with
:mod:`growth`).

``complete`` says whether a month's derivatives are all in: False only for a snapshot's
running month, which curves leave out unless asked for (``running_month=True``); fits leave
out rows whose ``complete`` is False, so every path fits the same months.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from lineage.errors import UsageError
from lineage.graph.table import Table

if TYPE_CHECKING:
    import pandas as pd
    from scipy.sparse import csr_matrix

CURVE_COLUMNS = ["model", "scope", "month", "age_months", "count", "cumulative", "complete"]
SCOPES = ("transitive", "direct")


@dataclass
class MonthlyCounts:
    """Derivatives per calendar month of every model that has any (one filter, one scope).

    ``matrix`` (scipy CSR): ``matrix[i, j]`` derivatives of ``models[i]`` counted in
    ``months[j]``; ``release[i]`` is the column of its release month (the last column is the
    snapshot month); ``moved`` is how many (model, derivative) pairs were dated before the
    model and counted in its release month.

    Parameters
    ----------
    models : numpy.ndarray
        The ids of the models with derivatives.
    months : list of str
        The column labels (``YYYY-MM``).
    matrix : scipy.sparse.csr_matrix
        Derivatives by model and month.
    release : numpy.ndarray
        The release column of each model.
    scope : str
        ``transitive`` or ``direct``.
    moved : int
        Derivatives dated before their model, counted in its release month.

    Examples
    --------
    >>> import pandas as pd
    >>> from lineage.graph import LineageGraph
    >>> g = LineageGraph.from_frames(
    ...     pd.DataFrame({"id": ["b", "f"], "created_at": ["2024-01-09", "2024-02-02"]}),
    ...     pd.DataFrame({"child": ["f"], "parent": ["b"]}), snapshot_time="2024-03-20")
    >>> m = g.monthly_counts("direct")
    >>> m.models.tolist(), m.months, m.matrix.toarray().tolist()
    (['b'], ['2024-01', '2024-02', '2024-03'], [[0, 1, 0]])
    """

    scope: str
    models: np.ndarray
    months: list[str]
    matrix: csr_matrix
    release: np.ndarray
    moved: int

    def by_age(self) -> csr_matrix:
        """The counts by age: ``[i, a]`` counts derivatives of ``models[i]`` in its ``a``-th
        month after release (0 = the release month).

        Returns
        -------
        scipy.sparse.csr_matrix

        Examples
        --------
        >>> import pandas as pd
        >>> from lineage.graph import LineageGraph
        >>> g = LineageGraph.from_frames(
        ...     pd.DataFrame({"id": ["b", "f", "q"],
        ...                   "created_at": ["2024-01", "2024-02", "2024-05"]}),
        ...     pd.DataFrame({"child": ["f", "q"], "parent": ["b", "f"],
        ...                   "relation": ["finetune", "quantized"]}),
        ...     snapshot_time="2024-06-15")
        >>> m = g.monthly_counts("direct")
        >>> m.matrix.toarray()[1].tolist(), m.by_age().toarray()[1].tolist()
        ([0, 0, 0, 0, 1, 0], [0, 0, 0, 1, 0, 0])
        """
        from scipy.sparse import csr_matrix

        cells = self.matrix.tocoo()
        return csr_matrix(
            (cells.data, (cells.row, cells.col - self.release[cells.row])),
            shape=self.matrix.shape,
        )

    def curves(
        self,
        models: Iterable[str] | None = None,
        *,
        last_complete: str | None = None,
        running_month: bool = False,
        as_frame: bool = True,
    ) -> pd.DataFrame | Table:
        """Long growth-curve frame (``model, scope, month, age_months, count, cumulative,
        complete``).

        One row per month from each model's release month to ``last_complete`` (``YYYY-MM``;
        default: the last of :attr:`months`), and with ``running_month`` on to the snapshot
        month, the months after ``last_complete`` having ``complete`` False.

        Parameters
        ----------
        models : iterable of str, optional
            Model ids among :attr:`models` (default: all).
        last_complete : str, optional
            ``YYYY-MM``.
        running_month : bool
            Add the months after ``last_complete``.
        as_frame : bool
            A ``pandas.DataFrame`` (default) or the :class:`~lineage.graph.table.Table` of
            its columns.

        Returns
        -------
        pandas.DataFrame or Table

        Examples
        --------
        >>> import pandas as pd
        >>> from lineage.graph import LineageGraph
        >>> g = LineageGraph.from_frames(
        ...     pd.DataFrame({"id": ["b", "f", "q"],
        ...                   "created_at": ["2024-01", "2024-02", "2024-05"]}),
        ...     pd.DataFrame({"child": ["f", "q"], "parent": ["b", "f"],
        ...                   "relation": ["finetune", "quantized"]}),
        ...     snapshot_time="2024-06-15")
        >>> m = g.monthly_counts("direct")
        >>> m.curves(["f"], last_complete="2024-05")["cumulative"].tolist()
        [0, 0, 0, 1]
        """
        rows = np.arange(len(self.models))
        if models is not None:
            import pandas as pd

            pos = pd.Index(self.models).get_indexer(list(models))
            rows = pos[pos >= 0]
        n_cols = len(self.months)
        lens = n_cols - self.release[rows]
        row = np.repeat(rows, lens)
        local = np.repeat(np.arange(len(rows)), lens)
        age = np.arange(int(lens.sum())) - np.repeat(np.cumsum(lens) - lens, lens)
        col = self.release[row] + age
        count = self.matrix[rows].toarray()[local, col].astype(np.int64)
        cumulative = np.cumsum(count)
        if len(cumulative):
            starts = np.cumsum(lens) - lens
            base = np.repeat(np.concatenate([[0], cumulative])[starts], lens)
            cumulative = cumulative - base
        month = np.asarray(self.months, dtype=object)[col]
        complete = (
            np.ones(len(month), dtype=bool) if last_complete is None else month <= last_complete
        )
        table = Table(
            {
                "model": self.models[row],
                "scope": np.full(len(row), self.scope, dtype=object),
                "month": month,
                "age_months": age.astype(np.int64),
                "count": count,
                "cumulative": cumulative.astype(np.int64),
                "complete": complete,
            }
        )
        if not running_month:
            table = table.select(complete)
        return table.to_frame() if as_frame else table


def check_scope(scope: str) -> None:
    """Raise :class:`~lineage.errors.UsageError` unless ``scope`` is a scope.

    Parameters
    ----------
    scope : str
        ``transitive`` or ``direct``.

    Returns
    -------
    None

    Examples
    --------
    >>> check_scope("children")
    Traceback (most recent call last):
    ...
    lineage.errors.UsageError: scope must be 'transitive' or 'direct', got 'children'
    """
    if scope not in SCOPES:
        raise UsageError(f"scope must be 'transitive' or 'direct', got {scope!r}")
