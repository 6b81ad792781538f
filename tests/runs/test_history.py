"""Run history: stored, found again by id, shared between stores, never holding a key."""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

import pytest

from explorer.runs.history import (
    HISTORY_URL_ENV,
    MIGRATIONS,
    SCHEMA,
    HistoryError,
    SQLiteHistory,
    default_history_url,
    is_run_id,
    new_run_id,
    open_history,
    register_backend,
)

KEY = "sk-proj-" + "Zz9Yy8Xx7Ww6Vv5Uu4Tt3" * 2
SPEC = {"model": "m", "base": {"messages": [{"role": "user", "content": "Hi"}]}, "variants": []}


@pytest.fixture
def store(tmp_path: Path) -> SQLiteHistory:
    return SQLiteHistory(tmp_path / "runs" / "history.sqlite3")


def save(store: SQLiteHistory, **kw: object):
    args = {
        "kind": "compare",
        "spec": SPEC,
        "results": [{"text": "Hello"}],
        "model": "m",
        "endpoint": "Embedded engine",
        "base_url": "http://127.0.0.1:1/v1",
        **kw,
    }
    return store.save(**args)  # type: ignore[arg-type]


def test_save_then_get(store: SQLiteHistory) -> None:
    record = save(store)
    assert is_run_id(record.id)
    found = store.get(record.id)
    assert found == record
    assert found.spec == SPEC and found.results == [{"text": "Hello"}]


def test_unknown_and_malformed_ids_are_none(store: SQLiteHistory) -> None:
    save(store)
    assert store.get(new_run_id()) is None
    for bad in ["", "short", "x" * 100, "'; DROP TABLE runs; --", "../../a", None, 5]:
        assert store.get(bad) is None  # type: ignore[arg-type]


def test_recent_newest_first_and_by_kind(store: SQLiteHistory) -> None:
    first = save(store)
    second = save(store, kind="sweep", results={"points": []})
    third = save(store)
    assert [r.id for r in store.recent(10)] == [third.id, second.id, first.id]
    assert [r.id for r in store.recent(10, kind="sweep")] == [second.id]
    assert len(store.recent(2)) == 2


def test_unknown_kind_is_refused(store: SQLiteHistory) -> None:
    with pytest.raises(ValueError, match="kind"):
        save(store, kind="other")


def test_keys_are_never_stored(store: SQLiteHistory) -> None:
    typed = "my-own-token-0123"  # the endpoint's key, passed as a secret
    pasted = "sk-ant-" + "Q" * 30  # someone else's key pasted into a message: found by its shape
    spec = {**SPEC, "base": {"messages": [{"role": "user", "content": f"use {pasted} or {KEY}"}]}}
    record = save(
        store,
        spec=spec,
        results=[{"error": f"Incorrect API key provided: {KEY[:12]}...{KEY[-8:]}"}],
        base_url=f"http://host/v1?{typed}",
        secrets=[typed, KEY, None],
    )
    raw = b"".join(
        str(cell).encode()
        for row in sqlite3.connect(store.path).execute("SELECT * FROM runs").fetchall()
        for cell in row
    )
    for secret in (KEY, typed, pasted, KEY[-8:]):  # a masked echo of a key is removed too
        assert secret.encode() not in raw
    assert b"[redacted]" in raw
    assert KEY not in json.dumps(record.spec) and typed not in record.base_url


def test_two_stores_on_one_file_see_each_other(tmp_path: Path) -> None:
    path = tmp_path / "shared.sqlite3"
    one, two = SQLiteHistory(path), SQLiteHistory(path)
    record = save(one)
    assert two.get(record.id) == record


def test_concurrent_saves(store: SQLiteHistory) -> None:
    ids: list[str] = []

    def work() -> None:
        for _ in range(10):
            ids.append(save(store).id)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(ids)) == 40
    assert all(store.get(i) is not None for i in ids)


def test_old_runs_are_dropped_beyond_the_limit(tmp_path: Path) -> None:
    store = SQLiteHistory(tmp_path / "h.sqlite3", max_runs=3)
    records = [save(store) for _ in range(5)]
    assert store.get(records[0].id) is None and store.get(records[1].id) is None
    assert all(store.get(r.id) is not None for r in records[2:])


def test_not_a_number_is_stored_as_null(store: SQLiteHistory) -> None:
    record = save(store, results=[{"perplexity": float("inf"), "x": float("nan")}])
    assert store.get(record.id).results == [{"perplexity": None, "x": None}]  # type: ignore[union-attr]


