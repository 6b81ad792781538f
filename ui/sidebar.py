"""The connection sidebar: endpoint, model, whether it answers; drawn once per run.

The entry point (`streamlit_app.py`) is the frame around every page: it resolves
the session's connection (starting the embedded engine on first use, with a
spinner), draws the sidebar, and runs the page inside `connection_frame()`.
A page asks for the connection it resolved with `current()`:

    with connection_frame():      # streamlit_app.py, around pg.run()
        pg.run()

    active = current()            # in a page: the same ActiveConnection, not resolved again
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from .connection_state import ActiveConnection, active_connection
from .markdown import code_span, escape_markdown

__all__ = ["CONNECTION_PAGE", "connection_frame", "current", "render_sidebar"]

CONNECTION_PAGE = "app_pages/connection.py"
# The connection the entry point resolved, kept only while its page runs.
_ACTIVE_KEY = "sidebar_active_connection"


def render_sidebar(active: ActiveConnection) -> None:
    """Which endpoint and model are in use and whether they answer; a link to change them."""
    with st.sidebar:
        st.subheader("Connection", anchor=False)
        endpoint = active.endpoint
        if endpoint is None:
            st.badge("not connected", icon=":material/error:", color="red")
            st.caption(escape_markdown(active.problem))
        else:
            st.markdown(f"**{endpoint.label}**" + (" (locked)" if endpoint.locked else ""))
            st.markdown(code_span(endpoint.base_url))
            st.markdown(
                f"Model: {code_span(active.model)}" if active.model else "Model: none chosen"
            )
            if active.health.ok:
                st.badge("answering", icon=":material/check_circle:", color="green")
            else:
                st.badge("not answering", icon=":material/error:", color="red")
                st.caption(escape_markdown(active.health.headline))
            st.caption(f"Key: {endpoint.key_description}.")
        try:
            st.page_link(CONNECTION_PAGE, label="Change connection", icon=":material/lan:")
        except StreamlitPageNotFoundError:
            pass  # a page run alone, without the navigation: there is no page to link to


def _resolve_and_draw() -> ActiveConnection:
    active = active_connection()
    render_sidebar(active)
    return active


@contextmanager
def connection_frame() -> Iterator[ActiveConnection]:
    """Resolve the connection and draw the sidebar for the page run inside the block.

    The connection is kept in session state only until the block ends (however
    it ends: st.rerun and st.stop end it too), so no later run reads a stale one.
    """
    active = _resolve_and_draw()
    st.session_state[_ACTIVE_KEY] = active
    try:
        yield active
    finally:
        st.session_state.pop(_ACTIVE_KEY, None)


def current() -> ActiveConnection:
    """The connection this run's page uses: the one the entry point resolved and drew.

    A page run without the entry point around it (a test's AppTest on the page
    file alone, or a page the entry point runs without a connection) finds none:
    then the connection is resolved and the sidebar drawn here, once per call,
    so such a page still looks and behaves as it does inside the app.
    """
    active = st.session_state.get(_ACTIVE_KEY)
    if isinstance(active, ActiveConnection):
        return active
    return _resolve_and_draw()
