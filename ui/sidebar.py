"""The connection sidebar every page shows: endpoint, model, whether it answers.

Call `connection_sidebar()` at the top of a page: it resolves the session's
endpoint (starting the embedded engine on first use, with a spinner) and draws
the sidebar, and returns the `ActiveConnection` the page uses for its requests.
"""

from __future__ import annotations

import streamlit as st

from .connection_state import ActiveConnection, active_connection
from .markdown import code_span, escape_markdown

__all__ = ["CONNECTION_PAGE", "connection_sidebar", "render_sidebar"]

CONNECTION_PAGE = "app_pages/connection.py"


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
        st.page_link(CONNECTION_PAGE, label="Change connection", icon=":material/lan:")


def connection_sidebar() -> ActiveConnection:
    """Resolve the session's connection and draw the sidebar; returns the connection."""
    active = active_connection()
    render_sidebar(active)
    return active
