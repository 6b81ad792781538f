"""What Compare and Sweep share: the base request form, share links and run history.

The base request is drawn with the Playground's own widgets (`ui.messages`,
`ui.controls`), so a request built in the Playground is the base of a
comparison, and a comparison's base shows up in the Playground. `panel_state`
maps a base request onto those widgets' session keys (the scheme documented in
`ui.controls`: `send_<name>`, `param_<name>`, `param_<name>_<part>`), which is
how a link restores every control.

A page reads its link once (`incoming_link`): when the URL holds a link this
session has not seen yet, i.e. one that was opened rather than one the page
wrote itself; it then writes its current link on every run (`publish_link`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

import streamlit as st

from explorer import params as catalog
from explorer.compare import same_settings
from explorer.history import HistoryError, HistoryStore, default_history_url, open_history
from explorer.history import RunRecord as HistoryRecord
from explorer.share import ParsedLink, link_url, parse_link

from . import controls, messages
from .connection_state import ActiveConnection, listed_models, set_model
from .form import MessageRow, message_dicts

__all__ = [
    "adopt_link_model",
    "escape_stop",
    "history_store",
    "incoming_link",
    "load_base",
    "panel_names",
    "panel_state",
    "publish_link",
    "read_base",
    "recorded_run",
    "save_run",
    "share_box",
]

_SEEN = "{kind}_links_seen"  # fingerprints of links read or written in this session


def panel_names() -> list[str]:
    """Every parameter the shared parameter panel draws."""
    return [name for names in controls.PARAM_GROUPS.values() for name in names]


def escape_stop(text: str) -> str:
    """A stop sequence as typed into the stop fields (the inverse of `ui.form.unescape`)."""
    return text.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r")


def _number(p: catalog.Param, value: Any) -> Any:
    if p.control == "slider" and not p.type.startswith("integer"):
        return float(value)
    return value


def panel_state(base: Mapping[str, Any]) -> dict[str, Any]:
    """Session keys -> values that make the parameter panel show `base` (messages aside).

    Parameters the base does not set are unticked; their values stay as they were.
    """
    state: dict[str, Any] = {}
    for name in panel_names():
        p = catalog.param(name)
        state[controls.send_key(name)] = name in base
        if name not in base:
            continue
        value = base[name]
        key = controls.value_key(name)
        if p.control in ("slider", "integer"):
            state[key] = _number(p, value)
        elif p.control in ("toggle", "text"):
            state[key] = value
        elif p.control == "stop":
            sequences = [value] if isinstance(value, str) else list(value)
            for i in range(controls.STOP_FIELDS):
                state[controls.value_key(name, str(i))] = (
                    escape_stop(sequences[i]) if i < len(sequences) else ""
                )
        elif p.control == "logit_bias":
            state[key] = "\n".join(f"{token} = {bias}" for token, bias in value.items())
        elif p.control == "response_format":
            state[key] = value["type"]
            if value["type"] == "json_schema":
                spec = value["json_schema"]
                state[controls.value_key(name, "name")] = spec.get("name", "")
                state[controls.value_key(name, "strict")] = bool(spec.get("strict"))
                state[controls.value_key(name, "schema")] = json.dumps(
                    spec.get("schema") or {}, indent=2, ensure_ascii=False
                )
        elif p.control == "tools":
            state[key] = json.dumps(value, indent=2, ensure_ascii=False)
        elif p.control == "tool_choice":
            if isinstance(value, str):
                state[key] = value
            else:
                state[key] = "a named function"
                state[controls.value_key(name, "function")] = value["function"]["name"]
        elif p.control == "stream_options":
            state[key] = bool(value.get("include_usage"))
    return state


def load_base(base: Mapping[str, Any]) -> None:
    """Put `base` into the shared request form (call before its widgets are drawn)."""
    messages.load_conversation(list(base.get("messages") or []))
    for key, value in panel_state(base).items():
        st.session_state[key] = value


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
