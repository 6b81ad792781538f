"""Moved to `explorer.runs.compare`; this name stays only for scripts/load_test.py.

scripts/load_test.py belongs to another line of work and still imports
`explorer.compare`; once it imports `explorer.runs.compare`, delete this file.
Nothing else may import it (an import-linter contract checks that).
"""

from .runs.compare import *  # noqa: F403
from .runs.compare import __all__ as __all__
