"""Chat Completions Explorer: the entry point.

This file routes, and draws what every page shares: the presenter toggle and
the connection sidebar (`ui.sidebar.connection_frame`; a page reads the
connection with `ui.sidebar.current()`). Each page lives in its own file under
``app_pages/`` and is registered here explicitly, so a stray file in
``app_pages/`` never shows up in the navigation. To add a page, add one line
to ``PAGES``.

The folder is not called ``pages/`` on purpose: Streamlit treats that name as
a legacy page folder and, on a freshly started server whose first request is a
deep link (a shared comparison), would run the page alone, without this file.
"""

from typing import NamedTuple

import streamlit as st

from ui.form_state import carry_form
from ui.presenter import presenter_toggle
from ui.sidebar import connection_frame


class Page(NamedTuple):
    path: str
    title: str
    icon: str  # a Material icon
    # False: the page needs no endpoint (no connection sidebar, no engine start).
    connects: bool = True


# The navigation's sections and their pages, in order; DEFAULT_PAGE opens first.
PAGES: dict[str, list[Page]] = {
    "Learn": [
        Page("app_pages/lessons.py", "Lessons", ":material/school:"),
        Page("app_pages/playground.py", "Playground", ":material/science:"),
        Page("app_pages/compare.py", "Compare", ":material/compare_arrows:"),
        Page("app_pages/sweep.py", "Sweep", ":material/tune:"),
    ],
    "Look inside": [
        Page("app_pages/logprobs.py", "Logprobs", ":material/bar_chart:"),
        Page("app_pages/sampling_lab.py", "Sampling Lab", ":material/casino:"),
    ],
    "Reference": [
        Page("app_pages/reference.py", "Reference", ":material/menu_book:", connects=False),
        Page("app_pages/connection.py", "Connection", ":material/lan:"),
    ],
}
# The Playground stays the landing page (its first request answers in seconds);
# Lessons sit first in the navigation, where a new visitor looks for a start.
DEFAULT_PAGE = "app_pages/playground.py"

st.set_page_config(
    page_title="Chat Completions Explorer",
    page_icon=":material/forum:",
    layout="wide",
    initial_sidebar_state="auto",
    # Any menu item makes the app menu appear (client.toolbarMode is "minimal"),
    # and with it the System / Light / Dark theme switch.
    menu_items={
        "About": "**Chat Completions Explorer**: learn the OpenAI Chat Completions API "
        "by running requests and reading every field of the response.",
    },
)

# Each st.Page with its entry: st.navigation returns the very st.Page it was given.
_entries = {
    section: [
        (st.Page(p.path, title=p.title, icon=p.icon, default=(p.path == DEFAULT_PAGE)), p)
        for p in pages
    ]
    for section, pages in PAGES.items()
}
pg = st.navigation({section: [page for page, _ in pairs] for section, pairs in _entries.items()})
opened = next(entry for pairs in _entries.values() for page, entry in pairs if page is pg)
carry_form(pg.url_path)
presenter_toggle()  # every page, the Reference included, can be projected
if opened.connects:
    # The sidebar is drawn here, once, around the page (Streamlit's "frame of common
    # elements"); the page reads the same connection with ui.sidebar.current().
    with connection_frame():
        pg.run()
else:
    pg.run()
