"""Run history: every Compare and Sweep run is stored, so a link can show it again.

    store = open_history()                       # EXPLORER_HISTORY_URL, else SQLite
    record = store.save("compare", spec, results, model=..., endpoint=..., base_url=...)
    store.get(record.id)                         # -> RunRecord | None
    store.recent(10, kind="compare")

Where runs live, by database URL:

    sqlite:///relative/path.sqlite3      a file (relative to the working folder)
    sqlite:////absolute/path.sqlite3     a file, absolute path
    (none)                               sqlite:///<state dir>/runs.sqlite3, where the
                                         state dir is EXPLORER_STATE_DIR or
                                         ~/.cache/chat-completions-explorer/

Set `EXPLORER_HISTORY_URL` to choose. One SQLite file serves every session and
every app process on one machine. App replicas on several machines need a
shared database: write a class with the `HistoryStore` methods (save, get,
recent) for it, e.g. over PostgreSQL with one table shaped like `SCHEMA`, and
register it with `register_backend("postgresql", factory)`; then
`EXPLORER_HISTORY_URL=postgresql://host/db` makes every replica read and write
the same runs. No backend other than SQLite ships with the app.

The table changes only through `MIGRATIONS` (a list of `@migration`
functions, each run once per database and recorded in `_explorer_migrations`),
so a database written by an older version of the app is brought up to date
when it is opened.

A run never holds a key: requests carry none (the key lives in the client's
header), and `save` removes the given secrets and anything that looks like an
API key from every stored text before it is written.
"""

from __future__ import annotations

import json
import math
import os
import re
import secrets as _secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from ..http.errors import ExplorerError
from ..http.redaction import scrub

__all__ = [
    "HISTORY_URL_ENV",
    "RUN_ID",
    "MIGRATIONS",
    "SCHEMA",
    "HistoryError",
    "HistoryStore",
    "RunRecord",
    "SQLiteHistory",
    "default_history_url",
    "is_run_id",
    "migrate",
    "migration",
    "new_run_id",
    "open_history",
    "register_backend",
]

HISTORY_URL_ENV = "EXPLORER_HISTORY_URL"
# Run ids are random and unguessable: 12 URL-safe characters (72 bits).
RUN_ID = re.compile(r"^[A-Za-z0-9_-]{8,32}$")
KINDS = ("compare", "sweep")
MAX_RUNS = 10_000  # the oldest runs beyond this many are dropped

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id        TEXT PRIMARY KEY,   -- random, URL-safe; what a link carries as run=
    kind      TEXT NOT NULL,      -- compare | sweep
    created   REAL NOT NULL,      -- Unix seconds
    model     TEXT NOT NULL,      -- the model that answered
    endpoint  TEXT NOT NULL,      -- the profile's label, e.g. "Embedded engine"
    base_url  TEXT NOT NULL,      -- where the requests went (never with a key)
    spec      TEXT NOT NULL,      -- the comparison or sweep, as JSON (what the link holds)
    results   TEXT NOT NULL       -- what came back and the measures, as JSON
);
CREATE INDEX IF NOT EXISTS runs_created ON runs (created);
"""

# ---------------------------------------------------------------- migrations
#
# Schema changes as a list, as simonw/llm keeps them: each `@migration` runs once,
# in order, inside one write transaction, and the `_explorer_migrations` table
# records which have run. A database from before this list (the runs table
# alone) takes the first migration as a no-op. To change the table, append a
# function; never edit or reorder one that has shipped.

Migration = Callable[[sqlite3.Connection], None]
MIGRATIONS: list[Migration] = []


def migration(function: Migration) -> Migration:
    """Append `function` to the schema's migrations (it runs once per database)."""
    MIGRATIONS.append(function)
    return function


