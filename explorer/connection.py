"""Moved to `explorer.http.endpoints`; this name stays only for scripts/load_test.py.

scripts/load_test.py belongs to another line of work and still imports
`explorer.connection`; once it imports `explorer.http.endpoints`, delete this file.
Nothing else may import it (an import-linter contract checks that).
"""

from .http.endpoints import *  # noqa: F403
from .http.endpoints import __all__ as __all__
