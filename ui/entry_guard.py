"""Make a page that was opened directly run inside the app's own navigation.

Streamlit 1.67 decides per process whether an app uses the legacy `pages/`
folder: until `st.navigation` has run once, a URL such as `/compare` runs
`pages/compare.py` on its own, with an automatic menu of every file in `pages/`
and without the entry point (no page config, no page titles). That happens
exactly when a share link is the first request a freshly started replica
serves. `use_app_navigation()` at the top of a page notices that case and
reruns through the entry point, whose `st.navigation` then opens the page the
URL names (its query string included).

It acts only the first time a session runs such a page, before any widget of
it can have been used, so no click is lost to the rerun.
"""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

__all__ = ["use_app_navigation"]

_CHECKED = "app_navigation_checked"


def use_app_navigation() -> None:
    """Rerun through the entry point if this page runs as a legacy `pages/` script."""
    if st.session_state.get(_CHECKED):
        return
    st.session_state[_CHECKED] = True
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False  # what st.navigation itself does
        st.rerun()