@migration
def m001_runs(db: sqlite3.Connection) -> None:
    """The runs table and its index on `created` (SCHEMA)."""
    buffer = ""
    for line in SCHEMA.splitlines(keepends=True):  # one statement at a time (no COMMIT)
        buffer += line
        if sqlite3.complete_statement(buffer):
            db.execute(buffer)
            buffer = ""


def migrate(db: sqlite3.Connection) -> list[str]:
    """Run the migrations this database has not had yet; returns their names."""
    db.execute("BEGIN IMMEDIATE")  # one process at a time decides what is missing
    try:
        db.execute(
            "CREATE TABLE IF NOT EXISTS _explorer_migrations "
            "(name TEXT PRIMARY KEY, applied REAL NOT NULL)"
        )
        done = {row[0] for row in db.execute("SELECT name FROM _explorer_migrations")}
        ran = []
        for function in MIGRATIONS:
            if function.__name__ not in done:
                function(db)
                db.execute(
                    "INSERT INTO _explorer_migrations VALUES (?, ?)",
                    (function.__name__, time.time()),
                )
                ran.append(function.__name__)
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    return ran


class HistoryError(ExplorerError):
    """Raised when the run history cannot be opened, read or written."""

    def __init__(self, message: str) -> None:
        self.message = message
        self.hint = (
            "The run still shows on this page, but it is not stored: check "
            f"{HISTORY_URL_ENV} and that the database is writable."
        )
        super().__init__(message)


@dataclass(frozen=True)
class RunRecord:
    """One stored run."""

    id: str
    kind: str
    created: float
    model: str
    endpoint: str
    base_url: str
    spec: dict[str, Any]
    results: Any


class HistoryStore(Protocol):
    """What a history backend provides (SQLite here; a shared database elsewhere)."""

    url: str

    def save(
        self,
        kind: str,
        spec: dict[str, Any],
        results: Any,
        *,
        model: str,
        endpoint: str,
        base_url: str,
        secrets: Sequence[str | None] = (),
    ) -> RunRecord: ...

    def get(self, run_id: str) -> RunRecord | None: ...

    def recent(self, limit: int = 20, *, kind: str | None = None) -> list[RunRecord]: ...


def new_run_id() -> str:
    """A new random run id."""
    return _secrets.token_urlsafe(9)


def is_run_id(value: Any) -> bool:
    """True for text shaped like a run id (what a link's run= may carry)."""
    return isinstance(value, str) and bool(RUN_ID.match(value))


