"""Moved to `explorer.runs.history`; this name stays only for scripts/load_test.py.

scripts/load_test.py belongs to another line of work and still imports
`explorer.history`; once it imports `explorer.runs.history`, delete this file.
Nothing else may import it (an import-linter contract checks that).
"""

from .runs.history import *  # noqa: F403
from .runs.history import __all__ as __all__
