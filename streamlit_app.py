"""Chat Completions Explorer: the entry point.

This file only routes. Each page lives in its own file under ``pages/`` and is
registered here explicitly, so a stray file in ``pages/`` never shows up in the
navigation. To add a page, add one line to ``PAGES``.
"""

import streamlit as st

# (file, title, Material icon); the first entry is the default page.
PAGES: list[tuple[str, str, str]] = [
    ("pages/playground.py", "Playground", ":material/science:"),
    ("pages/compare.py", "Compare", ":material/compare_arrows:"),
    ("pages/sweep.py", "Sweep", ":material/tune:"),
    ("pages/logprobs.py", "Logprobs", ":material/bar_chart:"),
    ("pages/sampling_lab.py", "Sampling Lab", ":material/casino:"),
    ("pages/reference.py", "Reference", ":material/menu_book:"),
    ("pages/connection.py", "Connection", ":material/lan:"),
]

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
        st.Page(path, title=title, icon=icon, default=(index == 0))
        for index, (path, title, icon) in enumerate(PAGES)
    ]
)
pg.run()