def test_open_history_by_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    absolute = tmp_path / "a.sqlite3"
    store = open_history(f"sqlite:///{absolute}")
    assert isinstance(store, SQLiteHistory) and store.path == absolute
    monkeypatch.chdir(tmp_path)
    relative = open_history("sqlite:///rel/h.sqlite3")
    assert isinstance(relative, SQLiteHistory)
    assert relative.path == Path("rel/h.sqlite3") and (tmp_path / "rel" / "h.sqlite3").exists()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("history.sqlite3", "needs a scheme"),
        ("sqlite://", "looks like sqlite:///"),
        ("sqlite:///", "looks like sqlite:///"),
        ("postgresql://db/explorer", "register one"),
    ],
)
def test_bad_urls_explain_themselves(url: str, message: str) -> None:
    with pytest.raises(HistoryError, match=message):
        open_history(url)


def test_a_registered_backend_is_used(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    opened: list[str] = []

    def factory(url: str) -> SQLiteHistory:
        opened.append(url)
        return SQLiteHistory(tmp_path / "stand-in.sqlite3")

    monkeypatch.setattr("explorer.runs.history._BACKENDS", {})
    register_backend("postgresql", factory)
    store = open_history("postgresql://db.internal/explorer")
    assert opened == ["postgresql://db.internal/explorer"]
    assert save(store).id  # type: ignore[arg-type]


def test_default_url_follows_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(HISTORY_URL_ENV, "sqlite:////somewhere/else.sqlite3")
    assert default_history_url() == "sqlite:////somewhere/else.sqlite3"
    monkeypatch.delenv(HISTORY_URL_ENV)
    monkeypatch.setenv("EXPLORER_STATE_DIR", str(tmp_path))
    assert default_history_url() == f"sqlite:///{tmp_path / 'runs.sqlite3'}"
    assert isinstance(open_history(), SQLiteHistory)


def test_an_unwritable_place_is_a_history_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(HistoryError, match="Cannot open"):
        SQLiteHistory(blocker / "h.sqlite3")


# ---------------------------------------------------------------- migrations


def _applied(path: Path) -> list[str]:
    with sqlite3.connect(path) as db:
        return [r[0] for r in db.execute("SELECT name FROM _explorer_migrations ORDER BY name")]


def test_a_new_history_records_its_migrations_once(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    SQLiteHistory(path).save("compare", SPEC, [], model="m", endpoint="e", base_url="u")
    SQLiteHistory(path)  # opened again: nothing runs twice
    assert _applied(path) == [m.__name__ for m in MIGRATIONS]
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT count(*) FROM runs").fetchone() == (1,)


def test_a_history_from_before_the_migrations_keeps_its_runs(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as db:  # the table as the first versions made it
        db.executescript(SCHEMA)
        db.execute(
            "INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            ("abcdefgh1234", "compare", 1.0, "m", "e", "u", json.dumps(SPEC), "[]"),
        )
    store = SQLiteHistory(path)
    record = store.get("abcdefgh1234")
    assert record is not None and record.spec == SPEC
    assert _applied(path) == ["m001_runs"]


def test_a_new_migration_runs_once_on_an_existing_history(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "h.sqlite3"
    SQLiteHistory(path).save("sweep", SPEC, {}, model="m", endpoint="e", base_url="u")
    calls: list[int] = []

    def m002_note(db: sqlite3.Connection) -> None:
        calls.append(1)
        db.execute("ALTER TABLE runs ADD COLUMN note TEXT NOT NULL DEFAULT ''")

    monkeypatch.setattr("explorer.runs.history.MIGRATIONS", [*MIGRATIONS, m002_note])
    SQLiteHistory(path)
    SQLiteHistory(path)
    assert calls == [1] and _applied(path) == ["m001_runs", "m002_note"]
    with sqlite3.connect(path) as db:
        assert "note" in [row[1] for row in db.execute("PRAGMA table_info(runs)")]


def test_a_failing_migration_leaves_the_history_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "h.sqlite3"
    SQLiteHistory(path)

    def m002_broken(db: sqlite3.Connection) -> None:
        db.execute("ALTER TABLE runs ADD COLUMN half TEXT")
        db.execute("THIS IS NOT SQL")

    monkeypatch.setattr("explorer.runs.history.MIGRATIONS", [*MIGRATIONS, m002_broken])
    with pytest.raises(HistoryError):
        SQLiteHistory(path)
    assert _applied(path) == ["m001_runs"]
    with sqlite3.connect(path) as db:
        assert "half" not in [row[1] for row in db.execute("PRAGMA table_info(runs)")]
