"""Presenter mode: large type and high contrast for a projector, fewer controls.

The flag lives in session state (`PRESENTER_KEY`, pages read it with `is_on()`)
and in the URL as `?present=1`, so an instructor's link opens in presenter mode.
The style sheet is a fixed string: nothing from a learner or a model goes into it.
"""

from __future__ import annotations

import re

import streamlit as st

from explorer.charts import ChartT, for_projector

__all__ = [
    "chart",
    "MAIN_PARAMS",
    "PRESENTER_KEY",
    "QUERY_PARAM",
    "is_on",
    "presenter_toggle",
    "scroll_after_run",
    "scroll_here",
]

PRESENTER_KEY = "presenter_mode"  # the flag pages read (bool)
TOGGLE_KEY = "presenter_toggle"  # the sidebar widget mirroring it
QUERY_PARAM = "present"
_TRUE = ("1", "true", "yes", "on")

# The Playground's controls shown in presenter mode; the rest go behind "All parameters".
MAIN_PARAMS: tuple[str, ...] = (
    "temperature",
    "top_p",
    "max_completion_tokens",
    "seed",
    "stream",
    "logprobs",
)

# Fixed CSS (no interpolation): bigger root size (Streamlit sizes in rem), black
# on white, captions (grey and 60 % opaque by default) at full contrast, less
# empty space above the title, thicker focus rings, a narrow sidebar (the
# projector's width is for the page). Only inline code gets a grey ground:
# inside a code block each line is its own element, and a ground per line
# would stripe the model's text.
PRESENTER_CSS = """<style>
html { font-size: 22px; }
.stApp, [data-testid="stSidebar"], [data-testid="stMain"] {
  background-color: #ffffff !important; color: #000000 !important;
}
[data-testid="stSidebar"] { background-color: #f3f3f3 !important; }
.stApp p, .stApp li, .stApp label, .stApp span, .stApp h1, .stApp h2, .stApp h3,
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p,
[data-testid="stWidgetLabel"] p, [data-testid="stMarkdownContainer"] {
  color: #000000 !important;
}
[data-testid="stCaptionContainer"] { opacity: 1 !important; }
[data-testid="stWidgetLabel"] p { font-weight: 600; }
[data-testid="stMainBlockContainer"] {
  padding: 2.5rem 1.5rem 4rem 1.5rem !important; max-width: none !important;
}
.stApp h1 { font-size: 2.2rem; }
textarea, input { font-size: 1rem !important; color: #000000 !important; }
.stApp code { color: #000000 !important; }
.stApp code { background-color: #e8e8e8 !important; }
.stApp pre code { background-color: transparent !important; }
[data-testid="stSidebar"] { width: 240px !important; min-width: 240px !important; }
[data-testid="stSidebar"] :is(p, span, label, code) { font-size: 0.75rem !important; }
.stApp *:focus-visible { outline: 3px solid #0b5cad !important; outline-offset: 2px; }
</style>"""


def is_on() -> bool:
    """Whether this session is in presenter mode."""
    return bool(st.session_state.get(PRESENTER_KEY, False))


def _from_url() -> bool:
    return str(st.query_params.get(QUERY_PARAM, "")).strip().lower() in _TRUE


def _on_toggle() -> None:
    st.session_state[PRESENTER_KEY] = bool(st.session_state[TOGGLE_KEY])


def presenter_toggle() -> bool:
    """Draw the sidebar toggle, keep flag and URL in step, apply the style; returns the flag."""
    if PRESENTER_KEY not in st.session_state:
        # The session's first run takes the URL's word: a link with ?present=1 opens in it.
        st.session_state[PRESENTER_KEY] = _from_url()
    st.session_state[TOGGLE_KEY] = is_on()
    with st.sidebar:
        st.toggle(
            "Presenter mode",
            key=TOGGLE_KEY,
            on_change=_on_toggle,
            help="Large type and high contrast for a projector; secondary controls "
            "fold away. The link (?present=1) opens in presenter mode.",
        )
    on = is_on()
    # Page changes drop the query string: put the flag back while it is on.
    if on and st.query_params.get(QUERY_PARAM) != "1":
        st.query_params[QUERY_PARAM] = "1"
    elif not on and QUERY_PARAM in st.query_params:
        del st.query_params[QUERY_PARAM]
    if on:
        st.html(PRESENTER_CSS)
    return on


def chart(chart: ChartT) -> ChartT:
    """`chart` as presenter mode draws it: large black axis and legend text; else as it is."""
    return for_projector(chart) if is_on() else chart


SCROLL_KEY = "presenter_scroll_to"  # the container to bring into view on the next draw
_SAFE_KEY = re.compile(r"[a-z0-9_]+")


def scroll_after_run(key: str) -> None:
    """Ask for the container with widget key `key` to be scrolled into view once it is drawn."""
    if is_on():
        st.session_state[SCROLL_KEY] = key


def scroll_here(key: str) -> None:
    """Scroll the container `key` into view if a run asked for it (presenter mode only).

    A projector shows little of the page at 22 px type: after Run, the results
    would sit below the fold. Call this after the container is drawn. The script
    is fixed text around a key checked to be a plain identifier.
    """
    if not is_on() or st.session_state.get(SCROLL_KEY) != key:
        return
    del st.session_state[SCROLL_KEY]
    if not _SAFE_KEY.fullmatch(key):
        raise ValueError(f"not a widget key: {key!r}")
    # The page header is fixed over the top of the page: stop below it.
    st.html(
        "<script>setTimeout(() => { const el = document.querySelector('.st-key-"
        + key
        + "'); if (el) { el.style.scrollMarginTop = '4.5rem'; "
        "el.scrollIntoView({block: 'start'}); } }, 150);</script>",
        unsafe_allow_javascript=True,
    )
