"""Every error hf-lineage raises on purpose.

Each message is one line that names the problem and what to do about it; the CLI prints it
as is and exits non-zero (``exit_code``).
"""


class HfLineageError(Exception):
    """Base class of hf-lineage's own errors."""

    exit_code = 1


class UsageError(HfLineageError):
    """Bad input from the user: an option, a file or an id that cannot be used."""

    exit_code = 2
