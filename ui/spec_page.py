"""The skeleton of a spec page: Compare and Sweep (and any page built on a spec) share it.

A spec page holds one spec (a comparison, a sweep) built on the shared request
form, runs it, stores the run, and shares it as a link. Everything but the
spec's own controls, the running and the drawing of results is the same, and
lives here:

    PAGE = SpecPage(kind="sweep", button="Sweep", outputs="results", default=default_sweep,
                    with_base=..., load_settings=..., show_record=..., started_key=PARAM_KEY)
    active = sidebar.current()
    PAGE.open_link(active)               # a link opened (and its stored run), or a first visit
    PAGE.header(active, "Sweep", "One parameter over a range ...")   # title, notices
    base, problems = PAGE.base_form("The same form as the Playground ...")
    PAGE.hold(spec)                      # the spec the form holds, for other pages
    clicked = PAGE.run_bar(disabled=..., caption=...)
    run_id = PAGE.save(spec.canonical(), results, active)
    PAGE.recorded_banner(state, spec)    # above the results
    PAGE.share(spec, Sweep.model_validate, sweep_query, active)

Session keys: `<kind>_result` (the last run, or a recorded one: a dict with at
least spec, run_id, endpoint, model, recorded), `<kind>_notices` (messages for
the next run of the page), `<kind>_spec` (the spec the form holds, canonical).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, Literal, Protocol, TypeVar

import streamlit as st

from explorer.runs.compare import SpecError, same_settings
from explorer.runs.history import RunRecord

from . import controls, messages
from .connection_state import ActiveConnection
from .form_state import PLAYGROUND_REQUEST_KEY
from .spec_form import (
    adopt_link_model,
    incoming_link,
    load_base,
    publish_link,
    read_base,
    recorded_run,
    save_run,
    share_box,
)

__all__ = ["Spec", "SpecPage"]


class Spec(Protocol):
    """What a spec page needs of its spec (Comparison and Sweep have it)."""

    @property
    def model(self) -> str: ...

    @property
    def base(self) -> dict[str, Any]: ...

    def canonical(self) -> dict[str, Any]: ...


S = TypeVar("S", bound=Spec)


@dataclass(frozen=True)
class SpecPage(Generic[S]):
    """One spec page's skeleton; the page supplies what is its own."""

    kind: Literal["compare", "sweep"]
    button: str  # the run button's label, which messages name ("press Compare")
    outputs: str  # what a run gives, in words: "outputs", "results"
    default: Callable[[], S]
    # The default spec on the given base; raises SpecError when they do not fit.
    with_base: Callable[[S, dict[str, Any]], S]
    load_settings: Callable[[S], None]  # the spec's own controls (the base aside)
    show_record: Callable[[RunRecord], bool]  # a stored run into the result; False: unusable
    started_key: str  # set once the page's own controls hold something

    @property
    def result_key(self) -> str:
        return f"{self.kind}_result"

    @property
    def notices_key(self) -> str:
        return f"{self.kind}_notices"

    @property
    def spec_key(self) -> str:
        return f"{self.kind}_spec"

    @property
    def what(self) -> str:
        return "comparison" if self.kind == "compare" else self.kind

    # ---------------------------------------------------------------- opening

    def notice(self, text: str) -> None:
        """A message for the top of the page (shown on its next run)."""
        st.session_state.setdefault(self.notices_key, []).append(text)

    def load(self, spec: S) -> None:
        """Put a whole spec into the form (before its widgets are drawn)."""
        load_base(spec.base)
        self.load_settings(spec)

    def _first_visit(self) -> None:
        """Keep the Playground's request as the base if the default spec can use it, else load
        the default whole."""
        default = self.default()
        playground = st.session_state.get(PLAYGROUND_REQUEST_KEY)
        if isinstance(playground, dict):
            base = {k: v for k, v in playground.items() if k != "model"}
            try:
                self.with_base(default, base)
            except SpecError:
                pass
            else:
                self.load_settings(default)
                return
        self.load(default)

    def open_link(self, active: ActiveConnection) -> None:
        """Restore the spec (and a recorded run) from a link opened in this session; on a
        first visit without one, start from the default."""
        link = incoming_link(self.kind, self.default())
        if link is None:
            if self.started_key not in st.session_state:
                self._first_visit()
            return
        if link.error:
            self.notice(link.error)
        spec: S = link.spec  # type: ignore[assignment]  # parse_link returns this kind's spec
        self.load(spec)
        st.session_state.pop(self.result_key, None)
        if link.run_id:
            record = recorded_run(
                self.kind, link.run_id, spec.canonical(), self.notice, self.button
            )
            if record is not None and not self.show_record(record):
                self.notice(
                    f"Run `{link.run_id}` was made with other settings; its outputs are not shown."
                )
        adopt_link_model(spec.model, active, self.notice)

    # ---------------------------------------------------------------- drawing

    def header(self, active: ActiveConnection, title: str, caption: str) -> None:
        """The title, what the page does, the notices left for this run, a missing endpoint."""
        st.title(title)
        st.caption(caption)
        for text in st.session_state.pop(self.notices_key, []):
            st.warning(text, icon=":material/link_off:")
        if active.endpoint is None:
            st.error(active.problem, icon=":material/lan:")

    def base_form(self, caption: str) -> tuple[dict[str, Any], list[str]]:
        """The shared request form in an expander; the base it holds and its problems."""
        with st.expander(
            "Base request: messages and parameters (the Playground's form)",
            key=f"{self.kind}_base",
        ):
            st.caption(caption)
            left, right = st.columns([1, 1], gap="large")
            with left:
                rows = messages.messages_editor()
            with right:
                collected = controls.parameter_panel()
        return read_base(rows, collected)

    def hold(self, spec: S | None) -> None:
        """Remember the spec the form holds (canonical), or None."""
        st.session_state[self.spec_key] = spec.canonical() if spec is not None else None

    def result(self) -> dict[str, Any] | None:
        """The last run (or a recorded one) this page keeps, if any."""
        state = st.session_state.get(self.result_key)
        return state if isinstance(state, dict) else None

    def run_bar(self, *, disabled: bool, caption: str | None) -> bool:
        """The run button ("Run again" over recorded outputs) and what it will send."""
        state = self.result()
        recorded = state is not None and state.get("recorded") is not None
        with st.container(horizontal=True, vertical_alignment="center", key=f"{self.kind}_run_bar"):
            clicked = st.button(
                "Run again" if recorded else self.button,
                type="primary",
                key=f"{self.kind}_run",
                icon=":material/play_arrow:",
                disabled=disabled,
            )
            if caption:
                st.caption(caption)
        return clicked

    def recorded_banner(self, state: Mapping[str, Any], spec: S | None) -> None:
        """Above the results: that they were recorded (and when), or that they are stale."""
        shown = state["spec"]
        if state.get("recorded") is not None:
            when = dt.datetime.fromtimestamp(state["recorded"], tz=dt.UTC)
            st.info(
                f"**Recorded outputs** of run `{state['run_id']}` "
                f"({when:%Y-%m-%d %H:%M} UTC, {state['endpoint']}, model "
                f"`{state['model']}`): shown from the app's history, not run again. Press "
                "**Run again** to send the same requests now.",
                icon=":material/history:",
            )
        elif spec is not None and not same_settings(shown, spec.canonical()):
            st.caption(
                f"These {self.outputs} are from earlier settings: press {self.button} to run "
                "the new ones."
            )

    # ---------------------------------------------------------------- after a run

    def save(self, canonical: dict[str, Any], results: Any, active: ActiveConnection) -> str | None:
        """Store a finished run in the history; its id, or None (with a notice)."""
        return save_run(self.kind, canonical, results, active, self.notice)

    def share(
        self,
        spec: S,
        restore: Callable[[dict[str, Any]], S],
        query: Callable[..., dict[str, str]],
        active: ActiveConnection,
    ) -> None:
        """Write the spec's link to the address bar and offer it to copy.

        When the kept result is of these settings, the link names its run and the
        model it was made with (`restore` rebuilds that spec from its canonical form).
        """
        state = self.result()
        run_id, shared = None, spec
        if state is not None and same_settings(state["spec"], spec.canonical()):
            run_id, shared = state.get("run_id"), restore(state["spec"])
        try:
            made = query(
                shared,
                run_id=run_id,
                secrets=[active.endpoint.api_key] if active.endpoint else (),
            )
        except SpecError as exc:
            st.warning(" ".join(exc.problems), icon=":material/link_off:")
            return
        publish_link(self.kind, made)
        with st.expander(
            f"Share this {self.what}", icon=":material/share:", key=f"{self.kind}_share"
        ):
            share_box(
                made,
                "The link holds every setting above (never a key)"
                + (
                    f" and the id of the last run, whose recorded {self.outputs} it shows."
                    if run_id
                    else f"; run it to add its {self.outputs}."
                ),
            )
