"""What Compare and Sweep share: the base request form, share links and run history.

The base request is drawn with the Playground's own widgets (`ui.messages`,
`ui.controls`), so a request built in the Playground is the base of a
comparison, and a comparison's base shows up in the Playground. `controls.panel_state`
maps a base request onto those widgets' session keys, which is how a link
restores every control.

A page reads its link once (`incoming_link`): when the URL holds a link this
session has not seen yet, i.e. one that was opened rather than one the page
wrote itself; it then writes its current link on every run (`publish_link`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

import streamlit as st

from explorer.runs.compare import same_settings
from explorer.runs.history import HistoryError, HistoryStore, default_history_url, open_history
from explorer.runs.history import RunRecord as HistoryRecord
from explorer.runs.share import ParsedLink, link_url, parse_link

from . import controls, messages
from .connection_state import ActiveConnection, listed_models, set_model
from .form import MessageRow, message_dicts

__all__ = [
    "adopt_link_model",
    "history_store",
    "incoming_link",
    "load_base",
    "publish_link",
    "read_base",
    "recorded_run",
    "save_run",
    "share_box",
]

_SEEN = "{kind}_links_seen"  # fingerprints of links read or written in this session


def load_base(base: Mapping[str, Any]) -> None:
    """Put `base` into the shared request form (call before its widgets are drawn)."""
    messages.load_conversation(list(base.get("messages") or []))
    st.session_state.update(controls.panel_state(base))


def read_base(
    rows: list[MessageRow], collected: controls.Collected
) -> tuple[dict[str, Any], list[str]]:
    """The base request as the form holds it, and the problems that keep it from being sent."""
    message_list, problems = message_dicts(rows)
    return {"messages": message_list, **collected.params}, problems + collected.problems


# ---------------------------------------------------------------- links


def _query() -> dict[str, list[str]]:
    return {key: st.query_params.get_all(key) for key in st.query_params.keys()}


def _fingerprint(query: Mapping[str, Any], kind: str) -> str:
    name = "c" if kind == "compare" else "s"
    return json.dumps([query.get("v"), query.get(name), query.get("run")])


def incoming_link(kind: str, default: Any) -> ParsedLink | None:
    """The URL's link if it is new to this session (opened, not written by the page)."""
    query = _query()
    parsed = parse_link(query, kind, default=default)  # type: ignore[arg-type]
    seen: set[str] = st.session_state.setdefault(_SEEN.format(kind=kind), set())
    fingerprint = _fingerprint(query, kind)
    if not parsed.present or fingerprint in seen:
        return None
    seen.add(fingerprint)
    return parsed


def publish_link(kind: str, query: Mapping[str, str]) -> None:
    """Show `query` in the browser's address bar (the browser rewrites the URL)."""
    seen: set[str] = st.session_state.setdefault(_SEEN.format(kind=kind), set())
    seen.add(_fingerprint({k: [v] for k, v in query.items()}, kind))
    if {k: v[-1] for k, v in _query().items() if v} != dict(query):
        st.query_params.from_dict(query)


def share_box(query: Mapping[str, str], note: str) -> None:
    """The link to copy, with what it holds."""
    page_url = st.context.url or ""
    st.code(link_url(page_url, query), language=None, wrap_lines=True)
    st.caption(note)


# ---------------------------------------------------------------- history


@st.cache_resource(show_spinner=False)
def _store(url: str) -> HistoryStore:
    return open_history(url)


def adopt_link_model(
    model: str | None, active: ActiveConnection, notice: Callable[[str], None]
) -> None:
    """Switches to the model a link names when the endpoint lists it; otherwise says so."""
    if not model or model == active.model:
        return
    if model in listed_models(active):
        set_model(model)
        st.rerun()  # draw the sidebar and the requests with the link's model
    notice(
        f"This link was made with the model `{model}`, which this endpoint does "
        f"not list; it runs with `{active.model}` instead."
    )


def history_store() -> tuple[HistoryStore | None, str]:
    """The run history (shared by every session), or None and why not."""
    try:
        return _store(default_history_url()), ""
    except HistoryError as exc:
        return None, f"{exc.message} {exc.hint}"


def recorded_run(
    kind: str, run_id: str, canonical: dict[str, Any], notice: Callable[[str], None], button: str
) -> HistoryRecord | None:
    """The stored run a link names, if it is this app's and of these settings; else says why.

    `button` names the page's run button for the message ("press Compare to run them").
    """
    store, problem = history_store()
    record = None
    if store is not None:
        try:
            record = store.get(run_id)
        except HistoryError as exc:
            problem = exc.message
    if record is None or record.kind != kind:
        notice(
            f"The recorded outputs of run `{run_id}` are not in this app's history (it may be "
            f"kept by another deployment). The settings are restored: press {button} to run "
            "them. " + problem
        )
        return None
    if not same_settings(record.spec, canonical):
        notice(f"Run `{run_id}` was made with other settings; its outputs are not shown.")
        return None
    return record


def save_run(
    kind: str,
    canonical: dict[str, Any],
    results: Any,
    active: ActiveConnection,
    notice: Callable[[str], None],
) -> str | None:
    """Store a finished run (keys removed) and return its id; None, with a notice, if it fails."""
    store, problem = history_store()
    if store is not None and active.endpoint is not None:
        try:
            return store.save(
                kind,
                canonical,
                results,
                model=active.model,
                endpoint=active.endpoint.label,
                base_url=active.endpoint.base_url,
                secrets=[active.endpoint.api_key],
            ).id
        except HistoryError as exc:
            problem = f"{exc.message} {exc.hint}"
        except ValueError as exc:  # a result that is not JSON (NaN, an odd type): a bug
            problem = f"The run could not be stored: {exc}."
    if problem:
        notice(problem)
    return None