def _json_safe(value: Any) -> Any:
    """`value` with NaN and infinities (which JSON cannot hold) replaced by None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    return value


def _dumps(value: Any) -> str:
    return json.dumps(_json_safe(value), ensure_ascii=False, allow_nan=False)


class SQLiteHistory:
    """Runs in one SQLite file; safe for many threads and processes on one machine."""

    def __init__(self, path: str | os.PathLike[str], *, max_runs: int = MAX_RUNS) -> None:
        self.path = Path(path)
        self.url = f"sqlite:///{self.path}"
        self.max_runs = max_runs
        self._lock = threading.Lock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with closing(self._connect()) as conn:
                conn.execute("PRAGMA journal_mode=WAL")
                migrate(conn)
        except (OSError, sqlite3.Error) as exc:
            raise HistoryError(f"Cannot open the run history at {self.path}: {exc}.") from None

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=10.0)

    def save(
        self,
        kind: str,
        spec: dict[str, Any],
        results: Any,
        *,
        model: str,
        endpoint: str,
        base_url: str,
        secrets: Sequence[str | None] = (),
    ) -> RunRecord:
        """Store a run (keys removed from every text) and return it with its new id."""
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
        spec_text = scrub(_dumps(spec), secrets)
        results_text = scrub(_dumps(results), secrets)
        record = RunRecord(
            id=new_run_id(),
            kind=kind,
            created=time.time(),
            model=scrub(model, secrets),
            endpoint=scrub(endpoint, secrets),
            base_url=scrub(base_url, secrets),
            spec=json.loads(spec_text),
            results=json.loads(results_text),
        )
        row = (
            record.id,
            record.kind,
            record.created,
            record.model,
            record.endpoint,
            record.base_url,
            spec_text,
            results_text,
        )
        try:
            with self._lock, closing(self._connect()) as conn, conn:
                conn.execute("INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?)", row)
                conn.execute(
                    "DELETE FROM runs WHERE id IN "
                    "(SELECT id FROM runs ORDER BY created DESC LIMIT -1 OFFSET ?)",
                    (self.max_runs,),
                )
        except sqlite3.Error as exc:
            raise HistoryError(f"Cannot store the run in {self.path}: {exc}.") from None
        return record

    def get(self, run_id: str) -> RunRecord | None:
        """The run with this id, or None (unknown id, malformed id, or unreadable row)."""
        if not is_run_id(run_id):
            return None
        try:
            with closing(self._connect()) as conn:
                row = conn.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
        except sqlite3.Error as exc:
            raise HistoryError(f"Cannot read the run history at {self.path}: {exc}.") from None
        return _record(row) if row is not None else None

    def recent(self, limit: int = 20, *, kind: str | None = None) -> list[RunRecord]:
        """The newest runs first (of one kind, if given)."""
        query = "SELECT * FROM runs"
        args: tuple[Any, ...] = ()
        if kind is not None:
            query += " WHERE kind = ?"
            args = (kind,)
        query += " ORDER BY created DESC LIMIT ?"
        try:
            with closing(self._connect()) as conn:
                rows = conn.execute(query, (*args, max(0, int(limit)))).fetchall()
        except sqlite3.Error as exc:
            raise HistoryError(f"Cannot read the run history at {self.path}: {exc}.") from None
        return [r for r in (_record(row) for row in rows) if r is not None]


def _record(row: Sequence[Any]) -> RunRecord | None:
    try:
        return RunRecord(
            id=row[0],
            kind=row[1],
            created=float(row[2]),
            model=row[3],
            endpoint=row[4],
            base_url=row[5],
            spec=json.loads(row[6]),
            results=json.loads(row[7]),
        )
    except (ValueError, TypeError, IndexError):
        return None


# ---------------------------------------------------------------- opening by URL

Factory = Callable[[str], HistoryStore]
_BACKENDS: dict[str, Factory] = {}


def register_backend(scheme: str, factory: Factory) -> None:
    """Make `open_history` build `factory(url)` for URLs starting with `scheme://`."""
    _BACKENDS[scheme.lower()] = factory


def default_history_url() -> str:
    """EXPLORER_HISTORY_URL, else a SQLite file in the app's state folder."""
    from_env = os.environ.get(HISTORY_URL_ENV, "").strip()
    if from_env:
        return from_env
    from ..engine.launcher import state_dir  # the one place that knows the state folder

    return f"sqlite:///{state_dir() / 'runs.sqlite3'}"


def _sqlite_path(url: str) -> str:
    rest = url[len("sqlite://") :]
    if not rest.startswith("/") or rest == "/":
        raise HistoryError(
            f"A SQLite history URL looks like sqlite:///runs.sqlite3 or "
            f"sqlite:////var/lib/explorer/runs.sqlite3, got {url!r}."
        )
    return rest[1:]


def open_history(url: str | None = None) -> HistoryStore:
    """The history store for `url` (default: `default_history_url()`)."""
    url = (url or default_history_url()).strip()
    scheme, sep, _ = url.partition("://")
    if not sep:
        raise HistoryError(f"A history URL needs a scheme such as sqlite:///, got {url!r}.")
    scheme = scheme.lower()
    if scheme == "sqlite":
        return SQLiteHistory(_sqlite_path(url))
    factory = _BACKENDS.get(scheme)
    if factory is None:
        raise HistoryError(
            f"No history backend for {scheme}:// URLs. SQLite ships with the app; for a shared "
            "database register one with explorer.runs.history.register_backend."
        )
    return factory(url)
