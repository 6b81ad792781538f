"""Chat Completions Explorer: the entry point.

This file only routes. Each page lives in its own file under ``app_pages/`` and is
registered here explicitly, so a stray file in ``app_pages/`` never shows up in the
navigation. To add a page, add one line to ``PAGES``.

The folder is not called ``pages/`` on purpose: Streamlit treats that name as
a legacy page folder and, on a freshly started server whose first request is a
deep link (a shared comparison), would run the page alone, without this file.
"""

import streamlit as st

from ui.form_state import carry_form
from ui.presenter import presenter_toggle

# (file, title, Material icon), in navigation order; DEFAULT_PAGE opens first.
PAGES: list[tuple[str, str, str]] = [
    ("app_pages/lessons.py", "Lessons", ":material/school:"),
    ("app_pages/playground.py", "Playground", ":material/science:"),
    ("app_pages/compare.py", "Compare", ":material/compare_arrows:"),
    ("app_pages/sweep.py", "Sweep", ":material/tune:"),
    ("app_pages/logprobs.py", "Logprobs", ":material/bar_chart:"),
    ("app_pages/sampling_lab.py", "Sampling Lab", ":material/casino:"),
    ("app_pages/reference.py", "Reference", ":material/menu_book:"),
    ("app_pages/connection.py", "Connection", ":material/lan:"),
]
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

pg = st.navigation(
    [
        st.Page(path, title=title, icon=icon, default=(path == DEFAULT_PAGE))
        for path, title, icon in PAGES
    ]
)
carry_form(pg.url_path)
presenter_toggle()  # every page, the Reference included, can be projected
pg.run()
